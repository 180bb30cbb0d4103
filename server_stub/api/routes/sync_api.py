"""The sync contract of DESIGN §5: enrolment, tasks, photos, records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, DeviceDep, request_body
from server_stub.api.limits import MAX_RECORD_BYTES
from server_stub.core import throttle
from server_stub.core.clock import now
from server_stub.core.errors import ApiError, RecordNotFound, error_responses
from server_stub.field import devices, tasks
from server_stub.records import ingest

router = APIRouter(prefix="/api/v1", tags=["sync"])

PhotoBody = Annotated[bytes, request_body(lambda request: request.app.state.max_photo_bytes)]
RecordBody = Annotated[bytes, request_body(lambda request: MAX_RECORD_BYTES)]


class EnrollIn(BaseModel):
    code: str = Field(max_length=40, description="审核人提供的一次性注册码")
    public_key: str = Field(max_length=64, description="base64url (no padding) of the 32 raw bytes")
    device_name: str = Field(default="", max_length=100)


class InspectorOut(BaseModel):
    id: str
    name: str
    department: str
    badge_no: str


class EnrollOut(BaseModel):
    device_id: str
    token: str
    role: str
    inspector: InspectorOut


class TeamMember(BaseModel):
    id: str
    name: str
    badge_no: str


class EntityOut(BaseModel):
    name: str
    address: str
    region: str
    industry: str


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


class TaskList(BaseModel):
    tasks: list[TaskOut]


class PhotoOut(BaseModel):
    sha256: str
    size: int


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


@router.post("/enroll", status_code=201, responses=error_responses(400, 403, 429))
def enroll(body: EnrollIn, request: Request) -> EnrollOut:
    """Enrol a device with a one-time code and its Ed25519 public key; answers its bearer token.

    Wrong codes count against the client's address (``throttle.ENROLMENT_FAILURES``): past the
    limit every attempt from it gets 429 for a while, so codes cannot be guessed by trying.
    """
    engine = request.app.state.engine
    address = throttle.address_key(request.client.host if request.client else None)
    at = now()
    with engine.begin() as conn:
        throttle.refuse_if_over(conn, throttle.ENROLMENT_FAILURES, address, now=at)
        try:
            device, token = devices.enroll(conn, code=body.code, public_key=body.public_key,
                                           device_name=body.device_name, now=at)
            inspector = devices.inspector_of(conn, device.inspector_id)
            refused = None
        except ApiError as e:
            refused = e
    if refused is not None:
        if refused.code.startswith("enrollment_code_"):
            with engine.begin() as conn:  # the refusal's own transaction: it must stay counted
                throttle.note(conn, throttle.ENROLMENT_FAILURES, address, now=at)
        raise refused
    return EnrollOut(device_id=device.id, token=token, role=device.role,
                     inspector=InspectorOut(**inspector))


@router.get("/tasks", responses=error_responses(401))
def list_tasks(device: DeviceDep, request: Request, conn: ConnDep) -> TaskList:
    """The tasks whose team includes this device's inspector, each with its signed inspection code."""
    key = request.app.state.server_key
    return TaskList(tasks=[TaskOut(**t) for t in tasks.tasks_for_inspector(conn, device.inspector_id, key)])


@router.put(
    "/photos/{sha256}",
    status_code=201,
    responses={200: {"model": PhotoOut, "description": "the photo was already there"},
               201: {"model": PhotoOut, "description": "stored"},
               **error_responses(400, 401, 413, 415, 507)},
    openapi_extra={"requestBody": {"required": True, "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}},
)
def put_photo(
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")], request: Request, device: DeviceDep,
    data: PhotoBody, conn: ConnDep,
) -> JSONResponse:
    """Store a photo under the SHA-256 of its bytes: 201 stored, 200 already there."""
    answer = ingest.put_photo(conn, request.app.state.photo_store, device, sha256, data, now=now())
    conn.commit()  # here, not after a hop back through the event loop: see ConnDep
    return JSONResponse(answer.body, status_code=answer.status)


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
def post_record(device: DeviceDep, body: RecordBody, conn: ConnDep) -> JSONResponse:
    """Submit a signed record; safe to repeat. The answer lists photos still missing."""
    answer = ingest.submit_record(conn, device, body, now=now())
    conn.commit()  # here, not after a hop back through the event loop: see ConnDep
    return JSONResponse(answer.body, status_code=answer.status)


@router.get("/records/{record_id}", responses=error_responses(401, 404))
def get_record(record_id: str, device: DeviceDep, conn: ConnDep) -> RecordStatus:
    """A record's state: incomplete (photos missing), submitted, returned, approved, published.

    Another inspector's record is answered exactly like one that does not exist, so that a
    device cannot probe which record ids are on the platform.
    """
    if not devices.may_read_record(conn, device, record_id):
        raise RecordNotFound()
    return RecordStatus(**ingest.record_status(conn, record_id))
