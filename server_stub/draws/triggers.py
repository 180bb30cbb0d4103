"""触发式抽查 (issue 26 point 6): trigger lists (风险触发预警清单) and the plans that draw from them
(对超过合理风险阈值的市场主体实施触发式双随机抽查).

A list is built once by a rule and fixed from then on (a new build is a new list, with a new id):

- ``red-warning``: the entities of every industry × region whose problem discovery rate over the
  last 12 months of current results is red under the platform's 四色预警 thresholds, counting
  outcomes as the dashboard does (every outcome other than 未发现问题), in a group of at least
  :data:`RED_WARNING_MIN_RESULTS` results (one problem in one visit is not a warning);
- ``overdue-followup``: the entities with a result 发现问题待后续处理 whose disposal is not recorded
  and whose deadline (``access.history.disposal_deadline``) has passed;
- ``imported``: the credit codes the administrator imports, with the rule that picked them in
  their own words (e.g. 12个月内被投诉举报3次以上). The platform keeps no complaint register: the
  complaints live in the 12315 system, whose count the office turns into a list.

A 触发式抽查 plan names its list when it is created; its population is the list ∩ the plan's
scope, still drawn at random by the plan's ratios (触发式**双随机**抽查). Its public page states the
rule, the list's count, when it was built and the list's salted commitment, never a member and
never a grade; the members and the salt go to the auditor's export (``list_audit``).

Building a list and naming it for a plan are audit-trail acts (``trigger_list.built``, with the
count and commitment but not the members; ``plan.trigger_list``).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from server_stub.access.history import disposal_deadline
from server_stub.access.scope import FINAL_STATES
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, record_act
from server_stub.core.clock import as_utc, china_date, log_stamp
from server_stub.core.db import in_chunks
from server_stub.core.errors import Conflict, Invalid, NotFound
from server_stub.core.warning_thresholds import Thresholds, WarningColour
from server_stub.draws.list_audit import list_commitment
from server_stub.draws.population import TRIGGERED_KIND
from sync import Outcome

RED_WARNING_MIN_RESULTS = 10
"""Fewest results an industry × region needs before its rate can be a red warning."""
WINDOW_DAYS = 365


class Rule(enum.StrEnum):
    RED_WARNING = "red-warning"
    OVERDUE_FOLLOWUP = "overdue-followup"
    IMPORTED = "imported"


RULE_LABELS = {Rule.RED_WARNING: "红色预警", Rule.OVERDUE_FOLLOWUP: "后续处置超期",
               Rule.IMPORTED: "导入清单"}


def rule_text(rule: Rule, thresholds: Thresholds, due_days: int) -> str:
    """The rule as the public page states it (an imported list's is the administrator's)."""
    if rule is Rule.RED_WARNING:
        return (f"近12个月问题发现率达到红色预警（不低于{thresholds.red}%，且检查不少于"
                f"{RED_WARNING_MIN_RESULTS}户）的行业和区域内的检查对象")
    return f"检查发现问题待后续处理、超过处置期限（检查后{due_days}日）仍未登记处置的检查对象"


def red_warning_members(conn: sa.Connection, today: dt.date, thresholds: Thresholds) -> list[str]:
    r, e = t.records, t.entities
    problem = sa.case((r.c.outcome != Outcome.NO_PROBLEM.value, 1), else_=0)
    groups = conn.execute(
        sa.select(r.c.industry, r.c.region, sa.func.count(), sa.func.sum(problem))
        .where(r.c.superseded.is_(False), r.c.state.in_(FINAL_STATES),
               r.c.inspected_on > today - dt.timedelta(days=WINDOW_DAYS), r.c.inspected_on <= today)
        .group_by(r.c.industry, r.c.region)).all()
    red = [(industry, region) for industry, region, n, p in groups
           if n >= RED_WARNING_MIN_RESULTS
           and thresholds.colour(Decimal(int(p or 0)) / Decimal(n)) is WarningColour.RED]
    if not red:
        return []
    query = sa.select(e.c.credit_code).where(sa.or_(*[
        sa.and_(e.c.industry == industry, e.c.region == region) for industry, region in red]))
    return sorted(conn.execute(query).scalars())


def overdue_followup_members(conn: sa.Connection, today: dt.date, due_days: int) -> list[str]:
    r, f = t.records, t.followups
    rows = conn.execute(
        sa.select(r.c.credit_code, r.c.inspected_on).outerjoin(f, f.c.record_id == r.c.id)
        .where(r.c.outcome == Outcome.PROBLEM_PENDING.value, r.c.superseded.is_(False),
               r.c.state.in_(FINAL_STATES), f.c.record_id.is_(None))).all()
    return sorted({code for code, inspected in rows
                   if today > disposal_deadline(inspected, due_days)})


def _known(conn: sa.Connection, codes: Iterable[str]) -> tuple[list[str], list[str]]:
    wanted = sorted(set(codes))
    e, found = t.entities, set()
    for chunk in in_chunks(wanted):  # an import may run to tens of thousands of codes
        found |= set(conn.execute(sa.select(e.c.credit_code).where(e.c.credit_code.in_(chunk))).scalars())
    return [c for c in wanted if c in found], [c for c in wanted if c not in found]


LIST_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def build(conn: sa.Connection, list_id: str, name: str, rule: Rule, *, actor: Actor,
          now: dt.datetime, thresholds: Thresholds, due_days: int, text: str | None = None,
          imported: Iterable[str] = (),
          random_hex: Callable[[int], str] = secrets.token_hex) -> dict[str, Any]:
    """Build and store a list by ``rule`` (``imported``: the given credit codes, with ``text``
    the rule that picked them); returns it as :func:`list_json` (with members). 409 when the id
    exists; 422 for a bad id, an imported list without its rule text or naming unknown
    entities, or a list with no member."""
    if not list_id or len(list_id) > 60 or not set(list_id) <= LIST_ID_CHARS or list_id[0] in "._-":
        raise Invalid("invalid_list", "清单编号只能由英文字母、数字和 . _ - 组成，以字母或数字开头，不超过60个字符")
    if not name.strip():
        raise Invalid("invalid_list", "清单名称不能为空")
    if conn.execute(sa.select(t.trigger_lists.c.id).where(t.trigger_lists.c.id == list_id)).first():
        raise Conflict("list_exists", f"清单编号「{list_id}」已存在")
    today = china_date(now)
    if rule is Rule.IMPORTED:
        if not (text or "").strip():
            raise Invalid("rule_text_required", "导入的清单须写明触发规则（如“12个月内被投诉举报3次以上”），该规则将公开")
        members, unknown = _known(conn, imported)
        if unknown:
            raise Invalid("unknown_entity", f"{len(unknown)} 个统一社会信用代码不在检查对象名录库中："
                          + "、".join(unknown[:10]))
        statement = (text or "").strip()[:500]
    elif rule is Rule.RED_WARNING:
        members, statement = red_warning_members(conn, today, thresholds), rule_text(rule, thresholds, due_days)
    else:
        members = overdue_followup_members(conn, today, due_days)
        statement = rule_text(rule, thresholds, due_days)
    if not members:
        raise Invalid("empty_list", "按该规则没有检查对象，未生成清单")
    data: dict[str, Any] = {"id": list_id, "name": name.strip()[:200], "rule": rule.value,
                            "rule_text": statement, "built_at": log_stamp(as_utc(now)),
                            "members": members, "salt": random_hex(16)}
    digest = list_commitment(data)
    conn.execute(t.trigger_lists.insert().values(
        id=list_id, name=data["name"], rule=rule.value, rule_text=statement, members=members,
        salt=data["salt"], commitment=digest, built_at=now, built_by=actor.person))
    record_act(conn, actor, ActKind.TRIGGER_LIST_BUILT, list_id, at=now,
               after={"name": data["name"], "rule": rule.value, "rule_text": statement,
                      "count": len(members), "commitment": digest})
    return list_json(_row(conn, list_id), members=True)


def _row(conn: sa.Connection, list_id: str) -> sa.RowMapping:
    row = conn.execute(sa.select(t.trigger_lists).where(t.trigger_lists.c.id == list_id)).mappings().first()
    if row is None:
        raise NotFound("list_not_found", f"触发清单「{list_id}」不存在")
    return row


def list_json(row: sa.RowMapping, *, members: bool) -> dict[str, Any]:
    """A list as the agency sees it; ``members`` adds the members and the salt (the export's)."""
    data = {"id": row["id"], "name": row["name"], "rule": row["rule"],
            "rule_label": RULE_LABELS[Rule(row["rule"])], "rule_text": row["rule_text"],
            "count": len(row["members"]), "built_at": log_stamp(as_utc(row["built_at"])),
            "built_by": row["built_by"], "commitment": row["commitment"]}
    if members:
        data |= {"members": list(row["members"]), "salt": row["salt"]}
    return data


def get_list(conn: sa.Connection, list_id: str, *, members: bool = True) -> dict[str, Any]:
    return list_json(_row(conn, list_id), members=members)


def all_lists(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every list without its members, newest first."""
    tl = t.trigger_lists
    return [list_json(r, members=False)
            for r in conn.execute(sa.select(tl).order_by(tl.c.built_at.desc(), tl.c.id)).mappings()]


def attach(conn: sa.Connection, plan_id: str, list_id: str, *, kind: str, actor: Actor,
           now: dt.datetime) -> None:
    """Name ``list_id`` as the list the (just created) plan draws from. 422 unless the plan is
    a 触发式抽查 and the list exists; a 触发式抽查 plan must name one (:func:`require_list`)."""
    if kind != TRIGGERED_KIND:
        raise Invalid("invalid_plan", f"只有“{TRIGGERED_KIND}”计划才采用触发清单")
    try:
        row = _row(conn, list_id)
    except NotFound as e:
        raise Invalid("invalid_plan", e.message) from None
    conn.execute(t.plan_triggers.insert().values(plan_id=plan_id, list_id=list_id))
    record_act(conn, actor, ActKind.PLAN_TRIGGER_LIST, plan_id, plan_id=plan_id, at=now,
               after={"list": list_id, "rule_text": row["rule_text"], "count": len(row["members"]),
                      "commitment": row["commitment"]})


def refuse_if_empty(preview: Iterable[Mapping[str, Any]]) -> None:
    """422 for a triggered plan none of whose list is in its scope (``population_preview``'s
    strata): a plan that could draw nobody."""
    if not any(s["population"] for s in preview):
        raise Invalid("invalid_plan", "触发清单中没有属于本计划抽查范围的检查对象（请核对计划的事项、区域、行业和风险等级）")


def require_list(kind: str, list_id: str | None) -> None:
    """422 for a 触发式抽查 plan that names no list, or another kind that names one."""
    if kind == TRIGGERED_KIND and not list_id:
        raise Invalid("invalid_plan", f"“{TRIGGERED_KIND}”计划须指定触发清单（其规则和户数将公开）")
    if kind != TRIGGERED_KIND and list_id:
        raise Invalid("invalid_plan", f"只有“{TRIGGERED_KIND}”计划才采用触发清单")


def plan_list(conn: sa.Connection, plan_id: str) -> sa.RowMapping | None:
    """The list row a plan draws from, or None."""
    tl, pt = t.trigger_lists, t.plan_triggers
    return conn.execute(sa.select(tl).join(pt, pt.c.list_id == tl.c.id)
                        .where(pt.c.plan_id == plan_id)).mappings().first()


def public_trigger(row: sa.RowMapping | None) -> dict[str, Any] | None:
    """What the public sees of a plan's list: its rule, count, build time and commitment."""
    if row is None:
        return None
    return {"name": row["name"], "rule_label": RULE_LABELS[Rule(row["rule"])],
            "rule_text": row["rule_text"], "count": len(row["members"]),
            "built_at": log_stamp(as_utc(row["built_at"])), "commitment": row["commitment"]}


def public_triggers(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """Per triggered plan id, :func:`public_trigger` of its list."""
    tl, pt = t.trigger_lists, t.plan_triggers
    rows = conn.execute(sa.select(tl, pt.c.plan_id).join(pt, pt.c.list_id == tl.c.id)).mappings()
    found = {}
    for row in rows:
        trigger = public_trigger(row)
        if trigger is not None:
            found[row["plan_id"]] = trigger
    return found
