"""Concurrent publications through several server processes on one PostgreSQL database (issue
15, point 4): the log's order is the database's, one leaf per index, and every signed tree head
is consistent with the last; what the public fetches verifies with ``python -m sync.verify``."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.core.merkle_log import Log
from server_stub.core.server_key import load_or_create_server_key
from sync import parse_hashes, read_tree_head, verify_consistency
from tests.conftest import PG_URL, ROOT, ServerProcess, running_server
from tests.utils.province import submitted_records

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(PG_URL is None, reason="needs ZSC_TEST_PG_URL (PostgreSQL)")]

WORKERS = 3
RECORDS = 12


@pytest.fixture
def workers(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server-data", database_url, workers=WORKERS) as process:
        yield process


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Runs the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | None] = [None] * len(calls)

    def run(n: int) -> None:
        barrier.wait()
        answers[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def test_concurrent_publications_make_one_log(workers: ServerProcess, tmp_path: Path) -> None:
    engine = make_engine(workers.db)
    records, supervisor = submitted_records(workers, RECORDS, first_photo=900)
    clients = [supervisor.client for _ in records]  # one connection each: spread over the workers
    answers = at_once([lambda c=c, r=r: c.post(f"/api/v1/review/records/{r}/approve", json={})
                       for c, r in zip(clients, records, strict=True)])
    assert [a.status_code for a in answers] == [204] * RECORDS, [a.text for a in answers]

    # amendments at once too: the same withdrawal twice (one wins), a correction of another
    twice = at_once([
        lambda: clients[0].post(f"/api/v1/review/records/{records[0]}/withdraw", json={"reason": "对象有误"}),
        lambda: clients[1].post(f"/api/v1/review/records/{records[0]}/withdraw", json={"reason": "对象有误"}),
        lambda: clients[2].post(f"/api/v1/review/records/{records[1]}/correct",
                                json={"outcome": "发现问题已责令改正", "reason": "录入有误"}),
    ])
    assert sorted(a.status_code for a in twice[:2]) == [201, 409] and twice[2].status_code == 201
    size = RECORDS + 2

    with engine.connect() as conn:
        indexes = list(conn.execute(sa.select(t.log_entries.c.idx)
                                    .where(t.log_entries.c.log == Log.PUBLICATION)
                                    .order_by(t.log_entries.c.idx)).scalars())
        assert indexes == list(range(size)), "one leaf per index, no gap"
        leaves = [merkle_log.leaf(conn, Log.PUBLICATION, i) for i in indexes]
        published = [leaf.entry["record_id"] for leaf in leaves
                     if leaf is not None and leaf.entry["kind"] == "publish"]
        assert sorted(published) == sorted(records), "each record published once"
        assert merkle_log.verify_stored(conn, Log.PUBLICATION,
                                        load_or_create_server_key(workers.data)) == []
    engine.dispose()

    public = httpx.Client(base_url=workers.url)
    key = public.get("/api/v1/keys").json()["public_key"]
    heads = [read_tree_head(h, key) for h in public.get("/api/v1/log/publication/heads").json()["heads"]]
    assert [h.size for h in heads] == list(range(1, size + 1)), "a signed head at every size"
    last = heads[-1]
    for head in heads[:-1]:
        proof = public.get("/api/v1/log/publication/consistency",
                           params={"from": head.size, "to": last.size}).json()["proof"]
        assert verify_consistency(head.size, last.size, head.root, last.root,
                                  parse_hashes(proof, "proof")), head.size

    # and what anyone would run against the platform
    first = tmp_path / "first.json"
    first.write_text(public.get("/api/v1/log/publication/heads/1").text, encoding="utf-8")
    for args in (["consistency", str(first), "--url", workers.url],
                 ["result", "--url", workers.url, "--record", records[1], "--key", key]):
        run = subprocess.run([sys.executable, "-m", "sync.verify", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 0 and "核验通过" in run.stdout, run.stdout + run.stderr
