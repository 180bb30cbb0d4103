"""Several server processes on one PostgreSQL database (issue 8): exactly-once ingest and one
draw per plan hold across processes, not only within one."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.admin_token import admin_token
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from tests.conftest import PG_URL, ServerProcess, free_port, spawn_server
from tests.utils.ceremony import ENTROPY
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import add_tasks

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(PG_URL is None, reason="needs ZSC_TEST_PG_URL (PostgreSQL)")]


@pytest.fixture
def twin(server: ServerProcess) -> Iterator[ServerProcess]:
    """A second server process on the same database and data directory."""
    port = free_port()
    process = spawn_server(server.data, server.db, port)
    yield ServerProcess(f"http://127.0.0.1:{port}", server.data, server.db, process)
    process.terminate()
    process.wait(timeout=10)


def at_once(*calls: object) -> list[httpx.Response]:
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | None] = [None] * len(calls)

    def run(n: int, call) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        answers[n] = call()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a for a in answers if a is not None]


def test_same_records_through_two_processes_at_once(server: ServerProcess, twin: ServerProcess) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    other = httpx.Client(base_url=twin.url, headers={"Authorization": f"Bearer {phone.token}"})
    add_tasks(server.db, [phone.inspector_id], 30)  # a task takes one record
    tasks = phone.tasks()
    statuses = []
    for n in range(30):
        photo = jpeg(n + 500)
        name = hashlib.sha256(photo).hexdigest()
        photo_answers = at_once(
            lambda name=name, photo=photo: phone.client.put(f"/api/v1/photos/{name}", content=photo),
            lambda name=name, photo=photo: other.put(f"/api/v1/photos/{name}", content=photo))
        assert sorted(a.status_code for a in photo_answers) in ([200, 201], [201, 201])
        envelope = phone.record(tasks[n], photos=[photo])
        answers = at_once(lambda e=envelope: phone.client.post("/api/v1/records", json=e),
                          lambda e=envelope: other.post("/api/v1/records", json=e))
        statuses.append(sorted(a.status_code for a in answers))
        assert all(a.json()["state"] == "submitted" for a in answers)
    assert all(s == [200, 201] for s in statuses), statuses
    engine = make_engine(server.db)
    with engine.begin() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(t.records)
                             .where(t.records.c.device_id == phone.device_id)).scalar_one()
        photos = conn.execute(sa.select(sa.func.count()).select_from(t.photos)).scalar_one()
    engine.dispose()
    assert count == 30 and photos == 30


def test_one_draw_per_plan_across_processes(server: ServerProcess, twin: ServerProcess) -> None:
    headers = {"Authorization": f"Bearer {admin_token(server.data)}"}
    plan = {"id": "SCALE-1", "name": "并发抽取", "departments": [SAMR], "items": ["SC-SP-01"],
            "ratios": {"A": "10", "B": "10", "C": "10", "D": "10"}, "team_size": 2,
            "window_start": "2026-04-01", "window_end": "2026-06-30"}
    assert httpx.post(f"{server.url}/api/v1/plans", json=plan, headers=headers).status_code == 201
    freezes = at_once(*[lambda url=url: httpx.post(f"{url}/api/v1/plans/SCALE-1/freeze", headers=headers,
                                                   timeout=60)
                        for url in (server.url, twin.url, server.url, twin.url)])
    assert sorted(a.status_code for a in freezes) == [201, 409, 409, 409]
    answers = at_once(*[lambda url=url: httpx.post(f"{url}/api/v1/plans/SCALE-1/draw", headers=headers,
                                                   json=ENTROPY, timeout=60)
                        for url in (server.url, twin.url, server.url, twin.url)])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    engine = make_engine(server.db)
    with engine.begin() as conn:
        tasks = conn.execute(sa.select(sa.func.count()).select_from(t.tasks)
                             .where(t.tasks.c.plan_id == "SCALE-1")).scalar_one()
    engine.dispose()
    drawn = next(a for a in answers if a.status_code == 201).json()
    assert tasks == drawn["assigned"]
