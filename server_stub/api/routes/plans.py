"""Plans (抽查计划), their seed commitments and their draws."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from server_stub.api.deps import AdminActorDep, AdminDep, ConnDep
from server_stub.api.errors import error_responses
from server_stub.api.routes.lists import RatioSuggestions, parse_ratios, suggestions
from server_stub.core.clock import now
from server_stub.core.errors import Invalid, NotFound
from server_stub.draws import planning, triggers
from server_stub.draws.ceremony import (
    MAX_DICE_DIGITS,
    MIN_DICE_DIGITS,
    CeremonyError,
    EntropySpec,
    PublicValueSpec,
)
from server_stub.draws.population import YearlyCap
from sync import MAX_BATCHES

router = APIRouter(prefix="/api/v1", tags=["plans"])


class PublicValueIn(BaseModel):
    source: str = Field(min_length=1, max_length=200, description="where the value will appear, e.g. a lottery")
    date: dt.date = Field(description="the day it is published (China time); the draw waits for it")


class EntropyIn(BaseModel):
    dice_digits: int | None = Field(default=MIN_DICE_DIGITS, ge=MIN_DICE_DIGITS, le=MAX_DICE_DIGITS,
                                    description="ten-sided dice rolled before named witnesses at the draw; null for none")
    public_value: PublicValueIn | None = None


class SchemeIn(BaseModel):
    """检查方案: what is checked, when and how (agreed with the partners; shown on the phones)."""

    content: str = Field(max_length=2000, description="检查内容")
    schedule: str = Field(max_length=500, description="时间安排")
    method: str = Field(max_length=500, description="检查方式")


class PlanIn(BaseModel):
    id: str = Field(max_length=60, description="英文字母、数字和 . _ - ，以字母或数字开头（其余答 422）")
    name: str = Field(max_length=200)
    departments: list[str] = Field(description="发起部门在前，其后为配合部门", max_length=20)
    items: list[str] = Field(max_length=200)
    ratios: dict[str, str] = Field(description="风险等级 A–D → 抽查比例（百分数，十进制字符串，如 \"2.5\"）")
    team_size: int = Field(ge=2, le=20)
    window_start: str = Field(description="YYYY-MM-DD")
    window_end: str = Field(description="YYYY-MM-DD")
    regions: list[str] = []
    industries: list[str] = []
    statuses: list[str] = []
    exclude_inspected_within_days: int | None = Field(default=None, ge=1)
    workload_cap: int | None = Field(default=None, ge=1)
    entropy: EntropyIn = Field(default_factory=lambda: EntropyIn(),
                               description="the public randomness the draw will take")
    kind: Literal["双随机抽查", "触发式抽查", "投诉举报", "案件线索", "转办交办"] = Field(
        default="双随机抽查", description="检查类型: what a department's yearly cap may exempt")
    trigger_list: str | None = Field(default=None, max_length=60,
                                     description="触发式抽查: the trigger list it draws from (required)")
    scheme: SchemeIn | None = Field(default=None, description="检查方案 (issue 26)")
    level: Literal["市抽县查", "市抽市查", "县抽县查", "市县联查"] | None = Field(
        default=None, description="抽查层级; null: the plan's own departments draw and inspect")
    batches: list[str] = Field(default=[], max_length=MAX_BATCHES,
                               description="分批派发: release dates YYYY-MM-DD, ascending, within the window")
    replaces_county: bool = Field(default=False, description="a city plan: county departments make "
                                                             "no plan of the same items this year")
    witnesses_required: int = Field(default=0, ge=0, le=20, description=(
        "witnesses that must co-sign a head covering a result before it shows as published "
        "(the platform's ZSC_WITNESSES_REQUIRED applies when higher)"))


class PublicPlan(BaseModel):
    id: str
    name: str
    departments: list[str]
    items: list[str]
    ratios: dict[str, str]
    team_size: int
    window_start: str
    window_end: str
    commitment: str = Field(
        description='hex SHA-256 of "zsc-seed-commitment:" + seed, published before the draw'
    )
    created_at: str
    kind: str = Field(default="双随机抽查", description="检查类型")
    entropy: dict[str, Any] = Field(description="dice_digits, public_value {source, date}: the "
                                                "public randomness named at creation")
    drawn: bool
    ceremonies: list[dict[str, Any]] = Field(
        default=[], description="every attempt at the draw, in order: frozen population (strata, "
                                "commitment, time), then drawn (entropy, witnesses) or abandoned (reason)")
    scheme: SchemeIn | None = Field(default=None, description="检查方案; null: none given")
    partners: list[dict[str, Any]] = Field(
        default=[], description="配合部门的答复 (as GET /plans/{id}/partners): department, state, "
                                "state_label, answered_at, reason of a decline")
    trigger: PublicTrigger | None = Field(default=None, description="触发式抽查: its list's rule and count")
    level: str | None = Field(default=None, description="抽查层级; null: the plan's own departments")
    batches: list[str] = Field(default=[], description="分批派发 release dates (which task is in which "
                                                       "batch is not public)")
    replaces_county: bool = False
    witnesses_required: int = 0


class PublicTrigger(BaseModel):
    """What anyone sees of a triggered plan's list: never a member, never a grade."""

    name: str
    rule_label: str
    rule_text: str = Field(description="触发规则")
    count: int = Field(description="清单户数")
    built_at: str
    commitment: str = Field(description='hex SHA-256 of "zsc-trigger-list:" + the canonical JSON of '
                                        "the list (id, name, rule, rule_text, built_at, members, salt); "
                                        "the salt and members are in the draw's auditor export")


