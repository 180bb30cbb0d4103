"""联合抽查确认: the joint plans that ask the supervisor's department to confirm its part (DESIGN
§12, 经配合部门确认后实施), in words, and the department's answer, without any Flet.

The platform keeps the answers and refuses what is wrong (staff not of the department, a
decline without a reason, an answer after the freeze); this model turns a plan into the lines a
phone shows and sends the answer, leaving the platform's message in ``error`` when it says no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync import PartnerRequest, PartnerRequests, StaffMember

from .. import strings as s
from ..domain.clock import local_time
from ..services.supervisor import PlatformError, SupervisorService
from .base import RemoteModel

PENDING = "pending"


@dataclass(frozen=True)
class ItemLine:
    name: str
    department: str
    own: bool
    """One of the partner's own items (the X of 1+X)."""


@dataclass(frozen=True)
class RequestCard:
    """One joint plan as its partner's supervisor reads it."""

    plan_id: str
    name: str
    lead: str
    period: str
    items: tuple[ItemLine, ...]
    scheme: tuple[str, ...]
    state: str
    state_label: str
    answer_lines: tuple[str, ...]
    """What the department answered: the staff it offered and its needs, or its reason."""
    open: bool


def split_needs(text: str) -> list[str]:
    """资格要求 as typed: one per 、 , ， ; ； or line, blanks dropped, order and first copy kept."""
    return list(dict.fromkeys(part.strip() for part in re.split(r"[、,，;；\n]", text) if part.strip()))


def request_card(request: PartnerRequest, staff: list[StaffMember], department: str) -> RequestCard:
    """The words of one plan; pure. Staff ids are named as the department's directory names them."""
    names = {m["id"]: m["name"] for m in staff}
    lines: list[str] = []
    if request["state"] == "confirmed":
        offered = [names.get(i, i) for i in request["staff"]]
        lines.append(s.PARTNERS_STAFF.format(names="、".join(offered)) if offered else s.PARTNERS_STAFF_ANY)
        if request["qualifications"]:
            lines.append(s.PARTNERS_QUALIFICATIONS.format(needs="、".join(request["qualifications"])))
    elif request["state"] == "declined" and request["reason"]:
        lines.append(s.PARTNERS_REASON.format(reason=request["reason"]))
    label = request["state_label"]
    if request["answered_at"]:
        label = s.PARTNERS_ANSWERED_AT.format(label=label, time=local_time(request["answered_at"]))
    scheme = request["scheme"]
    return RequestCard(
        plan_id=request["plan_id"], name=request["name"],
        lead=s.PARTNERS_LEAD.format(lead=request["lead"]),
        period=s.PARTNERS_PERIOD.format(start=request["window_start"], end=request["window_end"]),
        items=tuple(ItemLine(i["name"], i["department"], i["department"] == department)
                    for i in request["items"]),
        scheme=tuple(s.PARTNERS_SCHEME_LINE.format(label=text, text=scheme[key])  # type: ignore[literal-required]
                     for key, text in s.PARTNERS_SCHEME_LABELS) if scheme else (),
        state=request["state"], state_label=label, answer_lines=tuple(lines), open=request["open"])


class PartnersModel(RemoteModel):
    """The department's joint plans and its answers; ``message`` says what was just done."""

    def __init__(self, service: SupervisorService) -> None:
        super().__init__()
        self.service = service
        self.answers: PartnerRequests | None = None
        self.sending = False
        self.message: str | None = None

    async def load(self) -> None:
        async def read() -> None:
            self.answers = await self.service.partner_requests()

        await self.fetching(read)

    @property
    def department(self) -> str:
        return self.answers["department"] if self.answers else ""

    @property
    def staff(self) -> list[StaffMember]:
        return self.answers["staff"] if self.answers else []

    @property
    def pending(self) -> int:
        """Open plans the department has not answered yet (the 审核 tab's banner)."""
        return sum(1 for r in self.answers["requests"] if r["open"] and r["state"] == PENDING) \
            if self.answers else 0

    def cards(self) -> list[RequestCard]:
        if self.answers is None:
            return []
        return [request_card(r, self.staff, self.department) for r in self.answers["requests"]]

    def card(self, plan_id: str) -> RequestCard | None:
        return next((c for c in self.cards() if c.plan_id == plan_id), None)

    async def confirm(self, plan_id: str, staff: list[str], needs: str) -> bool:
        """Confirm with the staff ticked (none: any of them) and the needs typed; True when the
        platform took it (then the list is read again), else ``error`` says why."""
        return await self._send(plan_id, confirm=True, staff=staff, needs=split_needs(needs), reason="")

    async def decline(self, plan_id: str, reason: str) -> bool:
        """Decline with ``reason`` (required: the platform publishes it)."""
        if not reason.strip():
            self.error = s.PARTNERS_REASON_MISSING
            self.changed()
            return False
        return await self._send(plan_id, confirm=False, staff=[], needs=[], reason=reason.strip())

    async def _send(self, plan_id: str, *, confirm: bool, staff: list[str], needs: list[str],
                    reason: str) -> bool:
        card = self.card(plan_id)
        name = card.name if card else plan_id
        self.sending, self.error, self.message = True, None, None
        self.changed()
        try:
            await self.service.answer_partner(plan_id, self.department, confirm=confirm, staff=staff,
                                              qualifications=needs, reason=reason)
        except PlatformError as e:
            self.error = str(e)
            return False
        finally:
            self.sending = False
            self.changed()
        self.message = (s.PARTNERS_CONFIRMED if confirm else s.PARTNERS_DECLINED).format(plan=name)
        await self.load()
        return True
