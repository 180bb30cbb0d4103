"""Plans and their draws, on the database: commit a secret, freeze the population, take the
public entropy, derive the seed, draw once, store tasks, publish (DESIGN §6, ``ceremony``).

The pure parts (sampling, team forming, the seed derivation, the audit export) live in
``draws``, ``ceremony`` and ``draw_audit``; this module does the reading and writing around them,
inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from server_stub.core import clock
from server_stub.core import tables as t
from server_stub.core.audit_trail import (
    ActKind,
    Actor,
    directory_change_count,
    directory_changes,
    record_act,
    trail_size,
)
from server_stub.core.clock import CHINA, as_utc, china_date, rfc3339
from server_stub.core.db import in_chunks
from server_stub.core.errors import Conflict, Invalid, NotFound
from server_stub.directory import queries
from server_stub.draws import partners
from server_stub.draws.audit import DIRECTORY_LOOKBACK, build_export, public_strata
from server_stub.draws.ceremony import (
    DERIVATION,
    CeremonyError,
    EntropySpec,
    check_entropy,
    derive_seed,
    population_set_commitment,
)
from server_stub.draws.levels import level_problems, plan_items
from server_stub.draws.list_audit import published_lists
from server_stub.draws.lists import admitted, export_sections, sandboxed
from server_stub.draws.plan_codec import plan_from_json, plan_to_json
from server_stub.draws.population import (
    INSPECTION_KINDS,
    RANDOM_KIND,
    Member,
    YearlyCap,
    at_cap,
    fitting,
)
from server_stub.draws.sampling import (
    SALT_HEX_DIGITS,
    Staffing,
    TeamDraw,
    batch_release,
    commitment,
    draw_populations,
    draw_teams,
    population_commitment,
    stratum_size,
    task_ids,
    team_order,
)
from sync import Plan, RiskGrade, ValidationError

RandomHex = Callable[[int], str]
"""``n`` random bytes as hex digits. The platform's secrets and salts come from the system's
CSPRNG (``secrets.token_hex``); only ``seed-demo`` passes a seeded source, so that the same seed
gives the same demo draw (its tests hold still), and its plan says it was witnessed by nobody."""


def new_secret(random_hex: RandomHex = secrets.token_hex) -> str:
    """The platform's fresh 128-bit secret for a plan, as 32 hex digits."""
    return random_hex(16)


