"""联合抽查确认 on a partner department's supervisor's phone: the words of a plan, the screen
built from them, the ways in (审核's banner, 统计's row), and the model answering a real platform
(confirm with staff, decline with a reason, refused once the population is frozen)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import flet as ft
import httpx
import pytest

from app import strings as s
from app.services.supervisor import PlatformError, SupervisorService
from app.viewmodels.dashboard import DashboardModel
from app.viewmodels.partners import PartnersModel, request_card, split_needs
from app.viewmodels.review import ReviewQueueModel
from app.views.dashboard import DashboardTab
from app.views.partners import ROUTE, PartnersView
from app.views.review_queue import ReviewTab
from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from sync import PartnerRequest, PartnerRequests, StaffMember
from tests.app.test_supervisor import app_enrolment
from tests.app.test_year_overview import offline, texts
from tests.conftest import Server
from tests.server_stub.api.test_partners import SAFETY, SCHEME, joint_plan
from tests.server_stub.api.test_review import other_inspector
from tests.utils.phone import Phone, busiest_inspector

STAFF = [StaffMember(id="S1", name="王安", kind="执法人员"), StaffMember(id="S2", name="李工", kind="专业技术人员")]


def shown_on(control: Any) -> list[str]:
    """Every text under ``control`` and every button's words."""
    found = texts(control)
    stack = [control]
    while stack:
        c = stack.pop()
        if isinstance(c, ft.FilledButton | ft.OutlinedButton | ft.TextButton) and isinstance(c.content, str):
            found.append(c.content)
        for name in ("content", "controls"):
            child = getattr(c, name, None)
            stack += [x for x in (child if isinstance(child, list) else [child]) if isinstance(x, ft.Control)]
    return found


def request(**changes: Any) -> PartnerRequest:
    row = PartnerRequest(
        plan_id="PJ-1", name="工贸企业联合抽查", lead=SAMR, departments=[SAMR, SAFETY],
        window_start="2026-04-01", window_end="2026-09-30",
        items=[{"code": "SC-CPZL-01", "name": "产品质量", "department": SAMR},
               {"code": "YJ-AQSC-01", "name": "安全生产", "department": SAFETY}],
        scheme={"content": "一次检查、全面体检", "schedule": "4月至9月", "method": "现场检查"},
        state="pending", state_label="待确认", staff=[], qualifications=[], reason=None,
        answered_at=None, open=True)
    row.update(changes)  # type: ignore[typeddict-item]
    return row


def test_needs_are_split_as_people_type_them() -> None:
    assert split_needs("安全生产、特种设备，安全生产;\n 食品 ") == ["安全生产", "特种设备", "食品"]
    assert split_needs("  ") == []


def test_a_plan_in_words() -> None:
    waiting = request_card(request(), STAFF, SAFETY)
    assert (waiting.lead, waiting.period) == (f"牵头部门：{SAMR}", "检查时间：2026-04-01 至 2026-09-30")
    assert [(i.name, i.own) for i in waiting.items] == [("产品质量", False), ("安全生产", True)]
    assert waiting.scheme == ("检查内容：一次检查、全面体检", "时间安排：4月至9月", "检查方式：现场检查")
    assert waiting.state_label == "待确认" and waiting.answer_lines == () and waiting.open
    confirmed = request_card(request(state="confirmed", state_label="已确认", staff=["S2", "GONE"],
                                     qualifications=["安全生产"], answered_at="2026-03-01T01:30:00+00:00"),
                             STAFF, SAFETY)
    assert confirmed.state_label == "已确认（2026-03-01 09:30）", "北京时间"
    assert confirmed.answer_lines == ("派出人员：李工、GONE", "资格要求：安全生产")
    anyone = request_card(request(state="confirmed", state_label="已确认"), STAFF, SAFETY)
    assert anyone.answer_lines == (s.PARTNERS_STAFF_ANY,)
    declined = request_card(request(state="declined", state_label="未同意", reason="人手不足", open=False,
                                    scheme=None), STAFF, SAFETY)
    assert declined.answer_lines == ("不同意的原因：人手不足",) and declined.scheme == () and not declined.open


