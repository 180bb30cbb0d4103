"""Three modes per item and lab testing through the real server (issue 27 points 1 and 2): an
office record (书面检查 with a PDF, 网络监测 with its URL and screenshot), its paper saying so;
the item list's mode enforced; bad URLs and PDFs refused; an item sent for testing waiting as
待检测结果 until a supervisor attaches the laboratory's report (who may, replays, conflicts)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from fpdf import FPDF
from pypdf import PdfWriter

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import LabTest, OnlineCheck, RecordItem, b64url_encode, canonical_bytes
from tests.conftest import ServerProcess
from tests.server_stub.api.test_onsite_record import send_signed
from tests.server_stub.api.test_review import enrol_people, other_inspector
from tests.utils.phone import Phone, jpeg
from tests.utils.workload import add_tasks

DOCS, ONLINE_ITEM, ON_SITE = "SC-QYGS-01", "SC-WLJY-01", "SC-SP-01"
LAB = LabTest(sample="散装大米 5 kg（批号 20260301）", lab="青岛市产品质量检验研究院",
              accreditation_no="CMA 201515001234")
URL = "https://shop.example.cn/store/42"


def pdf(text: str = "licence", pages: int = 1) -> bytes:
    paper = FPDF()
    paper.set_font("helvetica")
    for n in range(pages):
        paper.add_page()
        paper.cell(text=f"{text} {n}")
    return bytes(paper.output())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(phone: Phone, data: bytes) -> httpx.Response:
    """Upload a file as the app does (``sync.SyncEngine``: a PDF as application/pdf)."""
    kind = "application/pdf" if data.startswith(b"%PDF") else "image/jpeg"
    return phone.client.put(f"/api/v1/photos/{sha(data)}", content=data, headers={"Content-Type": kind})


def set_items(db: str, task_id: str, codes: list[str]) -> None:
    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(t.tasks.update().where(t.tasks.c.id == task_id).values(items=codes))
    engine.dispose()


@pytest.fixture(scope="module")
def people(shared_server: ServerProcess) -> tuple[Phone, Phone]:
    return enrol_people(shared_server)


@pytest.fixture(scope="module")
def tasks(shared_server: ServerProcess, people: tuple[Phone, Phone]) -> Iterator[str]:
    """Ids of fresh tasks of the inspector's, one per record."""
    ids = add_tasks(shared_server.db, [people[0].inspector_id], 12)[people[0].inspector_id]
    return iter(ids)


def task_with(server: ServerProcess, phone: Phone, tasks: Iterator[str], codes: list[str]) -> dict[str, Any]:
    task_id = next(tasks)
    set_items(server.db, task_id, codes)
    return next(task for task in phone.tasks() if task["id"] == task_id)


def office_items(material: bytes, page: bytes, shot: bytes, **online: Any) -> tuple[RecordItem, ...]:
    return (RecordItem(code=DOCS, result="合格", mode="书面检查", materials=(sha(material), sha(page))),
            RecordItem(code=ONLINE_ITEM, result="不合格", note="首页未亮照亮证", mode="网络监测",
                       online=OnlineCheck(**({"url": URL, "checked_at": "2026-03-02T09:20:00+08:00",
                                              "screenshots": (sha(shot),)} | online))))


