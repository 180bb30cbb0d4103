"""Supervisors' review (审核) and publication (公示) of records, scoped to their department.

A supervisor is an enrolled device with the supervisor role; their department is their own
entry's in the staff directory, and they see the records of plans their department runs or
joins (``plan_departments``), nothing else. Nobody decides on an inspection of a task whose team
includes them (回避), whichever device they use: the queue shows such records as needing another
reviewer. The server enforces all of this, not only the app.

States: ``submitted`` → ``approved`` → ``published``, or ``submitted`` → ``returned``; a returned
record is revised by a new record whose ``supersedes`` names it, which marks it ``superseded``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.access.scope import department_plans, department_record, on_team
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, plan_of_record, record_act
from server_stub.core.clock import china_date, rfc3339_or_none
from server_stub.core.errors import Conflict, Invalid, NotAllowed
from server_stub.field import feedback
from server_stub.publication import log as publication_log
from server_stub.publication.announcements import number_plan
from server_stub.records import lab_tests
from server_stub.records.confirmation import confirmation
from sync import (
    ContentConfirmation,
    Outcome,
    QueueEntry,
    RecordState,
    ReturnedRecord,
    ReviewDetail,
    RevisionLine,
    SignatureCheck,
    SignatureError,
    ValidationError,
    find_gaps,
    state_label,
    validate_record,
    verify_envelope,
)


def refuse_own_inspection(conn: sa.Connection, person: str, task_id: str) -> None:
    """403 when ``person`` was on the task's team: their own inspection needs another reviewer."""
    if conn.execute(sa.select(on_team(person, task_id))).scalar():
        raise NotAllowed("own_inspection",
                         "您是该任务检查组成员，应当回避：本人参加的检查须由其他审核人审核")


def queue(conn: sa.Connection, department: str, state: str = RecordState.SUBMITTED, *,
          reviewer: str) -> list[QueueEntry]:
    """The department's current (not superseded) records in ``state``, oldest first; ``own``
    marks those ``reviewer`` inspected (需他人审核)."""
    r, e = t.records, t.entities
    rows = conn.execute(
        sa.select(r.c.id, r.c.task_id, r.c.credit_code, r.c.outcome, r.c.finished_at, r.c.state,
                  r.c.inspector_id, r.c.supersedes, e.c.name.label("entity_name"),
                  t.inspectors.c.name.label("inspector_name"),
                  on_team(reviewer, r.c.task_id).label("own"))
        .join(t.tasks, t.tasks.c.id == r.c.task_id)
        .join(e, e.c.credit_code == r.c.credit_code)
        .join(t.inspectors, t.inspectors.c.id == r.c.inspector_id)
        .where(r.c.state == state, r.c.superseded.is_(False),
               t.tasks.c.plan_id.in_(department_plans(department)))
        .order_by(r.c.received_at, r.c.id)
    ).mappings()
    return [{"id": row["id"], "task_id": row["task_id"], "credit_code": row["credit_code"],
             "entity_name": row["entity_name"], "inspector_id": row["inspector_id"],
             "inspector_name": row["inspector_name"], "outcome": row["outcome"],
             "finished_at": rfc3339_or_none(row["finished_at"]), "state": row["state"],
             "revision": row["supersedes"] is not None, "own": bool(row["own"])} for row in rows]


