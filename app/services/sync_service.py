"""Sync with the platform: push the outbox, then pull the tasks (and the records' states).

``SyncService.run`` blocks (the engine is synchronous httpx); callers run it in a thread. Every
failure becomes a ``SyncReport`` with a Chinese message saying what happened and what to do,
never an exception: the outbox is untouched by a failure and the next run resumes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from sync import (
    AuthError,
    Progress,
    RecordState,
    RetryPolicy,
    SyncEngine,
    SyncError,
    TransportError,
)

from .. import strings as s
from ..store import Enrolment, LocalStore, StorageFullError
from .http import tls

# A phone that cannot reach the platform should say so within seconds; the outbox keeps
# everything and the automatic sync tries again at the next interval.
UI_RETRY = RetryPolicy(attempts=2, base_seconds=0.5, cap_seconds=2.0)


@dataclass(frozen=True)
class SyncReport:
    ok: bool
    message: str
    accepted: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    tasks: int = 0
    offline: bool = False
    at: str = ""
    returned: int = 0
    """How many of this phone's records the platform has newly returned (to be revised)."""


class SyncService:
    def __init__(self, store: LocalStore, enrolment: Enrolment, *, timeout: float,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.store = store
        self.enrolment = enrolment
        self.timeout = timeout
        self.transport = transport

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.enrolment.server_url, timeout=self.timeout,
                            transport=self.transport, verify=tls(),
                            headers={"Authorization": f"Bearer {self.enrolment.token}"})

    def reachable(self) -> bool:
        """Whether the platform answers its health check now (one quick try)."""
        try:
            with self._client() as client:
                return client.get("/api/v1/health", timeout=min(self.timeout, 3.0)).is_success
        except httpx.HTTPError:
            return False

    def pending_count(self) -> int:
        return len(self.store.pending_records())

    def sign_out_refusal(self) -> str | None:
        """Why 退出登记 must wait, or None: a signed record or a 回避申请 the platform does not
        have yet would be lost with the data it forgets."""
        reasons = []
        if records := self.pending_count():
            reasons.append(s.SIGN_OUT_BLOCKED.format(count=records))
        if recusals := len(self.store.recusals(pending=True)):
            reasons.append(s.SIGN_OUT_BLOCKED_RECUSALS.format(count=recusals))
        return "\n".join(reasons) or None

    def run(self, on_progress: Callable[[Progress], None] | None = None) -> SyncReport:
        at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        with self._client() as client:
            engine = SyncEngine(client, self.store, retry=UI_RETRY, on_progress=on_progress)
            try:
                pushed = engine.push()
                tasks = engine.pull_tasks()
            except TransportError:
                return SyncReport(False, s.SYNC_OFFLINE, offline=True, at=at)
            except AuthError:
                return SyncReport(False, s.SYNC_AUTH, at=at)
            except SyncError as e:
                return SyncReport(False, s.SYNC_ERROR.format(message=e), at=at)
        try:
            self.store.save_tasks(tasks, at)
        except StorageFullError as e:  # the tasks as pulled before stay, history and all
            return SyncReport(False, str(e), len(pushed.accepted), pushed.rejected, at=at)
        known = {r["id"]: r["server_state"] for r in self.store.records()}
        returned = 0
        for task in tasks:
            record = task.get("record")
            if record and record["id"] in known:
                if record["state"] == RecordState.RETURNED and known[record["id"]] != RecordState.RETURNED:
                    returned += 1
                self.store.update_server_state(record["id"], record["state"])
        message = s.SYNC_DONE_DETAIL.format(accepted=len(pushed.accepted), tasks=len(tasks))
        if pushed.rejected:
            message += "；" + s.SYNC_REJECTED.format(count=len(pushed.rejected))
        if returned:
            message += "；" + s.SYNC_RETURNED.format(count=returned)
        return SyncReport(True, message, len(pushed.accepted), pushed.rejected, len(tasks), at=at,
                          returned=returned)
