"""The tasks of a device's inspector, each with its signed inspection code (DESIGN §5)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, DeviceDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.api.routes.enterprises import HistoryOut
from server_stub.field import tasks

router = APIRouter(prefix="/api/v1", tags=["sync"])


class TeamMember(BaseModel):
    id: str
    name: str
    badge_no: str


class EntityOut(BaseModel):
    name: str
    address: str
    region: str
    industry: str
    lat: float | None = Field(default=None, description="WGS 84 latitude of the registered address, "
                                                       "null when the directory has none")
    lon: float | None = Field(default=None, description="WGS 84 longitude of the registered address, "
                                                       "null when the directory has none")


class TaskItem(BaseModel):
    code: str
    name: str
    category: str
    basis: str
    method: str
    department: str
    checkpoints: list[str]


class RecordRef(BaseModel):
    id: str
    hash: str
    state: str
    comment: str | None = Field(default=None, description="the reviewer's comment (why it was returned)")


class TaskOut(BaseModel):
    id: str
    plan_id: str
    plan_name: str
    credit_code: str
    entity: EntityOut
    items: list[TaskItem]
    team: list[TeamMember]
    due: str
    code_token: str
    record: RecordRef | None
    history: list[HistoryOut] = Field(description="earlier inspections of the enterprise the inspector's "
                                                  "department may see, newest first (at most 10)")


class TaskList(BaseModel):
    tasks: list[TaskOut]


@router.get("/tasks", responses=error_responses(401))
def list_tasks(device: DeviceDep, request: Request, settings: SettingsDep,
               conn: ConnDep) -> TaskList:
    """The tasks whose team includes this device's inspector, each with its signed inspection code."""
    key = request.app.state.server_key
    found = tasks.tasks_for_inspector(conn, device.inspector_id, key,
                                      due_days=settings.followup_due_days)
    return TaskList(tasks=[TaskOut.model_validate(t) for t in found])
