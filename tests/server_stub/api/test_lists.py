"""The sandbox, trigger lists and suggested ratios over the API (issue 26 points 6 and 7): who
may do what (the access table's rows in docs/decisions.md), a triggered plan's public face, and
the suggestion beside a new plan's ratios, never public."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.admin_token import admin_token
from server_stub.core.clock import china_today, now
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.draws.audit import verify_export
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people
from tests.utils.ceremony import draw_over_api

ADMIN_ONLY = [
    ("POST", "/api/v1/sandbox", {"credit_code": "x", "starts_on": "2026-01-01",
                                 "ends_on": "2026-12-31", "reason": "r"}),
    ("POST", "/api/v1/sandbox/1/remove", {"reason": "r"}),
    ("POST", "/api/v1/trigger-lists", {"id": "L", "name": "n", "rule": "overdue-followup"}),
]
INTERNAL_READS = [
    ("GET", "/api/v1/sandbox", None),
    ("GET", "/api/v1/trigger-lists", None),
    ("GET", "/api/v1/trigger-lists/L-NONE", None),
    ("GET", "/api/v1/ratio-suggestions?year=2025", None),
    ("POST", "/api/v1/ratio-suggestions/check", {"ratios": {"A": "1"}}),
]


@pytest.fixture
def server(shared_app_server: Server) -> Server:
    return shared_app_server


@pytest.fixture(scope="module")
def tokens(shared_app_server: Server) -> dict[str, str | None]:
    inspector, supervisor = enrol_people(shared_app_server)
    return {"nobody": None, "made-up": "x" * 43, "inspector": inspector.token,
            "supervisor": supervisor.token, "admin": admin_token(shared_app_server.data)}


def call(server: Server, token: str | None, method: str, path: str, body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server.url + path, json=body, headers=headers)


@pytest.mark.parametrize("caller", ["nobody", "made-up", "inspector", "supervisor"])
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_only_the_administrator_changes_the_lists(server: Server, tokens: dict[str, str | None],
                                                  caller: str, method: str, path: str,
                                                  body: object) -> None:
    answer = call(server, tokens[caller], method, path, body)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("caller", ["nobody", "made-up"])
@pytest.mark.parametrize(("method", "path", "body"), INTERNAL_READS)
def test_nobody_reads_the_lists_or_the_suggestion(server: Server, tokens: dict[str, str | None],
                                                  caller: str, method: str, path: str,
                                                  body: object) -> None:
    answer = call(server, tokens[caller], method, path, body)
    assert answer.status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), INTERNAL_READS)
def test_an_inspector_reads_neither_the_lists_nor_the_suggestion(
        server: Server, tokens: dict[str, str | None], method: str, path: str, body: object) -> None:
    answer = call(server, tokens["inspector"], method, path, body)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "supervisors_only"


@pytest.mark.parametrize("caller", ["supervisor", "admin"])
def test_a_supervisor_and_the_administrator_read(server: Server, tokens: dict[str, str | None],
                                                 caller: str) -> None:
    for method, path, body in INTERNAL_READS:
        answer = call(server, tokens[caller], method, path, body)
        assert answer.status_code == (404 if "L-NONE" in path else 200), (path, answer.text)


def in_scope(server: Server, n: int, skip: int = 0) -> list[str]:
    """Credit codes in the scope of :func:`plan_body`'s plan (its food items apply to them)."""
    engine = make_engine(server.db)
    with engine.connect() as conn:
        found = planning.plan_population(conn, planning.validated_plan(plan_body("X")), now())
    engine.dispose()
    return [e.credit_code for e in found][skip:skip + n]


def plan_body(plan_id: str, **more: object) -> dict[str, object]:
    today = china_today()
    return {"id": plan_id, "name": "触发式抽查测试", "departments": [SAMR], "items": ["SC-SP-01"],
            "ratios": {"A": "100", "B": "100", "C": "100", "D": "100"}, "team_size": 2,
            "window_start": today.isoformat(),
            "window_end": (today + dt.timedelta(days=60)).isoformat(), **more}


