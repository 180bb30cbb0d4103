"""Issue 11 against a real server process: what an attacker tried, each refused.

A device signs only as itself; nobody reviews their own inspection; inactive staff lose access at
once; photos are seen only by those who may see their record; crafted bodies get a 4xx; feedback
and enrolment guessing are rate-limited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.field.enrollment import ALPHABET
from sync import make_token, new_record_id, read_token, sign_record
from tests.conftest import Server, running_server
from tests.server_stub.api.test_review import enrol_people, other_inspector, submit
from tests.utils.phone import Phone, admin_client, busiest_inspector, jpeg


@pytest.fixture
def server(app_server: Server) -> Server:
    """A fresh server for each test, in this process: every test here is about the platform's rules, none about its process."""
    return app_server


def error_code(answer: httpx.Response) -> str:
    code: str = answer.json()["error"]["code"]
    return code


# --- 1. a record's signer is its device ----------------------------------------------------


def test_a_device_cannot_sign_under_another_device_id(server: Server) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    tasks = phone.tasks()
    first = phone.record(tasks[0])
    assert phone.client.post("/api/v1/records", json=first).status_code == 201
    deleted = phone.record(tasks[1])  # seq 2, "deleted on the phone": a gap the platform reports
    third = phone.client.post("/api/v1/records", json=phone.record(tasks[2]))
    assert third.json()["chain"]["gaps"] == [[2, 2]]

    # Fill the gap afterwards under a made-up device id, with the real chain's prev.
    invented = dict(deleted["record"], device_id="Dinvented0000001")
    gap_fill = sign_record(invented, phone.key, "Dinvented0000001")
    # Fork the chain: a second seq 1 under another id.
    fork = sign_record(dict(first["record"], id=new_record_id(), device_id="Dfork00000000001"),
                       phone.key, "Dfork00000000001")
    # The envelope's key id names this device, the record another one.
    mixed = {"record": invented, "sig": gap_fill["sig"], "key_id": phone.device_id}
    for envelope in (gap_fill, fork, mixed):
        answer = phone.client.post("/api/v1/records", json=envelope)
        assert answer.status_code == 422 and error_code(answer) == "signer_not_sender", answer.text
    with admin_client(server) as admin:
        gaps = admin.get("/api/v1/chain-gaps").json()["devices"]
    assert {"device_id": phone.device_id, "inspector_id": phone.inspector_id, "gaps": [[2, 2]]} in gaps
    assert not any(d["device_id"] in ("Dinvented0000001", "Dfork00000000001") for d in gaps)


def test_a_record_finished_in_the_future_is_refused(server: Server) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    envelope = phone.record(phone.tasks()[0], started_at="2099-01-01T09:00:00+08:00",
                            finished_at="2099-01-01T10:00:00+08:00")
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 422 and error_code(answer) == "finished_in_future"


@pytest.mark.parametrize(("started", "finished"), [
    ("2019-01-01T09:00:00+08:00", "2019-01-01T10:00:00+08:00"),
    ("2024-12-31T23:00:00+08:00", "2025-01-02T10:00:00+08:00"),  # 9 hours before the draw
], ids=["years-before-the-draw", "started-before-the-draw"])
def test_times_that_cannot_be_true_are_refused(server: Server, started: str, finished: str) -> None:
    """A visit lies between its task's draw and now (issue 23 point 5). The template's tasks count
    as drawn at 2025-01-01T00:00Z (08:00 China time; ``tests/conftest.py``)."""
    phone = Phone(server, busiest_inspector(server)).enroll()
    envelope = phone.record(phone.tasks()[0], started_at=started, finished_at=finished)
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 422 and error_code(answer) == "time_before_draw", answer.text
    assert "早于该任务的抽取时间（2025-01-01 08:00，北京时间）" in answer.json()["error"]["message"]
    within_skew = phone.record(phone.tasks()[0], started_at="2025-01-01T07:55:00+08:00",
                               finished_at="2025-01-01T09:00:00+08:00", seq=1, prev=None)
    assert phone.client.post("/api/v1/records", json=within_skew).status_code == 201, \
        "five minutes before the draw is a phone's clock, within the stated skew"


# --- 2. nobody reviews their own inspection (回避) ------------------------------------------