def test_the_screen_and_the_ways_in() -> None:
    model = PartnersModel(offline())
    model.answers = PartnersRequestsFixture.of([request(), request(plan_id="PJ-2", name="已冻结的计划", open=False,
                                                                   state="confirmed", state_label="已确认")])
    view = PartnersView(model)
    shown = shown_on(view)
    assert view.route == ROUTE == "/partners"
    for wanted in ("工贸企业联合抽查", f"牵头部门：{SAMR}", "安全生产", s.PARTNERS_OWN_ITEM, s.PARTNERS_SCHEME,
                   "待确认", s.PARTNERS_CONFIRM, s.PARTNERS_DECLINE, "已冻结的计划", s.PARTNERS_CLOSED,
                   s.PARTNERS_STAFF_ANY):
        assert wanted in shown, wanted
    assert model.pending == 1
    opened: list[str] = []
    tab = ReviewTab(ReviewQueueModel(offline()), open_record=lambda _: None, partners=model,
                    open_partners=lambda: opened.append("partners"))
    assert tab.banner.visible and s.PARTNERS_BANNER.format(count=1) in texts(tab.banner)
    model.answers = PartnersRequestsFixture.of([])
    tab.render(update=False)
    assert not tab.banner.visible
    assert s.PARTNERS_EMPTY in texts(PartnersView(model))
    dashboard = DashboardTab(DashboardModel(offline()), save=lambda _: asyncio.sleep(0, ""))
    assert dashboard.partners.key == "open-partners" and s.PARTNERS_OPEN in texts(dashboard)


class PartnersRequestsFixture:
    @staticmethod
    def of(requests: list[PartnerRequest]) -> PartnerRequests:
        return PartnerRequests(department=SAFETY, requests=requests, staff=STAFF)


def test_an_error_is_said_in_chinese_and_a_decline_needs_a_reason() -> None:
    model = PartnersModel(offline())
    asyncio.run(model.load())
    assert model.error == s.PLATFORM_UNREACHABLE and model.cards() == [] and model.pending == 0
    assert s.PLATFORM_UNREACHABLE in texts(PartnersView(model))
    assert asyncio.run(model.decline("PJ-1", "  ")) is False and model.error == s.PARTNERS_REASON_MISSING


@pytest.fixture(scope="module")
def admin(shared_app_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_app_server.url,
                      headers={"Authorization": f"Bearer {admin_token(shared_app_server.data)}"}) as client:
        yield client


def test_the_model_answers_a_real_platform(shared_app_server: Server, admin: httpx.Client) -> None:
    server = shared_app_server
    assert admin.post("/api/v1/plans", json={**joint_plan("PJ-APP"), "scheme": SCHEME}).status_code == 201
    supervisor = Phone(server, other_inspector(server, SAFETY, set())).enroll("supervisor")
    model = PartnersModel(SupervisorService(app_enrolment(server, supervisor, "supervisor"), timeout=10))
    asyncio.run(model.load())
    assert model.error is None and model.department == SAFETY and model.pending >= 1
    card = model.card("PJ-APP")
    assert card is not None and card.open and card.state == "pending"
    assert supervisor.inspector_id in {m["id"] for m in model.staff}

    assert asyncio.run(model.decline("PJ-APP", "本季度人手不足")) is True
    assert model.message == "已答复不同意参加「工贸企业联合抽查」"
    declined = model.card("PJ-APP")
    assert declined is not None and declined.answer_lines == ("不同意的原因：本季度人手不足",)
    public = httpx.get(f"{server.url}/api/v1/plans/PJ-APP/partners").json()["partners"]
    assert [(p["state"], p["reason"]) for p in public] == [("declined", "本季度人手不足")]

    offered = other_inspector(server, SAFETY, {supervisor.inspector_id})
    assert asyncio.run(model.confirm("PJ-APP", [offered], "安全生产、安全生产")) is True
    confirmed = model.card("PJ-APP")
    name = next(m["name"] for m in model.staff if m["id"] == offered)
    assert confirmed is not None and confirmed.answer_lines == (f"派出人员：{name}", "资格要求：安全生产")

    # someone else's person is refused with the platform's words, and nothing changes
    lead_person = other_inspector(server, SAMR, set())
    assert asyncio.run(model.confirm("PJ-APP", [lead_person], "")) is False
    assert model.error is not None and "不是" in model.error and lead_person in model.error
    assert model.card("PJ-APP") == confirmed

    assert admin.post("/api/v1/plans/PJ-APP/freeze").status_code == 201
    asyncio.run(model.load())
    frozen = model.card("PJ-APP")
    assert frozen is not None and not frozen.open
    assert asyncio.run(model.decline("PJ-APP", "晚了")) is False
    assert model.error is not None and "已冻结" in model.error

    inspector = Phone(server, busiest_inspector(server)).enroll()
    with pytest.raises(PlatformError) as refused:
        asyncio.run(SupervisorService(app_enrolment(server, inspector, "inspector"), timeout=10).partner_requests())
    assert refused.value.status == 403 and str(refused.value) == s.PLATFORM_NOT_SUPERVISOR
