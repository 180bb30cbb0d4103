"""Tasks as this phone holds them, each with its state (the store's side of 我的任务)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sync import OutboxState, TaskJson

from ..domain.lookup import HistoryEntry, RiskWarning, parse_history, warnings
from ..domain.tasks import (
    LocalRecord,
    TaskRow,
    TaskState,
    is_expert,
    review_comment,
    revision_target,
    superseded_hashes,
    task_row,
    task_state,
)
from ..store import LocalStore


def _local(row: dict[str, Any] | None) -> LocalRecord | None:
    if row is None:
        return None
    return LocalRecord(row["id"], row["hash"], OutboxState(row["outbox"]), row["server_state"],
                       row["error"])


class TaskService:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def rows(self, today: dt.date | None = None) -> list[TaskRow]:
        """Every task on this phone, earliest due first, with its state and whether its
        enterprise's history raises a warning ``today`` (the phone's date: offline too)."""
        today = today or dt.date.today()
        latest = self.store.latest_records()
        drafts = self.store.draft_task_ids()
        histories = self.store.task_histories()
        return [task_row(task, task_state(task, _local(latest.get(task["id"])), task["id"] in drafts),
                         warned=bool(warnings(parse_history(histories.get(task["id"], [])), today)))
                for task in self.store.tasks()]

    def history(self, task_id: str) -> list[HistoryEntry]:
        """The enterprise's earlier inspections, newest first, as last pulled with the task."""
        return parse_history(self.store.task_history(task_id))

    def warnings(self, task_id: str, today: dt.date | None = None) -> list[RiskWarning]:
        return warnings(self.history(task_id), today or dt.date.today())

    def task(self, task_id: str) -> TaskJson | None:
        return self.store.task(task_id)

    def latest_record(self, task_id: str) -> LocalRecord | None:
        return _local(self.store.latest_records().get(task_id))

    def own_member_is_expert(self, task: TaskJson) -> bool:
        """Whether this phone's person is on the task's team as a 专业技术人员, who does not sign
        a record (the platform refuses one from their device too)."""
        enrolment = self.store.enrolment()
        own = None if enrolment is None else enrolment.inspector.get("id")
        return any(m["id"] == own and is_expert(m) for m in task["team"])

    def state(self, task: TaskJson) -> TaskState:
        return task_state(task, self.latest_record(task["id"]), self.store.draft(task["id"]) is not None)

    def supersedes(self, task: TaskJson) -> str | None:
        return revision_target(task, self.latest_record(task["id"]))

    def review_comment(self, task: TaskJson) -> str | None:
        """Why the reviewer returned the task's record (shown on the task and in the revision)."""
        return review_comment(task, self.latest_record(task["id"]))

    def recusals(self, task_id: str) -> list[dict[str, Any]]:
        """The 回避 requests made on site for the task (sent or waiting)."""
        return [r for r in self.store.recusals() if r["task_id"] == task_id]

    def own_record(self, task_id: str, record_id: str) -> dict[str, Any] | None:
        """This phone's signed record of the task (its store row, envelope included), or None."""
        rows = self.store.records(task_id)
        row = next((row for row in rows if row["id"] == record_id), None)
        if row is not None:
            row["superseded"] = row["hash"] in superseded_hashes(rows)
        return row

    def signed_record(self, task_id: str, record_hash: str) -> dict[str, Any] | None:
        """This phone's signed record of the task with that hash (what a revision starts from)."""
        for row in self.store.records(task_id):
            if row["hash"] == record_hash:
                record: dict[str, Any] = json.loads(row["envelope"])["record"]
                return record
        return None