def test_nobody_decides_on_their_own_inspection(server: Server) -> None:
    inspector, colleague = enrol_people(server)
    # The same person on a second device, enrolled as a supervisor.
    own = Phone(server, inspector.inspector_id).enroll("supervisor")
    returned = submit(inspector, inspector.tasks()[0])["record"]["id"]
    approved = submit(inspector, inspector.tasks()[1])["record"]["id"]
    queue = {r["id"]: r["own"] for r in own.client.get("/api/v1/review/queue").json()["records"]}
    assert queue[returned] is True and queue[approved] is True, "shown as 需他人审核"
    assert {r["id"]: r["own"] for r in colleague.client.get("/api/v1/review/queue").json()[
        "records"]}[returned] is False
    assert own.client.get(f"/api/v1/review/records/{returned}").json()["own"] is True
    assert colleague.client.get(f"/api/v1/review/records/{returned}").json()["own"] is False
    for path, body in ((f"/api/v1/review/records/{returned}/return", {"comment": "自己退回"}),
                       (f"/api/v1/review/records/{returned}/approve", {})):
        answer = own.client.post(path, json=body)
        assert answer.status_code == 403 and error_code(answer) == "own_inspection"
    assert colleague.client.post(f"/api/v1/review/records/{approved}/approve",
                                 json={"publish": False}).status_code == 204
    answer = own.client.post(f"/api/v1/review/records/{approved}/publish")
    assert answer.status_code == 403 and error_code(answer) == "own_inspection"
    assert colleague.client.post(f"/api/v1/review/records/{approved}/publish").status_code == 204


def test_nobody_closes_the_follow_up_of_their_own_inspection(server: Server) -> None:
    inspector, colleague = enrol_people(server)
    own = Phone(server, inspector.inspector_id).enroll("supervisor")
    record_id = submit(inspector, inspector.tasks()[0], outcome="发现问题待后续处理")["record"]["id"]
    body = {"disposal": "责令改正", "disposal_date": "2026-03-10"}
    answer = own.client.post(f"/api/v1/followups/{record_id}/close", json=body)
    assert answer.status_code == 403 and error_code(answer) == "own_inspection"
    assert colleague.client.post(f"/api/v1/followups/{record_id}/close", json=body).status_code == 204


# --- 3. inactive staff lose access at once ---------------------------------------------------


def admin(*args: str) -> None:
    """An administrator's command (``server_stub/cli/``), run in this process."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def set_active(server: Server, inspector_id: str, active: bool, tmp_path: Path) -> None:
    """Mark a person (not) 在岗 through the directory's CSV import, as an administrator would."""
    exported = tmp_path / "inspectors.csv"
    admin("export", "inspectors", str(exported), "--data", str(server.data), "--db", server.db)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    for row in rows:
        if row["人员编号"] == inspector_id:
            row["是否在岗"] = "是" if active else "否"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    exported.write_text(out.getvalue(), encoding="utf-8-sig")
    admin("import", "inspectors", str(exported), "--data", str(server.data), "--db", server.db)


def test_the_code_check_vouches_only_for_staff_in_post(server: Server, tmp_path: Path) -> None:
    """A genuine code of a team with someone now 不在岗 is no ✓ (issue 23 point 4)."""
    inspector = Phone(server, busiest_inspector(server)).enroll()
    task = inspector.tasks()[0]
    page = f"{server.url}/v/{task['code_token']}"
    before = httpx.get(page)
    assert before.status_code == 200 and "✓ 这是一次真实的“双随机”抽查" in before.text
    assert "不在岗" not in before.text
    me = next(m for m in task["team"] if m["id"] == inspector.inspector_id)
    set_active(server, inspector.inspector_id, False, tmp_path)
    after = httpx.get(page)
    assert after.status_code == 400 and "✓" not in after.text
    assert f"检查组中的{me['name']}已不在岗" in after.text and "可以拒绝其检查" in after.text
    assert after.text.count("已不在岗，可拒绝其检查") == 1, "only that member is marked"
    set_active(server, inspector.inspector_id, True, tmp_path)
    assert httpx.get(page).status_code == 200


