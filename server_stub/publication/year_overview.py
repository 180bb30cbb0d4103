"""The year on one screen for the 双随机 office (issue 26 point 8): per department and level, the
year's plans planned / confirmed / drawn / done / published, the risk-grade use rate against its
60 % target, joint plans' share, and the repeat visits avoided.

Two halves: :func:`plan_facts` reads what each plan of the year is (a handful of grouped
queries, one row per plan), and :func:`overview` is pure arithmetic on those facts. A row is a
set of plans (a department's, led or joined; a level's, any of whose departments is of that
level; or all of them) and every figure in it is of that set, so a joint plan counts once in
each of its departments' rows and once in each of its levels' rows, and rows do not add up to
the total. The definitions, written for the office, are in docs/decisions.md ("Issue 26: the
year on one screen").

Internal: it names whether plans use risk grades (a plan property, not an entity's grade) and
counts what the yearly cap left out. Supervisors and the administrator only, never the public.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from server_stub.access.scope import FINAL_STATES
from server_stub.core import tables as t
from server_stub.draws.plan_codec import plan_from_json
from server_stub.draws.population import RANDOM_KIND
from server_stub.publication.aggregation import RISK_GRADE_USE_TARGET
from sync import DepartmentLevel, PlanLevel, RecordState, ValidationError, YearOverview, YearRow

UNREGISTERED = "未登记层级"
"""The level of a department the departments directory does not list."""

LEVEL_ORDER = (DepartmentLevel.CITY.value, DepartmentLevel.COUNTY.value, UNREGISTERED)
TOTAL = "合计"
OWN_LEVEL = "本级自抽自查"
"""The 抽查层级 of a plan that names none: drawn and inspected by its own departments."""
PLAN_LEVEL_ORDER = (*(level.value for level in PlanLevel), OWN_LEVEL)


@dataclass(frozen=True)
class PlanFacts:
    """What the overview needs of one plan of the year."""

    plan_id: str
    departments: tuple[str, ...]
    """The lead first, then the partners."""
    kind: str
    uses_risk_grades: bool
    confirmed: bool
    """No partner is pending or has declined (a single department's plan has nothing to confirm)."""
    drawn: bool
    tasks: int
    finished_tasks: int
    """Tasks whose current result (not superseded) is in a final state."""
    published_tasks: int
    """Tasks whose current result is published."""
    capped_out: int
    """Entities the draw's frozen population left out because a department's yearly cap was
    reached (``excluded_at_cap`` of the ceremony that drew it)."""
    plan_level: str = OWN_LEVEL
    """抽查层级 (市抽县查 …), or :data:`OWN_LEVEL` for a plan that names none."""

    @property
    def joint(self) -> bool:
        return len(self.departments) > 1

    @property
    def done(self) -> bool:
        """Drawn, and every task has a current result in a final state (a draw of no task is done)."""
        return self.drawn and self.finished_tasks >= self.tasks

    @property
    def published(self) -> bool:
        """Done, and every task's current result is published."""
        return self.done and self.published_tasks >= self.tasks

    @property
    def joint_visits_saved(self) -> int:
        """Visits a joint plan saves: each drawn entity is visited once for all its departments,
        not once by each (departments − 1 per task)."""
        return self.tasks * (len(self.departments) - 1) if self.drawn else 0


# --- reading the facts ------------------------------------------------------------------------


def _in_year(spec: Any, year: int) -> bool:
    start = spec.get("window_start") if isinstance(spec, Mapping) else None
    return isinstance(start, str) and start[:4] == f"{year:04d}"


def plan_facts(conn: sa.Connection, year: int) -> list[PlanFacts]:
    """The facts of every plan whose window starts in ``year`` (a China date), by plan id. A
    stored plan that no longer reads as a plan (none is made so; old fixtures) is left out."""
    plans: dict[str, tuple[tuple[str, ...], str, bool, str]] = {}
    for plan_id, spec, kind in conn.execute(sa.select(t.plans.c.id, t.plans.c.spec, t.plans.c.kind)):
        if not _in_year(spec, year):
            continue
        try:
            plan = plan_from_json(spec)
        except (ValidationError, ValueError, TypeError):
            continue
        plans[plan_id] = (plan.departments, kind, plan.uses_risk_grades,
                          plan.level.value if plan.level else OWN_LEVEL)
    ids = list(plans)
    if not ids:
        return []
    p = t.plan_partners
    unconfirmed = set(conn.execute(sa.select(p.c.plan_id).where(
        p.c.plan_id.in_(ids), p.c.state != "confirmed").distinct()).scalars())
    drawn = set(conn.execute(sa.select(t.draws.c.plan_id).where(t.draws.c.plan_id.in_(ids))).scalars())
    tasks: dict[str, int] = {pid: n for pid, n in conn.execute(
        sa.select(t.tasks.c.plan_id, sa.func.count()).where(t.tasks.c.plan_id.in_(ids))
        .group_by(t.tasks.c.plan_id))}
    r = t.records
    results = {pid: (finished, published) for pid, finished, published in conn.execute(
        sa.select(r.c.plan_id, sa.func.count(sa.distinct(r.c.task_id)),
                  sa.func.count(sa.distinct(sa.case((r.c.state == RecordState.PUBLISHED.value,
                                                     r.c.task_id)))))
        .where(r.c.plan_id.in_(ids), r.c.superseded.is_(False), r.c.state.in_(FINAL_STATES))
        .group_by(r.c.plan_id))}
    capped: dict[str, int] = defaultdict(int)
    c = t.draw_ceremonies
    for pid, population in conn.execute(sa.select(c.c.plan_id, c.c.population).where(
            c.c.plan_id.in_(ids), c.c.state == "drawn")):
        capped[pid] += sum(len(s.get("excluded_at_cap", [])) for s in population or [])
    return [PlanFacts(plan_id=pid, departments=departments, kind=kind, uses_risk_grades=graded,
                      confirmed=pid not in unconfirmed, drawn=pid in drawn,
                      tasks=tasks.get(pid, 0), finished_tasks=results.get(pid, (0, 0))[0],
                      published_tasks=results.get(pid, (0, 0))[1], capped_out=capped[pid],
                      plan_level=plan_level)
            for pid, (departments, kind, graded, plan_level) in sorted(plans.items())]


def department_levels(conn: sa.Connection) -> dict[str, str]:
    """Each department of the departments directory and its level (市级 / 县级)."""
    d = t.departments
    return {name: level for name, level in conn.execute(sa.select(d.c.name, d.c.level))}


# --- the arithmetic ---------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _meets(part: int, whole: int) -> bool:
    return bool(whole) and Decimal(part) / Decimal(whole) >= RISK_GRADE_USE_TARGET


def row(scope: str, name: str, level: str, facts: Sequence[PlanFacts]) -> YearRow:
    """The figures of one set of plans."""
    joint = [f for f in facts if f.joint]
    # the rate is of random plans: a triggered or complaint-led plan has no ratios to set by grade
    random = [f for f in facts if f.kind == RANDOM_KIND]
    joint_random = [f for f in random if f.joint]
    graded = sum(f.uses_risk_grades for f in random)
    joint_graded = sum(f.uses_risk_grades for f in joint_random)
    saved = sum(f.joint_visits_saved for f in joint)
    capped = sum(f.capped_out for f in facts if f.drawn)
    return YearRow(
        scope=scope, name=name, level=level,
        planned=len(facts), confirmed=sum(f.confirmed for f in facts),
        drawn=sum(f.drawn for f in facts), done=sum(f.done for f in facts),
        published=sum(f.published for f in facts),
        joint=len(joint), joint_confirmed=sum(f.confirmed for f in joint),
        joint_share=_share(len(joint), len(facts)),
        random_plans=len(random), graded_plans=graded,
        risk_grade_use=_share(graded, len(random)), meets_target=_meets(graded, len(random)),
        joint_random_plans=len(joint_random), joint_graded_plans=joint_graded,
        joint_risk_grade_use=_share(joint_graded, len(joint_random)),
        joint_meets_target=_meets(joint_graded, len(joint_random)),
        joint_visits_saved=saved, capped_out=capped, repeats_avoided=saved + capped,
    )


def _level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def overview(facts: Iterable[PlanFacts], levels: Mapping[str, str], year: int, *,
             departments: Collection[str] | None = None) -> YearOverview:
    """The year's rows: each department's (city departments first, then county, then those the
    directory does not list, by name), then each department level's, then each 抽查层级's
    (市抽县查, 市抽市查, 县抽县查, 市县联查, 本级自抽自查: how the year's plans are run), then the
    total. With ``departments`` (a supervisor's), those departments' rows only: any other row
    would show other departments' plans."""
    facts = list(facts)
    level_of = {d: levels.get(d, UNREGISTERED) for f in facts for d in f.departments}
    names = sorted(level_of, key=lambda d: (_level_rank(level_of[d]), d))
    if departments is not None:
        names = [d for d in names if d in departments]
        # a department of the caller with no plan this year still gets its row of zeros
        names += sorted(set(departments) - set(names))
    rows = [row("department", d, levels.get(d, UNREGISTERED),
                [f for f in facts if d in f.departments]) for d in names]
    if departments is None:
        for level in sorted(set(level_of.values()), key=_level_rank):
            rows.append(row("level", level, level,
                            [f for f in facts if any(level_of[d] == level for d in f.departments)]))
        for plan_level in PLAN_LEVEL_ORDER:
            of_level = [f for f in facts if f.plan_level == plan_level]
            if of_level:
                rows.append(row("plan_level", plan_level, plan_level, of_level))
        rows.append(row("total", TOTAL, "", facts))
    return YearOverview(year=year, target=float(RISK_GRADE_USE_TARGET), rows=rows)


def build(conn: sa.Connection, year: int, *,
          departments: Collection[str] | None = None) -> YearOverview:
    """The overview of ``year`` as stored: every row for the administrator (``departments``
    None), the given departments' rows for a supervisor."""
    return overview(plan_facts(conn, year), department_levels(conn), year, departments=departments)