def new_salt(random_hex: RandomHex = secrets.token_hex) -> str:
    """A fresh salt for one stratum's population commitment: 128 random bits, in hex."""
    return random_hex(SALT_HEX_DIGITS // 2)


def known_departments(conn: sa.Connection) -> set[str]:
    """The departments the staff directory has people of."""
    return set(conn.execute(sa.select(t.inspectors.c.department).distinct()).scalars())


def plan_problems(conn: sa.Connection, plan: Plan) -> list[str]:
    """What makes ``plan`` impossible to run against the current directories (Chinese)."""
    problems = []
    items = {i.code: i for i in plan_items(conn, plan)}
    for code in plan.items:
        item = items.get(code)
        if item is None:
            problems.append(f"抽查事项「{code}」不在抽查事项清单中")
        elif item.department not in plan.departments:
            problems.append(f"抽查事项「{code}」的检查主体「{item.department}」不是本计划的发起或配合部门")
    if plan.is_joint and plan.team_size < len(plan.departments):
        problems.append(f"联合抽查的检查组人数（{plan.team_size}人）少于参与部门数（{len(plan.departments)}个）")
    known = known_departments(conn)
    for department in plan.departments:
        if department not in known:
            problems.append(f"部门「{department}」在执法检查人员名录库中没有人员")
    return problems + level_problems(conn, plan)


PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
"""A plan id: one URL path segment as it is (``/draws/{id}``) and a file name part, never ``..``."""


def create_plan(conn: sa.Connection, plan: Plan, *, now: dt.datetime, actor: Actor,
                entropy: EntropySpec | None = None, kind: str = RANDOM_KIND,
                random_hex: RandomHex = secrets.token_hex) -> str:
    """Store a plan with a fresh secret and the public randomness its draw will take (``entropy``,
    default 20 dice); returns the secret's commitment to publish. Nobody chooses the secret.

    Raises ``Conflict`` when the id exists, ``Invalid`` when the id is not of :data:`PLAN_ID` (one
    with ``/`` was stored, then could be neither drawn nor read) or the plan cannot run.
    """
    if kind not in INSPECTION_KINDS:
        raise Invalid("invalid_plan", "检查类型应为：" + "、".join(INSPECTION_KINDS))
    if not PLAN_ID.fullmatch(plan.id):
        raise Invalid("invalid_plan",
                      f"计划编号「{plan.id}」只能由英文字母、数字和 . _ - 组成，以字母或数字开头，"
                      "不超过60个字符")
    problems = plan_problems(conn, plan)
    if problems:
        raise Invalid("invalid_plan", "；".join(problems))
    exists = conn.execute(sa.select(t.plans.c.id).where(t.plans.c.id == plan.id)).first()
    if exists:
        raise Conflict("plan_exists", f"计划编号「{plan.id}」已存在")
    if not has_population(conn, plan, now):
        raise Invalid("invalid_plan",
                      "本计划的抽查事项不适用于范围内的任何检查对象（请核对事项的适用行业、对象标签和计划范围）"
                      + ("；联合抽查须每个部门都有适用的事项" if plan.is_joint else ""))
    secret = new_secret(random_hex)
    digest = commitment(secret)
    entropy_json = (entropy or EntropySpec()).to_json()
    conn.execute(t.plans.insert().values(
        id=plan.id, name=plan.name, spec=plan_to_json(plan), commitment=digest, seed=secret,
        created_at=now, entropy=entropy_json, kind=kind,
    ))
    conn.execute(t.plan_departments.insert(),
                 [{"plan_id": plan.id, "department": d} for d in plan.departments])
    partners.add_partners(conn, plan)  # a joint plan waits for its partners' answers
    # the commitment, never the secret: supervisors read their plans' entries
    record_act(conn, actor, ActKind.PLAN_CREATED, plan.id, plan_id=plan.id, at=now,
               after={"name": plan.name, "spec": plan_to_json(plan), "kind": kind,
                      "entropy": entropy_json, "commitment": digest})
    return digest


def yearly_caps(conn: sa.Connection, departments: Sequence[str]) -> dict[str, YearlyCap]:
    """Each department's yearly cap (the default, 1 a year, where none was set)."""
    s = t.department_settings
    rows = conn.execute(sa.select(s).where(s.c.department.in_(list(departments)))).mappings()
    found = {r["department"]: YearlyCap(r["yearly_cap"], tuple(r["exempt_kinds"])) for r in rows}
    return {d: found.get(d, YearlyCap()) for d in departments}


def set_yearly_cap(conn: sa.Connection, department: str, cap: YearlyCap, *, actor: Actor) -> None:
    s = t.department_settings
    values = {"yearly_cap": cap.cap, "exempt_kinds": list(cap.exempt)}
    old = conn.execute(sa.select(s.c.yearly_cap, s.c.exempt_kinds)
                       .where(s.c.department == department).with_for_update()).mappings().first()
    if old is None:
        conn.execute(s.insert().values(department=department, **values))
    else:
        conn.execute(s.update().where(s.c.department == department).values(**values))
    record_act(conn, actor, ActKind.YEARLY_CAP_SET, department,
               before=None if old is None else dict(old), after=values)


def inspections_in_year(conn: sa.Connection, department: str, cap: YearlyCap,
                        year: int) -> Counter[str]:
    """How often the department inspected each enterprise in ``year`` (China time), counting
    the drawn tasks of its plans (led or joined) whose kind counts against its cap."""
    tk, pd, pl, dr = t.tasks, t.plan_departments, t.plans, t.draws
    start = dt.datetime(year, 1, 1, tzinfo=CHINA)
    query = (sa.select(tk.c.credit_code, sa.func.count())
             .join(pd, pd.c.plan_id == tk.c.plan_id).join(pl, pl.c.id == tk.c.plan_id)
             .join(dr, dr.c.plan_id == tk.c.plan_id)
             .where(pd.c.department == department, pl.c.kind.not_in(list(cap.exempt)),
                    dr.c.drawn_at >= start, dr.c.drawn_at < start.replace(year=year + 1))
             .group_by(tk.c.credit_code))
    return Counter({code: n for code, n in conn.execute(query).all()})


def population_preview(conn: sa.Connection, plan_id: str, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Internal (it names grades): how many entities each stratum would hold and draw if the
    population were frozen now, and how many its departments' yearly caps and the sandbox leave
    out."""
    plan, row = load_plan(conn, plan_id)
    scope = plan_population(conn, plan, now)  # read once for both
    populations, at_their_cap = _strata_now(conn, plan, row["kind"], now, scope)
    boxed = sandboxed(conn, row["kind"], scope, now)
    return [{"grade": grade.value, "population": len(codes), "ratio": str(plan.ratios[grade]),
             "k": stratum_size(len(codes), plan.ratios[grade]),
             "excluded_at_cap": len(at_their_cap[grade]), "excluded_sandbox": boxed[grade]}
            for grade, codes in populations.items()]


def entropy_spec(row: sa.RowMapping) -> EntropySpec:
    """The plan's entropy spec (plans made before issue 13 take 20 dice)."""
    return EntropySpec() if row["entropy"] is None else EntropySpec.from_json(row["entropy"])


def load_plan(conn: sa.Connection, plan_id: str) -> tuple[Plan, sa.RowMapping]:
    row = conn.execute(sa.select(t.plans).where(t.plans.c.id == plan_id)).mappings().first()
    if row is None:
        raise NotFound("plan_not_found", f"抽查计划「{plan_id}」不存在")
    return plan_from_json(row["spec"]), row


def plan_population(conn: sa.Connection, plan: Plan, now: dt.datetime) -> list[Member]:
    """The entities the plan may draw now, in credit-code order: its scope (grades with a
    ratio, statuses, regions, industries, recent draws left out), then the entities its items
    apply to (``population.fitting``)."""
    items = plan_items(conn, plan)
    rows = conn.execute(_scope_query(plan, now).order_by(t.entities.c.credit_code)).all()
    return fitting(plan, items, _members(rows))


def has_population(conn: sa.Connection, plan: Plan, now: dt.datetime) -> bool:
    """Whether :func:`plan_population` holds anyone, read until the first one is found."""
    items = plan_items(conn, plan)
    result = conn.execute(_scope_query(plan, now))
    try:
        return any(fitting(plan, items, _members(rows)) for rows in result.partitions(1000))
    finally:
        result.close()  # the rows after the first fitting one are never read


def _scope_query(plan: Plan, now: dt.datetime) -> sa.Select[Any]:
    """The plan's scope, four columns a row (the tags as their JSON text)."""
    e = t.entities
    query = (sa.select(e.c.credit_code, e.c.risk_grade, e.c.industry_code, sa.cast(e.c.tags, sa.Text))
             .where(e.c.risk_grade.in_([g.value for g in plan.ratios])))
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
    return query


_GRADES = {g.value: g for g in RiskGrade}


def _members(rows: Iterable[Any]) -> list[Member]:
    """Rows of :func:`_scope_query` as plain members: the tags' JSON text parsed once per
    distinct value (a directory repeats a few dozen), each grade looked up once."""
    tags: dict[str, tuple[str, ...]] = {}
    members: list[Member] = []
    append = members.append
    for code, grade, industry_code, tag_text in rows:
        held = tags.get(tag_text)
        if held is None:
            held = tags[tag_text] = tuple(json.loads(tag_text))
        append(Member(code, _GRADES[grade], industry_code, held))
    return members


def plan_staffing(conn: sa.Connection, plan: Plan, drawn: Sequence[str]) -> Staffing:
    """Where the plan's teams come from: its level, the departments by level and region, and
    the region of each drawn entity (``sampling.Staffing``)."""
    if plan.level is None or not plan.level.county_staff:
        return Staffing(plan.level)
    e = t.entities
    regions = {code: region for code, region in conn.execute(
        sa.select(e.c.credit_code, e.c.region).where(e.c.credit_code.in_(list(drawn))))}
    return Staffing(plan.level, {d.name: d for d in queries.load_departments(conn)}, regions)


@dataclass(frozen=True)
class Freeze:
    """A population frozen for a draw: what is published before the entropy is entered."""

    plan_id: str
    frozen_at: dt.datetime
    strata: list[dict[str, Any]]
    population_commitment: str


@dataclass(frozen=True)
class DrawSummary:
    plan_id: str
    seed: str
    drawn: int
    assigned: int
    unassigned: list[dict[str, str]]
    strata: list[dict[str, Any]]
    audit: dict[str, Any] = field(default_factory=dict, repr=False)
    """The auditor's export as stored (``draw --export`` writes it without reading it back)."""


def _refuse_if_drawn(conn: sa.Connection, plan_id: str) -> None:
    if conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id == plan_id)).first():
        raise Conflict("already_drawn", f"抽查计划「{plan_id}」已经抽取过，不能重复抽取")


