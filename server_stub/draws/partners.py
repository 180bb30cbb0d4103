"""配合部门的确认: a joint plan's partners answer before its population is frozen (DESIGN §12).

A joint plan is made by its lead department (``departments[0]``) 会同 its partners (the rest);
the seeds' rule is 经配合部门确认后实施: each partner confirms its part (its items, which are
on the plan already, the staff it offers for the teams, and what it asks of them) or declines
with a reason, and the plan is not drawn until every partner has confirmed. So:

- creating a joint plan writes one ``pending`` answer per partner (:func:`add_partners`);
- a partner may answer, and answer again, until the population is frozen; an answer after the
  freeze (or the draw) would change a draw already under way and is refused (409);
- the freeze is refused while any partner has not answered or has declined
  (:func:`require_confirmed`): a declining partner holds the plan until it confirms (or the lead
  makes a new plan without it), since the plan's items of that department would otherwise be
  inspected by nobody of it;
- the staff a partner offered are the only people of that department the team draw sees
  (:func:`within_offer`), which ``planning.run_draw`` applies to the inspectors it hands the
  draw, so the auditor's export lists exactly the people the draw chose from.

Each answer is an act of the audit trail, on the plan (supervisors of its departments read it).
What the public sees (:func:`public_partners`): each partner, its state, when it answered and
a decline's reason; never the staff it offered (internal, as the teams are until the draw).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, record_act
from server_stub.core.clock import rfc3339_or_none
from server_stub.core.errors import Conflict, Invalid, NotFound
from sync import Inspector, Plan

PENDING = "pending"
CONFIRMED = "confirmed"
DECLINED = "declined"
STATE_LABELS = {PENDING: "待确认", CONFIRMED: "已确认", DECLINED: "未同意"}

MAX_STAFF = 200
MAX_QUALIFICATIONS = 20
MAX_QUALIFICATION_LENGTH = 60
MAX_REASON_LENGTH = 500
MAX_REQUESTS = 200
"""The most joint plans a partner's screen lists (the newest plan ids)."""


@dataclass(frozen=True)
class Answer:
    """A partner's answer: it confirms (with the staff it offers, empty: any of its active staff,
    and its qualification needs) or declines (with its reason, which is published)."""

    confirm: bool
    staff: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    reason: str = ""


def add_partners(conn: sa.Connection, plan: Plan) -> None:
    """One pending answer per partner of a new plan (none for a single department's plan)."""
    partners = plan.departments[1:]
    if partners:
        conn.execute(t.plan_partners.insert(),
                     [{"plan_id": plan.id, "department": d, "state": PENDING, "staff": [],
                       "qualifications": []} for d in partners])


def partners_of(conn: sa.Connection, plan_id: str, *, lock: bool = False) -> list[dict[str, Any]]:
    """The plan's partners' answers, in the order the plan names its departments (internal:
    with the staff offered); with ``lock``, their rows locked until the caller commits."""
    p = t.plan_partners
    spec = conn.execute(sa.select(t.plans.c.spec).where(t.plans.c.id == plan_id)).scalar()
    order = {d: n for n, d in enumerate(spec["departments"] if spec else ())}
    query = sa.select(p).where(p.c.plan_id == plan_id)
    rows = conn.execute(query.with_for_update() if lock else query).mappings().all()
    return [{"department": r["department"], "state": r["state"], "staff": list(r["staff"]),
             "qualifications": list(r["qualifications"]), "reason": r["reason"],
             "answered_by": r["answered_by"], "answered_at": rfc3339_or_none(r["answered_at"])}
            for r in sorted(rows, key=lambda r: order.get(r["department"], len(order)))]


