"""Each 检查方式 and a lab-tested item on the phone (issue 27 points 1 and 2), at 390×844 in a real
web client: an office task (书面检查 with a PDF the enterprise submitted, 网络监测 with the address
checked and a screenshot) signed with no notice, no place and no enterprise on site; then an
on-site item sent for testing, signed with the enterprise, that waits on the platform as
待检测结果 until a supervisor attaches the laboratory's report, and then goes to review."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from fpdf import FPDF
from PIL import Image

from sync import generate_key, public_key_b64
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    browser,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import (
    QINGDAO,
    answered,
    back,
    choose_file,
    enrolled,
    enterprise_signs,
    latest_draft,
    location_source,
    query,
    type_until_saved,
)
from tests.browser.test_review_cycle import a_supervisor, tall_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFFICE_ITEMS = ["SC-QYGS-01", "SC-WLJY-01"]  # 书面检查, 网络监测
LAB_ITEM = "SC-SP-01"  # 实地核查
URL = "https://shop.example.cn/store/42"


def _set_items(platform: Platform) -> tuple[str, str]:
    """The inspector's two first tasks (by entity name) get an office task's items and an on-site
    food item; their entities' names."""
    path = platform.db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT t.id, e.name FROM tasks t JOIN entities e ON e.credit_code = t.credit_code "
            "JOIN task_members m ON m.task_id = t.id WHERE m.inspector_id = ? ORDER BY e.name LIMIT 2",
            (platform.inspector,)).fetchall()
        for (task_id, _), items in zip(rows, (OFFICE_ITEMS, [LAB_ITEM]), strict=True):
            conn.execute("UPDATE tasks SET items = ? WHERE id = ?", (json.dumps(items), task_id))
    return rows[0][1], rows[1][1]


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    paper = FPDF()
    paper.set_font("helvetica")
    for n in range(2):
        paper.add_page()
        paper.cell(text=f"Annual report page {n + 1}")
    material = tmp_path / "年度报告.pdf"
    material.write_bytes(bytes(paper.output()))
    shot = tmp_path / "网页截图.png"
    Image.new("RGB", (1080, 1920), (240, 240, 250)).save(shot, "PNG")
    report = tmp_path / "检验报告.pdf"
    paper = FPDF()
    paper.set_font("helvetica")
    paper.add_page()
    paper.cell(text="Test report QD-2026-0042: failed")
    report.write_bytes(bytes(paper.output()))
    return material, shot, report


def _answers(app: AppProcess) -> dict[str, dict[str, object]]:
    return latest_draft(app).get("answers", {})  # type: ignore[no-any-return]


def _sign(page, app: AppProcess) -> None:  # type: ignore[no-untyped-def]
    confirm = page.get_by_role("button", name="确认签名")
    missing = page.get_by_text("还不能签名")
    tap_to_show(page.get_by_role("button", name="签名提交"), confirm.or_(missing))
    assert not missing.count(), f"the app would not sign: {page.get_by_role('dialog').inner_text()}"
    tap_to_show(confirm, page.get_by_role("button", name="亮码"))


def _record(app: AppProcess, task_items: list[str]) -> dict[str, object]:
    for (envelope,) in query(app, "SELECT envelope FROM records"):
        record = json.loads(envelope)["record"]
        if [item["code"] for item in record["items"]] == task_items:
            return record  # type: ignore[no-any-return]
    return {}


