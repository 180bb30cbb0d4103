"""The 现场检查笔录 through the real server (issue 14): each kind of acknowledgement and its
validation, the signature PNG's limits, a record from an older app, a revision's two times, the
PDF route and the public check ``/r/{id}`` (who may see what)."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import subprocess
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from sync import Acknowledgement, Notice, TeamMember, Witness, b64url_encode, canonical_bytes
from tests.conftest import ServerProcess
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import Phone, jpeg
from tests.utils.workload import add_tasks

UNREACHABLE = "通过登记的住所（经营场所）无法联系"


def signature_png(seed: int = 0) -> bytes:
    image = Image.new("L", (600, 340), 255)
    ImageDraw.Draw(image).line([(40, 250), (200, 80 + seed), (400, 260), (560, 90)], fill=0, width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def notice(task: dict[str, Any], shown_at: str = "2026-03-02T08:58:00+08:00") -> Notice:
    return Notice(shown_at=shown_at, inspectors=tuple(
        TeamMember(m["id"], m["name"], m["badge_no"]) for m in task["team"]))


def put(phone: Phone, data: bytes) -> httpx.Response:
    return phone.client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)


@pytest.fixture(scope="module")
def people(shared_server: ServerProcess) -> tuple[Phone, Phone]:
    return enrol_people(shared_server)


@pytest.fixture(scope="module")
def tasks(shared_server: ServerProcess, people: tuple[Phone, Phone]) -> Iterator[dict[str, Any]]:
    """A fresh task of the inspector's for every record the module sends (a task takes one
    record, issue 23): their three, then forty added."""
    inspector = people[0]
    add_tasks(shared_server.db, [inspector.inspector_id], 40)
    return iter(inspector.tasks())


def send_signed(phone: Phone, task: dict[str, Any], *, expect: str = "submitted",
                **changes: Any) -> tuple[dict[str, Any], bytes]:
    """A record the representative signed, its signature PNG sent first; (envelope, png).
    ``expect``: its state once received (an item sent for testing: awaiting_report)."""
    png = signature_png(phone.seq)
    assert put(phone, png).status_code == 201
    ack = Acknowledgement(kind="signed", name="张三", role="店长", statement="对检查结果无异议",
                          signature=hashlib.sha256(png).hexdigest())
    changes.setdefault("notice", notice(task))
    envelope = phone.record(task, acknowledgement=ack, **changes)
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == expect, "the signature counts as the record's file"
    return envelope, png


def test_a_signed_record_its_pdf_and_its_public_check(people: tuple[Phone, Phone],
                                                      tasks: Iterator[dict[str, Any]],
                                                      shared_server: ServerProcess,
                                                      tmp_path: Path) -> None:
    inspector, supervisor = people
    task = next(tasks)
    envelope, png = send_signed(inspector, task)
    record = envelope["record"]
    detail = supervisor.client.get(f"/api/v1/review/records/{record['id']}").json()
    assert detail["record"]["acknowledgement"]["name"] == "张三"
    assert detail["record"]["notice"]["inspectors"][0]["badge_no"] == task["team"][0]["badge_no"]
    image = supervisor.client.get(f"/api/v1/photos/{record['acknowledgement']['signature']}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == png

    for reader in (inspector, supervisor):
        paper = reader.client.get(f"/api/v1/records/{record['id']}/pdf")
        assert paper.status_code == 200, paper.text
        assert paper.headers["content-type"] == "application/pdf"
        assert paper.content.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "paper.pdf"
        path.write_bytes(paper.content)
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], check=True,
                                                 capture_output=True, text=True).stdout)
        assert task["entity"]["name"] in text and "未发现问题" in text and "张三（店长）" in text
        assert all(item["name"] in text for item in task["items"])
    assert httpx.get(f"{shared_server.url}/api/v1/records/{record['id']}/pdf").status_code == 401
    stranger = Phone(shared_server, supervisor.inspector_id).enroll()  # an inspector's role
    assert stranger.client.get(f"/api/v1/records/{record['id']}/pdf").status_code == 404

    digest = hashlib.sha256(b"").hexdigest()
    check = httpx.get(f"{shared_server.url}/r/{record['id']}",
                      params={"h": detail["hash"]})
    assert check.status_code == 200 and "真实的现场检查笔录" in check.text and "未被改动" in check.text
    assert task["entity"]["name"] not in check.text and task["credit_code"] not in check.text
    assert inspector.device_id not in check.text, "unpublished: genuine or not, nothing more"
    forged = httpx.get(f"{shared_server.url}/r/{record['id']}", params={"h": digest})
    assert forged.status_code == 200 and "不一致" in forged.text
    garbage = httpx.get(f"{shared_server.url}/r/{record['id']}", params={"h": "<script>"})
    assert "不一致" in garbage.text and "<script>" not in garbage.text
    made_up = httpx.get(f"{shared_server.url}/r/{uuid.uuid4()}")
    assert made_up.status_code == 404 and "未找到该检查笔录" in made_up.text

    answer = supervisor.client.post(f"/api/v1/review/records/{record['id']}/approve", json={})
    assert answer.status_code == 204, answer.text
    published = httpx.get(f"{shared_server.url}/r/{record['id']}")
    assert task["entity"]["name"] in published.text and inspector.device_id in published.text
    assert "2026-03-02 09:40（北京时间）" in published.text and "+08:00" not in published.text


def refusal(photos: tuple[str, ...]) -> Acknowledgement:
    return Acknowledgement(kind="refused", note="负责人拒绝签字", witness=Witness("赵六", "某某社区居委会"),
                           photos=photos)


def test_a_refusal_needs_a_witness_and_a_photo(people: tuple[Phone, Phone],
                                               tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    photo = jpeg(901)
    assert put(inspector, photo).status_code == 201
    sha = hashlib.sha256(photo).hexdigest()
    envelope = inspector.record(task, notice=notice(task), acknowledgement=refusal((sha,)))
    answer = inspector.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201, answer.text
    detail = supervisor.client.get(f"/api/v1/review/records/{envelope['record']['id']}").json()
    assert detail["record"]["acknowledgement"]["witness"] == {"name": "赵六", "unit": "某某社区居委会"}
    assert supervisor.client.get(f"/api/v1/photos/{sha}").status_code == 200

    for changes, words in (({"photos": []}, "至少一张照片"), ({"witness": None}, "须有见证人"),
                           ({"witness": {"name": "赵六", "unit": ""}}, "单位或身份证号不能为空")):
        answer = send_refused(inspector, task, notice=notice(task).to_json(),
                              acknowledgement=refusal((sha,)).to_json() | changes)
        assert answer.status_code == 422 and words in answer.json()["error"]["message"], answer.text


def send_refused(phone: Phone, task: dict[str, Any], **raw: Any) -> httpx.Response:
    """Sign and send what ``sync.Record`` would refuse to build (``raw`` replaces fields of a
    valid record's JSON): the platform must refuse it too. The phone's chain is rewound after."""
    seq, prev = phone.seq, phone.prev
    record = phone.record(task, acknowledgement=Acknowledgement(kind="absent"),
                          outcome=UNREACHABLE)["record"] | raw
    envelope = {"record": record, "key_id": phone.device_id,
                "sig": b64url_encode(phone.key.sign(canonical_bytes(record)))}
    answer = phone.client.post("/api/v1/records", json=envelope)
    phone.seq, phone.prev = seq, prev
    return answer


def test_nobody_present_fits_only_the_unreachable_outcomes(people: tuple[Phone, Phone],
                                                           tasks: Iterator[dict[str, Any]]) -> None:
    inspector = people[0]
    task = next(tasks)
    answer = send_refused(inspector, task, outcome="发现问题待后续处理")
    assert answer.status_code == 422 and "无人在场" in answer.json()["error"]["message"]
    envelope = inspector.record(task, acknowledgement=Acknowledgement(kind="absent"), outcome=UNREACHABLE)
    assert inspector.client.post("/api/v1/records", json=envelope).status_code == 201


def test_a_record_from_an_older_app_is_accepted_and_shown_without_acknowledgement(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]], tmp_path: Path) -> None:
    inspector, _ = people
    task = next(tasks)
    envelope = inspector.record(task)
    assert envelope["record"]["v"] == 1 and "acknowledgement" not in envelope["record"]
    assert inspector.client.post("/api/v1/records", json=envelope).status_code == 201
    paper = inspector.client.get(f"/api/v1/records/{envelope['record']['id']}/pdf")
    assert paper.status_code == 200
    if shutil.which("pdftotext"):
        path = tmp_path / "old.pdf"
        path.write_bytes(paper.content)
        text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert "无企业确认" in text


def png_header(width: int, height: int) -> bytes:
    head = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + head + struct.pack(">I", zlib.crc32(head))


@pytest.mark.parametrize(("data", "status", "words"), [
    (signature_png() + b"\0" * (256 * 1024), 413, "签名图片过大"),
    (png_header(100_000, 100_000) + b"\0" * 100, 413, "尺寸"),
    (png_header(600, 300) + b"garbage that is no image data", 415, "签名图片已损坏"),
    (b"GIF89a" + b"\0" * 100, 415, "不是JPEG照片"),
])
def test_a_bad_signature_image_gets_a_clear_answer(people: tuple[Phone, Phone], data: bytes,
                                                   status: int, words: str) -> None:
    answer = put(people[0], data)
    assert answer.status_code == status and words in answer.json()["error"]["message"], answer.text


def test_a_revision_keeps_the_visit_and_carries_its_own_time(people: tuple[Phone, Phone],
                                                             tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original, _ = send_signed(inspector, task)
    first = original["record"]
    answer = supervisor.client.post(f"/api/v1/review/records/{first['id']}/return",
                                    json={"comment": "请补充说明"})
    assert answer.status_code == 204
    supersedes = hashlib.sha256(canonical_bytes(first)).hexdigest()
    kept = {"notice": notice(task), "acknowledgement": Acknowledgement(
        kind="signed", name="张三", role="店长", statement="对检查结果无异议",
        signature=first["acknowledgement"]["signature"])}
    seq, prev = inspector.seq, inspector.prev
    moved = inspector.record(task, supersedes=supersedes, revised_at="2026-03-05T15:00:00+08:00",
                             started_at="2026-03-05T14:30:00+08:00",
                             finished_at="2026-03-05T14:50:00+08:00", **kept)
    answer = inspector.client.post("/api/v1/records", json=moved)
    assert answer.status_code == 422 and "开始时间、结束时间" in answer.json()["error"]["message"]
    inspector.seq, inspector.prev = seq, prev
    revision = inspector.record(task, supersedes=supersedes, revised_at="2026-03-05T15:00:00+08:00",
                                note="补充说明", **kept)
    answer = inspector.client.post("/api/v1/records", json=revision)
    assert answer.status_code == 201, answer.text
    detail = supervisor.client.get(f"/api/v1/review/records/{revision['record']['id']}").json()
    assert detail["record"]["started_at"] == first["started_at"]
    assert detail["record"]["finished_at"] == first["finished_at"]
    assert detail["record"]["revised_at"] == "2026-03-05T15:00:00+08:00"


def test_a_recusal_goes_back_to_the_supervisors_with_its_reason(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]],
        shared_server: ServerProcess) -> None:
    inspector, supervisor = people
    task = next(tasks)
    withdrawn = task["team"][-1]["id"]
    body = {"id": str(uuid.uuid4()), "inspector_id": withdrawn, "reason": "该检查人员系企业负责人亲属",
            "requested_at": "2026-03-02T09:05:00+08:00"}
    url = f"/api/v1/tasks/{task['id']}/recusals"
    assert inspector.client.post(url, json=body).status_code == 201
    assert inspector.client.post(url, json=body).status_code == 200, "safe to repeat"
    assert inspector.client.post(url, json=body | {"reason": "别的理由"}).status_code == 409
    for bad in ({"inspector_id": "NOBODY"}, {"reason": "  "}, {"requested_at": "昨天"},
                {"id": "not-a-uuid"}):
        answer = inspector.client.post(url, json=body | {"id": str(uuid.uuid4())} | bad)
        assert answer.status_code == 422 and answer.json()["error"]["message"], answer.text
    assert inspector.client.post("/api/v1/tasks/NO-SUCH-TASK/recusals", json=body).status_code == 404
    outsider = Phone(shared_server, supervisor.inspector_id).enroll()  # on no team of these tasks
    assert outsider.client.post(url, json=body | {"id": str(uuid.uuid4())}).status_code == 404

    listed = supervisor.client.get("/api/v1/review/recusals")
    assert listed.status_code == 200
    found = [r for r in listed.json()["recusals"] if r["id"] == body["id"]]
    assert found and found[0]["reason"] == body["reason"] and found[0]["inspector_id"] == withdrawn
    assert found[0]["entity_name"] == task["entity"]["name"]
    assert inspector.client.get("/api/v1/review/recusals").status_code == 403


def test_a_photo_named_but_sent_by_another_device_stays_off_the_paper(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]],
        shared_server: ServerProcess) -> None:
    inspector, supervisor = people
    task = next(tasks)
    other = Phone(shared_server, supervisor.inspector_id).enroll()
    theirs = jpeg(4242, (320, 240))
    assert put(other, theirs).status_code == 201
    envelope = inspector.record(task, photos=[theirs], acknowledgement=Acknowledgement(kind="absent"),
                                outcome=UNREACHABLE)
    answer = inspector.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201 and answer.json()["state"] == "incomplete"
    paper = inspector.client.get(f"/api/v1/records/{envelope['record']['id']}/pdf")
    assert paper.status_code == 200
    assert paper.content.count(b"/Subtype /Image") == 1, "the QR code only, not their photo"
    assert put(inspector, theirs).status_code == 200  # now sent by the record's own device too
    paper = inspector.client.get(f"/api/v1/records/{envelope['record']['id']}/pdf")
    assert paper.content.count(b"/Subtype /Image") == 2