class CreatedPlan(PublicPlan):
    """The plan as created, and (internal: it names grades) the suggested ratios beside those
    entered, from the published results of the year before the plan's window."""

    ratio_advice: RatioSuggestions


class PlanList(BaseModel):
    plans: list[PublicPlan]


class Stratum(BaseModel):
    """One stratum of a draw as the public sees it: numbered, never named by its risk grade."""

    stratum: int = Field(description="第几层（按名录承诺值排序，与风险等级无关）")
    population: int
    ratio: str
    k: int
    population_commitment: str | None = Field(
        description='hex SHA-256 of "zsc-population:" + salt + "\\n" + the sorted ids joined by '
                    '"\\n"; the salt is only in the auditor\'s export. null for draws made before '
                    "salted commitments")


class DrawResult(BaseModel):
    plan_id: str
    seed: str
    drawn: int
    assigned: int
    unassigned: list[dict[str, str]]
    strata: list[Stratum]


class DrawnEntity(BaseModel):
    credit_code: str
    name: str
    region: str
    industry: str


class PublishedDraw(BaseModel):
    plan: dict[str, Any]
    algorithm: str
    algorithm_version: str
    seed: str
    commitment: str
    ceremony: dict[str, Any] | None = Field(
        default=None, description="derivation, secret, times, frozen population commitment, entropy and witnesses; "
                    "null for draws made before issue 13 (their seed was the secret itself)")
    drawn_at: str
    strata: list[Stratum]
    entities: list[DrawnEntity]
    assigned: int
    unassigned: int
    trigger: dict[str, Any] | None = Field(
        default=None, description="触发式抽查: its list's name, rule_text, count, built_at and commitment "
                                  "(as on the plan); null for other plans")
    directory_changes: int | None = Field(
        default=None, description="名录冻结前（计划创建前30天起）名录库和事项清单的变更条数；"
                                  "issue 19 之前的抽取为 null")


@router.post("/plans", status_code=201, responses=error_responses(401, 409, 422))
def create_plan(body: PlanIn, actor: AdminActorDep, conn: ConnDep) -> CreatedPlan:
    """Create a plan. Its seed is drawn now and kept secret; its commitment is published at once."""
    data = body.model_dump()
    entropy = data.pop("entropy")
    kind, trigger_list = data.pop("kind"), data.pop("trigger_list")
    triggers.require_list(kind, trigger_list)
    plan = planning.validated_plan(data)
    try:
        spec = EntropySpec(entropy["dice_digits"], None if entropy["public_value"] is None else
                           PublicValueSpec(entropy["public_value"]["source"], entropy["public_value"]["date"]))
    except CeremonyError as e:
        raise Invalid("invalid_plan", str(e)) from None
    planning.create_plan(conn, plan, now=now(), actor=actor, entropy=spec, kind=kind)
    if trigger_list is not None:
        triggers.attach(conn, plan.id, trigger_list, kind=kind, actor=actor, now=now())
        triggers.refuse_if_empty(planning.population_preview(conn, plan.id, now=now()))
    advice = suggestions(conn, plan.window_start.year - 1, parse_ratios(body.ratios))
    return CreatedPlan(**public(conn, plan.id), ratio_advice=advice)


def public(conn: ConnDep, plan_id: str) -> dict[str, Any]:
    """The public plan with its trigger list's rule and count (triggered plans)."""
    return {**planning.get_public_plan(conn, plan_id),
            "trigger": triggers.public_trigger(triggers.plan_list(conn, plan_id))}


@router.get("/plans")
def list_plans(conn: ConnDep) -> PlanList:
    """Every plan with its seed commitment (public)."""
    shown = triggers.public_triggers(conn)
    return PlanList(plans=[PublicPlan.model_validate({**p, "trigger": shown.get(p["id"])})
                           for p in planning.list_public_plans(conn)])


@router.get("/plans/{plan_id}", responses=error_responses(404))
def get_plan(plan_id: str, conn: ConnDep) -> PublicPlan:
    """One plan's terms and seed commitment (public)."""
    return PublicPlan(**public(conn, plan_id))


