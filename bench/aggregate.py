"""The dashboard over a province-sized history: 1,000,000 records of 100,000 entities by
default, on SQLite or (``--db``) PostgreSQL.

Builds the directory with the demo generator, then writes plans (drawn this year), tasks and
records straight into the tables (as ingest would have left them: current,
submitted/approved/published, a tenth with problems, inspection dates over a year), rebuilds
the maintained aggregates, and times, for every filter the dashboard offers, ``dashboard.build``
(the aggregates: what the supervisor's dashboard calls) beside ``dashboard.recount`` (every row)
in the same process, and the public pages' queries (/results, 信息查询). Goals: dashboard under
2 s, public pages under 200 ms.

Run from the repository root: ``python -m bench.aggregate [--records 1000000] [--entities 100000]
[--db postgresql+psycopg://…]``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate
from server_stub.draws import planning
from server_stub.publication.aggregates import rebuild_now
from server_stub.publication.announcements import (
    count_results,
    enterprise_results,
    list_announcements,
)
from server_stub.publication.dashboard import SECTIONS, Dashboard, Period, build, recount
from server_stub.publication.results import all_results, published_results
from sync import Outcome, Plan, RiskGrade

PLANS = 20
OUTCOMES = [o.value for o in Outcome]
ENVELOPE = '{"record": {"items": [{"code": "SC-SP-01", "result": "符合"}]}}'
"""What the public pages read of a record's envelope (its items), the signature left out."""


def fill(engine: sa.Engine, records: int, entities: int, rng: random.Random, *, drawn: bool = False,
         rebuild: bool = True) -> None:
    """The rows, in batches (``_load``). With ``drawn``, every plan is drawn this year
    first (so 频繁检查预警 counts every task). On PostgreSQL the aggregates' triggers are off for
    the load (``session_replication_role``), and ``rebuild_now`` counts it afterwards (unless
    ``rebuild`` is false: the bench times it apart), as an administrator's bulk load would be
    followed by ``aggregates rebuild``."""
    demo = generate(entities=entities, seed=1)
    now = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    with engine.begin() as conn:
        queries.save_items(conn, items=demo.items, actor=Actor.on_host())
        _load(conn, t.entities, [queries.entity_row(e) for e in demo.entities])  # not audited: a bench
        queries.save_inspectors(conn, inspectors=demo.inspectors, actor=Actor.on_host())
        for n in range(PLANS):
            ratios = ({RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10), RiskGrade.D: Decimal(20)}
                      if n % 3 else {RiskGrade.A: Decimal(5), RiskGrade.B: Decimal(5)})
            plan = Plan(id=f"P{n:02d}", name=f"计划{n}", departments=(SAMR,), items=("SC-SP-01",),
                        ratios=ratios, team_size=2, window_start=dt.date(2026, 1, 1),
                        window_end=dt.date(2026, 12, 31))
            planning.create_plan(conn, plan, now=now, actor=Actor.on_host())
        if drawn:
            conn.execute(t.draws.insert(), [{"plan_id": f"P{n:02d}", "drawn_at": now - dt.timedelta(days=330),
                                             "publication": {}, "audit": {}} for n in range(PLANS)])
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
                "finished_at": now, "supersedes": None, "state": state, "envelope": ENVELOPE,
                "received_at": now, "superseded": False, "plan_id": plan_id, "inspected_on": day,
                "published_on": published,
                "published_at": dt.datetime.combine(published, dt.time(2), dt.UTC) if published else None,
            })
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            _load(conn, t.tasks, tasks)
            _load(conn, t.records, rows)
    if rebuild:
        rebuild_now(engine)


