"""What the inspector sees of a task: its state (待检查 … 已公示), search and the state filter."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync import (
    OUTBOX_STATE_LABELS,
    RECORD_STATE_LABELS,
    OutboxState,
    RecordState,
    StaffKind,
    TaskJson,
    TeamMemberJson,
)


def is_expert(member: TeamMemberJson) -> bool:
    """Whether a team member is a 专业技术人员 (no 执法证, does not sign; issue 26)."""
    return member.get("kind") == StaffKind.EXPERT


def officers(task: TaskJson) -> list[TeamMemberJson]:
    """The team's 执法人员: who show their 执法证 and sign."""
    return [m for m in task["team"] if not is_expert(m)]


def experts(task: TaskJson) -> list[TeamMemberJson]:
    return [m for m in task["team"] if is_expert(m)]


def credential(member: TeamMemberJson) -> str:
    """What stands beside a member's name on paper and photos: the 执法证号, or 专业技术人员."""
    return StaffKind.EXPERT.value if is_expert(member) else member["badge_no"]


class TaskState(enum.StrEnum):
    """A task's state on this phone, in the order the filter offers them. Where it names a
    record's state its word is that state's, from ``sync``'s one label table (issue 24 point 6)."""

    TODO = "待检查"
    IN_PROGRESS = "检查中"
    TO_SYNC = OUTBOX_STATE_LABELS[OutboxState.PENDING]
    INCOMPLETE = RECORD_STATE_LABELS[RecordState.INCOMPLETE]
    AWAITING_REPORT = RECORD_STATE_LABELS[RecordState.AWAITING_REPORT]
    SUBMITTED = RECORD_STATE_LABELS[RecordState.SUBMITTED]
    RETURNED = RECORD_STATE_LABELS[RecordState.RETURNED]
    APPROVED = RECORD_STATE_LABELS[RecordState.APPROVED]
    PUBLISHED = RECORD_STATE_LABELS[RecordState.PUBLISHED]


# The platform's record states (DESIGN §5 GET /api/v1/records/{id}) as the inspector reads them:
# the one map from a record's state to what the app shows (task list, chips, sync screen).
SERVER_STATES: dict[RecordState, TaskState] = {
    RecordState.INCOMPLETE: TaskState.INCOMPLETE,
    RecordState.AWAITING_REPORT: TaskState.AWAITING_REPORT,
    RecordState.SUBMITTED: TaskState.SUBMITTED,
    RecordState.RETURNED: TaskState.RETURNED,
    RecordState.APPROVED: TaskState.APPROVED,
    RecordState.PUBLISHED: TaskState.PUBLISHED,
}
OUTBOX_STATES: dict[OutboxState, TaskState] = {
    OutboxState.PENDING: TaskState.TO_SYNC,
    OutboxState.REJECTED: TaskState.RETURNED,
}


_SHOWN: dict[str, TaskState] = {str(k): v for k, v in (*SERVER_STATES.items(), *OUTBOX_STATES.items())}


def shown_state(state: str) -> TaskState:
    """The task state a record's platform or outbox state is shown as (chip colours)."""
    return _SHOWN.get(state, TaskState.SUBMITTED)


def superseded_hashes(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The hashes of this phone's records that a revision the platform holds names: those
    records are no longer to be acted on (已修订, not 已退回)."""
    hashes: set[str] = set()
    for row in rows:
        if row["outbox"] != OutboxState.ACKED:
            continue
        supersedes = json.loads(row["envelope"])["record"].get("supersedes")
        if supersedes:
            hashes.add(str(supersedes))
    return hashes


@dataclass(frozen=True)
class LocalRecord:
    """This phone's latest signed record of a task, as the store keeps it."""

    id: str
    hash: str
    outbox: OutboxState
    server_state: str | None
    error: str | None = None


def task_state(task: TaskJson, local: LocalRecord | None, has_draft: bool) -> TaskState:
    """The state of ``task`` from what this phone holds and what the platform last said.

    A record waiting in the outbox is 待同步 whatever came before it; a draft is 检查中. The
    platform's word (``task["record"]``, the newest record it received for the task, perhaps a
    teammate's) counts when it is about this phone's latest record, or when this phone has none.
    A record the platform refused for good counts as returned: it must be redone, unless the
    platform holds another current record of the task, whose state is then the task's.
    """
    if local is not None and local.outbox == OutboxState.PENDING:
        return TaskState.TO_SYNC
    if has_draft:
        return TaskState.IN_PROGRESS
    server = task.get("record")
    if local is not None and local.outbox == OutboxState.REJECTED:
        if server and server.get("id") != local.id and server.get("state") != RecordState.RETURNED:
            # The platform holds another current record of the task (a teammate's, or one from
            # this person's other phone: issue 23): that one's state is the task's.
            return shown_state(str(server.get("state") or RecordState.SUBMITTED))
        return TaskState.RETURNED
    state: str | None = None
    if local is not None:
        state = local.server_state
        if server and server.get("id") == local.id:
            state = server.get("state") or state
    elif server:
        state = server.get("state")
    if state is None:
        # Uploaded, and the platform's word not read back yet: it holds the record.
        return TaskState.TODO if local is None else TaskState.SUBMITTED
    return shown_state(state)


def revision_target(task: TaskJson, local: LocalRecord | None) -> str | None:
    """The hash a revision of this task supersedes: the record the platform returned.

    ``None`` for a first record, and for a record the platform refused outright (it never held
    that one, so there is nothing to supersede).
    """
    server = task.get("record")
    if server and server.get("state") == RecordState.RETURNED:
        return str(server["hash"])
    if (local is not None and local.outbox == OutboxState.ACKED
            and local.server_state == RecordState.RETURNED):
        return local.hash
    return None


def review_comment(task: TaskJson, local: LocalRecord | None) -> str | None:
    """The reviewer's reason when the platform returned the task's record, else None.

    Only while the returned record is the task's newest: once a revision is on its way the
    comment belongs to history.
    """
    server = task.get("record")
    if not server or server.get("state") != RecordState.RETURNED or not server.get("comment"):
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
    warned: bool = False
    """The enterprise's history raises a 风险预警 (``domain.lookup.warnings``): the card is marked."""

    def matches(self, query: str) -> bool:
        """Whether every word of ``query`` appears in the entity, address, plan or task id."""
        haystack = f"{self.entity_name} {self.address} {self.plan_name} {self.id}".lower()
        return all(word in haystack for word in query.lower().split())


def task_row(task: TaskJson, state: TaskState, *, warned: bool = False) -> TaskRow:
    return TaskRow(
        id=str(task["id"]),
        entity_name=str(task["entity"]["name"]),
        address=str(task["entity"].get("address", "")),
        due=str(task["due"]),
        item_count=len(task["items"]),
        state=state,
        plan_name=str(task.get("plan_name", "")),
        warned=warned,
    )


def filter_rows(rows: Iterable[TaskRow], query: str = "", state: TaskState | None = None) -> list[TaskRow]:
    return [r for r in rows if (state is None or r.state == state) and r.matches(query)]


def count_by_state(rows: Sequence[TaskRow]) -> dict[TaskState, int]:
    counts = dict.fromkeys(TaskState, 0)
    for row in rows:
        counts[row.state] += 1
    return counts
