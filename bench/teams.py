"""Benchmark of the team draw against the reference ``consistent_sampler``, in the same run.

For every drawn entity the eligible inspectors are put in ticket order with the seed
``SEED + "/team/" + credit_code`` (DESIGN §6), so the cost is one SHA-256 ticket per eligible
inspector per entity, and a plan's inspectors are only those of its own departments.

The default scenario is a province (issue 13): 5,000 inspectors in 50 departments of 100, and
30,000 drawn entities staffed by 25 joint plans (部门联合) of two departments each (1 and 2,
3 and 4, …), every plan drawing 1,200 entities for teams of two, one from each department, with
a workload cap of 15 tasks. About 4 % of the inspectors are not on duty, 5 % lack their
department's qualification and 2 % must recuse from one of their plan's entities, so each
entity has about 180 eligible inspectors: some 5.5 million tickets in all. ``--joint 1`` makes
it 50 single-department plans of 600 entities; ``--joint 5 --team-size 5`` ten plans of
five departments (about 450 eligible per entity: over 13 million tickets without a cap).

:func:`server_stub.draws.draw_teams` is timed on every plan. The reference,
:func:`reference_draw_teams` (the rules run entity by entity on ``consistent_sampler``), takes
about 15 times as long, so by default it runs on the first two plans only; its time is then
extrapolated to all plans (they are the same size) and the teams are compared on those plans.
``--reference-plans 0`` runs it on every plan.

Run from the repository root: ``python -m bench.teams [--joint 2] [--reference-plans 2]``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import click
import consistent_sampler  # type: ignore[import-untyped]

from server_stub.draws.sampling import (
    LIST_SEPARATOR,
    MSG_EXCLUDED,
    MSG_EXCLUSION_COUNT,
    MSG_MISSING_DEPARTMENTS,
    MSG_TOO_FEW_ELIGIBLE,
    REASON_AT_CAP,
    REASON_CONFLICT,
    REASON_INACTIVE,
    REASON_UNQUALIFIED,
    SEPARATOR,
    TEAM_SEED_INFIX,
    Assignment,
    TeamDraw,
    Unassigned,
    draw_teams,
)
from sync import InspectionItem, InspectionMethod, Inspector, Plan, RiskGrade, make_credit_code

INACTIVE_SHARE = 0.04
UNQUALIFIED_SHARE = 0.05
CONFLICT_SHARE = 0.02


def reference_draw_teams(
    plan: Plan,
    seed: str,
    credit_codes: Sequence[str],
    inspectors: Iterable[Inspector],
    catalogue: Iterable[InspectionItem],
) -> TeamDraw:
    """The team rules of DESIGN §6 as plainly as they can be written, on ``consistent_sampler``.

    For each entity in order: every inspector of the plan's departments is checked (on duty,
    their department's qualifications, 回避, the workload cap), the eligible are put in ticket
    order by ``consistent_sampler.sampler`` with the seed ``SEED + "/team/" + credit_code``, and
    the team is the first of each department then the first others (a single-department plan:
    the first ``team_size``). The benchmark's reference and the tests' oracle.
    """
    items = {item.code: item for item in catalogue}
    staff = [i for i in inspectors if i.department in plan.departments]
    workload: Counter[str] = Counter()
    assignments, unassigned = [], []
    for code in credit_codes:
        eligible: list[Inspector] = []
        excluded: Counter[str] = Counter()
        for inspector in staff:
            needed = {
                items[c].qualification
                for c in plan.items
                if not plan.is_joint or items[c].department == inspector.department
            } - {""}
            if not inspector.active:
                excluded[REASON_INACTIVE] += 1
            elif not needed <= set(inspector.qualifications):
                excluded[REASON_UNQUALIFIED] += 1
            elif code in inspector.conflicts:
                excluded[REASON_CONFLICT] += 1
            elif plan.workload_cap is not None and workload[inspector.id] >= plan.workload_cap:
                excluded[REASON_AT_CAP] += 1
            else:
                eligible.append(inspector)
        present = {i.department for i in eligible}
        missing = [d for d in plan.departments if d not in present]
        if len(eligible) < plan.team_size or missing:
            unassigned.append(
                Unassigned(code, _reference_reason(len(eligible), plan, missing, excluded))
            )
            continue
        order = list(
            consistent_sampler.sampler(
                [i.id for i in eligible],
                seed=seed + TEAM_SEED_INFIX + code,
                take=len(eligible) if plan.is_joint else plan.team_size,
                output="id",
            )
        )
        department = {i.id: i.department for i in eligible}
        firsts = [next(i for i in order if department[i] == d) for d in plan.departments]
        others = [i for i in order if i not in firsts][: plan.team_size - len(firsts)]
        team = tuple(i for i in order if i in firsts or i in others)
        workload.update(team)
        assignments.append(Assignment(code, team, plan.items))
    return TeamDraw(tuple(assignments), tuple(unassigned))


def _reference_reason(eligible: int, plan: Plan, missing: list[str], excluded: Counter[str]) -> str:
    parts = []
    if eligible < plan.team_size:
        parts.append(MSG_TOO_FEW_ELIGIBLE.format(eligible=eligible, team_size=plan.team_size))
    if missing:
        names = LIST_SEPARATOR.join(f"「{d}」" for d in missing)
        parts.append(MSG_MISSING_DEPARTMENTS.format(departments=names))
    reasons = (REASON_INACTIVE, REASON_UNQUALIFIED, REASON_CONFLICT, REASON_AT_CAP)
    details = [
        MSG_EXCLUSION_COUNT.format(label=r, count=excluded[r]) for r in reasons if excluded[r]
    ]
    if details:
        parts.append(MSG_EXCLUDED.format(details=LIST_SEPARATOR.join(details)))
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class Scenario:
    """A province's team draws: one plan per group of ``joint`` consecutive departments."""

    plans: list[tuple[Plan, list[str]]]
    """Each plan with the credit codes it drew, in draw order."""
    inspectors: list[Inspector]
    catalogue: list[InspectionItem]


