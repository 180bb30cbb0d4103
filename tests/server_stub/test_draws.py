"""The draw (DESIGN §6), with Rivest's consistent_sampler 1.0.10 as the oracle."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from decimal import Decimal

import consistent_sampler  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_stub.draws.sampling import (
    ALGORITHM,
    ALGORITHM_VERSION,
    Assignment,
    EntityDraw,
    commitment,
    consistent_sample,
    draw_entities,
    draw_teams,
    in_scope,
    population_commitment,
    stratum_size,
)
from sync import (
    Entity,
    EntityStatus,
    InspectionItem,
    InspectionMethod,
    Inspector,
    Plan,
    RiskGrade,
    make_credit_code,
)

SEED = "20260315-随机种子-88317"


def reference(ids: list[str], seed: str, k: int) -> list[str]:
    return list(consistent_sampler.sampler(ids, seed=seed, take=k, output="id"))


def code(serial: int) -> str:
    return make_credit_code("9", "1", "370602", f"{serial:08d}")


def entity(serial: int, grade: str = "A", **fields: object) -> Entity:
    values: dict[str, object] = {
        "credit_code": code(serial),
        "name": f"烟台市芝罘区第{serial}号商店",
        "address": f"芝罘区南大街{serial}号",
        "region": "芝罘区",
        "industry": "食品销售",
        "risk_grade": grade,
    }
    values.update(fields)
    return Entity(**values)  # type: ignore[arg-type]


def item(code_: str, department: str = "市场监管局", qualification: str = "") -> InspectionItem:
    return InspectionItem(
        code=code_,
        category="食品安全",
        name=f"抽查事项{code_}",
        basis="《中华人民共和国食品安全法》",
        method=InspectionMethod.ON_SITE,
        department=department,
        checkpoints=("检查内容",),
        qualification=qualification,
    )


def inspector(
    id_: str,
    department: str = "市场监管局",
    qualifications: tuple[str, ...] = (),
    active: bool = True,
    conflicts: tuple[str, ...] = (),
) -> Inspector:
    return Inspector(
        id=id_,
        name=f"检查员{id_}",
        department=department,
        badge_no=f"3706{id_}",
        qualifications=qualifications,
        active=active,
        conflicts=conflicts,
    )


def plan(**fields: object) -> Plan:
    values: dict[str, object] = {
        "id": "P2026-01",
        "name": "2026年食品销售双随机抽查",
        "departments": ("市场监管局",),
        "items": ("SP-01",),
        "ratios": {"A": "1", "B": "3", "C": "10", "D": "20"},
        "team_size": 2,
        "window_start": dt.date(2026, 3, 1),
        "window_end": dt.date(2026, 6, 30),
    }
    values.update(fields)
    return Plan(**values)  # type: ignore[arg-type]


# --- consistent sampling against the oracle --------------------------------------------------

ALPHABETS = {
    "ascii": st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY-#", max_size=18),
    "chinese": st.text(
        alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8
    ),
    "mixed": st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
}


@pytest.mark.parametrize("alphabet", list(ALPHABETS))
@given(data=st.data(), seed=st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
@settings(max_examples=150, deadline=None)
def test_equals_reference(alphabet: str, data: st.DataObject, seed: str) -> None:
    ids = data.draw(st.lists(ALPHABETS[alphabet], unique=True, max_size=60), label="ids")
    k = data.draw(st.integers(min_value=0, max_value=len(ids) + 3), label="k")
    assert consistent_sample(ids, seed, k) == reference(ids, seed, k)


@pytest.mark.parametrize("size", [10_000, 10_001])
@pytest.mark.parametrize("k", [0, 1, 37, 4_999, 5_000, 5_001, 10_000, 12_000])
def test_equals_reference_on_a_large_stratum(size: int, k: int) -> None:
    # 10,000 ids share the 10,000 four-digit ticket prefixes, so many prefixes are shared:
    # the pre-selection's threshold bucket must be taken whole. Up to 10,000 prefixes the
    # threshold comes from a heap, beyond from counting them: both are run.
    ids = [code(serial) for serial in range(size)]
    random.Random(k).shuffle(ids)
    assert consistent_sample(ids, SEED, k) == reference(ids, SEED, k)


@pytest.mark.parametrize(
    ("ids", "seed", "expected"),
    [  # examples published in consistent_sampler's own documentation (seed 314159)
        (["ab-1", "ab-2", "cd-1", "ef-3"], "314159", ["cd-1", "ef-3", "ab-1", "ab-2"]),
        (
            ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"],
            "314159",
            ["B-2", "B-3", "A-3", "A-2", "B-1", "A-1"],
        ),
    ],
)
def test_published_examples(ids: list[str], seed: str, expected: list[str]) -> None:
    assert consistent_sample(ids, seed, len(ids)) == expected


@pytest.mark.parametrize("k", [0, 1, 5])
def test_empty_population(k: int) -> None:
    assert consistent_sample([], SEED, k) == []


def test_sample_is_a_prefix_of_the_full_order() -> None:
    ids = [code(serial) for serial in range(300)]
    full = consistent_sample(ids, SEED, len(ids))
    assert consistent_sample(ids, SEED, 17) == full[:17]
    assert sorted(full) == sorted(ids)


def test_seed_changes_the_order() -> None:
    ids = [code(serial) for serial in range(50)]
    assert consistent_sample(ids, SEED, 10) != consistent_sample(ids, SEED + "x", 10)


@pytest.mark.parametrize("ids", [["a", "b", "a"], ["甲", "乙", "乙"]])
def test_duplicate_ids_are_refused(ids: list[str]) -> None:
    duplicate = ids[-1]
    with pytest.raises(ValueError, match=f"「{duplicate}」"):
        consistent_sample(ids, SEED, 1)


def test_negative_k_is_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        consistent_sample(["a"], SEED, -1)


# --- stratum arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "ratio", "expected"),
    [
        (101, Decimal(3), 4),
        (100, Decimal(3), 3),
        (199, Decimal("0.5"), 1),
        (200, Decimal("0.5"), 1),
        (201, Decimal("0.5"), 2),
        (57, Decimal(0), 0),
        (57, Decimal(100), 57),
        (0, Decimal(20), 0),
        (0, Decimal(0), 0),
        (10, "33.3333333333333333333333333333333", 4),
        (3, "33.3333333333333333333333333333333", 1),
        (10**29 + 1, Decimal(100), 10**29 + 1),  # beyond Decimal's default 28 digits
        (10**30, Decimal("1E-30"), 1),
        (1, "2.5%", 1),
    ],
)
def test_stratum_size(population: int, ratio: Decimal | str, expected: int) -> None:
    assert stratum_size(population, ratio) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("population", "ratio"),
    [(-1, Decimal(3)), (10, Decimal("100.1")), (10, Decimal(-1)), (10, 0.03), (1.5, "3")],
)
def test_stratum_size_refuses_bad_input(population: int, ratio: Decimal) -> None:
    with pytest.raises(ValueError):
        stratum_size(population, ratio)


# --- entity draw -----------------------------------------------------------------------------


def directory() -> list[Entity]:
    grades = "A" * 120 + "B" * 60 + "C" * 25 + "D" * 11
    return [entity(serial, grade) for serial, grade in enumerate(grades)]


def test_draw_entities_strata() -> None:
    entities = directory()
    draw = draw_entities(plan(), entities, SEED)
    assert (draw.algorithm, draw.algorithm_version) == (ALGORITHM, ALGORITHM_VERSION)
    assert (draw.algorithm, draw.algorithm_version) == ("consistent_sampler", "1.0.10")
    assert draw.plan_id == "P2026-01"
    assert [s.grade for s in draw.strata] == list(RiskGrade)
    assert [(s.population, s.k) for s in draw.strata] == [(120, 2), (60, 2), (25, 3), (11, 3)]
    assert [s.ratio for s in draw.strata] == [Decimal(r) for r in ("1", "3", "10", "20")]
    for stratum in draw.strata:
        codes = [e.credit_code for e in entities if e.risk_grade == stratum.grade]
        assert list(stratum.drawn) == reference(codes, SEED, stratum.k)
    assert draw.drawn == tuple(c for s in draw.strata for c in s.drawn)


def test_draw_does_not_depend_on_input_order() -> None:
    entities = directory()
    shuffled = entities[:]
    random.Random(7).shuffle(shuffled)
    assert draw_entities(plan(), entities, SEED) == draw_entities(plan(), shuffled, SEED)


def test_grades_without_a_ratio_are_not_drawn_and_empty_strata_are_published() -> None:
    draw = draw_entities(plan(ratios={"D": "50", "B": "10"}), directory()[:130], SEED)
    assert [s.grade for s in draw.strata] == [RiskGrade.B, RiskGrade.D]
    b, d = draw.strata
    assert (b.population, b.k, len(b.drawn)) == (10, 1, 1)
    assert (d.population, d.k, d.drawn) == (0, 0, ())


def test_commitment() -> None:
    assert commitment("abc") == "5aef212e7a6127d15562761d6555280b9615762002a585d3f77e80b85e962a50"
    draw = draw_entities(plan(), directory(), SEED)
    assert draw.seed == SEED
    assert commitment(SEED) == hashlib.sha256(f"zsc-seed-commitment:{SEED}".encode()).hexdigest()


def test_commitment_does_not_reveal_the_tickets() -> None:
    """The sampler hashes ids with sha256(seed); the published commitment must differ from it."""
    assert commitment(SEED) != hashlib.sha256(SEED.encode("utf-8")).hexdigest()


SALT = "00112233445566778899aabbccddeeff"


def test_population_commitment_test_vector() -> None:
    """The vector docs/decisions.md gives: ids sorted, salt first, domain-separated."""
    ids = ["91371000MA3C4X5Y6Z", "913710007060000002"]
    expected = "ca7f7df4b3cf365faacb239b79fc305e74a608bf7d934d13559be573ce8b3a53"
    assert population_commitment(ids, SALT) == expected
    text = f"zsc-population:{SALT}\n913710007060000002\n91371000MA3C4X5Y6Z"
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == expected
    assert population_commitment([], SALT) == hashlib.sha256(f"zsc-population:{SALT}\n".encode()).hexdigest()


def test_population_commitment_depends_on_the_salt_and_is_not_the_plain_hash() -> None:
    ids = ["A", "B"]
    other_salt = "f" * 32
    assert population_commitment(ids, SALT) != population_commitment(ids, other_salt)
    assert population_commitment(ids, SALT) != hashlib.sha256(b"A\nB").hexdigest()


def test_draw_entities_refuses_a_duplicate_entity_even_across_grades() -> None:
    twice = [entity(1, "A"), entity(2, "B"), entity(1, "D")]
    with pytest.raises(ValueError, match=code(1)):
        draw_entities(plan(), twice, SEED)


def test_draw_entities_refuses_an_empty_seed() -> None:
    with pytest.raises(ValueError):
        draw_entities(plan(), directory(), "")


OPERATING = EntityStatus.OPERATING


@pytest.mark.parametrize(
    ("filters", "status", "expected"),
    [
        ({}, OPERATING, True),
        ({"regions": ("芝罘区",)}, OPERATING, True),
        ({"regions": ("莱山区",)}, OPERATING, False),
        ({"industries": ("食品销售", "餐饮服务")}, OPERATING, True),
        ({"industries": ("餐饮服务",)}, OPERATING, False),
        ({}, EntityStatus.EXISTING, True),
        ({}, EntityStatus.REVOKED, False),
        ({"statuses": (EntityStatus.REVOKED,)}, EntityStatus.REVOKED, True),
        ({"statuses": ()}, EntityStatus.CANCELLED, True),
        ({"regions": ("芝罘区",), "industries": ("餐饮服务",)}, OPERATING, False),
    ],
)
def test_in_scope(filters: dict[str, object], status: EntityStatus, expected: bool) -> None:
    assert in_scope(plan(**filters), entity(1, status=status)) is expected


# --- team draw -------------------------------------------------------------------------------

CATALOGUE = (
    item("SP-01"),
    item("SP-02", qualification="食品检查"),
    item("WS-01", department="卫生健康委", qualification="卫生监督"),
)


def team_order(credit_code: str, ids: list[str]) -> list[str]:
    return reference(ids, SEED + "/team/" + credit_code, len(ids))


def test_team_is_the_first_of_the_ticket_order() -> None:
    staff = [inspector(f"{n:03d}") for n in range(8)]
    codes = [code(n) for n in range(5)]
    result = draw_teams(plan(), SEED, codes, staff, CATALOGUE)
    assert result.unassigned == ()
    ids = [i.id for i in staff]
    assert result.assignments == tuple(
        Assignment(c, tuple(team_order(c, ids)[:2]), ("SP-01",)) for c in codes
    )


def test_teams_do_not_depend_on_the_order_of_the_staff_list() -> None:
    staff = [inspector(f"{n:03d}") for n in range(8)]
    codes = [code(n) for n in range(5)]
    first = draw_teams(plan(), SEED, codes, staff, CATALOGUE)
    assert draw_teams(plan(), SEED, codes, staff[::-1], CATALOGUE) == first


@pytest.mark.parametrize(
    ("excluded", "reason"),
    [
        (inspector("X", active=False), "不在岗1人"),
        (inspector("X", department="税务局"), None),
        (inspector("X", conflicts=(code(0),)), "需回避1人"),
    ],
)
def test_ineligible_inspector_is_never_drawn(excluded: Inspector, reason: str | None) -> None:
    staff = [excluded, inspector("Y"), inspector("Z")]
    (pair,) = draw_teams(plan(), SEED, [code(0)], staff, CATALOGUE).assignments
    assert sorted(pair.team) == ["Y", "Z"]
    result = draw_teams(plan(team_size=3), SEED, [code(0)], staff, CATALOGUE)
    assert result.assignments == ()
    (unassigned,) = result.unassigned
    assert "可派检查人员2人" in unassigned.reason
    if reason:
        assert reason in unassigned.reason
    else:  # other departments' staff are not the plan's business
        assert "排除" not in unassigned.reason


def test_conflict_only_concerns_its_own_entity() -> None:
    staff = [inspector("X", conflicts=(code(0),)), inspector("Y"), inspector("Z")]
    result = draw_teams(plan(team_size=3), SEED, [code(0), code(1)], staff, CATALOGUE)
    assert [a.credit_code for a in result.assignments] == [code(1)]
    assert [u.credit_code for u in result.unassigned] == [code(0)]
    assert "需回避1人" in result.unassigned[0].reason


def test_every_required_qualification_is_needed() -> None:
    two_items = plan(items=("SP-01", "SP-02"))
    staff = [
        inspector("A", qualifications=("食品检查",)),
        inspector("B", qualifications=("食品检查", "特种设备")),
        inspector("C"),
        inspector("D", qualifications=("特种设备",)),
    ]
    result = draw_teams(two_items, SEED, [code(0)], staff, CATALOGUE)
    (assignment,) = result.assignments
    assert sorted(assignment.team) == ["A", "B"]
    assert assignment.items == ("SP-01", "SP-02")


@pytest.mark.parametrize(("eligible", "phrase"), [(0, "可派检查人员0人"), (1, "可派检查人员1人")])
def test_too_few_eligible_is_reported_never_a_team_of_one(eligible: int, phrase: str) -> None:
    staff = [inspector(f"Q{n}", qualifications=("食品检查",)) for n in range(eligible)]
    staff += [inspector("N1"), inspector("N2", active=False)]
    result = draw_teams(plan(items=("SP-02",)), SEED, [code(0)], staff, CATALOGUE)
    assert result.assignments == ()
    (unassigned,) = result.unassigned
    assert unassigned.credit_code == code(0)
    assert phrase in unassigned.reason
    assert "不足检查组人数2人" in unassigned.reason
    assert "缺少所需资格1人" in unassigned.reason
    assert "不在岗1人" in unassigned.reason


def test_no_team_smaller_than_team_size() -> None:
    staff = [inspector("A"), inspector("B")]
    result = draw_teams(plan(team_size=3), SEED, [code(0)], staff, CATALOGUE)
    assert result.assignments == ()
    assert "可派检查人员2人，不足检查组人数3人" in result.unassigned[0].reason


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_workload_cap(cap: int) -> None:
    staff = [inspector(f"{n:02d}") for n in range(5)]
    codes = [code(n) for n in range(10)]
    result = draw_teams(plan(workload_cap=cap), SEED, codes, staff, CATALOGUE)
    tasks = Counter(i for a in result.assignments for i in a.team)
    assert max(tasks.values()) == cap
    # Teams are formed until fewer than two inspectors are under the cap, never further.
    assert sum(1 for i in staff if tasks[i.id] < cap) < 2
    assert [u.credit_code for u in result.unassigned] == codes[len(result.assignments) :]
    assert all("已达任务上限" in u.reason for u in result.unassigned)


def test_workload_cap_of_one_gives_disjoint_teams() -> None:
    staff = [inspector(f"{n:02d}") for n in range(5)]
    result = draw_teams(plan(workload_cap=1), SEED, [code(n) for n in range(4)], staff, CATALOGUE)
    assert len(result.assignments) == 2
    first, second = (set(a.team) for a in result.assignments)
    assert not first & second
    assert (
        result.unassigned[0].reason == "可派检查人员1人，不足检查组人数2人；排除：已达任务上限4人"
    )


def test_unassigned_entities_do_not_use_workload() -> None:
    staff = [inspector("A", conflicts=(code(0),)), inspector("B"), inspector("C")]
    result = draw_teams(
        plan(team_size=3, workload_cap=1), SEED, [code(0), code(1)], staff, CATALOGUE
    )
    assert [a.credit_code for a in result.assignments] == [code(1)]


def test_no_cap_means_unlimited() -> None:
    staff = [inspector("A"), inspector("B")]
    codes = [code(n) for n in range(30)]
    result = draw_teams(plan(), SEED, codes, staff, CATALOGUE)
    assert len(result.assignments) == 30


JOINT = {"departments": ("市场监管局", "卫生健康委"), "items": ("SP-02", "WS-01")}


def joint_staff() -> list[Inspector]:
    market = [inspector(f"M{n}", qualifications=("食品检查",)) for n in range(6)]
    health = [inspector(f"H{n}", "卫生健康委", qualifications=("卫生监督",)) for n in range(2)]
    # Department-specific qualifications: a health inspector needs no 食品检查, and the
    # reverse; these two lack their own department's one.
    unqualified = [
        inspector("M-x", qualifications=("卫生监督",)),
        inspector("H-x", "卫生健康委", qualifications=("食品检查",)),
    ]
    return market + health + unqualified


@pytest.mark.parametrize("team_size", [2, 3, 4])
def test_joint_plan_forms_one_team_with_every_department(team_size: int) -> None:
    staff = joint_staff()
    codes = [code(n) for n in range(12)]
    result = draw_teams(plan(**JOINT, team_size=team_size), SEED, codes, staff, CATALOGUE)
    assert result.unassigned == ()
    department = {i.id: i.department for i in staff}
    eligible = [i.id for i in staff if not i.id.endswith("-x")]
    for assignment in result.assignments:
        order = team_order(assignment.credit_code, eligible)
        first_health = next(i for i in order if department[i] == "卫生健康委")
        first_market = next(i for i in order if department[i] == "市场监管局")
        rest = [i for i in order if i not in (first_health, first_market)]
        chosen = {first_health, first_market, *rest[: team_size - 2]}
        assert assignment.team == tuple(i for i in order if i in chosen)
        assert assignment.items == ("SP-02", "WS-01")


def test_joint_plan_rule_matters() -> None:
    """With six market inspectors and two health ones, the plain first-two rule would often
    send a market-only team; the joint rule never does."""
    codes = [code(n) for n in range(40)]
    result = draw_teams(plan(**JOINT), SEED, codes, joint_staff(), CATALOGUE)
    assert all({t[0] for t in a.team} == {"M", "H"} for a in result.assignments)
    eligible = [i.id for i in joint_staff() if not i.id.endswith("-x")]
    plain = [team_order(c, eligible)[:2] for c in codes]
    assert any({i[0] for i in team} == {"M"} for team in plain)


def test_joint_plan_missing_a_department_is_reported() -> None:
    staff = [i for i in joint_staff() if i.department == "市场监管局"]
    result = draw_teams(plan(**JOINT), SEED, [code(0)], staff, CATALOGUE)
    assert result.assignments == ()
    reason = result.unassigned[0].reason
    assert "「卫生健康委」" in reason
    assert "不足检查组人数" not in reason


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items": ("SP-01", "XX-99")}, "XX-99"),
        ({**JOINT, "items": ("SP-01", "WS-01", "TS-01")}, "TS-01"),
        (
            {"departments": ("市场监管局", "卫生健康委", "税务局"), "items": ("SP-01",)},
            "少于参与部门数",
        ),
    ],
)
def test_bad_plan_for_a_team_draw(fields: dict[str, object], message: str) -> None:
    catalogue = (*CATALOGUE, item("TS-01", department="交通局"))
    with pytest.raises(ValueError, match=message):
        draw_teams(plan(**fields), SEED, [code(0)], joint_staff(), catalogue)


DEPARTMENTS = ("市场监管局", "卫生健康委", "应急管理局")
QUALIFICATIONS = ("", "食品检查", "卫生监督", "安全生产")


@st.composite
def team_draws(
    draw: st.DrawFn,
) -> tuple[Plan, str, list[str], list[Inspector], list[InspectionItem]]:
    """A small random team draw: one to three departments, items with or without a
    qualification, inspectors who may be off duty, unqualified, of another department or in
    conflict with some of the entities, and maybe a workload cap."""
    catalogue = [
        item(f"X-{n:02d}", department=d, qualification=draw(st.sampled_from(QUALIFICATIONS)))
        for n, d in enumerate(draw(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=6)))
    ]
    departments = tuple(
        draw(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=3, unique=True))
    )
    joint = len(departments) > 1
    usable = [i.code for i in catalogue if not joint or i.department in departments]
    items = draw(st.lists(st.sampled_from(usable), min_size=1, unique=True)) if usable else []
    if not items:  # no item of the plan's departments: give the lead department one
        catalogue.append(item("X-99", department=departments[0]))
        items = ["X-99"]
    codes = [
        code(n) for n in draw(st.lists(st.integers(0, 30), min_size=1, max_size=12, unique=True))
    ]
    staff = [
        inspector(
            f"{n:02d}",
            department=draw(st.sampled_from(DEPARTMENTS)),
            qualifications=tuple(draw(st.sets(st.sampled_from(QUALIFICATIONS[1:])))),
            active=draw(st.sampled_from((True, True, True, False))),
            conflicts=tuple(draw(st.sets(st.sampled_from(codes), max_size=2))),
        )
        for n in range(draw(st.integers(0, 14)))
    ]
    the_plan = plan(
        departments=departments,
        items=tuple(items),
        team_size=draw(st.integers(max(2, len(departments)), 5)),
        workload_cap=draw(st.none() | st.integers(1, 4)),
    )
    seed = draw(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12))
    return the_plan, seed, codes, staff, catalogue


@given(team_draws())
@settings(max_examples=300, deadline=None)
def test_teams_equal_the_rules_run_on_the_reference(
    scenario: tuple[Plan, str, list[str], list[Inspector], list[InspectionItem]],
) -> None:
    """Teams, their order, the unassigned and their reasons, against the plain rules entity by
    entity on consistent_sampler (bench.teams.reference_draw_teams)."""
    from bench.teams import reference_draw_teams

    assert draw_teams(*scenario) == reference_draw_teams(*scenario)


def test_whole_draw_is_deterministic() -> None:
    def run() -> tuple[EntityDraw, object]:
        entities = draw_entities(plan(**JOINT, team_size=3), directory(), SEED)
        teams = draw_teams(
            plan(**JOINT, team_size=3), SEED, entities.drawn, joint_staff(), CATALOGUE
        )
        return entities, teams

    assert run() == run()


def test_bench_compares_with_the_reference() -> None:
    from click.testing import CliRunner

    from bench.draw import main

    result = CliRunner().invoke(main, ["--size", "3000", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    assert "identical: yes" in result.output
    assert "speed-up:" in result.output


def test_team_bench_compares_with_the_reference() -> None:
    from click.testing import CliRunner

    from bench.teams import main

    arguments = ["--entities", "60", "--inspectors", "40", "--departments", "4", "--team-size", "3"]
    result = CliRunner().invoke(main, [*arguments, "--workload-cap", "4", "--reference-plans", "1"])
    assert result.exit_code == 0, result.output
    assert "identical: yes (on 1 of 2 plans" in result.output
    assert "extrapolated" in result.output
    assert "speed-up:" in result.output
