"""The dashboard maths on hand-built counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server_stub.core.warning_thresholds import Thresholds, WarningColour
from server_stub.publication.aggregation import (
    overdue_publications,
    plan_figures,
    problem_rates,
    ratio,
    risk_grade_use,
)
from server_stub.publication.workdays import WorkCalendar

D = dt.date


def test_ratio_is_exact_and_none_without_a_base() -> None:
    assert ratio(1, 3) == Decimal(1) / Decimal(3)
    assert ratio(0, 5) == 0
    assert ratio(0, 0) is None


@pytest.mark.parametrize(
    ("problems", "inspected", "colour"),
    [
        (30, 100, WarningColour.RED),      # exactly on the red bound
        (29, 100, WarningColour.ORANGE),
        (20, 100, WarningColour.ORANGE),
        (1999, 10000, WarningColour.YELLOW),
        (10, 100, WarningColour.YELLOW),
        (9, 100, WarningColour.GREEN),
        (0, 100, WarningColour.GREEN),
        (100, 100, WarningColour.RED),
        (0, 0, None),
    ],
)
def test_colour_boundaries(problems: int, inspected: int, colour: WarningColour | None) -> None:
    assert Thresholds().colour(ratio(problems, inspected)) is colour


def test_thresholds_are_configurable_and_checked() -> None:
    strict = Thresholds(red=Decimal(10), orange=Decimal(5), yellow=Decimal(1))
    assert strict.colour(Decimal("0.05")) is WarningColour.ORANGE
    with pytest.raises(ValueError, match="红 > 橙 > 黄"):
        Thresholds(red=Decimal(10), orange=Decimal(20), yellow=Decimal(5))


def test_problem_rates_sorted_highest_first() -> None:
    rows = problem_rates([("制造业", 10, 1), ("住宿和餐饮业", 4, 2), ("建筑业", 0, 0)], Thresholds())
    assert [r.key for r in rows] == ["住宿和餐饮业", "制造业", "建筑业"]
    assert rows[0].rate == Decimal("0.5") and rows[0].colour is WarningColour.RED
    assert rows[2].rate is None and rows[2].colour is None


def test_plan_rates() -> None:
    figures = plan_figures("P1", "食品抽查", tasks=40, completed=30, published=15)
    assert figures.completion_rate == Decimal("0.75")
    assert figures.publication_rate == Decimal("0.5")
    assert plan_figures("P2", "空", 0, 0, 0).completion_rate is None


@pytest.mark.parametrize(("uses", "rate", "meets"), [
    ([True, True, False], Decimal(2) / 3, True),
    ([True, False, False, True, True], Decimal("0.6"), True),   # exactly the target
    ([True, False], Decimal("0.5"), False),
    ([], None, False),
])
def test_risk_grade_use(uses: list[bool], rate: Decimal | None, meets: bool) -> None:
    figures = risk_grade_use(uses)
    assert figures.rate == rate and figures.meets_target is meets


def test_overdue_across_the_spring_festival() -> None:
    calendar = WorkCalendar()
    # Inspected 13 Feb 2026: the deadline is 19 Mar (the festival and both adjusted Saturdays counted).
    counts = {
        (D(2026, 2, 13), D(2026, 3, 19)): 4,   # on the last day: on time
        (D(2026, 2, 13), D(2026, 3, 20)): 2,   # a day late
        (D(2026, 2, 13), None): 3,             # never published
        (D(2026, 3, 10), None): 5,             # not yet due on 20 Mar
    }
    rows, provisional = overdue_publications(counts, D(2026, 3, 20), calendar)
    assert len(rows) == 1 and not provisional
    row = rows[0]
    assert (row.inspected, row.deadline, row.published_late, row.unpublished_overdue) == (
        D(2026, 2, 13), D(2026, 3, 19), 2, 3)


def test_overdue_in_an_unannounced_year_is_provisional() -> None:
    rows, provisional = overdue_publications({(D(2027, 3, 1), None): 1}, D(2027, 6, 1), WorkCalendar())
    assert provisional and rows[0].provisional and rows[0].unpublished_overdue == 1
