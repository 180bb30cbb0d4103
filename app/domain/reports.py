"""上报材料: which monthly 工作简报 and which yearly 自查报告 come next, and by when (issue 27
point 4). Pure: China dates in, dates out. The seeds say 每月15日前 and 11月5日前: calendar days,
so no working-day calendar is needed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BRIEF_DAY = 15
SELF_REPORT = (11, 5)


@dataclass(frozen=True)
class Due:
    year: int
    month: int | None
    """The brief's month; None for the yearly self-report."""
    due: dt.date
    days_left: int
    """Days from today to the due date (0: due today)."""


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def next_brief(today: dt.date) -> Due:
    """The brief to send next: up to the 15th, last month's (due on the 15th of this month); after
    it, this month's (due on the 15th of the next)."""
    if today.day <= BRIEF_DAY:
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    else:
        year, month = today.year, today.month
    due_year, due_month = _next_month(year, month)
    due = dt.date(due_year, due_month, BRIEF_DAY)
    return Due(year, month, due, (due - today).days)


def next_self_report(today: dt.date) -> Due:
    """The self-report to send next: this year's until 5 November, then next year's."""
    due = dt.date(today.year, *SELF_REPORT)
    year = today.year if today <= due else today.year + 1
    due = dt.date(year, *SELF_REPORT)
    return Due(year, None, due, (due - today).days)


def report_year(today: dt.date) -> int:
    """The self-report the button makes: the current year's, its figures up to today (a draft
    before 5 November, the report itself or a late one after)."""
    return today.year
