"""The rough edges of a first walk-through at 390×844 (issue 16), each checked on screen in the
real web client against a real server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.domain.clock import CHINA
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import browser, open_app, phone_context, screenshot, tap_to_show, wait_for
from tests.browser.test_inspector_day import QINGDAO, enrol, query

pytestmark = [pytest.mark.browser, pytest.mark.slow]




def test_times_are_beijing_time_on_a_utc_host(platform: Platform, utc_app: AppProcess) -> None:
    """Point 1: the app's host clock is UTC; the inspection's start shows Beijing time, and the
    record keeps the host's offset."""
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        open_app(page, utc_app.url)
        enrol(page, utc_app, platform, platform.enrolment_code())
        tasks = wait_for(lambda: query(utc_app, "SELECT data FROM tasks"), 30, "the tasks")
        entity = sorted(json.loads(row[0])["entity"]["name"] for row in tasks)[0]
        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        before = dt.datetime.now(CHINA)
        tap_to_show(page.get_by_role("button", name="开始检查"), page.get_by_role("button", name="签名提交"))
        after = dt.datetime.now(CHINA)
        started = json.loads(query(utc_app, "SELECT data FROM drafts")[0][0])["started_at"]
        assert started.endswith("+00:00"), started  # the record keeps its clock's offset
        shown = {f"开始时间：{t:%Y-%m-%d %H:%M}" for t in (before, after)}
        assert any(page.get_by_text(text).count() for text in shown), shown
        screenshot(page, "walk-01-start-beijing-time")
