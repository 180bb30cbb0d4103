"""动态调整: the suggested ratios from a year's results (issue 26 point 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.directory.demo import SAMR
from server_stub.publication.ratio_advice import (
    MINIMUMS,
    GradeResults,
    Suggestion,
    suggest,
    year_results,
)
from sync import Outcome, RecordState, RiskGrade
from tests.utils.history import Earlier, add_earlier

A, B, C, D = RiskGrade.A, RiskGrade.B, RiskGrade.C, RiskGrade.D


def by_grade(found: list[Suggestion]) -> dict[RiskGrade, Suggestion]:
    return {s.grade: s for s in found}


def test_a_high_rate_raises_the_ratio_to_the_rate_with_its_reason() -> None:
    c = by_grade(suggest({C: GradeResults(120, 36)}, 2026))[C]
    assert c.suggested == Decimal(30) and c.rate == Decimal(30)
    assert c.reason == "C类2026年检查120户，发现问题36户（30%），高于最低抽查比例10%，建议按问题发现率提高至30%"


def test_a_low_rate_keeps_the_minimum() -> None:
    a = by_grade(suggest({A: GradeResults(300, 1)}, 2026))[A]
    assert a.suggested == Decimal(1)
    assert "不高于最低抽查比例1%，建议按最低比例1%" in a.reason and "（0.33%）" in a.reason


def test_the_rise_is_bounded_at_three_times_the_minimum() -> None:
    b = by_grade(suggest({B: GradeResults(50, 40)}, 2026))[B]
    assert b.suggested == Decimal(9)
    assert "（80%）" in b.reason and "不超过最低比例的3倍" in b.reason


def test_too_few_results_or_none_give_the_minimum() -> None:
    found = by_grade(suggest({D: GradeResults(19, 19)}, 2026))
    assert found[D].suggested == Decimal(20) and "少于20户" in found[D].reason
    assert found[A].suggested == Decimal(1) and found[A].rate is None and "检查0户" in found[A].reason


@pytest.mark.parametrize("results", [
    {}, {A: GradeResults(1000, 0), B: GradeResults(500, 0), C: GradeResults(200, 0),
         D: GradeResults(100, 0)},
    {A: GradeResults(1000, 1000), B: GradeResults(21, 20), C: GradeResults(20, 1), D: GradeResults(99, 99)},
])
def test_never_below_the_minimums(results: dict[RiskGrade, GradeResults]) -> None:
    for s in suggest(results, 2026):
        assert s.suggested >= MINIMUMS[s.grade] and s.minimum == MINIMUMS[s.grade]
        assert s.suggested <= 3 * MINIMUMS[s.grade]


def test_entered_ratios_are_shown_beside_with_a_warning_below_the_minimum() -> None:
    found = by_grade(suggest({C: GradeResults(120, 36)}, 2026,
                             {A: Decimal("0.5"), B: Decimal(3), C: Decimal(15)}))
    assert found[A].warning == "A类录入的抽查比例0.5%低于最低比例1%"
    assert found[B].warning is None and found[B].entered == Decimal(3)
    assert found[C].warning == "C类录入的抽查比例15%低于建议的30%"
    assert found[D].entered is None and found[D].warning is None


def test_year_results_count_published_current_inspectable_results_of_the_year(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        codes = list(conn.execute(sa.select(t.entities.c.credit_code).limit(8)).scalars())
        inspector = conn.execute(sa.select(t.inspectors.c.id)).scalars().first()
        assert inspector is not None
        rows = [  # (grade, outcome, state, inspected)
            ("C", Outcome.PROBLEM_CORRECTED, RecordState.PUBLISHED, dt.date(2025, 5, 1)),
            ("C", Outcome.NO_PROBLEM, RecordState.PUBLISHED, dt.date(2025, 6, 1)),
            ("C", Outcome.UNREACHABLE_AT_ADDRESS, RecordState.PUBLISHED, dt.date(2025, 6, 1)),
            ("C", Outcome.PROBLEM_PENDING, RecordState.APPROVED, dt.date(2025, 6, 1)),
            ("C", Outcome.PROBLEM_PENDING, RecordState.PUBLISHED, dt.date(2026, 1, 2)),
            ("A", Outcome.NO_RELEVANT_BUSINESS, RecordState.PUBLISHED, dt.date(2025, 7, 1)),
            ("A", Outcome.INFO_FALSIFIED, RecordState.PUBLISHED, dt.date(2025, 12, 31)),
            ("A", Outcome.NO_PROBLEM, RecordState.PUBLISHED, dt.date(2025, 1, 1)),
        ]
        for code, (grade, outcome, state, day) in zip(codes, rows, strict=True):
            record = add_earlier(conn, Earlier(code, (SAMR,), day, outcome, state), inspector)
            conn.execute(t.records.update().where(t.records.c.id == record).values(risk_grade=grade))
        found = year_results(conn, 2025)
    assert found == {C: GradeResults(2, 1), A: GradeResults(2, 1)}
