"""回避 requested on site: sent by the team's phone, read by the plan's supervisors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, DeviceDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import now
from server_stub.field import recusals

router = APIRouter(prefix="/api/v1", tags=["recusals"], responses=error_responses(401))


class RecusalIn(BaseModel):
    id: str = Field(description="a UUID 4 made on the phone: the request's idempotency key")
    inspector_id: str = Field(description="the team member the enterprise asked to withdraw")
    reason: str
    requested_at: str = Field(description="RFC 3339, when the enterprise asked")


class RecusalOut(BaseModel):
    id: str
    task_id: str
    credit_code: str
    entity_name: str
    inspector_id: str
    inspector_name: str
    reason: str
    requested_at: str


class RecusalList(BaseModel):
    recusals: list[RecusalOut]


@router.post("/tasks/{task_id}/recusals", status_code=201,
             responses={200: {"description": "the same request again"},
                        **error_responses(404, 409, 422)})
def request_recusal(task_id: str, body: RecusalIn, device: DeviceDep, conn: ConnDep) -> JSONResponse:
    """The enterprise asked that an inspector withdraw: the task goes back to its supervisors."""
    status = recusals.request_recusal(conn, device, task_id, body.model_dump(), now=now())
    return JSONResponse({"id": body.id, "task_id": task_id}, status_code=status)


@router.get("/review/recusals", responses=error_responses(403))
def list_recusals(supervisor: SupervisorDep, conn: ConnDep) -> RecusalList:
    """回避 requests on tasks of the supervisor's department's plans, newest first."""
    rows: list[dict[str, Any]] = recusals.for_department(conn, supervisor.department)
    return RecusalList(recusals=[RecusalOut(**row) for row in rows])
