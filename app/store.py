"""The app's offline state: one SQLite file through ``sqlite-utils`` (DESIGN §2).

Everything an inspector does is written here first and survives the app being killed at any
moment: SQLite commits are atomic, every change below is one transaction, and nothing is ever
deleted before the platform has acknowledged it. The schema has a version and migrations,
registered in order with ``@migration``.

One connection serves the whole app, and the UI loop (a draft saved on every keystroke) and the
sync worker thread both use it: every public method holds the store's lock for its whole
transaction (``@serialised``), so one thread's write can never become a savepoint inside another
thread's transaction and vanish with its rollback.

Tables: ``meta`` (schema version), ``enrolment`` (this device: server, id, token, inspector),
``tasks`` (as pulled, JSON), ``task_history`` (each task's enterprise's earlier inspections, JSON), ``drafts`` (a record being filled in, per task), ``photos`` (processed
JPEGs and thumbnails by SHA-256), ``records`` (signed envelopes: the outbox and the history),
``recusals`` (回避 requested on site, until sent).

The file holds the bearer token, the tasks, the records and the photos: its directory is 0700 and
the database 0600 (``LocalStore.open``), as the device key's file is. SQLite gives the ``-wal``,
``-shm`` and ``-journal`` files it makes the database's own mode, so they are 0600 too; files
and a directory left more open by an older install are narrowed at every open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

from sqlite_utils import Database

from sync import OutboxState, PendingRequest, TaskJson, photo_hashes, validate_record

from . import strings as s

Migration = Callable[[Database], None]
MIGRATIONS: list[Migration] = []


def migration(func: Migration) -> Migration:
    """Register the next schema migration (they run in the order they are defined)."""
    MIGRATIONS.append(func)
    return func


@migration
def _initial_schema(db: Database) -> None:
    db.table("enrolment").create({"id": int, "server_url": str, "device_id": str, "token": str,
                                  "role": str, "inspector": str, "enrolled_at": str}, pk="id")
    db.table("tasks").create({"id": str, "data": str, "pulled_at": str}, pk="id")
    db.table("drafts").create({"task_id": str, "data": str, "updated_at": str}, pk="task_id")
    db.table("photos").create({"sha256": str, "task_id": str, "jpeg": bytes, "thumbnail": bytes,
                               "uploaded": int, "created_at": str}, pk="sha256")
    db.table("records").create(
        {"id": str, "task_id": str, "seq": int, "hash": str, "envelope": str, "photos": str,
         "outbox": str, "server_state": str, "error": str, "created_at": str, "acked_at": str},
        pk="id", not_null={"task_id", "seq", "hash", "envelope", "photos", "outbox"},
    )
    db.table("records").create_index(["seq"], unique=True)
    db.table("records").create_index(["task_id"])
    db.table("photos").create_index(["task_id"])


@migration
def _enrolment_key(db: Database) -> None:
    """Which key the device enrolled with, and where its private half is kept (never here)."""
    db.table("enrolment").add_column("public_key", str)
    db.table("enrolment").add_column("key_storage", str)


@migration
def _task_history(db: Database) -> None:
    """Each task's 检查历史, apart from the task: the history is replaced whole at every pull, and
    the task list reads it only for the warning marks. At most ``HISTORY_LIMIT`` entries of a few
    hundred bytes each per task (the platform's limit), dropped with their task."""
    db.table("task_history").create({"task_id": str, "data": str}, pk="task_id")


@migration
def _recusals(db: Database) -> None:
    """回避 requested on site, kept until the platform has them (issue 14)."""
    db.table("recusals").create(
        {"id": str, "task_id": str, "inspector_id": str, "inspector_name": str, "reason": str,
         "requested_at": str, "sent": int, "error": str}, pk="id",
        not_null={"task_id", "inspector_id", "reason", "requested_at", "sent"})
    db.table("recusals").create_index(["task_id"])


SCHEMA_VERSION = len(MIGRATIONS)
KEPT_TABLES = frozenset({"meta"})
"""What 退出登记 leaves: the schema's version. Every other table is emptied (``forget``)."""

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside the database while it writes."""


def _make_private(path: Path) -> None:
    """``path``'s directory 0700 and the database with its side files 0600, created so when
    missing (an empty file is an empty database) and narrowed when an older install left them
    open: SQLite gives a side file it creates the database's mode, never the umask's."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path.parent, PRIVATE_DIR)
    if not path.exists():
        # Never open (and close) a database SQLite may hold: closing any descriptor of a file
        # drops every POSIX lock this process has on it, SQLite's included (a reader beside it
        # then met "disk I/O error" in the fault tests).
        with contextlib.suppress(FileExistsError):  # made meanwhile by another opener
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for file in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        try:
            os.chmod(file, PRIVATE_FILE)
        except FileNotFoundError:
            pass  # not there (or SQLite just removed it, closing another connection)


class StorageFullError(Exception):
    """The phone's storage is full: the write did not happen, everything saved before is intact."""


@contextmanager
def _writing() -> Iterator[None]:
    """Turn SQLite's "database or disk is full" into ``StorageFullError`` with a Chinese message;
    the failed transaction has been rolled back, so nothing is half-written."""
    try:
        yield
    except sqlite3.OperationalError as e:
        if "full" in str(e):
            raise StorageFullError(s.STORAGE_FULL) from e
        raise


@dataclass(frozen=True)
class Enrolment:
    server_url: str
    device_id: str
    token: str
    role: str
    inspector: dict[str, str]
    enrolled_at: str
    public_key: str = ""
    """base64url of the device's Ed25519 public key, to check the private key still matches it."""
    key_storage: str = ""
    """Where the private key lives (``secure-storage`` or ``file:<path>``): it is never in here."""


@dataclass(frozen=True)
class PendingRecord:
    """A signed record the platform has not acknowledged yet (the sync engine's view)."""

    id: str
    seq: int
    envelope: bytes
    photos: tuple[str, ...]


P = ParamSpec("P")
R = TypeVar("R")


def serialised(method: Callable[Concatenate[LocalStore, P], R]) -> Callable[Concatenate[LocalStore, P], R]:
    """Run ``method`` holding the store's lock: its transaction is never interleaved with another
    thread's (sqlite-utils' ``atomic()`` would nest it as a savepoint inside theirs)."""
    @functools.wraps(method)
    def locked(self: LocalStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            return method(self, *args, **kwargs)
    return locked


Signer = Callable[[int, "str | None"], tuple[dict[str, Any], str]]
"""Makes the next record's envelope and hash from the chain's next ``seq`` and its ``prev``."""


class LocalStore:
    """The device's offline store; the only code that touches its SQLite file. Every public
    method is ``@serialised`` (a test checks that none is left out)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.lock = threading.RLock()
        self.migrate()

    @classmethod
    def open(cls, path: Path) -> LocalStore:
        """The store in ``path``, made private first: its directory 0700, the database and its
        side files 0600, whatever the umask and whatever an older install left."""
        _make_private(path)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives power loss
        _make_private(path)  # the -wal and -shm just made (SQLite gives them the file's mode)
        return cls(Database(conn))

    # --- schema ---------------------------------------------------------------------------

    @property
    @serialised
    def schema_version(self) -> int:
        if "meta" not in self.db.table_names():
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    @serialised
    def migrate(self) -> None:
        """Apply the migrations this file has not had yet, each in its own transaction."""
        if "meta" not in self.db.table_names():
            self.db.table("meta").create({"key": str, "value": str}, pk="key")
        for version, step in enumerate(MIGRATIONS, start=1):
            if version <= self.schema_version:
                continue
            with self.db.atomic():
                step(self.db)
                self.db.table("meta").upsert({"key": "schema_version", "value": str(version)},
                                             pk="key")

    # --- enrolment ------------------------------------------------------------------------

    @serialised
    def save_enrolment(self, enrolment: Enrolment) -> None:
        row = {"id": 1, "server_url": enrolment.server_url, "device_id": enrolment.device_id,
               "token": enrolment.token, "role": enrolment.role,
               "inspector": json.dumps(enrolment.inspector, ensure_ascii=False),
               "enrolled_at": enrolment.enrolled_at, "public_key": enrolment.public_key,
               "key_storage": enrolment.key_storage}
        with self.db.atomic():
            self.db.table("enrolment").upsert(row, pk="id")

    @serialised
    def enrolment(self) -> Enrolment | None:
        rows = list(self.db.table("enrolment").rows)
        if not rows:
            return None
        row = rows[0]
        return Enrolment(row["server_url"], row["device_id"], row["token"], row["role"],
                         json.loads(row["inspector"]), row["enrolled_at"],
                         row["public_key"] or "", row["key_storage"] or "")

    @serialised
    def forget(self) -> None:
        """Everything of the enrolment gone (退出登记): the device, its tasks and their histories,
        drafts, photos, records and 回避 requests; every table but the schema's bookkeeping
        (``KEPT_TABLES``), read from the file itself so that no table added later is left out.
        The schema stays; the next enrolment starts a new device and a new chain."""
        (secure,) = self.db.execute("PRAGMA secure_delete").fetchone()
        self.db.execute("PRAGMA secure_delete = ON")  # the rows' bytes zeroed, not just unlinked
        try:
            with self.db.atomic():
                for table in self._data_tables():
                    self.db.execute(f'DELETE FROM "{table}"')
        finally:
            self.db.execute(f"PRAGMA secure_delete = {int(secure)}")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and the log's older copies of them

    def _data_tables(self) -> list[str]:
        """Every table holding data, i.e. all but SQLite's own, ``KEPT_TABLES`` and the shadow
        tables a virtual (full-text) table keeps its index in (emptying it empties them)."""
        rows = [(name, sql or "") for name, sql
                in self.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                if not name.startswith("sqlite_")]
        virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")]
        return [name for name, _ in rows if name not in KEPT_TABLES
                and not any(name.startswith(f"{v}_") for v in virtual)]

    # --- tasks ----------------------------------------------------------------------------

    @serialised
    def save_tasks(self, tasks: list[TaskJson], pulled_at: str) -> None:
        """Keep the pulled tasks, each with its history (stored apart); a task no longer assigned
        is dropped, with its history, unless work exists for it."""
        keep = {t["id"] for t in tasks}
        with _writing(), self.db.atomic():
            for pulled in tasks:
                task = {k: v for k, v in pulled.items() if k != "history"}
                self.db.table("tasks").upsert({"id": task["id"], "pulled_at": pulled_at,
                                               "data": json.dumps(task, ensure_ascii=False)},
                                              pk="id")
                self.db.table("task_history").upsert(
                    {"task_id": task["id"],
                     "data": json.dumps(pulled.get("history", []), ensure_ascii=False)}, pk="task_id")
            for (task_id,) in self.db.execute("SELECT id FROM tasks").fetchall():
                if task_id not in keep and not self._has_work(task_id):
                    self.db.table("tasks").delete(task_id)
                    self.db.execute("DELETE FROM task_history WHERE task_id = ?", [task_id])

    @serialised
    def task_history(self, task_id: str) -> list[dict[str, Any]]:
        """The enterprise's earlier inspections as last pulled with the task, newest first."""
        row = self.db.execute("SELECT data FROM task_history WHERE task_id = ?", [task_id]).fetchone()
        history: list[dict[str, Any]] = json.loads(row[0]) if row else []
        return history

    @serialised
    def task_histories(self) -> dict[str, list[dict[str, Any]]]:
        """Every task's history (what the task list's warning marks are made of)."""
        return {r[0]: json.loads(r[1]) for r in self.db.execute("SELECT task_id, data FROM task_history")}

    def _has_work(self, task_id: str) -> bool:
        return bool(self.db.execute(
            "SELECT 1 FROM records WHERE task_id = ? UNION SELECT 1 FROM drafts WHERE task_id = ?",
            [task_id, task_id]).fetchone())

    @serialised
    def tasks(self) -> list[TaskJson]:
        rows = self.db.execute("SELECT data FROM tasks").fetchall()
        return sorted((json.loads(r[0]) for r in rows), key=lambda t: (t["due"], t["id"]))

    @serialised
    def task(self, task_id: str) -> TaskJson | None:
        row = self.db.execute("SELECT data FROM tasks WHERE id = ?", [task_id]).fetchone()
        return json.loads(row[0]) if row else None

    @serialised
    def entity_names(self) -> dict[str, str]:
        """Each task's enterprise name, without parsing every task (the sync screen's list)."""
        rows = self.db.execute("SELECT id, json_extract(data, '$.entity.name') FROM tasks")
        return {task_id: name for task_id, name in rows.fetchall() if name is not None}

    # --- drafts ---------------------------------------------------------------------------

    @serialised
    def save_draft(self, task_id: str, draft: dict[str, Any], updated_at: str) -> None:
        with _writing(), self.db.atomic():
            self.db.table("drafts").upsert({"task_id": task_id, "updated_at": updated_at,
                                            "data": json.dumps(draft, ensure_ascii=False)},
                                           pk="task_id")

    @serialised
    def draft(self, task_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM drafts WHERE task_id = ?", [task_id]).fetchone()
        return json.loads(row[0]) if row else None

    @serialised
    def draft_task_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT task_id FROM drafts")}

    @serialised
    def delete_draft(self, task_id: str) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM drafts WHERE task_id = ?", [task_id])

    @serialised
    def drafts(self) -> dict[str, dict[str, Any]]:
        return {r[0]: json.loads(r[1]) for r in self.db.execute("SELECT task_id, data FROM drafts")}

    # --- photos ---------------------------------------------------------------------------

    @serialised
    def add_photo(self, sha256: str, jpeg: bytes, thumbnail: bytes, task_id: str, created_at: str) -> None:
        with _writing(), self.db.atomic():
            self.db.table("photos").insert({"sha256": sha256, "task_id": task_id, "jpeg": jpeg,
                                            "thumbnail": thumbnail, "uploaded": 0,
                                            "created_at": created_at}, pk="sha256", ignore=True)

    @serialised
    def photo(self, sha256: str) -> bytes:
        row = self.db.execute("SELECT jpeg FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise KeyError(sha256)
        return bytes(row[0])

    @serialised
    def thumbnail(self, sha256: str) -> bytes:
        row = self.db.execute("SELECT thumbnail FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise KeyError(sha256)
        return bytes(row[0])

    @serialised
    def photo_uploaded(self, sha256: str) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE photos SET uploaded = 1 WHERE sha256 = ?", [sha256])

    @serialised
    def is_photo_uploaded(self, sha256: str) -> bool:
        row = self.db.execute("SELECT uploaded FROM photos WHERE sha256 = ?", [sha256]).fetchone()
        return bool(row and row[0])

    # --- signed records: the outbox -----------------------------------------------------

    @serialised
    def chain_head(self) -> tuple[int, str | None]:
        """This device's last signed record: (seq, hash), or (0, None) before the first."""
        row = self.db.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, None)

    @serialised
    def add_next_record(self, sign: Signer, created_at: str) -> dict[str, Any]:
        """Sign the device's next record and put it in the outbox, in one transaction: ``sign``
        gets the chain's next ``seq`` and ``prev`` read inside it, so no other record can take
        that place in between. Returns the envelope."""
        with _writing(), self.db.atomic():
            seq, prev = self.chain_head()
            envelope, digest = sign(seq + 1, prev)
            self.add_signed_record(envelope, digest, created_at)
        return envelope

    @serialised
    def add_signed_record(self, envelope: dict[str, Any], record_hash: str, created_at: str) -> None:
        """Put a freshly signed record in the outbox and drop its draft, atomically."""
        record = envelope["record"]
        photos = sorted(photo_hashes(validate_record(record)))  # the signature PNG too
        with _writing(), self.db.atomic():
            self.db.table("records").insert({
                "id": record["id"], "task_id": record["task_id"], "seq": record["seq"],
                "hash": record_hash, "envelope": json.dumps(envelope, ensure_ascii=False),
                "photos": json.dumps(photos), "outbox": OutboxState.PENDING.value, "server_state": None,
                "error": None, "created_at": created_at, "acked_at": None,
            }, pk="id")
            self.db.execute("DELETE FROM drafts WHERE task_id = ?", [record["task_id"]])

    @serialised
    def pending_records(self) -> list[PendingRecord]:
        rows = self.db.execute(
            "SELECT id, seq, envelope, photos FROM records WHERE outbox = ? ORDER BY seq",
            [OutboxState.PENDING.value]).fetchall()
        return [PendingRecord(r[0], r[1], r[2].encode("utf-8"), tuple(json.loads(r[3]))) for r in rows]

    @serialised
    def acknowledged(self, record_id: str, server_state: str) -> None:
        """The platform holds the record: it leaves the outbox (and stays in the history)."""
        at = dt.datetime.now(dt.UTC).isoformat()
        with self.db.atomic():
            self.db.execute(
                "UPDATE records SET outbox = ?, server_state = ?, error = NULL, acked_at = ? "
                "WHERE id = ?", [OutboxState.ACKED.value, server_state, at, record_id])

    @serialised
    def acknowledged_ids(self) -> list[str]:
        """The records the platform acknowledged, oldest first (``sync.AcknowledgedRecords``)."""
        rows = self.db.execute("SELECT id FROM records WHERE outbox = ? ORDER BY seq",
                               [OutboxState.ACKED.value]).fetchall()
        return [r[0] for r in rows]

    @serialised
    def requeue(self, record_ids: Sequence[str]) -> None:
        """The platform no longer holds these acknowledged records (it was restored from an
        earlier backup): back into the outbox, to be sent again as they were signed."""
        with self.db.atomic():
            for record_id in record_ids:
                self.db.execute("UPDATE records SET outbox = ?, acked_at = NULL "
                                "WHERE id = ? AND outbox = ?",
                                [OutboxState.PENDING.value, record_id, OutboxState.ACKED.value])

    @serialised
    def rejected(self, record_id: str, message: str) -> None:
        """The platform refused the record for good: it stays here, with the reason, for the user."""
        with self.db.atomic():
            self.db.execute("UPDATE records SET outbox = ?, error = ? WHERE id = ?",
                            [OutboxState.REJECTED.value, message, record_id])

    @serialised
    def update_server_state(self, record_id: str, server_state: str) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE records SET server_state = ? WHERE id = ?",
                            [server_state, record_id])

    # --- 回避 requested on site --------------------------------------------------------------

    @serialised
    def add_recusal(self, recusal: dict[str, Any]) -> None:
        """Keep a request (``id``, ``task_id``, ``inspector_id``, ``inspector_name``, ``reason``,
        ``requested_at``) until the platform has it; the task's draft, if any, goes."""
        with _writing(), self.db.atomic():
            self.db.table("recusals").insert({**recusal, "sent": 0, "error": None}, pk="id")
            self.db.execute("DELETE FROM drafts WHERE task_id = ?", [recusal["task_id"]])

    @serialised
    def recusals(self, *, pending: bool = False) -> list[dict[str, Any]]:
        query = "SELECT id, task_id, inspector_id, inspector_name, reason, requested_at, sent, error FROM recusals"
        rows = self.db.execute(query + (" WHERE sent = 0" if pending else "") + " ORDER BY requested_at")
        keys = ("id", "task_id", "inspector_id", "inspector_name", "reason", "requested_at", "sent", "error")
        return [dict(zip(keys, r, strict=True)) for r in rows.fetchall()]

    @serialised
    def pending_requests(self) -> list[PendingRequest]:
        """The outbox's other requests (``sync.Outbox``): the 回避 requests not yet sent."""
        return [PendingRequest(r["id"], f"/api/v1/tasks/{quote(r['task_id'], safe='')}/recusals",
                               {k: r[k] for k in ("id", "inspector_id", "reason", "requested_at")})
                for r in self.recusals(pending=True)]

    @serialised
    def request_done(self, request_id: str, refusal: str | None) -> None:
        """The platform has the request (``refusal`` None) or refused it for good (its reason)."""
        with _writing():
            self.db.execute("UPDATE recusals SET sent = 1, error = ? WHERE id = ?", [refusal, request_id])

    @serialised
    def latest_records(self) -> dict[str, dict[str, Any]]:
        """Each task's newest record on this device (no envelope): what its state is made of."""
        rows = self.db.execute(
            "SELECT task_id, id, hash, outbox, server_state, error FROM records r WHERE seq = "
            "(SELECT MAX(seq) FROM records WHERE task_id = r.task_id)").fetchall()
        keys = ("task_id", "id", "hash", "outbox", "server_state", "error")
        return {r[0]: dict(zip(keys, r, strict=True)) for r in rows}

    @serialised
    def photo_sizes(self, sha256s: list[str]) -> int:
        """The bytes of these photos' JPEGs (what a sync still has to send for them)."""
        if not sha256s:
            return 0
        marks = ",".join("?" * len(sha256s))
        row = self.db.execute(f"SELECT SUM(LENGTH(jpeg)) FROM photos WHERE sha256 IN ({marks})",
                              sha256s).fetchone()
        return int(row[0] or 0)

    @serialised
    def records(self, task_id: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT id, task_id, seq, hash, envelope, outbox, server_state, error, created_at FROM records"
        args: list[str] = []
        if task_id is not None:
            query += " WHERE task_id = ?"
            args.append(task_id)
        rows = self.db.execute(query + " ORDER BY seq", args).fetchall()
        keys = ("id", "task_id", "seq", "hash", "envelope", "outbox", "server_state", "error", "created_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]
