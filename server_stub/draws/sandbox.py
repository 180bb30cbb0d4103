"""沙盒监管 (issue 26 point 6): entities 信用好、风险低 that routine random plans leave alone for a
period (探索“沙盒监管”，筛选信用好、风险低的市场主体进入监管沙盒).

An entry names one entity, its period (China dates, both days included) and why. While it is in
effect the entity is out of every plan of kind 双随机抽查 frozen then; a triggered plan (触发式抽查)
and the kinds that follow a complaint, a case or a referral still reach it, since the sandbox is
trust for the routine, not immunity from a risk signal. An entry is removed, never deleted: the
removal ends it at that moment and the row stays, so :func:`in_effect` can say what the sandbox
was at any past moment (a draw's freeze) and the auditor's export can show it.

Each addition and removal is an audit-trail act (``sandbox.added``, ``sandbox.removed``), with no
plan: only the administrator reads them, since membership says "low risk", which is a grade by
another name, and nothing of the sandbox is ever public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, acts_of, record_act
from server_stub.core.clock import as_utc, china_date, log_stamp
from server_stub.core.errors import Conflict, Invalid, NotFound

MAX_PERIOD_DAYS = 3 * 366
"""The longest period one entry may run (three years): a sandbox is reviewed, not forever."""


def entry_json(row: sa.RowMapping) -> dict[str, Any]:
    """One entry as the API, the CLI and the auditor's export show it."""
    removed = row["removed_at"]
    return {"id": row["id"], "credit_code": row["credit_code"],
            "starts_on": row["starts_on"].isoformat(), "ends_on": row["ends_on"].isoformat(),
            "reason": row["reason"], "added_at": log_stamp(as_utc(row["added_at"])),
            "added_by": row["added_by"],
            "removed_at": None if removed is None else log_stamp(as_utc(removed)),
            "removed_by": row["removed_by"], "removal_reason": row["removal_reason"]}


def add(conn: sa.Connection, credit_code: str, *, starts_on: dt.date, ends_on: dt.date,
        reason: str, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """Put an entity in the sandbox for [``starts_on``, ``ends_on``]; returns the entry.

    422 for an unknown entity, a period that ends before it starts, ends in the past or runs
    longer than :data:`MAX_PERIOD_DAYS`, or no reason; 409 when an entry of the entity not removed
    overlaps the period (one entity, one period at a time)."""
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "加入沙盒监管名单须写明理由（如信用良好、风险低的依据）")
    if ends_on < starts_on:
        raise Invalid("bad_period", "沙盒监管期限的结束日期不能早于开始日期")
    if ends_on < china_date(now):
        raise Invalid("bad_period", f"沙盒监管期限已经结束（{ends_on.isoformat()}）")
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise Invalid("bad_period", "沙盒监管期限不能超过三年（期满后可重新评估加入）")
    e, s = t.entities, t.sandbox_entries
    if conn.execute(sa.select(e.c.credit_code).where(e.c.credit_code == credit_code)).first() is None:
        raise Invalid("unknown_entity", f"检查对象「{credit_code}」不在检查对象名录库中")
    overlapping = conn.execute(
        sa.select(s.c.id, s.c.starts_on, s.c.ends_on)
        .where(s.c.credit_code == credit_code, s.c.removed_at.is_(None),
               s.c.starts_on <= ends_on, s.c.ends_on >= starts_on)).first()
    if overlapping is not None:
        raise Conflict("sandbox_overlap",
                       f"检查对象「{credit_code}」已在沙盒监管名单中（第{overlapping.id}条，"
                       f"{overlapping.starts_on.isoformat()} 至 {overlapping.ends_on.isoformat()}）")
    values = {"credit_code": credit_code, "starts_on": starts_on, "ends_on": ends_on,
              "reason": reason[:500], "added_at": now, "added_by": actor.person}
    key = conn.execute(s.insert().values(**values)).inserted_primary_key
    assert key is not None
    entry_id = int(key[0])
    record_act(conn, actor, ActKind.SANDBOX_ADDED, credit_code, at=now,
               after={"entry": entry_id, "starts_on": starts_on.isoformat(),
                      "ends_on": ends_on.isoformat(), "reason": values["reason"]})
    return entry_json(_row(conn, entry_id))


def remove(conn: sa.Connection, entry_id: int, *, reason: str, actor: Actor,
           now: dt.datetime) -> dict[str, Any]:
    """End an entry now (its period cut short); the row stays. 404 unknown, 409 removed."""
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "移出沙盒监管名单须写明理由")
    row = _row(conn, entry_id)
    s = t.sandbox_entries
    done = conn.execute(s.update().where(s.c.id == entry_id, s.c.removed_at.is_(None)).values(
        removed_at=now, removed_by=actor.person, removal_reason=reason[:500])).rowcount
    if done != 1:
        raise Conflict("sandbox_removed", f"沙盒监管名单第{entry_id}条已于此前移出")
    record_act(conn, actor, ActKind.SANDBOX_REMOVED, row["credit_code"], at=now,
               before={"entry": entry_id, "starts_on": row["starts_on"].isoformat(),
                       "ends_on": row["ends_on"].isoformat()},
               after={"entry": entry_id, "removed": True, "reason": reason[:500]})
    return entry_json(_row(conn, entry_id))


def _row(conn: sa.Connection, entry_id: int) -> sa.RowMapping:
    s = t.sandbox_entries
    row = conn.execute(sa.select(s).where(s.c.id == entry_id)).mappings().first()
    if row is None:
        raise NotFound("sandbox_entry_not_found", f"沙盒监管名单中没有第{entry_id}条")
    return row


def entries(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every entry, current and past, newest first."""
    s = t.sandbox_entries
    return [entry_json(r) for r in conn.execute(sa.select(s).order_by(s.c.id.desc())).mappings()]


def in_effect(conn: sa.Connection, at: dt.datetime,
              codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The entries in effect at the moment ``at``: added by then, not removed by then, and
    ``at``'s China date within their period; of ``codes`` only when given. By credit code."""
    s = t.sandbox_entries
    moment, day = as_utc(at), china_date(as_utc(at))
    query = (sa.select(s).where(s.c.added_at <= moment, s.c.starts_on <= day, s.c.ends_on >= day,
                                sa.or_(s.c.removed_at.is_(None), s.c.removed_at > moment))
             .order_by(s.c.credit_code, s.c.id))
    if codes is not None:
        query = query.where(s.c.credit_code.in_(sorted(set(codes))))
    return [entry_json(r) for r in conn.execute(query).mappings()]


def changes(conn: sa.Connection, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """The sandbox's audit-trail acts in [``since``, ``until``] (the freeze's own moment included,
    as in :func:`in_effect`): what the auditor reads beside the entries in effect, to see the
    sandbox shaped before a freeze."""
    return acts_of(conn, (ActKind.SANDBOX_ADDED, ActKind.SANDBOX_REMOVED), since=since, until=until)
