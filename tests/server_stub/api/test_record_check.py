"""The paper and its public check (issue 24): every time on the 现场检查笔录 PDF and on ``/r/{id}``
is 北京时间, labelled, whatever offset the phone wrote and the host's zone (point 1); ``/r/{id}``
says what the paper is worth later: superseded by a revision (linked), withdrawn, corrected, and
the result exactly as the public results show it (point 3)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync import Acknowledgement, RecordItem, canonical_bytes
from tests.conftest import ServerProcess
from tests.server_stub.api.test_onsite_record import notice, send_signed
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import Phone
from tests.utils.workload import add_tasks

RAW_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|[+-]\d\d:\d\d\b|\d\d:\d\d:\d\dZ")
CURRENT = "✓ 这是一份真实的现场检查笔录"
LATER = "公示后，本页还将显示"


@pytest.fixture(scope="module")
def people(shared_server: ServerProcess) -> tuple[Phone, Phone]:
    return enrol_people(shared_server)


@pytest.fixture(scope="module")
def tasks(shared_server: ServerProcess, people: tuple[Phone, Phone]) -> Iterator[dict[str, Any]]:
    add_tasks(shared_server.db, [people[0].inspector_id], 12)
    return iter(people[0].tasks())


@pytest.fixture
def utc_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's zone is UTC, so the host's zone cannot put China time anywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def page(server: ServerProcess, record_id: str, **params: str) -> str:
    answer = httpx.get(f"{server.url}/r/{record_id}", params=params)
    assert answer.status_code == 200, answer.text
    return re.sub(r"\s+", " ", answer.text)


def public_result(server: ServerProcess, record_id: str) -> dict[str, Any] | None:
    for number in range(1, 50):
        results = httpx.get(f"{server.url}/api/v1/public/results",
                            params={"page": number}).json()["results"]
        if not results:
            return None
        for result in results:
            if result["id"] == record_id:
                return result  # type: ignore[no-any-return]
    return None


def approve(supervisor: Phone, record_id: str) -> None:
    answer = supervisor.client.post(f"/api/v1/review/records/{record_id}/approve", json={})
    assert answer.status_code == 204, answer.text


def assert_shows_result_as_public(server: ServerProcess, record_id: str, text: str) -> None:
    shown = public_result(server, record_id)
    assert shown is not None
    assert f"检查结果：<b>{shown['result']}</b>" in text, shown["result"]
    if shown["remarks"]:
        assert shown["remarks"] in text
    listed = re.sub(r"\s+", " ", httpx.get(f"{server.url}/results").text)
    assert shown["result"] in listed


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils 未安装")
def test_a_record_signed_in_utc_prints_china_time(people: tuple[Phone, Phone],
                                                  tasks: Iterator[dict[str, Any]],
                                                  shared_server: ServerProcess, utc_host: None,
                                                  tmp_path: Path) -> None:
    """Point 1: a web client on a UTC host writes +00:00; the paper and the check say 北京时间."""
    inspector, supervisor = people
    task = next(tasks)
    envelope, _ = send_signed(inspector, task, started_at="2026-03-02T01:00:00+00:00",
                              finished_at="2026-03-02T01:40:00+00:00",
                              notice=notice(task, "2026-03-02T00:58:00+00:00"))
    record_id = envelope["record"]["id"]
    for reader in (inspector, supervisor):
        paper = reader.client.get(f"/api/v1/records/{record_id}/pdf")
        assert paper.status_code == 200, paper.text
        path = tmp_path / "paper.pdf"
        path.write_bytes(paper.content)
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], check=True,
                                                 capture_output=True, text=True).stdout)
        assert "2026-03-0209:00至2026-03-0209:40（北京时间）" in text
        assert "2026-03-0208:58（北京时间），检查人员向被检查对象出示了执法证件" in text
        assert "签名时间：2026-03-0209:40（北京时间）" in text
        assert "01:00" not in text and "01:40" not in text and "00:58" not in text
    approve(supervisor, record_id)
    checked = page(shared_server, record_id)
    assert "签名时间：2026-03-02 09:40（北京时间）" in checked
    assert not RAW_ISO.search(checked), RAW_ISO.search(checked)


def test_a_revised_record_names_and_links_its_revision(people: tuple[Phone, Phone],
                                                       tasks: Iterator[dict[str, Any]],
                                                       shared_server: ServerProcess) -> None:
    """Point 3: the paper the enterprise keeps is of the original; once it is returned and a
    revision is published, its QR says so and leads to the revision, whose result is /results'."""
    inspector, supervisor = people
    task = next(tasks)
    failing = tuple(RecordItem(code=i["code"], result="不合格", note="现场发现问题") for i in task["items"])
    original, _ = send_signed(inspector, task, items=failing, outcome="发现问题待后续处理")
    first = original["record"]
    digest = hashlib.sha256(canonical_bytes(first)).hexdigest()
    before = page(shared_server, first["id"], h=digest)
    assert CURRENT in before and LATER in before, "genuine and current before review"
    answer = supervisor.client.post(f"/api/v1/review/records/{first['id']}/return",
                                    json={"comment": "请补充说明"})
    assert answer.status_code == 204
    returned = page(shared_server, first["id"], h=digest)
    assert CURRENT not in returned and LATER not in returned and "已退回修改" in returned

    ack = Acknowledgement(kind="signed", name="张三", role="店长", statement="对检查结果无异议",
                          signature=first["acknowledgement"]["signature"])
    revision = inspector.record(task, supersedes=digest, revised_at="2026-03-05T07:00:00+00:00",
                                note="补充说明", items=failing, outcome="发现问题待后续处理",
                                notice=notice(task), acknowledgement=ack)
    answer = inspector.client.post("/api/v1/records", json=revision)
    assert answer.status_code == 201, answer.text
    second = revision["record"]["id"]
    approve(supervisor, second)
    closed = supervisor.client.post(f"/api/v1/followups/{second}/close",
                                    json={"disposal": "责令改正", "disposal_date": "2026-03-10"})
    assert closed.status_code == 204, closed.text

    old = page(shared_server, first["id"], h=digest)
    assert CURRENT not in old and LATER not in old
    assert "已被修订" in old and f'href="/r/{second}"' in old
    assert "执法终端的电子签名有效" in old and "未被改动" in old, "the paper is still genuine"
    assert task["entity"]["name"] not in old, "its result is the revision's, shown there"

    new = page(shared_server, second)
    assert CURRENT in new and "发现问题经责令已改正" in new and "发现问题待后续处理）" in new
    assert "修订时间" not in new or "北京时间" in new
    assert_shows_result_as_public(shared_server, second, new)
    assert not RAW_ISO.search(new)


