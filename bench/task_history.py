"""What the history costs the task sync (issue 18): ``GET /api/v1/tasks`` for an inspector with 200
tasks whose enterprises have 5 earlier inspections each, beside the same request on the same tasks
without any earlier inspection, both answered in this process (FastAPI's TestClient over SQLite).

Prints the bytes of each answer (raw and gzip-compressed), the median time of each, and what the
history takes in the phone's store once pulled. Run from the repository root:
``python -m bench.task_history [--tasks 200] [--earlier 5] [--rounds 15]``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import click
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.store import LocalStore
from server_stub.access.history import HISTORY_LIMIT
from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.config import Settings
from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate
from server_stub.field.devices import token_hash
from server_stub.main import create_app
from sync import Outcome
from tests.utils.history import Earlier, add_earlier

TOKEN = "bench-task-history-token"
OUTCOMES = [Outcome.NO_PROBLEM, Outcome.PROBLEM_PENDING, Outcome.PROBLEM_CORRECTED,
            Outcome.INFO_NOT_PUBLISHED, Outcome.REFUSED_INSPECTION]


def build(directory: Path, tasks: int, earlier: int) -> TestClient:
    """A platform whose first SAMR inspector has ``tasks`` tasks, each enterprise with ``earlier``
    earlier inspections of SAMR's plans; a client holding that inspector's device token."""
    url = f"sqlite:///{directory / 'zsc.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo = generate(entities=max(2000, tasks * 2), seed=7)
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        host = Actor.on_host()
        queries.save_items(conn, items=demo.items, actor=host)
        queries.save_entities(conn, entities=demo.entities, actor=host)
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=host)
        staff = conn.execute(sa.select(t.inspectors.c.id).where(t.inspectors.c.department == SAMR)
                             .order_by(t.inspectors.c.id).limit(2)).scalars().all()
        codes = conn.execute(sa.select(t.entities.c.credit_code).order_by(t.entities.c.credit_code)
                             .limit(tasks)).scalars().all()
        items = [i.code for i in demo.items if i.department == SAMR][:3]
        conn.execute(t.plans.insert().values(
            id="BENCH", name="2026年食品经营者“双随机”抽查", commitment="0" * 64, seed="0" * 32, created_at=now,
            spec={"name": "2026年食品经营者“双随机”抽查", "window_start": "2026-01-01"}))
        conn.execute(t.plan_departments.insert().values(plan_id="BENCH", department=SAMR))
        for n, code in enumerate(codes):
            task_id = f"BENCH-{n:04d}"
            conn.execute(t.tasks.insert().values(id=task_id, plan_id="BENCH", credit_code=code, team=list(staff),
                                                 items=items, due=dt.date(2026, 6, 30), draw_order=n,
                                                 created_at=now))
            conn.execute(t.task_members.insert(), [{"task_id": task_id, "inspector_id": p} for p in staff])
            for k in range(earlier):
                add_earlier(conn, Earlier(code, (SAMR,), dt.date(2025 - k, 5, 1 + n % 28),
                                          OUTCOMES[(n + k) % len(OUTCOMES)],
                                          plan_name=f"{2025 - k}年食品经营者“双随机”抽查"), staff[0])
        conn.execute(t.devices.insert().values(
            id="D-BENCH", inspector_id=staff[0], role="inspector", name="bench", public_key="A" * 43,
            token_hash=token_hash(TOKEN), enrolled_at=now))
    engine.dispose()
    app = create_app(Settings(data_dir=directory, database_url=url))
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def timed(client: TestClient) -> tuple[float, bytes]:
    start = time.perf_counter()
    answer = client.get("/api/v1/tasks")
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200, answer.text
    return elapsed, answer.content


def store_bytes(body: bytes, directory: Path) -> tuple[int, int]:
    """The bytes of the tasks and of their history in a phone's store that pulled ``body``."""
    import json

    store = LocalStore.open(directory / "phone.db")
    store.save_tasks(json.loads(body)["tasks"], "bench")
    tasks = store.db.execute("SELECT SUM(LENGTH(CAST(data AS BLOB))) FROM tasks").fetchone()[0]
    history = store.db.execute("SELECT SUM(LENGTH(CAST(data AS BLOB))) FROM task_history").fetchone()[0]
    return int(tasks or 0), int(history or 0)


@click.command()
@click.option("--tasks", default=200, show_default=True)
@click.option("--earlier", default=5, show_default=True, help="earlier inspections per enterprise")
@click.option("--rounds", default=15, show_default=True)
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(tasks: int, earlier: int, rounds: int, smoke: bool) -> None:
    if smoke:
        tasks, earlier, rounds = 5, 1, 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "without").mkdir()
        (root / "with").mkdir()
        clients = {"without history": build(root / "without", tasks, 0),
                   "with history": build(root / "with", tasks, earlier)}
        times: dict[str, list[float]] = {name: [] for name in clients}
        bodies: dict[str, bytes] = {}
        for name, client in clients.items():  # warm up: first statements, caches
            timed(client)
        for _ in range(rounds):  # interleaved, so that a busy moment of the machine hits both
            for name, client in clients.items():
                elapsed, bodies[name] = timed(client)
                times[name].append(elapsed)
        for client in clients.values():
            client.close()
        click.echo(f"GET /api/v1/tasks, {tasks} tasks, {earlier} earlier inspections per enterprise "
                   f"(median of {rounds}):")
        for name in clients:
            body = bodies[name]
            click.echo(f"  {name:16} {len(body) / 1024:8.1f} KB raw, {len(gzip.compress(body)) / 1024:6.1f} KB gzip, "
                       f"{statistics.median(times[name]) * 1000:7.1f} ms")
        extra = len(bodies["with history"]) - len(bodies["without history"])
        extra_gz = len(gzip.compress(bodies["with history"])) - len(gzip.compress(bodies["without history"]))
        extra_ms = (statistics.median(times["with history"]) - statistics.median(times["without history"])) * 1000
        click.echo(f"  history adds {extra / 1024:.1f} KB raw ({extra / (tasks * max(earlier, 1)):.0f} B per entry), "
                   f"{extra_gz / 1024:.1f} KB gzip, {extra_ms:+.1f} ms")
        task_bytes, history_bytes = store_bytes(bodies["with history"], root)
        per_entry = history_bytes / (tasks * max(earlier, 1))
        click.echo(f"phone store: tasks {task_bytes / 1024:.1f} KB, history {history_bytes / 1024:.1f} KB "
                   f"({per_entry:.0f} B per entry); bound: {HISTORY_LIMIT} entries per task, "
                   f"≈{HISTORY_LIMIT * per_entry / 1024:.1f} KB per task, "
                   f"≈{tasks * HISTORY_LIMIT * per_entry / 1024 / 1024:.2f} MB for {tasks} tasks")


if __name__ == "__main__":
    main()