def public_partners(partners: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What anyone may see of the partners' answers: who, in which state, since when, and why a
    partner declined (一公开: a plan held back says by whom and why). Not the staff offered."""
    return [{"department": p["department"], "state": p["state"],
             "state_label": STATE_LABELS[p["state"]], "answered_at": p["answered_at"],
             "reason": p["reason"] if p["state"] == DECLINED else None} for p in partners]


def _frozen_or_drawn(conn: sa.Connection, plan_id: str) -> bool:
    c = t.draw_ceremonies
    frozen = conn.execute(sa.select(c.c.id).where(c.c.open_plan_id == plan_id)).first()
    drawn = conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id == plan_id)).first()
    return frozen is not None or drawn is not None


def _checked(conn: sa.Connection, department: str, answer: Answer) -> Answer:
    """The answer as stored: a decline keeps only its reason; a confirmation's staff must be
    active people of the partner itself (a department offers its own staff, nobody else's)."""
    if not answer.confirm:
        reason = answer.reason.strip()
        if not reason:
            raise Invalid("reason_required", "不同意参加联合抽查须写明原因（将公开）")
        return Answer(False, reason=reason[:MAX_REASON_LENGTH])
    staff = tuple(dict.fromkeys(s.strip() for s in answer.staff if s.strip()))
    if len(staff) > MAX_STAFF:
        raise Invalid("invalid_staff", f"派出人员不能超过{MAX_STAFF}名")
    if staff:
        i = t.inspectors
        found = set(conn.execute(sa.select(i.c.id).where(
            i.c.id.in_(staff), i.c.department == department, i.c.active.is_(True))).scalars())
        wrong = [s for s in staff if s not in found]
        if wrong:
            raise Invalid("invalid_staff",
                          f"人员「{'、'.join(wrong)}」不是「{department}」在岗的执法检查人员")
    needs = tuple(dict.fromkeys(q.strip() for q in answer.qualifications if q.strip()))
    if len(needs) > MAX_QUALIFICATIONS or any(len(q) > MAX_QUALIFICATION_LENGTH for q in needs):
        raise Invalid("invalid_qualifications",
                      f"资格要求最多{MAX_QUALIFICATIONS}条，每条不超过{MAX_QUALIFICATION_LENGTH}个字符")
    return Answer(True, staff=staff, qualifications=needs)


def answer(conn: sa.Connection, plan_id: str, department: str, given: Answer, *,
           now: dt.datetime, actor: Actor) -> dict[str, Any]:
    """Store ``department``'s answer to the joint plan ``plan_id`` and record the act; returns
    the partner's answer as :func:`partners_of` gives it.

    404 when the plan does not exist or ``department`` is not one of its partners (the lead
    does not answer its own plan); 409 once the population is frozen or drawn; 422 for a decline
    without a reason or staff that are not the partner's own active people. Who may answer for
    ``department`` is the caller's to check (the administrator, or that department's supervisor).
    """
    if conn.execute(sa.select(t.plans.c.id).where(t.plans.c.id == plan_id)).first() is None:
        raise NotFound("plan_not_found", f"抽查计划「{plan_id}」不存在")
    p = t.plan_partners
    where = sa.and_(p.c.plan_id == plan_id, p.c.department == department)
    # locked before the freeze is looked for: a freeze running at once locks the same rows
    # (require_confirmed), so either it sees this answer or this answer sees it
    old = conn.execute(sa.select(p).where(where).with_for_update()).mappings().first()
    if old is None:
        raise NotFound("partner_not_found", f"「{department}」不是抽查计划「{plan_id}」的配合部门")
    if _frozen_or_drawn(conn, plan_id):
        raise Conflict("plan_frozen",
                       f"抽查计划「{plan_id}」的名录已冻结或已抽取，配合部门不能再更改答复")
    checked = _checked(conn, department, given)
    values = {"state": CONFIRMED if checked.confirm else DECLINED, "staff": list(checked.staff),
              "qualifications": list(checked.qualifications),
              "reason": checked.reason or None, "answered_by": actor.person, "answered_at": now}
    conn.execute(p.update().where(where).values(**values))
    kind = ActKind.PARTNER_CONFIRMED if checked.confirm else ActKind.PARTNER_DECLINED
    record_act(conn, actor, kind, f"{plan_id}/{department}", plan_id=plan_id, at=now,
               before={k: old[k] for k in ("state", "staff", "qualifications", "reason")},
               after={k: values[k] for k in ("state", "staff", "qualifications", "reason")})
    return next(r for r in partners_of(conn, plan_id) if r["department"] == department)


def requests_for(conn: sa.Connection, department: str) -> list[dict[str, Any]]:
    """The joint plans that ask ``department`` to confirm its part, for its supervisor's screen:
    what a partner decides on (the plan's name, lead, period, items with their departments and
    the scheme; not its grade ratios, which it does not need), this department's current answer,
    and whether it may still answer (``open``: until the freeze). Open plans first, those not yet
    answered before the others, then newest plan id first; at most ``MAX_REQUESTS``."""
    p = t.plan_partners
    rows = conn.execute(
        sa.select(t.plans.c.id, t.plans.c.name, t.plans.c.spec, p)
        .join(p, p.c.plan_id == t.plans.c.id)
        .where(p.c.department == department)
        .order_by(t.plans.c.id.desc()).limit(MAX_REQUESTS)).mappings().all()
    codes = sorted({code for r in rows for code in r["spec"]["items"]})
    items = {r.code: (r.name, r.department) for r in conn.execute(
        sa.select(t.items.c.code, t.items.c.name, t.items.c.department).where(t.items.c.code.in_(codes)))}
    c, d = t.draw_ceremonies, t.draws
    closed = set(conn.execute(sa.select(c.c.open_plan_id).where(
        c.c.open_plan_id.in_([r["id"] for r in rows]))).scalars())
    closed |= set(conn.execute(sa.select(d.c.plan_id).where(d.c.plan_id.in_([r["id"] for r in rows]))).scalars())
    requests = []
    for r in rows:
        spec = r["spec"]
        requests.append({
            "plan_id": r["id"], "name": r["name"], "lead": spec["departments"][0],
            "departments": list(spec["departments"]),
            "window_start": spec["window_start"], "window_end": spec["window_end"],
            "items": [{"code": code, "name": items.get(code, (code, ""))[0],
                       "department": items.get(code, ("", ""))[1]} for code in spec["items"]],
            "scheme": spec.get("scheme"),
            "state": r["state"], "state_label": STATE_LABELS[r["state"]],
            "staff": list(r["staff"]), "qualifications": list(r["qualifications"]),
            "reason": r["reason"], "answered_at": rfc3339_or_none(r["answered_at"]),
            "open": r["id"] not in closed})
    requests.sort(key=lambda q: (not q["open"], q["state"] != PENDING))
    return requests


def staff_of(conn: sa.Connection, department: str) -> list[dict[str, str]]:
    """The department's active staff a partner may offer, by name (what the supervisor picks
    from): id, name and kind; badge numbers and conflicts stay out."""
    i = t.inspectors
    rows = conn.execute(sa.select(i.c.id, i.c.name, i.c.kind).where(
        i.c.department == department, i.c.active.is_(True)).order_by(i.c.name, i.c.id)).all()
    return [{"id": r.id, "name": r.name, "kind": r.kind} for r in rows]


def require_confirmed(conn: sa.Connection, plan_id: str) -> None:
    """409 unless every partner of the plan has confirmed: naming those who have not answered
    and those who declined, with their reasons. A plan without partners (and a joint plan made
    before partners answered, which has no answers stored) passes."""
    partners = partners_of(conn, plan_id, lock=True)  # no answer changes under the freeze
    pending = [p["department"] for p in partners if p["state"] == PENDING]
    declined = [p for p in partners if p["state"] == DECLINED]
    if not pending and not declined:
        return
    parts = []
    if pending:
        parts.append("、".join(f"「{d}」" for d in pending) + "尚未答复")
    parts += [f"「{p['department']}」未同意（{p['reason']}）" for p in declined]
    raise Conflict("partners_not_confirmed",
                   "联合抽查须经全部配合部门确认后才能冻结名录：" + "；".join(parts))


def offered_staff(conn: sa.Connection, plan_id: str) -> dict[str, frozenset[str]]:
    """The staff each confirmed partner named (partners that named none are left out: any of
    their staff may be drawn)."""
    p = t.plan_partners
    rows = conn.execute(sa.select(p.c.department, p.c.staff).where(
        p.c.plan_id == plan_id, p.c.state == CONFIRMED)).all()
    return {department: frozenset(staff) for department, staff in rows if staff}


def within_offer(inspectors: Sequence[Inspector],
                 offered: Mapping[str, frozenset[str]]) -> list[Inspector]:
    """``inspectors`` without the people of a department that offered others: of a partner
    that named its staff, only those; everyone of the other departments. Order kept."""
    return [i for i in inspectors if i.department not in offered or i.id in offered[i.department]]


def limit_to_offered(conn: sa.Connection, plan_id: str,
                     inspectors: Sequence[Inspector]) -> list[Inspector]:
    """What ``planning.run_draw`` hands the team draw: ``within_offer`` of the plan's offers."""
    return within_offer(inspectors, offered_staff(conn, plan_id))
