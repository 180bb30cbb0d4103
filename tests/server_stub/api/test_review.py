"""Supervisors through the real server: review, revision, publication, ledger, dashboard, roles."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from server_stub.core import tables as t
from server_stub.core.db import make_engine
from server_stub.directory.demo import SAMR
from tests.conftest import Server, serving_in_process
from tests.server_stub.api.test_sync_contract import header_only_jpeg, truncated_jpeg
from tests.utils.phone import Phone, busiest_inspector, jpeg

SUPERVISOR_CALLS = [
    ("GET", "/api/v1/review/queue", None),
    ("GET", "/api/v1/review/records/{id}", None),
    ("POST", "/api/v1/review/records/{id}/approve", {"comment": ""}),
    ("POST", "/api/v1/review/records/{id}/return", {"comment": "请补充照片"}),
    ("POST", "/api/v1/review/records/{id}/publish", None),
    ("POST", "/api/v1/review/records/{id}/correct", {"outcome": "未发现问题", "reason": "录入有误"}),
    ("POST", "/api/v1/review/records/{id}/withdraw", {"reason": "检查对象有误"}),
    ("GET", "/api/v1/followups", None),
    ("POST", "/api/v1/followups/{id}/close", {"disposal": "立案", "disposal_date": "2026-03-10"}),
    ("GET", "/api/v1/stats/dashboard", None),
    ("GET", "/api/v1/stats/export", None),
    ("GET", "/api/v1/review/export", None),
]


def other_inspector(server: Server, department: str, exclude: set[str]) -> str:
    engine = make_engine(server.db)
    with engine.begin() as conn:
        found = conn.execute(sa.select(t.inspectors.c.id).where(
            t.inspectors.c.department == department, t.inspectors.c.active.is_(True),
            t.inspectors.c.id.not_in(exclude)).order_by(t.inspectors.c.id).limit(1)).scalar_one()
    engine.dispose()
    return found


@pytest.fixture
def server(app_server: Server) -> Server:
    """A fresh server for each test, in this process: the tests are about review, not processes."""
    return app_server


@pytest.fixture
def people(server: Server) -> tuple[Phone, Phone]:
    return enrol_people(server)


def enrol_people(server: Server) -> tuple[Phone, Phone]:
    """An inspector with tasks and a supervisor of the same department who is on none of the
    inspector's teams (so may review all of their records), each with a phone."""
    inspector = Phone(server, busiest_inspector(server)).enroll()
    teammates = {m["id"] for task in inspector.tasks() for m in task["team"]}
    supervisor = Phone(server, other_inspector(server, SAMR, teammates)).enroll("supervisor")
    return inspector, supervisor


def submit(phone: Phone, task: dict, **changes: object) -> dict:  # type: ignore[type-arg]
    photo = jpeg(phone.seq + 77)
    envelope = phone.record(task, photos=[photo], **changes)
    name = hashlib.sha256(photo).hexdigest()
    assert phone.client.put(f"/api/v1/photos/{name}", content=photo).status_code in (200, 201)
    answer = phone.client.post("/api/v1/records", json=envelope)
    assert answer.status_code == 201, answer.text
    return envelope


