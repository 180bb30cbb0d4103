"""A plan's terms as JSON (plan_codec): the terms of issues 26 and 28 round-trip, appear only when
set (a plan made before them encodes as it did), and are checked."""

from __future__ import annotations

import datetime as dt

import pytest

from server_stub.draws.plan_codec import plan_from_json, plan_to_json
from sync import Plan, PlanLevel, Scheme, ValidationError


def plan(**fields: object) -> Plan:
    values: dict[str, object] = {
        "id": "P1", "name": "抽查", "departments": ("甲局",), "items": ("X-1",), "ratios": {"A": "1"},
        "team_size": 2, "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30)}
    values.update(fields)
    return Plan(**values)  # type: ignore[arg-type]


def test_the_new_terms_round_trip_and_stay_out_when_unset() -> None:
    full = plan(level=PlanLevel.CITY_DRAWS_COUNTY, scheme=Scheme("内容", "时间", "方式"),
                batches=(dt.date(2026, 3, 1), dt.date(2026, 4, 1)), replaces_county=True,
                witnesses_required=2)
    assert plan_from_json(plan_to_json(full)) == full
    bare = plan_to_json(plan())
    assert not {"level", "scheme", "batches", "replaces_county", "witnesses_required"} & set(bare)


@pytest.mark.parametrize(("fields", "field"), [
    ({"witnesses_required": 21}, "witnesses_required"),
    ({"witnesses_required": -1}, "witnesses_required"),
    ({"level": "省抽县查"}, "level"),
])
def test_bad_terms_are_refused(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        plan(**fields)
    assert field in {p.field for p in refused.value.problems}
