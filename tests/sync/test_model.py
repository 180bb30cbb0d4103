from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sync import (
    Entity,
    EntityStatus,
    InspectionItem,
    Inspector,
    Outcome,
    Plan,
    RiskGrade,
    Task,
    ValidationError,
    parse_ratio,
)

CODE = "91440300708461136T"

OUTCOMES = [
    ("未发现问题", False, False),
    ("发现问题待后续处理", True, True),
    ("发现问题已责令改正", True, False),
    ("未发现开展本次抽查涉及的经营活动", True, False),
    ("通过登记的住所（经营场所）无法联系", True, False),
    ("不配合检查情节严重", True, False),
    ("未按规定公示应当公示的信息", True, False),
    ("公示信息隐瞒真实情况、弄虚作假", True, False),
]


@pytest.mark.parametrize(("label", "problem", "follow_up"), OUTCOMES)
def test_every_outcome(label: str, problem: bool, follow_up: bool) -> None:
    outcome = Outcome(label)
    assert outcome.label == label
    assert outcome.problem_found is problem
    assert outcome.needs_follow_up is follow_up


def test_outcomes_are_exactly_the_standard_ones_in_ui_order() -> None:
    assert [o.label for o in Outcome] == [label for label, _, _ in OUTCOMES]


def test_entity_accepts_chinese_labels_and_normalises_code() -> None:
    e = Entity(CODE.lower()[:17] + "T", "威海某某有限公司", "山东省威海市环翠区新威路1号", "环翠区",
               "制造业", "B", "存续")
    assert e.credit_code == CODE
    assert e.risk_grade is RiskGrade.B and e.status is EntityStatus.EXISTING


def test_entity_reports_every_problem() -> None:
    with pytest.raises(ValidationError) as info:
        Entity("91440300708461136U", "", "地址", "环翠区", "制造业", "E", "倒闭")  # type: ignore[arg-type]
    fields = {p.field for p in info.value.problems}
    assert fields == {"credit_code", "name", "risk_grade", "status"}
    messages = " ".join(p.message for p in info.value.problems)
    assert "校验码" in messages and "风险等级「E」无效" in messages and "名称不能为空" in messages


def test_entity_coordinates_are_optional_both_or_neither() -> None:
    """The registered address's position: older directories and tasks have none."""
    base = (CODE, "威海某某有限公司", "山东省威海市环翠区新威路1号", "环翠区", "批发和零售业", "A")
    assert (Entity(*base).lat, Entity(*base).lon) == (None, None)
    placed = Entity(*base, lat=37, lon="122.1164")  # type: ignore[arg-type]
    assert (placed.lat, placed.lon) == (37.0, 122.1164) and isinstance(placed.lat, float)
    assert Entity(*base, lat="", lon=" ").lat is None  # type: ignore[arg-type]
    for lat, lon, field, says in ((37.5, None, "lon", "同时填写或同时留空"),
                                  (None, 122.1, "lat", "同时填写或同时留空"),
                                  (-90.01, 122.1, "lat", "纬度-90.01超出范围"),
                                  (37.5, 180.5, "lon", "经度180.5超出范围"),
                                  (True, 122.1, "lat", "不是数字"),
                                  (float("nan"), 122.1, "lat", "不是数字")):
        with pytest.raises(ValidationError) as info:
            Entity(*base, lat=lat, lon=lon)  # type: ignore[arg-type]
        assert [(p.field, says in p.message) for p in info.value.problems] == [(field, True)], info.value


def test_risk_grade_labels() -> None:
    assert [g.label for g in RiskGrade] == ["低风险", "一般风险", "较高风险", "高风险"]


def test_inspector_validates_conflicts() -> None:
    ok = Inspector("WH1", "张三", "威海市市场监督管理局", "37100012345", ["食品安全", "特种设备"],
                   conflicts=[CODE])
    assert ok.qualifications == ("食品安全", "特种设备") and ok.conflicts == (CODE,)
    with pytest.raises(ValidationError, match="回避对象"):
        Inspector("WH1", "张三", "威海市市场监督管理局", "37100012345", conflicts=["123"])


def test_item_needs_checkpoints_and_a_known_method() -> None:
    with pytest.raises(ValidationError) as info:
        InspectionItem("X", "广告", "广告检查", "《广告法》", "电话检查", "市场监管局", ())  # type: ignore[arg-type]
    assert {p.field for p in info.value.problems} == {"method", "checkpoints"}


def plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": "P1", "name": "2026年食品销售抽查", "departments": ["威海市市场监督管理局"], "items": ["SC-SP-01"],
        "ratios": {"A": "1", "B": "3", "C": "10", "D": "20"}, "team_size": 2,
        "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 11, 30),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def test_plan_parses_ratios_exactly() -> None:
    p = plan(ratios={"D": "20%", "A": Decimal("0.5"), "B": 3})
    assert p.ratios == {RiskGrade.A: Decimal("0.5"), RiskGrade.B: Decimal(3), RiskGrade.D: Decimal(20)}
    assert list(p.ratios) == [RiskGrade.A, RiskGrade.B, RiskGrade.D]
    assert p.uses_risk_grades and not p.is_joint and p.lead_department == "威海市市场监督管理局"
    assert not plan(ratios={"A": "5", "B": "5"}).uses_risk_grades


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"team_size": 1}, "team_size", "不得少于2人"),
        ({"items": []}, "items", "至少需要一个抽查事项"),
        ({"departments": []}, "departments", "发起部门"),
        ({"departments": ["甲", "甲"]}, "departments", "不能重复"),
        ({"ratios": {}}, "ratios", "至少为一个风险等级"),
        ({"ratios": {"A": "101"}}, "ratios", "0%到100%"),
        ({"ratios": {"A": 0.1}}, "ratios", "十进制"),
        ({"ratios": {"E": "1"}}, "ratios", "风险等级「E」"),
        ({"window_end": dt.date(2026, 1, 1)}, "window", "结束日期不能早于开始日期"),
        ({"exclude_inspected_within_days": 0}, "exclude_inspected_within_days", "正整数"),
        ({"workload_cap": -1}, "workload_cap", "正整数"),
    ],
)
def test_invalid_plans_are_refused_with_the_reason(overrides: dict[str, object], field: str,
                                                   text: str) -> None:
    with pytest.raises(ValidationError) as info:
        plan(**overrides)
    assert any(p.field == field and text in p.message for p in info.value.problems)


@pytest.mark.parametrize("raw", ["0", "100", "2.5", "2.5%", " 10％ ", 7, Decimal("0.01")])
def test_parse_ratio_accepts(raw: object) -> None:
    assert 0 <= parse_ratio(raw) <= 100


@pytest.mark.parametrize("raw", ["-1", "100.01", "abc", "NaN", "Infinity", 1.5, True, None])
def test_parse_ratio_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_ratio(raw)


def test_task_never_has_a_team_of_one() -> None:
    with pytest.raises(ValidationError, match="不得少于2人"):
        Task("T1", "P1", CODE, ["WH1"], ["SC-SP-01"], dt.date(2026, 5, 1))
    assert Task("T1", "P1", CODE, ["WH1", "WH2"], ["SC-SP-01"], dt.date(2026, 5, 1)).team == ("WH1", "WH2")
