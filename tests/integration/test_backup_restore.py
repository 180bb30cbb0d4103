"""Backups of a platform that keeps serving, backups killed halfway, and phones refilling a
platform restored from an earlier backup (issue 30), against real server processes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

import httpx
import pytest
import sqlalchemy as sa

from server_stub import backup
from server_stub.core import merkle_log as ml
from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.records.photo_store import DirectoryPhotoStore
from sync import RetryPolicy, SyncEngine
from tests.conftest import PG_URL, ROOT, ServerProcess, free_port, spawn_server
from tests.integration.test_faults import more_records, phone_store
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import add_tasks

pytestmark = pytest.mark.slow

if PG_URL and shutil.which("pg_dump") is None:
    pytest.skip("pg_dump/pg_restore are not installed: the PostgreSQL backup recipe cannot run",
                allow_module_level=True)


def backup_process(server: ServerProcess, dest: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "server_stub", "backup", str(dest), "--data", str(server.data),
         "--db", server.db], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def record_ids(db: str) -> set[str]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.select(t.records.c.id)).scalars())
    finally:
        engine.dispose()


def other_inspectors(db: str, but: str, count: int) -> list[str]:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.select(t.inspectors.c.id).where(
                t.inspectors.c.active.is_(True), t.inspectors.c.id != but)
                .order_by(t.inspectors.c.id)).scalars().all()
    finally:
        engine.dispose()
    return list(found[:count])


class Crowd:
    """Phones of several inspectors posting records with a photo each, one thread a phone, until
    stopped: what the platform serves while it is backed up."""

    def __init__(self, server: ServerProcess, phones: int, records: int) -> None:
        inspectors = other_inspectors(server.db, busiest_inspector(server), phones)
        tasks = add_tasks(server.db, inspectors, records)
        self.phones = [Phone(server, i, task_ids=tuple(tasks[i])).enroll() for i in inspectors]
        self.stop = threading.Event()
        self.sent: list[str] = []
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(p,)) for p in self.phones]

    def _run(self, phone: Phone) -> None:
        try:
            with phone.client as client:
                for n, task in enumerate(phone.tasks()):
                    if self.stop.is_set():
                        return
                    photo = jpeg(hash((phone.device_id, n)) % 10_000)
                    envelope = phone.record(task, photos=[photo])
                    name = envelope["record"]["items"][0]["photos"][0]
                    for _ in range(50):  # a busy platform answers 503: wait and resend
                        answer = client.put(f"/api/v1/photos/{name}", content=photo,
                                            headers={"Content-Type": "image/jpeg"})
                        if answer.status_code != 503:
                            break
                        time.sleep(0.2)
                    assert answer.status_code in (200, 201), answer.text
                    for _ in range(50):
                        answer = client.post("/api/v1/records", json=envelope)
                        if answer.status_code != 503:
                            break
                        time.sleep(0.2)
                    assert answer.status_code in (200, 201), answer.text
                    self.sent.append(envelope["record"]["id"])
        except BaseException as e:  # noqa: BLE001 - reported to the test thread
            self.errors.append(e)

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)
        assert not self.errors, self.errors


@pytest.fixture
def fresh_target(tmp_path: Path, make_database_url: Callable[[], str]
                 ) -> Callable[[str], Settings]:
    """The settings of an empty data directory and an empty database to restore into."""
    def make(name: str) -> Settings:
        return Settings.from_env(tmp_path / name, make_database_url())
    return make


def test_backups_while_a_crowd_syncs(server: ServerProcess, tmp_path: Path,
                                     fresh_target: Callable[[str], Settings]) -> None:
    """Each backup taken under load is complete and restores into a sound platform holding
    every record the platform held when its copy began, and nothing it did not hold after."""
    with Crowd(server, phones=3, records=40) as crowd:
        deadline = time.monotonic() + 120
        while len(crowd.sent) < 5:
            assert time.monotonic() < deadline and not crowd.errors, crowd.errors
            time.sleep(0.1)
        synced_meanwhile = 0
        for n in range(2):
            before = record_ids(server.db)
            process = backup_process(server, tmp_path / f"b{n}")
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, out + err
            after = record_ids(server.db)
            synced_meanwhile += len(after) - len(before)
            target = fresh_target(f"r{n}")
            report = backup.restore(target, tmp_path / f"b{n}")
            assert report.sound, report
            restored = record_ids(target.database_url)
            assert before <= restored <= after, "one instant between the start and the end"
    assert synced_meanwhile > 0, "the crowd synced while the backups ran"


def test_a_killed_backup_leaves_a_backup_or_none(server: ServerProcess, tmp_path: Path) -> None:
    store_photos(server, 60)
    started = time.monotonic()
    process = backup_process(server, tmp_path / "whole")
    assert process.wait(timeout=300) == 0
    took = time.monotonic() - started
    rng = random.Random(30)
    outcomes = []
    for n in range(6):
        dest = tmp_path / f"k{n}"
        process = backup_process(server, dest)
        if n % 2:  # at any moment of the run
            time.sleep(rng.uniform(0, took))
        else:  # while it copies
            partial = dest.with_name(dest.name + ".partial")
            while not partial.exists() and process.poll() is None:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        if dest.exists():
            backup.verify_backup(dest)  # complete and verifiable, or not there at all
            outcomes.append("complete")
        else:
            outcomes.append("none")
            with pytest.raises(backup.BackupError, match="不是完整的备份|不是备份目录"):
                backup.verify_backup(dest.with_name(dest.name + ".partial"))
    assert "none" in outcomes, outcomes


def store_photos(server: ServerProcess, count: int) -> None:
    """Photos in the store (as the platform keeps them), so that a backup takes a while."""
    store = DirectoryPhotoStore(server.data / "photos")
    for _ in range(count):
        photo = os.urandom(500_000)
        store.put(hashlib.sha256(photo).hexdigest(), photo)


@pytest.fixture
def restarted() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def push(url: str, token: str, store: Any) -> Any:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        return SyncEngine(client, store, retry=RetryPolicy(attempts=8, base_seconds=0.05,
                                                           cap_seconds=0.5)).push()


def test_phones_refill_a_platform_restored_from_an_earlier_backup(
        server: ServerProcess, tmp_path: Path, fresh_target: Callable[[str], Settings],
        restarted: list[subprocess.Popen[bytes]]) -> None:
    # Two phones: one syncs 5 records before the backup, then both sign 10 more each (their
    # tasks drawn before the backup), synced after it.
    store_a, phone_a, envelopes_a = phone_store(server, tmp_path / "a.db", 5)
    assert len(push(server.url, phone_a.token, store_a).accepted) == 5
    other = other_inspectors(server.db, phone_a.inspector_id, 1)[0]
    tasks_b = add_tasks(server.db, [other], 10)[other]
    phone_b = Phone(server, other, task_ids=tuple(tasks_b)).enroll()
    store_b, _, _ = phone_store_for(server, phone_b, tmp_path / "b.db")
    store_a, envelopes_a = more_records(store_a, phone_a, envelopes_a, 10)
    # (after A's, so that its photos' bytes differ from A's)
    store_b, envelopes_b = more_records(store_b, phone_b, envelopes_a, 10)
    envelopes_b = envelopes_b[len(envelopes_a):]

    out = backup_process(server, tmp_path / "backup").communicate(timeout=300)
    assert (tmp_path / "backup" / "manifest.json").is_file(), out
    assert push(server.url, phone_a.token, store_a).refilled == []
    assert push(server.url, phone_b.token, store_b).refilled == []
    everything = {e["record"]["id"]: e for e in envelopes_a + envelopes_b}
    assert set(everything) <= record_ids(server.db)
    Phone(server, other).enroll()  # an act after the backup: the audit trail's public head grows
    head_file = tmp_path / "published-head.json"
    engine = make_engine(server.db)
    with engine.connect() as conn:  # as a witness of the audit trail's heads holds it
        head_file.write_text(json.dumps(ml.latest_head(conn, ml.Log.AUDIT)), encoding="utf-8")
    engine.dispose()

    # The disk is lost: the platform comes back from the backup, on a new database.
    server.process.terminate()
    server.process.wait(timeout=10)
    target = fresh_target("restored")
    report = backup.restore(target, tmp_path / "backup", known_heads=[head_file])
    assert report.sound, report
    assert any("短" in w for log in report.logs for w in log.warnings)
    lost = set(everything) - record_ids(target.database_url)
    assert len(lost) == 20, "the 20 records synced after the backup are not on the platform"
    port = free_port()
    restarted.append(spawn_server(target.data_dir, target.database_url, port))
    url = f"http://127.0.0.1:{port}"

    refilled = push(url, phone_a.token, store_a).refilled + push(url, phone_b.token, store_b).refilled
    assert sorted(refilled) == sorted(lost)
    # a second sync finds nothing missing and sends nothing
    assert push(url, phone_a.token, store_a).refilled == []
    assert push(url, phone_b.token, store_b).refilled == []
    engine = make_engine(target.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.records.c.id, t.records.c.envelope, t.records.c.state)).all()
    engine.dispose()
    stored = {row.id: row for row in rows}
    assert len(stored) == len(rows), "each record once"
    for record_id, envelope in everything.items():
        assert json.loads(stored[record_id].envelope) == envelope, "byte for byte as signed"
        assert stored[record_id].state == "submitted", "its photo sent again too"
    for store in (store_a, store_b):
        assert store.pending_records() == []


def phone_store_for(server: ServerProcess, phone: Phone, path: Path) -> tuple[Any, Phone, list[Any]]:
    from app.store import Enrolment, LocalStore

    store = LocalStore.open(path)
    store.save_enrolment(Enrolment(server.url, phone.device_id, phone.token, "inspector",
                                   {"id": phone.inspector_id}, "2026-03-01T08:00:00+08:00"))
    return store, phone, []