def _open_ceremony(conn: sa.Connection, plan_id: str) -> sa.RowMapping | None:
    c = t.draw_ceremonies
    return conn.execute(sa.select(c).where(c.c.open_plan_id == plan_id)).mappings().first()


def freeze_population(conn: sa.Connection, plan_id: str, *, now: dt.datetime, actor: Actor,
                      random_hex: RandomHex = secrets.token_hex) -> Freeze:
    """Step 1 of a draw: fix the plan's population and publish it (per stratum its size, ratio,
    k and a salted commitment that names no grade; and one commitment over them all) before
    any entropy exists. 409 when the plan is drawn or a frozen population waits for its entropy.
    """
    plan, row = load_plan(conn, plan_id)
    _refuse_if_drawn(conn, plan_id)
    partners.require_confirmed(conn, plan_id)  # 经配合部门确认后实施
    if _open_ceremony(conn, plan_id) is not None:
        raise Conflict("already_frozen",
                       f"抽查计划「{plan_id}」的名录已冻结，等待录入公开随机数（或先放弃本次抽取）")
    populations, at_their_cap = _strata_now(conn, plan, row["kind"], now)
    frozen = []
    for grade in plan.ratios:
        ids, salt = sorted(populations[grade]), new_salt(random_hex)
        frozen.append({"grade": grade.value, "ids": ids, "salt": salt,
                       "population_commitment": population_commitment(ids, salt),
                       "excluded_at_cap": sorted(at_their_cap[grade])})
    draft = build_strata(plan, frozen)
    strata = public_strata({"strata": draft})
    digest = population_set_commitment(strata)
    try:
        with conn.begin_nested():
            conn.execute(t.draw_ceremonies.insert().values(
                plan_id=plan_id, open_plan_id=plan_id, state="frozen", frozen_at=now,
                population=frozen, strata=strata, population_commitment=digest))
    except sa.exc.IntegrityError:
        raise Conflict("already_frozen", f"抽查计划「{plan_id}」的名录已冻结") from None
    # the public strata only: no grade, no salt, no id
    record_act(conn, actor, ActKind.POPULATION_FROZEN, plan_id, plan_id=plan_id, at=now,
               after={"strata": strata, "population_commitment": digest})
    return Freeze(plan_id, now, strata, digest)


