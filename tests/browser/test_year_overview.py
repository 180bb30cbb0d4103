"""年度计划执行情况 in the real web client on a 390×844 phone (issue 26 point 8): a supervisor
opens it from 统计, reads the department's year (the demo's drawn plan), turns to last year and
back; every control is at least 48 px; screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.clock import today_in_china
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import browser, open_app, phone_context, screenshot, tap_to_show
from tests.browser.phone import back, enrol
from tests.browser.test_review_cycle import a_supervisor, all_touchable, tall_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
