"""The follow-up ledger (后续处置台账): every current result 发现问题待后续处理 stays open until a
supervisor closes it with its disposal (``sync.Disposal``: 立案 with its case number, a transfer
with whom it went to, 不予行政处罚 with its 首违不罚 list entry…) and date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.access.history import disposal_deadline
from server_stub.access.scope import FINAL_STATES, department_plans, department_record
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, plan_of_record, record_act
from server_stub.core.clock import china_date
from server_stub.core.config import DEFAULT_DUE_DAYS
from server_stub.core.errors import Conflict, Invalid
from server_stub.publication import log as publication_log
from server_stub.review.decisions import refuse_own_inspection
from sync import Disposal, Outcome, disposal_problem


def disposal_due(inspected: dt.date, today: dt.date, due_days: int) -> tuple[dt.date, bool]:
    """The disposal deadline, and whether an entry still open ``today`` is past it."""
    due = disposal_deadline(inspected, due_days)
    return due, today > due


def ledger(conn: sa.Connection, department: str, *, today: dt.date,
           due_days: int = DEFAULT_DUE_DAYS) -> list[dict[str, Any]]:
    """Open entries first (oldest first), then closed ones; each with its disposal deadline, and
    open ones past it flagged overdue."""
    r, f, e = t.records, t.followups, t.entities
    rows = conn.execute(
        sa.select(r.c.id, r.c.task_id, r.c.credit_code, r.c.inspected_on, r.c.state,
                  e.c.name.label("entity_name"), f.c.disposal, f.c.disposal_date, f.c.note,
                  f.c.case_no, f.c.counterpart, f.c.list_entry)
        .join(t.tasks, t.tasks.c.id == r.c.task_id)
        .join(e, e.c.credit_code == r.c.credit_code)
        .outerjoin(f, f.c.record_id == r.c.id)
        .where(r.c.outcome == Outcome.PROBLEM_PENDING.value, r.c.superseded.is_(False),
               r.c.state.in_(FINAL_STATES),
               t.tasks.c.plan_id.in_(department_plans(department)))
        .order_by(r.c.inspected_on, r.c.id)
    ).mappings()
    entries = []
    for row in rows:
        inspected = row["inspected_on"]
        is_open = row["disposal"] is None
        due, late = disposal_due(inspected, today, due_days)
        entries.append({
            "record_id": row["id"], "task_id": row["task_id"], "credit_code": row["credit_code"],
            "entity_name": row["entity_name"], "inspected_on": inspected.isoformat(),
            "due_on": due.isoformat(), "open": is_open, "overdue": is_open and late,
            "disposal": row["disposal"],
            "disposal_date": row["disposal_date"].isoformat() if row["disposal_date"] else None,
            "note": row["note"], **{key: row[key] for key in DETAILS},
        })
    return sorted(entries, key=lambda x: (not x["open"], x["inspected_on"]))


DETAILS = ("case_no", "counterpart", "list_entry")


def close(conn: sa.Connection, department: str, record_id: str, *, disposal: str,
          disposal_date: dt.date, note: str, actor: Actor, key: Ed25519PrivateKey,
          now: dt.datetime, details: dict[str, str | None] | None = None) -> None:
    """Closes the record's follow-up with its disposal; ``actor`` (a supervisor of
    ``department``) closes it, never on a task whose team includes them. A published result then
    shows the disposal, and that change is a leaf of the publication log (signed with the
    platform's ``key``), never a silent edit."""
    closed_by = actor.person
    given = {key: ((details or {}).get(key) or "").strip() or None for key in DETAILS}
    problem = disposal_problem(disposal, given)
    if problem is not None:
        raise Invalid("bad_disposal", problem)
    row = department_record(conn, department, record_id)
    refuse_own_inspection(conn, closed_by, row["task_id"])
    if row["outcome"] != Outcome.PROBLEM_PENDING.value or row["superseded"]:
        raise Invalid("not_pending", "该记录的检查结果不是“发现问题待后续处理”，无需登记后续处置")
    if disposal_date < row["inspected_on"]:
        raise Invalid("bad_date", "处置日期不能早于检查日期")
    if disposal_date > china_date(now):
        raise Invalid("bad_date", f"处置日期不能晚于今天（{china_date(now).isoformat()}，北京时间）：请登记已作出的处置")
    try:
        with conn.begin_nested():
            conn.execute(t.followups.insert().values(
                record_id=record_id, disposal=Disposal(disposal).value, disposal_date=disposal_date,
                note=note, closed_by=closed_by, closed_at=now, **given))
    except sa.exc.IntegrityError:
        raise Conflict("already_closed", "该事项已登记处置，台账中已关闭") from None
    publication_log.record_follow_up(conn, record_id, key=key, now=now)
    record_act(conn, actor, ActKind.FOLLOWUP_CLOSED, record_id, plan_id=plan_of_record(conn, record_id),
               at=now, before={"open": True},
               after={"open": False, "disposal": disposal, "disposal_date": disposal_date.isoformat(),
                      "note": note, **{k: v for k, v in given.items() if v}})
