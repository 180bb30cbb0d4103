"""检查历史, 风险预警 and 信息查询 in the real web client at 390×844 against a real server: a task
whose enterprise has an overdue follow-up and an earlier 不配合检查情节严重 shows both warnings and
its history; the search checks a credit code as it is typed, finds the enterprise by a part of its
name, and opens it with its history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import Outcome
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    PHONE,
    browser,
    open_app,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import back, enrol, query
from tests.utils.history import Earlier, add_earlier

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def earlier_inspections(platform: Platform) -> str:
    """Two earlier results of the inspector's department for the enterprise whose name sorts
    first among the inspector's tasks: an open 待后续处理 a year old (its deadline long past) and a
    published 不配合检查情节严重. Returns the enterprise's name."""
    engine = make_engine(platform.db)
    with engine.begin() as conn:
        department = conn.execute(sa.select(t.inspectors.c.department)
                                  .where(t.inspectors.c.id == platform.inspector)).scalar_one()
        name, code = conn.execute(
            sa.select(t.entities.c.name, t.entities.c.credit_code)
            .join(t.tasks, t.tasks.c.credit_code == t.entities.c.credit_code)
            .join(t.task_members, t.task_members.c.task_id == t.tasks.c.id)
            .where(t.task_members.c.inspector_id == platform.inspector)
            .order_by(t.entities.c.name).limit(1)).one()
        today = dt.date.today()
        add_earlier(conn, Earlier(code, (department,), today - dt.timedelta(days=365),
                                  Outcome.PROBLEM_PENDING, plan_name="去年食品抽查"), platform.inspector)
        add_earlier(conn, Earlier(code, (department,), today - dt.timedelta(days=730),
                                  Outcome.REFUSED_INSPECTION, plan_name="前年双随机抽查"), platform.inspector)
    engine.dispose()
    return str(name)


def on_screen(page: Page, target: Locator) -> bool:
    """Whether ``target`` lies wholly inside the phone's screen (a scroll has brought it there)."""
    box = target.bounding_box() if target.count() else None
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]


def fill_until(field: Locator, text: str, sign: Locator, *, shown: bool = True) -> None:
    """Fill ``field`` with ``text`` until ``sign`` is shown (or gone): keys sent while Flutter is
    still laying out the screen can be dropped, and the field is then filled again."""
    def done() -> bool:
        return sign.is_visible() == shown

    for attempt in range(4):  # thrice 10 s were once not enough on two starved cores
        field.click()
        field.fill(text)
        try:
            wait_for(done, 20, f"{sign} {'shown' if shown else 'gone'}")
            return
        except AssertionError:
            print(f"fill_until: try {attempt + 1} of {text!r} did not take")
    raise AssertionError(f"the field would not take {text!r}")


def test_history_warnings_and_search(platform: Platform, app_process: AppProcess) -> None:
    name = earlier_inspections(platform)
    with browser() as instance:
        page = phone_context(instance).new_page()
        open_app(page, app_process.url)
        enrol(page, app_process, platform, platform.enrolment_code())
        wait_for(lambda: query(app_process, "SELECT data FROM task_history WHERE data != '[]'"), 30,
                 "the history with the tasks")
        stored = [json.loads(row[0]) for row in query(app_process, "SELECT data FROM task_history")]
        assert all("grade" not in json.dumps(h) for h in stored)

        # 我的任务: the card carries the 预警 mark.
        page.get_by_text(name).first.wait_for()
        screenshot(page, "lookup-01-task-list")
        assert f"{name} 预警 " in page.get_by_text(name).first.inner_text()

        # 任务详情: the banner says why, each line leads to its entry under 检查历史.
        tap_to_show(page.get_by_text(name).first, page.get_by_text("风险预警"))
        overdue = page.get_by_text("后续处置已逾期", exact=False).first
        refused = page.get_by_text("检查结果为“不配合检查情节严重”", exact=False).first
        assert overdue.is_visible() and refused.is_visible()
        screenshot(page, "lookup-02-task-warnings")
        entry = page.get_by_text("抽查计划：前年双随机抽查").first
        tap_until(refused, lambda: on_screen(page, entry), "the warning's entry scrolled into view")
        screenshot(page, "lookup-03-task-history")
        back(page, page.get_by_role("tab", name="查询"))

        # 信息查询: a whole code with a wrong check character is caught as it is typed.
        tap_to_show(page.get_by_role("tab", name="查询"), page.get_by_label("企业名称或统一社会信用代码"))
        field = page.get_by_label("企业名称或统一社会信用代码")
        fill_until(field, "91371002MA3C4X5Y6A", page.get_by_text("第18位校验码应为", exact=False).first)
        screenshot(page, "lookup-04-code-check")

        # ... and a part of the name finds the enterprise, which opens with its history.
        fill_until(field, name[2:6], page.get_by_text("第18位校验码应为", exact=False).first, shown=False)
        tap_to_show(page.get_by_role("button", name="查询", exact=True), page.get_by_text("第 1 页"))
        screenshot(page, "lookup-05-results")
        found = page.get_by_text(name).first
        if not found.is_visible():  # more than a page of matches: narrow to the whole name
            field.fill(name)
            tap_to_show(page.get_by_role("button", name="查询", exact=True), found)
        tap_to_show(found, page.get_by_text("企业信息"))
        page.get_by_text("第 1 页").first.wait_for(state="hidden")  # the page transition is over
        page.get_by_text("检查历史（2）").first.wait_for()
        assert page.get_by_text("风险预警").first.is_visible()
        screenshot(page, "lookup-06-enterprise")

        # Offline: the search says so.
        platform.stop()
        back(page, page.get_by_role("tab", name="查询"))
        tap_to_show(page.get_by_role("button", name="查询", exact=True),
                    page.get_by_text("离线：信息查询需要连接平台", exact=False), timeout=30)
        screenshot(page, "lookup-07-offline")
