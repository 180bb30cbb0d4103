"""后续处置台账: the follow-up ledger and closing an entry."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SettingsDep, SupervisorActorDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import china_today, now
from server_stub.review import followups
from sync import MAX_DETAIL_LENGTH, MAX_NOTE_LENGTH

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


class CloseIn(BaseModel):
    disposal: Literal["立案", "责令改正", "不予行政处罚", "行政指导/约谈", "移送其他部门", "抄告相关部门",
                      "移送司法机关", "移送纪检监察", "其他"]
    disposal_date: dt.date
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)
    case_no: str | None = Field(default=None, max_length=MAX_DETAIL_LENGTH, description="立案: 案件编号")
    counterpart: str | None = Field(default=None, max_length=MAX_DETAIL_LENGTH,
                                    description="移送、抄告: the department or authority it went to")
    list_entry: str | None = Field(default=None, max_length=MAX_DETAIL_LENGTH,
                                   description="不予行政处罚: the 首违不罚 list entry")


class LedgerEntry(BaseModel):
    record_id: str
    task_id: str
    credit_code: str
    entity_name: str
    inspected_on: str
    due_on: str = Field(description="处置期限：检查日期后 ZSC_FOLLOWUP_DUE_DAYS 个自然日")
    open: bool
    overdue: bool
    disposal: str | None
    disposal_date: str | None
    note: str | None
    case_no: str | None = None
    counterpart: str | None = None
    list_entry: str | None = None


class Ledger(BaseModel):
    entries: list[LedgerEntry]


@router.get("/followups")
def ledger(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep) -> Ledger:
    """后续处置台账: open entries first; each with its disposal deadline, overdue ones flagged."""
    entries = followups.ledger(conn, supervisor.department, today=china_today(),
                               due_days=settings.followup_due_days)
    return Ledger(entries=[LedgerEntry(**e) for e in entries])


@router.post("/followups/{record_id}/close", status_code=204, responses=error_responses(404, 409, 422))
def close_followup(record_id: str, body: CloseIn, supervisor: SupervisorDep,
                   actor: SupervisorActorDep, conn: ConnDep, request: Request) -> None:
    followups.close(conn, supervisor.department, record_id, disposal=body.disposal,
                    disposal_date=body.disposal_date, note=body.note, actor=actor,
                    key=request.app.state.server_key, now=now(),
                    details={"case_no": body.case_no, "counterpart": body.counterpart,
                             "list_entry": body.list_entry})
