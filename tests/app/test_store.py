from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from app.store import SCHEMA_VERSION, Enrolment, LocalStore
from sync import generate_key, record_hash, sign_record
from tests.sync.factories import make_record


@pytest.fixture
def fresh_store() -> LocalStore:
    return LocalStore(Database(memory=True))


def test_new_file_gets_the_newest_schema(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "a" / "zsc.db")
    assert store.schema_version == SCHEMA_VERSION >= 1
    again = LocalStore.open(tmp_path / "a" / "zsc.db")  # re-opening migrates nothing twice
    assert again.schema_version == SCHEMA_VERSION


def test_enrolment_round_trip(fresh_store: LocalStore) -> None:
    assert fresh_store.enrolment() is None
    enrolment = Enrolment("http://p", "D1", "tok", "inspector", {"id": "WH1", "name": "张三"}, "2026-03-01")
    fresh_store.save_enrolment(enrolment)
    assert fresh_store.enrolment() == enrolment


def test_entity_names_read_without_parsing_tasks(fresh_store: LocalStore) -> None:
    """The sync screen's names: each task's enterprise, a task without one left out."""
    fresh_store.save_tasks([{"id": "T1", "entity": {"name": "青岛‘某’食品店"}, "items": []},
                            {"id": "T2", "items": []}], "2026-03-01T08:00:00+08:00")
    assert fresh_store.entity_names() == {"T1": "青岛‘某’食品店"}


def test_forget_leaves_an_empty_store_with_its_schema(fresh_store: LocalStore) -> None:
    """退出登记: the enrolment and everything of it gone; the next enrolment starts afresh."""
    fresh_store.save_enrolment(Enrolment("http://p", "D1", "tok", "inspector", {"id": "WH1"}, "t"))
    record = make_record(items=[{"code": "SP-01", "result": "合格", "note": "", "photos": []}],
                         outcome="未发现问题")
    fresh_store.save_tasks([{"id": record["task_id"], "entity": {"name": "某公司"}}], "t")
    fresh_store.save_draft("T-2", {"note": "草稿"}, "t")
    fresh_store.add_photo("a" * 64, b"jpeg", b"thumb", record["task_id"], "t")
    fresh_store.add_signed_record(sign_record(record, generate_key(), record["device_id"]),
                                  record_hash(record), "t")
    fresh_store.forget()
    assert fresh_store.enrolment() is None
    assert (fresh_store.tasks(), fresh_store.records(), fresh_store.draft("T-2")) == ([], [], None)
    assert fresh_store.chain_head() == (0, None)
    assert fresh_store.schema_version == SCHEMA_VERSION


def fill_every_table(store: LocalStore) -> None:
    """Something of an enrolment in each of the store's tables, through its public methods."""
    store.save_enrolment(Enrolment("http://p", "D1", "bearer-token-of-张三", "inspector",
                                   {"id": "WH1"}, "t"))
    record = make_record(items=[{"code": "SP-01", "result": "合格", "note": "", "photos": []}],
                         outcome="未发现问题")
    store.save_tasks([{"id": record["task_id"], "entity": {"name": "某公司"},
                       "history": [{"date": "2025-06-01", "outcome": "发现问题待后续处理"}]}], "t")
    store.save_draft("T-2", {"note": "草稿"}, "t")
    store.add_photo("a" * 64, b"jpeg", b"thumb", record["task_id"], "t")
    store.add_signed_record(sign_record(record, generate_key(), record["device_id"]),
                            record_hash(record), "t")
    store.add_recusal({"id": "R-1", "task_id": "T-3", "inspector_id": "WH2",
                       "inspector_name": "李四", "reason": "亲属关系", "requested_at": "t"})


def test_forget_also_drops_the_task_histories_and_the_recusals(fresh_store: LocalStore) -> None:
    """A recusal left behind would be sent by the next enrolment, under the next person."""
    fill_every_table(fresh_store)
    fresh_store.forget()
    assert fresh_store.task_histories() == {}
    assert fresh_store.recusals() == []


