"""The dashboard's figures equal a full recount (issue 29): every number ``dashboard.build``
answers from its grouped queries is counted again here in Python from every row of records,
tasks, draws and entities, on the bench's data (bench/aggregate.py) with superseded records,
plans drawn this year, last year and not at all, and with each of the dashboard's filters."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa

from bench.aggregate import fill
from server_stub.access.scope import FINAL_STATES
from server_stub.core import tables as t
from server_stub.core.db import make_engine, migrate
from server_stub.directory.demo import SAMR
from server_stub.publication import dashboard
from server_stub.publication.aggregation import overdue_publications
from sync import Outcome, RecordState

TODAY = dt.date(2026, 12, 31)
THIS_YEAR = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
LAST_YEAR = dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = make_engine(database_url)
    migrate(engine)
    fill(engine, 3000, 400, random.Random(7))
    with engine.begin() as conn:
        plans = sorted(conn.execute(sa.select(t.plans.c.id)).scalars())
        conn.execute(t.draws.insert(), [
            {"plan_id": p, "drawn_at": LAST_YEAR if n % 5 == 0 else THIS_YEAR, "publication": {}, "audit": {}}
            for n, p in enumerate(plans[:-1])])  # the last plan is not drawn
        conn.execute(t.records.update().where(t.records.c.seq % 7 == 0).values(superseded=True))
    return engine


def recount(conn: sa.Connection, plan_ids: set[str], period: dashboard.Period, after: int) -> dict[str, object]:
    r = t.records
    rows = conn.execute(sa.select(r.c.plan_id, r.c.superseded, r.c.state, r.c.industry, r.c.region,
                                  r.c.risk_grade, r.c.outcome, r.c.inspected_on, r.c.published_on,
                                  r.c.task_id)).all()
    current = [row for row in rows if row.plan_id in plan_ids and not row.superseded
               and row.state in FINAL_STATES
               and (period.start is None or row.inspected_on >= period.start)
               and (period.end is None or row.inspected_on <= period.end)]
    groups = {}
    for name in ("industry", "region", "risk_grade"):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in current:
            counts[getattr(row, name)][0] += 1
            counts[getattr(row, name)][1] += row.outcome != Outcome.NO_PROBLEM.value
        groups[name] = {key: tuple(v) for key, v in counts.items()}
    tasks = Counter(p for p in conn.execute(sa.select(t.tasks.c.plan_id)).scalars() if p in plan_ids)
    plans = {p: (tasks[p], len({row.task_id for row in current if row.plan_id == p}),
                 len({row.task_id for row in current if row.plan_id == p and row.state == RecordState.PUBLISHED}))
             for p in plan_ids}
    drawn = {p for p, at in conn.execute(sa.select(t.draws.c.plan_id, t.draws.c.drawn_at)) if at.year == 2026}
    visits = Counter(code for p, code in conn.execute(sa.select(t.tasks.c.plan_id, t.tasks.c.credit_code))
                     if p in drawn)
    names = dict(conn.execute(sa.select(t.entities.c.credit_code, t.entities.c.name)).all())
    departments = defaultdict(set)
    for p, department in conn.execute(sa.select(t.plan_departments.c.plan_id, t.plan_departments.c.department)):
        departments[p].add(department)
    by_code = defaultdict(set)
    for p, code in conn.execute(sa.select(t.tasks.c.plan_id, t.tasks.c.credit_code)):
        if p in drawn:
            by_code[code] |= departments[p]
    frequent = sorted(((code, n) for code, n in visits.items() if n > after), key=lambda c: (-c[1], c[0]))
    return {
        "inspected": len(current),
        "problems": sum(row.outcome != Outcome.NO_PROBLEM.value for row in current),
        "groups": groups,
        "plans": plans,
        "overdue": overdue_publications(Counter((row.inspected_on, row.published_on) for row in current),
                                        TODAY, dashboard.calendar(conn)),
        "frequent": [(code, names[code], n, sorted(by_code[code])) for code, n in frequent[:dashboard.FREQUENT_LIMIT]],
    }


def answered(figures: dashboard.Dashboard) -> dict[str, object]:
    return {
        "inspected": figures.inspected,
        "problems": figures.problems,
        "groups": {name: {g.key: (g.inspected, g.problems) for g in rows} for name, rows in
                   (("industry", figures.by_industry), ("region", figures.by_region),
                    ("risk_grade", figures.by_grade))},
        "plans": {p.plan_id: (p.tasks, p.completed, p.published) for p in figures.plans},
        "overdue": (figures.overdue, figures.deadlines_provisional),
        "frequent": [(f.credit_code, f.name, f.inspections, f.departments) for f in figures.frequent],
    }


@pytest.mark.parametrize(("period", "plan_id", "after"), [
    (dashboard.Period(), None, 2),
    (dashboard.Period(), None, 8),
    (dashboard.Period(dt.date(2026, 3, 1), dt.date(2026, 8, 31)), None, 2),
    (dashboard.Period(), "P03", 2),
])
def test_the_dashboard_equals_a_full_recount(engine: sa.Engine, period: dashboard.Period,
                                             plan_id: str | None, after: int) -> None:
    with engine.begin() as conn:
        plans = {p for p in conn.execute(sa.select(t.plan_departments.c.plan_id)
                                         .where(t.plan_departments.c.department == SAMR)).scalars()
                 if plan_id is None or p == plan_id}
        figures = dashboard.build(conn, SAMR, today=TODAY, period=period, plan_id=plan_id, frequent_after=after)
        expected = recount(conn, plans, period, after)
    assert answered(figures) == expected
    assert figures.inspected > 0 and (after > 2 or len(figures.frequent) == dashboard.FREQUENT_LIMIT)
