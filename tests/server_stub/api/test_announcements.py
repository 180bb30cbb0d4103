"""Announcements in the national form through the real server: columns and numbering, the
enterprise search, text safety, the follow-up's disposal, China time, Chinese error pages and
the font (issue 15, points 1 and 2)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server_stub.core import tables as t
from server_stub.core.config import Settings
from server_stub.core.db import make_engine
from server_stub.core.paths import FONTS_DIR
from server_stub.directory.demo import SAMR
from server_stub.main import create_app
from sync import RecordItem
from tests.conftest import ServerProcess, running_server
from tests.server_stub.api.test_review import GRADE_WORDS, enrol_people, submit

# 00:30 on New Year's Day in China is still 31 December in UTC: the announcement's year, and the
# publication date, are China's.
NEW_YEAR_IN_CHINA = "2027-01-01T00:30:00+08:00"
EVIL_NAME = '=HYPERLINK("http://x","y")<script>alert(1)</script>'
COLUMNS = ["抽查计划编号", "抽查计划名称", "抽查任务编号", "抽查任务名称", "抽查类型", "检查机关",
           "抽查市场主体名称", "统一社会信用代码", "检查完成日期", "检查结果", "备注"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One server whose clock reads New Year's Day 2027 in China, with three results of the demo
    plan published: one of an entity renamed to a formula and a script, one 待后续处理 (approved,
    published later, then closed in the ledger) and one 发现问题已责令改正."""
    from tests.conftest import Databases

    directory = tmp_path_factory.mktemp("announce")
    databases = Databases(directory)
    try:
        with running_server(directory / "data", databases.make(), fake_now=NEW_YEAR_IN_CHINA) as server:
            yield _publish(server)
    finally:
        databases.drop_all()


def _publish(server: ServerProcess) -> dict[str, Any]:
    inspector, supervisor = enrol_people(server)
    tasks = inspector.tasks()
    engine = make_engine(server.db)
    with engine.begin() as conn:
        conn.execute(t.entities.update().where(t.entities.c.credit_code == tasks[0]["credit_code"])
                     .values(name=EVIL_NAME))
    engine.dispose()
    assert len(tasks) >= 3, "the demo gives its busiest inspector several tasks"
    ok = submit(inspector, tasks[0], note="记录备注不公开")
    pending = submit(inspector, tasks[1], outcome="发现问题待后续处理",
                     items=tuple(RecordItem(code=i["code"], result="不合格") for i in tasks[1]["items"]))
    corrected = submit(inspector, tasks[2], outcome="发现问题已责令改正",
                       items=tuple(RecordItem(code=i["code"], result="不合格") for i in tasks[2]["items"]))
    for envelope, publish in ((ok, True), (pending, False), (corrected, True)):
        answer = supervisor.client.post(f"/api/v1/review/records/{envelope['record']['id']}/approve",
                                        json={"publish": publish})
        assert answer.status_code == 204, answer.text

    def search() -> Any:
        return httpx.get(f"{server.url}/api/v1/public/enterprises",
                         params={"q": tasks[1]["credit_code"]}).json()

    approved_only = search()
    later = supervisor.client.post(f"/api/v1/review/records/{pending['record']['id']}/publish")
    assert later.status_code == 204, later.text
    before = search()
    closed = supervisor.client.post(f"/api/v1/followups/{pending['record']['id']}/close",
                                    json={"disposal": "责令改正", "disposal_date": "2026-03-10",
                                          "note": "台账备注不公开"})
    assert closed.status_code == 204, closed.text
    return {"server": server, "tasks": tasks, "plan": tasks[0]["plan_id"], "before": before,
            "approved_only": approved_only, "ids": [e["record"]["id"] for e in (ok, pending, corrected)]}


def _notice(published: dict[str, Any], **params: str) -> httpx.Response:
    server: ServerProcess = published["server"]
    return httpx.get(f"{server.url}/api/v1/public/announcements/{published['plan']}", params=params)


def test_the_announcement_has_the_national_columns_and_number(published: dict[str, Any]) -> None:
    notice = _notice(published).json()
    assert [c["title"] for c in notice["columns"]] == COLUMNS
    assert (notice["department"], notice["year"], notice["number"]) == (SAMR, 2027, 1)
    assert notice["title"] == "2027年度第001号抽查任务检查结果公告" and notice["issued_on"] == "2027-01-01"
    ok, pending, corrected = published["ids"]
    assert sorted(r["id"] for r in notice["results"]) == sorted([ok, pending, corrected])
    first = next(r for r in notice["results"] if r["id"] == ok)
    task = published["tasks"][0]
    assert first["plan_id"] == published["plan"] and first["task_id"] == task["id"]
    assert first["kind"] == "双随机抽查" and first["authority"] == SAMR
    assert first["entity_name"] == EVIL_NAME and first["credit_code"] == task["credit_code"]
    assert first["completed_on"] == "2026-03-02" and first["result"] == "未发现问题"
    assert first["task_name"] == "、".join(i["name"] for i in task["items"])
    assert first["published_on"] == "2027-01-01", "China's date, though UTC is still 2026"
    listed = httpx.get(f"{published['server'].url}/api/v1/public/announcements").json()["announcements"]
    assert [(a["plan_id"], a["number"], a["results"]) for a in listed] == [(published["plan"], 1, 3)]


