"""How the sandbox and the trigger lists shape a plan's population, and what of them goes into
its draw's auditor export (issue 26 point 6).

- A 双随机抽查 plan leaves out the entities whose sandbox entry is in effect at the moment the
  population is taken (``sandbox.in_effect``).
- A 触发式抽查 plan keeps only its trigger list's members (its population is the list ∩ scope);
  the sandbox does not apply to it.
- Other kinds (投诉举报, 案件线索, 转办交办) are left as the scope makes them.

``planning`` calls :func:`admitted` where it takes the population and :func:`export_sections`
once the draw is made; ``list_audit`` re-checks the sections.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from server_stub.core.audit_trail import ActKind, acts_of
from server_stub.core.clock import as_utc, rfc3339
from server_stub.core.errors import Invalid
from server_stub.draws import sandbox, triggers
from server_stub.draws.population import RANDOM_KIND, TRIGGERED_KIND, Member
from sync import RiskGrade

SANDBOX_LOOKBACK = dt.timedelta(days=30)
"""The export's sandbox acts begin this long before the plan's creation (as its directory changes)."""


def admitted(conn: sa.Connection, plan_id: str, kind: str, entities: Sequence[Member],
             now: dt.datetime) -> list[Member]:
    """``entities`` (the plan's scope, in order) less what the lists keep out of a plan of
    ``kind`` at ``now``."""
    if kind == TRIGGERED_KIND:
        row = triggers.plan_list(conn, plan_id)
        if row is None:
            raise Invalid("invalid_plan", f"“{TRIGGERED_KIND}”计划「{plan_id}」没有指定触发清单")
        members = set(row["members"])
        return [e for e in entities if e.credit_code in members]
    if kind == RANDOM_KIND:
        boxed = {entry["credit_code"] for entry in
                 sandbox.in_effect(conn, now)}
        return [e for e in entities if e.credit_code not in boxed]
    return list(entities)


def sandboxed(conn: sa.Connection, kind: str, entities: Sequence[Member],
              now: dt.datetime) -> Counter[RiskGrade]:
    """Per grade, how many of ``entities`` the sandbox keeps out of a plan of ``kind`` now (the
    internal preview's count; none but for a routine plan)."""
    if kind != RANDOM_KIND:
        return Counter()
    boxed = {entry["credit_code"] for entry in sandbox.in_effect(conn, now)}
    return Counter(e.risk_grade for e in entities if e.credit_code in boxed)


def export_sections(conn: sa.Connection, plan_id: str, kind: str, *, created_at: dt.datetime,
                    frozen_at: dt.datetime) -> dict[str, Any]:
    """The ``sandbox`` (routine plans) or ``trigger`` (triggered plans) section of the export of
    a draw whose population was frozen at ``frozen_at`` (``list_audit`` describes both)."""
    if kind == RANDOM_KIND:
        return {"sandbox": {
            "at": rfc3339(frozen_at),
            "entries": sandbox.in_effect(conn, frozen_at),
            "changes": sandbox.changes(conn, as_utc(created_at) - SANDBOX_LOOKBACK, as_utc(frozen_at)),
        }}
    if kind == TRIGGERED_KIND:
        row = triggers.plan_list(conn, plan_id)
        if row is not None:  # with its building and its naming for this plan, from the trail
            acts = acts_of(conn, (ActKind.TRIGGER_LIST_BUILT, ActKind.PLAN_TRIGGER_LIST),
                           objects=(row["id"], plan_id))
            return {"trigger": {**triggers.list_json(row, members=True), "acts": acts}}
    return {}
