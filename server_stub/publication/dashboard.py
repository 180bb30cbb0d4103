"""The supervisor's dashboard (统计, DESIGN §9): counts from SQL, figures from ``aggregation``.

A few grouped queries over the department's current records (not superseded, in a final state)
and tasks give small tables of counts; everything else is arithmetic on them. Records carry their
entity's industry, region and risk grade as at the inspection, and each query reads one covering
index only (``tables.records``), which keeps a million records within the two-second budget.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from server_stub.access.scope import FINAL_STATES, department_plans
from server_stub.core import tables as t
from server_stub.core.clock import CHINA
from server_stub.core.config import DEFAULT_FREQUENT_AFTER
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS, Thresholds
from server_stub.draws.plan_codec import plan_from_json
from server_stub.publication import aggregates
from server_stub.publication.aggregation import (
    GroupRate,
    Overdue,
    PlanFigures,
    RiskGradeUse,
    overdue_publications,
    plan_figures,
    problem_rates,
    risk_grade_use,
)
from server_stub.publication.workdays import WorkCalendar
from sync import Outcome, RecordState


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class FrequentVisit:
    """An enterprise inspected more often this year, by all departments together, than the
    warning threshold (频繁检查预警; 扫码入企 practice warns on frequent visits)."""

    credit_code: str
    name: str
    inspections: int
    departments: list[str]




@dataclass(frozen=True)
class Dashboard:
    department: str
    plans: list[PlanFigures]
    by_industry: list[GroupRate]
    by_region: list[GroupRate]
    by_grade: list[GroupRate]
    risk_grade_use: RiskGradeUse
    overdue: list[Overdue]
    deadlines_provisional: bool
    inspected: int
    problems: int
    frequent: list[FrequentVisit]
    frequent_after: int

    def to_json(self) -> dict[str, Any]:
        return {k: _jsonable(v) for k, v in asdict(self).items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal: rates travel as numbers rounded for display
        return round(float(value), 4)
    return value


def calendar(conn: sa.Connection) -> WorkCalendar:
    """The working-day calendar with the administrator's holiday notice applied."""
    return WorkCalendar(dict(conn.execute(sa.select(t.holidays.c.day, t.holidays.c.workday)).all()))


SECTIONS = ("plans in scope", "by industry, region and grade", "publication deadlines",
            "per plan", "risk-grade use", "frequent visits")
"""What ``build`` times when asked (``timings``): bench/aggregate.py prints each, so that a
regression shows which section it came from (issue 29)."""


