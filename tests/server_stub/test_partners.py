"""A joint plan's partners answer before its freeze (issue 26 point 1), through ``partners`` and
``planning`` on a real database (no HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server_stub.core import audit_trail
from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind
from server_stub.core.errors import Conflict, Invalid, NotFound
from server_stub.directory.demo import SAMR
from server_stub.draws import partners, planning
from server_stub.draws.audit import verify_export
from sync import Inspector, Plan, Scheme
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=3)
SAFETY = "威海市应急管理局"
ECOLOGY = "威海市生态环境局"
SCHEME = Scheme(content="安全生产责任制与产品质量一并检查", schedule="2026年3月至6月",
                method="现场检查、查阅资料")


def joint_plan(plan_id: str = "J1", **overrides: object) -> Plan:
    values: dict[str, object] = {
        "id": plan_id, "name": "工贸企业联合抽查", "departments": (SAMR, SAFETY),
        "items": ("SC-CPZL-01", "YJ-AQSC-01"), "ratios": {"A": "20", "B": "20", "C": "40", "D": "60"},
        "team_size": 2, "window_start": dt.date(2026, 3, 1), "window_end": dt.date(2026, 6, 30),
        "scheme": SCHEME,
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def staff_of(conn: sa.Connection, department: str, n: int) -> list[str]:
    i = t.inspectors
    return list(conn.execute(sa.select(i.c.id).where(i.c.department == department,
                                                     i.c.active.is_(True))
                             .order_by(i.c.id).limit(n)).scalars())


CONFIRM = partners.Answer(True)


def test_a_joint_plan_waits_for_each_partner(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(departments=(SAMR, SAFETY, ECOLOGY),
                                              items=("SC-CPZL-01", "YJ-AQSC-01", "HJ-PW-01"),
                                              team_size=3), now=NOW, actor=TESTER)
        states = [(p["department"], p["state"]) for p in partners.partners_of(conn, "J1")]
        with pytest.raises(Conflict) as refused:
            planning.freeze_population(conn, "J1", now=NOW, actor=TESTER)
    assert states == [(SAFETY, "pending"), (ECOLOGY, "pending")], "the lead is no partner"
    assert refused.value.code == "partners_not_confirmed"
    assert f"「{SAFETY}」、「{ECOLOGY}」尚未答复" in refused.value.message


def test_a_single_departments_plan_has_no_partners_and_freezes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(departments=(SAMR,), items=("SC-CPZL-01",)),
                             now=NOW, actor=TESTER)
        assert partners.partners_of(conn, "J1") == []
        planning.freeze_population(conn, "J1", now=NOW, actor=TESTER)


def test_a_decline_holds_the_freeze_until_the_partner_confirms(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        declined = partners.answer(conn, "J1", SAFETY,
                                   partners.Answer(False, reason="本季度人员不足"),
                                   now=NOW, actor=TESTER)
        with pytest.raises(Conflict) as refused:
            planning.freeze_population(conn, "J1", now=NOW, actor=TESTER)
        public = planning.get_public_plan(conn, "J1")["partners"]
        confirmed = partners.answer(conn, "J1", SAFETY, CONFIRM, now=LATER, actor=TESTER)
        planning.freeze_population(conn, "J1", now=LATER, actor=TESTER)
    assert declined["state"] == "declined" and declined["reason"] == "本季度人员不足"
    assert f"「{SAFETY}」未同意（本季度人员不足）" in refused.value.message
    assert public == [{"department": SAFETY, "state": "declined", "state_label": "未同意",
                       "answered_at": NOW.isoformat(), "reason": "本季度人员不足"}]
    assert confirmed["state"] == "confirmed" and confirmed["reason"] is None
    assert confirmed["answered_at"] == LATER.isoformat()


def test_a_confirmation_may_turn_into_a_decline_before_the_freeze(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        partners.answer(conn, "J1", SAFETY, CONFIRM, now=NOW, actor=TESTER)
        partners.answer(conn, "J1", SAFETY, partners.Answer(False, reason="另有专项行动"),
                        now=LATER, actor=TESTER)
        with pytest.raises(Conflict):
            planning.freeze_population(conn, "J1", now=LATER, actor=TESTER)


def test_answers_are_refused_once_frozen_and_once_drawn(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        partners.answer(conn, "J1", SAFETY, CONFIRM, now=NOW, actor=TESTER)
        planning.freeze_population(conn, "J1", now=NOW, actor=TESTER)
        with pytest.raises(Conflict) as frozen:
            partners.answer(conn, "J1", SAFETY, partners.Answer(False, reason="改变主意"),
                            now=LATER, actor=TESTER)
        planning.abandon_draw(conn, "J1", reason="见证人未到场", now=LATER, actor=TESTER)
        # between an abandoned attempt and the next freeze the partner may answer again
        partners.answer(conn, "J1", SAFETY, CONFIRM, now=LATER, actor=TESTER)
        freeze_and_draw(conn, "J1", now=LATER)
        with pytest.raises(Conflict) as drawn:
            partners.answer(conn, "J1", SAFETY, CONFIRM, now=LATER, actor=TESTER)
    assert frozen.value.code == drawn.value.code == "plan_frozen"


@pytest.mark.parametrize(("department", "given", "error"), [
    (SAFETY, partners.Answer(False, reason="  "), Invalid),
    (SAFETY, partners.Answer(True, staff=("NOBODY",)), Invalid),
    (SAMR, CONFIRM, NotFound),  # the lead does not answer its own plan
    (ECOLOGY, CONFIRM, NotFound),  # not a department of the plan
])
def test_answers_that_cannot_be_taken(engine: sa.Engine, department: str,
                                      given: partners.Answer, error: type[Exception]) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        with pytest.raises(error):
            partners.answer(conn, "J1", department, given, now=NOW, actor=TESTER)
        assert partners.partners_of(conn, "J1")[0]["state"] == "pending"


def test_a_partner_offers_its_own_staff_only(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        samr = staff_of(conn, SAMR, 1)
        with pytest.raises(Invalid) as refused:
            partners.answer(conn, "J1", SAFETY, partners.Answer(True, staff=tuple(samr)),
                            now=NOW, actor=TESTER)
    assert samr[0] in refused.value.message and SAFETY in refused.value.message


def test_the_offered_staff_are_the_partners_only_people_in_the_teams(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        everyone = staff_of(conn, SAFETY, 50)
        offered = everyone[:2]
        partners.answer(conn, "J1", SAFETY,
                        partners.Answer(True, staff=tuple(offered), qualifications=("安全生产",)),
                        now=NOW, actor=TESTER)
        summary = freeze_and_draw(conn, "J1", now=NOW)
        teams = conn.execute(sa.select(t.tasks.c.team)).scalars().all()
        audit = planning.load_draw(conn, "J1", "audit")
        samr = set(staff_of(conn, SAMR, 10_000))
    assert len(everyone) > 2 and summary.assigned > 0
    safety_in_teams = {i for team in teams for i in team if i not in samr}
    assert safety_in_teams and safety_in_teams <= set(offered), "only the offered people"
    assert any(set(team) & samr for team in teams), "the lead's staff are not limited"
    # the auditor's export holds exactly the people the draw chose from: it re-runs the same
    listed = {i["id"] for i in audit["inspectors"] if i["department"] == SAFETY}
    assert listed == set(offered)
    assert verify_export(audit).ok


def test_within_offer_leaves_departments_that_offered_nobody_whole() -> None:
    people = [Inspector(id=f"{d[:2]}{n}", name="某", department=d, badge_no=f"B{n}")
              for d in (SAMR, SAFETY) for n in range(3)]
    kept = partners.within_offer(people, {SAFETY: frozenset({f"{SAFETY[:2]}1"})})
    assert [i.id for i in kept] == [f"{SAMR[:2]}0", f"{SAMR[:2]}1", f"{SAMR[:2]}2", f"{SAFETY[:2]}1"]


def test_each_answer_is_an_act_on_the_plan(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        partners.answer(conn, "J1", SAFETY, partners.Answer(False, reason="人员不足"),
                        now=NOW, actor=TESTER)
        partners.answer(conn, "J1", SAFETY, CONFIRM, now=LATER, actor=TESTER)
        acts = audit_trail.search(conn, audit_trail.Query(object_id=f"J1/{SAFETY}"))
        seen_by_partner = audit_trail.search(conn, audit_trail.Query(department=SAFETY))
    assert [(a["kind"], a["plan"], a["after"]["state"]) for a in acts] == [
        (ActKind.PARTNER_DECLINED.value, "J1", "declined"),
        (ActKind.PARTNER_CONFIRMED.value, "J1", "confirmed")]
    assert acts[0]["after"]["reason"] == "人员不足" and acts[1]["before"]["state"] == "declined"
    assert acts[1]["actor"]["person"] == TESTER.person
    assert {a["kind"] for a in seen_by_partner} >= {"plan.partner_declined", "plan.partner_confirmed"}
    assert audit_trail.KIND_LABELS[ActKind.PARTNER_CONFIRMED] == "配合部门确认联合抽查"


def test_the_scheme_is_public_with_the_plan(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        planning.create_plan(conn, joint_plan(), now=NOW, actor=TESTER)
        public = planning.get_public_plan(conn, "J1")
    assert public["scheme"] == {"content": SCHEME.content, "schedule": SCHEME.schedule,
                                "method": SCHEME.method}
