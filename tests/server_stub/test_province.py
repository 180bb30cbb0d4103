"""The provincial platform's outbox, its pure parts (issue 27 point 5): the backoff schedule, the
body a leaf is pushed as (checked with ``sync`` alone), what each answer does to a row, leases,
and the signed manifest of a batch file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.db import make_engine, migrate
from server_stub.core.merkle_log import Log
from server_stub.publication import province
from server_stub.publication.announcements import COLUMNS
from sync import (
    b64url_decode,
    canonical_bytes,
    entry_leaf_hash,
    generate_key,
    load_public_key,
    parse_hashes,
    public_key_b64,
    read_tree_head,
    verify_inclusion,
)
from tests.utils.migrations import migrate_to

NOW = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
SETTINGS = province.PushSettings(endpoint="http://127.0.0.1:9/results", timeout=1, backoff=2,
                                 backoff_cap=30)


def test_the_backoff_doubles_up_to_its_cap() -> None:
    assert [province.backoff(n, 2, 30) for n in range(1, 8)] == [2, 4, 8, 16, 30, 30, 30]
    assert province.backoff(10_000, 2, 30) == 30  # no overflow after a very long outage


def result(n: int) -> dict[str, Any]:
    return {key: f"{key}-{n}" for key, _ in COLUMNS} | {"outcome": "未发现问题", "items": []}


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def log_leaves(engine: sa.Engine, key: Any) -> list[int]:
    """A publication, its correction, and the withdrawal of the corrected result, each appended
    and enqueued as ``publication/log.py`` does it."""
    entries: list[dict[str, Any]] = [
        {"type": "zsc-publication/1", "kind": "publish", "record_id": "r1", "record_hash": "0" * 64,
         "at": "2026-12-05T02:00:00Z", "result": result(1)},
        {"type": "zsc-publication/1", "kind": "correct", "record_id": "r1", "record_hash": "0" * 64,
         "at": "2026-12-05T03:00:00Z", "result": result(2), "amends": 0, "reason": "录入有误"},
        {"type": "zsc-publication/1", "kind": "withdraw", "record_id": "r1",
         "record_hash": "0" * 64, "at": "2026-12-06T03:00:00Z", "amends": 1, "reason": "对象有误"},
    ]
    indexes = []
    for entry in entries:
        with engine.begin() as conn:
            index = merkle_log.append(conn, Log.PUBLICATION, entry)
            merkle_log.sign_head(conn, Log.PUBLICATION, key, NOW)
            province.enqueue(conn, index, entry, NOW)
            indexes.append(index)
    return indexes


def check_body(body: dict[str, Any], public_key: str) -> None:
    """What a receiver would check, with ``sync`` alone."""
    receipt = body["receipt"]
    head = read_tree_head(receipt["tree_head"], public_key)
    leaf = entry_leaf_hash(receipt["entry"])
    assert body["idempotency_key"] == leaf.hex()
    assert verify_inclusion(receipt["index"], head.size, leaf, parse_hashes(receipt["proof"], "proof"),
                            head.root)


def test_each_leaf_is_a_body_in_the_national_columns_that_sync_verifies(engine: sa.Engine) -> None:
    key = generate_key()
    indexes = log_leaves(engine, key)
    with engine.connect() as conn:
        bodies = [province.body(conn, i) for i in indexes]
        again = [province.body(conn, i) for i in indexes]
    assert bodies == again, "every attempt sends the same body"
    assert [b["kind"] for b in bodies] == ["publish", "correct", "withdraw"]
    assert list(bodies[0]["columns"]) == [title for _, title in COLUMNS]
    assert bodies[0]["columns"]["抽查计划编号"] == "plan_id-1"
    assert bodies[1]["columns"]["检查结果"] == "result-2"
    assert bodies[2]["columns"]["抽查市场主体名称"] == "entity_name-2", "the result withdrawn"
    assert bodies[2]["withdrawn"] and bodies[2]["reason"] == "对象有误"
    assert len({b["idempotency_key"] for b in bodies}) == 3
    for body in bodies:
        check_body(body, public_key_b64(key))
        assert body["receipt"]["tree_head"]["size"] == body["receipt"]["index"] + 1


def answer(status: int) -> httpx.Response:
    return httpx.Response(status, text="答复", request=httpx.Request("POST", SETTINGS.endpoint))


def row_in(conn: sa.Connection, leaf: int) -> sa.RowMapping:
    return conn.execute(sa.select(t.province_outbox)
                        .where(t.province_outbox.c.leaf == leaf)).mappings().one()


def row(engine: sa.Engine, leaf: int) -> sa.RowMapping:
    with engine.connect() as conn:
        return conn.execute(sa.select(t.province_outbox)
                            .where(t.province_outbox.c.leaf == leaf)).mappings().one()


def test_answers_deliver_retry_or_fail_and_leases_keep_pushers_apart(engine: sa.Engine) -> None:
    log_leaves(engine, generate_key())
    with engine.begin() as conn:
        assert province.claim(conn, "a", SETTINGS.lease, at=1000) == [0, 1, 2]
        assert province.claim(conn, "b", SETTINGS.lease, at=1001) == [], "leased to a"
    with engine.begin() as conn:  # a hung: its lease runs out and b takes the rows
        assert province.claim(conn, "b", SETTINGS.lease, at=1000 + SETTINGS.lease) == [0, 1, 2]
        # a's late failure leaves b's lease alone
        assert province.settle(conn, 0, "a", answer(500), None, SETTINGS, at=1010) \
            == province.State.PENDING
        assert province.claim(conn, "c", SETTINGS.lease, at=1011) == [], "still b's"
        assert row_in(conn, 0)["attempts"] == 0
        assert province.settle(conn, 0, "b", None, "ConnectTimeout", SETTINGS, at=2000) \
            == province.State.PENDING
        assert province.settle(conn, 1, "b", answer(503), None, SETTINGS, at=2000) \
            == province.State.PENDING
        assert province.settle(conn, 2, "b", answer(422), None, SETTINGS, at=2000) \
            == province.State.FAILED
    assert row(engine, 0)["next_try"] == 2002 and row(engine, 0)["last_answer"] == "ConnectTimeout"
    assert row(engine, 2)["last_answer"] == "HTTP 422 答复"
    with engine.begin() as conn:
        assert province.claim(conn, "b", SETTINGS.lease, at=2001) == [], "not due yet"
        assert province.claim(conn, "b", SETTINGS.lease, at=2002) == [0, 1]
        assert province.settle(conn, 0, "b", answer(429), None, SETTINGS, at=2002) \
            == province.State.PENDING
        assert province.settle(conn, 1, "b", answer(409), None, SETTINGS, at=2002) \
            == province.State.DELIVERED, "409: the receiver already has it"
    assert row(engine, 0)["next_try"] == 2002 + 4 and row(engine, 0)["attempts"] == 2
    with engine.begin() as conn:
        assert province.claim(conn, "b", SETTINGS.lease, at=2006) == [0]
        assert province.settle(conn, 0, "b", answer(201), None, SETTINGS, at=2006) \
            == province.State.DELIVERED
        # an attempt that ends after another pusher delivered the row changes nothing
        assert province.settle(conn, 0, "a", answer(500), None, SETTINGS, at=2007) \
            == province.State.DELIVERED
        view = province.outbox(conn)
    assert view["counts"] == {"pending": 0, "delivered": 2, "failed": 1}
    assert [e["leaf"] for e in view["entries"]] == [2]
    with engine.begin() as conn:
        assert province.retry(conn) == 1
        assert province.claim(conn, "b", SETTINGS.lease, at=2008) == [2]


def verify_manifest(manifest_path: Path, public_key: str) -> list[dict[str, Any]]:
    """The batch as a platform that takes files checks it, with ``sync`` alone: the manifest's
    signature, each file's SHA-256 and count, each body's inclusion proof. Returns the bodies."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    signature = b64url_decode(manifest.pop("signature"), size=64, field="signature")
    load_public_key(public_key).verify(signature, canonical_bytes(manifest))
    bodies = []
    for file in manifest["files"]:
        data = (manifest_path.parent / file["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == file["sha256"]
        lines = [json.loads(line) for line in data.decode().splitlines()]
        assert len(lines) == file["count"]
        for body in lines:
            check_body(body, public_key)
        bodies += lines
    assert len(bodies) == manifest["count"]
    read_tree_head(manifest["tree_head"], public_key)
    return bodies


def test_the_batch_file_and_its_signed_manifest_verify_with_sync(engine: sa.Engine,
                                                                 tmp_path: Path) -> None:
    key = generate_key()
    log_leaves(engine, key)
    with engine.connect() as conn:
        data, manifest, count = province.export_batch(conn, dt.date(2026, 12, 5), dt.date(2026, 12, 5),
                                                      tmp_path, key, NOW)
        pushed = [province.body(conn, i) for i in (0, 1)]
    assert data.name == "zsc-province-2026-12-05_2026-12-05.jsonl" and count == 2
    assert verify_manifest(manifest, public_key_b64(key)) == pushed, "the same bodies as pushed"
    tampered = json.loads(manifest.read_text(encoding="utf-8"))
    tampered["count"] = 3
    manifest.write_text(json.dumps(tampered), encoding="utf-8")
    with pytest.raises(InvalidSignature):
        verify_manifest(manifest, public_key_b64(key))


def test_leaves_logged_before_the_outbox_are_its_backlog(database_url: str) -> None:
    """Migration 0020 puts every leaf already in the publication log into the outbox."""


    engine = make_engine(database_url)
    def upgrade(revision: str) -> None:
        migrate_to(engine, revision)

    upgrade("0019")
    entries = [{"type": "zsc-publication/1", "kind": "publish", "record_id": f"r{n}",
                "record_hash": "0" * 64, "at": "2026-12-05T02:00:00Z", "result": result(n)}
               for n in range(3)]
    with engine.begin() as conn:
        for entry in entries:
            merkle_log.append(conn, Log.PUBLICATION, entry)
    upgrade("head")
    rows = [dict(r) for r in [row(engine, n) for n in range(3)]]
    assert [r["key"] for r in rows] == [entry_leaf_hash(e).hex() for e in entries]
    assert {(r["state"], r["kind"]) for r in rows} == {("pending", "publish")}
    engine.dispose()