def test_a_closed_follow_up_shows_its_disposal(published: dict[str, Any]) -> None:
    assert published["approved_only"]["enterprises"] == [], "approved, not published: not public"
    before = published["before"]["enterprises"][0]["results"][0]
    assert before["result"] == "发现问题待后续处理" and before["remarks"] == ""
    rows = {r["id"]: r for r in _notice(published).json()["results"]}
    _, pending, corrected = published["ids"]
    assert rows[pending]["result"] == "发现问题经责令已改正"
    assert rows[pending]["remarks"] == "2026-03-10完成后续处置（原检查结果：发现问题待后续处理）"
    assert rows[pending]["follow_up"] == {"disposal": "责令改正", "result": "发现问题经责令已改正",
                                          "date": "2026-03-10"}
    assert rows[corrected]["result"] == "发现问题已责令改正" and rows[corrected]["remarks"] == ""
    server: ServerProcess = published["server"]
    for page in (f"/announcements/{published['plan']}", "/results",
                 f"/search?q={published['tasks'][1]['credit_code']}"):
        text = httpx.get(server.url + page).text
        assert "发现问题经责令已改正" in text and "2026-03-10完成后续处置" in text, page
    listed = httpx.get(f"{server.url}/api/v1/public/results").json()["results"]
    assert next(r for r in listed if r["id"] == pending)["result"] == "发现问题经责令已改正"


def test_the_enterprise_search(published: dict[str, Any]) -> None:
    server: ServerProcess = published["server"]
    task = published["tasks"][1]

    def search(q: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{server.url}/api/v1/public/enterprises", params={"q": q})
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["enterprises"]
        return found

    for q in (task["credit_code"], task["credit_code"].lower(), task["entity"]["name"][2:6]):
        found = {e["credit_code"]: e for e in search(q)}
        assert task["credit_code"] in found, q
    results = found[task["credit_code"]]["results"]
    assert [(r["no"], r["authority"], r["kind"], r["date"], r["result"]) for r in results] == [
        (1, SAMR, "双随机抽查", "2026-03-02", "发现问题经责令已改正")]
    assert search("%") == [] and search("_") == [], "LIKE wildcards are plain characters"
    page = httpx.get(f"{server.url}/search", params={"q": task["credit_code"]}).text
    for heading in ("序号", "检查实施机关", "类型", "日期", "结果", task["entity"]["name"]):
        assert heading in page
    nothing = httpx.get(f"{server.url}/search", params={"q": "没有这家企业"})
    assert nothing.status_code == 200 and "未查询到" in nothing.text
    long = httpx.get(f"{server.url}/api/v1/public/enterprises", params={"q": "企" * 5000})
    assert long.status_code == 400 and long.json()["error"]["code"] == "bad_request"


def test_no_formula_and_no_markup_in_any_form(published: dict[str, Any]) -> None:
    text = _notice(published, format="csv")
    assert text.status_code == 200 and text.content.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''" in text.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == COLUMNS and len(rows) == 4
    names = [row[6] for row in rows[1:]]
    assert "'" + EVIL_NAME in names and EVIL_NAME not in names, "a formula is quoted in CSV"
    sheet = openpyxl.load_workbook(io.BytesIO(_notice(published, format="xlsx").content)).active
    assert sheet is not None and sheet.title == "2027年度第001号抽查任务检查结果公告"
    assert [c.value for c in sheet[1]] == COLUMNS
    names = [(sheet.cell(n, 7).value, sheet.cell(n, 7).data_type) for n in range(2, 5)]
    assert (EVIL_NAME, "s") in names, "a string cell, never a formula"
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value)
    server: ServerProcess = published["server"]
    for page in (f"/announcements/{published['plan']}", "/results", "/search?q=HYPERLINK"):
        html = httpx.get(server.url + page).text
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page


