"""Plans and their draws, on the database: commit a seed, draw once, store tasks, publish.

The pure parts (sampling, team forming, the audit export) live in ``draws`` and ``draw_audit``;
this module does the reading and writing around them, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sync import Entity, Plan, RiskGrade, ValidationError

from . import queries
from . import tables as t
from .draw_audit import build_export, public_strata
from .draws import SALT_HEX_DIGITS, TeamDraw, commitment, draw_entities, draw_teams
from .errors import ApiError
from .plan_codec import plan_from_json, plan_to_json


def new_seed() -> str:
    """A fresh 128-bit seed, as 32 hex digits."""
    return secrets.token_hex(16)


def new_salt() -> str:
    """A fresh salt for one stratum's population commitment: 128 random bits, in hex."""
    return secrets.token_hex(SALT_HEX_DIGITS // 2)


def plan_problems(conn: sa.Connection, plan: Plan) -> list[str]:
    """What makes ``plan`` impossible to run against the current directories (Chinese)."""
    problems = []
    items = {i.code: i for i in queries.load_items(conn, codes=plan.items)}
    for code in plan.items:
        item = items.get(code)
        if item is None:
            problems.append(f"抽查事项「{code}」不在抽查事项清单中")
        elif item.department not in plan.departments:
            problems.append(f"抽查事项「{code}」的检查主体「{item.department}」不是本计划的发起或配合部门")
    if plan.is_joint and plan.team_size < len(plan.departments):
        problems.append(f"联合抽查的检查组人数（{plan.team_size}人）少于参与部门数（{len(plan.departments)}个）")
    known = set(conn.execute(sa.select(t.inspectors.c.department).distinct()).scalars())
    for department in plan.departments:
        if department not in known:
            problems.append(f"部门「{department}」在执法检查人员名录库中没有人员")
    return problems


PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
"""A plan id: one URL path segment as it is (``/draws/{id}``) and a file name part, never ``..``."""


def create_plan(conn: sa.Connection, plan: Plan, *, now: dt.datetime, seed: str | None = None) -> str:
    """Store a plan with a fresh secret seed; returns the seed's SHA-256 commitment to publish.

    Raises ``ApiError`` 409 when the id exists, 422 when the id is not of :data:`PLAN_ID` (one
    with ``/`` was stored, then could be neither drawn nor read) or the plan cannot run.
    """
    if not PLAN_ID.fullmatch(plan.id):
        raise ApiError(422, "invalid_plan",
                       f"计划编号「{plan.id}」只能由英文字母、数字和 . _ - 组成，以字母或数字开头，"
                       "不超过60个字符")
    problems = plan_problems(conn, plan)
    if problems:
        raise ApiError(422, "invalid_plan", "；".join(problems))
    exists = conn.execute(sa.select(t.plans.c.id).where(t.plans.c.id == plan.id)).first()
    if exists:
        raise ApiError(409, "plan_exists", f"计划编号「{plan.id}」已存在")
    seed = seed or new_seed()
    digest = commitment(seed)
    conn.execute(t.plans.insert().values(
        id=plan.id, name=plan.name, spec=plan_to_json(plan), commitment=digest, seed=seed,
        created_at=now,
    ))
    conn.execute(t.plan_departments.insert(),
                 [{"plan_id": plan.id, "department": d} for d in plan.departments])
    return digest


def load_plan(conn: sa.Connection, plan_id: str) -> tuple[Plan, sa.RowMapping]:
    row = conn.execute(sa.select(t.plans).where(t.plans.c.id == plan_id)).mappings().first()
    if row is None:
        raise ApiError(404, "plan_not_found", f"抽查计划「{plan_id}」不存在")
    return plan_from_json(row["spec"]), row


def _scope_entities(conn: sa.Connection, plan: Plan, now: dt.datetime) -> list[Entity]:
    e = t.entities
    query = sa.select(e).where(e.c.risk_grade.in_([g.value for g in plan.ratios]))
    if plan.statuses:
        query = query.where(e.c.status.in_([s.value for s in plan.statuses]))
    if plan.regions:
        query = query.where(e.c.region.in_(plan.regions))
    if plan.industries:
        query = query.where(e.c.industry.in_(plan.industries))
    if plan.exclude_inspected_within_days:
        since = now - dt.timedelta(days=plan.exclude_inspected_within_days)
        recent = (
            sa.select(t.tasks.c.credit_code)
            .join(t.draws, t.draws.c.plan_id == t.tasks.c.plan_id)
            .where(t.draws.c.drawn_at >= since)
        )
        query = query.where(e.c.credit_code.not_in(recent))
    return [Entity(**row) for row in conn.execute(query.order_by(e.c.credit_code)).mappings()]


@dataclass(frozen=True)
class DrawSummary:
    plan_id: str
    seed: str
    drawn: int
    assigned: int
    unassigned: list[dict[str, str]]
    strata: list[dict[str, Any]]


def run_draw(conn: sa.Connection, plan_id: str, *, now: dt.datetime) -> DrawSummary:
    """Draw the plan's entities and teams once, store the tasks, publish the draw.

    A second draw of the same plan is refused (409), also when two run at once: the draws
    table's primary key lets only one insert commit.
    """
    plan, row = load_plan(conn, plan_id)
    if conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id == plan_id)).first():
        raise ApiError(409, "already_drawn", f"抽查计划「{plan_id}」已经抽取过，不能重复抽取")
    seed = row["seed"]
    entities = _scope_entities(conn, plan, now)
    draw = draw_entities(plan, entities, seed)
    inspectors = [i for i in queries.load_inspectors(conn) if i.department in plan.departments]
    catalogue = queries.load_items(conn, codes=plan.items)
    try:
        teams = draw_teams(plan, seed, draw.drawn, inspectors, catalogue)
    except ValueError as e:
        raise ApiError(422, "invalid_plan", str(e)) from None
    task_ids = {a.credit_code: f"{plan.id}-{n:05d}" for n, a in enumerate(teams.assignments, 1)}
    populations: dict[RiskGrade, list[str]] = {g: [] for g in plan.ratios}
    for entity in entities:
        populations[entity.risk_grade].append(entity.credit_code)
    by_code = {e.credit_code: e for e in entities}
    drawn_at = now.isoformat()
    salts = {grade: new_salt() for grade in plan.ratios}
    audit = build_export(plan=plan, draw=draw, populations=populations, inspectors=inspectors,
                         catalogue=catalogue, teams=teams, task_ids=task_ids, drawn_at=drawn_at,
                         salts=salts)
    publication = _publication(audit, [by_code[c] for c in draw.drawn], teams)
    try:
        conn.execute(t.draws.insert().values(plan_id=plan_id, drawn_at=now,
                                             publication=publication, audit=audit))
    except sa.exc.IntegrityError:
        raise ApiError(409, "already_drawn", f"抽查计划「{plan_id}」已经抽取过，不能重复抽取") from None
    _store_tasks(conn, plan, teams, task_ids, now)
    return DrawSummary(plan_id, seed, len(draw.drawn), len(teams.assignments),
                       audit["unassigned"], publication["strata"])


