"""Plans and draws on a real SQLite database, through ``planning`` (no HTTP)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.errors import Conflict, Invalid
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.draws.audit import compare_with_publication, verify_export
from server_stub.draws.ceremony import Entropy, derive_seed
from server_stub.draws.population import YearlyCap
from server_stub.draws.sampling import commitment, population_commitment
from sync import Plan, RiskGrade
from tests.utils.actors import TESTER
from tests.utils.ceremony import DICE, WITNESSES, freeze_and_draw

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def make_plan(plan_id: str = "P1", **overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": plan_id, "name": "食品销售抽查", "departments": (SAMR,), "items": ("SC-SP-01",),
        "ratios": {"A": "1", "B": "3", "C": "10", "D": "20"}, "team_size": 2,
        "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def test_commitment_is_sha256_of_the_secret_seed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        digest = planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        public = planning.get_public_plan(conn, "P1")
        seed = conn.execute(sa.select(t.plans.c.seed)).scalar_one()
    assert digest == commitment(seed) == public["commitment"]
    assert seed not in str(public), "the seed stays secret until the draw"
    assert len(seed) == 32 and public["drawn"] is False


def test_fresh_seeds_differ(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        a = planning.create_plan(conn, make_plan("P1"), now=NOW, actor=TESTER)
        b = planning.create_plan(conn, make_plan("P2"), now=NOW, actor=TESTER)
    assert a != b


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"items": ("NOPE",)}, "「NOPE」不在抽查事项清单中"),
        ({"items": ("YJ-AQSC-01",)}, "检查主体「威海市应急管理局」不是本计划的发起或配合部门"),
        ({"departments": ("威海市不存在局",), "items": ()}, None),
        ({"departments": (SAMR, "威海市不存在局")}, "部门「威海市不存在局」在执法检查人员名录库中没有人员"),
    ],
)
def test_plans_that_cannot_run_are_refused(engine: sa.Engine, overrides: dict[str, object],
                                           reason: str | None) -> None:
    if reason is None:  # an empty item list never gets as far as the database
        with pytest.raises(ValueError):
            make_plan(**overrides)
        return
    with engine.begin() as conn, pytest.raises(Invalid) as info:
        planning.create_plan(conn, make_plan(**overrides), now=NOW, actor=TESTER)
    assert reason in info.value.message


def test_duplicate_plan_id_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        with pytest.raises(Conflict):
            planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)


def test_draw_stores_tasks_and_publishes_without_grades(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        summary = freeze_and_draw(conn, "P1", now=NOW)
        publication = planning.load_draw(conn, "P1", "publication")
        tasks = conn.execute(sa.select(t.tasks).order_by(t.tasks.c.draw_order)).mappings().all()
        members = conn.execute(sa.select(sa.func.count()).select_from(t.task_members)).scalar_one()
    assert summary.drawn == sum(s["k"] for s in summary.strata) > 0
    assert len(tasks) == summary.assigned and members == 2 * summary.assigned
    assert all(task["due"] == dt.date(2026, 6, 30) and task["items"] == ["SC-SP-01"] for task in tasks)
    assert [task["id"] for task in tasks][:2] == ["P1-00001", "P1-00002"]
    codes = [e["credit_code"] for e in publication["entities"]]
    assert codes == sorted(codes), "listed by code, so draw order cannot reveal strata"
    assert all(set(e) == {"credit_code", "name", "region", "industry"} for e in publication["entities"])
    ceremony = publication["ceremony"]
    assert commitment(ceremony["secret"]) == publication["commitment"]
    assert ceremony["entropy"] == {"dice": DICE, "public_value": None, "witnesses": list(WITNESSES)}
    assert publication["seed"] == derive_seed(ceremony["secret"], ceremony["population_commitment"],
                                              Entropy(DICE, None, WITNESSES))


def test_stratum_arithmetic_through_storage(engine: sa.Engine) -> None:
    # 企业公示 applies to every entity: the whole directory in scope is the population.
    plan = make_plan(items=("SC-QYGS-01",), ratios={"A": "0", "B": "100", "C": "0.5", "D": "33.3"})
    with engine.begin() as conn:
        counts = dict(conn.execute(sa.select(t.entities.c.risk_grade, sa.func.count())
                                   .where(t.entities.c.status.in_(["在业", "存续"]))
                                   .group_by(t.entities.c.risk_grade)).all())
        planning.create_plan(conn, plan, now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        audit = planning.load_draw(conn, "P1", "audit")
    k = {s["grade"]: (s["population"], s["k"]) for s in audit["strata"]}
    assert k["A"] == (counts["A"], 0)
    assert k["B"] == (counts["B"], counts["B"])
    assert k["C"][1] == -(-counts["C"] * 5 // 1000)
    assert k["D"][1] == -(-counts["D"] * 333 // 1000)


def test_drawing_twice_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
    with engine.begin() as conn, pytest.raises(Conflict) as info:
        freeze_and_draw(conn, "P1", now=NOW)
    assert "不能重复抽取" in info.value.message


def test_concurrent_draws_of_one_plan_make_one_draw(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(ratios={"A": "5", "B": "5", "C": "5", "D": "5"}), now=NOW, actor=TESTER)
        planning.freeze_population(conn, "P1", now=NOW, actor=TESTER)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            with engine.begin() as conn:
                results.append(planning.run_draw(conn, "P1", now=NOW, actor=TESTER, dice=DICE, witnesses=WITNESSES))
        except Conflict as e:  # already drawn, or no longer frozen
            results.append(e)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and sum(isinstance(r, Conflict) for r in results) == 3
    with engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.draws)).scalar_one() == 1
        tasks = conn.execute(sa.select(sa.func.count()).select_from(t.tasks)).scalar_one()
    drawn = next(r for r in results if isinstance(r, planning.DrawSummary))
    assert tasks == drawn.assigned


def test_recently_drawn_entities_are_excluded(engine: sa.Engine) -> None:
    everyone = {"A": "100", "B": "100", "C": "100", "D": "100"}
    with engine.begin() as conn:
        # Only the recent-draw rule here: the yearly cap (default 1) would leave OLD's out all year.
        planning.set_yearly_cap(conn, SAMR, YearlyCap(10), actor=TESTER)
        planning.create_plan(conn, make_plan("OLD", ratios={"D": "100"}), now=NOW, actor=TESTER)
        first = freeze_and_draw(conn, "OLD", now=NOW)
        old_codes = set(conn.execute(sa.select(t.tasks.c.credit_code)).scalars())
        planning.create_plan(conn, make_plan("NEW", ratios=everyone, exclude_inspected_within_days=30),
                             now=NOW, actor=TESTER)
        planning.create_plan(conn, make_plan("LATER", ratios=everyone, exclude_inspected_within_days=30),
                             now=NOW, actor=TESTER)
        soon = freeze_and_draw(conn, "NEW", now=NOW + dt.timedelta(days=10))
        soon_audit = planning.load_draw(conn, "NEW", "audit")
        new_codes = set(conn.execute(sa.select(t.tasks.c.credit_code)
                                     .where(t.tasks.c.plan_id == "NEW")).scalars())
    assert first.assigned > 0 and old_codes and not (old_codes & new_codes)
    d_population = next(s["population"] for s in soon_audit["strata"] if s["grade"] == "D")
    assert d_population == 0 or d_population < first.drawn
    with engine.begin() as conn:
        later = freeze_and_draw(conn, "LATER", now=NOW + dt.timedelta(days=35))
    # 35 days after OLD but only 25 after NEW: OLD's entities are back, NEW's are excluded.
    assert sum(s["population"] for s in later.strata) == len(old_codes) + sum(
        s["population"] for s in soon.strata) - len(new_codes)


def test_publication_has_every_published_input(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        publication = planning.load_draw(conn, "P1", "publication")
    assert publication["algorithm"] == "consistent_sampler"
    assert publication["algorithm_version"] == "1.0.10"
    for stratum in publication["strata"]:
        assert set(stratum) == {"stratum", "population", "ratio", "k", "population_commitment"}
    assert [s["stratum"] for s in publication["strata"]] == [1, 2, 3, 4]
    assert {Decimal(s["ratio"]) for s in publication["strata"]} == {1, 3, 10, 20}


@pytest.fixture
def audit(engine: sa.Engine) -> dict:  # type: ignore[type-arg]
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(workload_cap=3), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        return planning.load_draw(conn, "P1", "audit")


def test_untouched_export_verifies(audit: dict) -> None:  # type: ignore[type-arg]
    result = verify_export(audit)
    assert result.ok, [c.message for c in result.checks if not c.ok]
    assert len(result.checks) > len(audit["tasks"])


def tamper_drawn(a: dict) -> str:  # type: ignore[type-arg]
    stratum = next(s for s in a["strata"] if s["drawn"])
    outsider = next(i for i in stratum["ids"] if i not in stratum["drawn"])
    stratum["drawn"][0] = outsider
    return "公布为 " + outsider


def tamper_seed(a: dict) -> str:  # type: ignore[type-arg]
    a["seed"] = a["seed"][:-1] + ("0" if a["seed"][-1] != "0" else "1")
    return "推导的结果不一致"


def tamper_secret(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["secret"] = "0" * 32
    return "平台密钥与计划创建时公布的承诺值不一致"


def tamper_dice(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["entropy"]["dice"] = "2" * 20
    return "推导的结果不一致"


def tamper_short_dice(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["entropy"]["dice"] = "1234567890123456789"
    return "不符合计划的规定"


def tamper_witnesses(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["entropy"]["witnesses"] = []
    return "不符合计划的规定"


def tamper_order(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["frozen_at"] = "2099-01-01T00:00:00+00:00"
    return "时间顺序"


def tamper_frozen_commitment(a: dict) -> str:  # type: ignore[type-arg]
    a["ceremony"]["population_commitment"] = "0" * 64
    return "名录总承诺值不一致"


def tamper_population(a: dict) -> str:  # type: ignore[type-arg]
    stratum = next(s for s in a["strata"] if len(s["ids"]) > 5)
    stratum["ids"].pop()
    return "名录承诺值或户数"


def tamper_id(a: dict) -> str:  # type: ignore[type-arg]
    stratum = next(s for s in a["strata"] if len(s["ids"]) > len(s["drawn"]))
    outsider = next(i for i in stratum["ids"] if i not in stratum["drawn"])
    stratum["ids"][stratum["ids"].index(outsider)] = "91371000MA3C4X5Y6Z"
    return "名录承诺值或户数"


def tamper_salt(a: dict) -> str:  # type: ignore[type-arg]
    salt = a["strata"][1]["salt"]
    a["strata"][1]["salt"] = salt[:-1] + ("0" if salt[-1] != "0" else "1")
    return "名录承诺值或户数"


def tamper_weak_salt(a: dict) -> str:  # type: ignore[type-arg]
    """A short salt would make the published commitment guessable again: never accepted."""
    stratum = a["strata"][1]
    stratum["salt"] = "00"
    stratum["population_commitment"] = population_commitment(stratum["ids"], "00")
    return "名录承诺值或户数"


def tamper_k(a: dict) -> str:  # type: ignore[type-arg]
    a["strata"][-1]["k"] += 1
    return "按比例应为"


def tamper_team(a: dict) -> str:  # type: ignore[type-arg]
    task = a["tasks"][0]
    outsider = next(i["id"] for i in a["inspectors"] if i["id"] not in task["team"])
    task["team"][1] = outsider
    return "重新选派应为"


def tamper_ratio(a: dict) -> str:  # type: ignore[type-arg]
    a["strata"][0]["ratio"] = "50"
    return "与计划"


@pytest.mark.parametrize("tamper", [tamper_drawn, tamper_seed, tamper_population, tamper_id,
                                    tamper_salt, tamper_weak_salt, tamper_k, tamper_team,
                                    tamper_ratio, tamper_secret, tamper_dice, tamper_short_dice,
                                    tamper_witnesses, tamper_order, tamper_frozen_commitment])
def test_tampered_export_is_caught(audit: dict, tamper) -> None:  # type: ignore[no-untyped-def,type-arg]
    changed = copy.deepcopy(audit)
    expected = tamper(changed)
    result = verify_export(changed)
    assert not result.ok
    assert any(expected in c.message for c in result.checks if not c.ok)


def test_unreadable_export_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="不是可识别的抽取审计文件"):
        verify_export({"hello": 1})
    with pytest.raises(ValueError, match="不完整或格式错误"):
        verify_export({"format": "zsc-draw-audit/2", "seed": "x"})
    with pytest.raises(ValueError, match="不是可识别的抽取审计文件"):
        verify_export([1, 2])  # type: ignore[arg-type]


def test_unassigned_entities_are_reported(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        # Everyone of 应急管理局 may take one task only: most D-grade entities stay unassigned.
        planning.create_plan(conn, make_plan(departments=("威海市应急管理局",), items=("YJ-AQSC-01",),
                                             ratios={RiskGrade.D: "100"}, workload_cap=1), now=NOW, actor=TESTER)
        summary = freeze_and_draw(conn, "P1", now=NOW)
        audit = planning.load_draw(conn, "P1", "audit")
    assert summary.unassigned and summary.assigned + len(summary.unassigned) == summary.drawn
    assert "不足检查组人数2人" in summary.unassigned[0]["reason"]
    assert verify_export(audit).ok


def unsalted_hashes(audit: dict) -> set[str]:  # type: ignore[type-arg]
    """What the public draw used to publish per stratum: testable against guessed members."""
    return {hashlib.sha256("\n".join(sorted(s["ids"])).encode()).hexdigest() for s in audit["strata"]}


def test_publication_names_no_grade_and_commits_with_salts(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        publication = planning.load_draw(conn, "P1", "publication")
        audit = planning.load_draw(conn, "P1", "audit")
    text = json.dumps(publication, ensure_ascii=False)
    assert "grade" not in text and "ids_hash" not in text
    assert not any(h in text for h in unsalted_hashes(audit))
    salts = [s["salt"] for s in audit["strata"]]
    assert len(set(salts)) == 4 and all(re.fullmatch("[0-9a-f]{32}", salt) for salt in salts)
    assert not any(salt in text for salt in salts)
    published = {s["population_commitment"] for s in publication["strata"]}
    assert published == {population_commitment(s["ids"], s["salt"]) for s in audit["strata"]}
    assert [s["population_commitment"] for s in publication["strata"]] == sorted(published)


def test_export_agrees_with_the_public_page(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        publication = planning.load_draw(conn, "P1", "publication")
        audit = planning.load_draw(conn, "P1", "audit")
    assert compare_with_publication(audit, publication).ok
    changed = copy.deepcopy(publication)
    changed["strata"][0]["k"] += 1
    changed["entities"].pop()
    failures = [c.message for c in compare_with_publication(audit, changed).checks if not c.ok]
    assert any("第1层与公示不一致" in m for m in failures)
    assert any("公示的抽中对象" in m for m in failures)
    other_salt = copy.deepcopy(audit)
    stratum = other_salt["strata"][0]
    stratum["salt"] = "f" * 32
    stratum["population_commitment"] = population_commitment(stratum["ids"], stratum["salt"])
    assert not compare_with_publication(other_salt, publication).ok, "not the published one…"
    assert not verify_export(other_salt).ok, "…nor the frozen one, which the seed depends on"


def test_draws_from_before_salted_commitments_stay_readable_without_grades(engine: sa.Engine) -> None:
    """A draw stored in the old form (grade and unsalted ids_hash per stratum, export format 1)
    is served without either, and its export still verifies."""
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan(), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        audit = planning.load_draw(conn, "P1", "audit")
        publication = planning.load_draw(conn, "P1", "publication")
        old_audit = copy.deepcopy(audit)
        old_audit["format"] = "zsc-draw-audit/1"
        # Then the seed was the secret itself, and the plan published its commitment.
        del old_audit["ceremony"]
        old_audit["commitment"] = commitment(old_audit["seed"])
        publication = {**publication, "commitment": old_audit["commitment"]}
        for s in old_audit["strata"]:
            del s["salt"], s["population_commitment"]
            s["ids_hash"] = hashlib.sha256("\n".join(s["ids"]).encode()).hexdigest()
        old_publication = {**publication, "strata": [
            {k: s[k] for k in ("grade", "population", "ratio", "k", "ids_hash")}
            for s in old_audit["strata"]]}
        conn.execute(t.draws.update().values(publication=old_publication, audit=old_audit))
        served = planning.load_draw(conn, "P1", "publication")
    text = json.dumps(served, ensure_ascii=False)
    assert "grade" not in text and not any(h in text for h in unsalted_hashes(audit))
    assert [s["population_commitment"] for s in served["strata"]] == [None] * 4
    assert sorted(s["population"] for s in served["strata"]) == sorted(
        s["population"] for s in audit["strata"])
    assert verify_export(old_audit).ok
    assert compare_with_publication(old_audit, served).ok
    old_audit["strata"][2]["ids"].pop()
    assert not verify_export(old_audit).ok
