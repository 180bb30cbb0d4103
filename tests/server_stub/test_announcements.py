"""The national announcement form in this process: numbering, the follow-up's wording, the
files' text safety, China time, and the templates' escaping."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
import sqlalchemy as sa

from server_stub.api.html_errors import is_page
from server_stub.api.templates import china_time, render
from server_stub.core import tables as t
from server_stub.core.errors import NotFound
from server_stub.publication import announcements as a
from sync import Disposal, Outcome
from tests.conftest import PG_URL

UTC = dt.UTC
HOSTILE = "=cmd|'/c calc'!A1<script>x</script>"


def _plan(conn: sa.Connection, plan_id: str, *departments: str) -> None:
    conn.execute(t.plans.insert().values(
        id=plan_id, name=f"计划{plan_id}", spec={"departments": list(departments)}, commitment="c",
        seed="s", created_at=dt.datetime(2026, 1, 1, tzinfo=UTC)))


def _numbers(conn: sa.Connection) -> dict[str, tuple[str, int, int]]:
    rows = conn.execute(sa.select(t.announcements)).mappings()
    return {r["plan_id"]: (r["department"], r["year"], r["number"]) for r in rows}


def test_numbers_run_per_lead_department_and_china_year_and_never_change(engine: sa.Engine) -> None:
    late_2026 = dt.datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 in China
    new_year = dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in China
    with engine.begin() as conn:
        for plan_id, departments in (("P1", ["甲局"]), ("P2", ["甲局"]), ("P3", ["乙局", "甲局"]),
                                     ("P4", ["甲局"]), ("P5", ["甲局"])):
            _plan(conn, plan_id, *departments)
        a.number_plan(conn, "P1", late_2026)
        a.number_plan(conn, "P2", late_2026)
        a.number_plan(conn, "P3", late_2026)
        a.number_plan(conn, "P1", new_year)
        a.number_plan(conn, "P4", new_year)
        a.number_plan(conn, "P5", new_year + dt.timedelta(days=3))
        a.number_plan(conn, "P2", new_year + dt.timedelta(days=300))
        assert _numbers(conn) == {
            "P1": ("甲局", 2026, 1), "P2": ("甲局", 2026, 2),
            "P3": ("乙局", 2026, 1),  # a joint plan is its lead department's announcement
            "P4": ("甲局", 2027, 1), "P5": ("甲局", 2027, 2)}
        listed = a.list_announcements(conn)
    assert [(x["plan_id"], x["title"]) for x in listed] == [
        ("P5", "2027年度第002号抽查任务检查结果公告"), ("P4", "2027年度第001号抽查任务检查结果公告"),
        ("P2", "2026年度第002号抽查任务检查结果公告"), ("P3", "2026年度第001号抽查任务检查结果公告"),
        ("P1", "2026年度第001号抽查任务检查结果公告")]
    assert listed[1]["issued_on"] == "2027-01-01" and listed[0]["results"] == 0


def test_announcement_of_a_plan_without_one_is_404(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _plan(conn, "P1", "甲局")
        for plan_id in ("P1", "NOPE", "x" * 5000):
            with pytest.raises(NotFound) as refused:
                a.announcement(conn, plan_id)
            assert plan_id[:10] not in refused.value.message


@pytest.mark.parametrize(("disposal", "wording"), [
    ("立案", "发现问题已立案查处"), ("责令改正", "发现问题经责令已改正"),
    ("移送其他部门", "发现问题已移送相关部门处理"), ("其他", "发现问题已依法处理")])
def test_a_disposal_in_the_national_wording(disposal: str, wording: str) -> None:
    assert a.result_wording(Outcome.PROBLEM_PENDING, disposal) == wording
    assert a.result_wording(Outcome.PROBLEM_PENDING, None) == "发现问题待后续处理"
    assert a.remarks(Outcome.PROBLEM_PENDING, dt.date(2026, 3, 10)) == (
        "2026-03-10完成后续处置（原检查结果：发现问题待后续处理）")
    assert a.remarks(Outcome.PROBLEM_PENDING, None) == ""


def test_every_ledger_disposal_has_a_wording_and_other_outcomes_are_as_recorded() -> None:
    assert {a.result_wording("发现问题待后续处理", d.value) for d in Disposal} == {
        d.public_result for d in Disposal}
    for outcome in Outcome:
        if outcome is not Outcome.PROBLEM_PENDING:
            assert a.result_wording(outcome, None) == outcome.value


def _notice(*names: str) -> dict[str, object]:
    row = {key: "x" for key, _ in a.COLUMNS}
    return {"department": "甲局", "title": a.title(2026, 7), "plan_id": "P1", "year": 2026,
            "number": 7, "results": [{**row, "entity_name": name, "remarks": name} for name in names]}


FORMULAS = ["=1+1", "+86 631 1234", "-2", "@SUM(A1)", "\tx", "'=1", HOSTILE]


def test_the_files_hold_text_never_a_formula() -> None:
    notice = _notice(*FORMULAS)
    rows = list(csv.reader(io.StringIO(a.announcement_csv(notice).decode("utf-8-sig"), newline="")))
    assert rows[0] == [title for _, title in a.COLUMNS]
    assert [r[6] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    sheet = openpyxl.load_workbook(io.BytesIO(a.announcement_xlsx(notice))).active
    assert sheet is not None and sheet.title == "2026年度第007号抽查任务检查结果公告"
    cells = [(sheet.cell(n, 7).value, sheet.cell(n, 7).data_type) for n in range(2, 2 + len(FORMULAS))]
    assert cells == [(f, "s") for f in FORMULAS]
    assert a.file_name(notice, "csv") == "甲局2026年度第007号抽查任务检查结果公告.csv"


def test_control_characters_do_not_break_the_workbook() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(a.announcement_xlsx(_notice("名\x00称\x1b")))).active
    assert sheet is not None and sheet.cell(2, 7).value == "名\ufffd称\ufffd"


@pytest.mark.parametrize(("stored", "printed"), [
    ("2026-12-31T16:30:00+00:00", "2027-01-01 00:30（北京时间）"),
    (dt.datetime(2026, 3, 1, 2, 0), "2026-03-01 10:00（北京时间）"),  # SQLite's naive UTC
    ("2026-03-01T09:00:00+08:00", "2026-03-01 09:00（北京时间）"),
    (None, ""), ("", "")])
def test_times_print_in_china_time(stored: str | dt.datetime | None, printed: str) -> None:
    assert china_time(stored) == printed


def test_the_announcement_and_search_pages_escape_every_value() -> None:
    notice = {**_notice(HOSTILE), "plan_name": HOSTILE, "issued_on": "2026-01-01",
              "columns": [{"key": k, "title": v} for k, v in a.COLUMNS], "plan_id": "P 1/<x>"}
    page = render("announcement.html", notice=notice).body.decode()
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "/api/v1/public/announcements/P%201/%3Cx%3E?format=csv" in page
    enterprise = {"name": HOSTILE, "credit_code": "<b>", "results": [
        {"no": 1, "authority": HOSTILE, "kind": "双随机抽查", "date": "2026-03-02", "result": HOSTILE,
         "remarks": HOSTILE}]}
    page = render("search.html", q=HOSTILE, enterprises=[enterprise], limit=20).body.decode()
    assert "<script>" not in page and "统一社会信用代码 &lt;b&gt;" in page
    assert 'value="=cmd|&#39;/c calc&#39;!A1&lt;script&gt;' in page
    error = render("error.html", status=404, code=404, heading="页面不存在", message=HOSTILE)
    assert error.status_code == 404 and "<script>" not in error.body.decode()


@pytest.mark.parametrize(("path", "page"), [
    ("/", True), ("/nope", True), ("/announcements/P1", True), ("/v/abc", True),
    ("/api/v1/nope", False), ("/api/v1/public/announcements/P1", False), ("/openapi.json", False),
    ("/docs", False)])
def test_which_errors_are_pages(path: str, page: bool) -> None:
    assert is_page(path) is page


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason="needs ZSC_TEST_PG_URL (PostgreSQL)")
def test_concurrent_first_publications_get_distinct_numbers(engine: sa.Engine) -> None:
    """Eight plans of one department published at once, each in its own transaction on its own
    connection (as several server processes would): numbers 1 to 8, none twice."""
    moment = dt.datetime(2026, 5, 1, tzinfo=UTC)
    plans = [f"P{n}" for n in range(8)]
    with engine.begin() as conn:
        for plan_id in plans:
            _plan(conn, plan_id, "甲局")
    start = threading.Barrier(len(plans))

    def publish(plan_id: str) -> None:
        with engine.begin() as conn:
            start.wait()
            a.number_plan(conn, plan_id, moment)

    with ThreadPoolExecutor(len(plans)) as pool:
        list(pool.map(publish, plans))
    with engine.begin() as conn:
        numbers = _numbers(conn)
    assert sorted(n for _, _, n in numbers.values()) == list(range(1, 9))