def _strata_now(conn: sa.Connection, plan: Plan, kind: str, now: dt.datetime,
                scope: list[Member] | None = None
                ) -> tuple[dict[RiskGrade, list[str]], dict[RiskGrade, list[str]]]:
    """Per grade: the credit codes the plan may draw now, and those left out because a
    department of the plan has inspected them as often this year as its cap allows. ``scope``
    is ``plan_population`` when the caller has read it already."""
    populations: dict[RiskGrade, list[str]] = {g: [] for g in plan.ratios}
    at_their_cap: dict[RiskGrade, list[str]] = {g: [] for g in plan.ratios}
    counted = [(cap, counts) for cap, counts in _counted_inspections(conn, plan, kind, now)
               if counts]  # a department that inspected nobody this year caps nobody
    if scope is None:
        scope = plan_population(conn, plan, now)
    # the sandbox keeps its members out of routine plans; a triggered plan keeps to its list
    for entity in admitted(conn, plan.id, kind, scope, now):
        capped = any(at_cap(counts[entity.credit_code], cap) for cap, counts in counted)
        (at_their_cap if capped else populations)[entity.risk_grade].append(entity.credit_code)
    return populations, at_their_cap


def _counted_inspections(conn: sa.Connection, plan: Plan, kind: str,
                         now: dt.datetime) -> list[tuple[YearlyCap, Counter[str]]]:
    """For each department of the plan whose cap holds a plan of ``kind``: its cap and this
    year's counted inspections per enterprise."""
    year = now.astimezone(CHINA).year
    return [(cap, inspections_in_year(conn, department, cap, year))
            for department, cap in yearly_caps(conn, plan.departments).items() if cap.counts(kind)]