def test_an_office_record_and_its_paper(people: tuple[Phone, Phone], tasks: Iterator[str],
                                        shared_server: ServerProcess, tmp_path: Path) -> None:
    inspector, supervisor = people
    task = task_with(shared_server, inspector, tasks, [DOCS, ONLINE_ITEM])
    assert [item["method"] for item in task["items"]] == ["书面检查", "网络监测"]
    material, page, shot = pdf("licence", 3), jpeg(5), jpeg(6)
    answer = put(inspector, material)
    assert answer.status_code == 201, answer.text
    envelope = inspector.record(task, items=office_items(material, page, shot), location=None,
                                outcome="发现问题已责令改正")
    assert envelope["record"]["v"] == 4
    answer = inspector.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "incomplete"
    assert sorted(answer.json()["missing_photos"]) == sorted([sha(page), sha(shot)])
    for data in (page, shot):
        assert put(inspector, data).status_code == 201
    record_id = envelope["record"]["id"]
    assert inspector.client.get(f"/api/v1/records/{record_id}").json()["state"] == "submitted"
    detail = supervisor.client.get(f"/api/v1/review/records/{record_id}").json()
    assert detail["record"]["items"][0]["materials"] == [sha(material), sha(page)]
    assert detail["lab_reports"] == []
    full = supervisor.client.get(f"/api/v1/photos/{sha(material)}")
    assert full.status_code == 200 and full.headers["content-type"] == "application/pdf"
    assert full.content == material
    paper = inspector.client.get(f"/api/v1/records/{record_id}/pdf")
    assert paper.status_code == 200, paper.text
    text = _pdf_text(paper.content, tmp_path)
    for words in ("非现场检查笔录", "在办公场所", "检查方式：书面检查", "检查方式：网络监测", URL,
                  "企业提交的材料（共2份", "网页截图（共1张）", "无需现场出示执法证件"):
        assert words in text, words
    _render(paper.content, tmp_path, "office")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())


def _render(data: bytes, tmp_path: Path, name: str) -> None:
    """The paper as PNG pages for a person to look at (test-artifacts/, when it exists)."""
    artifacts = Path("test-artifacts")
    if shutil.which("pdftoppm") is None or not artifacts.is_dir():
        return
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(artifacts / f"modes-{name}")], check=True)


def test_the_item_lists_mode_and_each_field_are_enforced(people: tuple[Phone, Phone], tasks: Iterator[str],
                                                          shared_server: ServerProcess) -> None:
    inspector = people[0]
    task = task_with(shared_server, inspector, tasks, [DOCS, ONLINE_ITEM])
    material, page, shot = pdf("m"), jpeg(7), jpeg(8)
    swapped = (RecordItem(code=DOCS, result="合格", mode="网络监测", online=OnlineCheck(
        url=URL, checked_at="2026-03-02T09:20:00+08:00", screenshots=(sha(shot),))),
        office_items(material, page, shot)[1])
    chain = inspector.seq, inspector.prev
    answer = inspector.client.post("/api/v1/records", json=inspector.record(
        task, items=swapped, location=None, outcome="发现问题已责令改正"))
    assert answer.status_code == 422, answer.text
    assert "items[0].mode" in answer.json()["error"]["message"] and "书面检查" in answer.json()["error"]["message"]
    inspector.seq, inspector.prev = chain  # refused: the chain did not move
    for field, value, words in (("url", "javascript:alert(1)", "无效"), ("url", "https://a.cn/ x", "空格"),
                                ("screenshots", [], "至少须有一张"), ("checked_at", "2026-03-03T09:00:00+08:00",
                                                                 "不能晚于检查结束时间")):
        envelope = inspector.record(task, items=office_items(material, page, shot), location=None,
                                    outcome="发现问题已责令改正")
        inspector.seq, inspector.prev = chain
        record = envelope["record"]
        record["items"][1]["online"][field] = value  # what a broken or hostile app might sign
        signed = {"record": record, "sig": b64url_encode(inspector.key.sign(canonical_bytes(record))),
                  "key_id": inspector.device_id}  # sync.sign_record would refuse to sign it
        answer = inspector.client.post("/api/v1/records", json=signed)
        assert answer.status_code == 422, answer.text
        assert f"items[1].online.{field}" in answer.json()["error"]["message"] and words in answer.json()["error"]["message"]


