"""Enterprises' feedback on their inspections, as the department's supervisors read it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server_stub.access import scope
from server_stub.api.deps import ConnDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.field import feedback

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


class FeedbackEntry(BaseModel):
    task_id: str
    plan_id: str
    credit_code: str
    entity_name: str
    record_id: str | None = Field(description="the task's current record, if one was submitted")
    message: str
    contact: str
    created_at: str


class FeedbackList(BaseModel):
    feedback: list[FeedbackEntry]


@router.get("/feedback")
def feedback_list(supervisor: SupervisorDep, conn: ConnDep) -> FeedbackList:
    """Enterprises' feedback on the department's inspections (left on the inspection code's
    page), newest first."""
    entries = feedback.for_plans(conn, scope.department_plans(supervisor.department))
    return FeedbackList(feedback=[FeedbackEntry(**f) for f in entries])
