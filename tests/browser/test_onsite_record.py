"""The 现场检查笔录 in two real web clients at phone size (issue 14): the notice is shown before
the inspection, the enterprise's representative signs with a drawn stroke, the record syncs, the
inspector downloads the enterprise's PDF, and the supervisor sees the signature and downloads the
platform's PDF; its QR code's public check says it is genuine."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from sync import content_hash
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    ARTIFACTS,
    browser,
    open_app,
    phone_context,
    screenshot,
    tap_to_download,
    tap_to_show,
    wait_for,
)
from tests.browser.phone import QINGDAO, back, enrol, inspect_task, query
from tests.browser.test_review_cycle import a_supervisor, tall_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_notice_signature_sync_review_and_paper(platform: Platform, app_process: AppProcess,
                                                supervisor_app: AppProcess, tmp_path: Path) -> None:
    with browser() as instance:
        inspector = phone_context(instance, geolocation=QINGDAO).new_page()
        open_app(inspector, app_process.url)
        enrol(inspector, app_process, platform, platform.enrolment_code())
        rows = wait_for(lambda: query(app_process, "SELECT data FROM tasks"), 30, "the tasks")
        task = min((json.loads(r[0]) for r in rows), key=lambda x: x["entity"]["name"])
        entity = task["entity"]["name"]
        inspector.get_by_text(entity).first.wait_for()

        # 告知, the form, 企业确认 with a drawn signature, and the device's signature.
        try:
            inspect_task(inspector, app_process, entity, photo=None, typed_location=None, shot="onsite-01")
        finally:
            screenshot(inspector, "onsite-01-last")
            print((tmp_path / "app.log").read_text()[-3000:])  # shown on failure
        screenshot(inspector, "onsite-02-signed")
        wait_for(lambda: query(app_process, "SELECT 1 FROM records WHERE outbox = 'acked'"), 60, "the sync")
        record = json.loads(query(app_process, "SELECT envelope FROM records")[0][0])["record"]
        assert record["v"] == 4 and record["notice"]["inspectors"][0]["badge_no"] == task["team"][0]["badge_no"]
        ack = record["acknowledgement"]
        assert ack["kind"] == "signed" and ack["name"] == "张三" and ack["role"] == "店长"
        assert ack["covers"] == content_hash(record), "the signature covers what the enterprise read"

        # The enterprise's copy, drawn on the phone.
        pdf_button = inspector.get_by_role("button", name="笔录 PDF")
        pdf_button.wait_for()
        phone_pdf = ARTIFACTS / "onsite-phone.pdf"
        tap_to_download(inspector, pdf_button).save_as(phone_pdf)
        assert phone_pdf.read_bytes().startswith(b"%PDF-")

        # The supervisor sees the notice, the signature image and the statement, and the PDF.
        supervisor = phone_context(instance).new_page()
        open_app(supervisor, supervisor_app.url)
        enrol(supervisor, supervisor_app, platform, platform.enrolment_code(a_supervisor(platform), "supervisor"))
        tap_to_show(supervisor.get_by_text(entity).first, supervisor.get_by_text("张三（店长）签字确认"), timeout=60)
        supervisor.get_by_role("img", name="已签名").wait_for(timeout=30_000)
        supervisor.get_by_text("出示执法证件", exact=False).wait_for()
        tall_screenshot(supervisor, "onsite-03-supervisor-record", 2600)
        supervisor.get_by_text("张三（店长）签字确认").scroll_into_view_if_needed()
        screenshot(supervisor, "onsite-04-supervisor-signature")
        platform_pdf = ARTIFACTS / "onsite-platform.pdf"
        tap_to_download(supervisor, supervisor.get_by_role("button", name="下载笔录 PDF")).save_as(platform_pdf)
        assert platform_pdf.read_bytes().startswith(b"%PDF-")
        back(supervisor, supervisor.get_by_role("tab", name="审核"))

    # The paper's QR code opens the public check: genuine, unchanged.
    digest = query(app_process, "SELECT hash FROM records")[0][0]
    page = httpx.get(f"{platform.url}/r/{record['id']}", params={"h": digest})
    assert page.status_code == 200 and "真实的现场检查笔录" in page.text and "未被改动" in page.text
    assert entity not in page.text, "nothing of an unpublished record beyond genuine or not"
