"""Supervisors' review (审核): the queue, a record, approve, return, publish."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import now
from server_stub.review import decisions as review
from sync import MAX_NOTE_LENGTH

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
def approve(record_id: str, body: Decision, supervisor: SupervisorDep, conn: ConnDep) -> None:
    review.approve(conn, supervisor.department, supervisor.person, record_id, comment=body.comment,
                   publish=body.publish, now=now())


@router.post("/review/records/{record_id}/return", status_code=204,
             responses=error_responses(404, 409, 422))
def return_record(record_id: str, body: ReturnIn, supervisor: SupervisorDep, conn: ConnDep) -> None:
    """Return the record to its inspector with a comment; they submit a revision."""
    review.return_record(conn, supervisor.department, supervisor.person, record_id,
                         comment=body.comment, now=now())


@router.post("/review/records/{record_id}/publish", status_code=204,
             responses=error_responses(404, 409))
def publish(record_id: str, supervisor: SupervisorDep, conn: ConnDep) -> None:
    """Publish an approved record on the public results page."""
    review.publish(conn, supervisor.department, supervisor.person, record_id, now=now())
