"""上报材料 in the real web client on a 390×844 phone (issue 27 point 4): a supervisor finds on 统计
when the next brief and self-report are due, downloads the brief as PDF and the self-report as
Word; every control is at least 48 px; screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.clock import today_in_china
from app.domain.reports import next_brief
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    browser,
    open_app,
    phone_context,
    screenshot,
    tap_to_download,
    tap_to_show,
)
from tests.browser.phone import enrol
from tests.browser.test_review_cycle import a_supervisor, all_touchable, tall_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_supervisor_downloads_the_reports(platform: Platform, supervisor_app: AppProcess,
                                            tmp_path: Path) -> None:
    brief = next_brief(today_in_china())
    with browser() as instance:
        page = phone_context(instance).new_page()
        open_app(page, supervisor_app.url)
        enrol(page, supervisor_app, platform, platform.enrolment_code(a_supervisor(platform), "supervisor"))
        section = page.get_by_text("上报材料").first
        tap_to_show(page.get_by_role("tab", name="统计"), section, timeout=30)
        page.get_by_text(f"工作简报（{brief.year}年{brief.month}月）", exact=False).first.wait_for(timeout=10_000)
        page.get_by_text(f"{brief.year}年{brief.month}月工作简报").first.wait_for(timeout=10_000)
        tall_screenshot(page, "reports-01-dashboard", 3600)
        all_touchable(page, "dashboard with reports")
        pdf = tap_to_download(page, page.get_by_role("button", name="PDF").first)
        assert pdf.suggested_filename == f"工作简报_{brief.year}-{brief.month:02d}.pdf"
        pdf.save_as(tmp_path / "brief.pdf")
        assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")
        docx = tap_to_download(page, page.get_by_role("button", name="Word").last)
        assert docx.suggested_filename == f"自查报告_{today_in_china().year}.docx"
        docx.save_as(tmp_path / "self.docx")
        assert (tmp_path / "self.docx").read_bytes()[:2] == b"PK"
        page.get_by_text("已导出：自查报告_", exact=False).wait_for()
        screenshot(page, "reports-02-downloaded")
