"""The sync engine's own logic, over ``httpx.MockTransport`` (retries, refusals, progress), with
the app's real offline store as its outbox. End-to-end runs against the real server live in
tests/integration."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import httpx
import pytest
from sqlite_utils import Database

from app.store import LocalStore
from sync import (
    AuthError,
    Progress,
    RetryPolicy,
    SyncEngine,
    SyncError,
    TransportError,
    generate_key,
    record_hash,
    sign_record,
)
from tests.app.factories import make_task
from tests.sync.factories import make_record

KEY = generate_key()
PHOTO = b"\xff\xd8photo-bytes"
PHOTO_NAME = hashlib.sha256(PHOTO).hexdigest()


def store_with_record(photos: bool = True) -> LocalStore:
    store = LocalStore(Database(memory=True))
    items = [{"code": "SP-01", "result": "合格", "note": "", "photos": [PHOTO_NAME] if photos else []}]
    record = make_record(items=items, outcome="未发现问题")
    if photos:
        store.add_photo(PHOTO_NAME, PHOTO, b"thumb", record["task_id"], "2024-05-01T10:00:00+08:00")
    store.add_signed_record(sign_record(record, KEY, record["device_id"]), record_hash(record),
                            "2024-05-01T10:45:30+08:00")
    return store


def status(state: str = "submitted", missing: list[str] | None = None) -> dict[str, object]:
    return {"id": "x", "hash": "h", "task_id": "t", "state": state, "missing_photos": missing or []}


def engine(store: LocalStore, handler: Callable[[httpx.Request], httpx.Response],
           **kwargs: object) -> tuple[SyncEngine, list[float]]:
    """The engine over ``handler``; without the refill after a push unless asked (its own
    tests: tests/sync/test_refill.py), and one call per photo and record (what the engine falls
    back to on a platform from before batches), so that these handlers see only the calls they
    test."""
    sleeps: list[float] = []
    client = httpx.Client(base_url="http://platform.test", transport=httpx.MockTransport(handler))
    kwargs.setdefault("refill", False)
    kwargs.setdefault("batch", False)  # the one-by-one calls; batches: tests/sync/test_batches.py
    return SyncEngine(client, store, sleep=sleeps.append, rng=lambda: 1.0, **kwargs), sleeps  # type: ignore[arg-type]


def test_photos_go_first_then_the_record_is_acknowledged() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "PUT":
            assert request.content == PHOTO
            return httpx.Response(201, json={"sha256": PHOTO_NAME, "size": len(PHOTO)})
        return httpx.Response(201, json=status())

    store = store_with_record()
    result, _ = engine(store, handler)[0].push(), None
    assert calls == [f"PUT /api/v1/photos/{PHOTO_NAME}", "POST /api/v1/records"]
    assert result.accepted and not result.rejected
    assert store.pending_records() == [] and store.records()[0]["server_state"] == "submitted"
    assert store.is_photo_uploaded(PHOTO_NAME)


def test_retries_network_failures_with_bounded_backoff() -> None:
    failures = iter([httpx.ConnectError("down"), httpx.ReadTimeout("slow"), None])

    def handler(request: httpx.Request) -> httpx.Response:
        failure = next(failures)
        if failure is not None:
            raise failure
        return httpx.Response(201, json=status())

    store = store_with_record(photos=False)
    eng, sleeps = engine(store, handler, retry=RetryPolicy(attempts=5, base_seconds=1, cap_seconds=1.5))
    assert eng.push().accepted
    assert sleeps == [1.0, 1.5], "full jitter with rng=1 waits the whole, capped, back-off"


def test_gives_up_after_the_last_attempt_and_keeps_the_record() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    store = store_with_record(photos=False)
    eng, sleeps = engine(store, handler, retry=RetryPolicy(attempts=3))
    with pytest.raises(TransportError, match="稍后会自动重试"):
        eng.push()
    assert len(sleeps) == 2 and len(store.pending_records()) == 1


def test_a_lost_answer_costs_one_repeat() -> None:
    """The server acted but the answer never arrived: the repeat is answered 200."""
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("connection closed after the server acted")
        return httpx.Response(200, json=status())

    store = store_with_record(photos=False)
    assert engine(store, handler)[0].push().accepted
    assert len(seen) == 2 and store.pending_records() == []


@pytest.mark.parametrize("code", [400, 403, 409, 422])
def test_permanent_refusal_marks_the_record_and_keeps_it(code: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, json={"error": {"code": "x", "message": "检查人员不在检查组中"}})

    store = store_with_record(photos=False)
    result = engine(store, handler)[0].push()
    assert result.rejected == [(store.records()[0]["id"], "检查人员不在检查组中")]
    row = store.records()[0]
    assert row["outbox"] == "rejected" and row["error"] == "检查人员不在检查组中"
    assert row["envelope"], "a refused record is never deleted"


def test_unknown_device_stops_the_push() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"code": "device_revoked", "message": "本设备已被停用"}})

    store = store_with_record(photos=False)
    with pytest.raises(AuthError, match="已被停用"):
        engine(store, handler)[0].push()
    assert len(store.pending_records()) == 1


def test_missing_photos_are_sent_again() -> None:
    puts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            puts.append(request.url.path)
            return httpx.Response(200, json={"sha256": PHOTO_NAME, "size": 1})
        if request.method == "POST":
            return httpx.Response(201, json=status("incomplete", [PHOTO_NAME]))
        return httpx.Response(200, json=status("submitted"))

    store = store_with_record()
    store.photo_uploaded(PHOTO_NAME)  # the device believes it sent it; the platform lost it
    engine(store, handler)[0].push()
    assert puts == [f"/api/v1/photos/{PHOTO_NAME}"]
    assert store.records()[0]["server_state"] == "submitted"


def test_progress_counts_records_and_bytes() -> None:
    reports: list[Progress] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(201, json={"sha256": PHOTO_NAME, "size": 1})
        return httpx.Response(201, json=status())

    store = store_with_record()
    engine(store, handler, on_progress=reports.append)[0].push()
    envelope_size = len(store.records()[0]["envelope"].encode())
    total = envelope_size + len(PHOTO)
    assert reports == [Progress(0, 1, 0, total), Progress(1, 1, total, total)]


def test_unexpected_answer_is_a_sync_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "请求的资源不存在"}})

    with pytest.raises(SyncError, match="请求的资源不存在"):
        engine(store_with_record(photos=False), handler)[0].push()


def test_pull_tasks() -> None:
    tasks = [make_task("T1")]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/tasks"
        return httpx.Response(200, content=json.dumps({"tasks": tasks}).encode())

    assert engine(LocalStore(Database(memory=True)), handler)[0].pull_tasks() == tasks


@pytest.mark.parametrize("body", [b"<html>proxy</html>", b'{"tasks": {}}', b'{"tasks": [{"id": "T1"}]}'])
def test_tasks_not_of_the_contracts_shape_are_refused_whole(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    with pytest.raises(SyncError, match="任务列表格式不符"):
        engine(LocalStore(Database(memory=True)), handler)[0].pull_tasks()


def test_a_busy_platform_is_retried_after_the_wait_it_asks_for() -> None:
    """503 with Retry-After (the platform's answer to a crowd): wait at least that, then go on."""
    answers = iter([httpx.Response(503, headers={"Retry-After": "3"},
                                   json={"error": {"code": "busy", "message": "平台繁忙"}}),
                    httpx.Response(201, json=status())])

    store = store_with_record(photos=False)
    eng, sleeps = engine(store, lambda request: next(answers))
    assert eng.push().accepted and store.pending_records() == []
    assert sleeps == [3.0], "the back-off alone (0.5 s) would be shorter than Retry-After"


def test_a_retry_after_beyond_the_cap_ends_the_push_at_once() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, headers={"Retry-After": "3600"})

    store = store_with_record(photos=False)
    eng, sleeps = engine(store, handler)
    with pytest.raises(TransportError, match="稍后会自动重试"):
        eng.push()
    assert calls == [1] and sleeps == [] and len(store.pending_records()) == 1


