"""信息查询 and the history on tasks (issue 18), against the real server process: who sees which
earlier inspection, never a grade, and the directory search with its bounds."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from sync import Outcome, RecordState, make_credit_code
from tests.conftest import ServerProcess
from tests.server_stub.api.test_review import other_inspector
from tests.utils.history import Earlier, add_earlier
from tests.utils.phone import Phone, busiest_inspector

OTHER = "威海市生态环境局"


@dataclass
class World:
    inspector: Phone
    task: dict[str, Any]
    ids: dict[str, str]
    crowded: str
    """An enterprise with twelve earlier inspections (more than the history keeps)."""


@pytest.fixture(scope="module")
def world(shared_server: ServerProcess) -> World:
    """The busiest inspector (of SAMR) and the enterprise of their first task, with earlier
    inspections of every kind the visibility rule tells apart."""
    inspector = Phone(shared_server, busiest_inspector(shared_server)).enroll()
    task = inspector.tasks()[0]
    code = task["credit_code"]
    kinds = {
        "own_open": Earlier(code, (SAMR,), dt.date(2025, 6, 1), Outcome.PROBLEM_PENDING),
        "own_closed": Earlier(code, (SAMR,), dt.date(2024, 6, 1), Outcome.PROBLEM_PENDING, disposal="立案"),
        "other_unpublished": Earlier(code, (OTHER,), dt.date(2025, 9, 1), Outcome.REFUSED_INSPECTION,
                                     RecordState.SUBMITTED),
        "other_published": Earlier(code, (OTHER,), dt.date(2025, 8, 1), Outcome.PROBLEM_PENDING),
        "joint_submitted": Earlier(code, (OTHER, SAMR), dt.date(2025, 7, 1), Outcome.INFO_FALSIFIED,
                                   RecordState.SUBMITTED),
        "own_returned": Earlier(code, (SAMR,), dt.date(2025, 10, 1), state=RecordState.RETURNED),
    }
    engine = make_engine(shared_server.db)
    with engine.begin() as conn:
        ids = {name: add_earlier(conn, e, inspector.inspector_id) for name, e in kinds.items()}
        crowded = conn.execute(sa.select(t.entities.c.credit_code).where(t.entities.c.credit_code != code)
                               .order_by(t.entities.c.credit_code).limit(1)).scalar_one()
        for n in range(12):
            add_earlier(conn, Earlier(crowded, (SAMR,), dt.date(2014 + n, 3, 1)), inspector.inspector_id)
    engine.dispose()
    return World(inspector, task, ids, crowded)


def history_of(phone: Phone, task_id: str) -> list[dict[str, Any]]:
    task = next(x for x in phone.tasks() if x["id"] == task_id)
    entries: list[dict[str, Any]] = task["history"]
    return entries


def test_tasks_carry_the_visible_history_newest_first(world: World) -> None:
    entries = history_of(world.inspector, world.task["id"])
    by_id = {e["record_id"]: e for e in entries}
    ids = world.ids
    assert [e["record_id"] for e in entries] == [
        ids["other_published"], ids["joint_submitted"], ids["own_open"], ids["own_closed"]]
    assert by_id[ids["own_open"]]["followup"] == {"open": True, "due_on": "2025-07-01", "disposal": None,
                                                  "disposal_date": None}
    assert by_id[ids["own_closed"]]["followup"]["disposal"] == "立案"
    assert by_id[ids["joint_submitted"]]["departments"] == sorted([OTHER, SAMR])
    assert by_id[ids["own_open"]] | {"followup": None} == {
        "record_id": ids["own_open"], "inspected_on": "2025-06-01", "departments": [SAMR], "plan_name": "往年抽查计划",
        "outcome": "发现问题待后续处理", "published": True, "followup": None, "withdrawn": False}


def test_another_departments_results_are_not_shown_unless_published(world: World) -> None:
    """Unpublished: not at all. Published: as the public sees it, without the other department's
    follow-up ledger."""
    by_id = {e["record_id"]: e for e in history_of(world.inspector, world.task["id"])}
    assert world.ids["other_unpublished"] not in by_id
    assert world.ids["own_returned"] not in by_id  # not a result
    assert by_id[world.ids["other_published"]]["followup"] is None


def test_a_colleague_of_another_department_sees_only_published_results(
        shared_server: ServerProcess, world: World) -> None:
    stranger = Phone(shared_server, other_inspector(shared_server, OTHER, set())).enroll()
    answer = stranger.client.get(f"/api/v1/enterprises/{world.task['credit_code']}")
    assert answer.status_code == 200
    by_id = {e["record_id"]: e for e in answer.json()["history"]}
    # Their department ran other_unpublished and joined joint_submitted: both theirs, in full.
    assert set(by_id) == {world.ids[k] for k in ("other_unpublished", "other_published",
                                                 "joint_submitted", "own_open", "own_closed")}
    assert by_id[world.ids["own_open"]]["followup"] is None  # SAMR's ledger is not theirs
    assert by_id[world.ids["other_published"]]["followup"]["open"] is True


def test_no_grade_in_any_field(world: World) -> None:
    answer = world.inspector.client.get("/api/v1/tasks")
    detail = world.inspector.client.get(f"/api/v1/enterprises/{world.task['credit_code']}")
    found = world.inspector.client.get("/api/v1/enterprises", params={"q": world.task["entity"]["name"]})
    for body in (answer.json(), detail.json(), found.json()):
        text = json.dumps(body, ensure_ascii=False)
        assert "grade" not in text and "风险" not in text
        assert all("grade" not in key for key in _keys(body))


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_history_is_limited_to_the_newest_ten(world: World) -> None:
    answer = world.inspector.client.get(f"/api/v1/enterprises/{world.crowded}")
    dates = [e["inspected_on"] for e in answer.json()["history"]]
    assert dates == [f"{year}-03-01" for year in range(2025, 2015, -1)]


def test_the_tasks_own_record_is_not_its_history(world: World) -> None:
    from tests.server_stub.api.test_review import submit

    phone = world.inspector
    task = phone.tasks()[-1]
    envelope = submit(phone, task)
    assert envelope["record"]["id"] not in {e["record_id"] for e in history_of(phone, task["id"])}


# --- the directory search ---------------------------------------------------------------------


def search(phone: Phone, q: str, page: int | str = 1) -> Any:
    return phone.client.get("/api/v1/enterprises", params={"q": q, "page": page})


def test_search_by_name_prefix_first_then_contains(world: World) -> None:
    name = world.task["entity"]["name"]
    answer = search(world.inspector, name[:2])
    assert answer.status_code == 200
    names = [e["name"] for e in answer.json()["enterprises"]]
    assert names and all(name[:2] in n for n in names)
    starts = [n.startswith(name[:2]) for n in names]
    assert starts == sorted(starts, reverse=True)  # prefix matches first
    inner = search(world.inspector, name[3:]).json()["enterprises"]  # contained, not a prefix
    assert world.task["credit_code"] in [e["credit_code"] for e in inner]


def test_search_by_credit_code_prefix_and_contains(world: World) -> None:
    code = world.task["credit_code"]
    prefix = search(world.inspector, code[:10]).json()["enterprises"]
    assert all(e["credit_code"].startswith(code[:10]) for e in prefix[:1])
    assert code in [e["credit_code"] for e in prefix] or len(prefix) == 20
    for fragment in (code[4:16], code[6:].lower()):  # contained, not a prefix; any case
        found = search(world.inspector, fragment).json()["enterprises"]
        assert code in [e["credit_code"] for e in found], fragment
    assert search(world.inspector, code).json()["enterprises"][0]["credit_code"] == code


def test_a_whole_code_with_a_wrong_check_character_is_422(world: World) -> None:
    code = world.task["credit_code"]
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    answer = search(world.inspector, wrong)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_credit_code"
    assert "第18位校验码" in answer.json()["error"]["message"]


def test_a_made_up_valid_code_finds_nothing_and_has_no_detail(world: World) -> None:
    made_up = make_credit_code("9", "1", "371000", "YYYY0000")
    assert search(world.inspector, made_up).json() == {"enterprises": [], "page": 1, "page_size": 20,
                                                       "more": False, "last_page": 50}
    answer = world.inspector.client.get(f"/api/v1/enterprises/{made_up}")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "entity_not_found"
    for odd in ("..%2F..", "x" * 300, "%25"):
        assert world.inspector.client.get(f"/api/v1/enterprises/{odd}").status_code == 404


def test_paging_and_beyond_the_end(world: World) -> None:
    first = search(world.inspector, "有限公司").json()
    second = search(world.inspector, "有限公司", 2).json()
    assert first["more"] and len(first["enterprises"]) == 20
    assert not {e["credit_code"] for e in first["enterprises"]} & {e["credit_code"] for e in second["enterprises"]}
    last = search(world.inspector, "有限公司", 50).json()
    assert last["page"] == 50 and isinstance(last["enterprises"], list)
    assert search(world.inspector, world.task["credit_code"], 2).json()["enterprises"] == []


@pytest.mark.parametrize(("q", "page", "status"), [
    ("", 1, 400), ("   ", 1, 400), ("有" * 61, 1, 400), ("有" * 5000, 1, 400),
    ("有限", 0, 400), ("有限", -1, 400), ("有限", 51, 400), ("有限", 10**30, 400), ("有限", "二", 400),
])
def test_odd_queries_are_refused_with_a_reason(world: World, q: str, page: object, status: int) -> None:
    answer = search(world.inspector, q, page)  # type: ignore[arg-type]
    assert answer.status_code == status and answer.json()["error"]["message"]


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%_%", "' OR 1=1 --", "\x00", "a\x07b", "🙂", "\u202e"])
def test_wildcards_and_odd_characters_are_taken_literally(world: World, q: str) -> None:
    answer = search(world.inspector, q)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        assert answer.json()["enterprises"] == []


@pytest.mark.parametrize("path", [
    "/api/v1/enterprises?q=%ED%A0%80", "/api/v1/enterprises?q=%FF%FE", "/api/v1/enterprises?q=a&q=b",
    "/api/v1/enterprises?q=%E6%9C%89&page=1e3", "/api/v1/enterprises", "/api/v1/enterprises/%FF",
    "/api/v1/enterprises/" + "9" * 5000, "/api/v1/enterprises/%00", "/api/v1/enterprises/%20",
])
def test_malformed_requests_are_answered_never_500(world: World, path: str) -> None:
    answer = world.inspector.client.get(path)
    assert answer.status_code in (200, 400, 404), (path, answer.status_code, answer.text)
    assert answer.status_code == 200 or answer.json()["error"]["message"]
