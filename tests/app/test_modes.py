"""The form follows each item's 检查方式 (issue 27 points 1 and 2): what each mode asks before
signing, the office task without notice or acknowledgement, an item sent for testing, and the
record (format 4) the draft becomes; a revision of an older record keeps its format."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from fpdf import FPDF

from app import strings as s
from app.domain.inspection import Draft, task_off_site
from app.services.supervisor import SupervisorService
from app.viewmodels.review import ReviewRecordModel
from sync import AcknowledgementKind, ItemResult, LabTest, Outcome, RecordItem, validate_record
from tests.app.factories import make_task
from tests.app.test_supervisor import app_enrolment
from tests.conftest import Server
from tests.server_stub.api.test_modes import set_items
from tests.server_stub.api.test_onsite_record import send_signed
from tests.server_stub.api.test_review import enrol_people

A, B, C = (hashlib.sha256(n.encode()).hexdigest() for n in ("a", "b", "c"))


def office_task() -> dict[str, Any]:
    task = make_task(items=2)
    task["items"][0]["method"] = "书面检查"
    task["items"][1]["method"] = "网络监测"
    return task


def sign(draft: Draft, task: dict[str, Any]) -> dict[str, Any]:
    record = draft.to_record(task, record_id="3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f", device_id="D-0001",
                             seq=1, prev=None, finished_at="2026-03-02T10:00:00+08:00")
    data = record.to_json()
    assert validate_record(data).to_json() == data
    return data


def test_an_office_task_needs_no_notice_place_or_acknowledgement() -> None:
    task = office_task()
    assert task_off_site(task) and not task_off_site(make_task())
    draft = Draft.start(task, "2026-03-02T09:00:00+08:00")
    assert draft.off_site and not draft.needs_notice and draft.notice is None
    assert draft.ack_missing() == []
    docs, online = draft.answer("SP-01"), draft.answer("SP-02")
    docs.result, online.result = ItemResult.PASS, ItemResult.FAIL
    online.note = "首页未亮照"
    draft.outcome = Outcome.PROBLEM_CORRECTED
    assert draft.missing(task) == [
        "事项1：书面检查须添加企业提交的材料（照片或PDF）", "事项2：检测网址不能为空",
        "事项2：网络监测须添加网页截图"]
    docs.materials = [A, B]
    online.url, online.checked_at, online.screenshots = "ftp://x.cn", "2026-03-02T09:30:00+08:00", [C]
    assert [p for p in draft.missing(task) if "检测网址" in p]
    online.url = "https://shop.example.cn/42"
    assert draft.missing(task) == []
    data = sign(draft, task)
    assert data["v"] == 4 and data["notice"] is None and data["acknowledgement"] is None
    assert data["location"] is None
    assert data["items"][0]["mode"] == "书面检查" and data["items"][0]["materials"] == [A, B]
    assert data["items"][1]["online"] == {"url": "https://shop.example.cn/42",
                                          "checked_at": "2026-03-02T09:30:00+08:00", "screenshots": [C]}
    assert Draft.from_json(draft.to_json()) == draft


def test_an_item_sent_for_testing() -> None:
    task = make_task(items=1)
    draft = Draft.start(task, "2026-03-02T09:00:00+08:00", notice_shown_at="2026-03-02T08:58:00+08:00")
    answer = draft.answer("SP-01")
    answer.result, answer.lab = ItemResult.AWAITING_LAB, {"sample": "大米", "lab": "", "accreditation_no": ""}
    draft.outcome = Outcome.PROBLEM_PENDING
    assert draft.missing(task) == ["事项1：送检须填写样品、检验检测机构和资质认定证书编号"]
    answer.lab = {"sample": "大米 5 kg", "lab": "青岛市产品质量检验研究院", "accreditation_no": "CMA 2015"}
    assert draft.missing(task) == []
    draft.ack.kind = AcknowledgementKind.SIGNED
    draft.ack.name, draft.ack.role, draft.ack.signature = "张三", "店长", A
    data = sign(draft, task)
    assert data["v"] == 4 and data["items"][0]["result"] == "待检测"
    assert data["items"][0]["lab"]["accreditation_no"] == "CMA 2015"
    assert data["acknowledgement"]["covers"], "bound to its content as format 3"
    answer.lab = None
    assert draft.missing(task)[0] == "还有 1 个事项未选择检查结论：事项1", "待检测 without a lab is unanswered"


def test_a_revision_of_an_older_record_keeps_its_format() -> None:
    task = make_task(items=1)
    old = {"v": 1, "items": [{"code": "SP-01", "result": "合格", "note": "", "photos": []}],
           "outcome": "未发现问题", "note": "", "location": None, "started_at": "2026-03-02T09:00:00+08:00",
           "finished_at": "2026-03-02T09:30:00+08:00", "notice": None, "acknowledgement": None}
    draft = Draft.revise(task, old, "2026-03-03T09:00:00+08:00", A)
    assert not draft.modes
    assert Draft.from_json(draft.to_json()).modes is False


def test_a_supervisor_attaches_the_laboratorys_report_from_the_app(app_server: Server) -> None:
    """The supervisor's record screen: the item waiting for its report, a file that is no PDF
    or no number refused before anything is sent, then the report attached and the record in
    review with the report's conclusion as the item's result."""
    inspector, supervisor = enrol_people(app_server)
    service = SupervisorService(app_enrolment(app_server, supervisor, "supervisor"), timeout=10)
    task_id = inspector.tasks()[0]["id"]
    set_items(app_server.db, task_id, ["SC-SP-01"])  # an on-site food item, sent for testing
    task = next(t for t in inspector.tasks() if t["id"] == task_id)
    code = "SC-SP-01"
    lab = LabTest(sample="大米", lab="青岛市产品质量检验研究院", accreditation_no="CMA 2015")
    item = RecordItem(code=code, result="待检测", mode="实地核查", lab=lab)
    envelope, _ = send_signed(inspector, task, items=(item,), covers=True, expect="awaiting_report")
    model = ReviewRecordModel(service, envelope["record"]["id"])
    asyncio.run(model.load())
    assert model.awaited_reports == [code] and model.decisions == ()
    paper = FPDF()
    paper.add_page()
    report = bytes(paper.output())
    assert not asyncio.run(model.attach_report(code, b"not a pdf", "QD-1", "不合格"))
    assert model.error == "文件不是PDF"
    assert not asyncio.run(model.attach_report(code, report, " ", "不合格"))
    assert model.error == s.REPORT_NEED_NUMBER
    assert asyncio.run(model.attach_report(code, report, "QD-2026-0042", "不合格"))
    assert model.done == s.DONE_REPORT and model.detail is not None and model.detail["state"] == "submitted"
    assert model.awaited_reports == [] and model.decisions == ("approve", "return")
    [item] = [i for i in model.items if i.code == code]
    assert item.result == "不合格" and "检验检测报告 QD-2026-0042：不合格" in item.facts
