"""Plans and draws through the real server process."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from server_stub.cli import DEMO_PLAN_ID, cli
from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from server_stub.draws.sampling import commitment, population_commitment
from tests.conftest import Server
from tests.utils.ceremony import ENTROPY


@pytest.fixture
def server(shared_app_server: Server) -> Server:
    """The tests here do not disturb each other: one server serves the whole module."""
    return shared_app_server

PLAN = {
    "id": "API-1", "name": "特种设备使用单位抽查", "departments": [SAMR], "items": ["SC-TSSB-01"],
    "ratios": {"A": "2", "B": "5", "C": "15", "D": "30"}, "team_size": 2,
    "window_start": "2026-04-01", "window_end": "2026-09-30",
}


@pytest.fixture
def admin(server: Server) -> httpx.Client:
    token = admin_token(server.data)
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("path", ["/api/v1/plans", f"/api/v1/plans/{DEMO_PLAN_ID}/draw",
                                  f"/api/v1/draws/{DEMO_PLAN_ID}/audit"])
@pytest.mark.parametrize("token", [None, "wrong", "tokén"])
def test_admin_calls_need_the_admin_token(server: Server, path: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}".encode("latin-1")} if token else {}
    method = "GET" if path.endswith("audit") else "POST"
    answer = httpx.request(method, server.url + path, json=PLAN, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_create_freeze_then_draw_with_witnessed_dice(server: Server, admin: httpx.Client) -> None:
    created = admin.post("/api/v1/plans", json=PLAN)
    assert created.status_code == 201, created.text
    committed = created.json()["commitment"]
    assert created.json()["entropy"] == {"dice_digits": 20, "public_value": None}
    listed = httpx.get(f"{server.url}/api/v1/plans").json()["plans"]
    assert any(p["id"] == "API-1" and p["commitment"] == committed and not p["drawn"] for p in listed)
    assert "seed" not in httpx.get(f"{server.url}/api/v1/plans/API-1").json()
    assert httpx.get(f"{server.url}/api/v1/draws/API-1").status_code == 404

    early = admin.post("/api/v1/plans/API-1/draw", json=ENTROPY)
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_frozen"
    frozen = admin.post("/api/v1/plans/API-1/freeze")
    assert frozen.status_code == 201, frozen.text
    assert admin.post("/api/v1/plans/API-1/freeze").status_code == 409
    ceremonies = httpx.get(f"{server.url}/api/v1/plans/API-1").json()["ceremonies"]
    assert [(c["state"], c["population_commitment"]) for c in ceremonies] == [
        ("frozen", frozen.json()["population_commitment"])]
    assert "名录已冻结" in httpx.get(f"{server.url}/draws/API-1").text

    for bad, words in (({**ENTROPY, "dice": "1234"}, "实际录入 4 位"),
                       ({**ENTROPY, "dice": "31415926535897932x84"}, "只能是数字"),
                       ({"dice": ENTROPY["dice"], "witnesses": []}, "见证人")):
        refused = admin.post("/api/v1/plans/API-1/draw", json=bad)
        assert refused.status_code == 422 and words in refused.json()["error"]["message"]
    drawn = admin.post("/api/v1/plans/API-1/draw", json=ENTROPY)
    assert drawn.status_code == 201, drawn.text
    seed = drawn.json()["seed"]
    again = admin.post("/api/v1/plans/API-1/draw", json=ENTROPY)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_drawn"

    public = httpx.get(f"{server.url}/api/v1/draws/API-1").json()
    ceremony = public["ceremony"]
    assert public["seed"] == seed and public["entities"] and commitment(ceremony["secret"]) == committed
    assert ceremony["entropy"]["dice"] == ENTROPY["dice"]
    assert ceremony["population_commitment"] == frozen.json()["population_commitment"]
    assert all("risk_grade" not in e and "grade" not in e for e in public["entities"])
    audit = admin.get("/api/v1/draws/API-1/audit").json()
    assert audit["seed"] == seed and audit["tasks"]

    page = httpx.get(f"{server.url}/draws/API-1").text
    for shown in (seed, committed, ceremony["secret"], ENTROPY["dice"], ENTROPY["witnesses"][0],
                  ceremony["population_commitment"], public["entities"][0]["name"]):
        assert shown in page
    for leak in ("风险", "高风险", "低风险"):
        assert leak not in page
    assert committed in httpx.get(f"{server.url}/plans").text


def unsalted_hashes(audit: dict[str, Any]) -> set[str]:
    return {hashlib.sha256("\n".join(sorted(s["ids"])).encode()).hexdigest() for s in audit["strata"]}


def test_public_draw_names_no_grade_and_cannot_be_tested(server: Server,
                                                         admin: httpx.Client) -> None:
    """Issue 11 point 6: no grade label, no unsalted hash of a stratum, in the JSON or the page;
    only numbered strata with salted commitments, which the auditor's export opens."""
    public = httpx.get(f"{server.url}/api/v1/draws/{DEMO_PLAN_ID}").json()
    page = httpx.get(f"{server.url}/draws/{DEMO_PLAN_ID}").text
    audit = admin.get(f"/api/v1/draws/{DEMO_PLAN_ID}/audit").json()
    text = json.dumps(public, ensure_ascii=False)
    assert '"grade"' not in text and "ids_hash" not in text
    for stratum in public["strata"]:
        assert set(stratum) == {"stratum", "population", "ratio", "k", "population_commitment"}
        assert stratum["population_commitment"] in page
    assert re.findall(r"第(\d)层", page) == ["1", "2", "3", "4"]
    assert not re.search(r"[ABCD]类|[ABCD]级|等级", page)
    for hidden in unsalted_hashes(audit) | {s["salt"] for s in audit["strata"]}:
        assert hidden not in text and hidden not in page
    assert {s["population_commitment"] for s in public["strata"]} == {
        population_commitment(s["ids"], s["salt"]) for s in audit["strata"]}


