"""A revision does not borrow the enterprise's signature (issue 24 point 2), through the real
server: a revision keeping the visit's acknowledgement over changed findings is accepted and
marked 修订内容未经企业确认 on review, on its public check and on its paper, beside the version the
enterprise signed; a new acknowledgement on the revision must cover it and be newly signed; a
mistyped place may be corrected; records from apps before format 3 keep working."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync import Acknowledgement, Location, RecordItem, canonical_bytes, content_hash
from tests.conftest import ServerProcess
from tests.server_stub.api.test_onsite_record import notice, put, signature_png
from tests.server_stub.api.test_record_check import approve, page, public_result
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import Phone
from tests.utils.workload import add_tasks

REVISED_AT = "2026-03-05T15:00:00+08:00"


@pytest.fixture(scope="module")
def people(shared_server: ServerProcess) -> tuple[Phone, Phone]:
    return enrol_people(shared_server)


@pytest.fixture(scope="module")
def tasks(shared_server: ServerProcess, people: tuple[Phone, Phone]) -> Iterator[dict[str, Any]]:
    add_tasks(shared_server.db, [people[0].inspector_id], 12)
    return iter(people[0].tasks())


def signed(phone: Phone, seed: int) -> Acknowledgement:
    png = signature_png(seed)
    assert put(phone, png).status_code in (200, 201)
    return Acknowledgement(kind="signed", name="张三", role="店长", statement="对检查结果无异议",
                           signature=hashlib.sha256(png).hexdigest())


def returned(people: tuple[Phone, Phone], task: dict[str, Any], *, covers: bool = True
             ) -> dict[str, Any]:
    """A signed first record (format 3 unless ``covers`` is False), sent and returned."""
    inspector, supervisor = people
    envelope = inspector.record(task, notice=notice(task), acknowledgement=signed(inspector, 0),
                                covers=covers)
    assert inspector.client.post("/api/v1/records", json=envelope).status_code == 201
    record = envelope["record"]
    answer = supervisor.client.post(f"/api/v1/review/records/{record['id']}/return",
                                    json={"comment": "第一项结论有误"})
    assert answer.status_code == 204
    return record


def failed_items(task: dict[str, Any]) -> tuple[RecordItem, ...]:
    return tuple(RecordItem(code=item["code"], result="不合格" if n == 0 else "合格",
                            note="冷藏柜温度超标" if n == 0 else "")
                 for n, item in enumerate(task["items"]))


def revise(phone: Phone, task: dict[str, Any], original: dict[str, Any], **changes: Any
           ) -> dict[str, Any]:
    kept = {"notice": notice(task), "supersedes": hashlib.sha256(canonical_bytes(original)).hexdigest(),
            "revised_at": REVISED_AT}
    return phone.record(task, **(kept | changes))


def kept(original: dict[str, Any]) -> Acknowledgement:
    """The acknowledgement of ``original`` as a revision carries it over (``covers`` and all)."""
    return Acknowledgement(**{**original["acknowledgement"], "kind": "signed"})


def unconfirmed_revision(phone: Phone, task: dict[str, Any], original: dict[str, Any]
                         ) -> dict[str, Any]:
    """A revision that fails the first item under the visit's acknowledgement, kept as given."""
    return revise(phone, task, original, acknowledgement=kept(original),
                  covers=original["acknowledgement"]["covers"], items=failed_items(task),
                  outcome="发现问题待后续处理")


def post(phone: Phone, envelope: dict[str, Any]) -> tuple[int, str]:
    answer = phone.client.post("/api/v1/records", json=envelope)
    if answer.status_code >= 400:  # the phone's chain goes on from before the refused record
        phone.seq, phone.prev = envelope["record"]["seq"] - 1, envelope["record"]["prev"]
    return answer.status_code, answer.text


def test_changed_findings_under_the_visits_signature_are_marked_unconfirmed(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]], shared_server: ServerProcess,
        tmp_path: Path) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original = returned(people, task)
    revision = unconfirmed_revision(inspector, task, original)
    status, text = post(inspector, revision)
    assert status == 201, text
    rid = revision["record"]["id"]
    detail = supervisor.client.get(f"/api/v1/review/records/{rid}").json()
    assert detail["confirmation"] == {"confirmed": False, "signed_version": original["id"]}
    page = inspector.client.get(f"/r/{rid}").text
    assert "修订内容未经企业确认" in page and f"/r/{original['id']}" in page
    first = supervisor.client.get(f"/api/v1/review/records/{original['id']}").json()
    assert first["confirmation"] == {"confirmed": True, "signed_version": None}
    assert "修订内容未经企业确认" not in inspector.client.get(f"/r/{original['id']}").text
    pdf = supervisor.client.get(f"/api/v1/records/{rid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "revision.pdf"
        path.write_bytes(pdf.content)
        words = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], check=True,
                                                  capture_output=True, text=True).stdout)
        assert "修订内容未经企业确认" in words and "原笔录上的签名" in words
        assert "以上笔录已阅，情况属实" not in words, "the signature is not put under new findings"
        artifacts = Path("test-artifacts")
        artifacts.mkdir(exist_ok=True)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(path),
                            str(artifacts / "revision-unconfirmed")], check=True)


