"""The inspection code (亮码, DESIGN §7): the signed token of every task and the page it opens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import generate_key, make_token, read_token
from tests.conftest import Server, serving_in_process
from tests.utils.phone import Phone, busiest_inspector

GENUINE = "✓ 这是一次真实的“双随机”抽查"
RISK_WORDS = ("风险", "risk", "等级", "grade")


@pytest.fixture
def server(shared_app_server: Server) -> Server:
    """The tests here only read, or add feedback of their own: one server serves the module."""
    return shared_app_server


@pytest.fixture
def phone(server: Server) -> Phone:
    return Phone(server, busiest_inspector(server)).enroll()


@pytest.fixture
def task(phone: Phone) -> dict[str, Any]:
    return phone.tasks()[0]


def public_key(server: Server) -> str:
    answer = httpx.get(f"{server.url}/api/v1/keys")
    assert answer.status_code == 200 and answer.json()["algorithm"] == "Ed25519"
    key: str = answer.json()["public_key"]
    return key


def feedback_rows(server: Server, task_id: str) -> list[tuple[str, str]]:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(t.feedback.c.message, t.feedback.c.contact)
                            .where(t.feedback.c.task_id == task_id)
                            .order_by(t.feedback.c.id)).all()
    engine.dispose()
    return [(row.message, row.contact) for row in rows]


def changed(text: str, at: int) -> str:
    """``text`` with the base64url character at ``at`` replaced by another one."""
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1:]


def assert_no_risk_grade(page: str) -> None:
    for word in RISK_WORDS:
        assert word not in page.lower()


# --- the token -------------------------------------------------------------------------------


def test_every_task_carries_a_code_that_verifies_with_the_published_key_alone(
        server: Server, phone: Phone) -> None:
    key = public_key(server)
    tasks = phone.tasks()
    assert tasks
    for task in tasks:
        payload = read_token(task["code_token"], key)
        assert payload["task_id"] == task["id"]
        assert payload["credit_code"] == task["credit_code"]
        assert payload["entity"] == task["entity"]["name"]
        assert payload["team"] == [{"name": m["name"], "badge_no": m["badge_no"]}
                                   for m in task["team"]]


def test_the_code_is_valid_from_the_plan_window_to_the_end_of_the_due_date(
        server: Server, task: dict[str, Any]) -> None:
    payload = read_token(task["code_token"], public_key(server))
    plan = httpx.get(f"{server.url}/api/v1/plans/{task['plan_id']}").json()
    valid_from, valid_until = _times(payload, "valid_from"), _times(payload, "valid_until")
    china = dt.timedelta(hours=8)
    assert valid_from.utcoffset() == china and valid_until.utcoffset() == china
    assert str(payload["valid_from"]).endswith("+08:00")
    assert str(payload["valid_until"]).endswith("+08:00")
    assert valid_from == dt.datetime.fromisoformat(f"{plan['window_start']}T00:00:00+08:00")
    due = dt.date.fromisoformat(task["due"])
    assert valid_until == dt.datetime.fromisoformat(f"{due + dt.timedelta(days=1)}T00:00:00+08:00")


def _times(payload: Mapping[str, object], name: str) -> dt.datetime:
    value = payload[name]
    assert isinstance(value, str)
    return dt.datetime.fromisoformat(value)


def test_the_code_names_no_risk_grade(server: Server, task: dict[str, Any]) -> None:
    payload = read_token(task["code_token"], public_key(server))
    assert set(payload) == {"v", "task_id", "credit_code", "entity", "team", "valid_from",
                            "valid_until"}
    assert_no_risk_grade(str(payload))


# --- the page it opens -----------------------------------------------------------------------


def test_the_page_says_the_inspection_is_real_and_who_comes_for_what(
        server: Server, task: dict[str, Any]) -> None:
    answer = httpx.get(f"{server.url}/v/{task['code_token']}")
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    page = answer.text
    assert '<meta name="viewport" content="width=device-width' in page and 'lang="zh-CN"' in page
    assert GENUINE in page
    assert task["entity"]["name"] in page and task["credit_code"] in page
    for member in task["team"]:
        assert member["name"] in page and member["badge_no"] in page
    for item in task["items"]:
        assert item["name"] in page
    assert f"至 {task['due']}" in page
    assert f"action='/v/{task['code_token']}/feedback'" in page
    assert_no_risk_grade(page)


def test_feedback_is_stored_and_acknowledged(server: Server, task: dict[str, Any]) -> None:
    before = feedback_rows(server, task["id"])
    answer = httpx.post(f"{server.url}/v/{task['code_token']}/feedback",
                        data={"message": "检查人员出示了执法证，态度很好。", "contact": "13800000000"})
    assert answer.status_code == 200
    assert "反馈已收到" in answer.text and GENUINE in answer.text
    assert feedback_rows(server, task["id"]) == [*before, ("检查人员出示了执法证，态度很好。", "13800000000")]


@pytest.mark.parametrize("message", ["", "   "])
def test_an_empty_message_asks_to_fill_it_in(server: Server, task: dict[str, Any],
                                             message: str) -> None:
    before = feedback_rows(server, task["id"])
    answer = httpx.post(f"{server.url}/v/{task['code_token']}/feedback",
                        data={"message": message, "contact": "13800000000"})
    assert "请填写反馈内容" in answer.text and "反馈已收到" not in answer.text
    assert feedback_rows(server, task["id"]) == before


# --- codes that must not pass ----------------------------------------------------------------


def forged_tokens(task: dict[str, Any], server: Server) -> Iterator[tuple[str, str]]:
    token: str = task["code_token"]
    body, sig = token.split(".")
    yield "payload changed", f"{changed(body, len(body) // 2)}.{sig}"
    yield "signature changed", f"{body}.{changed(sig, len(sig) // 2)}"
    yield "another key", make_token(read_token(token, public_key(server)), generate_key())


@pytest.mark.parametrize("forgery", ["payload changed", "signature changed", "another key"])
def test_a_forged_code_says_plainly_it_is_invalid_and_shows_nothing(
        server: Server, task: dict[str, Any], forgery: str) -> None:
    token = dict(forged_tokens(task, server))[forgery]
    assert token != task["code_token"]
    answer = httpx.get(f"{server.url}/v/{token}")
    assert answer.status_code == 400 and "text/html" in answer.headers["content-type"]
    assert "此检查码无效" in answer.text and GENUINE not in answer.text
    assert task["entity"]["name"] not in answer.text and task["credit_code"] not in answer.text
    for member in task["team"]:
        assert member["name"] not in answer.text


@pytest.mark.parametrize("forgery", ["payload changed", "another key"])
def test_feedback_under_a_forged_code_is_refused(server: Server, task: dict[str, Any],
                                                 forgery: str) -> None:
    token = dict(forged_tokens(task, server))[forgery]
    before = feedback_rows(server, task["id"])
    answer = httpx.post(f"{server.url}/v/{token}/feedback", data={"message": "假冒的检查码"})
    assert answer.status_code == 400 and "此检查码无效" in answer.text
    assert task["entity"]["name"] not in answer.text
    assert feedback_rows(server, task["id"]) == before


@pytest.mark.parametrize("fake_now", ["2030-01-01T00:00:00+08:00", "2000-01-01T00:00:00+08:00"],
                         ids=["expired", "not-yet-valid"])
def test_a_code_outside_its_window_says_so(tmp_path: Path, database_url: str, fake_now: str) -> None:
    with serving_in_process(tmp_path / "server-data", database_url, fake_now=fake_now) as server:
        task = Phone(server, busiest_inspector(server)).enroll().tasks()[0]
        answer = httpx.get(f"{server.url}/v/{task['code_token']}")
        assert answer.status_code == 400
        assert "不在有效期内" in answer.text and GENUINE not in answer.text
        # The code is genuine, only out of date: what the enterprise has to say still counts.
        posted = httpx.post(f"{server.url}/v/{task['code_token']}/feedback",
                            data={"message": "检查人员出示的检查码已过期"})
        assert posted.status_code == 200, "received, even though the code has lapsed"
        assert "不在有效期内" in posted.text and "反馈已收到" in posted.text
        assert feedback_rows(server, task["id"]) == [("检查人员出示的检查码已过期", "")]
