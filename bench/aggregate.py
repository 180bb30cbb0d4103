"""The dashboard over a province-sized history: 1,000,000 records of 100,000 entities, SQLite.

Builds the directory with the demo generator, then writes plans, tasks and records straight into
the tables (as ingest would have left them: current, submitted/approved/published, a tenth with
problems, inspection dates over a year), and times ``dashboard.build`` — the same call the
supervisor's dashboard makes. Goal: under 2 s.

Run from the repository root: ``python -m bench.aggregate [--records 1000000] [--entities 100000]``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate
from server_stub.draws import planning
from server_stub.publication.dashboard import SECTIONS, build
from sync import Outcome, Plan, RiskGrade

PLANS = 20
OUTCOMES = [o.value for o in Outcome]


def fill(engine: sa.Engine, records: int, entities: int, rng: random.Random) -> None:
    demo = generate(entities=entities, seed=1)
    now = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    with engine.begin() as conn:
        queries.save_items(conn, items=demo.items, actor=Actor.on_host())
        queries.save_entities(conn, entities=demo.entities, actor=Actor.on_host())
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=Actor.on_host())
        for n in range(PLANS):
            ratios = ({RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10), RiskGrade.D: Decimal(20)}
                      if n % 3 else {RiskGrade.A: Decimal(5), RiskGrade.B: Decimal(5)})
            plan = Plan(id=f"P{n:02d}", name=f"计划{n}", departments=(SAMR,), items=("SC-SP-01",),
                        ratios=ratios, team_size=2, window_start=dt.date(2026, 1, 1),
                        window_end=dt.date(2026, 12, 31))
            planning.create_plan(conn, plan, now=now, actor=Actor.on_host())
        conn.execute(t.devices.insert().values(
            id="Dbench", inspector_id=demo.inspectors[0].id, role="inspector", name="bench",
            public_key="A" * 43, token_hash="0" * 64, enrolled_at=now))
    directory = demo.entities
    start = dt.date(2026, 1, 1)
    batch = 50_000
    for first in range(0, records, batch):
        tasks, rows = [], []
        for n in range(first, min(first + batch, records)):
            plan_id = f"P{n % PLANS:02d}"
            day = start + dt.timedelta(days=rng.randrange(360))
            state = rng.choice(("submitted", "approved", "published", "published", "published"))
            published = day + dt.timedelta(days=rng.randrange(40)) if state == "published" else None
            entity = directory[n % len(directory)]
            tasks.append({"id": f"T{n:07d}", "plan_id": plan_id, "credit_code": entity.credit_code,
                          "team": [], "items": [], "due": dt.date(2026, 12, 31), "draw_order": n,
                          "created_at": now})
            rows.append({
                "id": f"{n:08d}-0000-4000-8000-000000000000", "hash": f"{n:064x}", "device_id": "Dbench",
                "seq": n + 1, "prev": None, "inspector_id": demo.inspectors[0].id, "task_id": f"T{n:07d}",
                "credit_code": entity.credit_code, "industry": entity.industry, "region": entity.region,
                "risk_grade": entity.risk_grade.value,
                "outcome": OUTCOMES[0] if rng.random() > 0.1 else rng.choice(OUTCOMES[1:]),
                "finished_at": now, "supersedes": None, "state": state, "envelope": "{}",
                "received_at": now, "superseded": False, "plan_id": plan_id, "inspected_on": day,
                "published_on": published, "published_at": now if published else None,
            })
        with engine.begin() as conn:
            conn.execute(t.tasks.insert(), tasks)
            conn.execute(t.records.insert(), rows)


@click.command()
@click.option("--records", default=1_000_000, show_default=True)
@click.option("--entities", default=100_000, show_default=True)
@click.option("--repeat", default=3, show_default=True)
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(records: int, entities: int, repeat: int, smoke: bool) -> None:
    if smoke:
        records, entities, repeat = 2000, 500, 1
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        start = time.perf_counter()
        fill(engine, records, entities, random.Random(3))
        click.echo(f"filled {records:,} records of {entities:,} entities in {time.perf_counter() - start:.1f} s")
        times, sections = [], []
        for _ in range(repeat):
            timings: dict[str, float] = {}
            start = time.perf_counter()
            with engine.begin() as conn:
                figures = build(conn, SAMR, today=dt.date(2026, 12, 31), timings=timings)
            times.append(time.perf_counter() - start)
            sections.append(timings)
        click.echo(f"dashboard: {figures.inspected:,} results, {figures.problems:,} with problems, "
                   f"{len(figures.plans)} plans, {len(figures.overdue)} dates with overdue publications")
        click.echo(f"dashboard build: best {min(times):.2f} s of {repeat} (goal < 2 s); "
                   f"runs {', '.join(f'{x:.2f}' for x in times)} s")
        best = sections[times.index(min(times))]
        click.echo("each section in the best run (a regression shows where it came from):")
        for name in SECTIONS:
            click.echo(f"  {name:<32} {best[name]:6.3f} s")


if __name__ == "__main__":
    main()
