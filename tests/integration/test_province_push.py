"""Results reach the provincial platform (issue 27 point 5): each publication, correction and
withdrawal is pushed from the outbox once per idempotency key, through a receiver that fails,
times out, drops its answer and answers twice, through kills of the server and of the receiver,
and from a backlog kept while no endpoint was set; the batch file and its signed manifest verify
with ``sync`` alone. The platform and the receiver are real processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Server, free_port, running_server, spawn_server
from tests.server_stub.test_province import verify_manifest
from tests.utils.phone import admin_client
from tests.utils.province import (
    FAST,
    Receiver,
    approve,
    correct,
    outbox_rows,
    publication_leaves,
    submitted_records,
    wait_until_settled,
    withdraw,
)

pytestmark = pytest.mark.slow


def exactly_once(receiver: Receiver, db: str) -> None:
    """Every leaf of the publication log reached the receiver as new exactly once, under its key."""
    leaves = publication_leaves(db)
    news = Counter(line["key"] for line in receiver.lines() if line["new"])
    assert set(news) == set(leaves.values()), "each published leaf arrived, and nothing else"
    assert set(news.values()) == {1}, "none arrived twice as a new result"
    assert all(line["key"] == line["body_key"] for line in receiver.lines())
    assert {line["index"] for line in receiver.lines()} == set(leaves)


def test_a_faulty_receiver_gets_each_result_once(tmp_path: Path, database_url: str) -> None:
    receiver = Receiver(free_port(), tmp_path / "received.jsonl",
                        "fail,fail,hang,drop,twice,bad").start()
    env = {**FAST, "ZSC_PROVINCE_ENDPOINT": receiver.url}
    try:
        with running_server(tmp_path / "server-data", database_url, env=env) as server:
            records, supervisor = submitted_records(server, 3)
            client = supervisor.client
            for record_id in records:
                approve(client, record_id)
            correct(client, records[0])
            withdraw(client, records[1])
            rows = wait_until_settled(server.db)
            assert len(rows) == 5
            failed = [r for r in rows if r["state"] == "failed"]
            assert len(failed) == 1 and failed[0]["last_status"] == 422
            assert "字段不符合省级平台要求" in failed[0]["last_answer"]
            assert any(r["attempts"] > 1 for r in rows), "the failures and the timeout were retried"

            # the administrator sees it and retries it; nobody else sees the outbox
            assert httpx.get(f"{server.url}/api/v1/province/outbox").status_code == 401
            assert client.get("/api/v1/province/outbox").status_code == 401
            with admin_client(server) as admin:
                view = admin.get("/api/v1/province/outbox").json()
                assert view["counts"] == {"pending": 0, "delivered": 4, "failed": 1}
                assert [e["leaf"] for e in view["entries"]] == [failed[0]["leaf"]]
                assert admin.post("/api/v1/province/outbox/retry", json={}).json() == {"retried": 1}
            rows = wait_until_settled(server.db)
            assert {r["state"] for r in rows} == {"delivered"}
            exactly_once(receiver, server.db)
            lines = receiver.lines()
            assert any(not line["new"] for line in lines), "the dropped answer's key came again"
    finally:
        receiver.kill()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, **(env or {})})


def test_a_backlog_kept_without_an_endpoint_and_the_batch_file(app_server: Server,
                                                               tmp_path: Path) -> None:
    """No endpoint (and here no pusher): the outbox keeps every result; ``province-push`` sends the
    backlog once an endpoint is given, and ``province-export`` writes the same bodies as a file."""
    records, supervisor = submitted_records(app_server, 2)
    for record_id in records:
        approve(supervisor.client, record_id)
    correct(supervisor.client, records[0])
    assert [r["state"] for r in outbox_rows(app_server.db)] == ["pending"] * 3
    cli = ["-m", "server_stub"]
    where = ["--data", str(app_server.data), "--db", app_server.db]
    refused = run(*cli, "province-push", "--once", *where)
    assert refused.returncode == 1 and "ZSC_PROVINCE_ENDPOINT" in refused.stderr + refused.stdout

    receiver = Receiver(free_port(), tmp_path / "received.jsonl").start()
    try:
        pushed = run(*cli, "province-push", "--once", *where,
                     env={**FAST, "ZSC_PROVINCE_ENDPOINT": receiver.url})
        assert pushed.returncode == 0, pushed.stderr
        assert "已送达 3 条" in pushed.stdout
        exactly_once(receiver, app_server.db)
    finally:
        receiver.kill()
    listing = run(*cli, "province-outbox", "--state", "delivered", *where)
    assert "已送达 3 条" in listing.stdout, listing.stdout

    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    out = tmp_path / "batch"
    exported = run(*cli, "province-export", "--since", "2026-01-01", "--until", today, str(out),
                   *where)
    assert exported.returncode == 0, exported.stderr
    key = httpx.get(f"{app_server.url}/api/v1/keys").json()["public_key"]
    manifest = next(out.glob("*.manifest.json"))
    bodies = verify_manifest(manifest, key)
    assert [b["receipt"]["index"] for b in bodies] == [0, 1, 2]
    sent = {line["index"] for line in receiver.lines()}
    assert sent == {0, 1, 2}
    # a body's receipt is what ``python -m sync.verify result`` checks
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(bodies[2]["receipt"], ensure_ascii=False), encoding="utf-8")
    checked = run("-m", "sync.verify", "result", str(receipt), "--key", key)
    assert checked.returncode == 0 and "核验通过" in checked.stdout, checked.stdout + checked.stderr


def test_several_server_processes_send_each_leaf_once(tmp_path: Path, database_url: str) -> None:
    """Three worker processes, a pusher each, over one database (PostgreSQL on its run): the
    leases let one of them send a leaf, and a healthy receiver gets every key once in all."""
    receiver = Receiver(free_port(), tmp_path / "received.jsonl").start()
    env = {**FAST, "ZSC_PROVINCE_ENDPOINT": receiver.url}
    try:
        with running_server(tmp_path / "server-data", database_url, env=env, workers=3) as server:
            records, supervisor = submitted_records(server, 8)
            for record_id in records:
                approve(supervisor.client, record_id)
            for record_id in records[:3]:
                correct(supervisor.client, record_id)
            rows = wait_until_settled(server.db)
            assert {r["state"] for r in rows} == {"delivered"} and len(rows) == 11
            exactly_once(receiver, server.db)
            sent = Counter(line["key"] for line in receiver.lines())
            assert set(sent.values()) == {1}, "no leaf was sent by two pushers"
            assert {r["attempts"] for r in rows} == {1}
    finally:
        receiver.kill()


KILLS = 20
ROUNDS = KILLS // 2


def test_the_push_survives_20_kills_of_server_and_receiver(tmp_path: Path,
                                                           database_url: str) -> None:
    """Each round kills the receiver, publishes (now and then corrects or withdraws), kills the
    server (SIGKILL, at a random moment of the push and its retries) and starts both again; in
    the end every leaf arrived as new exactly once."""
    rng = random.Random(27)
    receiver = Receiver(free_port(), tmp_path / "received.jsonl").start()
    env = {**FAST, "ZSC_PROVINCE_ENDPOINT": receiver.url}
    kills = 0
    try:
        with running_server(tmp_path / "server-data", database_url, env=env) as server:
            port = int(server.url.rsplit(":", 1)[1])
            records, supervisor = submitted_records(server, ROUNDS)
            for n, record_id in enumerate(records):
                # the receiver dies while (or just before) this round's results are pushed
                time.sleep(rng.uniform(0, 0.3))
                receiver.kill()
                kills += 1
                client = supervisor.client
                approve(client, record_id)
                if n % 3 == 1:
                    correct(client, records[n - 1])
                if n % 3 == 2:
                    withdraw(client, records[n - 2])  # the one corrected a round before
                # the server dies at a random moment of its retries, and comes back before the
                # receiver does (its pusher meets a refused connection first)
                time.sleep(rng.uniform(0, 0.5))
                server.process.send_signal(signal.SIGKILL)
                server.process.wait(timeout=10)
                kills += 1
                server.process = spawn_server(server.data, server.db, port, env)
                time.sleep(rng.uniform(0, 0.5))
                receiver.start()
            assert kills == KILLS
            rows = wait_until_settled(server.db)
            assert {r["state"] for r in rows} == {"delivered"}
            assert len(rows) == len(publication_leaves(server.db)) == ROUNDS + 6
            exactly_once(receiver, server.db)
            assert sum(r["attempts"] for r in rows) > len(rows), "kills made pushes fail"
    finally:
        receiver.kill()
