"""The audit trail's cost per act (issue 19), beside the act without it, in the same run.

1. A directory import of N new entities: ``queries.save_entities`` (read the rows already there,
   one entry per new or changed row, appended in one batch, plus its index row) against the bare
   upsert the import was before the trail, on two fresh databases.
2. A re-import of the same N rows of which a tenth changed status: with the trail only the changed
   rows are written and recorded; without it, every row is upserted again.
3. Single acts: a transaction holding one small act (a department's yearly cap) with its entry
   and a signed tree head, against the same transaction without the entry and the head; and, for
   scale, what a plan's creation (an ordinary act, with its entry) takes on the imported
   directory.

Run from the repository root: ``python -m bench.audit [--rows 20000] [--acts 300] [--db URL]``
(SQLite files in a temporary directory by default; with ``--db`` a PostgreSQL server's
maintenance database, on which two scratch databases are made and dropped).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa

from server_stub.core import audit_trail
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor
from server_stub.core.db import make_engine, migrate
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, generate
from server_stub.draws import planning
from server_stub.draws.population import YearlyCap
from sync import Entity, EntityStatus, Plan, RiskGrade, generate_key

ACTOR = Actor.on_host()
KEY = generate_key()


@contextmanager
def scratch_engines(server_url: str | None, directory: Path) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    """Two fresh, migrated databases: one for the trail, one for the bare writes."""
    names = [f"zsc_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT") if server_url else None
    if admin is not None:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    urls = ([sa.engine.make_url(str(server_url)).set(database=n).render_as_string(hide_password=False)
             for n in names] if admin is not None
            else [f"sqlite:///{directory / (n + '.db')}" for n in names])
    engines = [make_engine(url) for url in urls]
    for engine in engines:
        migrate(engine)
    try:
        yield engines[0], engines[1]
    finally:
        for engine in engines:
            engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                for name in names:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def repeated(act: Callable[[sa.Engine, int], None], engine: sa.Engine, times: int) -> float:
    """Seconds for ``times`` calls of ``act``, one transaction each."""
    start = time.perf_counter()
    for n in range(times):
        act(engine, n)
    return time.perf_counter() - start


def audited_import(engine: sa.Engine, entities: list[Entity]) -> None:
    with engine.begin() as conn:
        queries.save_entities(conn, entities=entities, actor=ACTOR)
        audit_trail.seal(conn, KEY)


def bare_import(engine: sa.Engine, entities: list[Entity]) -> None:
    with engine.begin() as conn:
        queries._upsert(conn, t.entities, (queries.entity_row(e) for e in entities))


def audited_act(engine: sa.Engine, n: int) -> None:
    with engine.begin() as conn:
        planning.set_yearly_cap(conn, "部门", YearlyCap(n % 50 + 1), actor=ACTOR)
        audit_trail.seal(conn, KEY)


def bare_act(engine: sa.Engine, n: int) -> None:
    s = t.department_settings
    values = {"yearly_cap": n % 50 + 1, "exempt_kinds": []}
    with engine.begin() as conn:
        if conn.execute(s.update().where(s.c.department == "部门").values(**values)).rowcount == 0:
            conn.execute(s.insert().values(department="部门", **values))


def create_plan(engine: sa.Engine, n: int) -> None:
    plan = Plan(id=f"BENCH-{n}", name="基准测试计划", departments=(SAMR,), items=("SC-SP-01",),
                ratios={RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10),
                        RiskGrade.D: Decimal(20)},
                team_size=2, window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30))
    with engine.begin() as conn:
        planning.create_plan(conn, plan, now=dt.datetime.now(dt.UTC), actor=ACTOR)
        audit_trail.seal(conn, KEY)


def line(label: str, trail: float, bare: float, count: int, unit: str) -> None:
    click.echo(f"{label:<34} with trail {trail:7.3f} s ({trail / count * 1e6:8.1f} µs/{unit})   "
               f"without {bare:7.3f} s ({bare / count * 1e6:8.1f} µs/{unit})   "
               f"ratio {trail / bare:5.2f}")


@click.command()
@click.option("--rows", default=20_000, show_default=True, help="entities imported")
@click.option("--acts", default=300, show_default=True, help="single acts, one transaction each")
@click.option("--db", "server_url", default=None,
              help="a PostgreSQL server's maintenance database URL (default: SQLite files)")
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(rows: int, acts: int, server_url: str | None, smoke: bool) -> None:
    if smoke:
        rows, acts = 200, 5
    """Print the trail's cost per act beside the act without it."""
    demo = generate(entities=rows, seed=7)
    entities = demo.entities
    changed = [dataclasses.replace(e, status=EntityStatus.SUSPENDED) if n % 10 == 0 else e
               for n, e in enumerate(entities)]
    with tempfile.TemporaryDirectory() as tmp, scratch_engines(server_url, Path(tmp)) as (
            trail, bare):
        click.echo(f"{trail.dialect.name}, {rows} entities, {acts} single acts")
        line(f"import of {rows} new rows", timed(lambda: audited_import(trail, entities)),
             timed(lambda: bare_import(bare, entities)), rows, "row")
        line(f"re-import, {rows // 10} rows changed", timed(lambda: audited_import(trail, changed)),
             timed(lambda: bare_import(bare, changed)), rows, "row")
        line("one small act per transaction",
             repeated(audited_act, trail, acts),
             repeated(bare_act, bare, acts), acts, "act")
        with trail.begin() as conn:  # what a plan needs besides the entities
            queries.save_items(conn, items=demo.items, actor=ACTOR)
            queries.save_inspectors(conn, inspectors=demo.inspectors, actor=ACTOR)
        overhead = (repeated(audited_act, trail, acts)
                    - repeated(bare_act, bare, acts)) / acts
        plans = 20
        creation = repeated(create_plan, trail, plans) / plans
        click.echo(f"the trail's cost per act: {overhead * 1e3:.2f} ms; creating a plan with its "
                   f"entry: {creation * 1e3:.1f} ms ({overhead / creation:.1%})")
        with trail.connect() as conn:
            entries = len(audit_trail.search(conn, audit_trail.Query(
                kind=ActKind.ENTITY_SAVED, limit=10 * rows)))
            verify = timed(lambda: audit_trail.verify(conn, KEY))
        click.echo(f"trail: {entries} directory entries; verifying the whole trail took {verify:.2f} s")


if __name__ == "__main__":
    main()
