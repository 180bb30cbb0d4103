"""``POST /api/v1/records/batch`` and ``POST /api/v1/photos/missing`` (issue 29 point 2), against
the real server process: one answer per record, as the single call gives it, each record stored
once; and every "no" of the access table's rows for them."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import sign_record
from tests.conftest import ServerProcess
from tests.utils.phone import Phone, busiest_inspector, jpeg
from tests.utils.workload import add_tasks


@pytest.fixture
def server(shared_server: ServerProcess) -> ServerProcess:
    """Every test here enrols its own phones: one server serves the whole module."""
    return shared_server


def phone_with(server: ServerProcess, tasks: int) -> Phone:
    inspector = busiest_inspector(server)
    return Phone(server, inspector,
                 task_ids=tuple(add_tasks(server.db, [inspector], tasks)[inspector])).enroll()


def batch(phone: Phone, envelopes: list[Any], *, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token or phone.token}"}
    return httpx.post(f"{phone.server.url}/api/v1/records/batch", json={"records": envelopes},
                      headers=headers, timeout=30)


def stored(server: ServerProcess, device_id: str) -> list[str]:
    engine = make_engine(server.db)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.select(t.records.c.id).where(t.records.c.device_id == device_id)
                                .order_by(t.records.c.seq)).scalars())
    engine.dispose()
    return ids


def test_each_record_gets_the_answer_the_single_call_gives(server: ServerProcess) -> None:
    phone = phone_with(server, 3)
    tasks = phone.tasks()
    photo = jpeg(2901)
    with phone.client as client:
        assert client.put(f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}", content=photo,
                          headers={"Content-Type": "image/jpeg"}).status_code == 201
    first = phone.record(tasks[0], photos=[photo])
    second = phone.record(tasks[1], photos=[jpeg(2902)])  # its photo not sent: incomplete
    changed = copy.deepcopy(first["record"])
    changed["note"] = "改过"
    other_bytes = sign_record(changed, phone.key, phone.device_id)  # same id, other bytes, signed
    bad_signature = phone.record(tasks[2])
    bad_signature["sig"] = first["sig"]
    answer = batch(phone, [first, second, first, other_bytes, bad_signature, "not an envelope"])
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [201, 201, 200, 409, 422, 400]
    assert [r["id"] for r in results][:5] == [first["record"]["id"], second["record"]["id"],
                                             first["record"]["id"], first["record"]["id"],
                                             bad_signature["record"]["id"]]
    assert results[0]["record"]["state"] == "submitted" and results[0]["record"]["missing_photos"] == []
    assert results[1]["record"]["state"] == "incomplete"
    assert results[1]["record"]["missing_photos"] == [hashlib.sha256(jpeg(2902)).hexdigest()]
    first_answer = {k: v for k, v in results[0]["record"].items() if k != "chain"}
    assert results[2]["record"] == first_answer, "a repeat (as the single call: no chain): nothing changed"
    assert results[3]["error"]["code"] == "id_conflict"
    assert results[4]["error"]["code"] == "bad_signature"
    assert results[5]["error"]["code"] == "malformed" and results[5]["id"] is None
    # the single call, asked afterwards, answers each the same (a stored one as the repeat it is now)
    with phone.client as client:
        for envelope, status in [(first, 200), (second, 200), (other_bytes, 409), (bad_signature, 422)]:
            assert client.post("/api/v1/records", json=envelope).status_code == status
    assert stored(server, phone.device_id) == [first["record"]["id"], second["record"]["id"]]
    engine = make_engine(server.db)  # each keeps its task's draw order, what /results sorts by
    with engine.connect() as conn:
        orders = conn.execute(sa.select(t.records.c.draw_order, t.tasks.c.draw_order)
                              .join(t.tasks, t.tasks.c.id == t.records.c.task_id)
                              .where(t.records.c.device_id == phone.device_id)).all()
    engine.dispose()
    assert len(orders) == 2 and all(mine == theirs > 0 for mine, theirs in orders), orders


def test_a_refused_record_rolls_back_nothing_else_and_a_replay_changes_nothing(
        server: ServerProcess) -> None:
    phone = phone_with(server, 3)
    tasks = phone.tasks()
    good = phone.record(tasks[0])
    refused = phone.record(tasks[1], started_at="2020-01-01T09:00:00+08:00")  # before the draw
    later = phone.record(tasks[2])  # a gap in the chain where the refused one was: accepted
    results = batch(phone, [good, refused, later]).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[2]["record"]["chain"]["status"] == "gap"
    assert stored(server, phone.device_id) == [good["record"]["id"], later["record"]["id"]]
    again = batch(phone, [good, refused, later]).json()["results"]
    assert [r["status"] for r in again] == [200, 422, 200], "a replayed batch stores nothing twice"
    # a different record taking a seq already used: a replay of the chain, refused
    phone.seq, phone.prev = 0, None
    forged = phone.record(tasks[1])
    answer = batch(phone, [forged]).json()["results"][0]
    assert answer["status"] == 422 and answer["error"]["code"] == "chain_conflict"
    assert stored(server, phone.device_id) == [good["record"]["id"], later["record"]["id"]]


def test_another_devices_records_in_a_batch_are_refused_one_by_one(server: ServerProcess) -> None:
    mine, theirs = phone_with(server, 1), phone_with(server, 1)
    own = mine.record(mine.tasks()[0])
    foreign = theirs.record(theirs.tasks()[0])
    results = batch(mine, [foreign, own]).json()["results"]
    assert [(r["status"], r.get("error", {}).get("code")) for r in results] == \
        [(422, "signer_not_sender"), (201, None)]
    assert stored(server, theirs.device_id) == []
    # someone else's token sending my records: each refused, none stored
    other = phone_with(server, 1)
    results = batch(other, [mine.record(mine.tasks()[0])]).json()["results"]
    assert results[0]["status"] == 422 and results[0]["error"]["code"] == "signer_not_sender"
    assert stored(server, mine.device_id) == [own["record"]["id"]]
    # no token, a made-up token
    assert batch(mine, [own], token="x" * 43).status_code == 401
    assert httpx.post(f"{server.url}/api/v1/records/batch", json={"records": [own]}).status_code == 401


@pytest.mark.parametrize(("body", "status", "code"), [
    (json.dumps({"records": [{}] * 101}).encode(), 413, "batch_too_large"),
    (b'{"records": [' + b"1," * (2 * 1024 * 1024) + b"1]}", 413, "too_large"),
    (b"[" * 5000 + b"]" * 5000, 400, "bad_request"),
    (b'{"records": ' + b"[" * 40 + b"]" * 40 + b"}", 400, "bad_request"),
    (b'{"records": {}}', 400, "bad_batch"),
    (b'{"records": [], "more": 1}', 400, "bad_batch"),
    (b'[{"record": {}}]', 400, "bad_batch"),
    (b'{"records": [1, 2', 400, "malformed"),
    (b'{"records": [], "records": []}', 400, "malformed"),
])
def test_a_batch_beyond_what_the_platform_takes_is_refused_whole(
        server: ServerProcess, body: bytes, status: int, code: str) -> None:
    phone = phone_with(server, 1)
    answer = httpx.post(f"{server.url}/api/v1/records/batch", content=body, timeout=30,
                        headers={"Authorization": f"Bearer {phone.token}",
                                 "Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]


def test_a_record_too_large_in_a_batch_is_refused_alone(server: ServerProcess) -> None:
    phone = phone_with(server, 1)
    fine = phone.record(phone.tasks()[0])
    huge = {**fine, "padding": "很" * 400_000}  # > 1 MiB as UTF-8
    results = batch(phone, [huge, fine]).json()["results"]
    assert [r["status"] for r in results] == [413, 201]
    assert results[0]["error"]["code"] == "too_large"


def test_an_empty_batch_is_answered_empty(server: ServerProcess) -> None:
    phone = phone_with(server, 1)
    answer = batch(phone, [])
    assert answer.status_code == 200 and answer.json() == {"results": []}


# --- photos the platform lacks -----------------------------------------------------------------


def missing(phone: Phone, names: list[str]) -> httpx.Response:
    with phone.client as client:
        return client.post("/api/v1/photos/missing", json={"sha256": names})


def test_the_platform_names_the_photos_it_lacks_from_this_device(server: ServerProcess) -> None:
    phone = phone_with(server, 1)
    sent, unsent = jpeg(2910), jpeg(2911)
    names = [hashlib.sha256(p).hexdigest() for p in (sent, unsent)]
    assert missing(phone, names).json() == {"missing": names}
    with phone.client as client:
        client.put(f"/api/v1/photos/{names[0]}", content=sent, headers={"Content-Type": "image/jpeg"})
    assert missing(phone, [*names, names[1]]).json() == {"missing": [names[1]]}, "once each, in order"


def test_nobody_learns_whether_another_device_holds_a_photo(server: ServerProcess) -> None:
    """A photo another device (another team's) sent is answered "send it" exactly like one
    nobody holds: the answer depends on the asking device's own uploads alone."""
    owner, prober = phone_with(server, 1), phone_with(server, 1)
    photo = jpeg(2920)
    held, unknown = hashlib.sha256(photo).hexdigest(), hashlib.sha256(b"nobody has this").hexdigest()
    with owner.client as client:
        assert client.put(f"/api/v1/photos/{held}", content=photo,
                          headers={"Content-Type": "image/jpeg"}).status_code == 201
    assert missing(owner, [held, unknown]).json() == {"missing": [unknown]}
    assert missing(prober, [held, unknown]).json() == {"missing": [held, unknown]}


@pytest.mark.parametrize("names", [["NOT-A-HASH"], ["a" * 63], ["0" * 64] * 1001, "0" * 64])
def test_bad_photo_questions_are_400(server: ServerProcess, names: Any) -> None:
    phone = phone_with(server, 1)
    answer = missing(phone, names)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
