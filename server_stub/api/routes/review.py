"""Supervisors: the review queue, approval and return, publication, the follow-up ledger, the
dashboard and its export. Every call needs a supervisor's device token (an inspector's gets 403)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, DeviceDep
from server_stub.api.query import QueryDate
from server_stub.core.clock import china_date, now
from server_stub.core.errors import ApiError, error_responses
from server_stub.field import feedback
from server_stub.publication import dashboard
from server_stub.publication.exports import dashboard_csv, dashboard_xlsx
from server_stub.records.thumbnails import thumbnail
from server_stub.review import decisions as review
from server_stub.review import followups
from sync import MAX_NOTE_LENGTH

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))

def today() -> dt.date:
    return china_date(now())


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


class CloseIn(BaseModel):
    disposal: Literal["立案", "责令改正", "移送其他部门", "其他"]
    disposal_date: dt.date
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)


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


class Ledger(BaseModel):
    entries: list[LedgerEntry]


@router.get("/review/queue")
def review_queue(
    device: DeviceDep, conn: ConnDep,
    state: Literal["submitted", "approved", "returned", "published"] = "submitted",
) -> Queue:
    """The department's records in ``state`` (default: waiting for review), oldest first."""
    department = review.require_supervisor(conn, device)
    return Queue(records=[QueueEntry(**r) for r in review.queue(conn, department, state,
                                                                reviewer=device.inspector_id)])


@router.get("/review/records/{record_id}", responses=error_responses(404))
def review_record(record_id: str, device: DeviceDep, conn: ConnDep) -> dict[str, Any]:
    """Everything recorded, the signature re-checked now, device-chain gaps, revision history."""
    return review.detail(conn, review.require_supervisor(conn, device), record_id,
                         reviewer=device.inspector_id)


@router.post("/review/records/{record_id}/approve", status_code=204,
             responses=error_responses(404, 409))
def approve(record_id: str, body: Decision, device: DeviceDep, conn: ConnDep) -> None:
    review.approve(conn, device, record_id, comment=body.comment, publish=body.publish, now=now())


@router.post("/review/records/{record_id}/return", status_code=204,
             responses=error_responses(404, 409, 422))
def return_record(record_id: str, body: ReturnIn, device: DeviceDep, conn: ConnDep) -> None:
    """Return the record to its inspector with a comment; they submit a revision."""
    review.return_record(conn, device, record_id, comment=body.comment, now=now())


@router.post("/review/records/{record_id}/publish", status_code=204,
             responses=error_responses(404, 409))
def publish(record_id: str, device: DeviceDep, conn: ConnDep) -> None:
    """Publish an approved record on the public results page."""
    review.publish(conn, device, record_id, now=now())


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
def feedback_list(device: DeviceDep, conn: ConnDep) -> FeedbackList:
    """Enterprises' feedback on the department's inspections (left on the inspection code's
    page), newest first."""
    department = review.require_supervisor(conn, device)
    entries = feedback.for_plans(conn, review.department_plans(department))
    return FeedbackList(feedback=[FeedbackEntry(**f) for f in entries])


@router.get("/followups")
def ledger(request: Request, device: DeviceDep, conn: ConnDep) -> Ledger:
    """后续处置台账: open entries first; each with its disposal deadline, overdue ones flagged."""
    department = review.require_supervisor(conn, device)
    entries = followups.ledger(conn, department, today=today(), due_days=request.app.state.followup_due_days)
    return Ledger(entries=[LedgerEntry(**e) for e in entries])


@router.post("/followups/{record_id}/close", status_code=204, responses=error_responses(404, 409, 422))
def close_followup(record_id: str, body: CloseIn, device: DeviceDep, conn: ConnDep) -> None:
    department = review.require_supervisor(conn, device)
    followups.close(conn, department, record_id, disposal=body.disposal,
                    disposal_date=body.disposal_date, note=body.note,
                    closed_by=device.inspector_id, now=now())


def _dashboard(request: Request, device: DeviceDep, conn: ConnDep, plan_id: str | None,
               start: dt.date | None, end: dt.date | None) -> dashboard.Dashboard:
    department = review.require_supervisor(conn, device)
    return dashboard.build(conn, department, today=today(), period=dashboard.Period(start, end),
                           plan_id=plan_id, thresholds=request.app.state.thresholds,
                           frequent_after=request.app.state.frequent_after)


PlanQuery = Annotated[str | None, Query(max_length=60)]


@router.get("/stats/dashboard")
def stats(request: Request, device: DeviceDep, conn: ConnDep, plan_id: PlanQuery = None,
          start: QueryDate = None, end: QueryDate = None) -> dict[str, Any]:
    """Completion, publication and overdue figures, problem rates by industry, region and risk
    grade with four-colour warnings, and the share of plans using risk grades."""
    return _dashboard(request, device, conn, plan_id, start, end).to_json()


@router.get("/stats/export", responses={200: {"content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(request: Request, device: DeviceDep, conn: ConnDep, plan_id: PlanQuery = None,
           start: QueryDate = None, end: QueryDate = None,
           format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The dashboard as CSV (UTF-8 with BOM) or Excel."""
    figures = _dashboard(request, device, conn, plan_id, start, end)
    if format == "csv":
        return Response(dashboard_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=dashboard.csv"})
    return Response(dashboard_xlsx(figures),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=dashboard.xlsx"})


PhotoName = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]
# A photo's bytes never change (its name is their SHA-256): a client may keep it for a day.
PHOTO_CACHING = {"Cache-Control": "private, max-age=86400"}


def _visible_photo(sha256: str, request: Request, device: DeviceDep, conn: ConnDep) -> bytes:
    """A stored photo this device may see: supervisors their department's, inspectors their own."""
    if not review.photo_visible_to(conn, device, sha256):
        raise ApiError(404, "photo_not_found", "照片不存在或无权查看")
    try:
        data: bytes = request.app.state.photo_store.get(sha256)
    except KeyError:
        raise ApiError(404, "photo_not_found", "照片不存在或无权查看") from None
    return data


@router.get("/photos/{sha256}", responses={200: {"content": {"image/jpeg": {}}},
                                            **error_responses(404)})
def get_photo(sha256: PhotoName, request: Request, device: DeviceDep, conn: ConnDep) -> Response:
    """A photo at full size: supervisors see their department's, inspectors their own."""
    return Response(_visible_photo(sha256, request, device, conn), media_type="image/jpeg",
                    headers=PHOTO_CACHING)


@router.get("/photos/{sha256}/thumbnail", responses={200: {"content": {"image/jpeg": {}}},
                                                      **error_responses(400, 404, 500)})
def get_photo_thumbnail(sha256: PhotoName, request: Request, device: DeviceDep, conn: ConnDep,
                        long_edge: Annotated[int, Query(ge=64, le=800)] = 240) -> Response:
    """A small JPEG of a photo (at most ``long_edge`` pixels on its long side), for lists."""
    data = _visible_photo(sha256, request, device, conn)
    try:
        small = thumbnail(data, long_edge)
    except OSError:  # it was checked at upload: the stored file has been damaged since
        raise ApiError(500, "photo_damaged", "平台上的这张照片已损坏，请联系管理员") from None
    return Response(small, media_type="image/jpeg", headers=PHOTO_CACHING)