def detail(conn: sa.Connection, department: str, record_id: str, *, reviewer: str) -> ReviewDetail:
    """Everything a reviewer needs: the record as signed, names, the signature check re-run now,
    the device's chain gaps, the revision history, the returned record a revision corrects
    (``previous``, with the reason it was returned), the enterprise's feedback, and whether
    ``reviewer`` was on the team (then another supervisor must decide)."""
    row = department_record(conn, department, record_id)
    envelope = json.loads(row["envelope"])
    record = envelope["record"]
    key = conn.execute(sa.select(t.devices.c.public_key)
                       .where(t.devices.c.id == row["device_id"])).scalar_one()
    try:
        verify_envelope(envelope, key)
        signature: SignatureCheck = {"valid": True, "message": "签名有效：记录自签名后未被改动"}
    except (SignatureError, ValidationError) as e:
        signature = {"valid": False, "message": f"签名无效：{e}"}
    seqs = conn.execute(sa.select(t.records.c.seq)
                        .where(t.records.c.device_id == row["device_id"])).scalars()
    gaps = [[g.start, g.stop - 1] for g in find_gaps(seqs)]
    previous = returned_record(conn, record.get("supersedes"))
    codes = [it["code"] for it in record["items"]]
    if previous is not None:
        codes += [it["code"] for it in previous["record"]["items"]]
    items = {i.code: i.name for i in _items(conn, codes)}
    people = dict(conn.execute(sa.select(t.inspectors.c.id, t.inspectors.c.name)
                               .where(t.inspectors.c.id.in_(record["inspectors"]))).all())
    entity = conn.execute(sa.select(t.entities.c.name, t.entities.c.address, t.entities.c.lat,
                                    t.entities.c.lon)
                          .where(t.entities.c.credit_code == row["credit_code"])).one()
    return {
        "id": row["id"], "hash": row["hash"], "state": row["state"], "task_id": row["task_id"],
        "plan_id": row["plan_id"], "superseded": row["superseded"],
        "entity": {"name": entity.name, "address": entity.address, "credit_code": row["credit_code"],
                   "lat": entity.lat, "lon": entity.lon},
        "record": record,
        "item_names": items,
        "inspector_names": people,
        "signature": signature,
        "chain_gaps": gaps,
        "review": {"reviewer_id": row["reviewer_id"], "reviewed_at": rfc3339_or_none(row["reviewed_at"]),
                   "comment": row["review_comment"], "published_at": rfc3339_or_none(row["published_at"])},
        "history": revision_history(conn, row["task_id"]),
        "previous": previous,
        "confirmation": _confirmation_json(conn, record),
        "feedback": feedback.for_task(conn, row["task_id"]),
        "own": bool(conn.execute(sa.select(on_team(reviewer, row["task_id"]))).scalar()),
        "lab_reports": lab_tests.reports(conn, record_id),
    }


def _confirmation_json(conn: sa.Connection, record: dict[str, Any]) -> ContentConfirmation:
    """Whether the enterprise confirmed this record's content (``records.confirmation``): a
    reviewer must know when a revision's findings were never shown to the enterprise."""
    found = confirmation(conn, validate_record(record))
    return {"confirmed": found.confirmed, "signed_version": found.signed_version}


def returned_record(conn: sa.Connection, supersedes: str | None) -> ReturnedRecord | None:
    """The record a revision corrects (named by its hash in ``supersedes``) as it was signed,
    with the reviewer's reason for returning it: what the reviewer compares the revision with.
    ``None`` for a first record. Both are records of one task, so one department's."""
    if not supersedes:
        return None
    r = t.records
    row = conn.execute(sa.select(r.c.id, r.c.envelope, r.c.review_comment, r.c.reviewed_at)
                       .where(r.c.hash == supersedes)).mappings().first()
    if row is None:
        return None
    return {"id": row["id"], "record": json.loads(row["envelope"])["record"],
            "review_comment": row["review_comment"], "reviewed_at": rfc3339_or_none(row["reviewed_at"])}


def _items(conn: sa.Connection, codes: list[str]) -> list[Any]:
    return list(conn.execute(sa.select(t.items.c.code, t.items.c.name).where(t.items.c.code.in_(codes))))


def revision_history(conn: sa.Connection, task_id: str) -> list[RevisionLine]:
    """Every record of the task, first to last, with its state and review comment."""
    r = t.records
    rows = conn.execute(
        sa.select(r.c.id, r.c.hash, r.c.state, r.c.supersedes, r.c.outcome, r.c.received_at,
                  r.c.review_comment, r.c.superseded)
        .where(r.c.task_id == task_id).order_by(r.c.received_at, r.c.id)
    ).mappings()
    return [{"id": row["id"], "hash": row["hash"], "state": row["state"],
             "supersedes": row["supersedes"], "outcome": row["outcome"],
             "received_at": rfc3339_or_none(row["received_at"]),
             "review_comment": row["review_comment"], "superseded": row["superseded"]}
            for row in rows]


def _transition(conn: sa.Connection, record_id: str, from_state: str, **values: Any) -> None:
    r = t.records
    changed = conn.execute(r.update().where(r.c.id == record_id, r.c.state == from_state,
                                            r.c.superseded.is_(False)).values(**values)).rowcount
    if changed != 1:
        # every caller has found the record first (department_record), and records stay
        state = conn.execute(sa.select(r.c.state).where(r.c.id == record_id)).scalar_one()
        raise Conflict("wrong_state", f"记录当前状态为「{state_label(state)}」，不能进行此操作")



