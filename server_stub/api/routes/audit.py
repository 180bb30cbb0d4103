"""全过程留痕: reading the audit trail (issue 19). The administrator reads all of it; a supervisor
reads the acts on their departments' plans and on those plans' records, nothing else (no
directory change, no device, no other department's plan)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from server_stub.api.deps import AdminDep, ConnDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.api.query import QueryDate
from server_stub.core import audit_trail
from server_stub.core import merkle_log as ml
from server_stub.core.audit_trail import ActKind

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=error_responses(401))


class ActorOut(BaseModel):
    role: str = Field(description="admin / supervisor / cli")
    person: str = Field(description="admin:令牌指纹、审核人的人员编号，或 用户@主机")
    device: str | None


class Entry(BaseModel):
    index: int = Field(description="the entry's leaf index in the audit log")
    v: int
    kind: ActKind
    object: str
    plan: str | None
    actor: ActorOut
    origin: str = Field(description="the client's address, or cli@host")
    at: str = Field(description="UTC, ISO 8601")
    before: Any
    after: Any


class Trail(BaseModel):
    entries: list[Entry]
    head: dict[str, Any] | None = Field(
        description="the newest tree head the platform signed (RFC 9162 root over every entry); "
                    "null in a supervisor's view, which is not the whole trail")


Kind = Annotated[ActKind | None, Query()]
ObjectId = Annotated[str | None, Query(alias="object", max_length=200)]
Person = Annotated[str | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
Format = Literal["json", "csv"]
CSV_CONTENT: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "text/csv": {}}}}


def _answer(conn: ConnDep, query: audit_trail.Query, format: Format,
            with_head: bool) -> Trail | Response:
    entries = audit_trail.search(conn, query)
    if format == "csv":
        return Response("\ufeff" + audit_trail.csv_export(entries),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=audit.csv"})
    return Trail(entries=[Entry(**e) for e in entries],
                 head=ml.latest_head(conn, ml.Log.AUDIT) if with_head else None)


@router.get("/audit", dependencies=[AdminDep], responses=CSV_CONTENT, response_model=None)
def audit(conn: ConnDep, kind: Kind = None, object_id: ObjectId = None, person: Person = None,
          start: QueryDate = None, end: QueryDate = None, limit: Limit = 200, offset: Offset = 0,
          format: Format = "json") -> Trail | Response:
    """The whole audit trail, oldest first, filtered by kind, object, person and period (China
    dates, both included); ``format=csv`` for a spreadsheet whose cells are never formulas."""
    return _answer(conn, audit_trail.Query(kind, object_id, person, start, end, limit=limit,
                                           offset=offset), format, with_head=True)


@router.get("/department/audit", responses={**CSV_CONTENT, **error_responses(403)},
            response_model=None)
def department_audit(supervisor: SupervisorDep, conn: ConnDep, kind: Kind = None,
                     object_id: ObjectId = None, person: Person = None, start: QueryDate = None,
                     end: QueryDate = None, limit: Limit = 200, offset: Offset = 0,
                     format: Format = "json") -> Trail | Response:
    """The acts on the calling supervisor's departments' plans and their records: plans
    created, draws frozen, made or abandoned, review decisions and follow-up closures."""
    return _answer(conn, audit_trail.Query(kind, object_id, person, start, end,
                                           department=supervisor.department, limit=limit,
                                           offset=offset), format, with_head=False)