@pytest.mark.parametrize("name", ["cut", "garbage", "encrypted", "empty", "html"])
def test_bad_pdfs_are_refused(people: tuple[Phone, Phone], name: str) -> None:
    good = pdf("x", 2)
    encrypted = PdfWriter()
    encrypted.add_blank_page(100, 100)
    encrypted.encrypt("secret")
    out = io.BytesIO()
    encrypted.write(out)
    blank = io.BytesIO()
    PdfWriter().write(blank)
    data = {"cut": good[: len(good) // 2], "garbage": b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF",
            "encrypted": out.getvalue(), "empty": blank.getvalue(),
            "html": b"%PDF-<html><script>alert(1)</script></html>%%EOF"}[name]
    answer = put(people[0], data)
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"]["code"] == "bad_pdf" and "PDF" in answer.json()["error"]["message"]
    assert people[0].client.get(f"/api/v1/photos/{sha(data)}").status_code == 404


def test_a_huge_pdf_is_refused(people: tuple[Phone, Phone]) -> None:
    data = pdf("big") + b"%" + b"x" * (9 * 1024 * 1024) + b"\n%%EOF"
    answer = put(people[0], data)
    assert answer.status_code == 413, answer.text


def test_an_item_sent_for_testing_waits_for_its_report(people: tuple[Phone, Phone], tasks: Iterator[str],
                                                       shared_server: ServerProcess, tmp_path: Path) -> None:
    inspector, supervisor = people
    sent = []
    for n in range(2):
        task = task_with(shared_server, inspector, tasks, [ON_SITE])
        items = (RecordItem(code=ON_SITE, result="待检测", note="抽取样品送检", mode="实地核查", lab=LAB),)
        envelope, _ = send_signed(inspector, task, items=items, covers=True, outcome="发现问题待后续处理",
                                  expect="awaiting_report")
        sent.append(envelope["record"]["id"])
    queue = supervisor.client.get("/api/v1/review/queue", params={"state": "awaiting_report"}).json()
    assert [r["id"] for r in queue["records"]] == sent, "oldest first"
    assert all(r["state"] == "awaiting_report" for r in queue["records"])
    submitted = supervisor.client.get("/api/v1/review/queue").json()["records"]
    assert not set(sent) & {r["id"] for r in submitted}, "not in review before the report"
    record_id = sent[0]
    assert inspector.client.get(f"/api/v1/records/{record_id}").json()["state"] == "awaiting_report"
    report = pdf("report CMA 2026-0042")
    body = {"item": ON_SITE, "sha256": sha(report), "number": "QD-2026-0042", "conclusion": "不合格"}
    url = f"/api/v1/review/records/{record_id}/lab-reports"
    not_uploaded = supervisor.client.post(url, json=body)
    assert not_uploaded.status_code == 422 and not_uploaded.json()["error"]["code"] == "report_not_uploaded"
    # the inspector sends the PDF: still not the supervisor's own upload
    assert put(inspector, report).status_code == 201
    assert supervisor.client.post(url, json=body).json()["error"]["code"] == "report_not_uploaded"
    assert put(supervisor, report).status_code == 200, "stored already: the supervisor's upload noted"
    assert inspector.client.post(url, json=body).status_code == 403, "an inspector attaches nothing"
    # the request's shape is refused with the field's name (400, as every route's); what the
    # record says, as the domain's 422
    for bad, status, code in (({"item": "SC-QYGS-01"}, 422, "not_sent_for_testing"),
                              ({"number": " "}, 422, "bad_report_no"), ({"conclusion": "待检测"}, 400, "bad_request"),
                              ({"number": ""}, 400, "bad_request"), ({"sha256": "x"}, 400, "bad_request")):
        answer = supervisor.client.post(url, json=body | bad)
        assert answer.status_code == status and answer.json()["error"]["code"] == code, (bad, answer.text)
        assert status == 422 or next(iter(bad)) in answer.json()["error"]["message"]
    answer = supervisor.client.post(url, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"record_id": record_id, "item": ON_SITE, "state": "submitted"}
    replay = supervisor.client.post(url, json=body)
    assert replay.status_code == 200 and replay.json()["state"] == "submitted", "a replay changes nothing"
    other = supervisor.client.post(url, json=body | {"number": "QD-2026-0099"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "report_attached"
    detail = supervisor.client.get(f"/api/v1/review/records/{record_id}").json()
    assert detail["state"] == "submitted"
    [line] = detail["lab_reports"]
    assert line["item"] == ON_SITE and line["report"]["number"] == "QD-2026-0042"
    assert line["report"]["conclusion"] == "不合格" and line["report"]["sha256"] == sha(report)
    queue = supervisor.client.get("/api/v1/review/queue", params={"state": "awaiting_report"}).json()
    assert [r["id"] for r in queue["records"]] == sent[1:]
    # the inspector on the team sees the report; the paper names it and the result follows it
    assert inspector.client.get(f"/api/v1/photos/{sha(report)}").status_code == 200
    text = _pdf_text(inspector.client.get(f"/api/v1/records/{record_id}/pdf").content, tmp_path)
    for words in ("不合格（依检验检测报告）", "QD-2026-0042", "CMA201515001234", "散装大米"):
        assert words in text, words
    _render(inspector.client.get(f"/api/v1/records/{record_id}/pdf").content, tmp_path, "lab")
    pending = _pdf_text(inspector.client.get(f"/api/v1/records/{sent[1]}/pdf").content, tmp_path)
    assert "待检测结果：报告出具后附入记录" in pending
    # the supervisor's export counts the item by the report's conclusion, or as 待检测 until then
    book = openpyxl.load_workbook(io.BytesIO(supervisor.client.get("/api/v1/review/export").content))
    header = [c.value for c in book["检查记录"][1]]
    records = {row[0]: dict(zip(header, row, strict=True))
               for row in book["检查记录"].iter_rows(min_row=2, values_only=True)}
    assert [records[record_id][k] for k in ("事项数", "合格", "不合格", "待检测")] == [1, 0, 1, 0]
    assert records[record_id]["不合格事项"], "the item the laboratory failed is named"
    assert [records[sent[1]][k] for k in ("事项数", "不合格", "待检测")] == [1, 0, 1]
    header = [c.value for c in book["检查事项"][1]]
    lines = {row[0]: dict(zip(header, row, strict=True))
             for row in book["检查事项"].iter_rows(min_row=2, values_only=True)}
    assert (lines[record_id]["检查结果"], lines[record_id]["检验检测报告编号"]) == ("不合格", "QD-2026-0042")
    assert lines[record_id]["检验检测机构"] == LAB.lab
    assert (lines[sent[1]]["检查结果"], lines[sent[1]]["检验检测报告编号"]) == ("待检测", None)
    # the audit trail holds the act, once (the replay wrote nothing), by the supervisor
    engine = make_engine(shared_server.db)
    with engine.begin() as conn:
        people_acting = conn.execute(sa.select(t.audit_acts.c.person).where(
            t.audit_acts.c.kind == "review.lab_report", t.audit_acts.c.object_id == record_id)).scalars().all()
    engine.dispose()
    assert len(people_acting) == 1 and supervisor.inspector_id in people_acting[0]


def test_a_report_for_another_departments_record(people: tuple[Phone, Phone], tasks: Iterator[str],
                                                  shared_server: ServerProcess) -> None:
    inspector = people[0]
    task = task_with(shared_server, inspector, tasks, [ON_SITE])
    items = (RecordItem(code=ON_SITE, result="待检测", note="送检", mode="实地核查", lab=LAB),)
    envelope, _ = send_signed(inspector, task, items=items, covers=True, outcome="发现问题待后续处理",
                              expect="awaiting_report")
    stranger = Phone(shared_server, other_inspector(shared_server, "威海市应急管理局", set())).enroll("supervisor")
    report = pdf("stranger's report")
    assert put(stranger, report).status_code == 201
    answer = stranger.client.post(f"/api/v1/review/records/{envelope['record']['id']}/lab-reports", json={
        "item": ON_SITE, "sha256": sha(report), "number": "X-1", "conclusion": "合格"})
    assert answer.status_code == 404, answer.text
    assert stranger.client.get("/api/v1/review/queue", params={"state": "awaiting_report"}).json()["records"] == []
