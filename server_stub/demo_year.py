"""A city's year for the demo (issue 26): what a newcomer to the 双随机 office should find on the
first day beside the field work — departments by level, county bureaus and their staff, experts,
three joint plans (one partner declining, then confirming; one still waiting for its partner),
a 市抽县查 plan of elevators whose teams come from each district's bureau with an elevator expert
and whose tasks are released in two batches, a county's own plan, a sandbox and a triggered plan.

Everything goes through the platform's own functions (plans, partners' answers, sandbox, trigger
list, the two-step draw), so every act is on the audit trail and every draw re-verifies from its
auditor's export. The draws' dice, secrets and salts come from the demo's seed, as the demo
plan's do, and say they were witnessed by nobody.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import Actor
from server_stub.core.clock import china_date
from server_stub.core.config import DEFAULT_DUE_DAYS
from server_stub.core.errors import Invalid
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS
from server_stub.directory import queries
from server_stub.directory.demo import SAMR, county_bureau, year_directory
from server_stub.draws import partners, planning, sandbox, triggers
from server_stub.draws.ceremony import MIN_DICE_DIGITS
from server_stub.draws.population import RANDOM_KIND, TRIGGERED_KIND
from sync import Plan, PlanLevel, RiskGrade, Scheme

WITNESS = "演示数据：程序模拟掷骰，无现场见证"
COMMERCE, EMERGENCY, ECOLOGY = "威海市商务局", "威海市应急管理局", "威海市生态环境局"
RATIOS = {RiskGrade.A: Decimal(2), RiskGrade.B: Decimal(5), RiskGrade.C: Decimal(15),
          RiskGrade.D: Decimal(30)}

JOINT_CATERING, JOINT_INDUSTRY, JOINT_DISCHARGE = "WH-YEAR-LH-01", "WH-YEAR-LH-02", "WH-YEAR-LH-03"
ELEVATORS, COUNTY_PLAN, TRIGGERED = "WH-YEAR-SX-01", "HC-YEAR-01", "WH-YEAR-CF-01"
YEAR_MIN_ENTITIES = 1000
"""Below this many entities the year's plans mostly find nobody to draw: seed-demo then leaves
the year out (above it, a plan whose items fit nobody is left out alone)."""
DRAWN = (JOINT_CATERING, JOINT_INDUSTRY, ELEVATORS, COUNTY_PLAN, TRIGGERED)
"""The year's plans the demo draws (the third joint plan waits for its partner)."""


def _plan(plan_id: str, name: str, departments: tuple[str, ...], items: tuple[str, ...],
          today: dt.date, **terms: object) -> Plan:
    values: dict[str, object] = {
        "id": plan_id, "name": f"{today.year}年{name}", "departments": departments, "items": items,
        "ratios": RATIOS, "team_size": 2, "window_start": today,
        "window_end": today + dt.timedelta(days=90), "workload_cap": 6,
    }
    values.update(terms)
    return Plan(**values)  # type: ignore[arg-type]