def test_the_enterprise_may_sign_the_revision_anew_but_not_with_the_old_signature(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original = returned(people, task)
    reused = Acknowledgement(kind="signed", name="张三", role="店长", statement="同意修订",
                             signature=original["acknowledgement"]["signature"])
    status, text = post(inspector, revise(inspector, task, original, acknowledgement=reused,
                                          covers=True, items=failed_items(task),
                                          outcome="发现问题待后续处理"))
    assert status == 422 and "revision_reuses_signature" in text, text
    forged = revise(inspector, task, original, acknowledgement=signed(inspector, 7),
                    covers=hashlib.sha256(b"other").hexdigest(), items=failed_items(task),
                    outcome="发现问题待后续处理")
    status, text = post(inspector, forged)
    assert status == 422 and "企业确认" in text, "an answer covering neither version is refused"
    fresh = revise(inspector, task, original, acknowledgement=signed(inspector, 7), covers=True,
                   items=failed_items(task), outcome="发现问题待后续处理")
    status, text = post(inspector, fresh)
    assert status == 201, text
    detail = supervisor.client.get(f"/api/v1/review/records/{fresh['record']['id']}").json()
    assert detail["confirmation"] == {"confirmed": True, "signed_version": None}
    assert "修订内容未经企业确认" not in inspector.client.get(f"/r/{fresh['record']['id']}").text


def test_a_revision_may_correct_the_place_but_not_the_time(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original = returned(people, task)
    kept_ack = kept(original)
    covers = original["acknowledgement"]["covers"]
    moved_time = revise(inspector, task, original, acknowledgement=kept_ack, covers=covers,
                        finished_at="2026-03-02T09:50:00+08:00")
    status, text = post(inspector, moved_time)
    assert status == 422 and "结束时间" in text
    place = Location(lat=37.4912, lon=122.1157, accuracy_m=None, source="typed")
    moved = revise(inspector, task, original, acknowledgement=kept_ack, covers=covers,
                   location=place)
    status, text = post(inspector, moved)
    assert status == 201, text
    detail = supervisor.client.get(f"/api/v1/review/records/{moved['record']['id']}").json()
    assert detail["record"]["location"]["lat"] == 37.4912
    assert detail["confirmation"]["confirmed"] is False, "the enterprise saw the other place"


def test_records_of_apps_before_format_3_still_work_and_are_judged_by_their_chain(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original = returned(people, task, covers=False)
    assert original["v"] == 2
    kept_ack = kept(original)
    old_app = revise(inspector, task, original, acknowledgement=kept_ack,
                     items=failed_items(task), outcome="发现问题待后续处理")
    assert old_app["record"]["v"] == 2
    status, text = post(inspector, old_app)
    assert status == 201, text
    detail = supervisor.client.get(f"/api/v1/review/records/{old_app['record']['id']}").json()
    assert detail["confirmation"] == {"confirmed": False, "signed_version": original["id"]}

    task = next(tasks)
    original = returned(people, task, covers=False)
    kept_ack = kept(original)
    bound = revise(inspector, task, original, acknowledgement=kept_ack,
                   covers=content_hash(original), note="补充说明")
    status, text = post(inspector, bound)
    assert status == 201, text
    detail = supervisor.client.get(f"/api/v1/review/records/{bound['record']['id']}").json()
    assert detail["confirmation"]["confirmed"] is False, "its note differs from what was signed"


def test_an_unconfirmed_revision_is_published_saying_so(
        people: tuple[Phone, Phone], tasks: Iterator[dict[str, Any]],
        shared_server: ServerProcess) -> None:
    inspector, supervisor = people
    task = next(tasks)
    original = returned(people, task)
    revision = unconfirmed_revision(inspector, task, original)
    assert post(inspector, revision)[0] == 201
    rid = revision["record"]["id"]
    approve(supervisor, rid)
    shown = public_result(shared_server, rid)
    assert shown is not None and shown["remarks"].startswith("修订内容未经企业确认"), shown
    text = page(shared_server, rid)
    assert "修订内容未经企业确认" in text and shown["result"] in text