def build_strata(plan: Plan, frozen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frozen strata with their size, ratio and k, as ``public_strata`` reads them."""
    return [{**f, "population": len(f["ids"]), "ratio": str(plan.ratios[RiskGrade(f["grade"])]),
             "k": stratum_size(len(f["ids"]), plan.ratios[RiskGrade(f["grade"])])} for f in frozen]


def abandon_draw(conn: sa.Connection, plan_id: str, *, reason: str, now: dt.datetime,
                 actor: Actor) -> None:
    """Give up a frozen population before any entropy was entered (the witnesses did not come,
    the directory was found wrong…). The attempt stays public with its reason; a new freeze may
    follow, and shows as a second attempt."""
    load_plan(conn, plan_id)
    if not reason.strip():
        raise Invalid("reason_required", "放弃抽取须写明原因（将公开）")
    c = t.draw_ceremonies
    done = conn.execute(c.update().where(c.c.open_plan_id == plan_id).values(
        open_plan_id=None, state="abandoned", closed_at=now, reason=reason.strip()[:500])).rowcount
    if done != 1:
        raise Conflict("not_frozen", f"抽查计划「{plan_id}」没有等待录入随机数的冻结名录")
    record_act(conn, actor, ActKind.DRAW_ABANDONED, plan_id, plan_id=plan_id, at=now,
               before={"state": "frozen"}, after={"state": "abandoned", "reason": reason.strip()[:500]})


def run_draw(conn: sa.Connection, plan_id: str, *, now: dt.datetime, actor: Actor,
             dice: str | None = None, public_value: str | None = None,
             witnesses: tuple[str, ...] = (),
             progress: Callable[[str], None] | None = None) -> DrawSummary:
    """Step 2 of a draw: take the public entropy, derive the seed from the plan's secret, the
    frozen population's commitment and the entropy (``ceremony.derive_seed``), draw the frozen
    population's entities and then the teams, store the tasks and publish everything.

    409 when no population is frozen or the plan is drawn; 422 for entropy that does not fit the
    plan's spec. A second draw of the same plan is refused also when two run at once: the draws
    table's primary key lets only one insert commit. ``progress`` is told the seed and how
    many entities were drawn as soon as they are known, before the teams are formed.
    """
    plan, row = load_plan(conn, plan_id)
    _refuse_if_drawn(conn, plan_id)
    ceremony = _open_ceremony(conn, plan_id)
    if ceremony is None:
        raise Conflict("not_frozen", f"抽查计划「{plan_id}」尚未冻结名录：请先冻结并公布名录，再录入公开随机数")
    try:
        entropy = check_entropy(entropy_spec(row), dice=dice, public_value=public_value,
                                witnesses=witnesses, today=china_date(now))
    except CeremonyError as e:
        raise Invalid("bad_entropy", str(e)) from None
    secret = row["seed"]
    seed = derive_seed(secret, ceremony["population_commitment"], entropy)
    frozen = list(ceremony["population"])
    populations = {RiskGrade(f["grade"]): f["ids"] for f in frozen}
    draw = draw_populations(plan, populations, seed)
    if progress is not None:  # the witnesses see the seed and the count before the teams
        progress(f"随机种子 {seed}；抽中 {len(draw.drawn)} 户，正在组成检查组……")
    staffing = plan_staffing(conn, plan, draw.drawn)
    pool = staffing.pool_departments(plan)
    inspectors = [i for i in queries.load_inspectors(conn) if i.department in pool]
    inspectors = partners.limit_to_offered(conn, plan_id, inspectors)  # each partner's offer
    catalogue = plan_items(conn, plan)
    try:
        teams = draw_teams(plan, seed, team_order(draw.drawn), inspectors, catalogue, staffing)
    except ValueError as e:
        raise Invalid("invalid_plan", str(e)) from None
    ids = task_ids(plan.id, teams)
    release = batch_release(plan, seed, [a.credit_code for a in teams.assignments])
    ceremony_json = {
        "derivation": DERIVATION, "secret": secret, "created_at": _iso(row["created_at"]),
        "entropy_spec": entropy_spec(row).to_json(), "frozen_at": _iso(ceremony["frozen_at"]),
        "population_commitment": ceremony["population_commitment"],
        "entropy": entropy.to_json(), "entered_at": now.isoformat(),
    }
    changes = directory_changes_ref(conn, as_utc(row["created_at"]) - DIRECTORY_LOOKBACK,
                                    as_utc(ceremony["frozen_at"]))
    audit = build_export(plan=plan, draw=draw, frozen=frozen, commitment=row["commitment"],
                         ceremony=ceremony_json, inspectors=inspectors, catalogue=catalogue,
                         teams=teams, task_ids=ids, drawn_at=now.isoformat(),
                         directory_changes=changes, staffing=staffing, release=release)
    audit |= export_sections(conn, plan_id, row["kind"], created_at=row["created_at"],
                             frozen_at=as_utc(ceremony["frozen_at"]))  # the lists it saw
    publication = _publication(audit, _listed(conn, draw.drawn), teams)
    publication |= published_lists(audit)  # a triggered plan's rule, count and commitment
    try:
        with conn.begin_nested():
            conn.execute(t.draws.insert().values(plan_id=plan_id, drawn_at=now,
                                                 publication=publication, audit=audit))
    except sa.exc.IntegrityError:
        raise Conflict("already_drawn", f"抽查计划「{plan_id}」已经抽取过，不能重复抽取") from None
    c = t.draw_ceremonies
    conn.execute(c.update().where(c.c.id == ceremony["id"]).values(
        open_plan_id=None, state="drawn", closed_at=now, entropy=ceremony_json["entropy"]))
    _store_tasks(conn, plan, teams, ids, release, now)
    record_act(conn, actor, ActKind.DRAW_MADE, plan_id, plan_id=plan_id, at=now,
               after={"entropy": ceremony_json["entropy"], "seed": seed, "drawn": len(draw.drawn),
                      "assigned": len(teams.assignments)})
    return DrawSummary(plan_id, seed, len(draw.drawn), len(teams.assignments),
                       audit["unassigned"], publication["strata"], audit)


def _store_tasks(conn: sa.Connection, plan: Plan, teams: TeamDraw, ids: dict[str, str],
                 release: dict[str, dt.date], now: dt.datetime) -> None:
    """The tasks, each with its number (``draw_order``: the task id's number, credit-code order,
    never the order of the strata) and its batch's release date (null: released at once)."""
    rows = [
        {"id": ids[a.credit_code], "plan_id": plan.id, "credit_code": a.credit_code,
         "team": list(a.team), "items": list(a.items), "due": plan.window_end,
         "draw_order": int(ids[a.credit_code].rsplit("-", 1)[1]), "created_at": now,
         "release_on": release.get(a.credit_code)}
        for a in teams.assignments
    ]
    members = [{"task_id": ids[a.credit_code], "inspector_id": i}
               for a in teams.assignments for i in a.team]
    if rows:
        conn.execute(t.tasks.insert(), rows)
        conn.execute(t.task_members.insert(), members)


def _listed(conn: sa.Connection, codes: Sequence[str]) -> list[dict[str, str]]:
    """What the publication lists of each drawn entity, in credit-code order: four columns, read
    as stored (the directory validated each entity when it was imported, and never deletes one;
    building a province's fifteen thousand drawn as whole ``Entity`` objects took over a second
    of the draw). In chunks: more codes than one statement may bind."""
    e = t.entities
    query = sa.select(e.c.credit_code, e.c.name, e.c.region, e.c.industry)
    listed: list[dict[str, str]] = []
    for chunk in in_chunks(codes):
        listed += map(dict, conn.execute(query.where(e.c.credit_code.in_(chunk))).mappings())
    return sorted(listed, key=lambda row: row["credit_code"])


def _publication(audit: dict[str, Any], listed: list[dict[str, str]],
                 teams: TeamDraw) -> dict[str, Any]:
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
        "ceremony": audit.get("ceremony"),
        "drawn_at": audit["drawn_at"],
        "strata": public_strata(audit),
        "entities": listed,
        "assigned": len(teams.assignments),
        "unassigned": len(teams.unassigned),
        # how many directory changes the auditor's export lists before the freeze: a number only
        "directory_changes": audit["directory_changes"]["count"],
    }