def test_forget_empties_every_table_but_the_schema_version(tmp_path: Path) -> None:
    """Every table there is, not a list kept by hand: one added later is forgotten too (and this
    test asks that ``fill_every_table`` puts something in it)."""
    store = LocalStore.open(tmp_path / "zsc.db")
    fill_every_table(store)
    store.db.execute("PRAGMA secure_delete = OFF")  # SQLite's default (Debian's build turns it on)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the rows in the file itself too
    store.save_draft("T-2", {"note": "草稿改过"}, "t2")  # and in the log
    tables = [r[0] for r in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
    rows = {t: store.db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    assert all(rows.values()), f"fill_every_table leaves a table empty: {rows}"
    store.forget()
    rows = {t: store.db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    assert rows == {t: 1 if t == "meta" else 0 for t in tables}
    assert store.schema_version == SCHEMA_VERSION
    files = [tmp_path / name for name in ("zsc.db", "zsc.db-wal") if (tmp_path / name).exists()]
    assert not any(secret in f.read_bytes() for f in files for secret in (
        "bearer-token-of-张三".encode(), "草稿".encode())), \
        "the forgotten rows' bytes are overwritten, in the file and in its log"
    assert store.db.execute("PRAGMA secure_delete").fetchone() == (0,), "as it was"


@pytest.fixture
def usual_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.usefixtures("usual_umask")
def test_the_store_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """The bearer token, the tasks, the records and the photos: the directory 0700, the database
    and the log SQLite writes beside it 0600, as the device key's file."""
    path = tmp_path / "data" / "zsc.db"
    store = LocalStore.open(path)
    fill_every_table(store)
    store.save_draft("T-2", {"note": "再写一次"}, "t2")
    files = {p.name: mode(p) for p in path.parent.iterdir()}
    assert {"zsc.db", "zsc.db-wal", "zsc.db-shm"} <= set(files)
    assert files == dict.fromkeys(files, 0o600)
    assert mode(path.parent) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.usefixtures("usual_umask")
def test_an_older_install_left_open_is_made_private_at_open(tmp_path: Path) -> None:
    """An upgrade: the directory 0755 and the database, its log and index 0644 as an older app
    made them (one of its connections still open) become private, with their data."""
    directory = tmp_path / "data"
    directory.mkdir()
    older = LocalStore(Database(sqlite3.connect(directory / "zsc.db", isolation_level=None)))
    older.db.execute("PRAGMA journal_mode=WAL")
    older.save_draft("T-1", {"note": "升级前的草稿"}, "t")
    files = sorted(directory.iterdir())
    assert {p.name for p in files} == {"zsc.db", "zsc.db-wal", "zsc.db-shm"}
    assert [mode(p) for p in files] == [0o644] * 3 and mode(directory) == 0o755
    store = LocalStore.open(directory / "zsc.db")
    assert store.draft("T-1") == {"note": "升级前的草稿"}
    assert {p.name: mode(p) for p in directory.iterdir()} == dict.fromkeys(
        ["zsc.db", "zsc.db-wal", "zsc.db-shm"], 0o600)
    assert mode(directory) == 0o700


def test_signing_moves_the_draft_into_the_outbox_atomically(fresh_store: LocalStore) -> None:
    record = make_record(items=[{"code": "SP-01", "result": "合格", "note": "", "photos": []}],
                         outcome="未发现问题")
    fresh_store.save_draft(record["task_id"], {"note": "草稿"}, "t")
    envelope = sign_record(record, generate_key(), record["device_id"])
    fresh_store.add_signed_record(envelope, record_hash(record), "t")
    assert fresh_store.draft(record["task_id"]) is None
    assert [p.id for p in fresh_store.pending_records()] == [record["id"]]
    assert fresh_store.chain_head() == (1, record_hash(record))
    with pytest.raises(sqlite3.IntegrityError):
        fresh_store.add_signed_record(envelope, record_hash(record), "t")  # one record per seq
    assert len(fresh_store.records()) == 1


def test_acknowledged_records_stay_in_the_history(fresh_store: LocalStore) -> None:
    record = make_record(items=[{"code": "SP-01", "result": "合格", "note": "", "photos": []}],
                         outcome="未发现问题")
    fresh_store.add_signed_record(sign_record(record, generate_key(), record["device_id"]),
                                  record_hash(record), "t")
    fresh_store.acknowledged(record["id"], "submitted")
    assert fresh_store.pending_records() == []
    assert fresh_store.records()[0]["server_state"] == "submitted"


def test_tasks_with_local_work_are_kept_when_no_longer_assigned(fresh_store: LocalStore) -> None:
    task = {"id": "T1", "due": "2026-05-01"}
    other = {"id": "T2", "due": "2026-04-01"}
    fresh_store.save_tasks([task, other], "t")
    assert [t["id"] for t in fresh_store.tasks()] == ["T2", "T1"], "earliest due first"
    fresh_store.save_draft("T1", {"note": "x"}, "t")
    fresh_store.save_tasks([], "t2")
    assert [t["id"] for t in fresh_store.tasks()] == ["T1"]


def test_photos_are_kept_by_hash(fresh_store: LocalStore) -> None:
    fresh_store.add_photo("a" * 64, b"jpeg", b"thumb", "T1", "t")
    fresh_store.add_photo("a" * 64, b"jpeg", b"thumb", "T1", "t")
    assert fresh_store.photo("a" * 64) == b"jpeg" and fresh_store.thumbnail("a" * 64) == b"thumb"
    assert not fresh_store.is_photo_uploaded("a" * 64)
    fresh_store.photo_uploaded("a" * 64)
    assert fresh_store.is_photo_uploaded("a" * 64)
    with pytest.raises(KeyError):
        fresh_store.photo("b" * 64)


def test_a_full_phone_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    """SQLite's own "database or disk is full", made real by capping the file's page count."""
    from app.store import StorageFullError

    store = LocalStore.open(tmp_path / "zsc.db")
    store.save_draft("T1", {"note": "已保存的草稿"}, "t")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageFullError, match="手机存储空间已满"):
        store.save_draft("T1", {"note": "x" * 200_000}, "t2")
    with pytest.raises(StorageFullError):
        store.add_photo("c" * 64, b"j" * 200_000, b"t", "T1", "t")
    assert store.draft("T1") == {"note": "已保存的草稿"}, "the last saved draft is intact"


def test_drafts_typed_during_failing_sync_rounds_are_all_kept(tmp_path: Path) -> None:
    """The UI thread saves a draft on every keystroke while the sync thread's task refreshes fail
    and roll back: every draft the screen called saved is there afterwards."""
    store = LocalStore.open(tmp_path / "zsc.db")
    tasks = [{"id": f"T{n:03d}", "due": "2026-03-31", "payload": "x" * 2000} for n in range(200)]
    # The last task cannot be written (a set is no JSON): the round fails after 200 upserts.
    broken = [*tasks, {"id": "TBAD", "due": "2026-03-31", "payload": {1, 2}}]
    saved: dict[str, int] = {}
    stop = threading.Event()
    failures: list[int] = []

    def sync_rounds() -> None:
        while not stop.is_set():
            try:
                store.save_tasks(broken, "2026-03-02T09:00:00+08:00")
            except TypeError:
                failures.append(1)
            # A real round waits on the network between refreshes; without a pause this loop
            # takes the store's lock back at once, every time, and the typing thread starves.
            time.sleep(0.001)

    syncing = threading.Thread(target=sync_rounds)
    syncing.start()
    try:
        for keystroke in range(400):
            task_id = f"T{keystroke % 7:03d}"
            store.save_draft(task_id, {"note": "字" * keystroke}, "t")
            saved[task_id] = keystroke
    finally:
        stop.set()
        syncing.join()
    assert failures, "sync rounds ran and rolled back meanwhile"
    assert {task_id: len(store.draft(task_id)["note"]) for task_id in saved} == saved  # type: ignore[index]
    assert store.tasks() == [], "each failed round left nothing behind"


def test_a_draft_saved_while_another_thread_signs_survives_the_signing_failing(tmp_path: Path) -> None:
    """The lock at work: the sync thread's transaction (signing the next record) is open when the
    UI thread saves a draft, then fails and rolls back. Without the lock the draft's write joins
    that transaction as a savepoint on the shared connection and vanishes with its rollback,
    though ``save_draft`` returned; with it, the save waits for the rollback and is kept."""
    store = LocalStore.open(tmp_path / "zsc.db")
    signing, saved = threading.Event(), threading.Event()

    def sign(seq: int, prev: str | None) -> tuple[dict[str, Any], str]:
        signing.set()
        saved.wait(timeout=0.5)  # the UI thread saves now (with the lock, it waits for us)
        raise RuntimeError("the key store refused")

    def type_a_draft() -> None:
        assert signing.wait(timeout=10)
        store.save_draft("T1", {"note": "现场记录"}, "2026-03-02T09:00:00+08:00")
        saved.set()

    typing = threading.Thread(target=type_a_draft)
    typing.start()
    try:
        with pytest.raises(RuntimeError, match="refused"):
            store.add_next_record(sign, "2026-03-02T09:00:00+08:00")
    finally:
        typing.join(timeout=10)
    assert saved.is_set()
    assert store.draft("T1") == {"note": "现场记录"}, "the draft the screen called saved is there"


def test_every_public_method_of_the_store_holds_its_lock() -> None:
    public = [name for name, value in vars(LocalStore).items()
              if not name.startswith("_") and callable(value) and name != "open"]
    assert public and all(hasattr(getattr(LocalStore, name), "__wrapped__") for name in public)
    assert hasattr(LocalStore.schema_version.fget, "__wrapped__")
