"""A joint plan's partners (配合部门) and their answers (issue 26): public who-and-when, and the
answer itself, given by the administrator or by the partner's own supervisor, who reads the plans
waiting for it (and the staff it may offer) on its own screen."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from server_stub.access import scope
from server_stub.api.deps import AdminOrSupervisorDep, ConnDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import now
from server_stub.draws import partners, planning

router = APIRouter(prefix="/api/v1", tags=["plans"])


class PublicPartner(BaseModel):
    """A partner's answer as anyone sees it: never the staff it offered."""

    department: str
    state: Literal["pending", "confirmed", "declined"]
    state_label: str = Field(description="待确认 / 已确认 / 未同意")
    answered_at: str | None = Field(description="RFC 3339 (UTC); null while pending")
    reason: str | None = Field(description="why it declined (public); null otherwise")


class PartnerList(BaseModel):
    plan_id: str
    partners: list[PublicPartner]


class PartnerAnswerIn(BaseModel):
    answer: Literal["confirm", "decline"]
    staff: list[Annotated[str, Field(max_length=40)]] = Field(
        default=[], max_length=partners.MAX_STAFF,
        description="confirm: the partner's own active staff it offers for the teams (empty: any)")
    qualifications: list[Annotated[str, Field(max_length=partners.MAX_QUALIFICATION_LENGTH)]] = Field(
        default=[], max_length=partners.MAX_QUALIFICATIONS, description="confirm: 资格要求")
    reason: str = Field(default="", max_length=partners.MAX_REASON_LENGTH,
                        description="decline: why (required, published)")


class PartnerAnswer(BaseModel):
    """The partner's answer as stored (internal: the staff offered)."""

    department: str
    state: Literal["pending", "confirmed", "declined"]
    staff: list[str]
    qualifications: list[str]
    reason: str | None
    answered_by: str | None
    answered_at: str | None


@router.get("/plans/{plan_id}/partners", responses=error_responses(404))
def list_partners(plan_id: str, conn: ConnDep) -> PartnerList:
    """Each partner of a joint plan, whether and when it confirmed, and why it declined
    (public; empty for a single department's plan)."""
    planning.load_plan(conn, plan_id)
    return PartnerList(plan_id=plan_id, partners=[
        PublicPartner(**p) for p in partners.public_partners(partners.partners_of(conn, plan_id))])


@router.post("/plans/{plan_id}/partners/{department}",
             responses=error_responses(401, 403, 404, 409, 422))
def answer_partner(plan_id: str, department: Annotated[str, Path(max_length=100)],
                   body: PartnerAnswerIn, caller: AdminOrSupervisorDep,
                   conn: ConnDep) -> PartnerAnswer:
    """A partner confirms its part of a joint plan (staff offered, qualification needs) or
    declines with a reason; it may answer again until the population is frozen (then 409).
    The administrator answers for any partner, a supervisor for their own department only."""
    scope.require_own_department(caller.department, department)
    given = partners.Answer(body.answer == "confirm", tuple(body.staff),
                            tuple(body.qualifications), body.reason)
    stored = partners.answer(conn, plan_id, department, given, now=now(), actor=caller.actor)
    return PartnerAnswer(**stored)


class RequestItem(BaseModel):
    code: str
    name: str
    department: str = Field(description="the department the item belongs to (1+X: the partner's own)")


class PartnerRequest(BaseModel):
    """A joint plan as its partner's supervisor sees it, with the department's answer so far."""

    plan_id: str
    name: str
    lead: str
    departments: list[str]
    window_start: str
    window_end: str
    items: list[RequestItem]
    scheme: dict[str, str] | None = Field(description="检查方案 (content, schedule, method), when given")
    state: Literal["pending", "confirmed", "declined"]
    state_label: str
    staff: list[str]
    qualifications: list[str]
    reason: str | None
    answered_at: str | None
    open: bool = Field(description="false once the population is frozen or drawn: no more answers")


class StaffMember(BaseModel):
    id: str
    name: str
    kind: str = Field(description="执法人员 / 专业技术人员")


class PartnerRequests(BaseModel):
    department: str
    requests: list[PartnerRequest]
    staff: list[StaffMember] = Field(description="the department's active staff it may offer")


@router.get("/partner-requests", responses=error_responses(401, 403))
def partner_requests(supervisor: SupervisorDep, conn: ConnDep) -> PartnerRequests:
    """联合抽查待确认: the joint plans in which the supervisor's department is a partner, each with
    its answer so far, and the department's active staff to offer (supervisors only; their own
    department only, so no parameter names one)."""
    department = supervisor.department
    return PartnerRequests(
        department=department,
        requests=[PartnerRequest(**r) for r in partners.requests_for(conn, department)],
        staff=[StaffMember(**m) for m in partners.staff_of(conn, department)])
