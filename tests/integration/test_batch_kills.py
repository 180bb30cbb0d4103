"""The app killed in the middle of a batch, 20 times (issue 29 point 2): nothing lost, nothing
twice. The phone's sync runs as its own process (``push_client``) through a link that delays each
way (``tests/utils/slow_link.py``), and is killed at a random moment after its
``POST /api/v1/records/batch`` began: before the platform's transaction, inside it, or after its
commit with the answer still on the way, which the phone never sees."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store import LocalStore
from server_stub.core import tables as t
from server_stub.core.db import make_engine
from tests.conftest import ROOT, ServerProcess
from tests.integration.test_faults import (
    assert_exactly_once,
    more_records,
    pending_count,
    phone_store,
)
from tests.utils.slow_link import SlowLink

pytestmark = pytest.mark.slow

BATCH_LINE = b"POST /api/v1/records/batch "


def held_by_platform(server: ServerProcess, ids: set[str]) -> int:
    engine = make_engine(server.db)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(t.records)
                             .where(t.records.c.id.in_(ids))).scalar_one()
    engine.dispose()
    return int(count)


def test_killed_mid_batch_20_times(server: ServerProcess, tmp_path: Path) -> None:
    store, phone, envelopes = phone_store(server, tmp_path / "phone.db", 12)
    path = str(tmp_path / "phone.db")
    port = int(server.url.rsplit(":", 1)[1])
    batch_sent = threading.Event()

    def watch(chunk: bytes) -> None:
        if BATCH_LINE in chunk:
            batch_sent.set()

    rng = random.Random(29)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mid_batch = answer_lost = 0
    with SlowLink(port, delay=0.1, upload_bits_per_second=None, on_upload=watch) as link:
        url = f"http://127.0.0.1:{link.port}"
        for _ in range(20):
            pending = {r.id for r in LocalStore.open(Path(path)).pending_records()}
            batch_sent.clear()
            process = subprocess.Popen([sys.executable, "-m", "tests.integration.push_client", path, url],
                                       cwd=ROOT, env=env)
            deadline = time.monotonic() + 120
            while process.poll() is None and not batch_sent.wait(0.005) and time.monotonic() < deadline:
                pass
            # the answer comes back 0.2 s (two delays) after the batch, plus the platform's work
            time.sleep(rng.uniform(0, 0.35))
            alive = process.poll() is None
            if alive:
                process.send_signal(signal.SIGKILL)
            process.wait()
            left = pending_count(path)
            if batch_sent.is_set() and alive and left == len(pending):
                mid_batch += 1
                answer_lost += held_by_platform(server, pending) == len(pending)
            if left == 0:  # all sent: sign more, so the next kill lands in a batch again
                store, envelopes = more_records(store, phone, envelopes, 4)
    assert mid_batch >= 10, f"kills inside a batch: {mid_batch} of 20"
    assert answer_lost >= 1, "a kill after the platform's commit, its answer never seen"
    subprocess.run([sys.executable, "-m", "tests.integration.push_client", path, server.url],
                   check=True, cwd=ROOT, env=env, timeout=120)
    assert_exactly_once(server, LocalStore.open(Path(path)), phone, envelopes)
