"""Supervisors' review (审核): the queue, a record, approve, return, publish."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SupervisorActorDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.core.audit_trail import ActKind, Actor, plan_of_record, record_act
from server_stub.core.clock import now
from server_stub.review import decisions as review
from sync import MAX_NOTE_LENGTH, RecordState

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


class QueueEntry(BaseModel):
    id: str
    task_id: str
    credit_code: str
    entity_name: str
    inspector_id: str
    inspector_name: str
    outcome: str
    finished_at: str | None
    state: str
    revision: bool
    own: bool = Field(description="本人参加了该任务的检查组：须由其他审核人审核（回避）")


class Queue(BaseModel):
    records: list[QueueEntry]


class Decision(BaseModel):
    comment: str = Field(default="", max_length=MAX_NOTE_LENGTH)
    publish: bool = Field(default=True, description="通过并立即公示（默认）；false 只通过，稍后公示")


class ReturnIn(BaseModel):
    comment: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH, description="退回原因（必填）")


@router.get("/review/queue")
def review_queue(
    supervisor: SupervisorDep, conn: ConnDep,
    state: Literal["submitted", "approved", "returned", "published"] = "submitted",
) -> Queue:
    """The department's records in ``state`` (default: waiting for review), oldest first."""
    return Queue(records=[QueueEntry(**r) for r in review.queue(
        conn, supervisor.department, state, reviewer=supervisor.person)])


@router.get("/review/records/{record_id}", responses=error_responses(404))
def review_record(record_id: str, supervisor: SupervisorDep, conn: ConnDep) -> dict[str, Any]:
    """Everything recorded, the signature re-checked now, device-chain gaps, revision history."""
    return review.detail(conn, supervisor.department, record_id, reviewer=supervisor.person)


@router.post("/review/records/{record_id}/approve", status_code=204,
             responses=error_responses(404, 409))
def approve(record_id: str, body: Decision, supervisor: SupervisorDep, actor: SupervisorActorDep,
            conn: ConnDep) -> None:
    at = now()
    review.approve(conn, supervisor.department, supervisor.person, record_id, comment=body.comment,
                   publish=body.publish, now=at)
    state = RecordState.PUBLISHED if body.publish else RecordState.APPROVED
    _record_decision(conn, actor, ActKind.RECORD_APPROVED, record_id, RecordState.SUBMITTED,
                     {"state": state.value, "comment": body.comment}, at)


def _record_decision(conn: sa.Connection, actor: Actor, kind: ActKind, record_id: str,
                     before: RecordState, after: dict[str, Any], at: dt.datetime) -> None:
    """A decision's audit entry, in the decision's transaction. Written here rather than in
    ``review.decisions`` so that the decisions keep their signatures (the publication log
    is being added there in the same round); the route is the one caller of each."""
    record_act(conn, actor, kind, record_id, plan_id=plan_of_record(conn, record_id),
               before={"state": before.value}, after=after, at=at)


@router.post("/review/records/{record_id}/return", status_code=204,
             responses=error_responses(404, 409, 422))
def return_record(record_id: str, body: ReturnIn, supervisor: SupervisorDep,
                  actor: SupervisorActorDep, conn: ConnDep) -> None:
    """Return the record to its inspector with a comment; they submit a revision."""
    at = now()
    review.return_record(conn, supervisor.department, supervisor.person, record_id,
                         comment=body.comment, now=at)
    _record_decision(conn, actor, ActKind.RECORD_RETURNED, record_id, RecordState.SUBMITTED,
                     {"state": RecordState.RETURNED.value, "comment": body.comment.strip()}, at)


@router.post("/review/records/{record_id}/publish", status_code=204,
             responses=error_responses(404, 409))
def publish(record_id: str, supervisor: SupervisorDep, actor: SupervisorActorDep,
            conn: ConnDep) -> None:
    """Publish an approved record on the public results page."""
    at = now()
    review.publish(conn, supervisor.department, supervisor.person, record_id, now=at)
    _record_decision(conn, actor, ActKind.RECORD_PUBLISHED, record_id, RecordState.APPROVED,
                     {"state": RecordState.PUBLISHED.value}, at)
