"""What the inspector sees of a task: its state (待检查 … 已通过), search and the state filter."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class TaskState(enum.StrEnum):
    """A task's state on this phone, in the order the filter offers them."""

    TODO = "待检查"
    IN_PROGRESS = "检查中"
    TO_SYNC = "待同步"
    SUBMITTED = "已提交"
    RETURNED = "被退回"
    APPROVED = "已通过"


# The platform's record states (DESIGN §5 GET /api/v1/records/{id}) as the inspector reads them.
_SERVER_STATES = {
    "received": TaskState.SUBMITTED,
    "incomplete": TaskState.SUBMITTED,
    "submitted": TaskState.SUBMITTED,
    "returned": TaskState.RETURNED,
    "approved": TaskState.APPROVED,
    "published": TaskState.APPROVED,
}


@dataclass(frozen=True)
class LocalRecord:
    """This phone's latest signed record of a task, as the store keeps it."""

    id: str
    hash: str
    outbox: str  # pending | acked | rejected
    server_state: str | None
    error: str | None = None


def task_state(task: Mapping[str, Any], local: LocalRecord | None, has_draft: bool) -> TaskState:
    """The state of ``task`` from what this phone holds and what the platform last said.

    A record waiting in the outbox is 待同步 whatever came before it; a draft is 检查中. The
    platform's word (``task["record"]``, the newest record it received for the task, perhaps a
    teammate's) counts when it is about this phone's latest record, or when this phone has none.
    A record the platform refused for good counts as returned: it must be redone.
    """
    if local is not None and local.outbox == "pending":
        return TaskState.TO_SYNC
    if has_draft:
        return TaskState.IN_PROGRESS
    if local is not None and local.outbox == "rejected":
        return TaskState.RETURNED
    server = task.get("record")
    state: str | None = None
    if local is not None:
        state = local.server_state
        if server and server.get("id") == local.id:
            state = server.get("state") or state
    elif server:
        state = server.get("state")
    if state is None:
        return TaskState.TODO
    return _SERVER_STATES.get(state, TaskState.SUBMITTED)


def revision_target(task: Mapping[str, Any], local: LocalRecord | None) -> str | None:
    """The hash a revision of this task supersedes: the record the platform returned.

    ``None`` for a first record, and for a record the platform refused outright (it never held
    that one, so there is nothing to supersede).
    """
    server = task.get("record")
    if server and server.get("state") == "returned":
        return str(server["hash"])
    if local is not None and local.outbox == "acked" and local.server_state == "returned":
        return local.hash
    return None


def review_comment(task: Mapping[str, Any], local: LocalRecord | None) -> str | None:
    """The reviewer's reason when the platform returned the task's record, else None.

    Only while the returned record is the task's newest: once a revision is on its way the
    comment belongs to history.
    """
    server = task.get("record")
    if not server or server.get("state") != "returned" or not server.get("comment"):
        return None
    if local is not None and local.id != server.get("id"):
        return None
    return str(server["comment"])


@dataclass(frozen=True)
class TaskRow:
    """One line of 我的任务."""

    id: str
    entity_name: str
    address: str
    due: str
    item_count: int
    state: TaskState
    plan_name: str

    def matches(self, query: str) -> bool:
        """Whether every word of ``query`` appears in the entity, address, plan or task id."""
        haystack = f"{self.entity_name} {self.address} {self.plan_name} {self.id}".lower()
        return all(word in haystack for word in query.lower().split())


def task_row(task: Mapping[str, Any], state: TaskState) -> TaskRow:
    return TaskRow(
        id=str(task["id"]),
        entity_name=str(task["entity"]["name"]),
        address=str(task["entity"].get("address", "")),
        due=str(task["due"]),
        item_count=len(task["items"]),
        state=state,
        plan_name=str(task.get("plan_name", "")),
    )


def filter_rows(rows: Iterable[TaskRow], query: str = "", state: TaskState | None = None) -> list[TaskRow]:
    return [r for r in rows if (state is None or r.state == state) and r.matches(query)]


def count_by_state(rows: Sequence[TaskRow]) -> dict[TaskState, int]:
    counts = dict.fromkeys(TaskState, 0)
    for row in rows:
        counts[row.state] += 1
    return counts