def _iso(value: Any) -> str | None:
    """A stored time as RFC 3339 (SQLite hands back naive datetimes; every stored time is UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return rfc3339(value)
    return str(value)


def ceremonies_of(conn: sa.Connection, plan_id: str) -> list[dict[str, Any]]:
    """Every attempt at the plan's draw, as the public sees it: the frozen population (numbered
    strata, commitments, time), then the entropy and witnesses of the draw, or why it was
    abandoned."""
    c = t.draw_ceremonies
    rows = conn.execute(sa.select(c).where(c.c.plan_id == plan_id).order_by(c.c.id)).mappings()
    return [{"attempt": n, "state": row["state"], "frozen_at": _iso(row["frozen_at"]),
             "strata": row["strata"], "population_commitment": row["population_commitment"],
             "entropy": row["entropy"], "closed_at": _iso(row["closed_at"]), "reason": row["reason"]}
            for n, row in enumerate(rows, 1)]


def public_plan(row: sa.RowMapping, drawn: bool) -> dict[str, Any]:
    """What anyone may see of a plan: its terms, secret's commitment and entropy spec, never the
    secret before the draw."""
    spec = row["spec"]
    return {
        "id": row["id"], "name": row["name"], "departments": spec["departments"],
        "items": spec["items"], "ratios": spec["ratios"], "team_size": spec["team_size"],
        "window_start": spec["window_start"], "window_end": spec["window_end"],
        "commitment": row["commitment"], "created_at": _iso(row["created_at"]),
        "entropy": entropy_spec(row).to_json(), "kind": row["kind"], "drawn": drawn,
        "scheme": spec.get("scheme"), "level": spec.get("level"),
        "batches": spec.get("batches", []), "replaces_county": spec.get("replaces_county", False),
        "witnesses_required": spec.get("witnesses_required", 0),
    }


def get_public_plan(conn: sa.Connection, plan_id: str) -> dict[str, Any]:
    _, row = load_plan(conn, plan_id)
    drawn = conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id == plan_id)).first()
    return {**public_plan(row, drawn is not None), "ceremonies": ceremonies_of(conn, plan_id),
            "partners": partners.public_partners(partners.partners_of(conn, plan_id))}


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
        raise NotFound("not_drawn", f"抽查计划「{plan_id}」尚未抽取")
    result: dict[str, Any] = value
    if column == "audit":
        return full_audit(conn, result)
    if column == "publication" and any("grade" in s for s in result["strata"]):
        audit = load_draw(conn, plan_id, "audit")
        result = {**result, "strata": public_strata(audit)}
    return result


TRAIL_SIZE = "trail_size"
"""The key that marks a stored export's directory changes as a reference into the trail."""