def build(conn: sa.Connection, department: str, *, today: dt.date, period: Period = Period(),
          plan_id: str | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS,
          frequent_after: int = DEFAULT_FREQUENT_AFTER,
          timings: dict[str, float] | None = None) -> Dashboard:
    """The dashboard from the maintained aggregates (``aggregates``): counts plus the deltas not
    yet folded, each section one small grouped read whatever the number of records."""
    clock = _Sections(timings)
    plan_ids = _plans_in_scope(conn, department, plan_id)
    clock.lap("plans in scope")
    totals: dict[str, dict[str | None, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in ("i", "r", "g")}
    for dimension, key, n, p in aggregates.group_counts(conn, plan_ids, period.start, period.end):
        totals[dimension[0]][key] = [n, p]
    clock.lap("by industry, region and grade")
    publications = aggregates.publication_days(conn, plan_ids, period.start, period.end)
    overdue = overdue_publications(publications, today, calendar(conn))
    clock.lap("publication deadlines")
    completed: dict[str, tuple[int, int]] = {}
    for (pid, state), n in aggregates.plan_state_counts(conn, plan_ids, period.start, period.end).items():
        if pid is not None:
            done, published = completed.get(pid, (0, 0))
            completed[pid] = (done + n, published + (n if state == RecordState.PUBLISHED else 0))
    per_plan = _per_plan(conn, plan_ids, aggregates.task_counts(conn, plan_ids), completed)
    clock.lap("per plan")
    return _assemble(conn, department, today, plan_ids, totals, overdue, per_plan, thresholds,
                     frequent_after, clock, recounted=False)


def recount(conn: sa.Connection, department: str, *, today: dt.date, period: Period = Period(),
            plan_id: str | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS,
            frequent_after: int = DEFAULT_FREQUENT_AFTER,
            timings: dict[str, float] | None = None) -> Dashboard:
    """The same dashboard counted again from every row (records, tasks): what the aggregates
    must always equal (tests/server_stub/test_aggregates.py), and the bench's reference."""
    clock = _Sections(timings)
    plan_ids = _plans_in_scope(conn, department, plan_id)
    clock.lap("plans in scope")
    r = t.records
    current = [r.c.plan_id.in_(plan_ids), *_current_results(period)]
    problem = sa.case((r.c.outcome != Outcome.NO_PROBLEM.value, 1), else_=0)
    groups = conn.execute(
        sa.select(r.c.industry, r.c.region, r.c.risk_grade, sa.func.count(), sa.func.sum(problem))
        .where(*current).group_by(r.c.industry, r.c.region, r.c.risk_grade)
    ).all()
    totals: dict[str, dict[str | None, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in ("i", "r", "g")}
    for industry, region, grade, n, p in groups:
        for kind, key in (("i", industry), ("r", region), ("g", grade)):
            totals[kind][key][0] += n
            totals[kind][key][1] += int(p or 0)
    clock.lap("by industry, region and grade")
    publications = conn.execute(
        sa.select(r.c.inspected_on, r.c.published_on, sa.func.count()).where(*current)
        .group_by(r.c.inspected_on, r.c.published_on)
    ).all()
    overdue = overdue_publications(
        {(day, published): n for day, published, n in publications}, today, calendar(conn))
    clock.lap("publication deadlines")
    per_plan = _plan_figures(conn, plan_ids, period)
    clock.lap("per plan")
    return _assemble(conn, department, today, plan_ids, totals, overdue, per_plan, thresholds,
                     frequent_after, clock, recounted=True)


def _plans_in_scope(conn: sa.Connection, department: str, plan_id: str | None) -> list[str]:
    plans = department_plans(department)
    if plan_id is not None:
        plans = plans.where(t.plan_departments.c.plan_id == plan_id)
    return list(conn.execute(plans).scalars())


def _assemble(conn: sa.Connection, department: str, today: dt.date, plan_ids: list[str],
              totals: dict[str, dict[str | None, list[int]]],
              overdue: tuple[list[Overdue], bool], per_plan: list[PlanFigures], thresholds: Thresholds,
              frequent_after: int, clock: _Sections, *, recounted: bool) -> Dashboard:
    """What both ways share: rates and colours, risk-grade use, frequent visits."""
    by = {kind: problem_rates([(k, n, p) for k, (n, p) in rows.items()], thresholds)  # type: ignore[misc]
          for kind, rows in totals.items()}
    grade_use = risk_grade_use(
        plan_from_json(spec).uses_risk_grades
        for spec in conn.execute(sa.select(t.plans.c.spec).where(t.plans.c.id.in_(plan_ids))).scalars())
    clock.lap("risk-grade use")
    frequent = frequent_visits(conn, today.year, frequent_after, recounted=recounted)
    clock.lap("frequent visits")
    grades = totals["g"].values()
    return Dashboard(
        department=department,
        plans=per_plan,
        by_industry=by["i"], by_region=by["r"], by_grade=by["g"],
        risk_grade_use=grade_use,
        overdue=overdue[0], deadlines_provisional=overdue[1],
        inspected=sum(n for n, _p in grades), problems=sum(p for _n, p in grades),
        frequent=frequent, frequent_after=frequent_after,
    )


class _Sections:
    """Adds the seconds since the last lap to ``timings[name]`` (nothing without ``timings``)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


FREQUENT_LIMIT = 100


def frequent_visits(conn: sa.Connection, year: int, after: int, *,
                    recounted: bool = False) -> list[FrequentVisit]:
    """The enterprises drawn for inspection more than ``after`` times in ``year`` (China time)
    by all departments together, every kind counted, most inspected first (at most 100).

    The year's draws are read first (a few rows: one per plan), then only their plans' tasks are
    counted, and only the enterprises shown are looked up by name. (Joining every task to its
    draw and its entity before grouping read the whole tasks table row by row, drawn or not:
    the dashboard's regression of issue 29, docs/decisions.md.) The counts come from the
    maintained ``yearly_visits`` (``aggregates``), or, ``recounted``, from every task."""
    tk, dr, pd, e = t.tasks, t.draws, t.plan_departments, t.entities
    start = dt.datetime(year, 1, 1, tzinfo=CHINA)
    drawn = list(conn.execute(
        sa.select(dr.c.plan_id).where(dr.c.drawn_at >= start, dr.c.drawn_at < start.replace(year=year + 1))
    ).scalars())
    if not drawn:
        return []
    counts = aggregates.frequent(conn, year, drawn, after, FREQUENT_LIMIT) if not recounted else [
        (code, int(n)) for code, n in conn.execute(
            sa.select(tk.c.credit_code, sa.func.count()).where(tk.c.plan_id.in_(drawn))
            .group_by(tk.c.credit_code).having(sa.func.count() > after)
            .order_by(sa.func.count().desc(), tk.c.credit_code).limit(FREQUENT_LIMIT))]
    codes = [code for code, _ in counts]
    names: dict[str, str] = dict(conn.execute(
        sa.select(e.c.credit_code, e.c.name).where(e.c.credit_code.in_(codes))).all())
    departments: dict[str, set[str]] = defaultdict(set)
    year_plans = set(drawn)
    # By credit code only (a few tasks each), the year's plans picked here: with the plans in
    # the statement too, SQLite read every task of the year by plan (1.2 s at 1 M tasks).
    for code, plan_id, department in conn.execute(
            sa.select(tk.c.credit_code, tk.c.plan_id, pd.c.department).join(pd, pd.c.plan_id == tk.c.plan_id)
            .where(tk.c.credit_code.in_(codes))):
        if plan_id in year_plans:
            departments[code].add(department)
    return [FrequentVisit(code, names[code], n, sorted(departments[code])) for code, n in counts
            if code in names]


def _current_results(period: Period) -> list[sa.ColumnElement[bool]]:
    """Records that are a task's current result, inspected within ``period``."""
    r = t.records
    conditions: list[sa.ColumnElement[bool]] = [r.c.superseded.is_(False),
                                                r.c.state.in_(FINAL_STATES)]
    if period.start is not None:
        conditions.append(r.c.inspected_on >= period.start)
    if period.end is not None:
        conditions.append(r.c.inspected_on <= period.end)
    return conditions


def _per_plan(conn: sa.Connection, plan_ids: list[str], tasks: dict[str, int],
              completed: dict[str, tuple[int, int]]) -> list[PlanFigures]:
    names = dict(conn.execute(sa.select(t.plans.c.id, t.plans.c.name).where(t.plans.c.id.in_(plan_ids))).all())
    return [plan_figures(pid, names[pid], tasks.get(pid, 0), *completed.get(pid, (0, 0)))
            for pid in sorted(plan_ids)]


def _plan_figures(conn: sa.Connection, plan_ids: list[str], period: Period) -> list[PlanFigures]:
    r = t.records
    done = _current_results(period)
    tasks: dict[str, int] = dict(conn.execute(
        sa.select(t.tasks.c.plan_id, sa.func.count())
        .where(t.tasks.c.plan_id.in_(plan_ids)).group_by(t.tasks.c.plan_id)).all())
    completed = {pid: (n, published) for pid, n, published in conn.execute(
        sa.select(r.c.plan_id, sa.func.count(sa.distinct(r.c.task_id)),
                  sa.func.count(sa.distinct(sa.case((r.c.state == RecordState.PUBLISHED, r.c.task_id)))))
        .where(r.c.plan_id.in_(plan_ids), *done).group_by(r.c.plan_id))}
    return _per_plan(conn, plan_ids, tasks, completed)
