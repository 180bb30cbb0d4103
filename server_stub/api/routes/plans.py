"""Plans (抽查计划), their seed commitments and their draws."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ... import planning
from ...clock import now
from ...errors import error_responses
from ..deps import AdminDep, ConnDep

router = APIRouter(prefix="/api/v1", tags=["plans"])


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
    drawn: bool


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
    drawn_at: str
    strata: list[Stratum]
    entities: list[DrawnEntity]
    assigned: int
    unassigned: int


@router.post("/plans", status_code=201, dependencies=[AdminDep],
             responses=error_responses(401, 409, 422))
def create_plan(body: PlanIn, conn: ConnDep) -> PublicPlan:
    """Create a plan. Its seed is drawn now and kept secret; its commitment is published at once."""
    plan = planning.validated_plan(body.model_dump())
    planning.create_plan(conn, plan, now=now())
    return PublicPlan(**planning.get_public_plan(conn, plan.id))


@router.get("/plans")
def list_plans(conn: ConnDep) -> PlanList:
    """Every plan with its seed commitment (public)."""
    return PlanList(plans=[PublicPlan(**p) for p in planning.list_public_plans(conn)])


@router.get("/plans/{plan_id}", responses=error_responses(404))
def get_plan(plan_id: str, conn: ConnDep) -> PublicPlan:
    """One plan's terms and seed commitment (public)."""
    return PublicPlan(**planning.get_public_plan(conn, plan_id))


@router.post("/plans/{plan_id}/draw", status_code=201, dependencies=[AdminDep],
             responses=error_responses(401, 404, 409, 422))
def run_draw(plan_id: str, conn: ConnDep) -> DrawResult:
    """Run the plan's draw (once only) and reveal its seed."""
    summary = planning.run_draw(conn, plan_id, now=now())
    return DrawResult(plan_id=summary.plan_id, seed=summary.seed, drawn=summary.drawn,
                      assigned=summary.assigned, unassigned=summary.unassigned,
                      strata=[Stratum(**s) for s in summary.strata])


@router.get("/draws/{plan_id}", responses=error_responses(404))
def get_draw(plan_id: str, conn: ConnDep) -> PublishedDraw:
    """The published draw: inputs to re-check it and the drawn entities (no risk grades)."""
    return PublishedDraw(**planning.load_draw(conn, plan_id, "publication"))


@router.get("/draws/{plan_id}/audit", dependencies=[AdminDep],
            responses=error_responses(401, 404))
def get_draw_audit(plan_id: str, conn: ConnDep) -> dict[str, Any]:
    """The auditor's export: everything needed to re-run the draw (internal: has the strata's ids)."""
    return planning.load_draw(conn, plan_id, "audit")
