"""年度计划执行情况 on the supervisor's phone (issue 26 point 8): the words of a row, the screen
built from them, the way in from 统计, and the model reading a real platform."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import flet as ft
import pytest

from app import strings as s
from app.services.supervisor import PlatformError, SupervisorService
from app.store import Enrolment
from app.viewmodels.dashboard import DashboardModel
from app.viewmodels.year_overview import YearOverviewModel, card
from app.views.dashboard import DashboardTab
from app.views.year_overview import ROUTE, YearOverviewView
from server_stub.directory.demo import SAMR
from sync import YearOverview, YearRow
from tests.app.test_supervisor import app_enrolment
from tests.conftest import Server
from tests.server_stub.api.test_review import other_inspector
from tests.utils.phone import Phone, busiest_inspector

TODAY = dt.date(2026, 12, 6)


def year_row(**changes: Any) -> YearRow:
    row = YearRow(
        scope="department", name=SAMR, level="市级", planned=8, confirmed=7, drawn=6, done=4,
        published=2, joint=3, joint_confirmed=2, joint_share=0.375, random_plans=5, graded_plans=3,
        risk_grade_use=0.6, meets_target=True, joint_random_plans=3, joint_graded_plans=1,
        joint_risk_grade_use=0.3333, joint_meets_target=False, joint_visits_saved=40,
        capped_out=12, repeats_avoided=52)
    row.update(changes)  # type: ignore[typeddict-item]
    return row


def texts(control: Any) -> list[str]:
    """Every text under ``control``, depth first (bars by their label)."""
    found: list[str] = []
    if isinstance(control, ft.Text):
        found.append(control.value or "")
    if isinstance(control, ft.ProgressBar):
        found.append(f"[bar {control.semantics_label} {control.value:.2f}]")
    for name in ("content", "controls", "bottom_appbar", "title"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child]:
            if isinstance(c, ft.Control):
                found += texts(c)
    return found


def offline() -> SupervisorService:
    return SupervisorService(Enrolment("http://127.0.0.1:9", "D", "t", "supervisor", {}, ""), timeout=1)


def test_a_row_in_words() -> None:
    words = card(year_row(), 0.6)
    assert [(step.label, step.count, step.share) for step in words.steps] == [
        ("计划", 8, 1.0), ("已确认", 7, 0.875), ("已抽取", 6, 0.75), ("已完成", 4, 0.5), ("已公示", 2, 0.25)]
    assert all(step.meaning for step in words.steps), "every number says what it counts"
    assert words.level == "层级：市级" and words.met is True and words.target == "目标不低于 60%"
    assert words.risk_line == "60%　3/5 个双随机抽查计划按风险等级设定不同比例"
    assert words.risk_joint_line == "其中联合抽查：33.3%（1/3）"
    assert words.joint_line == "3/8 个计划为联合抽查，占 37.5%；已确认 2 个"
    assert (words.repeats, words.repeats_joint, words.repeats_cap) == (
        "52 户次", "联合抽查“一次检查、全面体检”少入企 40 户次", "已达年度抽查次数上限、未纳入名录 12 户次")
    below = card(year_row(risk_grade_use=0.4, meets_target=False, joint_random_plans=0), 0.6)
    assert below.met is False and below.risk_joint_line is None


def test_a_year_without_plans_says_so_and_has_no_rate() -> None:
    words = card(year_row(planned=0, confirmed=0, drawn=0, done=0, published=0, joint=0,
                          joint_share=None, random_plans=0, graded_plans=0, risk_grade_use=None,
                          meets_target=False, joint_random_plans=0), 0.6)
    assert words.empty and words.met is None and words.risk_line == s.YEAR_NO_RANDOM
    assert [step.share for step in words.steps] == [0.0] * 5


def test_the_screen_shows_each_number_with_its_meaning() -> None:
    model = YearOverviewModel(offline(), today=lambda: TODAY)
    model.overview = YearOverview(year=2026, target=0.6, rows=[year_row(meets_target=False)])
    view = YearOverviewView(model)
    shown = texts(view)
    assert view.route == ROUTE == "/year"
    for wanted in ("2026年", s.YEAR_INTERNAL, SAMR, "层级：市级", "计划", "8 个", "已公示", "2 个",
                   "全部检查结果已公示", s.YEAR_RISK_USE, s.YEAR_NOT_MET, s.YEAR_REPEATS, "52 户次",
                   s.YEAR_EXPLAIN):
        assert wanted in shown, wanted
    assert "[bar 已完成 0.50]" in shown
    assert s.YEAR_MET not in shown
    assert view.next.disabled is False, "next year's plans may already be made in December"
    model.year = 2027
    view.render(update=False)
    assert view.next.disabled and "2027年" in texts(view)


def test_an_empty_year_and_an_error_are_said_in_chinese() -> None:
    model = YearOverviewModel(offline(), today=lambda: TODAY)
    asyncio.run(model.load())
    assert model.error == s.PLATFORM_UNREACHABLE and model.overview is None and model.cards() == []
    shown = texts(YearOverviewView(model))
    assert s.PLATFORM_UNREACHABLE in shown
    model.overview = YearOverview(year=2026, target=0.6, rows=[year_row(
        planned=0, confirmed=0, drawn=0, done=0, published=0, random_plans=0)])
    assert s.YEAR_NO_PLANS in texts(YearOverviewView(model))


def test_the_dashboard_opens_it() -> None:
    tab = DashboardTab(DashboardModel(offline()), save=lambda _: asyncio.sleep(0, ""))
    assert tab.year.key == "open-year" and tab.year.on_click is not None
    assert s.YEAR_OPEN in texts(tab) and getattr(tab.controls[0], "content", None) is tab.year


@pytest.fixture
def server(app_server: Server) -> Server:
    return app_server


def test_the_model_reads_the_supervisors_own_row(server: Server) -> None:
    phone = Phone(server, other_inspector(server, SAMR, set())).enroll("supervisor")
    service = SupervisorService(app_enrolment(server, phone, "supervisor"), timeout=10)
    model = YearOverviewModel(service)
    asyncio.run(model.load())
    assert model.error is None and model.overview is not None
    (words,) = model.cards()
    assert words.name == SAMR and words.steps[0].count >= 1 and words.steps[2].count >= 1, \
        "the demo's plan, drawn"
    asyncio.run(model.previous_year())
    assert model.year == model.today().year - 1
    (earlier,) = model.cards()
    assert earlier.name == SAMR
    inspector = Phone(server, busiest_inspector(server)).enroll()
    with pytest.raises(PlatformError) as refused:
        asyncio.run(SupervisorService(app_enrolment(server, inspector, "inspector"),
                                      timeout=10).year_overview(2026))
    assert refused.value.status == 403 and str(refused.value) == s.PLATFORM_NOT_SUPERVISOR