def directory_changes_ref(conn: sa.Connection, since: dt.datetime, until: dt.datetime
                          ) -> dict[str, Any]:
    """What a draw stores of the directory changes its export lists: their bounds, their count
    and the trail's size at the draw; :func:`full_audit` lists them from the trail when the
    export is read, the same entries every time (the trail is append-only).

    A province's directory import writes one trail entry per entity, all of them in an export
    whose plan was created within a month: a million entries copied into the draw's row made
    the draw wait tens of seconds (and the row larger than PostgreSQL's jsonb holds) while the
    witnesses watched. The export's text is unchanged (issue 29 point 5)."""
    return {"since": clock.log_stamp(since), "until": clock.log_stamp(until),
            "count": directory_change_count(conn, since, until),
            TRAIL_SIZE: trail_size(conn)}


def full_audit(conn: sa.Connection, audit: dict[str, Any]) -> dict[str, Any]:
    """The auditor's export of a stored draw: its directory changes listed from the trail
    where the draw stored a reference (:func:`directory_changes_ref`); as stored otherwise."""
    ref = audit.get("directory_changes")
    if not isinstance(ref, dict) or TRAIL_SIZE not in ref:
        return audit
    listed = directory_changes(conn, dt.datetime.fromisoformat(ref["since"]),
                               dt.datetime.fromisoformat(ref["until"]), below=ref[TRAIL_SIZE])
    return {**audit, "directory_changes": listed}


def validated_plan(data: dict[str, Any]) -> Plan:
    """``plan_from_json`` with its problems turned into one ``Invalid``."""
    try:
        return plan_from_json(data)
    except ValidationError as e:
        raise Invalid("invalid_plan", "；".join(p.message for p in e.problems)) from None
