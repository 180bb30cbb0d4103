"""An inspector's day in the real web client against a real server: enrol, inspect online,
lose the network, inspect again, come back, sync; the platform ends with both records."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    browser,
    open_app,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import QINGDAO, back, enrol, inspect_task, photo_file, query

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def test_an_inspectors_day(platform: Platform, app_process: AppProcess, tmp_path: Path) -> None:
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        open_app(page, app_process.url)

        # 登记本机: the supervisor's enrolment link pasted into the code field.
        page.get_by_label("注册码或注册链接").wait_for()
        screenshot(page, "01-enrol")
        enrol(page, app_process, platform, platform.enrolment_code())

        # 我的任务: pulled at once.
        tasks = wait_for(lambda: query(app_process, "SELECT data FROM tasks"), 30, "the tasks")
        entities = sorted(json.loads(row[0])["entity"]["name"] for row in tasks)
        assert len(entities) >= 2
        page.get_by_text(entities[0]).first.wait_for()
        screenshot(page, "02-tasks")

        # 任务详情 and 亮码.
        tap_to_show(page.get_by_text(entities[0]).first, page.get_by_role("button", name="亮码"))
        screenshot(page, "03-task-detail")
        tap_to_show(page.get_by_role("button", name="亮码"), page.get_by_text("请企业用手机扫码", exact=False))
        screenshot(page, "04-inspection-code")
        back(page, page.get_by_role("button", name="开始检查"))
        back(page, page.get_by_role("tab", name="同步"))

        # First inspection, online, with a photo and the device's position.
        inspect_task(page, app_process, entities[0], photo=photo_file(tmp_path),
                     typed_location=None, shot="05")
        screenshot(page, "06-signed")
        first = wait_for(lambda: query(app_process, "SELECT id FROM records"), 30, "record 1")[0][0]

        # The network goes: the platform stops answering.
        platform.stop()
        back(page, page.get_by_role("tab", name="同步"))
        inspect_task(page, app_process, entities[1], photo=None,
                     typed_location="北纬36°4′1.6″ 东经120°22′57.2″", shot="07")
        records = query(app_process, "SELECT id, seq, outbox FROM records ORDER BY seq")
        assert [r[1] for r in records] == [1, 2]
        second = records[1][0]
        assert records[1][2] == "pending"
        back(page, page.get_by_role("tab", name="同步"))
        tap_to_show(page.get_by_role("tab", name="同步"), page.get_by_role("button", name="立即同步"))
        tap_to_show(page.get_by_role("button", name="立即同步"), page.get_by_text("无法连接平台", exact=False),
                    timeout=30)
        screenshot(page, "08-sync-offline")

        # Back online: the platform restarts on the same port and data; sync on demand.
        platform.start()
        tap_until(page.get_by_role("button", name="立即同步"),
                  lambda: not query(app_process, "SELECT 1 FROM records WHERE outbox != 'acked'"),
                  "the outbox to empty", timeout=30)
        page.get_by_text("同步完成", exact=False).wait_for()
        screenshot(page, "09-sync-done")
        tap_to_show(page.get_by_role("tab", name="任务"), page.get_by_text(entities[0]))
        screenshot(page, "10-tasks-after-sync")
        tap_to_show(page.get_by_role("tab", name="本机"), page.get_by_text("执法检查人员"))
        screenshot(page, "11-device")

    token = query(app_process, "SELECT token FROM enrolment")[0][0]
    with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {token}"}) as client:
        for record_id in (first, second):
            answer = client.get(f"/api/v1/records/{record_id}")
            assert answer.status_code == 200, answer.text
            assert answer.json()["state"] == "submitted", answer.json()
    locations = [json.loads(row[0])["record"]["location"]
                 for row in query(app_process, "SELECT envelope FROM records ORDER BY seq")]
    assert [x["source"] for x in locations] == ["device", "typed"]
    # 北纬36°4′1.6″ 东经120°22′57.2″, signed as decimal degrees.
    assert (locations[1]["lat"], locations[1]["lon"]) == (36.0671111, 120.3825556)