def test_nothing_private_is_published(published: dict[str, Any]) -> None:
    server: ServerProcess = published["server"]
    team = [m[k] for task in published["tasks"][:3] for m in task["team"] for k in ("name", "badge_no")]
    plan = published["plan"]
    answers = [_notice(published), _notice(published, format="csv"),
               httpx.get(f"{server.url}/announcements/{plan}"), httpx.get(f"{server.url}/announcements"),
               httpx.get(f"{server.url}/api/v1/public/announcements"),
               httpx.get(f"{server.url}/api/v1/public/enterprises", params={"q": "有限"}),
               httpx.get(f"{server.url}/search", params={"q": "有限"})]
    for answer in answers:
        text = answer.content.decode("utf-8-sig")
        assert answer.status_code == 200
        assert not any(word in text for word in (*team, *GRADE_WORDS, "记录备注不公开", "台账备注不公开"))
    workbook = openpyxl.load_workbook(io.BytesIO(_notice(published, format="xlsx").content))
    cells = json.dumps([[c.value for c in row] for row in workbook.active.iter_rows()], ensure_ascii=False)  # type: ignore[union-attr]
    assert not any(word in cells for word in (*team, *GRADE_WORDS))


def test_pages_link_from_home_print_china_time_and_carry_the_font(published: dict[str, Any]) -> None:
    server: ServerProcess = published["server"]
    home = httpx.get(server.url + "/").text
    for link in ('href="/plans"', 'href="/announcements"', 'href="/search"', 'href="/results"'):
        assert link in home
    listing = httpx.get(server.url + "/announcements").text
    assert f'href="/announcements/{published["plan"]}"' in listing and "第001号" in listing
    draw = httpx.get(f"{server.url}/draws/{published['plan']}").text
    engine = make_engine(server.db)
    with engine.begin() as conn:
        drawn_at = conn.execute(sa.select(t.draws.c.drawn_at)
                                .where(t.draws.c.plan_id == published["plan"])).scalar_one()
    engine.dispose()
    from server_stub.api.templates import china_time

    assert china_time(drawn_at) in draw and "（北京时间）" in draw
    for page in ("/", f"/announcements/{published['plan']}", "/search", "/nope"):
        text = httpx.get(server.url + page).text
        # the font cut to the page's characters (test_public_pages_on_mobile_data.py)
        assert re.search(r'src:url\("/fonts/ZSCSans-Regular/[0-9a-f]{12}/[\w-]+\.woff2"\)', text), page
        # form controls and monospaced text do not inherit a font by themselves: boxes otherwise
        assert "button,input,textarea{font:inherit}" in text and 'monospace,"ZSC Sans"' in text
    for name in ("ZSCSans-Regular.otf", "ZSCSans-Bold.otf"):
        font = httpx.get(f"{server.url}/fonts/{name}")
        assert font.status_code == 200 and font.headers["content-type"] == "font/otf"
        assert font.content == (FONTS_DIR / name).read_bytes()
        assert "font-src 'self'" in font.headers["content-security-policy"]
    for other in ("/fonts/OFL.txt", "/fonts/..%2F..%2Fpyproject.toml", "/fonts/%2e%2e/README.md"):
        assert httpx.get(server.url + other).status_code == 404, other


@pytest.mark.parametrize("path", ["/nope", "/announcements/NO-SUCH-PLAN", "/draws/NO-SUCH-PLAN",
                                  "/announcements/" + "x" * 3000])
def test_an_unknown_page_is_a_chinese_page(published: dict[str, Any], path: str) -> None:
    answer = httpx.get(published["server"].url + path)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "页面不存在" in answer.text and '"error"' not in answer.text


def test_an_impossible_id_is_a_chinese_page(published: dict[str, Any]) -> None:
    """PostgreSQL cannot hold a NUL (400 there), SQLite finds no such plan (404): a page either way."""
    answer = httpx.get(published["server"].url + "/announcements/a%00b")
    assert answer.status_code in (400, 404) and answer.headers["content-type"].startswith("text/html")
    assert "<h1" in answer.text and '"error"' not in answer.text


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/public/announcements/NO-SUCH-PLAN"])
def test_the_api_answers_json_still(published: dict[str, Any], path: str) -> None:
    answer = httpx.get(published["server"].url + path)
    assert answer.status_code == 404 and answer.json()["error"]["code"]


@pytest.mark.parametrize(("path", "status"), [("/search?q=" + "企" * 5000, 400),
                                              ("/results?page=0", 400),
                                              ("/api/v1/public/announcements/{plan}?format=pdf", 400)])
def test_bad_input_is_a_clear_error(published: dict[str, Any], path: str, status: int) -> None:
    answer = httpx.get(published["server"].url + path.format(plan=published["plan"]))
    assert answer.status_code == status
    if path.startswith("/api/"):
        assert answer.json()["error"]["code"] == "bad_request"
    else:
        assert "请求有误" in answer.text and answer.headers["content-type"].startswith("text/html")


def test_a_bug_on_a_page_is_a_chinese_page_and_on_the_api_json(tmp_path: Path, database_url: str) -> None:
    """No route fails on purpose, so the 500 is tried on the app object (as in test_headers)."""
    app = create_app(Settings.from_env(tmp_path / "data", database_url))

    @app.get("/boom")
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/boom")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "平台内部错误" in page.text and "a bug" not in page.text
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