def test_inactive_staff_are_refused_everything(server: Server, tmp_path: Path) -> None:
    inspector, supervisor = enrol_people(server)
    task = inspector.tasks()[0]
    photo = jpeg(5)
    name = hashlib.sha256(photo).hexdigest()
    signed_before = submit(inspector, task)
    later = inspector.record(inspector.tasks()[1])

    set_active(server, inspector.inspector_id, False, tmp_path)
    for answer in (inspector.client.get("/api/v1/tasks"),
                   inspector.client.post("/api/v1/records", json=later),
                   inspector.client.put(f"/api/v1/photos/{name}", content=photo),
                   inspector.client.get(f"/api/v1/records/{signed_before['record']['id']}")):
        assert answer.status_code == 401 and error_code(answer) == "staff_inactive", answer.text
        assert "不在岗" in answer.json()["error"]["message"]
    # What they signed before stays, with its signature valid.
    detail = supervisor.client.get(f"/api/v1/review/records/{signed_before['record']['id']}").json()
    assert detail["signature"]["valid"] is True

    set_active(server, supervisor.inspector_id, False, tmp_path)
    record_id = signed_before["record"]["id"]
    for answer in (supervisor.client.get("/api/v1/review/queue"),
                   supervisor.client.post(f"/api/v1/review/records/{record_id}/approve", json={}),
                   supervisor.client.get("/api/v1/stats/dashboard")):
        assert answer.status_code == 401 and error_code(answer) == "staff_inactive"

    set_active(server, inspector.inspector_id, True, tmp_path)  # back at work: access again
    assert inspector.client.get("/api/v1/tasks").status_code == 200


# --- 4. photos only for those who may see their record ---------------------------------------


def test_naming_another_devices_photo_opens_nothing(server: Server) -> None:
    victim = Phone(server, busiest_inspector(server)).enroll()
    photo = jpeg(41)
    name = hashlib.sha256(photo).hexdigest()
    submit_with(victim, victim.tasks()[0], photo)
    thief = Phone(server, inspector_with_a_task_outside(server, victim.tasks()[0])).enroll()
    assert thief.client.get(f"/api/v1/photos/{name}").status_code == 404
    envelope = thief.record(thief.tasks()[0], photos=[photo])
    answer = thief.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201 and answer.json()["state"] == "incomplete"
    assert answer.json()["missing_photos"] == [name]
    for path in (f"/api/v1/photos/{name}", f"/api/v1/photos/{name}/thumbnail"):
        assert thief.client.get(path).status_code == 404, "listing a hash gives no access"
    # Only the bytes themselves complete the record: already stored, so 200.
    assert thief.client.put(f"/api/v1/photos/{name}", content=photo).status_code == 200
    status = thief.client.get(f"/api/v1/records/{envelope['record']['id']}").json()
    assert status["state"] == "submitted" and status["missing_photos"] == []


def test_teammates_see_their_teams_photos(server: Server) -> None:
    inspector = Phone(server, busiest_inspector(server)).enroll()
    task = inspector.tasks()[0]
    photo = jpeg(43)
    name = hashlib.sha256(photo).hexdigest()
    submit_with(inspector, task, photo)
    teammate = Phone(server, next(m["id"] for m in task["team"]
                                  if m["id"] != inspector.inspector_id)).enroll()
    answer = teammate.client.get(f"/api/v1/photos/{name}")
    assert answer.status_code == 200 and answer.content == photo


def inspector_with_a_task_outside(server: Server, task: dict[str, Any]) -> str:
    """Someone with tasks of their own who is not on ``task``'s team."""
    team = [m["id"] for m in task["team"]]
    engine = make_engine(server.db)
    with engine.begin() as conn:
        found: str = conn.execute(sa.select(t.task_members.c.inspector_id)
                                  .where(t.task_members.c.inspector_id.not_in(team))
                                  .order_by(t.task_members.c.inspector_id).limit(1)).scalar_one()
    engine.dispose()
    return found


def submit_with(phone: Phone, task: dict[str, Any], photo: bytes) -> dict[str, Any]:
    envelope = phone.record(task, photos=[photo])
    name = hashlib.sha256(photo).hexdigest()
    assert phone.client.put(f"/api/v1/photos/{name}", content=photo).status_code in (200, 201)
    assert phone.client.post("/api/v1/records", json=envelope).status_code == 201
    return envelope


# --- 8. crafted input gets a 4xx -------------------------------------------------------------


