"""Triggered plans and the sandbox (issue 26 point 6), through ``planning`` on a real database."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from server_stub.core import audit_trail
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind
from server_stub.core.errors import Conflict, Invalid
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS
from server_stub.directory.demo import SAMR
from server_stub.draws import planning, sandbox, triggers
from server_stub.draws.audit import compare_with_publication, verify_export
from server_stub.draws.list_audit import list_commitment
from server_stub.draws.population import TRIGGERED_KIND
from sync import Outcome
from tests.server_stub.test_planning import make_plan
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw
from tests.utils.history import Earlier, add_earlier

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC)


def frozen_ids(conn: sa.Connection, plan_id: str) -> set[str]:
    c = t.draw_ceremonies
    population: Any = conn.execute(sa.select(c.c.population).where(c.c.plan_id == plan_id)
                                   .order_by(c.c.id.desc())).scalars().first()
    return {code for stratum in population for code in stratum["ids"]}


def in_scope(conn: sa.Connection, plan_id: str = "SCOPE") -> list[str]:
    return [e.credit_code for e in planning.plan_population(conn, make_plan(plan_id), NOW)]


def box(conn: sa.Connection, codes: list[str], *, until: dt.date = dt.date(2026, 6, 30)) -> None:
    for code in codes:
        sandbox.add(conn, code, starts_on=dt.date(2026, 3, 1), ends_on=until,
                    reason="信用良好，连续三年无违法记录", actor=TESTER, now=NOW)


def triggered_plan(conn: sa.Connection, plan_id: str, members: list[str], *,
                   now: dt.datetime = NOW) -> dict[str, Any]:
    listed = triggers.build(conn, f"L-{plan_id}", "投诉较多的食品经营者", triggers.Rule.IMPORTED,
                            text="12个月内被投诉举报3次以上", imported=members, actor=TESTER,
                            now=now, thresholds=DEFAULT_THRESHOLDS, due_days=30)
    planning.create_plan(conn, make_plan(plan_id, ratios={"A": "100", "B": "100", "C": "100",
                                                          "D": "100"}),
                         now=now, actor=TESTER, kind=TRIGGERED_KIND)
    triggers.attach(conn, plan_id, listed["id"], kind=TRIGGERED_KIND, actor=TESTER, now=now)
    return listed


def test_a_sandboxed_entity_is_out_of_a_routine_plan_in_its_period_and_back_after(
        engine: sa.Engine) -> None:
    with engine.begin() as conn:
        boxed = in_scope(conn)[:5]
        box(conn, boxed)
        planning.create_plan(conn, make_plan("P1"), now=NOW, actor=TESTER)
        preview = planning.population_preview(conn, "P1", now=NOW)
        freeze_and_draw(conn, "P1", now=NOW)
        during = frozen_ids(conn, "P1")
        planning.create_plan(conn, make_plan("P2"), now=LATER, actor=TESTER)
        freeze_and_draw(conn, "P2", now=LATER)
        after = frozen_ids(conn, "P2")
    assert not during & set(boxed) and len(during) > 100
    assert sum(s["excluded_sandbox"] for s in preview) == 5, "the internal preview counts them"
    assert set(boxed) <= after, "the period ended on 6-30: back in the population"


def test_a_removed_entry_no_longer_keeps_its_entity_out(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        boxed = in_scope(conn)[:1]
        box(conn, boxed)
        entry = sandbox.entries(conn)[0]
        sandbox.remove(conn, entry["id"], reason="发现违法线索", actor=TESTER, now=NOW)
        planning.create_plan(conn, make_plan("P1"), now=NOW + dt.timedelta(minutes=1), actor=TESTER)
        planning.freeze_population(conn, "P1", now=NOW + dt.timedelta(minutes=1), actor=TESTER)
        assert set(boxed) <= frozen_ids(conn, "P1")
        with pytest.raises(Conflict):
            sandbox.remove(conn, entry["id"], reason="再次", actor=TESTER, now=NOW)


def test_sandbox_entries_are_refused_without_a_reason_or_with_a_bad_period(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        code = in_scope(conn)[0]
        for starts, ends, reason in ((dt.date(2026, 5, 1), dt.date(2026, 4, 1), "理由"),
                                     (dt.date(2025, 1, 1), dt.date(2025, 12, 31), "理由"),
                                     (dt.date(2026, 3, 1), dt.date(2026, 4, 1), " ")):
            with pytest.raises(Invalid):
                sandbox.add(conn, code, starts_on=starts, ends_on=ends, reason=reason,
                            actor=TESTER, now=NOW)
        box(conn, [code])
        with pytest.raises(Conflict):
            box(conn, [code])


def test_a_triggered_plan_draws_its_list_within_scope_sandbox_or_not(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        scope = in_scope(conn)
        outside = conn.execute(sa.select(t.entities.c.credit_code)
                               .where(t.entities.c.credit_code.not_in(scope)).limit(3)).scalars().all()
        members = scope[:7] + list(outside)
        box(conn, scope[:2])
        triggered_plan(conn, "T1", members)
        freeze_and_draw(conn, "T1", now=NOW)
        population = frozen_ids(conn, "T1")
        audit = planning.load_draw(conn, "T1", "audit")
    assert population == set(scope[:7]), "list ∩ scope, and the sandbox does not apply"
    assert audit["trigger"]["members"] == sorted(members) and "sandbox" not in audit
    assert [a["kind"] for a in audit["trigger"]["acts"]] == ["trigger_list.built", "plan.trigger_list"]
    assert verify_export(audit).ok


def test_a_triggered_plan_without_a_list_cannot_freeze(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, make_plan("T1"), now=NOW, actor=TESTER, kind=TRIGGERED_KIND)
        with pytest.raises(Invalid, match="没有指定触发清单"):
            planning.freeze_population(conn, "T1", now=NOW, actor=TESTER)
        planning.create_plan(conn, make_plan("P1"), now=NOW, actor=TESTER)
        listed = triggers.build(conn, "L1", "清单", triggers.Rule.IMPORTED, text="规则",
                                imported=in_scope(conn)[:2], actor=TESTER, now=NOW,
                                thresholds=DEFAULT_THRESHOLDS, due_days=30)
        with pytest.raises(Invalid, match="触发式抽查"):
            triggers.attach(conn, "P1", listed["id"], kind="双随机抽查", actor=TESTER, now=NOW)


def test_an_imported_list_needs_its_rule_and_known_entities(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        code = in_scope(conn)[0]
        for text, codes in ((None, [code]), ("规则", [code, "91370000XXXXXXXXXX"]), ("规则", [])):
            with pytest.raises(Invalid):
                triggers.build(conn, "L1", "清单", triggers.Rule.IMPORTED, text=text, imported=codes,
                               actor=TESTER, now=NOW, thresholds=DEFAULT_THRESHOLDS, due_days=30)


def test_the_public_plan_shows_the_rule_and_count_never_members_or_grades(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        members = in_scope(conn)[:6]
        listed = triggered_plan(conn, "T1", members)
        shown = triggers.public_trigger(triggers.plan_list(conn, "T1"))
    assert shown is not None
    assert shown["rule_text"] == "12个月内被投诉举报3次以上" and shown["count"] == 6
    assert shown["commitment"] == listed["commitment"]
    text = str(shown)
    assert not any(code in text for code in members) and listed["salt"] not in text
    assert not any(word in text for word in ("grade", "风险等级", "A类", "D类"))


def test_list_and_sandbox_changes_are_audit_acts(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        code = in_scope(conn)[0]
        box(conn, [code])
        sandbox.remove(conn, sandbox.entries(conn)[0]["id"], reason="到期前移出", actor=TESTER, now=NOW)
        triggered_plan(conn, "T1", [code])
        kinds = [e["kind"] for k in ActKind if k.value.startswith(("sandbox", "trigger", "plan."))
                 for e in audit_trail.search(conn, audit_trail.Query(kind=k))]
        built = audit_trail.search(conn, audit_trail.Query(kind=ActKind.TRIGGER_LIST_BUILT))
    for kind in (ActKind.SANDBOX_ADDED, ActKind.SANDBOX_REMOVED, ActKind.TRIGGER_LIST_BUILT,
                 ActKind.PLAN_TRIGGER_LIST):
        assert kind.value in kinds
        assert audit_trail.KIND_LABELS[kind]
    assert built[0]["after"]["count"] == 1 and code not in str(built[0]), "no member in the trail"


def _routine_draw_with_sandbox(conn: sa.Connection) -> tuple[dict[str, Any], list[str]]:
    boxed = in_scope(conn)[:3]
    box(conn, boxed)
    planning.create_plan(conn, make_plan("P1"), now=NOW, actor=TESTER)
    freeze_and_draw(conn, "P1", now=NOW)
    return planning.load_draw(conn, "P1", "audit"), boxed


def test_the_routine_export_lists_the_sandbox_and_verifies(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        audit, boxed = _routine_draw_with_sandbox(conn)
    assert [e["credit_code"] for e in audit["sandbox"]["entries"]] == sorted(boxed)
    assert [(c["kind"], c["object"]) for c in audit["sandbox"]["changes"]] == [
        ("sandbox.added", code) for code in boxed]
    result = verify_export(audit)
    assert result.ok, [c.message for c in result.checks if not c.ok]
    assert any("沙盒" in c.message for c in result.checks)


def test_verify_draw_fails_on_a_tampered_sandbox(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        audit, _ = _routine_draw_with_sandbox(conn)
    drawn = audit["strata"][0]["ids"][0]
    hidden = copy.deepcopy(audit)  # claims an entity of the population was sandboxed
    hidden["sandbox"]["entries"].append({**hidden["sandbox"]["entries"][0], "credit_code": drawn})
    lapsed = copy.deepcopy(audit)  # an entry whose period had ended at the freeze
    lapsed["sandbox"]["entries"][0]["ends_on"] = "2026-03-01"
    late = copy.deepcopy(audit)
    late["sandbox"]["at"] = "2026-03-03T09:00:00+00:00"
    for tampered in (hidden, lapsed, late):
        assert not verify_export(tampered).ok


def test_verify_draw_fails_on_a_tampered_trigger_list(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        scope = in_scope(conn)
        triggered_plan(conn, "T1", scope[:8])
        freeze_and_draw(conn, "T1", now=NOW)
        audit = planning.load_draw(conn, "T1", "audit")
    assert verify_export(audit).ok
    shrunk = copy.deepcopy(audit)  # a member of the population dropped from the list
    shrunk["trigger"]["members"] = shrunk["trigger"]["members"][1:]
    shrunk["trigger"]["count"] -= 1
    reworded = copy.deepcopy(audit)
    reworded["trigger"]["rule_text"] = "12个月内被投诉举报1次以上"
    later = copy.deepcopy(audit)
    later["trigger"]["built_at"] = "2026-03-03T00:00:00Z"
    for tampered in (shrunk, reworded, later):
        assert not verify_export(tampered).ok


def test_an_export_without_the_new_keys_still_verifies(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        audit, _ = _routine_draw_with_sandbox(conn)
    del audit["sandbox"]
    assert verify_export(audit).ok


def test_a_triggered_plan_is_not_held_to_the_yearly_cap_but_counts_against_it(
        engine: sa.Engine) -> None:
    with engine.begin() as conn:
        scope = in_scope(conn)
        planning.create_plan(conn, make_plan("P1"), now=NOW, actor=TESTER)
        freeze_and_draw(conn, "P1", now=NOW)
        drawn = sorted(conn.execute(sa.select(t.tasks.c.credit_code)
                                    .where(t.tasks.c.plan_id == "P1")).scalars())
        fresh = [c for c in scope if c not in drawn][:4]
        triggered_plan(conn, "T1", drawn[:4] + fresh, now=NOW + dt.timedelta(hours=1))
        freeze_and_draw(conn, "T1", now=NOW + dt.timedelta(hours=1))
        assert set(drawn[:4]) <= frozen_ids(conn, "T1"), "inspected this year, triggered all the same"
        planning.create_plan(conn, make_plan("P2"), now=NOW + dt.timedelta(hours=2), actor=TESTER)
        planning.freeze_population(conn, "P2", now=NOW + dt.timedelta(hours=2), actor=TESTER)
        assert not set(fresh) & frozen_ids(conn, "P2"), "the triggered visit counts for routine plans"


def test_the_overdue_followup_rule_lists_open_followups_past_their_deadline(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        codes = in_scope(conn)[:3]
        inspector = conn.execute(sa.select(t.inspectors.c.id)
                                 .where(t.inspectors.c.department == SAMR)).scalars().first()
        assert inspector is not None
        pending = Outcome.PROBLEM_PENDING
        add_earlier(conn, Earlier(codes[0], (SAMR,), dt.date(2026, 1, 5), pending), inspector)
        add_earlier(conn, Earlier(codes[1], (SAMR,), dt.date(2026, 1, 5), pending, disposal="立案"),
                    inspector)
        add_earlier(conn, Earlier(codes[2], (SAMR,), dt.date(2026, 2, 20), pending), inspector)
        listed = triggers.build(conn, "L1", "处置超期", triggers.Rule.OVERDUE_FOLLOWUP, actor=TESTER,
                                now=NOW, thresholds=DEFAULT_THRESHOLDS, due_days=30)
    assert listed["members"] == [codes[0]], "closed, or not yet due: not on the list"
    assert "30日" in listed["rule_text"]


def test_the_red_warning_rule_lists_the_entities_of_red_groups(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        entities = {r.credit_code: r for r in conn.execute(sa.select(t.entities)).all()}
        first = next(iter(entities.values()))
        group = [c for c, r in entities.items()
                 if (r.industry, r.region) == (first.industry, first.region)]
        inspector = conn.execute(sa.select(t.inspectors.c.id)).scalars().first()
        assert inspector is not None
        for n in range(10):  # 4 problems in 10: red (≥ 30 %)
            outcome = Outcome.PROBLEM_CORRECTED if n < 4 else Outcome.NO_PROBLEM
            record = add_earlier(conn, Earlier(group[n % len(group)], (SAMR,), dt.date(2026, 1, 10),
                                               outcome), inspector)
            conn.execute(t.records.update().where(t.records.c.id == record)
                         .values(industry=first.industry, region=first.region))
        listed = triggers.build(conn, "L1", "红色预警", triggers.Rule.RED_WARNING, actor=TESTER,
                                now=NOW, thresholds=DEFAULT_THRESHOLDS, due_days=30)
    assert listed["members"] == sorted(group)


def test_the_public_draw_ties_the_exported_list_to_its_commitment(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        scope = in_scope(conn)
        triggered_plan(conn, "T1", scope[:8])
        freeze_and_draw(conn, "T1", now=NOW)
        audit = planning.load_draw(conn, "T1", "audit")
        publication = planning.load_draw(conn, "T1", "publication")
    assert publication["trigger"]["count"] == 8 and "members" not in publication["trigger"]
    assert compare_with_publication(audit, publication).ok
    grown = copy.deepcopy(audit)  # one more member, the commitment made again to match
    grown["trigger"]["members"] = sorted([*grown["trigger"]["members"], scope[-1]])
    grown["trigger"]["count"] += 1
    grown["trigger"]["commitment"] = list_commitment(grown["trigger"])
    assert verify_export(grown).ok, "consistent in itself"
    assert not compare_with_publication(grown, publication).ok, "but not the list published"
