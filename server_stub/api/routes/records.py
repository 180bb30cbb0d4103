"""Signed records in, exactly once, and their state out (DESIGN §5)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, DeviceDep, DeviceToken, as_device, request_body
from server_stub.api.errors import error_body, error_responses, status_of
from server_stub.api.limits import MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES
from server_stub.core import tables as t
from server_stub.core.clock import now
from server_stub.core.errors import DomainError, Malformed, RecordNotFound, TooLarge
from server_stub.field import devices
from server_stub.field.devices import Device
from server_stub.records import ingest, paper
from sync import ValidationError, parse_json
from sync.file_name import china_date, record_pdf_name

router = APIRouter(prefix="/api/v1", tags=["sync"])


RecordBody = Annotated[bytes, request_body(lambda request: MAX_RECORD_BYTES)]
BatchBody = Annotated[bytes, request_body(lambda request: MAX_BATCH_BYTES)]


class Chain(BaseModel):
    status: str = Field(description="ok, or gap when this device's records skip sequence numbers")
    gaps: list[list[int]]


class RecordStatus(BaseModel):
    id: str
    hash: str
    task_id: str
    state: str = Field(description="incomplete | submitted | returned | approved | published")
    missing_photos: list[str]
    chain: Chain | None = None


class Envelope(BaseModel):
    record: dict[str, Any]
    sig: str
    key_id: str


@router.post(
    "/records",
    status_code=201,
    responses={200: {"model": RecordStatus, "description": "the same record again: nothing changed"},
               201: {"model": RecordStatus, "description": "accepted"},
               **error_responses(400, 401, 403, 409, 413, 422, 507)},
    # The raw bytes are read (with a size limit) and kept verbatim, so the body is described
    # here rather than parsed by FastAPI.
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": Envelope.model_json_schema()}}}},
)
async def post_record(request: Request, token: DeviceToken, body: RecordBody) -> JSONResponse:
    """Submit a signed record; safe to repeat. The answer lists photos still missing."""
    answer = await as_device(request, token,
                             lambda conn, device: ingest.submit_record(conn, device, body, now=now()))
    return JSONResponse(answer.body, status_code=201 if answer.new else 200)


class BatchIn(BaseModel):
    records: list[Envelope] = Field(max_length=MAX_BATCH_RECORDS,
                                    description=f"signed envelopes, at most {MAX_BATCH_RECORDS}, "
                                                "in this device's chain order")


class BatchError(BaseModel):
    code: str
    message: str


class BatchResult(BaseModel):
    id: str | None = Field(description="the record's id as the envelope names it (null: unreadable)")
    status: int = Field(description="what POST /api/v1/records would have answered for this "
                                    "envelope alone: 201, 200, 400, 403, 409, 413 or 422")
    record: RecordStatus | None = Field(None, description="for 201 and 200")
    error: BatchError | None = Field(None, description="for a refusal")


class BatchOut(BaseModel):
    results: list[BatchResult] = Field(description="one per envelope sent, in the same order")


@router.post(
    "/records/batch",
    response_model=BatchOut,
    responses=error_responses(400, 401, 413, 507),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": BatchIn.model_json_schema()}}}},
)
async def post_records(request: Request, token: DeviceToken, body: BatchBody) -> JSONResponse:
    """Submit several signed records in one call (DESIGN §13), each checked and stored exactly
    once as ``POST /records`` would alone, in one transaction; one result per record, in order,
    with the status the single call would have answered, so a refused record never blocks the
    rest. 413 for more than the batch takes (records or bytes), 400 for a body that is not
    ``{"records": [...]}``: then nothing is stored."""
    def submit(conn: sa.Connection, device: Device) -> list[dict[str, Any]]:
        # In the thread too: a batch's JSON is up to a few MB. Every signature is checked before
        # the first statement, which on SQLite takes the write lock.
        envelopes, at = _batch_envelopes(body), now()
        checked = ingest.check_batch(device, envelopes, now=at, max_record_bytes=MAX_RECORD_BYTES)
        answers = ingest.store_batch(conn, device, checked, now=at)
        return [_batch_result(envelope, answer) for envelope, answer in zip(envelopes, answers, strict=True)]

    return JSONResponse({"results": await as_device(request, token, submit)})


def _batch_envelopes(body: bytes) -> list[object]:
    """The batch's envelopes, each still to be checked on its own; the batch's own shape and
    size are refused as a whole."""
    try:
        batch = parse_json(body)
    except ValidationError as e:
        raise Malformed("malformed", "；".join(p.message for p in e.problems)) from None
    records = batch.get("records") if isinstance(batch, dict) and set(batch) == {"records"} else None
    if not isinstance(records, list):
        raise Malformed("bad_batch", '批量提交的格式应为 {"records": [签名记录, …]}')
    if len(records) > MAX_BATCH_RECORDS:
        raise TooLarge("batch_too_large",
                       f"一次最多提交 {MAX_BATCH_RECORDS} 条记录（本次 {len(records)} 条）：请分批提交")
    return list(records)


def _batch_result(envelope: object, answer: ingest.IngestAnswer | DomainError) -> dict[str, Any]:
    record = envelope.get("record") if isinstance(envelope, dict) else None
    record_id = record.get("id") if isinstance(record, dict) else None
    result: dict[str, Any] = {"id": record_id if isinstance(record_id, str) else None}
    if isinstance(answer, DomainError):
        return {**result, "status": status_of(answer), **error_body(answer.code, answer.message)}
    return {**result, "status": 201 if answer.new else 200, "record": answer.body}


class KnownQuery(BaseModel):
    ids: list[Annotated[str, Field(max_length=36)]] = Field(
        default_factory=list, max_length=ingest.KNOWN_BATCH,
        description="record ids this device holds as acknowledged (at most 1000 a call)")


class Known(BaseModel):
    held: int = Field(description="how many records of this device the platform holds")
    unknown: list[str] = Field(description="the ids asked that the platform does not hold from "
                                           "this device: the phone sends them again")


@router.post("/records/known", responses=error_responses(400, 401, 413))
async def known_records(query: KnownQuery, request: Request, token: DeviceToken) -> Known:
    """Which of this device's acknowledged records the platform no longer holds: after a restore
    from a backup, the phone sends those again (each once: ingest is idempotent by id and bytes).
    Only this device's own records count; another's is answered as unknown."""
    return Known(**await as_device(request, token,
                                   lambda conn, device: ingest.known_records(conn, device.id, query.ids),
                                   read_only=True))


@router.get("/records/{record_id}", responses=error_responses(401, 404))
def get_record(record_id: str, device: DeviceDep, conn: ConnDep) -> RecordStatus:
    """A record's state: incomplete (photos missing), submitted, returned, approved, published.

    Another inspector's record is answered exactly like one that does not exist, so that a
    device cannot probe which record ids are on the platform.
    """
    if not devices.may_read_record(conn, device, record_id):
        raise RecordNotFound()
    return RecordStatus(**ingest.record_status(conn, record_id))


@router.get("/records/{record_id}/pdf", responses={200: {"content": {"application/pdf": {}}},
                                                   **error_responses(401, 404, 503)})
def get_record_pdf(record_id: str, request: Request, device: DeviceDep, conn: ConnDep) -> Response:
    """The record's 现场检查笔录 as a PDF, for the file and for printing: the same paper the
    phone gives the enterprise. Readable by whoever may read the record's state (else 404)."""
    if not devices.may_read_record(conn, device, record_id):
        raise RecordNotFound()
    pdf = paper.record_pdf(conn, request.app.state.photo_store, record_id, str(request.base_url))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": _pdf_disposition(conn, record_id)})


def _pdf_disposition(conn: sa.Connection, record_id: str) -> str:
    """``现场检查笔录_<企业名称>_<检查日期>.pdf`` (RFC 5987 ``filename*``), with a plain ASCII name
    before it for clients that read no ``filename*``."""
    r, e = t.records, t.entities
    row = conn.execute(sa.select(r.c.envelope, e.c.name).select_from(
        r.outerjoin(e, e.c.credit_code == r.c.credit_code)).where(r.c.id == record_id)).one()
    started_at = str(json.loads(row.envelope)["record"].get("started_at") or "")
    name = record_pdf_name(row.name or "", started_at)
    fallback = "record-" + (china_date(started_at) or "pdf") + ".pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