def test_a_triggered_plan_over_the_api_shows_rule_and_count_and_verifies(
        server: Server, tokens: dict[str, str | None]) -> None:
    admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"})
    members = in_scope(server, 5)
    assert len(members) == 5
    built = admin.post("/api/v1/trigger-lists", json={
        "id": "L-API-1", "name": "投诉较多的食品经营者", "rule": "imported",
        "rule_text": "12个月内被投诉举报3次以上", "members": members})
    assert built.status_code == 201, built.text
    without = admin.post("/api/v1/plans", json=plan_body("TRIG-0", kind="触发式抽查"))
    assert without.status_code == 422 and "须指定触发清单" in without.text
    created = admin.post("/api/v1/plans", json=plan_body("TRIG-1", kind="触发式抽查",
                                                         trigger_list="L-API-1"))
    assert created.status_code == 201, created.text
    assert created.json()["trigger"]["count"] == 5
    assert [s["grade"] for s in created.json()["ratio_advice"]["suggestions"]] == ["A", "B", "C", "D"]
    public = httpx.get(f"{server.url}/api/v1/plans/TRIG-1").json()
    assert public["trigger"]["rule_text"] == "12个月内被投诉举报3次以上"
    assert public["trigger"]["count"] == 5 and "ratio_advice" not in public
    drawn = draw_over_api(admin, "TRIG-1")
    assert drawn.status_code == 201, drawn.text
    audit = admin.get("/api/v1/draws/TRIG-1/audit").json()
    assert sorted(audit["trigger"]["members"]) == sorted(members) and verify_export(audit).ok
    pages = [httpx.get(f"{server.url}{p}").text for p in ("/plans", "/draws/TRIG-1")]
    published = json.dumps(httpx.get(f"{server.url}/api/v1/draws/TRIG-1").json(), ensure_ascii=False)
    for page in pages:
        assert "12个月内被投诉举报3次以上" in page and ("清单共 5 户" in page or "清单 5 户" in page)
    for text in [*pages, published, json.dumps(public, ensure_ascii=False)]:
        assert audit["trigger"]["salt"] not in text
        assert not any(word in text for word in ("风险等级", "A类", "B类", "C类", "D类", "建议"))


def test_the_creation_shows_the_suggestion_and_warns_below_a_minimum(
        server: Server, tokens: dict[str, str | None]) -> None:
    admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"})
    created = admin.post("/api/v1/plans", json=plan_body(
        "LOW-1", ratios={"A": "0.5", "B": "3", "C": "10", "D": "20"}))
    assert created.status_code == 201, created.text
    advice = {s["grade"]: s for s in created.json()["ratio_advice"]["suggestions"]}
    assert advice["A"]["entered"] == "0.5" and advice["A"]["suggested"] == "1"
    assert advice["A"]["warning"] == "A类录入的抽查比例0.5%低于最低比例1%"
    assert advice["B"]["warning"] is None and advice["D"]["minimum"] == "20"
    for path in ("/api/v1/plans", "/api/v1/plans/LOW-1", "/plans", "/draws/LOW-1"):
        text = httpx.get(f"{server.url}{path}").text
        assert "ratio_advice" not in text and "建议" not in text and "最低比例" not in text


def test_the_sandbox_over_the_api(server: Server, tokens: dict[str, str | None]) -> None:
    admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"})
    code = in_scope(server, 1, skip=10)[0]
    today = china_today()
    added = admin.post("/api/v1/sandbox", json={
        "credit_code": code, "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=90)).isoformat(), "reason": "信用良好，三年无违法记录"})
    assert added.status_code == 201, added.text
    again = admin.post("/api/v1/sandbox", json={
        "credit_code": code, "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=9)).isoformat(), "reason": "重复"})
    assert again.status_code == 409
    listed = call(server, tokens["supervisor"], "GET", "/api/v1/sandbox", None).json()["entries"]
    assert any(e["credit_code"] == code and e["removed_at"] is None for e in listed)
    removed = admin.post(f"/api/v1/sandbox/{added.json()['id']}/remove", json={"reason": "发现线索"})
    assert removed.status_code == 200 and removed.json()["removed_at"]


def test_a_triggered_plan_whose_list_is_all_out_of_scope_is_refused(
        server: Server, tokens: dict[str, str | None]) -> None:
    admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"})
    scope = set(in_scope(server, 100_000))
    engine = make_engine(server.db)
    with engine.connect() as conn:
        codes = conn.execute(sa.select(t.entities.c.credit_code)).scalars().all()
    engine.dispose()
    members = [c for c in codes if c not in scope][:2]
    assert admin.post("/api/v1/trigger-lists", json={
        "id": "L-API-OUT", "name": "范围外", "rule": "imported", "rule_text": "规则",
        "members": members}).status_code == 201
    refused = admin.post("/api/v1/plans", json=plan_body(
        "TRIG-OUT", kind="触发式抽查", trigger_list="L-API-OUT"))
    assert refused.status_code == 422 and "没有属于本计划抽查范围" in refused.text
    assert httpx.get(f"{server.url}/api/v1/plans/TRIG-OUT").status_code == 404, "nothing stored"