def test_return_revise_approve_publish(server: Server, people: tuple[Phone, Phone]) -> None:
    inspector, supervisor = people
    task = inspector.tasks()[0]
    first = submit(inspector, task, note="第一次提交")
    queue = supervisor.client.get("/api/v1/review/queue").json()["records"]
    assert [r["id"] for r in queue] == [first["record"]["id"]]
    detail = supervisor.client.get(f"/api/v1/review/records/{first['record']['id']}").json()
    assert detail["signature"]["valid"] and detail["record"] == first["record"]
    assert detail["entity"]["name"] == task["entity"]["name"] and detail["chain_gaps"] == []
    photo = detail["record"]["items"][0]["photos"][0]
    full = supervisor.client.get(f"/api/v1/photos/{photo}")
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"

    assert supervisor.client.post(f"/api/v1/review/records/{first['record']['id']}/return",
                                  json={"comment": "请补充冷藏柜照片"}).status_code == 204
    mine = next(x for x in inspector.tasks() if x["id"] == task["id"])["record"]
    assert mine["state"] == "returned" and mine["comment"] == "请补充冷藏柜照片"
    again = supervisor.client.post(f"/api/v1/review/records/{first['record']['id']}/approve", json={})
    assert again.status_code == 409, "a returned record cannot be approved"

    revision = submit(inspector, task, note="已补充", supersedes=mine["hash"])
    queue = supervisor.client.get("/api/v1/review/queue").json()["records"]
    assert [(r["id"], r["revision"]) for r in queue] == [(revision["record"]["id"], True)]
    history = supervisor.client.get(f"/api/v1/review/records/{revision['record']['id']}").json()["history"]
    assert [h["id"] for h in history] == [first["record"]["id"], revision["record"]["id"]]
    assert history[0]["superseded"] and history[0]["review_comment"] == "请补充冷藏柜照片"
    revised = supervisor.client.get(f"/api/v1/review/records/{revision['record']['id']}").json()
    previous = revised["previous"]
    assert previous["id"] == first["record"]["id"] and previous["record"] == first["record"]
    assert previous["review_comment"] == "请补充冷藏柜照片" and previous["reviewed_at"]
    assert set(revised["item_names"]) >= {i["code"] for i in first["record"]["items"]}
    assert supervisor.client.get(f"/api/v1/review/records/{first['record']['id']}").json()["previous"] is None
    twice = inspector.record(task, supersedes=mine["hash"])
    assert inspector.client.post("/api/v1/records", json=twice).json()["error"]["code"] == "not_returned"

    assert supervisor.client.post(f"/api/v1/review/records/{revision['record']['id']}/approve",
                                  json={"comment": "同意"}).status_code == 204
    public = httpx.get(f"{server.url}/api/v1/public/results").json()
    assert public["total"] == 1
    result = public["results"][0]
    assert result["entity"]["name"] == task["entity"]["name"] and result["outcome"] == "未发现问题"
    page = httpx.get(f"{server.url}/results").text
    assert task["entity"]["name"] in page
    names = [m["name"] for m in task["team"]] + [m["badge_no"] for m in task["team"]]
    for text in (json.dumps(public, ensure_ascii=False), page):
        assert not any(n in text for n in names), "no inspector's personal data is published"
        assert "已补充" not in text and "第一次提交" not in text, "notes are not published"


@pytest.fixture(scope="module")
def inspectors_record(shared_app_server: Server) -> tuple[Phone, str]:
    """An inspector's phone and a record it submitted, on one server for every refused call
    below (refused, they change nothing)."""
    inspector, _ = enrol_people(shared_app_server)
    return inspector, submit(inspector, inspector.tasks()[0])["record"]["id"]


@pytest.mark.parametrize(("method", "path", "body"), SUPERVISOR_CALLS)
def test_inspectors_are_refused_every_supervisor_call(inspectors_record: tuple[Phone, str],
                                                      method: str, path: str, body: object) -> None:
    inspector, record_id = inspectors_record
    answer = inspector.client.request(method, path.format(id=record_id), json=body)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "supervisors_only"


def test_supervisors_of_another_department_see_nothing(server: Server,
                                                       people: tuple[Phone, Phone]) -> None:
    inspector, _ = people
    envelope = submit(inspector, inspector.tasks()[0])
    stranger = Phone(server, other_inspector(server, "威海市生态环境局", set())).enroll("supervisor")
    assert stranger.client.get("/api/v1/review/queue").json()["records"] == []
    record_id = envelope["record"]["id"]
    unknown = stranger.client.get("/api/v1/review/records/00000000-0000-4000-8000-000000000000")
    for answer in (stranger.client.get(f"/api/v1/review/records/{record_id}"),
                   stranger.client.get(f"/api/v1/records/{record_id}"),
                   stranger.client.post(f"/api/v1/review/records/{record_id}/approve", json={})):
        # another department's record is answered exactly like one that does not exist
        assert answer.status_code == 404 and answer.json() == unknown.json()


def test_returning_needs_a_comment(server: Server, people: tuple[Phone, Phone]) -> None:
    inspector, supervisor = people
    envelope = submit(inspector, inspector.tasks()[0])
    answer = supervisor.client.post(f"/api/v1/review/records/{envelope['record']['id']}/return",
                                    json={"comment": "  "})
    assert answer.status_code == 422 and "退回原因" in answer.json()["error"]["message"]