def store_with_recusals(*task_ids: str) -> LocalStore:
    store = LocalStore(Database(memory=True))
    for n, task_id in enumerate(task_ids):
        store.add_recusal({"id": f"00000000-0000-4000-8000-00000000000{n}", "task_id": task_id,
                            "inspector_id": "WH002", "inspector_name": "李四", "reason": "亲属关系",
                            "requested_at": f"2026-03-02T09:0{5 + n}:00+08:00"})
    return store


def test_other_requests_go_through_the_same_outbox_after_the_records() -> None:
    """One outbox (issue 25 point 4): a 回避 request is sent by the engine, with its retries; a
    refusal for good is kept with its reason, the accepted one is done, nothing is sent twice."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if "T-2" in request.url.path:
            return httpx.Response(409, json={"error": {"code": "conflict", "message": "任务已重新安排"}})
        if len(calls) == 1:
            return httpx.Response(503)
        assert json.loads(request.content)["reason"] == "亲属关系"
        return httpx.Response(201, json={})

    store = store_with_recusals("T-1", "T-2")
    sender, sleeps = engine(store, handler)
    sender.push()
    assert calls == ["POST /api/v1/tasks/T-1/recusals"] * 2 + ["POST /api/v1/tasks/T-2/recusals"]
    assert len(sleeps) == 1, "the busy answer was retried like a record's"
    assert store.pending_requests() == []
    assert [(r["sent"], r["error"]) for r in store.recusals()] == [(1, None), (1, "任务已重新安排")]
    sender.push()
    assert len(calls) == 3, "nothing is sent twice"


def test_an_unreachable_platform_keeps_the_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    store = store_with_recusals("T-1")
    with pytest.raises(TransportError):
        engine(store, handler)[0].push()
    assert len(store.pending_requests()) == 1