def build_scenario(
    entities: int,
    inspectors: int,
    departments: int,
    joint: int,
    team_size: int,
    workload_cap: int | None,
) -> Scenario:
    """The synthetic province; the same arguments always give the same scenario."""
    rng = random.Random(20260315)
    names = [f"第{n + 1:02d}部门" for n in range(departments)]
    catalogue = [
        InspectionItem(
            f"SD-{n + 1:02d}",
            "双随机抽查",
            f"{name}的抽查事项",
            "《中华人民共和国行政处罚法》",
            InspectionMethod.ON_SITE,
            name,
            ("检查内容",),
            qualification=f"{name}执法资格",
        )
        for n, name in enumerate(names)
    ]
    groups = [names[n : n + joint] for n in range(0, departments - joint + 1, joint)]
    per_plan = entities // len(groups)
    plans = []
    for n, group in enumerate(groups):
        codes = [
            make_credit_code("9", "1", "370000", f"{n * per_plan + s:08d}") for s in range(per_plan)
        ]
        plan = Plan(
            id=f"BENCH-{n + 1:02d}",
            name="团队抽取基准",
            departments=tuple(group),
            items=tuple(item.code for item in catalogue if item.department in group),
            ratios={RiskGrade.A: Decimal(1), RiskGrade.B: Decimal(3), RiskGrade.C: Decimal(10), RiskGrade.D: Decimal(20)},
            team_size=team_size,
            window_start=dt.date(2026, 3, 1),
            window_end=dt.date(2026, 6, 30),
            workload_cap=workload_cap,
        )
        plans.append((plan, codes))
    staff = []
    for n in range(inspectors):
        department = n % departments
        plan_codes = plans[min(department // joint, len(plans) - 1)][1]
        staff.append(
            Inspector(
                f"SD{n:05d}",
                "张伟",
                names[department],
                f"37{n:09d}",
                qualifications=()
                if rng.random() < UNQUALIFIED_SHARE
                else (f"{names[department]}执法资格",),
                active=rng.random() >= INACTIVE_SHARE,
                conflicts=(rng.choice(plan_codes),) if rng.random() < CONFLICT_SHARE else (),
            )
        )
    return Scenario(plans, staff, catalogue)


DrawTeams = Callable[
    [Plan, str, Sequence[str], Iterable[Inspector], Iterable[InspectionItem]], TeamDraw
]


def timed(
    draw: DrawTeams, scenario: Scenario, plans: int, seed: str
) -> tuple[float, list[TeamDraw]]:
    """Seconds ``draw`` takes on the first ``plans`` plans, and its results."""
    results = []
    start = time.perf_counter()
    for plan, codes in scenario.plans[:plans]:
        results.append(draw(plan, seed, codes, scenario.inspectors, scenario.catalogue))
    return time.perf_counter() - start, results


@click.command()
@click.option("--entities", default=30_000, show_default=True, help="Drawn entities in all.")
@click.option("--inspectors", default=5_000, show_default=True, help="Inspectors in all.")
@click.option("--departments", default=50, show_default=True)
@click.option("--joint", default=2, show_default=True, help="Departments per (joint) plan.")
@click.option("--team-size", default=2, show_default=True)
@click.option("--workload-cap", default=15, show_default=True, help="0: no cap.")
@click.option(
    "--reference-plans",
    default=2,
    show_default=True,
    help="Plans the reference runs on, extrapolated to all (0: every plan).",
)
@click.option("--seed", default="20260315-0912-88317", show_default=True)
@click.option("--smoke", is_flag=True, help="A tiny run in seconds, as CI runs it (tests/test_benches.py).")
def main(
    entities: int,
    inspectors: int,
    departments: int,
    joint: int,
    team_size: int,
    workload_cap: int,
    reference_plans: int,
    seed: str,
    smoke: bool,
) -> None:
    """Time our team draw against consistent_sampler, entity by entity."""
    if smoke:
        entities, inspectors, departments = 300, 100, 5
    scenario = build_scenario(
        entities, inspectors, departments, joint, team_size, workload_cap or None
    )
    plans = len(scenario.plans)
    per_plan = len(scenario.plans[0][1])
    our_time, ours = timed(draw_teams, scenario, plans, seed)
    sampled = min(reference_plans or plans, plans)
    reference_time, reference = timed(reference_draw_teams, scenario, sampled, seed)
    extrapolated = reference_time * plans / sampled
    assigned = sum(len(result.assignments) for result in ours)
    click.echo(
        f"scenario:  {inspectors:,} inspectors in {departments} departments; {plans} plans of "
        f"{joint} department(s) × {per_plan:,} entities = {plans * per_plan:,} drawn entities; "
        f"team of {team_size}, workload cap {workload_cap or 'none'}"
    )
    click.echo(f"teams:     {assigned:,} formed, {plans * per_plan - assigned:,} unassigned")
    click.echo(f"ours:      {our_time:.3f} s (all {plans} plans)")
    if sampled == plans:
        click.echo(f"reference: {reference_time:.3f} s (consistent_sampler, all {plans} plans)")
    else:
        click.echo(
            f"reference: {extrapolated:.3f} s (consistent_sampler, extrapolated: "
            f"{reference_time:.3f} s on {sampled} of {plans} plans)"
        )
    click.echo(f"speed-up:  {extrapolated / our_time:.1f}x")
    scope = "all plans" if sampled == plans else f"{sampled} of {plans} plans, those it ran"
    click.echo(f"identical: {'yes' if ours[:sampled] == reference else 'NO'} (on {scope})")


if __name__ == "__main__":
    main()
