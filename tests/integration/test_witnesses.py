"""Not even the key holder (issue 28, done when): the platform and two witnesses as real processes.
Normal publications are co-signed by both; then the platform's database is rewritten (a published
result's leaf altered, the tree recomputed, every head from it on re-signed with the platform's
own key from its data directory, as the key holder could) and the platform carries on: both
witnesses refuse the new head and keep the evidence, the public pages stop showing the result as
witnessed, and ``python -m sync.verify result --witness`` fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.core.server_key import load_or_create_server_key
from sync import TreeHead, canonical_bytes, entry_leaf_hash, extend_frontier, leaf_hash, tree_root
from tests.conftest import ROOT, running_server, spawn_server
from tests.utils.province import approve, submitted_records

pytestmark = pytest.mark.slow

NAMES = ("某某公证处", "市纪委监委")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def witness_once(state: Path) -> subprocess.CompletedProcess[str]:
    return run("sync.witness", "once", "--state", str(state))


def result_of(url: str, record_id: str) -> dict[str, Any]:
    for page in range(1, 20):
        rows = httpx.get(f"{url}/api/v1/public/results", params={"page": page}).json()["results"]
        for row in rows:
            if row["id"] == record_id:
                return row  # type: ignore[no-any-return]
        if not rows:
            break
    raise AssertionError(f"{record_id} is not published")


def rewrite(db: str, data: Path, index: int) -> None:
    """What the holder of the database and the platform's key could do: drop the append-only
    triggers, alter leaf ``index`` of the publication log, recompute the tree, and re-sign every
    head from it on with the platform's own key, with their times."""
    key = load_or_create_server_key(data)
    engine = make_engine(db)
    e, h = t.log_entries, t.tree_heads
    with engine.begin() as conn:
        for table in ("log_entries", "tree_heads"):
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"DROP TRIGGER {table}_append_only ON {table}"))
            else:
                conn.execute(sa.text(f"DROP TRIGGER {table}_no_update"))
                conn.execute(sa.text(f"DROP TRIGGER {table}_no_delete"))
        entry = json.loads(conn.execute(sa.select(e.c.entry).where(
            e.c.log == "publication", e.c.idx == index)).scalar_one())
        entry["result"] = {**entry["result"], "result": "未发现问题", "remarks": "（篡改）"}
        data_bytes = canonical_bytes(entry)
        conn.execute(e.update().where(e.c.log == "publication", e.c.idx == index)
                     .values(entry=data_bytes.decode(), leaf_hash=leaf_hash(data_bytes).hex()))
        hashes = [bytes.fromhex(x) for x in conn.execute(
            sa.select(e.c.leaf_hash).where(e.c.log == "publication").order_by(e.c.idx)).scalars()]
        for row in conn.execute(sa.select(h.c.size, h.c.timestamp).where(
                h.c.log == "publication", h.c.size > index)).all():
            signed = TreeHead(log="publication", size=row.size, root=tree_root(hashes[:row.size]),
                              timestamp=row.timestamp).sign(key)
            conn.execute(h.update().where(h.c.log == "publication", h.c.size == row.size)
                         .values(root=signed["root"], signature=signed["signature"]))
        frontier: list[bytes] = []
        for n, digest in enumerate(hashes):
            frontier = extend_frontier(frontier, n, digest)
        conn.execute(t.merkle_logs.update().where(t.merkle_logs.c.name == "publication")
                     .values(frontier=[x.hex() for x in frontier]))
    engine.dispose()
    assert entry_leaf_hash(entry) == hashes[index]


def test_witnesses_catch_the_key_holder(tmp_path: Path, database_url: str) -> None:
    states = [tmp_path / f"witness-{n}" for n in range(2)]
    keys = []
    for state in states:  # each witness makes its key and gives it to the platform
        made = run("sync.witness", "key", "--state", str(state))
        assert made.returncode == 0, made.stderr
        keys.append(made.stdout.strip())
    env = {"ZSC_WITNESSES": ",".join(f"{n}={k}" for n, k in zip(NAMES, keys, strict=True)),
           "ZSC_WITNESSES_REQUIRED": "2"}
    with running_server(tmp_path / "data", database_url, env=env) as server:
        platform_key = httpx.get(f"{server.url}/api/v1/keys").json()["public_key"]
        for state, name in zip(states, NAMES, strict=True):
            made = run("sync.witness", "init", "--state", str(state), "--url", server.url,
                       "--platform-key", platform_key, "--name", name)
            assert made.returncode == 0 and keys[states.index(state)] in made.stdout, made.stderr

        # normal publications, co-signed by both
        records, supervisor = submitted_records(server, 3)
        approve(supervisor.client, records[0])
        approve(supervisor.client, records[1])
        assert result_of(server.url, records[0])["witness"]["pending"]
        for state in states:
            done = witness_once(state)
            assert done.returncode == 0 and "已共同签名" in done.stdout, done.stdout + done.stderr
        shown = result_of(server.url, records[0])
        assert {w["name"] for w in shown["witness"]["witnesses"]} == set(NAMES)
        assert not shown["witness"]["pending"]
        page = httpx.get(f"{server.url}/r/{records[0]}").text
        assert "已见证" in page and NAMES[0] in page and NAMES[1] in page
        verify = ["sync.verify", "result", "--url", server.url, "--record", records[0],
                  "--key", platform_key, "--witness", keys[0], "--witness", keys[1]]
        checked = run(*verify)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        index = shown["log"]["index"]

        # the key holder rewrites the published result and re-signs, then carries on
        server.process.terminate()
        server.process.wait(timeout=30)
        rewrite(server.db, server.data, index)
        server.process = spawn_server(server.data, server.db, int(server.url.rsplit(":", 1)[1]), env)
        assert result_of(server.url, records[0])["result"] == "未发现问题"
        approve(supervisor.client, records[2])

        for state in states:
            refused = witness_once(state)
            assert refused.returncode == 1, refused.stdout + refused.stderr
            assert "拒绝共同签名「publication」日志" in refused.stderr
            assert "日志被改写" in refused.stderr
            evidence = [p for p in (state / "evidence").iterdir() if p.name.startswith("publication")]
            assert len(evidence) == 1
            old = json.loads((evidence[0] / "old-head.json").read_text())
            new = json.loads((evidence[0] / "new-head.json").read_text())
            assert new["size"] > old["size"] > index and new["signature"] != old["signature"]
            assert (evidence[0] / "proof.json").exists()
            # the audit trail was not touched: still co-signed
            assert "「audit」日志" in refused.stdout

        # the public pages stop showing the result as witnessed
        shown = result_of(server.url, records[0])
        assert not shown["witness"]["witnessed"] and shown["witness"]["witnesses"] == []
        assert shown["witness"]["pending"]
        page = httpx.get(f"{server.url}/r/{records[0]}").text
        assert "未经见证" in page and "待见证" in page and "已见证" not in page
        head = httpx.get(f"{server.url}/api/v1/log/publication/witnessed").json()
        assert head["cosignatures"] == []
        assert "尚无外部见证人共同签名" in httpx.get(f"{server.url}/log/publication").text

        # and the verifier with a witness fails
        failed = run(*verify)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "核验未通过" in failed.stderr