@pytest.fixture
def server_with_due_days(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """A server whose ledger gives 45 days, not the default 30, from inspection to overdue."""
    with serving_in_process(tmp_path / "server-data", database_url, followup_due_days=45) as served:
        yield served


def test_follow_up_ledger(server_with_due_days: Server) -> None:
    inspector, supervisor = enrol_people(server_with_due_days)
    task = inspector.tasks()[0]
    items = [{"code": i["code"], "result": "不合格" if n == 0 else "合格"} for n, i in enumerate(task["items"])]
    from sync import RecordItem

    envelope = submit(inspector, task, outcome="发现问题待后续处理",
                      items=tuple(RecordItem(code=i["code"], result=i["result"]) for i in items))
    record_id = envelope["record"]["id"]
    entries = supervisor.client.get("/api/v1/followups").json()["entries"]
    assert [(e["record_id"], e["open"]) for e in entries] == [(record_id, True)]
    inspected = dt.date.fromisoformat(entries[0]["inspected_on"])
    assert entries[0]["due_on"] == (inspected + dt.timedelta(days=45)).isoformat()
    bad = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                 json={"disposal": "罚款", "disposal_date": "2026-03-10"})
    assert bad.status_code == 400
    no_case = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                     json={"disposal": "立案", "disposal_date": "2026-03-10"})
    assert no_case.status_code == 422 and "“立案”须填写案件编号" in no_case.json()["error"]["message"]
    early = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                   json={"disposal": "立案", "disposal_date": "2026-01-01", "case_no": CASE})
    assert early.status_code == 422 and "不能早于检查日期" in early.json()["error"]["message"]
    tomorrow = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=1))
    for future in ("2099-12-31", tomorrow.isoformat()):
        late = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                      json={"disposal": "立案", "disposal_date": future, "case_no": CASE})
        assert late.status_code == 422 and "处置日期不能晚于今天" in late.json()["error"]["message"], future
    done = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                  json={"disposal": "责令改正", "disposal_date": "2026-03-10", "note": "已整改"})
    assert done.status_code == 204
    entry = supervisor.client.get("/api/v1/followups").json()["entries"][0]
    assert not entry["open"] and entry["disposal"] == "责令改正"
    twice = supervisor.client.post(f"/api/v1/followups/{record_id}/close",
                                   json={"disposal": "立案", "disposal_date": "2026-03-11", "case_no": CASE})
    assert twice.status_code == 409


CASE = "威市监立〔2026〕18号"


def test_dashboard_and_exports(server: Server, people: tuple[Phone, Phone]) -> None:
    inspector, supervisor = people
    tasks = inspector.tasks()
    from sync import RecordItem

    submit(inspector, tasks[0])
    bad = submit(inspector, tasks[1], outcome="发现问题已责令改正",
                 items=tuple(RecordItem(code=i["code"], result="不合格") for i in tasks[1]["items"]))
    supervisor.client.post(f"/api/v1/review/records/{bad['record']['id']}/approve", json={})
    figures = supervisor.client.get("/api/v1/stats/dashboard").json()
    assert figures["inspected"] == 2 and figures["problems"] == 1
    plan = figures["plans"][0]
    assert plan["completed"] == 2 and plan["published"] == 1
    assert plan["completion_rate"] == round(2 / plan["tasks"], 4) and plan["publication_rate"] == 0.5
    assert sum(r["inspected"] for r in figures["by_industry"]) == 2
    assert figures["risk_grade_use"]["plans"] >= 1
    csv_file = supervisor.client.get("/api/v1/stats/export", params={"format": "csv"})
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and "问题发现率".encode() in csv_file.content
    xlsx = supervisor.client.get("/api/v1/stats/export")
    assert xlsx.content[:2] == b"PK"


PUBLIC_PATHS = ["/", "/plans", "/results", "/api/v1/public/results", "/api/v1/plans",
                "/api/v1/items", "/api/v1/directory/summary", "/api/v1/keys", "/api/v1/health"]
GRADE_WORDS = ("risk_grade", "风险等级", "低风险", "一般风险", "较高风险", "高风险")