def decidable_record(conn: sa.Connection, department: str, reviewer: str,
                     record_id: str) -> sa.RowMapping:
    """The record a decision of ``reviewer`` (a supervisor of ``department``) is about: of their
    department, and not of a task whose team includes them."""
    row = department_record(conn, department, record_id)
    refuse_own_inspection(conn, reviewer, row["task_id"])
    return row


# Each decision below is made by ``actor`` (a supervisor of ``department``) and writes its own
# audit-trail entry in the decision's transaction, as follow-ups, draws and devices do theirs.

def _audit(conn: sa.Connection, actor: Actor, kind: ActKind, record_id: str, before: RecordState,
           after: dict[str, Any], now: dt.datetime) -> None:
    record_act(conn, actor, kind, record_id, plan_id=plan_of_record(conn, record_id),
               before={"state": before.value}, after=after, at=now)


def approve(conn: sa.Connection, department: str, record_id: str, *, comment: str,
            publish: bool, actor: Actor, key: Ed25519PrivateKey, now: dt.datetime) -> None:
    """Approves a submitted record; with ``publish``, publishes it too (a leaf of the publication
    log, signed with the platform's ``key``, in this transaction)."""
    row = decidable_record(conn, department, actor.person, record_id)
    state = RecordState.PUBLISHED if publish else RecordState.APPROVED
    _transition(conn, record_id, RecordState.SUBMITTED, state=state,
                reviewer_id=actor.person, reviewed_at=now, review_comment=comment or None,
                published_at=now if publish else None,
                published_on=china_date(now) if publish else None)
    if publish:
        number_plan(conn, row["plan_id"], now)
        publication_log.record_publication(conn, record_id, key=key, now=now)
    _audit(conn, actor, ActKind.RECORD_APPROVED, record_id, RecordState.SUBMITTED,
           {"state": state.value, "comment": comment}, now)


def publish(conn: sa.Connection, department: str, record_id: str, *, actor: Actor,
            key: Ed25519PrivateKey, now: dt.datetime) -> None:
    """Publishes an approved record: a leaf of the publication log, in this transaction."""
    row = decidable_record(conn, department, actor.person, record_id)
    _transition(conn, record_id, RecordState.APPROVED, state=RecordState.PUBLISHED, published_at=now,
                published_on=china_date(now))
    number_plan(conn, row["plan_id"], now)
    publication_log.record_publication(conn, record_id, key=key, now=now)
    _audit(conn, actor, ActKind.RECORD_PUBLISHED, record_id, RecordState.APPROVED,
           {"state": RecordState.PUBLISHED.value}, now)


def correct(conn: sa.Connection, department: str, record_id: str, *, outcome: Outcome,
            reason: str, actor: Actor, key: Ed25519PrivateKey, now: dt.datetime) -> int:
    """Publishes a correction of a published result (under the same 回避 rule as publishing it);
    returns the correction's leaf index."""
    decidable_record(conn, department, actor.person, record_id)
    leaf = publication_log.correct(conn, record_id, outcome=outcome, reason=reason, key=key, now=now)
    _audit(conn, actor, ActKind.RESULT_CORRECTED, record_id, RecordState.PUBLISHED,
           {"outcome": outcome.value, "reason": reason.strip(), "leaf": leaf}, now)
    return leaf


def withdraw(conn: sa.Connection, department: str, record_id: str, *, reason: str,
             actor: Actor, key: Ed25519PrivateKey, now: dt.datetime) -> int:
    """Withdraws a published result from the public list, publishing the withdrawal; returns its
    leaf index."""
    decidable_record(conn, department, actor.person, record_id)
    leaf = publication_log.withdraw(conn, record_id, reason=reason, key=key, now=now)
    _audit(conn, actor, ActKind.RESULT_WITHDRAWN, record_id, RecordState.PUBLISHED,
           {"withdrawn": True, "reason": reason.strip(), "leaf": leaf}, now)
    return leaf


def return_record(conn: sa.Connection, department: str, record_id: str, *, comment: str,
                  actor: Actor, now: dt.datetime) -> None:
    if not comment.strip():
        raise Invalid("comment_required", "退回时请写明退回原因")
    decidable_record(conn, department, actor.person, record_id)
    _transition(conn, record_id, RecordState.SUBMITTED, state=RecordState.RETURNED,
                reviewer_id=actor.person, reviewed_at=now, review_comment=comment.strip())
    _audit(conn, actor, ActKind.RECORD_RETURNED, record_id, RecordState.SUBMITTED,
           {"state": RecordState.RETURNED.value, "comment": comment.strip()}, now)