def add_demo_year(conn: sa.Connection, *, seed: int, now: dt.datetime, actor: Actor) -> list[str]:
    """Write the demo's year into a platform that holds :func:`directory.demo.generate`'s
    directories and the demo plan; returns the ids of the plans it drew (a plan whose items fit
    nobody in the directory is left out)."""
    year = year_directory(seed)
    queries.save_departments(conn, departments=year.departments, actor=actor)
    queries.save_inspectors(conn, inspectors=year.staff, actor=actor)
    queries.save_items(conn, items=year.items, actor=actor)
    rolls = random.Random(f"seed-demo year {seed}")
    hexes: Callable[[int], str] = lambda n: rolls.randbytes(n).hex()
    today = china_date(now)

    # 沙盒监管: five low-risk enterprises of 环翠区 kept out of this year's routine plans (its
    # county plan would otherwise take any of them)
    e = t.entities
    calm = conn.execute(sa.select(e.c.credit_code).where(
        e.c.risk_grade == RiskGrade.A.value, e.c.status == "在业", e.c.region == "环翠区")
        .order_by(e.c.credit_code)).scalars().all()
    for code in rolls.sample(list(calm), k=min(5, len(calm))):
        sandbox.add(conn, code, starts_on=today, ends_on=today + dt.timedelta(days=364),
                    reason="信用良好、风险低：连续三年抽查未发现问题，纳入包容审慎监管（演示）",
                    actor=actor, now=now)

    plans = [
        _plan(JOINT_CATERING, "餐饮服务与单用途预付卡联合抽查", (SAMR, COMMERCE), ("SC-SP-02", "SW-DYYF-01"),
              today, scheme=Scheme(
                  content="市场监管部门检查餐饮服务食品安全，商务部门检查单用途预付卡备案与资金存管",
                  schedule="每户一次，同时进场，一般不超过半日", method="实地核查，查阅台账，现场询问")),
        _plan(JOINT_INDUSTRY, "工业产品质量与安全生产联合抽查", (SAMR, EMERGENCY), ("SC-CPZL-01", "YJ-AQSC-01"),
              today),
        _plan(JOINT_DISCHARGE, "特种设备与排污许可联合抽查", (SAMR, ECOLOGY), ("SC-TSSB-01", "HJ-PW-01"), today),
        _plan(ELEVATORS, "电梯使用单位安全“市抽县查”", (SAMR,), ("SC-TSSB-02",), today,
              level=PlanLevel.CITY_DRAWS_COUNTY, replaces_county=True,
              batches=(today, today + dt.timedelta(days=30)), scheme=Scheme(
                  content="电梯使用登记、定期检验、维护保养和应急救援；由电梯检验专业技术人员随同检查",
                  schedule="分两批派发，间隔一个月", method="实地核查")),
        _plan(COUNTY_PLAN, "环翠区企业公示信息抽查", (county_bureau("环翠区"),), ("SC-QYGS-01",), today,
              level=PlanLevel.COUNTY_DRAWS_COUNTY, regions=("环翠区",), workload_cap=12),
    ]
    made: set[str] = set()
    for plan in plans:
        made |= _created(conn, plan, now=now, actor=actor, random_hex=hexes)

    # 配合部门: 商务局 first declines, then confirms with three of its officers; 应急管理局
    # confirms at once; 生态环境局 has not answered, so that plan waits to be frozen
    if JOINT_CATERING in made:
        partners.answer(conn, JOINT_CATERING, COMMERCE, partners.Answer(
            confirm=False, reason="本季度执法人员集中开展预付卡专项整治，暂无法派员"), now=now, actor=actor)
        i = t.inspectors
        offered = conn.execute(sa.select(i.c.id).where(i.c.department == COMMERCE, i.c.active.is_(True))
                               .order_by(i.c.id).limit(3)).scalars().all()
        partners.answer(conn, JOINT_CATERING, COMMERCE, partners.Answer(
            confirm=True, staff=tuple(offered), qualifications=("商务执法",)),
            now=now + dt.timedelta(minutes=5), actor=actor)
    if JOINT_INDUSTRY in made:
        partners.answer(conn, JOINT_INDUSTRY, EMERGENCY, partners.Answer(confirm=True),
                        now=now, actor=actor)

    # 触发式抽查: the enterprises a complaint register named three times or more
    codes = conn.execute(sa.select(e.c.credit_code).where(e.c.status == "在业", e.c.region != "")
                         .order_by(e.c.credit_code)).scalars().all()
    triggers.build(conn, "TS-YEAR-01", f"{today.year}年投诉举报集中的经营者", triggers.Rule.IMPORTED,
                   actor=actor, now=now, thresholds=DEFAULT_THRESHOLDS, due_days=DEFAULT_DUE_DAYS,
                   text="近12个月内经12315平台被投诉举报3次以上的经营者（演示）",
                   imported=rolls.sample(list(codes), k=min(12, len(codes))), random_hex=hexes)
    triggered = _plan(TRIGGERED, "投诉举报集中经营者触发式抽查", (SAMR,), ("SC-QYGS-01",), today,
                      ratios={g: Decimal(100) for g in RiskGrade})
    made |= _created(conn, triggered, now=now, actor=actor, random_hex=hexes, kind=TRIGGERED_KIND)
    if TRIGGERED in made:
        triggers.attach(conn, TRIGGERED, "TS-YEAR-01", kind=TRIGGERED_KIND, actor=actor, now=now)

    drawn = [plan_id for plan_id in DRAWN if plan_id in made]
    for plan_id in drawn:
        planning.freeze_population(conn, plan_id, now=now, actor=actor, random_hex=hexes)
        dice = "".join(rolls.choice("0123456789") for _ in range(MIN_DICE_DIGITS))
        planning.run_draw(conn, plan_id, now=now, actor=actor, dice=dice, witnesses=(WITNESS,))
    return drawn


def _created(conn: sa.Connection, plan: Plan, *, now: dt.datetime, actor: Actor,
             random_hex: Callable[[int], str], kind: str = RANDOM_KIND) -> set[str]:
    """``{plan.id}`` once created; nothing when the directory has nobody its items fit (a small
    demo directory: another seed may give no restaurant selling prepaid cards)."""
    try:
        with conn.begin_nested():
            planning.create_plan(conn, plan, now=now, actor=actor, kind=kind, random_hex=random_hex)
    except Invalid:
        return set()
    return {plan.id}

