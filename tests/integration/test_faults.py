"""No record lost, duplicated or altered: the phone's sync against the real server, through a
misbehaving network, killed at random moments, and across a server restart (issue 5)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.store import Enrolment, LocalStore
from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import RetryPolicy, SyncEngine, TransportError, record_hash
from tests.conftest import ROOT, ServerProcess, free_port, spawn_server
from tests.integration import push_client
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import add_tasks

pytestmark = pytest.mark.slow


def phone_store(server: ServerProcess, path: Path, records: int) -> tuple[LocalStore, Phone, list[dict[str, Any]]]:
    """An enrolled phone whose offline store holds ``records`` signed records, each with a photo."""
    phone = Phone(server, busiest_inspector(server)).enroll()
    store = LocalStore.open(path)
    store.save_enrolment(Enrolment(server.url, phone.device_id, phone.token, "inspector",
                                   {"id": phone.inspector_id}, "2026-03-01T08:00:00+08:00"))
    store, envelopes = more_records(store, phone, [], records)
    return store, phone, envelopes


def more_records(store: LocalStore, phone: Phone, envelopes: list[dict[str, Any]],
                 count: int) -> tuple[LocalStore, list[dict[str, Any]]]:
    used = {e["record"]["task_id"] for e in envelopes}
    tasks = [task for task in phone.tasks() if task["id"] not in used]
    if len(tasks) < count:  # a task takes one record (issue 23): the inspector gets more
        added = set(add_tasks(phone.server.db, [phone.inspector_id], count - len(tasks))[phone.inspector_id])
        tasks += [task for task in phone.tasks() if task["id"] in added]
    for n in range(count):
        task = tasks[n]
        photo = jpeg(len(envelopes) + 1000)
        name = hashlib.sha256(photo).hexdigest()
        store.add_photo(name, photo, b"thumb", task["id"], "2026-03-02T09:00:00+08:00")
        envelope = phone.record(task, photos=[photo])
        store.add_signed_record(envelope, record_hash(envelope["record"]), "2026-03-02T09:40:00+08:00")
        envelopes = [*envelopes, envelope]
    return store, envelopes


def assert_exactly_once(server: ServerProcess, store: LocalStore, phone: Phone,
                        envelopes: list[dict[str, Any]]) -> None:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(t.records.c.id, t.records.c.envelope, t.records.c.state)
                            .where(t.records.c.device_id == phone.device_id)).all()
    engine.dispose()
    stored = {row.id: row for row in rows}
    assert len(rows) == len(envelopes) == len(stored), "each record on the server exactly once"
    for envelope in envelopes:
        row = stored[envelope["record"]["id"]]
        assert json.loads(row.envelope) == envelope, "byte for byte what the phone signed"
        assert row.state == "submitted", "every photo arrived"
    assert store.pending_records() == [], "nothing left unsent on the phone"
    assert {r["id"] for r in store.records()} == set(stored), "nothing lost on the phone"


@pytest.fixture
def proxy(server: ServerProcess) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.fault_proxy", str(port), server.url, "7"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    yield f"http://127.0.0.1:{port}", lines
    process.terminate()
    process.wait(timeout=10)


def test_faulty_network_loses_and_duplicates_nothing(server: ServerProcess, tmp_path: Path,
                                                     proxy: tuple[str, list[str]]) -> None:
    url, log = proxy
    store, phone, envelopes = phone_store(server, tmp_path / "phone.db", 30)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {phone.token}"}, timeout=10) as client:
        engine = SyncEngine(client, store, retry=RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05))
        for _ in range(50):
            try:
                engine.push()
            except TransportError:
                continue
            if not store.pending_records():
                break
    assert_exactly_once(server, store, phone, envelopes)
    faults = {line.split()[0] for line in log}
    assert {"drop_before", "drop_after", "duplicate", "delay"} <= faults, "every fault was exercised"


def pending_count(path: str) -> int:
    """The phone's outbox size, read beside the running client (WAL: no lock taken)."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM records WHERE outbox = 'pending'").fetchone()[0])


def unsent_count(path: str) -> int:
    """What the phone still has to send: its pending records and the photos not yet uploaded.
    A sync uploads a batch's photos one by one before the batch's records go in one call, so
    this (not the outbox alone) is what moves through a sync step by step."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return int(conn.execute("SELECT (SELECT COUNT(*) FROM records WHERE outbox = 'pending')"
                                " + (SELECT COUNT(*) FROM photos WHERE uploaded = 0)").fetchone()[0])


def test_client_killed_at_random_points_100_times(server: ServerProcess, tmp_path: Path) -> None:
    """Each run is killed at a random point of its sync: once a random number of its photos are
    uploaded or records acknowledged, plus a random moment more (inside the next request, or
    between two). Waiting for progress rather than for a time keeps the kills mid-sync however
    slow the machine is. (Records go in batches of up to 50 after their photos, so the records
    alone move all at once: the photos are the steps a kill can land between.)

    Each run is a process forked from one that has imported the phone's code already
    (``forkserver``): a fresh interpreter spent most of a run importing (0.8 s of about 1 s)."""
    store, phone, envelopes = phone_store(server, tmp_path / "phone.db", 40)
    path = str(tmp_path / "phone.db")
    rng = random.Random(5)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    phones = multiprocessing.get_context("forkserver")
    phones.set_forkserver_preload(["tests.integration.push_client"])
    killed_midway = 0
    for _ in range(100):
        before = unsent_count(path)
        left = before - rng.randint(1, max(1, before - 1))  # kill once this many are left
        process = phones.Process(target=push_client.main, args=(path, server.url))
        process.start()
        deadline = time.monotonic() + 120
        while process.is_alive() and unsent_count(path) > left and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))
        if process.is_alive():
            process.kill()  # SIGKILL
        process.join()
        after = unsent_count(path)
        killed_midway += 0 < after < before
        if after == 0:  # all sent: sign more, so later kills still land mid-sync
            store, envelopes = more_records(store, phone, envelopes, 5)
    assert killed_midway >= 5, "kills landed in the middle of syncs"
    subprocess.run([sys.executable, "-m", "tests.integration.push_client", path, server.url],
                   check=True, cwd=ROOT, env=env, timeout=120)
    assert_exactly_once(server, LocalStore.open(Path(path)), phone, envelopes)


def test_server_restarted_mid_sync(server: ServerProcess, tmp_path: Path) -> None:
    store, phone, envelopes = phone_store(server, tmp_path / "phone.db", 40)
    port = int(server.url.rsplit(":", 1)[1])
    errors: list[BaseException] = []

    def push() -> None:
        try:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {phone.token}"},
                              timeout=5) as client:
                engine = SyncEngine(client, LocalStore.open(tmp_path / "phone.db"),
                                    # retries enough for a restart on loaded cores (~2 min)
                                    retry=RetryPolicy(attempts=250, base_seconds=0.1, cap_seconds=0.5))
                engine.push()
        except BaseException as e:  # noqa: BLE001 - reported to the test thread below
            errors.append(e)

    pusher = threading.Thread(target=push)
    pusher.start()
    deadline = time.monotonic() + 60
    while sum(1 for r in store.records() if r["server_state"]) < 5:
        assert pusher.is_alive() and time.monotonic() < deadline, f"the push stopped early: {errors}"
        time.sleep(0.02)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    time.sleep(0.5)
    server.process = spawn_server(server.data, server.db, port)
    pusher.join(timeout=180)
    assert not errors, errors
    assert_exactly_once(server, store, phone, envelopes)
