"""The tasks of a device's inspector, each with its signed inspection code (DESIGN §5)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server_stub.api.deps import ConnDep, DeviceDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.field import tasks
from sync import TaskJson

router = APIRouter(prefix="/api/v1", tags=["sync"])


class TaskList(BaseModel):
    tasks: list[TaskJson]


@router.get("/tasks", responses=error_responses(401))
def list_tasks(device: DeviceDep, request: Request, settings: SettingsDep,
               conn: ConnDep) -> TaskList:
    """The tasks whose team includes this device's inspector, each with its signed inspection code."""
    key = request.app.state.server_key
    found = tasks.tasks_for_inspector(conn, device.inspector_id, key,
                                      due_days=settings.followup_due_days)
    return TaskList(tasks=found)
