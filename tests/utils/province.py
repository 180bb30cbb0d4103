"""Helpers of the provincial-platform tests (issue 27 point 5): records ready to publish, and the
stand-in receiver (``province_receiver.py``) as a process that can be killed and started again."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from tests.conftest import ROOT, Server
from tests.utils.phone import Phone, jpeg

FAST = {"ZSC_PROVINCE_TIMEOUT": "1", "ZSC_PROVINCE_POLL": "0.1", "ZSC_PROVINCE_BACKOFF": "0.05",
        "ZSC_PROVINCE_BACKOFF_CAP": "0.5"}
"""A pusher that retries at once: the tests' settings (an endpoint is added per test)."""


def submitted_records(server: Server, count: int, *, first_photo: int = 700) -> tuple[list[str], Phone]:
    """``count`` records of the demo plan's tasks, each sent by its team's first member, and a
    supervisor of the department who is on none of the teams (who approves, so publishes)."""
    engine = make_engine(server.db)
    with engine.connect() as conn:
        tasks = conn.execute(
            sa.select(t.tasks.c.id, sa.func.min(t.task_members.c.inspector_id).label("inspector"))
            .join(t.task_members, t.task_members.c.task_id == t.tasks.c.id)
            .group_by(t.tasks.c.id).order_by(t.tasks.c.id).limit(count)).all()
        team = set(conn.execute(sa.select(t.task_members.c.inspector_id)).scalars())
        supervisor_id = conn.execute(sa.select(t.inspectors.c.id).where(
            t.inspectors.c.department == SAMR, t.inspectors.c.active.is_(True),
            t.inspectors.c.id.not_in(team)).order_by(t.inspectors.c.id).limit(1)).scalar_one()
    engine.dispose()
    assert len(tasks) == count
    phones: dict[str, Phone] = {}
    records = []
    for n, (task_id, inspector) in enumerate(tasks):
        phone = phones.setdefault(inspector, Phone(server, inspector).enroll())
        task = next(x for x in phone.tasks() if x["id"] == task_id)
        photo = jpeg(n + first_photo)
        assert phone.client.put(f"/api/v1/photos/{hashlib.sha256(photo).hexdigest()}",
                                content=photo).status_code in (200, 201)
        envelope = phone.record(task, photos=[photo])
        assert phone.client.post("/api/v1/records", json=envelope).status_code == 201
        records.append(envelope["record"]["id"])
    return records, Phone(server, supervisor_id).enroll("supervisor")


def approve(client: httpx.Client, record_id: str) -> None:
    answer = client.post(f"/api/v1/review/records/{record_id}/approve", json={})
    assert answer.status_code == 204, answer.text


def correct(client: httpx.Client, record_id: str) -> None:
    answer = client.post(f"/api/v1/review/records/{record_id}/correct",
                         json={"outcome": "发现问题已责令改正", "reason": "录入有误"})
    assert answer.status_code == 201, answer.text


def withdraw(client: httpx.Client, record_id: str) -> None:
    answer = client.post(f"/api/v1/review/records/{record_id}/withdraw", json={"reason": "对象有误"})
    assert answer.status_code == 201, answer.text


class Receiver:
    """The stand-in receiver on ``port``, recording into ``record``."""

    def __init__(self, port: int, record: Path, script: str = "") -> None:
        self.port, self.record, self.script = port, record, script
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/results"

    def start(self, script: str | None = None) -> Receiver:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.utils.province_receiver", str(self.port),
             str(self.record), self.script if script is None else script],
            cwd=ROOT, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == b"ready"
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def lines(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines()
                if line.strip()]


def outbox_rows(db: str) -> list[sa.RowMapping]:
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(t.province_outbox)
                                 .order_by(t.province_outbox.c.leaf)).mappings())
    engine.dispose()
    return rows


def publication_leaves(db: str) -> dict[int, str]:
    """Every leaf of the publication log: index → leaf hash."""
    engine = make_engine(db)
    e = t.log_entries
    with engine.connect() as conn:
        found = {int(i): str(h) for i, h in conn.execute(
            sa.select(e.c.idx, e.c.leaf_hash).where(e.c.log == "publication"))}
    engine.dispose()
    return found


def wait_until_settled(db: str, timeout: float = 90) -> list[sa.RowMapping]:
    """The outbox once no row is pending."""
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows(db)
        if all(r["state"] != "pending" for r in rows):
            return rows
        assert time.monotonic() < deadline, [dict(r) for r in rows if r["state"] == "pending"]
        time.sleep(0.2)
