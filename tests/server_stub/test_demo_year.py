"""The demo's year (issue 26, done-when): ``seed-demo`` writes a city department and county
bureaus, joint plans with partners (one declining, then confirming; one still waiting), a
市抽县查 plan whose teams come from the right county staff with an elevator expert and two
batches, a county's own plan, a sandbox and a triggered plan; every draw re-verifies from its
auditor's export with ``verify-draw``, and neither the public pages nor the phone's tasks name a
grade or follow the strata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server_stub.core import tables as t
from server_stub.core.admin_token import admin_token
from server_stub.core.clock import china_date, now
from server_stub.core.config import Settings
from server_stub.core.errors import Conflict
from server_stub.demo_year import (
    COMMERCE,
    COUNTY_PLAN,
    DRAWN,
    ELEVATORS,
    JOINT_CATERING,
    JOINT_DISCHARGE,
    TRIGGERED,
)
from server_stub.directory.demo import county_bureau
from server_stub.draws import planning
from server_stub.field.tasks import tasks_for_inspector
from server_stub.main import create_app
from sync import generate_key
from tests.server_stub.test_cli import engine_for, fresh_databases, invoke  # noqa: F401
from tests.server_stub.test_strata_leak import no_better_than_a_shuffle
from tests.utils.actors import TESTER


@pytest.fixture
def year(tmp_path: Path) -> Path:
    data = tmp_path / "demo"
    out = invoke("seed-demo", "--data", str(data))
    assert out.exit_code == 0, out.output
    assert "已生成本年度演示计划并抽取" in out.output
    return data


def audit_of(data: Path, plan_id: str) -> dict[str, Any]:
    with engine_for(data).begin() as conn:
        return planning.load_draw(conn, plan_id, "audit")


def test_every_draw_of_the_year_reverifies_from_its_export(year: Path, tmp_path: Path) -> None:
    for plan_id in DRAWN:
        export = tmp_path / f"{plan_id}.json"
        assert invoke("draw-export", plan_id, str(export), "--data", str(year)).exit_code == 0
        verified = invoke("verify-draw", str(export))
        assert verified.exit_code == 0, (plan_id, verified.output)
        assert json.loads(export.read_text(encoding="utf-8"))["format"] == "zsc-draw-audit/6"


def test_partners_declined_then_confirmed_and_one_still_waits(year: Path) -> None:
    with engine_for(year).begin() as conn:
        acts = conn.execute(sa.select(t.audit_acts.c.kind).where(
            t.audit_acts.c.plan_id == JOINT_CATERING, t.audit_acts.c.kind.like("plan.partner_%"))
            .order_by(t.audit_acts.c.idx)).scalars().all()
        assert acts == ["plan.partner_declined", "plan.partner_confirmed"]
        catering = planning.get_public_plan(conn, JOINT_CATERING)
        assert [(p["department"], p["state"]) for p in catering["partners"]] == [(COMMERCE, "confirmed")]
        assert catering["scheme"]["method"] == "实地核查，查阅台账，现场询问"
        with pytest.raises(Conflict, match="威海市生态环境局"):
            planning.freeze_population(conn, JOINT_DISCHARGE, now=dt.datetime.now(dt.UTC), actor=TESTER)


def test_city_draws_county_teams_with_an_expert_in_two_batches(year: Path) -> None:
    with engine_for(year).begin() as conn:
        rows = conn.execute(sa.select(t.tasks.c.team, t.tasks.c.release_on, t.entities.c.region)
                            .join(t.entities, t.entities.c.credit_code == t.tasks.c.credit_code)
                            .where(t.tasks.c.plan_id == ELEVATORS)).mappings().all()
        people = {r["id"]: r for r in conn.execute(sa.select(t.inspectors)).mappings()}
    assert len(rows) > 10
    for row in rows:
        officers = [people[i] for i in row["team"] if people[i]["kind"] == "执法人员"]
        experts = [people[i] for i in row["team"] if people[i]["kind"] == "专业技术人员"]
        assert len(officers) == 2 and {o["department"] for o in officers} == {county_bureau(row["region"])}
        assert len(experts) == 1 and "电梯检验" in experts[0]["qualifications"]
    assert len({row["release_on"] for row in rows}) == 2


def test_the_batches_do_not_follow_the_strata(year: Path) -> None:
    export = audit_of(year, ELEVATORS)
    grade_of = {code: s["grade"] for s in export["strata"] for code in s["drawn"]}
    sizes = [(s["grade"], s["k"]) for s in export["strata"]]
    by_batch = [task["credit_code"] for task in sorted(
        export["tasks"], key=lambda task: (task["release_on"], task["credit_code"]))]
    real, shuffled = no_better_than_a_shuffle(by_batch, sizes, grade_of)
    assert real <= shuffled


def test_sandbox_and_trigger_list_shape_the_populations(year: Path) -> None:
    with engine_for(year).begin() as conn:
        sandboxed = set(conn.execute(sa.select(t.sandbox_entries.c.credit_code)).scalars())
        listed = set(conn.execute(sa.select(t.trigger_lists.c.members)).scalar_one())
    routine = {code for plan_id in DRAWN if plan_id != TRIGGERED
               for s in audit_of(year, plan_id)["strata"] for code in s["ids"]}
    triggered = {code for s in audit_of(year, TRIGGERED)["strata"] for code in s["ids"]}
    assert len(sandboxed) == 5 and not sandboxed & routine
    county = audit_of(year, COUNTY_PLAN)
    assert {e["credit_code"] for e in county["sandbox"]["entries"]} == sandboxed, \
        "the county plan, whose scope holds them all, lists who the sandbox kept out"
    assert triggered and triggered <= listed


def test_the_county_plan_stays_in_its_county(year: Path) -> None:
    export = audit_of(year, COUNTY_PLAN)
    with engine_for(year).begin() as conn:
        regions = dict(conn.execute(sa.select(t.entities.c.credit_code, t.entities.c.region)).all())
        department = dict(conn.execute(sa.select(t.inspectors.c.id, t.inspectors.c.department)).all())
    assert {regions[c] for s in export["strata"] for c in s["drawn"]} == {"环翠区"}
    assert {department[i] for task in export["tasks"] for i in task["team"]} == {county_bureau("环翠区")}


def test_no_public_page_or_phone_task_names_a_grade(year: Path) -> None:
    app = create_app(Settings.from_env(year))
    with TestClient(app) as client:
        pages = [client.get("/plans").text, *(client.get(f"/draws/{p}").text for p in (*DRAWN, JOINT_DISCHARGE)),
                 *(json.dumps(client.get(f"/api/v1/draws/{p}").json(), ensure_ascii=False) for p in DRAWN)]
    for page in pages:
        assert "风险等级" not in page and "risk_grade" not in page
        assert not any(f"{g}类" in page for g in "ABCD")
    with engine_for(year).begin() as conn:
        officer = conn.execute(sa.select(t.task_members.c.inspector_id)
                               .join(t.tasks, t.tasks.c.id == t.task_members.c.task_id)
                               .where(t.tasks.c.plan_id == ELEVATORS)).scalars().first()
        tasks = tasks_for_inspector(conn, officer, generate_key(), due_days=20)
    text = json.dumps(tasks, ensure_ascii=False)
    assert tasks and "risk_grade" not in text and "风险等级" not in text


def test_a_level_and_batches_from_the_command_line_and_the_api(year: Path) -> None:
    """The terms of the year reach a plan both ways and show on its public page; a county plan
    repeating the elevator plan, which replaces county plans, is refused over the API. Dates
    follow the clock the demo's year was made by (the refusal is of the same year)."""
    start = china_date(now()) + dt.timedelta(days=1)
    end, second = start + dt.timedelta(days=80), start + dt.timedelta(days=31)
    made = invoke("plan", "create", "--data", str(year), "--id", "CLI-SX", "--name", "压力容器市抽县查",
                  "--department", "威海市市场监督管理局", "--item", "SC-TSSB-01", "--ratio", "D=50",
                  "--start", str(start), "--end", str(end), "--level", "市抽县查",
                  "--batch", str(start), "--batch", str(second))
    assert made.exit_code == 0, made.output
    app = create_app(Settings.from_env(year))
    with TestClient(app) as client:
        plan = client.get("/api/v1/plans/CLI-SX").json()
        assert (plan["level"], plan["batches"], plan["replaces_county"]) == (
            "市抽县查", [str(start), str(second)], False)
        page = client.get("/draws/CLI-SX").text
        assert "市抽县查" in page and "分2批" in page and str(second) in page
        admin = {"Authorization": f"Bearer {admin_token(year)}"}
        body = {"id": "RC-1", "name": "荣成市电梯抽查", "departments": [county_bureau("荣成市")],
                "items": ["SC-TSSB-02"], "ratios": {"D": "50"}, "team_size": 2,
                "window_start": str(start), "window_end": str(end), "level": "县抽县查"}
        refused = client.post("/api/v1/plans", json=body, headers=admin)
        assert refused.status_code == 422
        assert ELEVATORS in refused.json()["error"]["message"]
        bad = client.post("/api/v1/plans", headers=admin, json={
            **body, "id": "RC-2", "items": ["SC-QYGS-01"], "batches": [str(end + dt.timedelta(days=1))]})
        assert bad.status_code == 422 and "批次派发日期应在计划起止日期之内" in bad.json()["error"]["message"]
        ok = client.post("/api/v1/plans", headers=admin, json={
            **body, "id": "RC-3", "items": ["SC-QYGS-01"], "batches": [str(start), str(second)]})
        assert ok.status_code == 201, ok.text
        assert ok.json()["level"] == "县抽县查" and ok.json()["batches"] == [str(start), str(second)]
