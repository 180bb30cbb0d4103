"""抽查层级: which plans a department at its level may make (DESIGN §12).

A plan's level says who draws and who inspects. The lead department's level must fit it (the
city draws 市抽县查, 市抽市查 and 市县联查; a county 县抽县查), and a level that sends county staff
needs, for each of the plan's departments, county counterparts in the departments directory.
The item list names a line of work's 检查主体 at the city's level; a county department
inspects its parent's items as its own (:func:`plan_items`).

A city plan may declare that it replaces the county plans of its items this year (凡市级部门明确
县级不再组织发起的抽查任务，县级不再另行制定相同的抽查计划): a county plan of the same year
repeating any of those items is refused, the city plan named.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.directory import queries
from server_stub.draws.plan_codec import plan_from_json
from sync import Department, DepartmentLevel, InspectionItem, Plan, PlanLevel

CITY_LEVELS = (PlanLevel.CITY_DRAWS_COUNTY, PlanLevel.CITY_DRAWS_CITY, PlanLevel.CITY_AND_COUNTY)


def _departments(conn: sa.Connection, names: list[str]) -> dict[str, Department]:
    d = t.departments
    rows = conn.execute(sa.select(d).where(sa.or_(d.c.name.in_(names), d.c.parent.in_(names))))
    return {row["name"]: Department(**row) for row in rows.mappings()}


def plan_items(conn: sa.Connection, plan: Plan) -> list[InspectionItem]:
    """The plan's items as its departments inspect them: an item of a city department that is
    not itself in the plan but is the parent of one of the plan's county departments is that
    county department's (环翠区市场监督管理局 checks 威海市市场监督管理局's list). The draw, its
    population and its export all see the items so."""
    items = queries.load_items(conn, codes=plan.items)
    d = t.departments
    rows = conn.execute(sa.select(d.c.name, d.c.parent).where(
        d.c.name.in_(list(plan.departments)), d.c.parent != "")).all()
    stand_in = {parent: name for name, parent in rows if parent not in plan.departments}
    return [dataclasses.replace(i, department=stand_in[i.department]) if i.department in stand_in
            else i for i in items]


def level_problems(conn: sa.Connection, plan: Plan) -> list[str]:
    """What makes the plan's level, or its declaration of replacing county plans, impossible
    (Chinese); and the city plans a county plan would repeat."""
    if plan.level is None and not plan.replaces_county:
        return _repeats_of_city_plans(conn, plan, {})
    known = _departments(conn, list(plan.departments))
    lead = known.get(plan.lead_department)
    if lead is None:
        return [f"部门「{plan.lead_department}」不在部门名录中，无法确定其层级（请先导入部门名录）"]
    problems: list[str] = []
    if plan.level in CITY_LEVELS and lead.level is not DepartmentLevel.CITY:
        problems.append(f"「{plan.level.value}」计划须由市级部门发起，「{lead.name}」是{lead.level.value}部门")
    if plan.level is PlanLevel.COUNTY_DRAWS_COUNTY and lead.level is not DepartmentLevel.COUNTY:
        problems.append(f"「县抽县查」计划须由县级部门发起，「{lead.name}」是{lead.level.value}部门")
    if plan.replaces_county and lead.level is not DepartmentLevel.CITY:
        problems.append("只有市级部门的计划可以明确县级不再另行制定相同的抽查计划")
    if plan.level is not None and plan.level.county_staff:
        for department in plan.departments:
            if not any(d.parent == department and d.level is DepartmentLevel.COUNTY
                       for d in known.values()):
                problems.append(f"「{plan.level.value}」计划的部门「{department}」在部门名录中没有对应的县级部门")
    return problems + _repeats_of_city_plans(conn, plan, known)


def _repeats_of_city_plans(conn: sa.Connection, plan: Plan, known: dict[str, Department]) -> list[str]:
    """The refusal of a county plan that repeats items of a city plan declared as replacing
    county plans in the same year (window start, China calendar)."""
    lead = known.get(plan.lead_department) or _departments(conn, [plan.lead_department]).get(
        plan.lead_department)
    if lead is None or lead.level is not DepartmentLevel.COUNTY:
        return []
    problems = []
    rows = conn.execute(sa.select(t.plans.c.id, t.plans.c.name, t.plans.c.spec)
                        .order_by(t.plans.c.id)).mappings()
    for row in rows:
        spec = row["spec"]
        if not spec.get("replaces_county"):
            continue
        city = plan_from_json(spec)
        if city.window_start.year != plan.window_start.year or lead.parent not in city.departments:
            continue
        shared = [code for code in plan.items if code in city.items]
        if shared:
            problems.append(
                f"市级计划「{row['name']}」（{row['id']}）已明确{city.window_start.year}年县级不再另行制定"
                f"相同的抽查计划，本计划重复其抽查事项{'、'.join(shared)}")
    return problems
