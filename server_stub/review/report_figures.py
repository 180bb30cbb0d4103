"""The figures of the monthly 工作简报 and the yearly 自查报告 (issue 27 point 4), read by the very
queries the office's screens use: the dashboard (``publication.dashboard.build`` over the
period), the year on one screen (``publication.year_overview.build``, the department's row) and
the follow-up ledger (``review.followups.ledger``). So a report never says a number the
dashboard does not (tests/server_stub/test_reports.py compares them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.config import DEFAULT_DUE_DAYS
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS, Thresholds
from server_stub.publication import dashboard, year_overview
from server_stub.publication.reports import (
    Dispositions,
    Kind,
    ReportFigures,
    month_period,
    year_period,
)
from server_stub.review import followups


def _running(conn: sa.Connection, plan_ids: list[str], start: dt.date, end: dt.date) -> set[str]:
    """The plans whose window overlaps the period: a report lists them even when none of their
    tasks was done in it (a self-report that left out the plans not carried out would hide them)."""
    rows = conn.execute(sa.select(t.plans.c.id, t.plans.c.spec).where(t.plans.c.id.in_(plan_ids)))
    return {plan_id for plan_id, spec in rows
            if spec["window_start"] <= end.isoformat() and spec["window_end"] >= start.isoformat()}


def gather(conn: sa.Connection, department: str, kind: Kind, year: int, month: int | None = None, *,
           today: dt.date, thresholds: Thresholds = DEFAULT_THRESHOLDS,
           due_days: int = DEFAULT_DUE_DAYS) -> ReportFigures:
    """The figures of ``department``'s report of ``month`` of ``year`` (``kind`` monthly) or of
    ``year`` (yearly), as of ``today`` (China date)."""
    if kind == "monthly":
        if month is None or not 1 <= month <= 12:
            raise ValueError("a monthly brief needs a month from 1 to 12")
        start, end = month_period(year, month)
    else:
        month = None
        start, end = year_period(year)
    board = dashboard.build(conn, department, today=today, period=dashboard.Period(start, end),
                            thresholds=thresholds)
    row = year_overview.build(conn, year, departments=[department])["rows"][0]
    ledger = followups.ledger(conn, department, today=today, due_days=due_days)
    running = _running(conn, [p.plan_id for p in board.plans], start, end)
    in_period = [e for e in ledger if start.isoformat() <= e["inspected_on"] <= end.isoformat()]
    closed = [e for e in ledger if e["disposal_date"] and start.isoformat() <= e["disposal_date"] <= end.isoformat()]
    counts = Counter(e["disposal"] for e in closed)
    return ReportFigures(
        kind=kind, department=department, year=year, month=month, start=start, end=end, as_of=today,
        year_row=row,
        plans=[p for p in board.plans if p.completed or p.plan_id in running],
        inspected=board.inspected, problems=board.problems,
        by_industry=board.by_industry, by_region=board.by_region,
        risk_grade_use=board.risk_grade_use, overdue=board.overdue,
        dispositions=Dispositions(
            found=len(in_period),
            closed=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            open_now=sum(e["open"] for e in ledger), overdue_now=sum(e["overdue"] for e in ledger)),
    )