def test_verify_draw_checks_an_export_against_the_public_draw(
        server: Server, admin: httpx.Client, tmp_path: Path) -> None:
    export, published = tmp_path / "audit.json", tmp_path / "public.json"
    export.write_text(admin.get(f"/api/v1/draws/{DEMO_PLAN_ID}/audit").text, encoding="utf-8")
    public = httpx.get(f"{server.url}/api/v1/draws/{DEMO_PLAN_ID}").json()
    published.write_text(json.dumps(public), encoding="utf-8")
    ok = CliRunner().invoke(cli, ["verify-draw", str(export), "--published", str(published)])
    assert ok.exit_code == 0, ok.output
    assert "第4层（户数、比例、抽取数、名录承诺值）与公示一致" in ok.output
    public["strata"][0]["ratio"] = "99"
    published.write_text(json.dumps(public), encoding="utf-8")
    changed = CliRunner().invoke(cli, ["verify-draw", str(export), "--published", str(published)])
    assert changed.exit_code == 1 and "第1层与公示不一致" in changed.output


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"team_size": 1}, 400, "team_size"),
        ({"ratios": {"A": "abc"}}, 422, "不是数字"),
        ({"items": ["NOPE"]}, 422, "不在抽查事项清单中"),
        ({"window_end": "2026-01-01"}, 422, "结束日期不能早于开始日期"),
        ({"window_start": "明天"}, 422, "YYYY-MM-DD"),
        ({"id": DEMO_PLAN_ID}, 409, "已存在"),
        ({"id": "a/b"}, 422, "计划编号「a/b」只能由英文字母、数字和 . _ - 组成"),
        ({"id": "../x"}, 422, "以字母或数字开头"),
        ({"id": "计划1"}, 422, "只能由英文字母"),
        ({"id": "-x"}, 422, "以字母或数字开头"),
        ({"id": "a b"}, 422, "只能由英文字母"),
        ({"id": ""}, 422, "计划编号不能为空"),
    ],
)
def test_invalid_plans_get_the_reason(admin: httpx.Client, change: dict, status: int, text: str) -> None:  # type: ignore[type-arg]
    answer = admin.post("/api/v1/plans", json={**PLAN, **change})
    assert answer.status_code == status, answer.text
    assert text in answer.json()["error"]["message"]


def test_a_refused_plan_id_leaves_nothing_behind(server: Server, admin: httpx.Client) -> None:
    assert admin.post("/api/v1/plans", json={**PLAN, "id": "x/y"}).status_code == 422
    ids = [p["id"] for p in httpx.get(f"{server.url}/api/v1/plans").json()["plans"]]
    assert "x/y" not in ids
    fine = admin.post("/api/v1/plans", json={**PLAN, "id": "Ok_1.2-3"})
    assert fine.status_code == 201, fine.text
    assert httpx.get(f"{server.url}/api/v1/plans/Ok_1.2-3").status_code == 200


def test_malformed_body_is_400(admin: httpx.Client) -> None:
    answer = admin.post("/api/v1/plans", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"


def test_unknown_plan_is_404(admin: httpx.Client) -> None:
    assert admin.post("/api/v1/plans/NOPE/draw", json=ENTROPY).status_code == 404
    assert admin.post("/api/v1/plans/NOPE/freeze").status_code == 404
    assert admin.get("/api/v1/draws/NOPE").json()["error"]["code"] == "plan_not_found"