class FreezeOut(BaseModel):
    plan_id: str
    frozen_at: str
    strata: list[Stratum]
    population_commitment: str = Field(description="SHA-256 of the RFC 8785 JSON of the strata list")


class EntropyEntry(BaseModel):
    dice: str | None = Field(default=None, max_length=400, description="the dice digits as rolled")
    witnesses: list[str] = Field(default=[], max_length=20,
                                 description="每位见证人：姓名及单位或证件号")
    public_value: str | None = Field(default=None, max_length=500)


class AbandonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class StratumPreview(BaseModel):
    grade: str
    population: int
    ratio: str
    k: int
    excluded_at_cap: int = Field(description="left out: a department's yearly cap is reached")
    excluded_sandbox: int = Field(default=0, description="left out: in the sandbox (沙盒监管) now")


class PopulationPreview(BaseModel):
    strata: list[StratumPreview]


@router.get("/plans/{plan_id}/population", dependencies=[AdminDep],
            responses=error_responses(401, 404))
def population(plan_id: str, conn: ConnDep) -> PopulationPreview:
    """Internal (it names grades): each stratum's population and draw size if frozen now: the
    entities in scope that the plan's items apply to."""
    return PopulationPreview(strata=[StratumPreview(**s) for s in
                                     planning.population_preview(conn, plan_id, now=now())])


class YearlyCapIn(BaseModel):
    yearly_cap: int = Field(ge=1, le=100, description="每户每年最多抽查次数（本部门）")
    exempt_kinds: list[Literal["投诉举报", "案件线索", "转办交办"]] = Field(
        default=["投诉举报", "案件线索", "转办交办"], description="不计入上限的检查类型")


@router.put("/departments/{department}/yearly-cap", responses=error_responses(401, 404))
def set_yearly_cap(department: Annotated[str, Path(max_length=100)], body: YearlyCapIn,
                   actor: AdminActorDep, conn: ConnDep) -> YearlyCapIn:
    """A department's yearly cap per enterprise (国办发〔2024〕54号) and the kinds it exempts."""
    if department not in planning.known_departments(conn):
        raise NotFound("department_not_found", f"部门「{department}」在执法检查人员名录库中没有人员")
    planning.set_yearly_cap(conn, department, YearlyCap(body.yearly_cap, tuple(body.exempt_kinds)),
                            actor=actor)
    return body


@router.post("/plans/{plan_id}/freeze", status_code=201, responses=error_responses(401, 404, 409))
def freeze(plan_id: str, actor: AdminActorDep, conn: ConnDep) -> FreezeOut:
    """Step 1 of the draw: freeze the population and publish its commitments, before any
    public randomness exists."""
    frozen = planning.freeze_population(conn, plan_id, now=now(), actor=actor)
    return FreezeOut(plan_id=plan_id, frozen_at=frozen.frozen_at.isoformat(),
                     strata=[Stratum(**s) for s in frozen.strata],
                     population_commitment=frozen.population_commitment)


@router.post("/plans/{plan_id}/draw", status_code=201, responses=error_responses(401, 404, 409, 422))
def run_draw(plan_id: str, body: EntropyEntry, actor: AdminActorDep, conn: ConnDep) -> DrawResult:
    """Step 2: enter the public randomness (dice before witnesses, and/or the public value the
    plan named), which derives the seed; the draw is made and published at once (once only)."""
    summary = planning.run_draw(conn, plan_id, now=now(), actor=actor, dice=body.dice,
                                public_value=body.public_value, witnesses=tuple(body.witnesses))
    return DrawResult(plan_id=summary.plan_id, seed=summary.seed, drawn=summary.drawn,
                      assigned=summary.assigned, unassigned=summary.unassigned,
                      strata=[Stratum(**s) for s in summary.strata])


@router.post("/plans/{plan_id}/abandon", status_code=204, responses=error_responses(401, 404, 409, 422))
def abandon(plan_id: str, body: AbandonIn, actor: AdminActorDep, conn: ConnDep) -> None:
    """Give up a frozen population before its entropy was entered; the attempt stays public."""
    planning.abandon_draw(conn, plan_id, reason=body.reason, now=now(), actor=actor)


@router.get("/draws/{plan_id}", responses=error_responses(404))
def get_draw(plan_id: str, conn: ConnDep) -> PublishedDraw:
    """The published draw: inputs to re-check it and the drawn entities (no risk grades)."""
    return PublishedDraw(**planning.load_draw(conn, plan_id, "publication"))


@router.get("/draws/{plan_id}/audit", dependencies=[AdminDep],
            responses=error_responses(401, 404))
def get_draw_audit(plan_id: str, conn: ConnDep) -> dict[str, Any]:
    """The auditor's export: everything needed to re-run the draw (internal: has the strata's ids)."""
    return planning.load_draw(conn, plan_id, "audit")