def _supervisor_token(platform: Platform) -> str:
    code = platform.enrolment_code(a_supervisor(platform), "supervisor")
    answer = httpx.post(f"{platform.url}/api/v1/enroll", json={
        "code": code, "public_key": public_key_b64(generate_key()), "device_name": "审核人电脑"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def test_each_mode_and_a_lab_tested_item(platform: Platform, app_process: AppProcess, tmp_path: Path) -> None:
    office, lab_entity = _set_items(platform)
    material, shot, report = _files(tmp_path)
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, app_process, platform)
        assert entity == office

        # 书面检查 and 网络监测 alone: 开始检查 opens the form at once (no notice), which asks for
        # no place and is signed without the enterprise.
        tap_to_show(page.get_by_text(office).first, page.get_by_role("button", name="开始检查"))
        tap_to_show(page.get_by_role("button", name="开始检查"), page.get_by_text("检查方式：书面检查"))
        page.get_by_text("本任务为非现场检查", exact=False).wait_for()
        assert not page.get_by_role("button", name="获取定位").count(), "no place for an office task"
        screenshot(page, "modes-01-office-form")
        for n in range(2):
            tap_until(page.get_by_role("button", name="合格", exact=True).nth(n),
                      lambda n=n: answered(app_process, "合格") > n, f"item {n + 1} answered 合格", timeout=5)
        choose_file(page, page.get_by_role("button", name="添加材料（照片或PDF）"), material)
        wait_for(lambda: _answers(app_process)[OFFICE_ITEMS[0]]["materials"], 60, "the PDF material")
        pdf_sha = hashlib.sha256(material.read_bytes()).hexdigest()
        assert _answers(app_process)[OFFICE_ITEMS[0]]["materials"] == [pdf_sha], "a PDF is kept as it is"
        page.get_by_text("PDF", exact=True).first.wait_for()
        type_until_saved(page, "检测网址", URL, lambda: _answers(app_process)[OFFICE_ITEMS[1]]["url"] == URL,
                         "the address saved")
        page.get_by_text("检测时间：", exact=False).wait_for()
        choose_file(page, page.get_by_role("button", name="添加截图"), shot)
        wait_for(lambda: _answers(app_process)[OFFICE_ITEMS[1]]["screenshots"], 60, "the screenshot")
        tap_until(page.get_by_role("radio", name="未发现问题"),
                  lambda: latest_draft(app_process).get("outcome") == "未发现问题", "the outcome saved", timeout=5)
        tall_screenshot(page, "modes-02-office-filled", 1900)
        _sign(page, app_process)
        screenshot(page, "modes-03-office-signed")
        record = wait_for(lambda: _record(app_process, OFFICE_ITEMS), 30, "the office record")
        assert record["v"] == 4 and record["notice"] is None and record["acknowledgement"] is None
        assert record["location"] is None
        items = record["items"]
        assert items[0]["mode"] == "书面检查" and items[0]["materials"] == [pdf_sha]  # type: ignore[index]
        assert items[1]["online"]["url"] == URL and items[1]["online"]["screenshots"]  # type: ignore[index]
        wait_for(lambda: query(app_process, "SELECT 1 FROM records WHERE outbox = 'acked'"), 90, "the sync")

        # An on-site item sent for testing: the notice, the lab's fields, the enterprise signs.
        back(page, page.get_by_text(lab_entity).first)
        tap_to_show(page.get_by_text(lab_entity).first, page.get_by_role("button", name="开始检查"))
        tap_to_show(page.get_by_role("button", name="开始检查"), page.get_by_role("button", name="已告知，开始检查"))
        tap_to_show(page.get_by_role("button", name="已告知，开始检查"), page.get_by_role("button", name="企业确认"))
        tap_until(page.get_by_role("switch", name="送检（委托有资质的机构检验检测）"),
                  lambda: _answers(app_process)[LAB_ITEM].get("lab") is not None, "sent for testing")
        page.get_by_role("button", name="待检测").wait_for()
        for label, text, key in (("样品（名称、数量、批号）", "散装大米5kg 批号20260301", "sample"),
                                 ("检验检测机构", "青岛市产品质量检验研究院", "lab"),
                                 ("资质认定证书编号", "CMA201515001234", "accreditation_no")):
            type_until_saved(page, label, text,
                             lambda key=key, text=text: _answers(app_process)[LAB_ITEM]["lab"][key] == text,  # type: ignore[index]
                             f"the {key} saved")
        assert _answers(app_process)[LAB_ITEM]["result"] == "待检测"
        tap_until(page.get_by_role("button", name="获取定位"), lambda: location_source(app_process) == "device",
                  "the device's location saved")
        tap_until(page.get_by_role("radio", name="未发现问题"),
                  lambda: latest_draft(app_process).get("outcome") == "未发现问题", "the outcome saved", timeout=5)
        tall_screenshot(page, "modes-04-lab-form", 1700)
        tap_to_show(page.get_by_role("button", name="企业确认"), page.get_by_role("radio", name="企业签字确认"))
        enterprise_signs(page, app_process, shot="modes-05-lab")
        _sign(page, app_process)
        record = wait_for(lambda: _record(app_process, [LAB_ITEM]), 30, "the lab record")
        assert record["items"][0]["result"] == "待检测" and record["items"][0]["lab"]["lab"]  # type: ignore[index]
        record_id = str(record["id"])
        wait_for(lambda: query(app_process, "SELECT 1 FROM records WHERE id = ? AND outbox = 'acked' "
                                            "AND server_state = 'awaiting_report'", record_id), 90, "待检测结果 on the platform")
        page.get_by_text("待检测结果").first.wait_for(timeout=30_000)
        screenshot(page, "modes-06-awaiting-report")

        # The laboratory's report reaches the office: a supervisor attaches it; the record goes to review.
        token = _supervisor_token(platform)
        with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {token}"}) as office_desk:
            waiting = office_desk.get("/api/v1/review/queue", params={"state": "awaiting_report"}).json()
            assert [r["id"] for r in waiting["records"]] == [record_id]
            data = report.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            put = office_desk.put(f"/api/v1/photos/{sha}", content=data, headers={"Content-Type": "application/pdf"})
            assert put.status_code == 201, put.text
            attached = office_desk.post(f"/api/v1/review/records/{record_id}/lab-reports", json={
                "item": LAB_ITEM, "sha256": sha, "number": "QD-2026-0042", "conclusion": "不合格"})
            assert attached.status_code == 201 and attached.json()["state"] == "submitted", attached.text
            paper = office_desk.get(f"/api/v1/records/{record_id}/pdf")
            assert paper.status_code == 200
        (tmp_path / "lab.pdf").write_bytes(paper.content)
        assert b"%PDF-" == paper.content[:5]
        # the phone hears of it at its next sync (the 同步 tab's button)
        back(page, page.get_by_role("tab", name="同步"))
        tap_to_show(page.get_by_role("tab", name="同步"), page.get_by_role("button", name="立即同步"))
        tap_until(page.get_by_role("button", name="立即同步"),
                  lambda: query(app_process, "SELECT 1 FROM records WHERE id = ? AND server_state = 'submitted'",
                                record_id), "the report heard of", timeout=30)
        screenshot(page, "modes-07-after-report")
