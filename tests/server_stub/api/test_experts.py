"""A 专业技术人员 on a team, through the real server (issue 26 point 4): their phone gets the task
with them marked so, the inspection code shows them without a 执法证, but only 执法人员 sign: a
record from the expert's device is refused, and a notice naming the expert as having shown a
card is refused too; the officer's record naming the expert among the team is accepted."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from sync import Acknowledgement, Notice, StaffKind, TeamMember, b64url_decode, parse_json
from tests.conftest import ServerProcess
from tests.server_stub.api.test_onsite_record import put, signature_png
from tests.utils.phone import Phone, busiest_inspector
from tests.utils.workload import add_tasks


@pytest.fixture(scope="module")
def team(shared_server: ServerProcess) -> tuple[Phone, Phone, dict[str, Any]]:
    """An officer and a colleague made an expert, on three fresh tasks together."""
    officer_id = busiest_inspector(shared_server)
    added = add_tasks(shared_server.db, [officer_id], 3)[officer_id]
    engine = make_engine(shared_server.db)
    with engine.begin() as conn:
        team_of = conn.execute(sa.select(t.tasks.c.team).where(t.tasks.c.id == added[0])).scalar_one()
        expert_id = next(i for i in team_of if i != officer_id)
        conn.execute(t.inspectors.update().where(t.inspectors.c.id == expert_id)
                     .values(kind=StaffKind.EXPERT.value))
    engine.dispose()
    officer = Phone(shared_server, officer_id, task_ids=tuple(added)).enroll()
    expert = Phone(shared_server, expert_id, task_ids=tuple(added)).enroll()
    return officer, expert, {"ids": added, "expert": expert_id}


def test_the_experts_phone_gets_the_task_with_the_expert_marked(team: tuple[Phone, Phone, dict[str, Any]]) -> None:
    officer, expert, info = team
    task = expert.tasks()[0]
    member = next(m for m in task["team"] if m["id"] == info["expert"])
    assert member["kind"] == "专业技术人员"
    assert next(m for m in task["team"] if m["id"] == officer.inspector_id)["kind"] == "执法人员"
    payload: Any = parse_json(b64url_decode(task["code_token"].split(".")[0]))
    coded = next(m for m in payload["team"] if m["name"] == member["name"])
    assert coded["kind"] == "专业技术人员", "the enterprise sees who shows no card"
    page = officer.client.get(f"/v/{task['code_token']}")
    assert page.status_code == 200 and "专业技术人员，辅助检查，不出示执法证" in page.text


def test_an_expert_cannot_sign_a_record(team: tuple[Phone, Phone, dict[str, Any]]) -> None:
    _, expert, _ = team
    task = expert.tasks()[0]
    answer = expert.client.post("/api/v1/records", json=expert.record(task))
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "expert_cannot_sign"
    assert "专业技术人员不能签署现场检查笔录" in answer.json()["error"]["message"]


def test_the_notice_names_only_officers_as_showing_cards(team: tuple[Phone, Phone, dict[str, Any]]) -> None:
    officer, _, info = team
    task = officer.tasks()[1]
    everyone = Notice(shown_at="2026-03-02T08:58:00+08:00", inspectors=tuple(
        TeamMember(m["id"], m["name"], m["badge_no"] or "无") for m in task["team"]))
    png = signature_png(7)
    assert put(officer, png).status_code == 201
    ack = Acknowledgement(kind="signed", name="张三", role="店长", statement="对检查结果无异议",
                          signature=hashlib.sha256(png).hexdigest())
    answer = officer.client.post("/api/v1/records", json=officer.record(
        task, notice=everyone, acknowledgement=ack, covers=True))
    assert answer.status_code == 422, answer.text
    assert "出示执法证的人员应为执法人员" in answer.json()["error"]["message"]
    officers_only = Notice(shown_at="2026-03-02T08:58:00+08:00", inspectors=tuple(
        TeamMember(m["id"], m["name"], m["badge_no"]) for m in task["team"] if m["id"] != info["expert"]))
    accepted = officer.client.post("/api/v1/records", json=officer.record(
        task, notice=officers_only, acknowledgement=ack, covers=True))
    assert accepted.status_code == 201, accepted.text