def test_a_withdrawn_result_says_so(people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]],
                                    shared_server: ServerProcess) -> None:
    inspector, supervisor = people
    envelope, _ = send_signed(inspector, next(tasks))
    record_id = envelope["record"]["id"]
    approve(supervisor, record_id)
    assert CURRENT in page(shared_server, record_id)
    answer = supervisor.client.post(f"/api/v1/review/records/{record_id}/withdraw",
                                    json={"reason": "检查对象有误"})
    assert answer.status_code == 201, answer.text
    text = page(shared_server, record_id)
    assert "已撤回" in text and "检查对象有误" in text and "（北京时间）" in text
    assert CURRENT not in text and LATER not in text and "检查结果：" not in text
    assert not RAW_ISO.search(text)


def test_a_corrected_result_says_so_and_shows_the_correction(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]],
        shared_server: ServerProcess) -> None:
    inspector, supervisor = people
    task = next(tasks)
    failing = tuple(RecordItem(code=i["code"], result="不合格", note="现场发现问题") for i in task["items"])
    envelope, _ = send_signed(inspector, task, items=failing, outcome="发现问题已责令改正")
    record_id = envelope["record"]["id"]
    approve(supervisor, record_id)
    answer = supervisor.client.post(f"/api/v1/review/records/{record_id}/correct",
                                    json={"outcome": "发现问题待后续处理", "reason": "录入有误"})
    assert answer.status_code == 201, answer.text
    text = page(shared_server, record_id)
    assert "已更正" in text and "录入有误" in text and "原检查结果：发现问题已责令改正" in text
    assert "检查结果：<b>发现问题待后续处理</b>" in text
    assert_shows_result_as_public(shared_server, record_id, text)
