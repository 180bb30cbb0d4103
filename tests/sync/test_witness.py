"""The witness (issue 28 point 1) against a platform made of ``sync`` alone (an ``httpx``
mock transport serving signed tree heads and consistency proofs): it co-signs heads that only
grew, refuses a rewrite, a fork, a shorter log and a head not signed by the platform's key, keeps
both heads as evidence, and stays on its last good head."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync import (
    MerkleTree,
    TreeHead,
    consistency_proof,
    entry_leaf_hash,
    generate_key,
    hex_hashes,
    public_key_b64,
    tree_root,
)
from sync.witness import REFUSED, Platform, State, read_cosignature, run_once

NOW = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)


class FakeLog:
    """One platform log and what a witness posts to it."""

    def __init__(self) -> None:
        self.key = generate_key()
        self.entries: list[dict[str, Any]] = []
        self.head: dict[str, Any] | None = None
        self.posted: list[dict[str, Any]] = []

    def publish(self, n: int = 1) -> None:
        for _ in range(n):
            self.entries.append({"n": len(self.entries)})
        self.sign()

    def sign(self, entries: list[dict[str, Any]] | None = None) -> None:
        entries = self.entries if entries is None else entries
        self.head = TreeHead(log="publication", size=len(entries),
                             root=tree_root([entry_leaf_hash(e) for e in entries]),
                             timestamp=f"2026-12-06T01:{len(entries):02d}:00Z").sign(self.key)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/log/publication/head" and self.head:
            return httpx.Response(200, json=self.head)
        if path == "/api/v1/log/publication/consistency":
            first, second = int(request.url.params["from"]), int(request.url.params["to"])
            tree = MerkleTree()
            for e in self.entries[:second]:
                tree.append(entry_leaf_hash(e))
            return httpx.Response(200, json={"log": "publication", "from": first, "to": second,
                                             "proof": hex_hashes(consistency_proof(first, tree, second))})
        if path == "/api/v1/log/publication/cosignatures" and request.method == "POST":
            self.posted.append(json.loads(request.content))
            return httpx.Response(201, json={})
        return httpx.Response(404, json={"error": {"message": "没有"}})


@pytest.fixture
def log() -> FakeLog:
    return FakeLog()


def witness(tmp_path: Path, log: FakeLog) -> tuple[State, Platform]:
    state = State(tmp_path / "witness")
    state.init("http://platform", public_key_b64(log.key), "公证处")
    return state, Platform("http://platform", httpx.Client(transport=httpx.MockTransport(log.handler)))


def test_heads_that_only_grow_are_cosigned(tmp_path: Path, log: FakeLog) -> None:
    state, platform = witness(tmp_path, log)
    log.publish(3)
    status, lines = run_once(state, platform, NOW)
    assert status == 0, lines
    first = read_cosignature(log.posted[-1])
    assert (first.size, first.witness_key) == (3, public_key_b64(state.key()))
    status, lines = run_once(state, platform, NOW)
    assert status == 0 and "没有新的树头" in lines[0][1] and len(log.posted) == 1
    log.publish(4)
    status, lines = run_once(state, platform, NOW)
    assert status == 0, lines
    assert read_cosignature(log.posted[-1]).size == 7
    assert json.loads((state.path / "publication.json").read_text())["size"] == 7
    assert "尚无签名树头" in lines[1][1]  # the audit log is not served by this fake


@pytest.mark.parametrize("tamper", ["alter", "fork", "shorter", "foreign key"])
def test_a_rewrite_is_refused_with_evidence(tmp_path: Path, log: FakeLog, tamper: str) -> None:
    state, platform = witness(tmp_path, log)
    log.publish(5)
    assert run_once(state, platform, NOW)[0] == 0
    good = log.head
    if tamper == "alter":  # a past leaf changed, two new ones, all re-signed with the platform key
        log.entries[2] = {"n": "篡改"}
        log.publish(2)
    elif tamper == "fork":
        log.sign([*log.entries[:4], {"n": "另一份"}])
    elif tamper == "shorter":
        del log.entries[3:]
        log.sign()
    else:
        log.key = generate_key()
        log.publish(1)
    status, lines = run_once(state, platform, NOW)
    assert status == REFUSED and lines[0][1].startswith("拒绝共同签名"), lines
    assert len(log.posted) == 1
    assert json.loads((state.path / "publication.json").read_text()) == good
    if tamper != "foreign key":
        folder = next((state.path / "evidence").iterdir())
        assert json.loads((folder / "old-head.json").read_text()) == good
        assert json.loads((folder / "new-head.json").read_text()) == log.head
        reason = (folder / "reason.txt").read_text()
        assert {"alter": "一致性核验未通过", "fork": "分叉", "shorter": "变短"}[tamper] in reason
    # and it stays refused: the witness is still on its good head
    assert run_once(state, platform, NOW)[0] == REFUSED


def test_the_command_line(tmp_path: Path) -> None:
    state = tmp_path / "w"
    key = public_key_b64(generate_key())
    made = subprocess.run([sys.executable, "-m", "sync.witness", "init", "--state", str(state),
                           "--url", "http://127.0.0.1:9", "--platform-key", key, "--name", "记者"],
                          check=False, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0 and "见证人公钥" in made.stdout, made.stderr
    shown = subprocess.run([sys.executable, "-m", "sync.witness", "key", "--state", str(state)],
                           check=False, capture_output=True, text=True, timeout=60)
    assert shown.stdout.strip() in made.stdout
    assert json.loads((state / "witness.json").read_text())["public_key"] == shown.stdout.strip()
    unreachable = subprocess.run([sys.executable, "-m", "sync.witness", "once", "--state", str(state)],
                                 check=False, capture_output=True, text=True, timeout=60)
    assert unreachable.returncode == 3 and "无法连接平台" in unreachable.stderr
    other = subprocess.run([sys.executable, "-m", "sync.witness", "init", "--state", str(state),
                            "--url", "http://x", "--platform-key", public_key_b64(generate_key())],
                           check=False, capture_output=True, text=True, timeout=60)
    assert other.returncode == 2 and "另一个平台公钥" in other.stderr