def _store_tasks(conn: sa.Connection, plan: Plan, teams: TeamDraw, task_ids: dict[str, str],
                 now: dt.datetime) -> None:
    rows = [
        {"id": task_ids[a.credit_code], "plan_id": plan.id, "credit_code": a.credit_code,
         "team": list(a.team), "items": list(a.items), "due": plan.window_end, "draw_order": n,
         "created_at": now}
        for n, a in enumerate(teams.assignments, 1)
    ]
    members = [{"task_id": task_ids[a.credit_code], "inspector_id": i}
               for a in teams.assignments for i in a.team]
    if rows:
        conn.execute(t.tasks.insert(), rows)
        conn.execute(t.task_members.insert(), members)


def _publication(audit: dict[str, Any], drawn: list[Entity], teams: TeamDraw) -> dict[str, Any]:
    """The public form of a draw: inputs to check it, and the drawn entities without grades.

    The strata are numbered, not named by grade, and commit to their populations with a salt
    the public does not have (``draw_audit.public_strata``). The entities are listed by credit
    code, not in draw order, because draw order runs stratum by stratum and would reveal each
    entity's risk grade.
    """
    return {
        "plan": {k: audit["plan"][k] for k in ("id", "name", "departments", "items",
                                                "window_start", "window_end")},
        "algorithm": audit["algorithm"],
        "algorithm_version": audit["algorithm_version"],
        "seed": audit["seed"],
        "commitment": audit["commitment"],
        "drawn_at": audit["drawn_at"],
        "strata": public_strata(audit),
        "entities": [
            {"credit_code": e.credit_code, "name": e.name, "region": e.region, "industry": e.industry}
            for e in sorted(drawn, key=lambda e: e.credit_code)
        ],
        "assigned": len(teams.assignments),
        "unassigned": len(teams.unassigned),
    }


def public_plan(row: sa.RowMapping, drawn: bool) -> dict[str, Any]:
    """What anyone may see of a plan: its terms and seed commitment, never the seed before the draw."""
    spec = row["spec"]
    return {
        "id": row["id"], "name": row["name"], "departments": spec["departments"],
        "items": spec["items"], "ratios": spec["ratios"], "team_size": spec["team_size"],
        "window_start": spec["window_start"], "window_end": spec["window_end"],
        "commitment": row["commitment"], "created_at": row["created_at"].isoformat()
        if isinstance(row["created_at"], dt.datetime) else str(row["created_at"]),
        "drawn": drawn,
    }


def get_public_plan(conn: sa.Connection, plan_id: str) -> dict[str, Any]:
    _, row = load_plan(conn, plan_id)
    drawn = conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id == plan_id)).first()
    return public_plan(row, drawn is not None)


def list_public_plans(conn: sa.Connection) -> list[dict[str, Any]]:
    drawn = set(conn.execute(sa.select(t.draws.c.plan_id)).scalars())
    rows = conn.execute(sa.select(t.plans).order_by(t.plans.c.created_at, t.plans.c.id)).mappings()
    return [public_plan(row, row["id"] in drawn) for row in rows]


def load_draw(conn: sa.Connection, plan_id: str, column: str) -> dict[str, Any]:
    """A draw's ``publication`` or ``audit`` JSON; 404 when the plan has not been drawn.

    A draw stored before issue 11 published each stratum's grade and an unsalted hash of its ids,
    from which the grades of a small stratum's entities could be found by trying combinations.
    Its row is left as it was stored, but its publication is served with the strata of today's
    form, which has neither (``draw_audit.public_strata``; its commitments are null).
    """
    value = conn.execute(sa.select(t.draws.c[column]).where(t.draws.c.plan_id == plan_id)).scalar()
    if value is None:
        load_plan(conn, plan_id)
        raise ApiError(404, "not_drawn", f"抽查计划「{plan_id}」尚未抽取")
    result: dict[str, Any] = value
    if column == "publication" and any("grade" in s for s in result["strata"]):
        audit = load_draw(conn, plan_id, "audit")
        result = {**result, "strata": public_strata(audit)}
    return result


def validated_plan(data: dict[str, Any]) -> Plan:
    """``plan_from_json`` with its problems turned into one 422 ``ApiError``."""
    try:
        return plan_from_json(data)
    except ValidationError as e:
        raise ApiError(422, "invalid_plan", "；".join(p.message for p in e.problems)) from None
