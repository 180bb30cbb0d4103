"""The team draw of the year's office half (issue 26 points 3–5), pure: 市抽县查 and 市县联查
teams from the county staff of each entity's region, experts where an item needs a specialty,
and the drawn split into batches."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import consistent_sampler
import pytest

from server_stub.draws.sampling import Staffing, batch_release, draw_teams
from sync import (
    Department,
    DepartmentLevel,
    InspectionItem,
    InspectionMethod,
    Inspector,
    Plan,
    PlanLevel,
    StaffKind,
    ValidationError,
    make_credit_code,
)

SEED = "20261206-随机种子-26"
CITY = "市市场监管局"
COUNTY_A, COUNTY_B = "甲区市场监管局", "乙县市场监管局"
DEPARTMENTS = {d.name: d for d in (
    Department(CITY, DepartmentLevel.CITY, "某市"),
    Department(COUNTY_A, DepartmentLevel.COUNTY, "甲区", CITY),
    Department(COUNTY_B, DepartmentLevel.COUNTY, "乙县", CITY),
)}


def code(serial: int) -> str:
    return make_credit_code("9", "1", "370602", f"{serial:08d}")


def item(code_: str, specialty: str = "") -> InspectionItem:
    return InspectionItem(code=code_, category="特种设备使用", name=f"事项{code_}", basis="依据",
                          method=InspectionMethod.ON_SITE, department=CITY, checkpoints=("内容",),
                          specialty=specialty)


def person(id_: str, department: str, *, kind: StaffKind = StaffKind.OFFICER,
           qualifications: tuple[str, ...] = (), conflicts: tuple[str, ...] = ()) -> Inspector:
    return Inspector(id=id_, name=f"人员{id_}", department=department,
                     badge_no="" if kind is StaffKind.EXPERT else f"37{id_}",
                     qualifications=qualifications, conflicts=conflicts, kind=kind)


def plan(**fields: object) -> Plan:
    values: dict[str, object] = {
        "id": "Y2026-01", "name": "市抽县查", "departments": (CITY,), "items": ("TS-01",),
        "ratios": {"A": "1"}, "team_size": 2,
        "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30),
    }
    values.update(fields)
    return Plan(**values)  # type: ignore[arg-type]


STAFF = [
    *(person(f"C{n}", CITY) for n in range(4)),
    *(person(f"A{n}", COUNTY_A) for n in range(4)),
    *(person(f"B{n}", COUNTY_B) for n in range(4)),
]
CODES = [code(n) for n in range(10)]
REGIONS = {c: ("甲区" if n % 2 else "乙县") for n, c in enumerate(CODES)}


def staffing(level: PlanLevel | None, regions: dict[str, str] = REGIONS) -> Staffing:
    return Staffing(level, DEPARTMENTS, regions)


def test_city_draws_county_teams_come_from_the_entitys_county() -> None:
    result = draw_teams(plan(level=PlanLevel.CITY_DRAWS_COUNTY), SEED, CODES, STAFF, [item("TS-01")],
                        staffing(PlanLevel.CITY_DRAWS_COUNTY))
    assert result.unassigned == () and len(result.assignments) == len(CODES)
    for a in result.assignments:
        prefix = "A" if REGIONS[a.credit_code] == "甲区" else "B"
        assert {i[0] for i in a.team} == {prefix}, (a.credit_code, a.team)
        # the county's staff in ticket order, as consistent_sampler orders them
        county = [i.id for i in STAFF if i.id.startswith(prefix)]
        assert list(a.team) == list(consistent_sampler.sampler(
            county, seed=SEED + "/team/" + a.credit_code, take=2, output="id"))


def test_the_same_plan_without_a_level_sends_the_citys_own_staff() -> None:
    result = draw_teams(plan(), SEED, CODES, STAFF, [item("TS-01")], staffing(None))
    assert all({i[0] for i in a.team} == {"C"} for a in result.assignments)


def test_city_and_county_teams_bring_both() -> None:
    result = draw_teams(plan(level=PlanLevel.CITY_AND_COUNTY, team_size=3), SEED, CODES, STAFF,
                        [item("TS-01")], staffing(PlanLevel.CITY_AND_COUNTY))
    assert len(result.assignments) == len(CODES)
    for a in result.assignments:
        county = "A" if REGIONS[a.credit_code] == "甲区" else "B"
        kinds = Counter(i[0] for i in a.team)
        assert kinds["C"] >= 1 and kinds[county] >= 1 and set(kinds) <= {"C", county}, a.team


def test_a_region_without_a_county_counterpart_is_reported_not_sent_the_city() -> None:
    regions = {**REGIONS, CODES[0]: "丙区"}
    result = draw_teams(plan(level=PlanLevel.CITY_DRAWS_COUNTY), SEED, CODES, STAFF, [item("TS-01")],
                        staffing(PlanLevel.CITY_DRAWS_COUNTY, regions))
    (unassigned,) = result.unassigned
    assert unassigned.credit_code == CODES[0]
    assert "「丙区」没有对应「市市场监管局」的县级部门" in unassigned.reason


EXPERTS = [
    person("E1", CITY, kind=StaffKind.EXPERT, qualifications=("电梯检验",)),
    person("E2", CITY, kind=StaffKind.EXPERT, qualifications=("电梯检验", "压力容器")),
    person("E3", COUNTY_A, kind=StaffKind.EXPERT, qualifications=("压力容器",)),
]


def test_a_team_takes_one_expert_per_specialty_and_two_officers() -> None:
    items = [item("TS-01", "电梯检验"), item("TS-02", "压力容器")]
    result = draw_teams(plan(items=("TS-01", "TS-02")), SEED, CODES, [*STAFF, *EXPERTS], items)
    assert result.unassigned == ()
    for a in result.assignments:
        officers = [i for i in a.team if i[0] == "C"]
        assert len(officers) == 2 and a.team[:2] == tuple(officers)
        held = {q for e in a.experts for q in next(p for p in EXPERTS if p.id == e).qualifications}
        assert {"电梯检验", "压力容器"} <= held and set(a.experts) <= {"E1", "E2"}
        assert a.team[2:] == a.experts
    # 压力容器 comes first (code-point order) and only E2 of the city holds it; E2 also covers
    # 电梯检验, so one expert serves both (E3 is a county's, not in a city plan's pool)
    assert {a.experts for a in result.assignments} == {("E2",)}
    one = draw_teams(plan(), SEED, CODES, [*STAFF, *EXPERTS], [item("TS-01", "电梯检验")])
    used = Counter(e for a in one.assignments for e in a.experts)
    assert set(used) == {"E1", "E2"}, "both city experts of 电梯检验 are drawn over ten entities"


def test_an_item_without_a_specialty_takes_no_expert() -> None:
    result = draw_teams(plan(), SEED, CODES, [*STAFF, *EXPERTS], [item("TS-01")])
    assert all(a.experts == () and len(a.team) == 2 for a in result.assignments)


def test_experts_recuse_and_keep_to_the_workload_cap() -> None:
    items = [item("TS-01", "电梯检验")]
    conflicted = [person("E1", CITY, kind=StaffKind.EXPERT, qualifications=("电梯检验",),
                         conflicts=(CODES[0],)), EXPERTS[1]]
    result = draw_teams(plan(), SEED, CODES[:1], [*STAFF, *conflicted], items)
    assert result.assignments[0].experts == ("E2",)
    officers = [person(f"C{n}", CITY) for n in range(10)]  # 15 teams' worth at a cap of 3
    capped = draw_teams(plan(workload_cap=3), SEED, CODES, [*officers, *conflicted], items)
    per_expert = Counter(e for a in capped.assignments for e in a.experts)
    assert per_expert == {"E1": 3, "E2": 3}, "two experts at a cap of 3 serve six entities"
    assert len(capped.unassigned) == 4
    assert {u.reason for u in capped.unassigned} == {"缺少可派的具备「电梯检验」专业的专业技术人员"}
    officer_load = Counter(i for a in capped.assignments for i in a.team if i.startswith("C"))
    assert sum(officer_load.values()) == 12, "an entity left without an expert costs no officer"


def test_experts_never_fill_an_officers_place() -> None:
    """Two officers are the floor even when experts are many: a team of one officer and an
    expert is not formed."""
    staff = [person("C0", CITY), *EXPERTS]
    result = draw_teams(plan(), SEED, CODES[:1], staff, [item("TS-01", "电梯检验")])
    assert result.assignments == ()
    assert "可派检查人员1人，不足检查组人数2人" in result.unassigned[0].reason


def test_an_expert_needs_no_badge_but_an_officer_does() -> None:
    assert person("E9", CITY, kind=StaffKind.EXPERT).badge_no == ""
    with pytest.raises(ValidationError, match="执法证号不能为空"):
        Inspector(id="X", name="某", department=CITY, badge_no="")


BATCHES = (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1))


def test_batches_split_the_tasks_evenly_in_ticket_order() -> None:
    codes = [code(n) for n in range(11)]
    release = batch_release(plan(batches=BATCHES), SEED, codes)
    assert Counter(release.values()) == {BATCHES[0]: 4, BATCHES[1]: 4, BATCHES[2]: 3}
    order = list(consistent_sampler.sampler(sorted(codes), seed=SEED + "/batch/", take=11,
                                            output="id"))
    assert [release[c] for c in order] == sorted(release.values())
    assert batch_release(plan(batches=BATCHES), SEED, codes[::-1]) == release
    assert batch_release(plan(), SEED, codes) == {}


@pytest.mark.parametrize(("batches", "message"), [
    ((dt.date(2026, 4, 1), dt.date(2026, 3, 1)), "从早到晚"),
    ((dt.date(2026, 2, 1),), "计划起止日期之内"),
    (tuple(dt.date(2026, 3, d) for d in range(1, 15)), "不能超过12批"),
])
def test_batches_must_be_dates_in_order_within_the_window(batches: tuple[dt.date, ...],
                                                          message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        plan(batches=batches)
