"""年度计划执行情况 over the API (issue 26 point 8): the administrator reads every row; a
supervisor their own department's row only; an inspector's device is refused, the public too."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from sync import read_year_overview
from tests.conftest import Server
from tests.server_stub.api.test_review import other_inspector
from tests.utils.phone import Phone, admin_client, busiest_inspector

SAFETY = "威海市应急管理局"


@pytest.fixture(scope="module")
def year(shared_app_server: Server) -> int:
    """The year of the demo's plan (its window starts on the day it was seeded)."""
    engine = make_engine(shared_app_server.db)
    with engine.begin() as conn:
        specs = list(conn.execute(sa.select(t.plans.c.spec)).scalars())
    engine.dispose()
    return int(next(s["window_start"] for s in specs if "window_start" in s)[:4])


def supervisor(server: Server, department: str) -> httpx.Client:
    return Phone(server, other_inspector(server, department, set())).enroll("supervisor").client


def test_the_administrator_reads_every_row(shared_app_server: Server, year: int) -> None:
    with admin_client(shared_app_server) as admin:
        answer = admin.get("/api/v1/stats/year", params={"year": year})
        before = admin.get("/api/v1/stats/year", params={"year": 2001})
    assert answer.status_code == 200, answer.text
    overview = read_year_overview(answer.json())
    rows = {(r["scope"], r["name"]): r for r in overview["rows"]}
    samr = rows["department", SAMR]
    assert samr["planned"] >= 1 and samr["drawn"] >= 1, "the demo's plan, drawn"
    assert rows["level", samr["level"]]["planned"] >= samr["planned"]
    assert rows["total", "合计"]["planned"] >= samr["planned"] and overview["target"] == 0.6
    assert any(r["scope"] == "plan_level" for r in overview["rows"])
    assert before.json() == {"year": 2001, "target": 0.6, "rows": [
        r for r in before.json()["rows"] if r["scope"] == "total"]}, "no plan: the total only"


def test_a_supervisor_sees_their_own_departments_row_only(shared_app_server: Server, year: int) -> None:
    with admin_client(shared_app_server) as admin:
        everything = admin.get("/api/v1/stats/year", params={"year": year}).json()
    samr_row = next(r for r in everything["rows"] if r["name"] == SAMR)
    with supervisor(shared_app_server, SAMR) as own:
        mine = own.get("/api/v1/stats/year", params={"year": year})
    assert mine.status_code == 200, mine.text
    assert mine.json()["rows"] == [samr_row]
    with supervisor(shared_app_server, SAFETY) as other:
        theirs = other.get("/api/v1/stats/year", params={"year": year}).json()["rows"]
    assert [r["name"] for r in theirs] == [SAFETY], "another department's row is never in it"
    assert theirs[0]["planned"] == 0


def test_an_inspector_and_the_public_are_refused(shared_app_server: Server, year: int) -> None:
    url = f"{shared_app_server.url}/api/v1/stats/year"
    assert httpx.get(url, params={"year": year}).status_code == 401
    assert httpx.get(url, params={"year": year},
                     headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    with Phone(shared_app_server, busiest_inspector(shared_app_server)).enroll().client as inspector:
        refused = inspector.get("/api/v1/stats/year", params={"year": year})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "supervisors_only"
    with admin_client(shared_app_server) as admin:
        assert admin.get("/api/v1/stats/year", params={"year": 1999}).status_code == 400
        assert admin.get("/api/v1/stats/year").status_code == 400
