"""Results pushed to the provincial platform (issue 27 point 5: 各平台监管信息互联互通；谁检查、谁录入、
谁公开).

Every leaf of the publication log (a publication, correction, follow-up or withdrawal of a
result) gets a row of ``province_outbox`` in the transaction that appends it (``log._append``),
so a leaf committed is a leaf to push and nothing is lost between the two. A pusher (a thread of
each server process while ``ZSC_PROVINCE_ENDPOINT`` is set, or ``province-push`` on a timer)
claims due rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the conditional update
alone on SQLite's single writer), POSTs each row's body and records the answer:

- 2xx (a new result, or "already have it") and 409 (the receiver's "already have it"): delivered;
- 429, 5xx, a timeout or a broken connection: retried after an exponential backoff with a cap;
- any other 4xx: failed for good, the answer kept for the administrator, who may retry it.

The body is the same on every attempt and in ``province-export``'s batch file (:func:`body`):
the announcement's eleven columns (``announcements.COLUMNS``, headings as keys, in the national
order) and the leaf's receipt — the entry, its index, the signed tree head of the log just after
it and the inclusion proof — which ``python -m sync.verify result`` checks with ``sync`` alone.
The idempotency key is the leaf hash (hex): sent as the ``Idempotency-Key`` header and in the
body, the same for every attempt of one leaf and different for any two leaves.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.clock import CHINA, log_stamp
from server_stub.core.config import Settings
from server_stub.core.merkle_log import Log
from server_stub.publication.announcements import COLUMNS
from sync import b64url_encode, canonical_bytes, entry_leaf_hash, hex_hashes

log = logging.getLogger(__name__)

BODY_TYPE = "zsc-province-result/1"
MANIFEST_TYPE = "zsc-province-batch/1"
KEY_HEADER = "Idempotency-Key"
ANSWER_KEPT = 2000
"""Characters of a receiver's answer kept for the administrator."""
BATCH = 20
"""Rows one pusher claims at a time."""


