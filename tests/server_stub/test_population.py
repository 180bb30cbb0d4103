"""Items fit their targets (issue 13 point 5): only entities the plan's items apply to are drawn."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server_stub.core.clock import CHINA
from server_stub.core.errors import Invalid
from server_stub.directory import queries
from server_stub.directory.demo import FOOD, SAMR, SPECIAL_EQUIPMENT
from server_stub.draws import planning
from server_stub.draws.population import YearlyCap, items_fit
from sync import Entity, InspectionItem, Plan, RiskGrade, ValidationError, make_credit_code
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
def entity(industry_code: str = "", tags: tuple[str, ...] = ()) -> Entity:
    return Entity(make_credit_code("9", "1", "371002", "MA3C4X5Y"), "某公司", "某地址", "环翠区",
                  "批发和零售业", RiskGrade.A, industry_code=industry_code, tags=tags)


def item(code: str = "X", department: str = SAMR, industries: tuple[str, ...] = (),
         tags: tuple[str, ...] = ()) -> InspectionItem:
    return InspectionItem(code, "类别", "名称", "依据", "实地核查", department, ("内容",),
                          industries=industries, tags=tags)


@pytest.mark.parametrize(("industries", "tags", "code", "entity_tags", "applies"), [
    ((), (), "", (), True),  # an item naming nothing applies to everyone (企业公示)
    (("F52",), (), "F5212", (), True),
    (("F5212",), (), "F5213", (), False),
    (("F52",), (), "", (), False),  # no code on file: no industry match
    (("H62",), (FOOD,), "F5212", (FOOD,), True),  # by tag
    ((), (SPECIAL_EQUIPMENT,), "C2911", (FOOD,), False),
])
def test_an_item_applies_by_industry_prefix_or_tag(industries: tuple[str, ...], tags: tuple[str, ...],
                                                   code: str, entity_tags: tuple[str, ...],
                                                   applies: bool) -> None:
    assert item(industries=industries, tags=tags).applies_to(entity(code, entity_tags)) is applies


def test_industry_codes_are_checked() -> None:
    assert item(industries=(" f52 ",)).industries == ("F52",)
    for bad in ("52", "F5", "F52123", "Z1"):
        with pytest.raises(ValidationError, match="国民经济行业分类代码"):
            item(industries=(bad,))
    with pytest.raises(ValidationError, match="行业代码"):
        entity("X12")


def test_a_joint_plan_needs_an_applicable_item_of_every_department() -> None:
    plan = Plan(id="J", name="联合", departments=(SAMR, "威海市应急管理局"), items=("A", "B"),
                ratios={"A": "1"}, team_size=2, window_start=dt.date(2026, 1, 1),
                window_end=dt.date(2026, 2, 1))
    food = item("A", SAMR, industries=("F52",))
    safety = item("B", "威海市应急管理局", industries=("C",))
    assert not items_fit(plan, [food, safety], entity("F5212"))
    assert not items_fit(plan, [food, safety], entity("C2911"))
    assert items_fit(plan, [food, item("B", "威海市应急管理局")], entity("F5212"))


def food_plan(plan_id: str = "F1", items: tuple[str, ...] = ("SC-SP-01", "SC-SP-02")) -> Plan:
    return Plan(id=plan_id, name="食品经营者抽查", departments=(SAMR,), items=items,
                ratios={"A": "20", "B": "20", "C": "20", "D": "20"}, team_size=2,
                window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30))


def test_a_food_plan_draws_food_businesses_only(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, food_plan(), now=NOW, actor=TESTER)
        preview = planning.population_preview(conn, "F1", now=NOW)
        summary = freeze_and_draw(conn, "F1", now=NOW)
        audit = planning.load_draw(conn, "F1", "audit")
        items = queries.load_items(conn, codes=["SC-SP-01", "SC-SP-02"])
        everyone = {e.credit_code: e for e in queries.load_entities(conn)}
    population = [everyone[code] for s in audit["strata"] for code in s["ids"]]
    assert summary.drawn > 0
    assert [(s["grade"], s["population"]) for s in preview] == [
        (s["grade"], s["population"]) for s in audit["strata"]]
    assert all(any(i.applies_to(e) for i in items) for e in population)
    assert {e.industry for e in population} <= {"批发和零售业", "住宿和餐饮业", "交通运输、仓储和邮政业"}
    left_out = [e for e in everyone.values() if e.industry == "制造业" and e.status.value in ("在业", "存续")]
    assert left_out and not {e.credit_code for e in left_out} & {e.credit_code for e in population}


def test_a_plan_whose_items_fit_nobody_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn, pytest.raises(Invalid) as refused:
        planning.create_plan(conn, Plan(
            id="N1", name="旅行社抽查", departments=(SAMR,), items=("SC-SP-01",),
            ratios={"A": "5"}, team_size=2, industries=("信息传输、软件和信息技术服务业",),
            window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 6, 30)), now=NOW, actor=TESTER)
    assert "不适用于范围内的任何检查对象" in refused.value.message


# --- yearly caps (issue 13 point 4) -------------------------------------------------------------


def d_plan(plan_id: str) -> Plan:
    """Every D-grade entity (企业公示 applies to all): who is left out shows plainly."""
    return Plan(id=plan_id, name="企业公示抽查", departments=(SAMR,), items=("SC-QYGS-01",),
                ratios={"D": "100"}, team_size=2, workload_cap=50,
                window_start=dt.date(2026, 3, 1), window_end=dt.date(2026, 12, 31))


def drawn_codes(conn: sa.Connection, plan_id: str) -> set[str]:
    audit = planning.load_draw(conn, plan_id, "audit")
    return {code for s in audit["strata"] for code in s["drawn"]}


def test_the_cap_th_inspection_is_allowed_and_the_next_is_not(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.set_yearly_cap(conn, SAMR, YearlyCap(2), actor=TESTER)
        for n in (1, 2, 3):
            planning.create_plan(conn, d_plan(f"P{n}"), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        freeze_and_draw(conn, "P2", now=NOW + dt.timedelta(days=1))
        first, second = drawn_codes(conn, "P1"), drawn_codes(conn, "P2")
        preview = planning.population_preview(conn, "P3", now=NOW + dt.timedelta(days=2))
        freeze_and_draw(conn, "P3", now=NOW + dt.timedelta(days=2))
        audit = planning.load_draw(conn, "P3", "audit")
    assert first and first == second, "one inspection this year: a second is within a cap of 2"
    (stratum,) = audit["strata"]
    assert set(stratum["excluded_at_cap"]) == first and not first & set(stratum["ids"])
    assert preview[0]["excluded_at_cap"] == len(first) and preview[0]["population"] == len(stratum["ids"])


def test_exempt_kinds_neither_count_nor_are_capped(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, d_plan("C1"), now=NOW, actor=TESTER, kind="投诉举报")
        planning.create_plan(conn, d_plan("R1"), now=NOW, actor=TESTER)
        planning.create_plan(conn, d_plan("C2"), now=NOW, actor=TESTER, kind="案件线索")
        freeze_and_draw(conn, "C1", now=NOW)
        freeze_and_draw(conn, "R1", now=NOW + dt.timedelta(days=1))
        freeze_and_draw(conn, "C2", now=NOW + dt.timedelta(days=2))
        complaint, random, case = (drawn_codes(conn, p) for p in ("C1", "R1", "C2"))
        planning.set_yearly_cap(conn, SAMR, YearlyCap(1, exempt=()), actor=TESTER)  # now every kind counts
        planning.create_plan(conn, d_plan("R2"), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "R2", now=NOW + dt.timedelta(days=3))
        audit = planning.load_draw(conn, "R2", "audit")
    assert complaint and complaint == random == case, "the complaint did not count; the case is not capped"
    assert set(audit["strata"][0]["excluded_at_cap"]) == complaint


def test_only_this_years_inspections_count(engine: sa.Engine) -> None:
    new_year = dt.datetime(2026, 1, 1, 0, 30, tzinfo=CHINA)
    with engine.begin() as conn:
        planning.create_plan(conn, d_plan("Y1"), now=NOW, actor=TESTER)
        planning.create_plan(conn, d_plan("Y2"), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "Y1", now=new_year - dt.timedelta(hours=1))  # 2025-12-31 in China
        freeze_and_draw(conn, "Y2", now=new_year)
        assert drawn_codes(conn, "Y1") == drawn_codes(conn, "Y2")


def test_a_cap_is_a_sensible_whole_number_and_names_known_kinds() -> None:
    for bad in ({"cap": 0}, {"cap": 101}, {"cap": 1, "exempt": ("双随机抽查",)}):
        with pytest.raises(ValueError):
            YearlyCap(**bad)  # type: ignore[arg-type]


def test_the_dashboard_warns_of_enterprises_inspected_too_often(engine: sa.Engine) -> None:
    from server_stub.publication import dashboard

    with engine.begin() as conn:
        planning.set_yearly_cap(conn, SAMR, YearlyCap(5), actor=TESTER)
        for n in range(3):
            planning.create_plan(conn, d_plan(f"F{n}"), now=NOW, actor=TESTER)
            freeze_and_draw(conn, f"F{n}", now=NOW + dt.timedelta(days=n))
        thrice = drawn_codes(conn, "F0")
        figures = dashboard.build(conn, SAMR, today=NOW.date(), frequent_after=2)
        quieter = dashboard.build(conn, SAMR, today=NOW.date(), frequent_after=3)
        next_year = dashboard.build(conn, SAMR, today=dt.date(2027, 1, 5), frequent_after=2)
    assert {f.credit_code for f in figures.frequent} == thrice
    assert all(f.inspections == 3 and f.departments == [SAMR] and f.name for f in figures.frequent)
    assert quieter.frequent == [] and next_year.frequent == []
    assert figures.to_json()["frequent_after"] == 2
