"""DESIGN §5, status code by status code, against the real server process."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib
import io
import json
import pkgutil
import random
import struct

import httpx
import pytest
from PIL import Image, ImageFile

import server_stub
from sync import generate_key, public_key_b64, sign_record
from tests.conftest import ServerProcess
from tests.utils.phone import Phone, admin_client, busiest_inspector, jpeg
from tests.utils.workload import add_tasks


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """Every test here enrols its own phones: one server serves the whole module."""
    return shared_server


@pytest.fixture
def phone(server: ServerProcess) -> Phone:
    """A phone with three tasks of its own: a task takes one record (issue 23), and the tests
    here share one server."""
    inspector = busiest_inspector(server)
    return Phone(server, inspector, task_ids=tuple(add_tasks(server.db, [inspector], 3)[inspector])).enroll()


# --- enrolment -------------------------------------------------------------------------------


def test_enrolment_answers_device_token_and_inspector(server: ServerProcess) -> None:
    inspector = busiest_inspector(server)
    with admin_client(server) as admin:
        issued = admin.post("/api/v1/enrollment-codes", json={"inspector_id": inspector}).json()
    assert issued["enroll_uri"].startswith("zsc://enroll?server=")
    body = {"code": issued["code"].lower(), "public_key": public_key_b64(generate_key()),
            "device_name": "张三的手机"}
    first = httpx.post(f"{server.url}/api/v1/enroll", json=body)
    assert first.status_code == 201
    assert first.json()["inspector"]["id"] == inspector and first.json()["token"]
    again = httpx.post(f"{server.url}/api/v1/enroll", json=body)
    assert again.status_code == 403 and again.json()["error"]["code"] == "enrollment_code_used"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "AAAA-BBBB-CCCC", "public_key": public_key_b64(generate_key())}, 403,
         "enrollment_code_invalid"),
        ({"code": "x", "public_key": "not base64!"}, 400, "bad_public_key"),
        ({"code": "x", "public_key": base64.urlsafe_b64encode(b"short").decode().rstrip("=")}, 400,
         "bad_public_key"),
        ({"public_key": "x"}, 400, "bad_request"),
    ],
)
def test_bad_enrolments(server: ServerProcess, body: dict, status: int, code: str) -> None:  # type: ignore[type-arg]
    answer = httpx.post(f"{server.url}/api/v1/enroll", json=body)
    assert answer.status_code == status and answer.json()["error"]["code"] == code


# --- tasks -----------------------------------------------------------------------------------


def test_tasks_carry_everything_but_a_risk_grade(phone: Phone) -> None:
    tasks = phone.tasks()
    assert tasks
    task = tasks[0]
    assert set(task) >= {"id", "plan_id", "credit_code", "entity", "items", "team", "due", "code_token"}
    assert phone.inspector_id in [m["id"] for m in task["team"]]
    assert task["items"][0]["checkpoints"] and task["entity"]["name"]
    text = json.dumps(tasks, ensure_ascii=False)
    assert "risk" not in text and "grade" not in text and "风险" not in text


def test_calls_without_a_valid_token_are_401(server: ServerProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        answer = httpx.get(f"{server.url}/api/v1/tasks", headers=headers)
        assert answer.status_code == 401 and answer.json()["error"]["message"]


# --- photos ----------------------------------------------------------------------------------


def test_photo_put_201_then_200(phone: Phone) -> None:
    data = jpeg(1)
    name = hashlib.sha256(data).hexdigest()
    assert phone.client.put(f"/api/v1/photos/{name}", content=data).status_code == 201
    assert phone.client.put(f"/api/v1/photos/{name}", content=data).status_code == 200


def test_photo_with_wrong_name_is_400(phone: Phone) -> None:
    data = jpeg(2)
    answer = phone.client.put(f"/api/v1/photos/{'0' * 64}", content=data)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "photo_hash_mismatch"
    assert phone.client.put("/api/v1/photos/XYZ", content=data).status_code == 400


def test_photo_not_an_image_is_415(phone: Phone) -> None:
    data = b"%PDF-1.4 this is not a photo"
    answer = phone.client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)
    assert answer.status_code == 415


def test_photo_too_large_is_413(phone: Phone) -> None:
    data = b"\xff\xd8" + bytes(9 * 1024 * 1024)
    answer = phone.client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}", content=data)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"


def detailed_jpeg() -> bytes:
    """A real JPEG of ~30 KB: noise compresses like a detailed photo, so its scan fills the file."""
    rng = random.Random(23)
    image = Image.frombytes("RGB", (240, 180), rng.randbytes(240 * 180 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    """``detailed_jpeg`` cut after 13 % of its bytes (as in issue 23: 4,000 of 30,629), past its
    headers: Pillow opens it and reads its size, and only decoding finds it cut short."""
    data = detailed_jpeg()
    return data[:len(data) * 13 // 100]


def header_only_jpeg(width: int, height: int) -> bytes:
    """A JPEG's headers alone, up to the start of the scan, claiming ``width`` × ``height``."""
    data = bytearray(jpeg(3, (16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    sos = data.index(b"\xff\xda")
    (length,) = struct.unpack(">H", data[sos + 2:sos + 4])
    return bytes(data[:sos + 2 + length])


@pytest.mark.parametrize("data", [truncated_jpeg(), header_only_jpeg(65535, 1)],
                         ids=["JPEG cut at 13 %", "bare header claiming 65535x1"])
def test_a_photo_that_does_not_decode_is_415_and_not_stored(phone: Phone, data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:  # its header reads as a JPEG of few pixels
        assert image.format == "JPEG" and image.width * image.height <= 65535
    name = hashlib.sha256(data).hexdigest()
    for _ in range(2):
        answer = phone.client.put(f"/api/v1/photos/{name}", content=data,
                                  headers={"Content-Type": "image/jpeg"})
        assert answer.status_code == 415, answer.text
        error = answer.json()["error"]
        assert error["code"] == "photo_not_decodable" and "无法解码" in error["message"]
    assert phone.client.get(f"/api/v1/photos/{name}").status_code == 404, "nothing was stored"
    whole = detailed_jpeg()
    answer = phone.client.put(f"/api/v1/photos/{hashlib.sha256(whole).hexdigest()}", content=whole,
                              headers={"Content-Type": "image/jpeg"})
    assert answer.status_code in (200, 201), "the whole file is taken"


def test_nothing_in_the_server_lets_pillow_load_truncated_images() -> None:
    """With ``ImageFile.LOAD_TRUNCATED_IMAGES`` set, Pillow decodes a cut file padded with grey and
    the check above passes it: no module of the server may set it."""
    for module in pkgutil.walk_packages(server_stub.__path__, "server_stub."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- records ---------------------------------------------------------------------------------


def test_record_201_then_200_then_missing_photos_fill_in(phone: Phone) -> None:
    task = phone.tasks()[0]
    photo = jpeg(3)
    envelope = phone.record(task, photos=[photo])
    first = phone.client.post("/api/v1/records", json=envelope)
    assert first.status_code == 201, first.text
    name = hashlib.sha256(photo).hexdigest()
    assert first.json()["state"] == "incomplete" and first.json()["missing_photos"] == [name]
    assert first.json()["chain"] == {"status": "ok", "gaps": []}
    again = phone.client.post("/api/v1/records", json=envelope)
    assert again.status_code == 200 and again.json()["hash"] == first.json()["hash"]
    phone.client.put(f"/api/v1/photos/{name}", content=photo)
    status = phone.client.get(f"/api/v1/records/{envelope['record']['id']}").json()
    assert status["state"] == "submitted" and status["missing_photos"] == []
    assert phone.tasks()[0]["record"]["state"] == "submitted"


def test_same_id_other_bytes_is_409(phone: Phone) -> None:
    task = phone.tasks()[0]
    envelope = phone.record(task)
    assert phone.client.post("/api/v1/records", json=envelope).status_code == 201
    phone.seq, phone.prev = 0, None
    other = phone.record(task, id=envelope["record"]["id"], note="改过的")
    answer = phone.client.post("/api/v1/records", json=other)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "id_conflict"


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"record": {}, "sig": "x"}',
                                  b'{"record": {}, "sig": "AA", "key_id": "k", "extra": 1}'])
def test_malformed_record_is_400(phone: Phone, body: bytes) -> None:
    answer = phone.client.post("/api/v1/records", content=body,
                               headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] in ("malformed", "bad_request")


def test_unknown_and_revoked_devices_are_401(server: ServerProcess, phone: Phone) -> None:
    tasks = phone.tasks()
    first = phone.record(tasks[0])
    assert phone.client.post("/api/v1/records", json=first).status_code == 201
    later = phone.record(tasks[1])
    with admin_client(server) as admin:
        assert admin.post(f"/api/v1/devices/{phone.device_id}/revoke").status_code == 204
    answer = phone.client.post("/api/v1/records", json=later)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "device_revoked"
    stranger = httpx.post(f"{server.url}/api/v1/records", json=later,
                          headers={"Authorization": "Bearer unknown"})
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "unknown_device"
    # The record signed before revocation stays on file, with its signature checkable forever.
    import sqlalchemy as sa

    from server_stub.core import tables as t
    from server_stub.core.db import make_engine

    engine = make_engine(server.db)
    with engine.begin() as conn:
        stored = conn.execute(sa.select(t.records.c.envelope, t.records.c.state)
                              .where(t.records.c.id == first["record"]["id"])).one()
    engine.dispose()
    assert json.loads(stored.envelope) == first and stored.state == "submitted"


def test_inspector_not_on_team_is_403(server: ServerProcess, phone: Phone) -> None:
    mine = {t["id"] for t in phone.tasks()}
    other_inspector = _inspector_without(server, mine)
    stranger = Phone(server, other_inspector).enroll()
    task = phone.tasks()[0]
    envelope = stranger.record(task)
    answer = stranger.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_on_team"


def _inspector_without(server: ServerProcess, task_ids: set[str]) -> str:
    import sqlalchemy as sa

    from server_stub.core import tables as t
    from server_stub.core.db import make_engine

    engine = make_engine(server.db)
    with engine.begin() as conn:
        busy = set(conn.execute(sa.select(t.task_members.c.inspector_id)
                                .where(t.task_members.c.task_id.in_(task_ids))).scalars())
        found = conn.execute(sa.select(t.inspectors.c.id).where(
            t.inspectors.c.active.is_(True), t.inspectors.c.id.not_in(busy)).limit(1)).scalar_one()
    engine.dispose()
    return found


def test_bad_signature_is_422(phone: Phone) -> None:
    envelope = phone.record(phone.tasks()[0])
    tampered = copy.deepcopy(envelope)
    tampered["record"]["note"] = "签名后改动"
    answer = phone.client.post("/api/v1/records", json=tampered)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "bad_signature"


def test_invalid_content_is_422(phone: Phone) -> None:
    """A record, well signed, that leaves one of its task's items unanswered (it answers another
    item in its place, so that a task of one item shows it too)."""
    task = phone.tasks()[0]
    record = phone.record(task)["record"]
    left_out = record["items"][-1]["code"]
    record["items"][-1]["code"] = "SC-XX-99"
    answer = phone.client.post("/api/v1/records", json=sign_record(record, phone.key, phone.device_id))
    assert answer.status_code == 422
    assert f"抽查事项「{left_out}」未填写检查结论" in answer.json()["error"]["message"]


def test_record_signed_by_another_device_is_refused(server: ServerProcess, phone: Phone) -> None:
    twin = Phone(server, phone.inspector_id).enroll()
    envelope = twin.record(phone.tasks()[0])
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "signer_not_sender"


def test_replay_under_a_new_id_is_caught_by_the_chain(phone: Phone) -> None:
    task = phone.tasks()[0]
    original = phone.record(task)
    assert phone.client.post("/api/v1/records", json=original).status_code == 201
    replay = dict(original["record"], id="00000000-0000-4000-8000-000000000000")
    answer = phone.client.post("/api/v1/records", json=sign_record(replay, phone.key, phone.device_id))
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "chain_conflict"


def test_gap_in_the_chain_is_accepted_and_reported(server: ServerProcess, phone: Phone) -> None:
    tasks = phone.tasks()
    assert phone.client.post("/api/v1/records", json=phone.record(tasks[0])).status_code == 201
    phone.record(tasks[1])  # seq 2: "deleted on the phone", never sent
    third = phone.client.post("/api/v1/records", json=phone.record(tasks[2]))
    assert third.status_code == 201 and third.json()["chain"] == {"status": "gap", "gaps": [[2, 2]]}
    with admin_client(server) as admin:
        gaps = admin.get("/api/v1/chain-gaps").json()["devices"]
    assert {"device_id": phone.device_id, "inspector_id": phone.inspector_id,
            "gaps": [[2, 2]]} in gaps


def test_record_state_is_private_to_its_inspector(server: ServerProcess, phone: Phone) -> None:
    envelope = phone.record(phone.tasks()[0])
    phone.client.post("/api/v1/records", json=envelope)
    other = Phone(server, _inspector_without(server, set())).enroll()
    answer = other.client.get(f"/api/v1/records/{envelope['record']['id']}")
    unknown = other.client.get("/api/v1/records/nope")
    assert answer.status_code == unknown.status_code == 404
    assert answer.json() == unknown.json(), "nobody learns that another inspector's record exists"
    assert phone.client.get(f"/api/v1/records/{envelope['record']['id']}").status_code == 200