def test_no_public_route_shows_a_risk_grade(server: Server, people: tuple[Phone, Phone]) -> None:
    inspector, supervisor = people
    task = inspector.tasks()[0]
    envelope = submit(inspector, task)
    supervisor.client.post(f"/api/v1/review/records/{envelope['record']['id']}/approve", json={})
    schema = httpx.get(f"{server.url}/openapi.json", timeout=60).json()
    public_api = [p for p, ops in schema["paths"].items()
                  if "get" in ops and not ops["get"].get("security") and "{" not in p
                  and not any(q.get("required") for q in ops["get"].get("parameters", []))]
    paths = sorted(set(PUBLIC_PATHS + public_api)) + [
        f"/draws/{task['plan_id']}", f"/api/v1/draws/{task['plan_id']}",
        f"/api/v1/plans/{task['plan_id']}", f"/v/{task['code_token']}",
        "/api/v1/log/publication/leaves/0", "/api/v1/log/publication/leaves/0/proof",
        f"/api/v1/public/results/{envelope['record']['id']}/proof",
        "/api/v1/log/publication/consistency?from=0&to=1"]
    for path in paths:
        answer = httpx.get(server.url + path, timeout=60)  # 30-odd pages: loaded cores can be slow
        assert answer.status_code == 200, path
        assert not any(w in answer.text for w in GRADE_WORDS), path
    draw = httpx.get(f"{server.url}/api/v1/draws/{task['plan_id']}").json()
    assert all(set(e) == {"credit_code", "name", "region", "industry"} for e in draw["entities"])


def test_photo_thumbnails_for_lists(server: Server, people: tuple[Phone, Phone]) -> None:
    inspector, supervisor = people
    photo = jpeg(5, (1600, 1200))
    name = hashlib.sha256(photo).hexdigest()
    assert inspector.client.put(f"/api/v1/photos/{name}", content=photo).status_code == 201
    envelope = inspector.record(inspector.tasks()[0], photos=[photo])
    assert inspector.client.post("/api/v1/records", json=envelope).status_code == 201

    small = supervisor.client.get(f"/api/v1/photos/{name}/thumbnail")
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(small.content)).size == (240, 180)
    assert len(small.content) < len(photo) / 5
    larger = supervisor.client.get(f"/api/v1/photos/{name}/thumbnail", params={"long_edge": 640})
    assert Image.open(io.BytesIO(larger.content)).size == (640, 480)
    own = inspector.client.get(f"/api/v1/photos/{name}/thumbnail")
    assert own.status_code == 200, "an inspector sees their own photos"
    for long_edge in (0, 63, 801, "x"):
        answer = supervisor.client.get(f"/api/v1/photos/{name}/thumbnail", params={"long_edge": long_edge})
        assert answer.status_code == 400 and answer.json()["error"]["message"]
    stranger = Phone(server, other_inspector(server, "威海市生态环境局", set())).enroll("supervisor")
    hidden = stranger.client.get(f"/api/v1/photos/{name}/thumbnail")
    unknown = supervisor.client.get(f"/api/v1/photos/{'0' * 64}/thumbnail")
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()


@pytest.mark.parametrize("stored_bytes", [
    b"\xff\xd8 damaged on the platform's disk", truncated_jpeg(), header_only_jpeg(65535, 1)],
    ids=["damaged on disk", "JPEG cut at 13 %, stored before uploads were decoded",
         "bare header claiming 65535x1, stored before uploads were decoded"])
def test_a_stored_photo_that_does_not_decode_is_a_clear_422(
        server: Server, people: tuple[Phone, Phone], stored_bytes: bytes) -> None:
    """Never a 500 (which the app's engine would retry for ever): the photo will not get better."""
    inspector, supervisor = people
    envelope = submit(inspector, inspector.tasks()[0])
    name = envelope["record"]["items"][0]["photos"][0]
    stored = next(server.data.rglob(f"{name}.jpg"))
    stored.write_bytes(stored_bytes)
    for who in (supervisor, inspector):
        for long_edge in (64, 240, 800):
            answer = who.client.get(f"/api/v1/photos/{name}/thumbnail", params={"long_edge": long_edge})
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert error["code"] == "photo_damaged" and "照片不完整或已损坏" in error["message"]
