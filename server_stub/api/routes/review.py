"""Supervisors' review (审核): the queue, a record, approve, return, publish, and every record
of a plan or period as an Excel workbook."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SupervisorActorDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.api.query import QueryDate
from server_stub.core import tables as t
from server_stub.core.clock import china_today, now
from server_stub.review import decisions as review
from server_stub.review import lab_reports, record_export
from sync import MAX_NOTE_LENGTH, ItemResult, Outcome, QueueEntry, ReviewDetail

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


class Queue(BaseModel):
    records: list[QueueEntry]


class Decision(BaseModel):
    comment: str = Field(default="", max_length=MAX_NOTE_LENGTH)
    publish: bool = Field(default=True, description="通过并立即公示（默认）；false 只通过，稍后公示")


class ReturnIn(BaseModel):
    comment: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH, description="退回原因（必填）")


class CorrectionIn(BaseModel):
    outcome: Outcome = Field(description="更正后的检查结果")
    reason: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH, description="更正原因（必填，将一并公示）")


class WithdrawalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH, description="撤回原因（必填，将一并公示）")


class LabReportIn(BaseModel):
    item: str = Field(min_length=1, max_length=80, description="送检的抽查事项编码")
    sha256: str = Field(pattern="^[0-9a-f]{64}$",
                        description="报告PDF的SHA-256（先由本设备 PUT /api/v1/photos/{sha256} 上传）")
    number: str = Field(min_length=1, max_length=lab_reports.MAX_REPORT_NO, description="报告编号")
    conclusion: Literal["合格", "不合格"] = Field(description="检测结论：该事项的检查结论随之确定")


class LabReportOut(BaseModel):
    record_id: str
    item: str
    state: str = Field(description="附报告后记录的状态：awaiting_report（仍有送检事项未附报告）或 submitted")


class Amendment(BaseModel):
    leaf: int = Field(description="这次更正或撤回在公示日志中的条目编号")


@router.get("/review/queue")
def review_queue(
    supervisor: SupervisorDep, conn: ConnDep,
    state: Literal["submitted", "awaiting_report", "returned", "approved", "published"] = "submitted",
) -> Queue:
    """The department's records in ``state`` (default: waiting for review), oldest first;
    ``awaiting_report``: those waiting for a laboratory's report (待检测结果)."""
    return Queue(records=review.queue(conn, supervisor.department, state, reviewer=supervisor.person))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/review/export", responses={**error_responses(400, 404), 200: {"content": {XLSX: {}}}})
def export_records(supervisor: SupervisorDep, conn: ConnDep,
                   plan_id: Annotated[str | None, Query(max_length=60)] = None,
                   start: QueryDate = None, end: QueryDate = None) -> Response:
    """Every record of the department's plan ``plan_id`` (all its plans when omitted) inspected
    from ``start`` to ``end`` (China dates, both included; open-ended when omitted), as an .xlsx:
    one row per record (检查记录) and one per record and item (检查事项). Never a risk grade."""
    rows = record_export.records(conn, supervisor.department, plan_id=plan_id,
                                 period=record_export.Period(start, end))
    name = f"检查记录_{plan_id or '全部计划'}_{china_today().isoformat()}.xlsx"
    return Response(record_export.workbook(conn, rows), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=records.xlsx; filename*=UTF-8''{quote(name)}"})


@router.get("/review/records/{record_id}", responses=error_responses(404))
def review_record(record_id: str, supervisor: SupervisorDep, conn: ConnDep) -> ReviewDetail:
    """Everything recorded, the signature re-checked now, device-chain gaps, revision history."""
    return review.detail(conn, supervisor.department, record_id, reviewer=supervisor.person)


@router.post("/review/records/{record_id}/approve", status_code=204,
             responses=error_responses(404, 409))
def approve(record_id: str, body: Decision, supervisor: SupervisorDep, actor: SupervisorActorDep,
            conn: ConnDep, request: Request) -> None:
    review.approve(conn, supervisor.department, record_id, comment=body.comment,
                   publish=body.publish, actor=actor, key=request.app.state.server_key, now=now())


@router.post("/review/records/{record_id}/return", status_code=204,
             responses=error_responses(404, 409, 422))
def return_record(record_id: str, body: ReturnIn, supervisor: SupervisorDep,
                  actor: SupervisorActorDep, conn: ConnDep) -> None:
    """Return the record to its inspector with a comment; they submit a revision."""
    review.return_record(conn, supervisor.department, record_id, comment=body.comment,
                         actor=actor, now=now())


@router.post("/review/records/{record_id}/publish", status_code=204,
             responses=error_responses(404, 409))
def publish(record_id: str, supervisor: SupervisorDep, actor: SupervisorActorDep,
            conn: ConnDep, request: Request) -> None:
    """Publish an approved record on the public results page."""
    review.publish(conn, supervisor.department, record_id, actor=actor,
                   key=request.app.state.server_key, now=now())


@router.post("/review/records/{record_id}/correct", status_code=201,
             responses=error_responses(404, 409, 422))
def correct(record_id: str, body: CorrectionIn, supervisor: SupervisorDep,
            actor: SupervisorActorDep, conn: ConnDep, request: Request) -> Amendment:
    """Publish a corrected result of a published record: the new 检查结果 with the reason, as a
    new leaf of the publication log (the published result is never edited in place)."""
    return Amendment(leaf=review.correct(conn, supervisor.department, record_id,
                                         outcome=body.outcome, reason=body.reason, actor=actor,
                                         key=request.app.state.server_key, now=now()))


@router.post("/review/records/{record_id}/withdraw", status_code=201,
             responses=error_responses(404, 409, 422))
def withdraw(record_id: str, body: WithdrawalIn, supervisor: SupervisorDep,
             actor: SupervisorActorDep, conn: ConnDep, request: Request) -> Amendment:
    """Withdraw a published result from the public list; the withdrawal and its reason are
    published as a leaf of the publication log."""
    return Amendment(leaf=review.withdraw(conn, supervisor.department, record_id,
                                          reason=body.reason, actor=actor,
                                          key=request.app.state.server_key, now=now()))


@router.post("/review/records/{record_id}/lab-reports", status_code=201,
             responses={200: {"model": LabReportOut, "description": "this report was attached already"},
                        201: {"model": LabReportOut, "description": "attached"},
                        **error_responses(404, 409, 422)})
def attach_lab_report(record_id: str, body: LabReportIn, supervisor: SupervisorDep,
                      actor: SupervisorActorDep, conn: ConnDep) -> JSONResponse:
    """Attach a laboratory's report (its PDF uploaded first by this device) to an item of the
    record sent for testing: the item's result is the report's conclusion, and once every such
    item has its report the record goes to review (待审核). The same report again: 200."""
    new = lab_reports.attach(conn, supervisor.department, record_id, item=body.item, sha256=body.sha256,
                             number=body.number, conclusion=ItemResult(body.conclusion),
                             device_id=supervisor.device.id, actor=actor, now=now())
    state = conn.execute(sa.select(t.records.c.state).where(t.records.c.id == record_id)).scalar_one()
    return JSONResponse({"record_id": record_id, "item": body.item, "state": state},
                        status_code=201 if new else 200)
