"""The year on one screen (issue 26 point 8): the arithmetic on hand-made plan facts, then the
facts read from a crafted year of real plans and draws (two departments at two levels and one the
directory does not list, a joint plan confirmed and one declined, the yearly cap leaving entities
out, results done and published)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core import tables as t
from server_stub.directory import queries
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.publication import year_overview as yo
from server_stub.publication.year_overview import PlanFacts
from sync import Department, DepartmentLevel, Plan, PlanLevel, RecordState, YearRow
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

SAFETY = "威海市应急管理局"
ECOLOGY = "威海市生态环境局"
LEVELS = {SAMR: "市级", SAFETY: "县级"}


def facts(plan_id: str, departments: tuple[str, ...], *, kind: str = "双随机抽查", graded: bool = False,
          confirmed: bool = True, drawn: bool = False, tasks: int = 0, finished: int = 0,
          published: int = 0, capped: int = 0) -> PlanFacts:
    return PlanFacts(plan_id, departments, kind, graded, confirmed, drawn, tasks, finished,
                     published, capped)


YEAR = [
    facts("P1", (SAMR,), drawn=True, tasks=4, finished=4, published=4),
    facts("P2", (SAMR,), graded=True, drawn=True, tasks=5, finished=4, published=4, capped=3),
    facts("J1", (SAMR, SAFETY), graded=True, drawn=True, tasks=6, finished=6, published=2, capped=2),
    facts("J2", (SAMR, ECOLOGY), confirmed=False),
    facts("E1", (SAFETY,), graded=True),
    facts("K1", (SAMR,), kind="投诉举报", graded=True),
]


def by_name(rows: list[YearRow]) -> dict[str, YearRow]:
    return {r["name"]: r for r in rows}


def test_a_departments_row_counts_the_plans_it_leads_or_joins() -> None:
    rows = by_name(yo.overview(YEAR, LEVELS, 2026)["rows"])
    samr = rows[SAMR]
    assert (samr["planned"], samr["confirmed"], samr["drawn"], samr["done"], samr["published"]) == (
        5, 4, 3, 2, 1), "P2 has a task without a final result; J1 has results not yet published"
    assert (samr["joint"], samr["joint_confirmed"], samr["joint_share"]) == (2, 1, 0.4)
    assert (samr["random_plans"], samr["graded_plans"], samr["risk_grade_use"]) == (4, 2, 0.5), \
        "K1 (投诉举报) is not a random plan"
    assert not samr["meets_target"]
    assert (samr["joint_random_plans"], samr["joint_graded_plans"], samr["joint_risk_grade_use"]) == (2, 1, 0.5)
    assert (samr["joint_visits_saved"], samr["capped_out"], samr["repeats_avoided"]) == (6, 5, 11)
    safety = rows[SAFETY]
    assert (safety["level"], safety["planned"], safety["drawn"], safety["done"], safety["published"]) == (
        "县级", 2, 1, 1, 0)
    assert (safety["risk_grade_use"], safety["meets_target"], safety["joint_share"]) == (1.0, True, 0.5)
    assert (safety["joint_visits_saved"], safety["capped_out"], safety["repeats_avoided"]) == (6, 2, 8)
    ecology = rows[ECOLOGY]
    assert (ecology["level"], ecology["planned"], ecology["confirmed"], ecology["drawn"]) == (
        "未登记层级", 1, 0, 0)
    assert ecology["repeats_avoided"] == 0 and ecology["risk_grade_use"] == 0.0


def test_levels_count_each_plan_once_and_the_total_counts_every_plan() -> None:
    answer = yo.overview(YEAR, LEVELS, 2026)
    assert [(r["scope"], r["name"]) for r in answer["rows"]] == [
        ("department", SAMR), ("department", SAFETY), ("department", ECOLOGY),
        ("level", "市级"), ("level", "县级"), ("level", "未登记层级"), ("plan_level", "本级自抽自查"),
        ("total", "合计")]
    rows = {(r["scope"], r["name"]): r for r in answer["rows"]}
    county = rows["level", "县级"]
    assert county["planned"] == 2 and county["joint"] == 1, "J1 and E1: a joint plan once"
    total = rows["total", "合计"]
    assert (total["planned"], total["confirmed"], total["drawn"], total["done"], total["published"]) == (
        6, 5, 3, 2, 1)
    assert total["joint_share"] == round(2 / 6, 4)
    assert (total["random_plans"], total["graded_plans"], total["risk_grade_use"]) == (5, 3, 0.6)
    assert total["meets_target"], "exactly 60 % meets the target"
    assert total["repeats_avoided"] == 6 + 5 and answer["target"] == 0.6


def test_plans_by_how_they_are_run() -> None:
    """市抽县查 counts at the city level (its departments), and has a row of its own."""
    year = [*YEAR, PlanFacts("C1", (SAMR,), "双随机抽查", True, True, True, 10, 10, 10, 0,
                             plan_level="市抽县查")]
    rows = [r for r in yo.overview(year, LEVELS, 2026)["rows"] if r["scope"] == "plan_level"]
    assert [(r["name"], r["planned"], r["published"]) for r in rows] == [("市抽县查", 1, 1),
                                                                         ("本级自抽自查", 6, 1)]


def test_a_supervisor_gets_their_departments_row_only() -> None:
    answer = yo.overview(YEAR, LEVELS, 2026, departments=[SAFETY])
    assert [(r["scope"], r["name"]) for r in answer["rows"]] == [("department", SAFETY)]
    idle = yo.overview(YEAR, LEVELS, 2026, departments=["威海市商务局"])["rows"]
    assert [(r["name"], r["planned"], r["risk_grade_use"], r["joint_share"]) for r in idle] == [
        ("威海市商务局", 0, None, None)], "no plan this year: a row of zeros, no rate"


@pytest.mark.parametrize(("fact", "done", "published"), [
    (facts("X", (SAMR,)), False, False),  # not drawn
    (facts("X", (SAMR,), drawn=True), True, True),  # drawn, nothing to visit
    (facts("X", (SAMR,), drawn=True, tasks=2, finished=1), False, False),
    (facts("X", (SAMR,), drawn=True, tasks=2, finished=2, published=1), True, False),
    (facts("X", (SAMR,), drawn=True, tasks=2, finished=2, published=2), True, True),
])
def test_done_and_published(fact: PlanFacts, done: bool, published: bool) -> None:
    assert (fact.done, fact.published) == (done, published)


# --- a crafted year on the database ------------------------------------------------------------

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_seq = itertools.count(1)


def plan(plan_id: str, departments: tuple[str, ...], items: tuple[str, ...], ratios: Any,
         start: dt.date = dt.date(2026, 3, 1), level: PlanLevel | None = None) -> Plan:
    return Plan(id=plan_id, name=f"计划{plan_id}", departments=departments, items=items, ratios=ratios,
                team_size=2, window_start=start, window_end=start.replace(month=12, day=31), level=level)


def answer(conn: sa.Connection, plan_id: str, department: str, state: str) -> None:
    p = t.plan_partners
    conn.execute(p.update().where(p.c.plan_id == plan_id, p.c.department == department)
                 .values(state=state, answered_at=NOW, answered_by="tester",
                         reason="人手不足" if state == "declined" else None))


def result(conn: sa.Connection, task_id: str, state: RecordState, *, superseded: bool = False) -> None:
    """A record of the task in ``state`` (only the columns the overview reads are meaningful)."""
    task = conn.execute(sa.select(t.tasks).where(t.tasks.c.id == task_id)).mappings().one()
    inspector = conn.execute(sa.select(t.inspectors.c.id).limit(1)).scalar_one()
    device = "year-fixture"
    if conn.execute(sa.select(t.devices.c.id).where(t.devices.c.id == device)).first() is None:
        conn.execute(t.devices.insert().values(
            id=device, inspector_id=inspector, role="inspector", name="fixture", public_key="A" * 43,
            token_hash=hashlib.sha256(device.encode()).hexdigest(), enrolled_at=NOW))
    record_id = str(uuid.uuid4())
    conn.execute(t.records.insert().values(
        id=record_id, hash=hashlib.sha256(record_id.encode()).hexdigest(), device_id=device,
        seq=next(_seq), inspector_id=inspector, task_id=task_id, credit_code=task["credit_code"],
        outcome="未发现问题", finished_at=NOW, state=state.value, envelope="{}", received_at=NOW,
        superseded=superseded, plan_id=task["plan_id"], industry="", region="", risk_grade="D",
        draw_order=task["draw_order"], inspected_on=NOW.date(), published_on=NOW.date() if state == RecordState.PUBLISHED else None))


def task_ids(conn: sa.Connection, plan_id: str) -> list[str]:
    return list(conn.execute(sa.select(t.tasks.c.id).where(t.tasks.c.plan_id == plan_id)
                             .order_by(t.tasks.c.id)).scalars())


def capped_out(conn: sa.Connection, plan_id: str) -> int:
    audit = planning.load_draw(conn, plan_id, "audit")
    return sum(len(s["excluded_at_cap"]) for s in audit["strata"])


def test_a_crafted_year_read_from_the_database(engine: sa.Engine, database_url: str,
                                               tmp_path: Path) -> None:
    with engine.begin() as conn:
        # the demo's staff are all of city departments: one of them stands for a county's here
        queries.save_departments(conn, departments=[
            Department(SAMR, DepartmentLevel.CITY, "威海市"),
            Department(SAFETY, DepartmentLevel.COUNTY, "环翠区", parent=SAMR)], actor=TESTER)
        disclosure = ("SC-QYGS-01",)
        made = [
            (plan("P1", (SAMR,), disclosure, {"D": "50"}), "双随机抽查"),
            (plan("P2", (SAMR,), disclosure, {"A": "1", "B": "3", "C": "10", "D": "20"}), "双随机抽查"),
            (plan("J1", (SAMR, SAFETY), (*disclosure, "YJ-AQSC-01"), {"C": "5", "D": "10"}), "双随机抽查"),
            (plan("J2", (SAMR, ECOLOGY), (*disclosure, "HJ-PW-01"), {"D": "10"}), "双随机抽查"),
            (plan("E1", (SAFETY,), ("YJ-AQSC-01",), {"A": "1", "D": "20"}), "双随机抽查"),
            (plan("K1", (SAMR,), disclosure, {"A": "1", "D": "5"}, level=PlanLevel.CITY_DRAWS_CITY),
             "投诉举报"),
            (plan("OLD", (SAMR,), disclosure, {"D": "5"}, start=dt.date(2025, 12, 31)), "双随机抽查"),
        ]
        for p, kind in made:
            planning.create_plan(conn, p, now=NOW, actor=TESTER, kind=kind)
        answer(conn, "J1", SAFETY, "confirmed")
        answer(conn, "J2", ECOLOGY, "declined")
        # the default yearly cap (once a year per department): P2 and J1 leave out what P1 drew
        for n, plan_id in enumerate(("P1", "P2", "J1", "OLD")):
            freeze_and_draw(conn, plan_id, now=NOW + dt.timedelta(days=n))
        for task_id in task_ids(conn, "P1"):
            result(conn, task_id, RecordState.PUBLISHED)
        for task_id in task_ids(conn, "J1"):
            result(conn, task_id, RecordState.APPROVED)
        for task_id in task_ids(conn, "P2"):  # replaced results are not the task's result
            result(conn, task_id, RecordState.PUBLISHED, superseded=True)
        tasks = {p: len(task_ids(conn, p)) for p in ("P1", "P2", "J1")}
        capped = {p: capped_out(conn, p) for p in ("P1", "P2", "J1")}
        read = yo.build(conn, 2026)
        facts_read = {f.plan_id: f for f in yo.plan_facts(conn, 2026)}
    assert all(tasks.values()) and capped["P1"] == 0 and capped["P2"] > 0 and capped["J1"] > 0
    assert sorted(facts_read) == ["E1", "J1", "J2", "K1", "P1", "P2"], "OLD starts in 2025"
    assert facts_read["J1"].departments == (SAMR, SAFETY) and facts_read["K1"].kind == "投诉举报"
    assert [p for p, f in facts_read.items() if f.plan_level != "本级自抽自查"] == ["K1"]
    assert facts_read["K1"].plan_level == "市抽市查"
    assert [facts_read[p].uses_risk_grades for p in ("P1", "P2", "J1", "J2")] == [
        False, True, True, False]
    rows = by_name(read["rows"])
    samr, safety, ecology = rows[SAMR], rows[SAFETY], rows[ECOLOGY]
    assert (samr["planned"], samr["confirmed"], samr["drawn"], samr["done"], samr["published"]) == (
        5, 4, 3, 2, 1)
    assert (samr["joint"], samr["joint_confirmed"]) == (2, 1)
    assert (samr["random_plans"], samr["graded_plans"]) == (4, 2)
    assert samr["joint_visits_saved"] == tasks["J1"]
    assert samr["capped_out"] == capped["P2"] + capped["J1"]
    assert samr["repeats_avoided"] == tasks["J1"] + capped["P2"] + capped["J1"]
    assert (safety["level"], safety["planned"], safety["confirmed"], safety["drawn"], safety["done"]) == (
        "县级", 2, 2, 1, 1)
    assert safety["repeats_avoided"] == tasks["J1"] + capped["J1"]
    assert (ecology["level"], ecology["planned"], ecology["confirmed"]) == ("未登记层级", 1, 0)
    assert rows["合计"]["planned"] == 6 and rows["市级"]["planned"] == 5 and rows["县级"]["planned"] == 2

    printed = CliRunner().invoke(cli, ["year-overview", "--year", "2026", "--data", str(tmp_path),
                                       "--db", database_url], catch_exceptions=False)
    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert lines[1].split("\t")[:8] == ["范围", "名称", "层级", "计划", "已确认", "已抽取", "已完成", "已公示"]
    table = {line.split("\t")[1]: line.split("\t") for line in lines[2:] if "\t" in line}
    assert table[SAMR][2:8] == ["市级", "5", "4", "3", "2", "1"]
    assert table[SAMR][10] == "50%（2/4）未达标" and table[SAMR][8] == "2（已确认1）"
    assert table[SAFETY][10] == "100%（2/2）", "at target: no mark"
    assert table[ECOLOGY][2] == "未登记层级" and table["合计"][0] == "全部"
    assert table["本级自抽自查"][:4] == ["抽查层级", "本级自抽自查", "本级自抽自查", "5"]
    assert table["市抽市查"][:5] == ["抽查层级", "市抽市查", "市抽市查", "1", "1"]
    assert table[SAMR][14] == str(samr["repeats_avoided"])
