"""The sandbox (沙盒监管), trigger lists (风险触发预警清单) and the suggested ratios (动态调整)
(issue 26 points 6 and 7). All internal: the administrator changes the lists, the administrator
and supervisors read them; the public sees only a triggered plan's rule and count, on the plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from server_stub.api.deps import AdminActorDep, AdminOrSupervisorDep, ConnDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.core.clock import china_today, now
from server_stub.core.errors import Invalid
from server_stub.draws import sandbox, triggers
from server_stub.publication import ratio_advice
from sync import RiskGrade

router = APIRouter(prefix="/api/v1", tags=["lists"], responses=error_responses(401, 403))


class SandboxIn(BaseModel):
    credit_code: str = Field(min_length=1, max_length=18)
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field(min_length=1, max_length=500, description="为何信用好、风险低")


class RemovalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class SandboxList(BaseModel):
    entries: list[dict[str, Any]]


@router.get("/sandbox")
def sandbox_entries(caller: AdminOrSupervisorDep, conn: ConnDep) -> SandboxList:
    """Every sandbox entry, current and past (internal: membership says "low risk")."""
    return SandboxList(entries=sandbox.entries(conn))


@router.post("/sandbox", status_code=201, responses=error_responses(409, 422))
def add_to_sandbox(body: SandboxIn, actor: AdminActorDep, conn: ConnDep) -> dict[str, Any]:
    """Put an entity in the sandbox for a period: routine plans frozen in it leave it out."""
    return sandbox.add(conn, body.credit_code, starts_on=body.starts_on, ends_on=body.ends_on,
                       reason=body.reason, actor=actor, now=now())


@router.post("/sandbox/{entry_id}/remove", responses=error_responses(404, 409, 422))
def remove_from_sandbox(entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: RemovalIn, actor: AdminActorDep,
                        conn: ConnDep) -> dict[str, Any]:
    """End a sandbox entry now (the entry stays, with its removal)."""
    return sandbox.remove(conn, entry_id, reason=body.reason, actor=actor, now=now())


class TriggerListIn(BaseModel):
    id: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    rule: Literal["red-warning", "overdue-followup", "imported"]
    rule_text: str | None = Field(default=None, max_length=500,
                                  description="imported: the rule that picked the entities (public)")
    members: list[Annotated[str, Field(max_length=18)]] = Field(
        default=[], max_length=100_000, description="imported: the credit codes")


class TriggerLists(BaseModel):
    lists: list[dict[str, Any]]


@router.get("/trigger-lists")
def trigger_lists(caller: AdminOrSupervisorDep, conn: ConnDep) -> TriggerLists:
    """Every trigger list: rule, count, when built (without members)."""
    return TriggerLists(lists=triggers.all_lists(conn))


@router.get("/trigger-lists/{list_id}", responses=error_responses(404))
def trigger_list(list_id: Annotated[str, Path(max_length=60)], caller: AdminOrSupervisorDep,
                 conn: ConnDep) -> dict[str, Any]:
    """One trigger list with its members and the salt of its published commitment."""
    return triggers.get_list(conn, list_id)


@router.post("/trigger-lists", status_code=201, responses=error_responses(409, 422))
def build_trigger_list(body: TriggerListIn, settings: SettingsDep, actor: AdminActorDep,
                       conn: ConnDep) -> dict[str, Any]:
    """Build a trigger list by its rule, fixed from now on (a 触发式抽查 plan names it)."""
    if body.rule != "imported" and (body.members or body.rule_text):
        raise Invalid("invalid_list", "只有导入的清单才给出成员和规则说明")
    return triggers.build(conn, body.id, body.name, triggers.Rule(body.rule), actor=actor, now=now(),
                          thresholds=settings.warning_thresholds,
                          due_days=settings.followup_due_days, text=body.rule_text,
                          imported=body.members)


class RatioSuggestion(BaseModel):
    grade: str
    inspected: int = Field(description="检查户数（不含无法联系、未发现开展相关经营活动）")
    problems: int
    rate: str | None = Field(description="问题发现率，百分数")
    minimum: str = Field(description="最低抽查比例，百分数")
    suggested: str = Field(description="建议的抽查比例，百分数，不低于最低比例")
    reason: str
    entered: str | None = None
    warning: str | None = None


class RatioSuggestions(BaseModel):
    year: int
    suggestions: list[RatioSuggestion]


def parse_ratios(ratios: dict[str, str]) -> dict[RiskGrade, Decimal]:
    """Entered ratios (grade → percent) for the suggestion; 422 for a grade or number unread."""
    parsed = {}
    for grade, value in ratios.items():
        try:
            parsed[RiskGrade(grade.strip().upper())] = Decimal(value)
        except (ValueError, ArithmeticError):
            raise Invalid("invalid_ratio", f"比例「{grade}={value}」应为风险等级 A–D 和百分数") from None
    return parsed


def suggestions(conn: Any, year: int, entered: dict[RiskGrade, Decimal] | None = None
                ) -> RatioSuggestions:
    found = ratio_advice.suggest(ratio_advice.year_results(conn, year), year, entered)
    return RatioSuggestions(year=year, suggestions=[RatioSuggestion(**s.to_json()) for s in found])


YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="结果所属年份（默认去年）")]


@router.get("/ratio-suggestions")
def ratio_suggestions(caller: AdminOrSupervisorDep, conn: ConnDep,
                      year: YearQuery = None) -> RatioSuggestions:
    """Internal (it names grades): next year's ratio per grade from ``year``'s published results,
    with its reasons, never below the grade's minimum."""
    return suggestions(conn, year or china_today().year - 1)


class RatioCheckIn(BaseModel):
    ratios: dict[str, str] = Field(description="风险等级 A–D → 录入的抽查比例（百分数）")
    year: int | None = Field(default=None, ge=2000, le=2100, description="据以建议的年份（默认去年）")


@router.post("/ratio-suggestions/check", responses=error_responses(422))
def check_ratios(body: RatioCheckIn, caller: AdminOrSupervisorDep, conn: ConnDep) -> RatioSuggestions:
    """The suggestion beside the ratios a plan is about to be created with, and a warning where
    one is below its grade's minimum or the suggestion."""
    return suggestions(conn, body.year or china_today().year - 1, parse_ratios(body.ratios))
