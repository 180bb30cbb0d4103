"""One word per state across the app and the platform (issue 24 point 6): the 同步 line, the task
list, the supervisor's 审核 and the Excel export say the same word for the same record state, and a
returned record whose revision the platform holds says 已修订 everywhere."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import strings as s
from app.components import state_colors
from app.domain.tasks import LocalRecord, TaskState, superseded_hashes, task_state
from app.viewmodels.sync import record_state
from server_stub.review import record_export
from sync import SUPERSEDED, OutboxState, RecordState, state_label

from .factories import make_task


def _row(state: str | None, *, outbox: str = OutboxState.ACKED, record_hash: str = "H1",
         supersedes: str | None = None) -> dict[str, Any]:
    return {"id": "R-1", "task_id": "T-1", "hash": record_hash, "outbox": outbox, "server_state": state,
            "envelope": json.dumps({"record": {"supersedes": supersedes}})}


@pytest.mark.parametrize("state", list(RecordState))
def test_the_same_record_state_is_one_word_on_every_screen(state: RecordState) -> None:
    sync_line = state_label(record_state(_row(state)))
    task_list = str(task_state(make_task(), LocalRecord("R-1", "H1", OutboxState.ACKED, str(state)), False))
    export = record_export.state_label(state, superseded=False)
    assert sync_line == task_list == export, (sync_line, task_list, export)
    if state != RecordState.INCOMPLETE:  # the review queue has no tab for records still missing photos
        assert s.REVIEW_STATES[state] == sync_line


def test_a_record_waiting_on_the_phone_is_one_word() -> None:
    pending = state_label(record_state(_row(None, outbox=OutboxState.PENDING)))
    assert pending == str(task_state(make_task(), LocalRecord("R-1", "H1", OutboxState.PENDING, None), False))


def test_a_superseded_record_is_revised_not_returned() -> None:
    """The first record stays returned on the platform; once the phone's revision naming it is
    held by the platform, 同步 and the export both say 已修订 (not a red 已退回)."""
    first = _row(RecordState.RETURNED, record_hash="H1")
    revision = {**_row(RecordState.PUBLISHED, record_hash="H2", supersedes="H1"), "id": "R-2"}
    assert superseded_hashes([first, revision]) == {"H1"}
    revised = record_state(first, superseded="H1" in superseded_hashes([first, revision]))
    assert state_label(revised) == "已修订"
    assert record_export.state_label(RecordState.RETURNED, superseded=True) == "已修订"
    # a revision still on its way does not yet replace it: the platform holds the first as returned
    waiting = {**revision, "outbox": OutboxState.PENDING, "server_state": None}
    assert superseded_hashes([first, waiting]) == set()
    assert state_label(record_state(first, superseded=False)) == "已退回"


@pytest.mark.parametrize("state", [*TaskState, *RecordState, *OutboxState, SUPERSEDED])
def test_every_state_has_a_chip_of_its_own_colours(state: str) -> None:
    """A state added without a colour once took the 同步 tab down ("Error running app")."""
    background, foreground = state_colors(state)
    assert background and foreground and background != foreground