def _load(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Multi-row inserts; on PostgreSQL a COPY, several times faster."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    raw: Any = conn.connection.dbapi_connection  # psycopg's, inside this transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                            for v in (row[c] for c in columns)])


FILTERS: list[tuple[str, Period, str | None]] = [
    ("all plans, all dates", Period(), None),
    ("March to August", Period(dt.date(2026, 3, 1), dt.date(2026, 8, 31)), None),
    ("one plan", Period(), "P03"),
    ("one plan, from June", Period(dt.date(2026, 6, 1), None), "P03"),
]
"""Every filter the dashboard offers (stats route: plan, start, end), each timed both ways."""


def _best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        times.append(time.perf_counter() - start)
    return min(times), answer


def _dashboards(engine: sa.Engine, repeat: int) -> None:
    today = dt.date(2026, 12, 31)
    for label, period, plan_id in FILTERS:
        timings: dict[str, dict[str, float]] = {}
        answers = {}
        for name, way in (("aggregates", build), ("recount", recount)):
            def run(way: Callable[..., Dashboard] = way, seen: dict[str, float] | None = None,
                    period: Period = period, plan_id: str | None = plan_id) -> Dashboard:
                if seen is not None:
                    seen.clear()  # the sections of the last run only
                with engine.begin() as conn:
                    return way(conn, SAMR, today=today, period=period, plan_id=plan_id, timings=seen)
            timings[name] = {}
            run = partial(run, seen=timings[name])
            best, answers[name] = _best(repeat, run)
            timings[name]["total"] = best
        figures = answers["aggregates"]
        assert isinstance(figures, Dashboard)
        same = "equal" if answers["aggregates"] == answers["recount"] else "DIFFERENT"
        click.echo(f"dashboard, {label}: aggregates {timings['aggregates']['total']:.3f} s, full recount "
                   f"{timings['recount']['total']:.3f} s (best of {repeat}; goal < 2 s); figures {same}: "
                   f"{figures.inspected:,} results, {figures.problems:,} with problems, "
                   f"{len(figures.frequent)} frequently visited")
        if plan_id is None and period == Period():
            click.echo("  each section, last run    aggregates   recount")
            for section in SECTIONS:
                click.echo(f"  {section:<30} {timings['aggregates'][section]:8.3f} s {timings['recount'][section]:8.3f} s")


def _public_pages(engine: sa.Engine, repeat: int) -> None:
    """The public list and searches, as their routes call them (rendering left out)."""
    with engine.connect() as conn:
        code = conn.execute(sa.select(t.records.c.credit_code).where(t.records.c.state == "published")
                            .limit(1)).scalar_one()
        name = conn.execute(sa.select(t.entities.c.name).where(t.entities.c.credit_code == code)).scalar_one()
    pages: list[tuple[str, Callable[[sa.Connection], object]]] = [
        ("/results (page 1 and the total)", lambda c: published_results(c, page=1)),
        ("/results?page=20", lambda c: published_results(c, page=20)),
        ("/results?q=<credit code>", lambda c: published_results(c, query=code)),
        ("/search?q=<credit code> (per-enterprise)", lambda c: enterprise_results(c, code)),
        ("/search?q=<a whole name>", lambda c: enterprise_results(c, name)),
        ("/search?q=<name fragment>", lambda c: enterprise_results(c, name[2:5])),
        ("/announcements (the list)", list_announcements),
    ]
    for label, page in pages:
        def run(page: Callable[[sa.Connection], object] = page) -> object:
            with engine.connect() as conn:
                return page(conn)
        best, _ = _best(repeat, run)
        click.echo(f"public page {label:<44} {best * 1000:8.1f} ms (best of {repeat}; goal < 200 ms)")
    with engine.connect() as conn:
        start = time.perf_counter()
        counted = count_results(conn)
        click.echo(f"reference: /results' total counted row by row {time.perf_counter() - start:.3f} s "
                   f"({counted:,}; from the aggregates {all_results(conn):,})")


@click.command()
@click.option("--records", default=1_000_000, show_default=True)
@click.option("--entities", default=100_000, show_default=True)
@click.option("--repeat", default=3, show_default=True)
@click.option("--db", "database_url", default=None,
              help="A database URL (an empty PostgreSQL: postgresql+psycopg://…); default a temporary SQLite file.")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(records: int, entities: int, repeat: int, database_url: str | None, smoke: bool) -> None:
    if smoke:
        records, entities, repeat = 2000, 500, 1
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        start = time.perf_counter()
        fill(engine, records, entities, random.Random(3), drawn=True, rebuild=False)
        click.echo(f"filled {records:,} records of {entities:,} entities on {engine.dialect.name} "
                   f"in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        written = rebuild_now(engine)
        click.echo(f"aggregates rebuilt from every row in {time.perf_counter() - start:.1f} s: "
                   + ", ".join(f"{table} {n:,} rows" for table, n in written.items())
                   + " (bounded by plans × days × keys, not by the number of records)")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))  # the planner's statistics, as autovacuum would
        _dashboards(engine, repeat)
        _public_pages(engine, repeat)


if __name__ == "__main__":
    main()
