"""A crowd of phones at once (issue 12): every record and photo is stored exactly once, every
answer is the contract's (201, 200, or 503 then a success on retry; never a 500), and the server
keeps answering its health check meanwhile.

Against a real server process with one and with two worker processes, on SQLite and (when
``ZSC_TEST_PG_URL`` is set) PostgreSQL. Outcomes are counted; nothing here measures time (the
health check's latency under load is measured by ``bench/crowd.py``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from tests.conftest import ServerProcess, running_server
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import add_tasks

T = TypeVar("T")

CROWD = 16
TIMEOUT = httpx.Timeout(120)


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def crowd_server(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server-data", database_url, workers=request.param) as server:
        yield server


def until_answered(call: Callable[[], httpx.Response]) -> list[int]:
    """Every status ``call`` got, repeating it after a 503 as the sync engine does."""
    seen: list[int] = []
    for _ in range(30):
        answer = call()
        seen.append(answer.status_code)
        if answer.status_code != 503:
            return seen
        assert answer.json()["error"]["code"] == "busy" and answer.headers["Retry-After"].isdigit()
        time.sleep(int(answer.headers["Retry-After"]))
    return seen


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}

    def run(n: int) -> None:
        barrier.wait()
        results[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(calls), "a call raised (see the thread's traceback above)"
    return [results[n] for n in range(len(calls))]


@contextmanager
def health_watch(server: ServerProcess) -> Iterator[Counter[int]]:
    """Asks for /health over and over while the block runs; the statuses it got."""
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def watch() -> None:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            while not stop.is_set():
                statuses[client.get("/api/v1/health").status_code] += 1

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join()


def final(outcomes: list[list[int]]) -> Counter[int]:
    """How many calls ended with each status, after checking that only 503s came before."""
    for seen in outcomes:
        assert set(seen[:-1]) <= {503}, seen
    return Counter(seen[-1] for seen in outcomes)


def count(server: ServerProcess, query: sa.Select[tuple[int]]) -> int:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        found = conn.execute(query).scalar_one()
    engine.dispose()
    return found


def client(server: ServerProcess, phone: Phone) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {phone.token}"})


def test_one_record_sent_by_a_crowd_is_stored_once(crowd_server: ServerProcess) -> None:
    phone = Phone(crowd_server, busiest_inspector(crowd_server)).enroll()
    photo = jpeg(7)
    envelope = phone.record(phone.tasks()[0], photos=[photo])
    clients = [client(crowd_server, phone) for _ in range(CROWD)]
    name = hashlib.sha256(photo).hexdigest()
    with health_watch(crowd_server) as health:
        photos = at_once([lambda c=c: until_answered(lambda: c.put(f"/api/v1/photos/{name}", content=photo))
                          for c in clients])
        records = at_once([lambda c=c: until_answered(lambda: c.post("/api/v1/records", json=envelope))
                           for c in clients])
    assert final(photos) == {201: 1, 200: CROWD - 1}, photos
    assert final(records) == {201: 1, 200: CROWD - 1}, records
    assert health.keys() == {200}
    assert count(crowd_server, sa.select(sa.func.count()).select_from(t.records)) == 1
    assert count(crowd_server, sa.select(sa.func.count()).select_from(t.photos)) == 1
    state = clients[0].get(f"/api/v1/records/{envelope['record']['id']}").json()["state"]
    assert state == "submitted"


def test_many_phones_send_their_own_records_at_once(crowd_server: ServerProcess) -> None:
    inspector = busiest_inspector(crowd_server)
    phones = [Phone(crowd_server, inspector).enroll() for _ in range(8)]
    per_phone = 3
    # a task takes one record (issue 23): each phone of the inspector has tasks of its own
    mine = add_tasks(crowd_server.db, [inspector] * len(phones), per_phone)[inspector]
    by_id = {task["id"]: task for task in phones[0].tasks()}

    def push(phone: Phone, seed: int) -> Callable[[], list[list[int]]]:
        """One phone's whole push: each record after its photo, in chain order."""
        def run() -> list[list[int]]:
            outcomes = []
            with client(crowd_server, phone) as c:
                for n in range(per_phone):
                    photo = jpeg(seed * 100 + n)
                    name = hashlib.sha256(photo).hexdigest()
                    envelope = phone.record(by_id[mine[seed * per_phone + n]], photos=[photo])
                    outcomes.append(until_answered(partial(c.put, f"/api/v1/photos/{name}", content=photo)))
                    outcomes.append(until_answered(partial(c.post, "/api/v1/records", json=envelope)))
            return outcomes
        return run

    with health_watch(crowd_server) as health:
        pushes = at_once([push(phone, n) for n, phone in enumerate(phones)])
    assert final([o for outcomes in pushes for o in outcomes]) == {201: 2 * per_phone * len(phones)}, pushes
    assert health.keys() == {200}
    stored = count(crowd_server, sa.select(sa.func.count()).select_from(t.records)
                   .where(t.records.c.state == "submitted"))
    assert stored == len(phones) * per_phone


@contextmanager
def write_lock_held(server: ServerProcess) -> Iterator[None]:
    """Another client holds the lock a record's insert needs: SQLite's write lock, or on
    PostgreSQL a lock on the records table that lets readers in but no writer."""
    engine = make_engine(server.db)
    with engine.begin() as conn:  # on SQLite: BEGIN IMMEDIATE
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("LOCK TABLE records IN EXCLUSIVE MODE"))
        yield
    engine.dispose()


def test_a_lock_held_past_the_busy_wait_is_a_503_to_retry(server: ServerProcess) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    envelope = phone.record(phone.tasks()[0])
    with client(server, phone) as c:
        with write_lock_held(server):
            busy = c.post("/api/v1/records", json=envelope)
            reading = c.get("/api/v1/tasks")
        assert reading.status_code == 200, "a read neither takes nor waits for the write lock"
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "busy" and busy.headers["Retry-After"] == "1"
        assert "稍后重试" in busy.json()["error"]["message"]
        assert c.post("/api/v1/records", json=envelope).status_code == 201