@pytest.mark.parametrize("levels", [900, 5000, 30_000])
def test_deeply_nested_json_is_400_everywhere(server: Server, levels: int) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    body = b"[" * levels + b"]" * levels
    nested_in_field = b'{"code": "x", "public_key": ' + body + b"}"
    for path, content, client in (("/api/v1/records", body, phone.client),
                                  ("/api/v1/enroll", nested_in_field, httpx.Client(base_url=server.url)),
                                  ("/api/v1/review/records/x/approve", body, phone.client)):
        answer = client.post(path, content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "嵌套" in answer.json()["error"]["message"], path


def test_numbers_of_thousands_of_digits_are_400(server: Server) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    envelope = phone.record(phone.tasks()[0])
    text = json.dumps(envelope).replace('"seq": 1', '"seq": ' + "9" * 5000)
    assert "9" * 5000 in text
    for path, client in (("/api/v1/records", phone.client),
                         ("/api/v1/enroll", httpx.Client(base_url=server.url))):
        answer = client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "位" in answer.json()["error"]["message"], path


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` × ``height`` pixels."""
    data = bytearray(jpeg(3, (16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(("width", "height"), [(65000, 65000), (13000, 13000)],
                         ids=["decompression bomb", "169 megapixels"])
def test_photos_over_the_pixel_limit_are_413(server: Server, width: int, height: int) -> None:
    phone = Phone(server, busiest_inspector(server)).enroll()
    data = jpeg_declaring(width, height)
    answer = phone.client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)
    assert answer.status_code == 413 and error_code(answer) == "too_many_pixels", answer.text


def test_bodies_are_limited_before_they_are_parsed(server: Server) -> None:
    big = b'{"code": "' + b"A" * (5 * 1024 * 1024) + b'"}'
    answer = httpx.post(f"{server.url}/api/v1/enroll", content=big,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and error_code(answer) == "too_large"

    def chunks() -> Any:  # no Content-Length: the limit holds while the body streams in
        for _ in range(100):
            yield b"A" * 65536

    answer = httpx.post(f"{server.url}/api/v1/enroll", content=chunks(),
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and error_code(answer) == "too_large"


# --- 9. feedback is read, and cannot be flooded ----------------------------------------------


def test_feedback_is_limited_and_read_by_the_departments_supervisors(server: Server) -> None:
    inspector, supervisor = enrol_people(server)
    task = inspector.tasks()[0]
    record_id = submit(inspector, task)["record"]["id"]
    page = f"{server.url}/v/{task['code_token']}/feedback"
    for n in range(5):
        answer = httpx.post(page, data={"message": f"=HYPERLINK(\"x\") 第{n}条", "contact": "138"})
        assert answer.status_code == 200 and "反馈已收到" in answer.text
    flood = httpx.post(page, data={"message": "第六条"})
    assert flood.status_code == 429 and int(flood.headers["Retry-After"]) > 0
    assert "每小时上限" in flood.text

    detail = supervisor.client.get(f"/api/v1/review/records/{record_id}").json()
    assert [f["message"] for f in detail["feedback"]] == [f"=HYPERLINK(\"x\") 第{n}条" for n in range(5)]
    listed = supervisor.client.get("/api/v1/feedback").json()["feedback"]
    assert len(listed) == 5 and all(f["task_id"] == task["id"] and f["record_id"] == record_id
                                    for f in listed)
    assert listed[0]["message"].endswith("第4条"), "newest first"
    stranger = Phone(server, other_inspector(server, "威海市生态环境局", set())).enroll("supervisor")
    assert stranger.client.get("/api/v1/feedback").json()["feedback"] == []
    answer = inspector.client.get("/api/v1/feedback")
    assert answer.status_code == 403 and error_code(answer) == "supervisors_only"


def test_feedback_is_limited_per_address_across_codes(server: Server) -> None:
    inspector = Phone(server, busiest_inspector(server)).enroll()
    tasks = inspector.tasks()
    for n in range(5):
        task = tasks[n % len(tasks)]
        assert httpx.post(f"{server.url}/v/{task['code_token']}/feedback",
                          data={"message": f"第{n}条"}).status_code == 200
    other = tasks[-1]
    answer = httpx.post(f"{server.url}/v/{other['code_token']}/feedback", data={"message": "又一条"})
    assert answer.status_code == 429 and "过于频繁" in answer.text


# --- 11. enrolment guessing is slowed --------------------------------------------------------


def test_enrolment_guessing_gets_429(server: Server) -> None:
    with admin_client(server) as admin:
        good = admin.post("/api/v1/enrollment-codes",
                          json={"inspector_id": busiest_inspector(server)}).json()["code"]
    body = {"public_key": "A" * 43, "device_name": "猜码"}

    def guess(n: int) -> str:  # well-formed: a code that could have been issued
        return "".join(ALPHABET[(7 * n + i) % len(ALPHABET)] for i in range(12))

    # A malformed code cannot be right and is not counted.
    answer = httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": "x"})
    assert answer.status_code == 400 and error_code(answer) == "bad_code_format"
    for n in range(10):
        answer = httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": guess(n)})
        assert answer.status_code == 403 and error_code(answer) == "enrollment_code_invalid"
    answer = httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": guess(11)})
    assert answer.status_code == 429 and 0 < int(answer.headers["Retry-After"]) <= 15 * 60
    assert "分钟后再试" in answer.json()["error"]["message"]
    # Even the right code waits: the address is throttled, not the code.
    assert httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": good}).status_code == 429


FORGED = {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7", "X-Real-IP": "203.0.113.7"}


def _issue_code(server: Server, headers: dict[str, str]) -> tuple[str, str]:
    """A code issued over the admin API with ``headers``, and the origin its audit entry shows."""
    inspector = busiest_inspector(server)
    with admin_client(server) as admin:
        code = admin.post("/api/v1/enrollment-codes", json={"inspector_id": inspector},
                          headers=headers).json()["code"]
        entries = admin.get("/api/v1/audit", params={"kind": "device.enrolment_code",
                                                     "object": inspector}).json()["entries"]
    return code, entries[-1]["origin"]


def test_forwarding_headers_choose_no_address(tmp_path: Path, database_url: str) -> None:
    """uvicorn trusts ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise: a local process
    could then pick a fresh address for every guess and for the audit trail (issue 23 point 3).
    Through a real ``serve`` process, as deployed."""
    with running_server(tmp_path / "data", database_url) as server:
        _guesses_from_made_up_addresses(server)


def _guesses_from_made_up_addresses(server: Server) -> None:
    good, origin = _issue_code(server, FORGED)
    assert origin == "127.0.0.1", "the audit trail shows the address the server saw"
    body = {"public_key": "A" * 43, "device_name": "猜码"}
    answers = []
    for n in range(40):
        code = "".join(ALPHABET[(5 * n + i) % len(ALPHABET)] for i in range(12))
        address = f"198.51.100.{n}"
        answers.append(httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": code}, headers={
            "X-Forwarded-For": address, "Forwarded": f"for={address}", "X-Real-IP": address}).status_code)
    assert answers[:10] == [403] * 10 and set(answers[10:]) == {429}, answers
    answer = httpx.post(f"{server.url}/api/v1/enroll", json={**body, "code": good},
                        headers={"X-Forwarded-For": "192.0.2.99"})
    assert answer.status_code == 429, "a made-up address does not lift the limit"


def test_a_named_proxy_is_trusted(tmp_path: Path, database_url: str) -> None:
    """``--forwarded-allow-ips`` (``ZSC_FORWARDED_ALLOW_IPS``) names the proxies whose header counts."""
    with running_server(tmp_path / "data", database_url,
                        env={"ZSC_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as behind_proxy:
        assert _issue_code(behind_proxy, FORGED)[1] == "203.0.113.7"


def test_expired_code_feedback_is_received(server: Server) -> None:
    """A lapsed but genuine code takes feedback and says it was received (docs/decisions.md)."""
    from server_stub.core.server_key import load_or_create_server_key

    task = Phone(server, busiest_inspector(server)).enroll().tasks()[0]
    key = load_or_create_server_key(server.data)
    payload = read_token(task["code_token"], httpx.get(f"{server.url}/api/v1/keys").json()["public_key"])
    lapsed = make_token({**payload, "valid_from": "2020-01-01T00:00:00+08:00",
                         "valid_until": "2020-02-01T00:00:00+08:00"}, key)
    answer = httpx.post(f"{server.url}/v/{lapsed}/feedback", data={"message": "检查码过期了"})
    assert answer.status_code == 200 and "反馈已收到" in answer.text and "不在有效期内" in answer.text



def test_values_the_database_cannot_hold_are_400(server: Server) -> None:
    """PostgreSQL refuses a NUL in text and an over-long string (SQLite takes both): never a 500."""
    phone = Phone(server, busiest_inspector(server)).enroll()
    with admin_client(server) as admin:
        for inspector in ("WH\x0000001", "W" * 40):
            answer = admin.post("/api/v1/enrollment-codes", json={"inspector_id": inspector})
            assert answer.status_code in (400, 404) and answer.json()["error"]["code"], answer.text
    for path in ("/api/v1/records/a%00b", "/api/v1/review/records/a%00b"):
        answer = phone.client.get(path)
        assert answer.status_code in (400, 403, 404) and answer.json()["error"]["code"], answer.text
