from __future__ import annotations

from collections import Counter

from server_stub.directory.demo import DISTRICTS, INDUSTRIES, demo_items, generate
from sync import RiskGrade, credit_code_problem


def test_same_seed_same_directory() -> None:
    assert generate(entities=500, seed=11) == generate(entities=500, seed=11)


def test_other_seed_other_directory() -> None:
    assert generate(entities=50, seed=1).entities != generate(entities=50, seed=2).entities


def test_entities_are_realistic() -> None:
    demo = generate(entities=3000, seed=3)
    codes = [e.credit_code for e in demo.entities]
    assert len(set(codes)) == len(codes) == 3000
    assert all(credit_code_problem(c) is None for c in codes)
    region_codes = {name: code for name, _, code, _ in DISTRICTS}
    for e in demo.entities[:200]:
        assert e.region in region_codes
        assert e.credit_code[2:8] == region_codes[e.region], "credit code carries the district"
        assert e.address.startswith(f"山东省威海市{e.region}")
        assert e.industry in {name for name, _ in INDUSTRIES}
    grades = Counter(e.risk_grade for e in demo.entities)
    assert set(grades) == set(RiskGrade)
    assert grades[RiskGrade.A] > grades[RiskGrade.B] > grades[RiskGrade.C] > grades[RiskGrade.D]
    assert any(e.credit_code[1] == "2" for e in demo.entities), "个体工商户 present"


def test_inspectors_span_departments_with_badges_and_conflicts() -> None:
    demo = generate(entities=2000, seed=3)
    departments = {i.department for i in demo.inspectors}
    assert len(departments) >= 4
    assert len({i.badge_no for i in demo.inspectors}) > len(demo.inspectors) * 0.95
    assert all(i.qualifications for i in demo.inspectors)
    assert any(i.conflicts for i in demo.inspectors)
    known = {e.credit_code for e in demo.entities}
    assert all(c in known for i in demo.inspectors for c in i.conflicts)


def test_item_list_has_the_real_categories() -> None:
    categories = {i.category for i in demo_items()}
    assert {"企业公示信息", "食品生产经营", "特种设备使用", "产品质量", "广告"} <= categories
    assert len({i.code for i in demo_items()}) == len(demo_items())
