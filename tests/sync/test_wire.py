"""The answers' shapes (issue 25 point 3): what the app accepts as tasks and as a review queue."""

from __future__ import annotations

from typing import Any

import pytest

from sync import ValidationError, read_queue, read_tasks
from tests.app.factories import make_task

ENTRY = {"id": "r1", "task_id": "T-1", "credit_code": "91440300708461136T", "entity_name": "某公司",
         "inspector_id": "WH001", "inspector_name": "张三", "outcome": "未发现问题",
         "finished_at": None, "state": "submitted", "revision": False, "own": False}


def test_tasks_of_the_contracts_shape_are_read_with_extra_fields_allowed() -> None:
    tasks = [make_task("T-1"), make_task("T-2") | {"added_later": 1}]
    assert read_tasks({"tasks": tasks}) == tasks


@pytest.mark.parametrize("change, where", [
    ({"entity": None}, "tasks[0].entity"),
    ({"items": [{"code": "SP-01"}]}, "tasks[0].items[0].name"),
    ({"team": [{"id": 7, "name": "张三", "badge_no": "1"}]}, "tasks[0].team[0].id"),
    ({"record": {"id": "r", "hash": "h"}}, "tasks[0].record.state"),
    ({"due": 20260501}, "tasks[0].due"),
    ({"history": {}}, "tasks[0].history"),
])
def test_a_task_off_the_shape_is_named_where(change: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as e:
        read_tasks({"tasks": [make_task() | change]})
    assert where in [p.field for p in e.value.problems]


@pytest.mark.parametrize("body", [None, [], {"tasks": None}, {"records": []}])
def test_no_task_list_at_all(body: object) -> None:
    with pytest.raises(ValidationError):
        read_tasks(body)


def test_the_review_queue() -> None:
    assert read_queue({"records": [ENTRY]}) == [ENTRY]
    with pytest.raises(ValidationError) as e:
        read_queue({"records": [ENTRY | {"own": "no"}]})
    assert [p.field for p in e.value.problems] == ["records[0].own"]
    with pytest.raises(ValidationError):
        read_queue({"tasks": []})


def test_a_review_detail_missing_its_parts_is_refused() -> None:
    from sync import read_review_detail

    with pytest.raises(ValidationError) as e:
        read_review_detail({"id": "r1", "record": {}})
    fields = [p.field for p in e.value.problems]
    assert "detail.confirmation" in fields and "detail.record.items" in fields
    with pytest.raises(ValidationError):
        read_review_detail([])


def test_the_year_overview() -> None:
    from sync import read_year_overview

    row = {"scope": "department", "name": "某局", "level": "市级", "planned": 2, "confirmed": 2,
           "drawn": 1, "done": 1, "published": 0, "joint": 1, "joint_confirmed": 1,
           "joint_share": 0.5, "random_plans": 2, "graded_plans": 1, "risk_grade_use": 0.5,
           "meets_target": False, "joint_random_plans": 1, "joint_graded_plans": 1,
           "joint_risk_grade_use": 1.0, "joint_meets_target": True, "joint_visits_saved": 3,
           "capped_out": 0, "repeats_avoided": 3}
    answer = {"year": 2026, "target": 0.6, "rows": [row, row | {"risk_grade_use": None}]}
    assert read_year_overview(answer) == answer
    with pytest.raises(ValidationError) as e:
        read_year_overview({"year": 2026, "target": 0.6, "rows": [row | {"planned": "2"}, {"name": "x"}]})
    fields = [p.field for p in e.value.problems]
    assert fields[0] == "rows[0].planned" and "rows[1].repeats_avoided" in fields
    for wrong in ({"rows": []}, {"year": 2026, "rows": {}}, []):
        with pytest.raises(ValidationError):
            read_year_overview(wrong)
