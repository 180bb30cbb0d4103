"""A joint plan's partners over HTTP (issue 26 point 1): who may answer (the access table's rows
for ``POST /api/v1/plans/{id}/partners/{department}``), the public list and the plan's page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from sync import china_time
from tests.conftest import Server
from tests.server_stub.api.test_review import other_inspector
from tests.utils.phone import Phone

SAFETY = "威海市应急管理局"
ECOLOGY = "威海市生态环境局"
SCHEME = {"content": "安全生产责任制与产品质量一并检查（一次检查、全面体检）",
          "schedule": "2026年4月至9月", "method": "现场检查、查阅资料"}


def joint_plan(plan_id: str) -> dict[str, Any]:
    return {"id": plan_id, "name": "工贸企业联合抽查", "departments": [SAMR, SAFETY],
            "items": ["SC-CPZL-01", "YJ-AQSC-01"], "ratios": {"A": "5", "B": "10", "C": "20", "D": "40"},
            "team_size": 2, "window_start": "2026-04-01", "window_end": "2026-09-30",
            "scheme": SCHEME}


@pytest.fixture(scope="module")
def admin(shared_app_server: Server) -> Iterator[httpx.Client]:
    token = admin_token(shared_app_server.data)
    with httpx.Client(base_url=shared_app_server.url,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture(scope="module")
def phones(shared_app_server: Server) -> dict[str, Phone]:
    """The partner's supervisor, the lead's supervisor and an inspector of the partner."""
    safety = other_inspector(shared_app_server, SAFETY, set())
    return {"partner": Phone(shared_app_server, safety).enroll("supervisor"),
            "lead": Phone(shared_app_server, other_inspector(shared_app_server, SAMR, set()))
            .enroll("supervisor"),
            "inspector": Phone(shared_app_server,
                               other_inspector(shared_app_server, SAFETY, {safety})).enroll()}


def created(admin: httpx.Client, plan_id: str) -> None:
    answer = admin.post("/api/v1/plans", json=joint_plan(plan_id))
    assert answer.status_code == 201, answer.text


def public_partners(server: Server, plan_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/api/v1/plans/{plan_id}/partners")
    assert answer.status_code == 200, answer.text
    partners: list[dict[str, Any]] = answer.json()["partners"]
    return partners


def test_partner_declines_then_confirms_and_the_page_says_when(
        shared_app_server: Server, admin: httpx.Client, phones: dict[str, Phone]) -> None:
    server, partner = shared_app_server, phones["partner"].client
    created(admin, "PJ-1")
    plan = httpx.get(f"{server.url}/api/v1/plans/PJ-1").json()
    assert plan["scheme"] == SCHEME
    assert [(p["department"], p["state"]) for p in plan["partners"]] == [(SAFETY, "pending")]
    page = httpx.get(f"{server.url}/draws/PJ-1").text
    for shown in ("检查方案", *SCHEME.values(), "配合部门确认情况", SAFETY, "待确认"):
        assert shown in page
    held = admin.post("/api/v1/plans/PJ-1/freeze")
    assert held.status_code == 409 and f"「{SAFETY}」尚未答复" in held.json()["error"]["message"]

    declined = partner.post(f"/api/v1/plans/PJ-1/partners/{SAFETY}",
                            json={"answer": "decline", "reason": "本季度执法人员不足"})
    assert declined.status_code == 200, declined.text
    assert "本季度执法人员不足" in admin.post("/api/v1/plans/PJ-1/freeze").json()["error"]["message"]
    page = httpx.get(f"{server.url}/draws/PJ-1").text
    assert "未同意" in page and "本季度执法人员不足" in page

    staff = [other_inspector(server, SAFETY, {phones["partner"].inspector_id})]
    confirmed = partner.post(f"/api/v1/plans/PJ-1/partners/{SAFETY}",
                             json={"answer": "confirm", "staff": staff, "qualifications": ["安全生产"]})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["staff"] == staff
    assert confirmed.json()["answered_by"] == phones["partner"].inspector_id
    [public] = public_partners(server, "PJ-1")
    assert public["state"] == "confirmed" and public["reason"] is None
    assert "staff" not in public and "answered_by" not in public, "internal"
    when = china_time(public["answered_at"])
    assert when.endswith("（北京时间）")
    page = httpx.get(f"{server.url}/draws/PJ-1").text
    assert f"已确认</span>（{when}）" in page and staff[0] not in page

    assert admin.post("/api/v1/plans/PJ-1/freeze").status_code == 201
    late = partner.post(f"/api/v1/plans/PJ-1/partners/{SAFETY}",
                        json={"answer": "decline", "reason": "晚了"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "plan_frozen"
    entries = admin.get("/api/v1/audit", params={"object": f"PJ-1/{SAFETY}"}).json()["entries"]
    assert [(e["kind"], e["plan"], e["actor"]["person"]) for e in entries] == [
        ("plan.partner_declined", "PJ-1", phones["partner"].inspector_id),
        ("plan.partner_confirmed", "PJ-1", phones["partner"].inspector_id)]
    # the partner's supervisors read the acts on the plan in their department's trail
    own = partner.get("/api/v1/department/audit", params={"object": f"PJ-1/{SAFETY}"})
    assert [e["kind"] for e in own.json()["entries"]] == [e["kind"] for e in entries]


def test_the_administrator_answers_for_any_partner(shared_app_server: Server,
                                                   admin: httpx.Client) -> None:
    created(admin, "PJ-2")
    answer = admin.post(f"/api/v1/plans/PJ-2/partners/{SAFETY}", json={"answer": "confirm"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["answered_by"].startswith("admin:")
    assert admin.post("/api/v1/plans/PJ-2/freeze").status_code == 201


NOS = [  # caller, department answered for, status, error code
    ("nobody", SAFETY, 401, "unauthorized"),
    ("made-up", SAFETY, 401, "unknown_device"),
    ("inspector", SAFETY, 403, "supervisors_only"),
    ("lead", SAFETY, 403, "other_department"),  # the lead's supervisor does not answer for it
    ("partner", ECOLOGY, 403, "other_department"),  # nor a partner for another department
    ("admin", ECOLOGY, 404, "partner_not_found"),  # not a partner of this plan
    ("admin", SAMR, 404, "partner_not_found"),  # the lead is none of its own partners
]


@pytest.mark.parametrize(("caller", "department", "status", "code"), NOS)
def test_who_may_not_answer(shared_app_server: Server, admin: httpx.Client,
                            phones: dict[str, Phone], caller: str, department: str, status: int,
                            code: str) -> None:
    if not any(p["id"] == "PJ-NO" for p in admin.get("/api/v1/plans").json()["plans"]):
        created(admin, "PJ-NO")
    tokens = {"nobody": None, "made-up": "x" * 43, "admin": admin_token(shared_app_server.data),
              **{name: phone.token for name, phone in phones.items()}}
    token = tokens[caller]
    answer = httpx.post(f"{shared_app_server.url}/api/v1/plans/PJ-NO/partners/{department}",
                        json={"answer": "confirm"},
                        headers={"Authorization": f"Bearer {token}"} if token else {})
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert [p["state"] for p in public_partners(shared_app_server, "PJ-NO")] == ["pending"]


def test_an_unknown_plan_is_404_and_staff_of_another_department_422(
        admin: httpx.Client, phones: dict[str, Phone]) -> None:
    unknown = admin.post(f"/api/v1/plans/NOPE/partners/{SAFETY}", json={"answer": "confirm"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "plan_not_found"
    assert admin.get("/api/v1/plans/NOPE/partners").status_code == 404
    created(admin, "PJ-3")
    foreign = admin.post(f"/api/v1/plans/PJ-3/partners/{SAFETY}",
                         json={"answer": "confirm", "staff": [phones["lead"].inspector_id]})
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "invalid_staff"
    bare = admin.post(f"/api/v1/plans/PJ-3/partners/{SAFETY}", json={"answer": "decline"})
    assert bare.status_code == 422 and bare.json()["error"]["code"] == "reason_required"


def test_the_partners_supervisor_reads_the_plans_waiting_for_it(
        shared_app_server: Server, admin: httpx.Client, phones: dict[str, Phone]) -> None:
    """``GET /api/v1/partner-requests``: the partner's own plans (open and unanswered first), its
    answer so far, and its active staff to offer; the lead's supervisor sees none of them."""
    created(admin, "PJ-R1")
    created(admin, "PJ-R2")
    partner = phones["partner"].client
    assert partner.post(f"/api/v1/plans/PJ-R1/partners/{SAFETY}",
                        json={"answer": "decline", "reason": "人手不足"}).status_code == 200
    answer = partner.get("/api/v1/partner-requests")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["department"] == SAFETY
    mine = {r["plan_id"]: r for r in body["requests"]}
    assert {"PJ-R1", "PJ-R2"} <= set(mine)
    ids = [r["plan_id"] for r in body["requests"]]
    assert ids.index("PJ-R2") < ids.index("PJ-R1"), "the unanswered plan comes first"
    r1, r2 = mine["PJ-R1"], mine["PJ-R2"]
    assert (r1["state"], r1["state_label"], r1["reason"], r1["open"]) == ("declined", "未同意", "人手不足", True)
    assert (r2["state"], r2["answered_at"]) == ("pending", None)
    assert r2["lead"] == SAMR and r2["scheme"] == SCHEME and r2["window_start"] == "2026-04-01"
    assert [(i["code"], i["department"]) for i in r2["items"]] == [
        ("SC-CPZL-01", SAMR), ("YJ-AQSC-01", SAFETY)]
    assert all(i["name"] for i in r2["items"])
    assert "ratios" not in r2 and "grade" not in answer.text
    staff = {m["id"]: m for m in body["staff"]}
    assert phones["partner"].inspector_id in staff and phones["inspector"].inspector_id in staff
    assert set(next(iter(staff.values()))) == {"id", "name", "kind"}, "no badge numbers, no conflicts"
    # after the freeze the plan is listed as closed (no more answers)
    assert partner.post(f"/api/v1/plans/PJ-R2/partners/{SAFETY}", json={"answer": "confirm"}).status_code == 200
    assert admin.post("/api/v1/plans/PJ-R2/freeze").status_code == 201
    closed = {r["plan_id"]: r for r in partner.get("/api/v1/partner-requests").json()["requests"]}
    assert closed["PJ-R2"]["open"] is False and closed["PJ-R2"]["state"] == "confirmed"
    lead = phones["lead"].client.get("/api/v1/partner-requests").json()
    assert lead["department"] == SAMR and not {"PJ-R1", "PJ-R2"} & {r["plan_id"] for r in lead["requests"]}


@pytest.mark.parametrize(("caller", "status", "code"), [
    ("nobody", 401, "unauthorized"), ("made-up", 401, "unknown_device"),
    ("inspector", 403, "supervisors_only"), ("admin", 401, "unknown_device")])
def test_who_may_not_read_partner_requests(shared_app_server: Server, phones: dict[str, Phone],
                                           caller: str, status: int, code: str) -> None:
    """Only a supervisor reads them (their own department's): not the public, not an inspector's
    device, and not the administrator's token (set-up only; it answers by the CLI)."""
    token = {"nobody": None, "made-up": "x" * 43, "admin": admin_token(shared_app_server.data),
             "inspector": phones["inspector"].token}[caller]
    answer = httpx.get(f"{shared_app_server.url}/api/v1/partner-requests",
                       headers={"Authorization": f"Bearer {token}"} if token else {})
    assert answer.status_code == status and answer.json()["error"]["code"] == code
