"""同步: on demand and automatic, with progress in records and bytes, and each record's state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sync import SUPERSEDED, OutboxState, Progress, RecordState

from .. import strings as s
from ..domain.tasks import superseded_hashes
from ..services.sync_service import SyncReport, SyncService
from .base import Observable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordLine:
    """One signed record on this phone, as the sync screen lists it."""

    id: str
    task_id: str
    seq: int
    entity_name: str
    created_at: str
    state: str  # a key of sync.state_label: a platform or outbox state, or sync.SUPERSEDED
    error: str | None


def record_state(row: dict[str, Any], *, superseded: bool = False) -> str:
    """The record's outbox state until the platform holds it, then the platform's state;
    ``sync.SUPERSEDED`` (已修订) for a returned record whose revision the platform holds."""
    if row["outbox"] in (OutboxState.PENDING, OutboxState.REJECTED):
        return str(row["outbox"])
    state = str(row["server_state"] or RecordState.SUBMITTED)
    if superseded and state == RecordState.RETURNED:
        return SUPERSEDED
    return state


def signed_message(row: dict[str, Any] | None) -> str:
    """What the snackbar says once a record is signed and, when online, the sync after it has
    run: that it reached the platform only when the platform holds it (the chip then says 已提交)."""
    if row is None or row["outbox"] == OutboxState.PENDING:
        return s.SIGNED
    if row["outbox"] == OutboxState.REJECTED:
        return s.SIGNED_REJECTED.format(error=row["error"] or "")
    if row["server_state"] == RecordState.INCOMPLETE:
        return s.SIGNED_PHOTOS_PENDING
    return s.SIGNED_UPLOADED


def human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class SyncModel(Observable):
    def __init__(self, service: SyncService, interval_seconds: int) -> None:
        super().__init__()
        self.service = service
        self.interval_seconds = interval_seconds
        self.running = False
        self.progress: Progress | None = None
        self.report: SyncReport | None = None
        self.online: bool | None = None
        self.on_synced: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        return self.service.pending_count()

    def records(self) -> list[RecordLine]:
        store = self.service.store
        names = store.entity_names()
        lines = []
        rows = store.records()
        superseded = superseded_hashes(rows)
        for row in reversed(rows):
            name = names.get(row["task_id"], row["task_id"])
            lines.append(RecordLine(row["id"], row["task_id"], row["seq"], name, row["created_at"],
                                    record_state(row, superseded=row["hash"] in superseded), row["error"]))
        return lines

    def progress_text(self) -> str:
        """Records and bytes pushed so far; empty when nothing is being pushed (a sync that only
        asks for tasks and states): "记录 0/0 0 B / 0 B" said nothing."""
        p = self.progress
        if p is None or p.records_total == 0:
            return ""
        return s.SYNC_PROGRESS.format(done=p.records_done, total=p.records_total,
                                      bytes_done=human_bytes(p.bytes_done),
                                      bytes_total=human_bytes(p.bytes_total))

    def progress_value(self) -> float | None:
        p = self.progress
        if p is None or p.bytes_total == 0:
            return None if self.running else 1.0
        return p.bytes_done / p.bytes_total

    async def sync_now(self) -> SyncReport | None:
        """One sync; ``None`` if one is already running (taps while it runs do nothing)."""
        if self._lock.locked():
            return None
        async with self._lock:
            loop = asyncio.get_running_loop()
            self.running, self.progress = True, None
            self.changed()

            def on_progress(progress: Progress) -> None:  # called on the sync thread
                self.progress = progress
                loop.call_soon_threadsafe(self.changed)

            # Cancelling this coroutine (退出登记, the app closing) does not stop the thread:
            # the lock is held until the thread is done writing to the store, so ``finished``
            # never returns while a sync still writes (it would put tasks back after 退出登记).
            work = asyncio.ensure_future(asyncio.to_thread(self.service.run, on_progress))
            try:
                report = await asyncio.shield(work)
            except asyncio.CancelledError:
                await asyncio.wait([work])
                raise
            finally:
                self.running = False
            self.report = report
            self.online = not report.offline
            self.changed()
            for callback in self.on_synced:
                callback()
            return report

    async def finished(self) -> None:
        """Return once no sync is running (one under way writes to the store until it ends)."""
        async with self._lock:
            return

    async def run_automatically(self) -> None:
        """Sync now and then every ``interval_seconds`` while the platform answers."""
        while True:
            try:
                self.online = await asyncio.to_thread(self.service.reachable)
                self.changed()
                if self.online:
                    await self.sync_now()
            except Exception:
                log.exception("automatic sync failed")
            await asyncio.sleep(self.interval_seconds)

