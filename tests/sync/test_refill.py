"""The engine's refill (issue 30 point 3) over ``httpx.MockTransport``: after a push, records the
platform acknowledged but no longer holds go back into the outbox and are sent again, once. The
run against a real platform restored from a backup is tests/integration/test_backup_restore.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from sqlite_utils import Database

from app.store import LocalStore
from sync import SyncEngine, generate_key, new_record_id, record_hash, sign_record
from tests.sync.factories import make_record

KEY = generate_key()


def store_with(count: int) -> LocalStore:
    store = LocalStore(Database(memory=True))
    prev = None
    for seq in range(1, count + 1):
        items = [{"code": "SP-01", "result": "合格", "note": "", "photos": []}]
        record = make_record(id=new_record_id(), items=items, outcome="未发现问题", seq=seq,
                             prev=prev, task_id=f"T-{seq}")
        prev = record_hash(record)
        store.add_signed_record(sign_record(record, KEY, record["device_id"]), prev,
                                "2024-05-01T10:45:30+08:00")
    return store


def platform(held: set[str], calls: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """A platform holding the records ``held`` (by id); it stores what it is sent."""
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v1/records/known":
            ids = json.loads(request.content)["ids"]
            return httpx.Response(200, json={"held": len(held),
                                             "unknown": [i for i in ids if i not in held]})
        if request.url.path == "/api/v1/records/batch":
            envelopes = json.loads(request.content)["records"]
            return httpx.Response(200, json={"results": [store(e) for e in envelopes]})
        answer = store(json.loads(request.content))  # the single call, as older engines make it
        return httpx.Response(answer["status"], json=answer["record"])

    def store(envelope: dict[str, Any]) -> dict[str, Any]:
        record_id = envelope["record"]["id"]
        new = record_id not in held
        held.add(record_id)
        return {"id": record_id, "status": 201 if new else 200, "record": {
            "id": record_id, "hash": "h", "task_id": "t", "state": "submitted", "missing_photos": []}}
    return handler


def engine(store: LocalStore, handler: Callable[[httpx.Request], httpx.Response]) -> SyncEngine:
    client = httpx.Client(base_url="http://platform.test", transport=httpx.MockTransport(handler))
    return SyncEngine(client, store, sleep=lambda _: None)


def test_nothing_lost_costs_one_small_question() -> None:
    store, held, calls = store_with(3), set[str](), []
    assert len(engine(store, platform(held, calls)).push().accepted) == 3
    calls.clear()
    result = engine(store, platform(held, calls)).push()
    assert result.refilled == [] and result.accepted == []
    assert calls == ["POST /api/v1/records/known"]


def test_records_a_restored_platform_lost_are_sent_again_once() -> None:
    store, held, calls = store_with(5), set[str](), []
    engine(store, platform(held, calls)).push()
    ids = [r["id"] for r in sorted(store.records(), key=lambda r: r["seq"])]
    restored = set(ids[:2])  # the backup held the first two
    calls.clear()
    result = engine(store, platform(restored, calls)).push()
    assert result.refilled == ids[2:]
    assert result.accepted == ids[2:]
    assert restored == set(ids)
    assert calls.count("POST /api/v1/records/batch") == 1, "the three in one batch"
    assert store.pending_records() == []
    calls.clear()
    assert engine(store, platform(restored, calls)).push().refilled == []
    assert calls == ["POST /api/v1/records/known"]


def test_a_platform_from_before_the_question_is_left_alone() -> None:
    store, held, calls = store_with(2), set[str](), []
    engine(store, platform(held, calls)).push()

    def old(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/records/known"
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "请求的资源不存在"}})

    assert engine(store, old).push().refilled == []
    assert store.pending_records() == []
