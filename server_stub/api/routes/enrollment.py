"""Enrolment (DESIGN §5): a one-time code and a public key become a device."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server_stub.api.errors import error_responses
from server_stub.core import throttle
from server_stub.core.clock import now
from server_stub.core.errors import DomainError
from server_stub.field import devices

router = APIRouter(prefix="/api/v1", tags=["sync"])


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
        except DomainError as e:
            refused = e
    if refused is not None:
        if refused.code.startswith("enrollment_code_"):
            with engine.begin() as conn:  # the refusal's own transaction: it must stay counted
                throttle.note(conn, throttle.ENROLMENT_FAILURES, address, now=at)
        raise refused
    return EnrollOut(device_id=device.id, token=token, role=device.role,
                     inspector=InspectorOut(**inspector))
