"""动态调整: next year's ratio per risk grade, suggested from a year's results (issue 26 point 7).

The seeds set each grade's minimum ratio (A ≥ 1 %, B ≥ 3 %, C ≥ 10 %, D ≥ 20 %) and ask that the
ratios follow what inspections find (根据问题发现情况实施年度动态调整). The rule, in
:func:`suggest`, per grade:

- the results counted are a year's current, published results of the grade, less those where the
  business could not be inspected (``Outcome.fits_absence``: 无法联系, 未发现开展本次抽查涉及的经营
  活动): they say nothing of how a grade's businesses keep the rules. Its problem rate is the
  share of the rest with an outcome other than 未发现问题;
- with fewer than :data:`MIN_RESULTS` such results the rate says little: the suggestion is the
  minimum, with that reason;
- otherwise the suggestion is the problem rate itself, rounded up to a whole percent: where one
  visit in three finds a problem, a third of the grade is worth visiting. It is never below the
  grade's minimum and never above :data:`MAX_FACTOR` times it (A 3 %, B 9 %, C 30 %, D 60 %), so
  that one year's results cannot multiply the office's workload; the office may still enter more.

Internal: it names grades, so it is served to the administrator and supervisors only, and never on
a public page. Pure but for :func:`year_results`, which reads a year's counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from sync import Outcome, RecordState, RiskGrade

MINIMUMS = {RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10),
            RiskGrade.D: Decimal(20)}
"""The seeds' minimum ratios, percent (抽查比例一般不低于 1 %、3 %、10 %、20 %)."""
MIN_RESULTS = 20
MAX_FACTOR = 3


@dataclass(frozen=True)
class GradeResults:
    """A year's counted results of one grade: inspected (inspectable) and problems found."""

    inspected: int
    problems: int


@dataclass(frozen=True)
class Suggestion:
    grade: RiskGrade
    inspected: int
    problems: int
    rate: Decimal | None
    minimum: Decimal
    suggested: Decimal
    reason: str
    entered: Decimal | None = None
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"grade": self.grade.value, "inspected": self.inspected, "problems": self.problems,
                "rate": None if self.rate is None else percent(self.rate),
                "minimum": percent(self.minimum), "suggested": percent(self.suggested),
                "reason": self.reason, "entered": None if self.entered is None else percent(self.entered),
                "warning": self.warning}


def percent(value: Decimal) -> str:
    """A percentage as a short decimal string (30, 2.5, 0.83)."""
    text = f"{value.quantize(Decimal('0.01')).normalize():f}"
    return text


def suggest(results: Mapping[RiskGrade, GradeResults], year: int,
            entered: Mapping[RiskGrade, Decimal] | None = None) -> list[Suggestion]:
    """The suggestion for every grade, A to D, from ``year``'s ``results`` (a grade missing has
    none); with ``entered`` (a plan's ratios), each beside it and a warning where it is below the
    grade's minimum."""
    found = []
    for grade in RiskGrade:
        counted = results.get(grade, GradeResults(0, 0))
        mine = None if entered is None else entered.get(grade)
        found.append(_one(grade, counted, year, mine))
    return found


def _one(grade: RiskGrade, counted: GradeResults, year: int, entered: Decimal | None) -> Suggestion:
    minimum = MINIMUMS[grade]
    ceiling = min(Decimal(100), minimum * MAX_FACTOR)
    label = f"{grade.value}类"
    n, p = counted.inspected, counted.problems
    rate = None if n == 0 else Decimal(p) * 100 / Decimal(n)
    seen = f"{label}{year}年检查{n}户" + ("" if rate is None else f"，发现问题{p}户（{percent(rate)}%）")
    if rate is None or n < MIN_RESULTS:
        suggested = minimum
        reason = f"{seen}，少于{MIN_RESULTS}户，不足以据此调整，建议按最低比例{percent(minimum)}%"
    else:
        wanted = rate.to_integral_value(rounding=ROUND_CEILING)
        suggested = max(minimum, min(ceiling, wanted))
        if wanted <= minimum:
            reason = f"{seen}，不高于最低抽查比例{percent(minimum)}%，建议按最低比例{percent(minimum)}%"
        elif wanted > ceiling:
            reason = (f"{seen}，高于最低抽查比例{percent(minimum)}%，建议提高至{percent(suggested)}%"
                      f"（按问题发现率调整，一年内不超过最低比例的{MAX_FACTOR}倍）")
        else:
            reason = (f"{seen}，高于最低抽查比例{percent(minimum)}%，"
                      f"建议按问题发现率提高至{percent(suggested)}%")
    warning = None
    if entered is not None and entered < minimum:
        warning = f"{label}录入的抽查比例{percent(entered)}%低于最低比例{percent(minimum)}%"
    elif entered is not None and entered < suggested:
        warning = f"{label}录入的抽查比例{percent(entered)}%低于建议的{percent(suggested)}%"
    return Suggestion(grade, n, p, rate, minimum, suggested, reason, entered, warning)


NOT_INSPECTABLE = tuple(o.value for o in Outcome if o.fits_absence)


def year_results(conn: sa.Connection, year: int) -> dict[RiskGrade, GradeResults]:
    """Per grade (as it was at the inspection), the current published results inspected in
    ``year`` (China dates) that are not withdrawn, less the not-inspectable ones, and how many
    found a problem."""
    r, p = t.records, t.publications
    problem = sa.case((r.c.outcome != Outcome.NO_PROBLEM.value, 1), else_=0)
    rows = conn.execute(
        sa.select(r.c.risk_grade, sa.func.count(), sa.func.sum(problem))
        .outerjoin(p, p.c.record_id == r.c.id)
        .where(r.c.superseded.is_(False), r.c.state == RecordState.PUBLISHED.value,
               sa.or_(p.c.status.is_(None), p.c.status != "withdrawn"),
               r.c.outcome.not_in(NOT_INSPECTABLE), r.c.risk_grade.is_not(None),
               r.c.inspected_on >= dt.date(year, 1, 1), r.c.inspected_on <= dt.date(year, 12, 31))
        .group_by(r.c.risk_grade)).all()
    return {RiskGrade(grade): GradeResults(n, int(problems or 0)) for grade, n, problems in rows
            if grade in {g.value for g in RiskGrade}}
