"""Levels, experts and batches on a real database (issue 26 points 3–5): which plans a level
allows, a county plan that repeats a city plan declared as replacing it, a 市抽县查 draw with an
expert and two batches re-verified from its export, and a phone that gets a task from its
batch's release day."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.errors import Invalid
from server_stub.directory import queries
from server_stub.directory.demo import DISTRICTS, SAMR
from server_stub.draws import planning
from server_stub.draws.audit import verify_export
from server_stub.field.tasks import tasks_for_inspector
from sync import Department, DepartmentLevel, Inspector, Plan, PlanLevel, StaffKind, generate_key
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
COUNTY = {name: f"{short}市场监督管理局" for name, short, _, _ in DISTRICTS}
SPECIAL = "SC-TSSB-01"
BATCHES = (dt.date(2026, 3, 2), dt.date(2026, 4, 15))


def county_year(conn: sa.Connection) -> None:
    """The city's market regulator and one county bureau per district, four officers each, and
    two elevator experts of the city; the special-equipment item needs one."""
    queries.save_departments(conn, actor=TESTER, departments=[
        Department(SAMR, DepartmentLevel.CITY, "威海市"),
        *(Department(bureau, DepartmentLevel.COUNTY, region, SAMR) for region, bureau in COUNTY.items()),
    ])
    staff = [Inspector(id=f"X{n:02d}{k}", name=f"县{n}员{k}", department=bureau, badge_no=f"3710{n:02d}{k}",
                       qualifications=("特种设备",))
             for n, bureau in enumerate(COUNTY.values()) for k in range(4)]
    staff += [Inspector(id=f"ZJ{k}", name=f"专家{k}", department=SAMR, badge_no="",
                        qualifications=("电梯检验",), kind=StaffKind.EXPERT) for k in range(2)]
    queries.save_inspectors(conn, inspectors=staff, actor=TESTER)
    (item,) = queries.load_items(conn, codes=[SPECIAL])
    queries.save_items(conn, items=[dataclasses.replace(item, specialty="电梯检验")], actor=TESTER)


def make_plan(plan_id: str = "Y1", **overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": plan_id, "name": "电梯使用单位市抽县查", "departments": (SAMR,), "items": (SPECIAL,),
        "ratios": {"A": "5", "B": "10", "C": "20", "D": "40"}, "team_size": 2,
        "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30),
        "level": PlanLevel.CITY_DRAWS_COUNTY, "batches": BATCHES, "workload_cap": 6,
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


@pytest.fixture
def year(engine: sa.Engine) -> sa.Engine:
    with engine.begin() as conn:
        county_year(conn)
    return engine


def test_a_department_directory_change_is_an_audit_act(year: sa.Engine) -> None:
    with year.begin() as conn:
        kinds = conn.execute(sa.select(t.audit_acts.c.object_id)
                             .where(t.audit_acts.c.kind == "directory.department")).scalars().all()
    assert set(kinds) == {SAMR, *COUNTY.values()}


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"departments": (COUNTY["环翠区"],), "items": ("SC-QYGS-01",)}, "须由市级部门发起"),
    ({"level": PlanLevel.COUNTY_DRAWS_COUNTY}, "须由县级部门发起"),
    ({"departments": ("威海市应急管理局",), "items": ("YJ-AQSC-01",)}, "不在部门名录中"),
])
def test_a_level_must_fit_its_lead_department(year: sa.Engine, overrides: dict[str, object],
                                             reason: str) -> None:
    with year.begin() as conn, pytest.raises(Invalid, match=reason):
        planning.create_plan(conn, make_plan(**overrides), now=NOW, actor=TESTER)


def test_a_county_plan_repeating_a_replacing_city_plan_is_refused_with_it_named(year: sa.Engine) -> None:
    county = COUNTY["文登区"]
    with year.begin() as conn:
        planning.create_plan(conn, make_plan("CITY-1", replaces_county=True, batches=()), now=NOW,
                             actor=TESTER)
        with pytest.raises(Invalid, match=r"市级计划「电梯使用单位市抽县查」（CITY-1）.*SC-TSSB-01"):
            planning.create_plan(conn, make_plan("WD-1", departments=(county,), level=None, batches=(),
                                                 items=(SPECIAL, "SC-QYGS-01")),
                                 now=NOW, actor=TESTER)
        # other items, or the same items another year, are the county's to plan
        planning.create_plan(conn, make_plan("WD-2", departments=(county,), level=None, batches=(),
                                             items=("SC-QYGS-01",)), now=NOW, actor=TESTER)
        planning.create_plan(conn, make_plan("WD-3", departments=(county,), level=None, batches=(),
                                             window_start=dt.date(2027, 1, 1),
                                             window_end=dt.date(2027, 3, 1)), now=NOW, actor=TESTER)
        # only a city plan can declare it
        with pytest.raises(Invalid, match="只有市级部门的计划"):
            planning.create_plan(conn, make_plan("WD-4", departments=(county,), level=None, batches=(),
                                                 items=("SC-QYGS-02",), replaces_county=True),
                                 now=NOW, actor=TESTER)


@pytest.fixture
def drawn(year: sa.Engine) -> dict:  # type: ignore[type-arg]
    with year.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "Y1", now=NOW)
        export = planning.load_draw(conn, "Y1", "audit")
        tasks = conn.execute(sa.select(t.tasks, t.entities.c.region)
                             .join(t.entities, t.entities.c.credit_code == t.tasks.c.credit_code)
                             .where(t.tasks.c.plan_id == "Y1")).mappings().all()
        department = dict(conn.execute(sa.select(t.inspectors.c.id, t.inspectors.c.department)).all())
    return {"export": export, "tasks": tasks, "department": department}


def test_city_draws_county_teams_an_expert_and_batches_verify(drawn: dict) -> None:  # type: ignore[type-arg]
    tasks, department = drawn["tasks"], drawn["department"]
    assert len(tasks) > 10
    for task in tasks:
        officers, experts = task["team"][:2], task["team"][2:]
        assert {department[i] for i in officers} == {COUNTY[task["region"]]}, task["id"]
        assert len(experts) == 1 and experts[0].startswith("ZJ")
    releases = sorted({task["release_on"] for task in tasks})
    assert releases == list(BATCHES)
    export = drawn["export"]
    assert export["format"] == "zsc-draw-audit/6"
    verification = verify_export(export)
    assert verification.ok, [c.message for c in verification.checks if not c.ok]
    assert any("分2批派发" in c.message for c in verification.checks)


def _moved_batch(export: dict) -> None:  # type: ignore[type-arg]
    task = export["tasks"][0]
    task["release_on"] = BATCHES[1].isoformat() if task["release_on"] == BATCHES[0].isoformat() \
        else BATCHES[0].isoformat()


def _moved_region(export: dict) -> None:  # type: ignore[type-arg]
    code = export["tasks"][0]["credit_code"]
    here = export["regions"][code]
    export["regions"][code] = next(r for r in COUNTY if r != here)


def _expert_as_officer(export: dict) -> None:  # type: ignore[type-arg]
    for person in export["inspectors"]:
        person["kind"] = "执法人员"


@pytest.mark.parametrize("tamper", [_moved_batch, _moved_region, _expert_as_officer])
def test_a_changed_batch_region_or_staff_kind_fails_the_rerun(drawn: dict, tamper) -> None:  # type: ignore[no-untyped-def,type-arg]
    export = copy.deepcopy(drawn["export"])
    tamper(export)
    assert not verify_export(export).ok


def test_a_phone_gets_a_later_batch_from_its_release_day(year: sa.Engine, drawn: dict) -> None:  # type: ignore[type-arg]
    later = next(task for task in drawn["tasks"] if task["release_on"] == BATCHES[1])
    officer = later["team"][0]
    key = generate_key()
    with year.begin() as conn:
        def ids(today: dt.date) -> set[str]:
            return {task["id"] for task in tasks_for_inspector(conn, officer, key, due_days=20, today=today)}
        assert later["id"] not in ids(BATCHES[1] - dt.timedelta(days=1))
        assert later["id"] in ids(BATCHES[1])
        (task,) = [task for task in tasks_for_inspector(conn, officer, key, due_days=20, today=BATCHES[1])
                   if task["id"] == later["id"]]
    expert = next(m for m in task["team"] if m["kind"] == "专业技术人员")
    assert expert["id"].startswith("ZJ") and task["items"][0]["specialty"] == "电梯检验"


def test_nothing_public_tells_a_batch_or_a_grade(year: sa.Engine, drawn: dict) -> None:  # type: ignore[type-arg]
    with year.begin() as conn:
        publication = planning.load_draw(conn, "Y1", "publication")
    text = str(publication)
    assert "release_on" not in text and "risk_grade" not in text and "grade" not in text
