"""The engine's batches (issue 29 point 2) over ``httpx.MockTransport``: one question for the
photos, the photos a few at a time, the records in one call with one answer each, and the fall
back to one call per photo and record on a platform from before batches. Against the real
server: tests/integration/test_faults.py and tests/integration/test_batch_kills.py."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlite_utils import Database

from app.store import LocalStore
from sync import Progress, SyncEngine, generate_key, new_record_id, record_hash, sign_record
from sync._engine import BATCH_RECORDS, PHOTO_UPLOADS_AT_ONCE
from tests.sync.factories import make_record

KEY = generate_key()


def photo(n: int) -> bytes:
    return b"\xff\xd8photo-" + str(n).encode()


def name(n: int) -> str:
    return hashlib.sha256(photo(n)).hexdigest()


def store_with(count: int, photos_each: int = 1) -> LocalStore:
    store = LocalStore(Database(memory=True))
    prev = None
    for seq in range(1, count + 1):
        names = [name(seq * 10 + k) for k in range(photos_each)]
        for k in range(photos_each):
            store.add_photo(names[k], photo(seq * 10 + k), b"thumb", f"T-{seq}", "2024-05-01T10:00:00+08:00")
        items = [{"code": "SP-01", "result": "合格", "note": "", "photos": names}]
        record = make_record(id=new_record_id(), items=items, outcome="未发现问题", seq=seq, prev=prev,
                             task_id=f"T-{seq}")
        prev = record_hash(record)
        store.add_signed_record(sign_record(record, KEY, record["device_id"]), prev,
                                "2024-05-01T10:45:30+08:00")
    return store


def accepted(record_id: str, new: bool = True, missing: list[str] | None = None) -> dict[str, Any]:
    return {"id": record_id, "status": 201 if new else 200, "record": {
        "id": record_id, "hash": "h", "task_id": "t", "state": "incomplete" if missing else "submitted",
        "missing_photos": missing or []}}


class Platform:
    """A platform that takes batches: it holds the photos in ``held`` already (from this device)
    and refuses the records whose ids are in ``refuse`` (409)."""

    def __init__(self, held: set[str] = frozenset(), refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.held, self.refuse = set(held), set(refuse)
        self.calls: list[str] = []
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.calls.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v1/photos/missing":
            asked = json.loads(request.content)["sha256"]
            return httpx.Response(200, json={"missing": [s for s in asked if s not in self.held]})
        if request.method == "PUT":
            with self.lock:
                self.held.add(request.url.path.rsplit("/", 1)[1])
            return httpx.Response(201, json={"sha256": "x", "size": 1})
        if request.url.path == "/api/v1/records/batch":
            envelopes = json.loads(request.content)["records"]
            self.batches.append(len(envelopes))
            return httpx.Response(200, json={"results": [self.answer(e) for e in envelopes]})
        raise AssertionError(f"unexpected call {request.method} {request.url.path}")

    def answer(self, envelope: dict[str, Any]) -> dict[str, Any]:
        record_id = envelope["record"]["id"]
        if record_id in self.refuse:
            return {"id": record_id, "status": 409,
                    "error": {"code": "task_has_record", "message": "该任务已由 李四 提交记录"}}
        return accepted(record_id)


def engine(store: LocalStore, handler: Callable[[httpx.Request], httpx.Response],
           **kwargs: Any) -> SyncEngine:
    client = httpx.Client(base_url="http://platform.test", transport=httpx.MockTransport(handler))
    return SyncEngine(client, store, sleep=lambda _: None, refill=False, **kwargs)


def test_one_question_for_the_photos_then_one_call_for_the_records() -> None:
    store = store_with(3, photos_each=2)
    platform = Platform(held={name(10)})  # the first record's first photo is there already
    result = engine(store, platform).push()
    assert len(result.accepted) == 3 and store.pending_records() == []
    assert platform.calls[0] == "POST /api/v1/photos/missing"
    assert sorted(platform.calls[1:6]) == ["PUT /api/v1/photos/" + s for s in
                                           sorted([name(11), name(20), name(21), name(30), name(31)])]
    assert platform.calls[6:] == ["POST /api/v1/records/batch"]
    assert all(store.is_photo_uploaded(name(n)) for n in (10, 11, 20, 21, 30, 31))


def test_records_go_in_batches_of_the_engines_size() -> None:
    store = store_with(BATCH_RECORDS + 3, photos_each=0)
    platform = Platform()
    assert len(engine(store, platform).push().accepted) == BATCH_RECORDS + 3
    assert platform.batches == [BATCH_RECORDS, 3]


def test_photos_are_uploaded_several_at_once() -> None:
    """Every upload waits at a barrier for the others: one at a time would never pass it."""
    barrier = threading.Barrier(PHOTO_UPLOADS_AT_ONCE, timeout=10)
    platform = Platform()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            barrier.wait()
        return platform(request)

    store = store_with(PHOTO_UPLOADS_AT_ONCE, photos_each=1)
    assert len(engine(store, handler).push().accepted) == PHOTO_UPLOADS_AT_ONCE


def test_a_refused_record_is_kept_and_the_others_go_on() -> None:
    store = store_with(3, photos_each=0)
    ids = [r.id for r in store.pending_records()]
    result = engine(store, Platform(refuse={ids[1]})).push()
    assert result.accepted == [ids[0], ids[2]]
    assert result.rejected == [(ids[1], "该任务已由 李四 提交记录")]
    rows = {r["id"]: r for r in store.records()}
    assert rows[ids[1]]["outbox"] == "rejected" and rows[ids[1]]["envelope"]


def test_a_photo_refused_for_good_refuses_its_record_only() -> None:
    store = store_with(2, photos_each=1)
    ids = [r.id for r in store.pending_records()]
    platform = Platform()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and request.url.path.endswith(name(10)):
            return httpx.Response(415, json={"error": {"code": "not_an_image", "message": "不是JPEG照片"}})
        return platform(request)

    result = engine(store, handler).push()
    assert result.accepted == [ids[1]]
    assert result.rejected == [(ids[0], "照片未被接受：不是JPEG照片")]
    assert platform.batches == [1], "the refused one is not sent"


def test_photos_the_platform_lost_are_sent_again() -> None:
    store = store_with(1, photos_each=1)
    store.photo_uploaded(name(10))  # believed sent; the platform answers it is missing
    record_id = store.pending_records()[0].id
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v1/records/batch":
            return httpx.Response(200, json={"results": [accepted(record_id, missing=[name(10)])]})
        if request.method == "PUT":
            return httpx.Response(201, json={"sha256": name(10), "size": 1})
        return httpx.Response(200, json=accepted(record_id)["record"])

    engine(store, handler).push()
    assert calls == ["POST /api/v1/records/batch", f"PUT /api/v1/photos/{name(10)}",
                     f"GET /api/v1/records/{record_id}"]
    assert store.pending_records() == []


@pytest.mark.parametrize("status", [404, 405])
def test_a_platform_from_before_batches_gets_one_call_each(status: int) -> None:
    store = store_with(2, photos_each=1)
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path in ("/api/v1/records/batch", "/api/v1/photos/missing"):
            return httpx.Response(status, json={"error": {"code": "not_found", "message": "请求的资源不存在"}})
        if request.method == "PUT":
            return httpx.Response(201, json={"sha256": "x", "size": 1})
        record_id = json.loads(request.content)["record"]["id"]
        return httpx.Response(201, json=accepted(record_id)["record"])

    result = engine(store, handler).push()
    assert len(result.accepted) == 2 and store.pending_records() == []
    assert calls[0] == "POST /api/v1/photos/missing", "asked, answered 404: every photo goes"
    assert sorted(calls[1:3]) == sorted(f"PUT /api/v1/photos/{name(n)}" for n in (10, 20))
    assert calls[3:] == ["POST /api/v1/records/batch", "POST /api/v1/records", "POST /api/v1/records"]


def test_a_lost_batch_answer_costs_one_repeat() -> None:
    store = store_with(2, photos_each=0)
    platform, lost = Platform(), []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = platform(request)
        if request.url.path == "/api/v1/records/batch" and not lost:
            lost.append(1)
            raise httpx.RemoteProtocolError("closed after the platform acted")
        return answer

    assert len(engine(store, handler).push().accepted) == 2
    assert platform.batches == [2, 2] and store.pending_records() == []


def test_an_answer_not_of_the_contracts_shape_keeps_every_record() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": []})

    store = store_with(2, photos_each=0)
    with pytest.raises(Exception, match="批量提交的答复格式不符"):
        engine(store, handler).push()
    assert len(store.pending_records()) == 2


def test_progress_reaches_every_byte() -> None:
    reports: list[Progress] = []
    store = store_with(2, photos_each=1)
    engine(store, Platform(), on_progress=reports.append).push()
    total = sum(len(r["envelope"].encode()) for r in store.records()) + len(photo(10)) + len(photo(20))
    assert reports[0] == Progress(0, 2, 0, total)
    assert reports[-1] == Progress(2, 2, total, total)
    assert [r.bytes_done for r in reports] == sorted(r.bytes_done for r in reports)
