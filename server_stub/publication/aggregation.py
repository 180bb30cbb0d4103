"""The dashboard's figures (DESIGN §9), computed from counts. Pure: no I/O.

The database hands over counts (per plan, per industry, per region, per grade, per inspection
date); this module turns them into rates, deadlines and warning colours, so the maths is tested
on hand-built numbers and the heavy lifting stays in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from server_stub.core.warning_thresholds import Thresholds, WarningColour
from server_stub.publication.workdays import WorkCalendar

RISK_GRADE_USE_TARGET = Decimal("0.6")


def ratio(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as an exact Decimal, or None when ``whole`` is 0 (no rate, not 0 %)."""
    return None if whole == 0 else Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class GroupRate:
    """Problem discovery in one group (an industry, a region or a risk grade)."""

    key: str
    inspected: int
    problems: int
    rate: Decimal | None
    colour: WarningColour | None


def problem_rates(counts: Iterable[tuple[str, int, int]], thresholds: Thresholds) -> list[GroupRate]:
    """(key, inspected, problems) rows → rates and colours, highest rate first."""
    rows = [GroupRate(key, n, p, ratio(p, n), thresholds.colour(ratio(p, n))) for key, n, p in counts]
    return sorted(rows, key=lambda r: (-(r.rate or 0), r.key))


@dataclass(frozen=True)
class PlanFigures:
    plan_id: str
    name: str
    tasks: int
    completed: int
    published: int
    completion_rate: Decimal | None
    publication_rate: Decimal | None


def plan_figures(plan_id: str, name: str, tasks: int, completed: int, published: int) -> PlanFigures:
    """Completion = tasks with a submitted result ÷ tasks; publication = published ÷ completed."""
    return PlanFigures(plan_id, name, tasks, completed, published, ratio(completed, tasks),
                       ratio(published, completed))


@dataclass(frozen=True)
class RiskGradeUse:
    plans: int
    using: int
    rate: Decimal | None
    meets_target: bool


def risk_grade_use(uses: Iterable[bool]) -> RiskGradeUse:
    """The share of plans whose ratios differ by risk grade; the target is ≥ 60 %."""
    flags = list(uses)
    rate = ratio(sum(flags), len(flags))
    return RiskGradeUse(len(flags), sum(flags), rate, rate is not None and rate >= RISK_GRADE_USE_TARGET)


@dataclass(frozen=True)
class Overdue:
    """Publications late or due: inspected on ``inspected``, deadline ``deadline``."""

    inspected: dt.date
    deadline: dt.date
    provisional: bool
    published_late: int
    unpublished_overdue: int


def overdue_publications(
    counts: Mapping[tuple[dt.date, dt.date | None], int], today: dt.date, calendar: WorkCalendar
) -> tuple[list[Overdue], bool]:
    """From counts of final results by (inspection date, publication date or None), the dates
    with late or overdue publications, and whether any deadline involved is provisional.

    Published after the deadline is late; unpublished with the deadline passed is overdue.
    Deadlines are computed once per inspection date (a few hundred), not per result.
    """
    deadlines = {day: calendar.publication_deadline(day) for day in {day for day, _ in counts}}
    late: dict[dt.date, list[int]] = {}
    for (day, published), n in counts.items():
        deadline = deadlines[day].day
        if published is not None and published > deadline:
            late.setdefault(day, [0, 0])[0] += n
        elif published is None and today > deadline:
            late.setdefault(day, [0, 0])[1] += n
    rows = [Overdue(day, deadlines[day].day, deadlines[day].provisional, a, b)
            for day, (a, b) in sorted(late.items())]
    provisional = any(d.provisional for d in deadlines.values())
    return rows, provisional
