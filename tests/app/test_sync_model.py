"""The sync view-model: a sync under way is waited for, even when its coroutine is cancelled."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, cast

from app.services.sync_service import SyncReport, SyncService
from app.viewmodels.sync import SyncModel
from sync import Progress


class SlowService:
    """A sync that writes until ``release`` is set (the platform answering slowly)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.done = threading.Event()

    def reachable(self) -> bool:
        return True

    def pending_count(self) -> int:
        return 0

    def run(self, on_progress: Any) -> SyncReport:
        self.started.set()
        self.release.wait(10)
        self.done.set()
        return SyncReport(ok=True, message="")


def test_finished_waits_for_the_thread_of_a_cancelled_sync() -> None:
    """退出登记 cancels the automatic sync, then waits for ``finished`` before forgetting the
    store: the sync's thread must have stopped writing by then."""
    service = SlowService()
    model = SyncModel(cast(SyncService, service), interval_seconds=3600)

    async def sign_out() -> bool:
        automatic = asyncio.create_task(model.run_automatically())
        await asyncio.to_thread(service.started.wait, 10)
        automatic.cancel()
        threading.Timer(0.3, service.release.set).start()
        await model.finished()
        return service.done.is_set()

    assert asyncio.run(sign_out()), "finished() returned while the sync's thread still ran"
    assert not model.running


def test_progress_says_something_only_while_records_go_up() -> None:
    """A sync with nothing to send (the automatic one, every few minutes) shows no
    "记录 0/0 0 B / 0 B" line; a push shows its records and bytes."""
    model = SyncModel(cast(SyncService, SlowService()), interval_seconds=3600)
    assert model.progress_text() == ""
    model.running, model.progress = True, Progress(0, 0, 0, 0)
    assert model.progress_text() == ""
    model.progress = Progress(1, 3, 2048, 4096)
    assert model.progress_text() == "记录 1/3\u30002 KB / 4 KB"
    assert model.progress_value() == 0.5
