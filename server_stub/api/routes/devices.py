"""Administration over the API: enrolment codes, device revocation, device-chain gaps."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server_stub.api.deps import AdminActorDep, AdminDep, ConnDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import now
from server_stub.field import devices, enrollment
from server_stub.records import ingest

router = APIRouter(prefix="/api/v1", tags=["admin"], dependencies=[AdminDep],
                   responses=error_responses(401))


class CodeIn(BaseModel):
    inspector_id: str = Field(max_length=40)
    role: Literal["inspector", "supervisor"] = "inspector"
    valid_hours: int = Field(default=24, ge=1, le=24 * 14)


class CodeOut(BaseModel):
    code: str
    inspector_id: str
    role: str
    expires_at: str
    enroll_uri: str = Field(description="what the enrolment QR code holds: server address and code")


class DeviceGaps(BaseModel):
    device_id: str
    inspector_id: str
    gaps: list[list[int]] = Field(description="the sequence numbers skipped: [first, last] ranges")


class GapsOut(BaseModel):
    devices: list[DeviceGaps]


@router.post("/enrollment-codes", status_code=201, responses=error_responses(404, 422))
def create_code(body: CodeIn, request: Request, actor: AdminActorDep, conn: ConnDep) -> CodeOut:
    """A one-time enrolment code for an inspector's (or supervisor's) device."""
    issued = now()
    code = enrollment.issue_code(conn, body.inspector_id, now=issued, actor=actor, role=body.role,
                                 valid_for=dt.timedelta(hours=body.valid_hours))
    server = str(request.base_url).rstrip("/")
    return CodeOut(code=code, inspector_id=body.inspector_id, role=body.role,
                   expires_at=(issued + dt.timedelta(hours=body.valid_hours)).isoformat(),
                   enroll_uri=enrollment.enroll_uri(server, code))


@router.post("/devices/{device_id}/revoke", status_code=204, responses=error_responses(404))
def revoke_device(device_id: str, actor: AdminActorDep, conn: ConnDep) -> None:
    """Stop a device: its later calls and records are refused; its earlier records stay valid."""
    devices.revoke(conn, device_id, now=now(), actor=actor)


@router.get("/chain-gaps")
def chain_gaps(conn: ConnDep) -> GapsOut:
    """Devices whose records skip sequence numbers (a record deleted on the phone shows here)."""
    return GapsOut(devices=[DeviceGaps(**d) for d in ingest.chain_gaps(conn)])