class State(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


STATE_LABELS = {State.PENDING: "待推送", State.DELIVERED: "已送达", State.FAILED: "推送失败"}


@dataclass(frozen=True)
class PushSettings:
    """Where and how to push (``core.config.Settings``' ``province_*``)."""

    endpoint: str
    token: str | None = None
    timeout: float = 10.0
    poll: float = 5.0
    backoff: float = 5.0
    backoff_cap: float = 3600.0

    @property
    def lease(self) -> float:
        """How long a claimed row is this pusher's: past one whole attempt, so that a row is
        sent again only after its pusher died or hung."""
        return 2 * self.timeout + 5


def push_settings(settings: Settings) -> PushSettings | None:
    """The pusher's settings, or None when no endpoint is set."""
    if not settings.province_endpoint:
        return None
    token = settings.province_token.get_secret_value() if settings.province_token else None
    return PushSettings(endpoint=settings.province_endpoint, token=token,
                        timeout=settings.province_timeout, poll=settings.province_poll,
                        backoff=settings.province_backoff,
                        backoff_cap=settings.province_backoff_cap)


def backoff(attempts: int, first: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``first``, then doubling, never
    more than ``cap``."""
    return float(min(cap, first * 2 ** min(max(attempts - 1, 0), 60)))


def enqueue(conn: sa.Connection, index: int, entry: Mapping[str, Any], now: dt.datetime) -> None:
    """Adds leaf ``index`` of the publication log, just appended in this transaction, to the
    outbox: it commits with the leaf or not at all."""
    conn.execute(t.province_outbox.insert().values(
        leaf=index, key=entry_leaf_hash(entry).hex(), kind=str(entry["kind"]),
        record_id=str(entry["record_id"]), state=State.PENDING, attempts=0, next_try=0.0,
        created_at=now))


# --- the body ------------------------------------------------------------------------------------


def columns(result: Mapping[str, Any]) -> dict[str, str]:
    """The announcement's eleven columns of ``result`` (a leaf's), headings as keys."""
    return {title: str(result.get(key) or "") for key, title in COLUMNS}


def make_body(receipt: Mapping[str, Any], shown: Mapping[str, Any]) -> dict[str, Any]:
    """The body pushed for a leaf: its ``receipt`` (index, entry, tree head, proof) and the
    columns of ``shown``, the result the leaf publishes (a withdrawal's: the one it withdraws)."""
    entry = receipt["entry"]
    return {"type": BODY_TYPE, "idempotency_key": entry_leaf_hash(entry).hex(),
            "kind": entry["kind"], "record_id": entry["record_id"], "at": entry["at"],
            "withdrawn": entry["kind"] == "withdraw", "reason": entry.get("reason"),
            "columns": columns(shown), "receipt": dict(receipt)}


def body(conn: sa.Connection, index: int) -> dict[str, Any]:
    """The body of leaf ``index``, against the head signed just after it (every leaf's act signs
    one), so that every attempt and the batch file carry the same bytes."""
    stored = merkle_log.leaf(conn, Log.PUBLICATION, index)
    assert stored is not None, "the outbox names only leaves that exist"
    head = (merkle_log.head_at(conn, Log.PUBLICATION, index + 1)
            or merkle_log.latest_head(conn, Log.PUBLICATION))
    assert head is not None and head["size"] > index, "every leaf's act signs a head"
    proof = hex_hashes(merkle_log.inclusion(conn, Log.PUBLICATION, index, head["size"]))
    entry = stored.entry
    shown = entry.get("result")
    amended = entry.get("amends")
    while shown is None and isinstance(amended, int):  # a withdrawal: the result it withdraws
        before = merkle_log.leaf(conn, Log.PUBLICATION, amended)
        assert before is not None
        shown, amended = before.entry.get("result"), before.entry.get("amends")
    return make_body({"index": index, "entry": entry, "tree_head": head, "proof": proof},
                     shown or {})


# --- claiming and answering ----------------------------------------------------------------------


def claim(conn: sa.Connection, worker: str, lease: float, *, limit: int = BATCH,
          at: float | None = None) -> list[int]:
    """Claims up to ``limit`` due rows for ``worker`` for ``lease`` seconds, oldest leaf first;
    a row another pusher holds (its lease running, or locked right now) is skipped."""
    o = t.province_outbox
    at = time.time() if at is None else at
    due = sa.and_(o.c.state == State.PENDING, o.c.next_try <= at,
                  sa.or_(o.c.lease_until.is_(None), o.c.lease_until <= at))
    candidates = list(conn.execute(sa.select(o.c.leaf).where(due).order_by(o.c.leaf).limit(limit)
                                   .with_for_update(skip_locked=True)).scalars())
    claimed = []
    for leaf in candidates:
        if conn.execute(o.update().where(o.c.leaf == leaf, due)
                        .values(lease_until=at + lease, leased_by=worker)).rowcount == 1:
            claimed.append(int(leaf))
    return claimed


def _answer(response: httpx.Response | None, error: str | None) -> str:
    text = error if response is None else f"HTTP {response.status_code} {response.text}"
    return (text or "")[:ANSWER_KEPT]


def settle(conn: sa.Connection, leaf: int, worker: str, response: httpx.Response | None,
           error: str | None, settings: PushSettings, *, at: float | None = None) -> State:
    """Records the answer to an attempt of ``leaf`` (``response``, or the transport ``error``)."""
    o = t.province_outbox
    at = time.time() if at is None else at
    status = None if response is None else response.status_code
    row = conn.execute(sa.select(o.c.attempts, o.c.state, o.c.leased_by)
                       .where(o.c.leaf == leaf)).one()
    if row.state == State.DELIVERED:
        return State.DELIVERED  # another pusher's attempt got there first: nothing to undo
    delivered = status is not None and (200 <= status < 300 or status == 409)
    if row.leased_by not in (worker, None) and not delivered:
        # this attempt outlived its lease and another pusher holds the row now: its attempt
        # decides (a delivery is a fact and is kept whoever saw it)
        return State(row.state)
    attempts = int(row.attempts) + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status": status,
                              "last_answer": _answer(response, error), "lease_until": None,
                              "leased_by": None}
    if delivered:
        state = State.DELIVERED
        values["delivered_at"] = dt.datetime.now(dt.UTC)
    elif status is not None and 400 <= status < 500 and status != 429:
        state = State.FAILED
    else:
        state = State.PENDING
        values["next_try"] = at + backoff(attempts, settings.backoff, settings.backoff_cap)
    conn.execute(o.update().where(o.c.leaf == leaf, o.c.state == State.PENDING)
                 .values(state=state, **values))
    return state


def send(client: httpx.Client, settings: PushSettings,
         payload: Mapping[str, Any]) -> tuple[httpx.Response | None, str | None]:
    """One POST of ``payload``: the answer, or the transport error as text."""
    # A connection per attempt: a receiver that answers twice must not leave its second answer
    # on a kept-alive connection, where it would pass for the answer to the next leaf.
    headers = {KEY_HEADER: str(payload["idempotency_key"]), "Content-Type": "application/json",
               "Connection": "close"}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    try:
        return client.post(settings.endpoint, content=json.dumps(payload, ensure_ascii=False)
                           .encode(), headers=headers, timeout=settings.timeout), None
    except httpx.HTTPError as e:
        return None, f"{type(e).__name__}: {e}"[:ANSWER_KEPT]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def push_once(engine: sa.Engine, settings: PushSettings, client: httpx.Client,
              worker: str) -> dict[State, int]:
    """Claims what is due and pushes it, oldest first; stops at the first attempt that is to be
    retried, so that a later leaf does not overtake an earlier one from this pusher. Returns how
    many attempts ended in each state."""
    done = dict.fromkeys(State, 0)
    with engine.begin() as conn:
        claimed = claim(conn, worker, settings.lease)
    for n, leaf in enumerate(claimed):
        with engine.connect() as conn:
            payload = body(conn, leaf)
        response, error = send(client, settings, payload)
        with engine.begin() as conn:
            state = settle(conn, leaf, worker, response, error, settings)
        done[state] += 1
        if state == State.PENDING:
            release(engine, worker, claimed[n + 1:])
            break
    return done


def release(engine: sa.Engine, worker: str, leaves: list[int]) -> None:
    """Gives back rows claimed but not tried."""
    if not leaves:
        return
    o = t.province_outbox
    with engine.begin() as conn:
        conn.execute(o.update().where(o.c.leaf.in_(leaves), o.c.leased_by == worker)
                     .values(lease_until=None, leased_by=None))


class Pusher:
    """The pusher of one server process: a daemon thread that pushes what is due every
    ``settings.poll`` seconds until stopped."""

    def __init__(self, engine: sa.Engine, settings: PushSettings) -> None:
        self.engine, self.settings = engine, settings
        self.worker = worker_name()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="province-pusher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.settings.timeout + 5)

    def _run(self) -> None:
        with httpx.Client() as client:
            while not self._stop.is_set():
                try:
                    push_once(self.engine, self.settings, client, self.worker)
                except Exception:  # the database away for a moment: the next round tries again
                    log.exception("province push round failed")
                self._stop.wait(self.settings.poll)


# --- the administrator's view --------------------------------------------------------------------


def outbox(conn: sa.Connection, *, state: State | None = None,
           limit: int = 200) -> dict[str, Any]:
    """Counts per state and the rows (of ``state``, or all not delivered), oldest first."""
    o = t.province_outbox
    counts = dict.fromkeys((s.value for s in State), 0)
    counts.update({str(s): int(n) for s, n in conn.execute(
        sa.select(o.c.state, sa.func.count()).group_by(o.c.state))})
    where = o.c.state == state if state else o.c.state != State.DELIVERED
    rows = conn.execute(sa.select(o).where(where).order_by(o.c.leaf).limit(limit)).mappings()
    return {"counts": counts, "entries": [{
        "leaf": r["leaf"], "key": r["key"], "kind": r["kind"], "record_id": r["record_id"],
        "state": r["state"], "attempts": r["attempts"], "last_status": r["last_status"],
        "last_answer": r["last_answer"],
        "next_try": (dt.datetime.fromtimestamp(r["next_try"], dt.UTC).isoformat()
                     if r["state"] == State.PENDING and r["next_try"] else None),
        "delivered_at": r["delivered_at"].isoformat() if r["delivered_at"] else None}
        for r in rows]}


def retry(conn: sa.Connection, leaves: list[int] | None = None) -> int:
    """Puts failed rows (``leaves``, or every failed one) back to be pushed now; returns how many."""
    o = t.province_outbox
    where = [o.c.state == State.FAILED] + ([o.c.leaf.in_(leaves)] if leaves is not None else [])
    return int(conn.execute(o.update().where(*where).values(
        state=State.PENDING, next_try=0.0, attempts=0, lease_until=None, leased_by=None)).rowcount)


# --- the batch file ------------------------------------------------------------------------------


def leaves_between(conn: sa.Connection, since: dt.date, until: dt.date) -> Iterator[int]:
    """The publication log's leaves whose act fell on ``since`` … ``until`` (China dates)."""
    e = t.log_entries
    for index, entry in conn.execute(sa.select(e.c.idx, e.c.entry)
                                     .where(e.c.log == Log.PUBLICATION).order_by(e.c.idx)):
        at = dt.datetime.fromisoformat(json.loads(entry)["at"])
        if since <= at.astimezone(CHINA).date() <= until:
            yield int(index)


def sign_manifest(payload: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The manifest with its Ed25519 signature over the canonical JSON of the rest."""
    return {**payload, "signature": b64url_encode(key.sign(canonical_bytes(payload)))}


def export_batch(conn: sa.Connection, since: dt.date, until: dt.date, out_dir: Path,
                 key: Ed25519PrivateKey, now: dt.datetime) -> tuple[Path, Path, int]:
    """Writes the period's bodies as JSON Lines and the signed manifest into ``out_dir``;
    returns both paths and the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"zsc-province-{since.isoformat()}_{until.isoformat()}"
    data = out_dir / f"{stem}.jsonl"
    count = 0
    with data.open("wb") as f:
        for index in leaves_between(conn, since, until):
            f.write(json.dumps(body(conn, index), ensure_ascii=False, sort_keys=True).encode()
                    + b"\n")
            count += 1
    head = merkle_log.latest_head(conn, Log.PUBLICATION)
    manifest = sign_manifest({
        "type": MANIFEST_TYPE, "since": since.isoformat(), "until": until.isoformat(),
        "created_at": log_stamp(now), "count": count, "tree_head": head,
        "files": [{"name": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                   "count": count}]}, key)
    path = out_dir / f"{stem}.manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data, path, count
