"""年度计划执行情况 in the real web client on a 390×844 phone (issue 26 point 8): a supervisor
opens it from 统计, reads the department's year (the demo's drawn plan), turns to last year and
back; then, as a partner department's supervisor, answers a joint plan from 审核's banner
(联合抽查确认: declines with a reason, then confirms with one person offered). Every control is at
least 48 px; screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.domain.clock import today_in_china
from server_stub.core.admin_token import admin_token
from server_stub.directory.demo import SAMR
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import browser, open_app, phone_context, screenshot, tap_to_show
from tests.browser.phone import back, enrol, focus_and_type
from tests.browser.test_review_cycle import a_supervisor, all_touchable, tall_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARTNER_LEAD = "威海市应急管理局"
"""The joint plan's lead: the supervisor's own department (SAMR) is its partner."""


def test_a_supervisor_reads_the_year_from_the_dashboard(platform: Platform, supervisor_app: AppProcess,
                                                         tmp_path: Path) -> None:
    with browser() as instance:
        page = phone_context(instance).new_page()
        open_app(page, supervisor_app.url)
        enrol(page, supervisor_app, platform, platform.enrolment_code(a_supervisor(platform), "supervisor"))
        entry = page.get_by_text("年度计划执行情况").first
        tap_to_show(page.get_by_role("tab", name="统计"), entry, timeout=30)
        screenshot(page, "year-01-dashboard")
        tap_to_show(entry, page.get_by_text("计划进度"), timeout=30)
        for shown in ("内部资料：含信用风险分类的使用情况，不得公开", "威海市市场监督管理局",
                      "已抽取", "已完成随机抽取、派发任务", "信用风险分类结果应用率", "目标不低于 60%",
                      "避免重复检查"):
            page.get_by_text(shown, exact=False).first.wait_for(timeout=10_000)
        tall_screenshot(page, "year-02-overview", 1800)
        all_touchable(page, "year overview")
        year = today_in_china().year
        page.get_by_text(f"{year}年", exact=True).wait_for()
        tap_to_show(page.get_by_role("button", name="上一年"), page.get_by_text(f"{year - 1}年"))
        page.get_by_text("本年度还没有本部门发起或参与的抽查计划").wait_for(timeout=30_000)
        screenshot(page, "year-03-last-year")
        back(page, page.get_by_role("tab", name="统计"))

        # 联合抽查确认: the supervisor's department is a partner of another department's plan
        plan = {"id": "PJ-PHONE", "name": "危化品经营单位联合抽查", "departments": [PARTNER_LEAD, SAMR],
                "items": ["YJ-AQSC-01", "SC-CPZL-01"], "ratios": {"A": "5", "B": "10", "C": "20", "D": "40"},
                "team_size": 2, "window_start": f"{year}-01-01", "window_end": f"{year + 1}-06-30",
                "scheme": {"content": "安全生产与产品质量一并检查", "schedule": "上半年", "method": "现场检查"}}
        made = httpx.post(f"{platform.url}/api/v1/plans", json=plan,
                          headers={"Authorization": f"Bearer {admin_token(platform.data)}"})
        assert made.status_code == 201, made.text
        banner = page.get_by_text("有 1 个联合抽查计划待本部门确认")
        tap_to_show(page.get_by_role("tab", name="审核"), banner, timeout=30)
        screenshot(page, "partners-01-banner")
        tap_to_show(banner, page.get_by_text("危化品经营单位联合抽查"), timeout=30)
        for shown in (f"牵头部门：{PARTNER_LEAD}", "本部门", "检查方案", "待确认"):
            page.get_by_text(shown, exact=False).first.wait_for(timeout=10_000)
        tall_screenshot(page, "partners-02-plan", 1400)
        all_touchable(page, "partners")
        tap_to_show(page.get_by_role("button", name="不同意"),
                    page.get_by_role("textbox", name="不同意的原因（必填，将公开）"))
        focus_and_type(page, "不同意的原因（必填，将公开）", "本月执法人员参加专项整治")
        tap_to_show(page.get_by_role("button", name="提交"),
                    page.get_by_text("不同意的原因：本月执法人员参加专项整治"), timeout=30)
        screenshot(page, "partners-03-declined")
        tap_to_show(page.get_by_role("button", name="改为确认参加"), page.get_by_text("勾选本部门派出", exact=False))
        person = page.get_by_role("checkbox").first
        tap_to_show(person, page.get_by_role("checkbox", checked=True).first)
        screenshot(page, "partners-04-confirm")
        tap_to_show(page.get_by_role("button", name="提交"), page.get_by_text("派出人员：", exact=False), timeout=30)
        page.get_by_text("已确认参加「危化品经营单位联合抽查」").wait_for(timeout=10_000)
        screenshot(page, "partners-05-confirmed")
        public = httpx.get(f"{platform.url}/api/v1/plans/PJ-PHONE/partners").json()["partners"]
        assert [p["state"] for p in public] == ["confirmed"]
