"""The reports the office sends up (issue 27 point 4): the monthly 工作简报 and the yearly 自查报告.

A crafted November: a single and a joint plan drawn, results inspected in October and November
(some finding problems, some published), follow-ups closed in November and one left open; the
numbers the documents print are read back from the .docx and compared with the dashboard's, the
year overview's and the ledger's answers for the same period. Then the layout (GB/T 9704: title,
发文字号, 仿宋 body, tables, page numbers) and the PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from server_stub.cli import cli
from server_stub.core import tables as t
from server_stub.core.paths import FONTS_DIR
from server_stub.directory import queries
from server_stub.directory.demo import SAMR
from server_stub.draws import planning
from server_stub.publication import dashboard, reports
from server_stub.publication import year_overview as yo
from server_stub.review import followups
from server_stub.review.report_figures import gather
from sync import Department, DepartmentLevel, Outcome, Plan, RecordState
from tests.utils.actors import TESTER
from tests.utils.ceremony import freeze_and_draw

SAFETY = "威海市应急管理局"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 6)
_seq = itertools.count(1)


def plan(plan_id: str, departments: tuple[str, ...], items: tuple[str, ...], ratios: dict[str, str]) -> Plan:
    start = dt.date(2026, 3, 1)
    return Plan(id=plan_id, name=f"计划{plan_id}", departments=departments, items=items, ratios=ratios,
                team_size=2, window_start=start, window_end=dt.date(2026, 12, 31))


def result(conn: sa.Connection, task_id: str, state: RecordState, outcome: Outcome, inspected: dt.date,
           *, industry: str = "餐饮服务", region: str = "环翠区") -> str:
    task = conn.execute(sa.select(t.tasks).where(t.tasks.c.id == task_id)).mappings().one()
    inspector = conn.execute(sa.select(t.inspectors.c.id).limit(1)).scalar_one()
    device = "report-fixture"
    if conn.execute(sa.select(t.devices.c.id).where(t.devices.c.id == device)).first() is None:
        conn.execute(t.devices.insert().values(
            id=device, inspector_id=inspector, role="inspector", name="fixture", public_key="A" * 43,
            token_hash=hashlib.sha256(device.encode()).hexdigest(), enrolled_at=NOW))
    record_id = str(uuid.uuid4())
    at = dt.datetime.combine(inspected, dt.time(2), tzinfo=dt.UTC)
    conn.execute(t.records.insert().values(
        id=record_id, hash=hashlib.sha256(record_id.encode()).hexdigest(), device_id=device,
        seq=next(_seq), inspector_id=inspector, task_id=task_id, credit_code=task["credit_code"],
        outcome=outcome.value, finished_at=at, state=state.value, envelope="{}", received_at=at,
        superseded=False, plan_id=task["plan_id"], industry=industry, region=region, risk_grade="D",
        draw_order=task["draw_order"], inspected_on=inspected,
        published_on=inspected + dt.timedelta(days=3) if state == RecordState.PUBLISHED else None))
    return record_id


def close(conn: sa.Connection, record_id: str, disposal: str, day: dt.date) -> None:
    conn.execute(t.followups.insert().values(record_id=record_id, disposal=disposal, disposal_date=day,
                                             note="", closed_by="tester", closed_at=NOW))


def task_ids(conn: sa.Connection, plan_id: str) -> list[str]:
    return list(conn.execute(sa.select(t.tasks.c.id).where(t.tasks.c.plan_id == plan_id)
                             .order_by(t.tasks.c.id)).scalars())


@pytest.fixture
def crafted(engine: sa.Engine) -> sa.Engine:
    """Results of P1 (the market bureau alone) and J1 (joint with 应急管理局) in October and
    November 2026; three problems to follow up, two closed in November."""
    with engine.begin() as conn:
        queries.save_departments(conn, departments=[
            Department(SAMR, DepartmentLevel.CITY, "威海市"),
            Department(SAFETY, DepartmentLevel.CITY, "威海市")], actor=TESTER)
        planning.create_plan(conn, plan("P1", (SAMR,), ("SC-QYGS-01",), {"A": "1", "D": "30"}),
                             now=NOW, actor=TESTER, kind="双随机抽查")
        planning.create_plan(conn, plan("J1", (SAMR, SAFETY), ("SC-QYGS-01", "YJ-AQSC-01"), {"D": "10"}),
                             now=NOW, actor=TESTER, kind="双随机抽查")
        p = t.plan_partners
        conn.execute(p.update().where(p.c.plan_id == "J1").values(
            state="confirmed", answered_at=NOW, answered_by="tester"))
        # The joint plan first: a plan's population leaves out what a draw took in the days before
        # it, so J1 drawn after P1 drew one task instead of two when P1's (random) 25 took a D
        # entity of the joint population (one run in twelve).
        freeze_and_draw(conn, "J1", now=NOW)
        freeze_and_draw(conn, "P1", now=NOW + dt.timedelta(days=1))
        p1, j1 = task_ids(conn, "P1"), task_ids(conn, "J1")
        assert len(p1) >= 8 and len(j1) >= 2
        nov, oct_ = dt.date(2026, 11, 3), dt.date(2026, 10, 20)
        result(conn, p1[0], RecordState.PUBLISHED, Outcome.NO_PROBLEM, nov)
        result(conn, p1[1], RecordState.PUBLISHED, Outcome.PROBLEM_CORRECTED, nov, industry="食品销售")
        pending = [result(conn, p1[2], RecordState.APPROVED, Outcome.PROBLEM_PENDING, nov),
                   result(conn, p1[3], RecordState.SUBMITTED, Outcome.PROBLEM_PENDING, dt.date(2026, 11, 28),
                          region="文登区"),
                   result(conn, j1[0], RecordState.PUBLISHED, Outcome.PROBLEM_PENDING, oct_)]
        result(conn, p1[4], RecordState.SUBMITTED, Outcome.NO_PROBLEM, dt.date(2026, 11, 30), region="文登区")
        result(conn, j1[1], RecordState.APPROVED, Outcome.NO_PROBLEM, nov)  # overdue: not published
        result(conn, p1[5], RecordState.PUBLISHED, Outcome.NO_PROBLEM, oct_)
        result(conn, p1[6], RecordState.PUBLISHED, Outcome.NO_PROBLEM, dt.date(2026, 12, 1))
        close(conn, pending[0], "责令改正", dt.date(2026, 11, 10))
        close(conn, pending[2], "立案", dt.date(2026, 11, 12))
    return engine


def cells(docx: bytes) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in table.rows] for table in Document(io.BytesIO(docx)).tables]


def text_of(docx: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)


def test_the_briefs_numbers_are_the_dashboards(crafted: sa.Engine) -> None:
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    with crafted.connect() as conn:
        figures = gather(conn, SAMR, "monthly", 2026, 11, today=TODAY)
        board = dashboard.build(conn, SAMR, today=TODAY, period=dashboard.Period(start, end))
        row = yo.build(conn, 2026, departments=[SAMR])["rows"][0]
        ledger = followups.ledger(conn, SAMR, today=TODAY)
    document = reports.monthly_brief(figures)
    docx = reports.to_docx(document)
    year_table, plans_table, problems_table, dispositions_table = cells(docx)

    # the year's plans: the year overview's row for the department
    assert year_table[1][:5] == [str(row[k]) for k in ("planned", "confirmed", "drawn", "done", "published")]
    assert year_table[1][5] == f"{row['joint']}（已确认{row['joint_confirmed']}）" == "1（已确认1）"
    assert (row["planned"], row["drawn"]) == (2, 2)
    # completion: the dashboard's plans over November
    dash_plans = {p.name: p for p in board.plans}
    for name, tasks, done, published, _rate in plans_table[1:-1]:
        p = dash_plans[name]
        assert (tasks, done, published) == (str(p.tasks), str(p.completed), str(p.published))
    assert plans_table[-1][2] == str(board.inspected) == "6", "6 results inspected in November"
    assert plans_table[-1][3] == str(sum(p.published for p in board.plans)) == "2"
    # problems found: the dashboard's industries over November
    by_industry = {g.key: g for g in board.by_industry}
    for industry, inspected, problems, rate, colour in problems_table[1:-1]:
        g = by_industry[industry]
        assert (inspected, problems, rate) == (str(g.inspected), str(g.problems), reports.percent(g.rate))
        assert colour == (g.colour.value if g.colour else "—")
    assert problems_table[-1][1:3] == [str(board.inspected), str(board.problems)] == ["6", "3"]
    # dispositions: the ledger's entries closed in November, and what is still open
    closed = [e for e in ledger if e["disposal_date"] and "2026-11-01" <= e["disposal_date"] <= "2026-11-30"]
    assert {k: int(n) for k, n in dispositions_table[1:-1]} == {"责令改正": 1, "立案": 1}
    assert dispositions_table[-1] == ["合计", str(len(closed))]
    body = text_of(docx)
    assert f"尚未处置{sum(e['open'] for e in ledger)}件" in body and "尚未处置1件" in body
    assert "本月检查发现问题待后续处理2户次" in body, "two of the three pending results are of November"
    # joint plans and overdue publications, in the text
    assert f"减少重复检查{row['joint_visits_saved']}户次" in body and row["joint_visits_saved"] > 0
    overdue = sum(o.unpublished_overdue for o in board.overdue)
    assert f"仍未公示的{overdue}户次" in body and overdue >= 1


def test_the_yearly_report_covers_the_year(crafted: sa.Engine) -> None:
    with crafted.connect() as conn:
        figures = gather(conn, SAMR, "yearly", 2026, today=TODAY)
        board = dashboard.build(conn, SAMR, today=TODAY,
                                period=dashboard.Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    docx = reports.to_docx(reports.yearly_report(figures))
    tables = cells(docx)
    assert len(tables) == 5
    assert tables[1][-1][2] == str(board.inspected) == "9"
    regions = {r[0]: r[1:3] for r in tables[3][1:-1]}
    assert regions == {g.key: [str(g.inspected), str(g.problems)] for g in board.by_region}
    assert tables[3][-1][:3] == ["合计", str(board.inspected), str(board.problems)]
    # every plan of the year is listed, done or not (a self-report does not leave one out)
    listed = {row[0] for row in tables[1][1:-1]}
    assert listed == {p.name for p in board.plans}, listed
    assert tables[4][-1] == ["合计", "2"]
    assert "自查〔2026〕1号" in text_of(docx)


def test_the_docx_is_laid_out_as_an_official_document(crafted: sa.Engine) -> None:
    with crafted.connect() as conn:
        document = reports.monthly_brief(gather(conn, SAMR, "monthly", 2026, 11, today=TODAY))
    assert document.number == "威市监双随机简〔2026〕11号"
    doc = Document(io.BytesIO(reports.to_docx(document)))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    paragraphs = {p.text: p for p in doc.paragraphs}
    title = paragraphs["威海市市场监督管理局2026年11月\n“双随机、一公开”监管工作简报"]
    assert title.runs[0].font.size == Pt(22) and title.alignment == 1  # centred
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert "威市监双随机简〔2026〕11号" in paragraphs
    body = next(p for p in doc.paragraphs if p.text.startswith("现将本部门"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")).startswith("仿宋")
    assert body.runs[0].font.size == Pt(16) and body.paragraph_format.first_line_indent == Pt(32)
    assert 28 <= doc.styles["Normal"].paragraph_format.line_spacing.pt <= 29
    assert "2026年12月6日" in paragraphs and "威海市市场监督管理局" in paragraphs
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in section.footer.paragraphs[0].text
    assert len(doc.tables) == 4 and doc.tables[1].rows[0].cells[0].text == "抽查计划"
    # the tables are numbered in the order they are printed (LibreOffice's rendering showed 表2 first)
    captions = [p.text for p in doc.paragraphs if p.text.startswith("表")]
    assert captions == ["表1　本年度抽查计划执行情况", "表2　抽查计划完成情况", "表3　分行业发现问题情况",
                        "表4　本月登记处置情况"]


def test_the_pdf_has_the_pages_and_the_font(crafted: sa.Engine, tmp_path: Path) -> None:
    with crafted.connect() as conn:
        document = reports.yearly_report(gather(conn, SAMR, "yearly", 2026, today=TODAY))
    pdf = reports.to_pdf(document, FONTS_DIR)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 2
    assert b"ZSCSans" in pdf, "the bundled font is embedded"


@pytest.mark.parametrize(("department", "code"), [
    ("威海市市场监督管理局", "威市监"), ("环翠区市场监督管理局", "环区监"), ("威海市生态环境局", "威市环"),
    ("威海市商务局", "威市商务"), ("领导小组", "领导小组")])
def test_issuer_code(department: str, code: str) -> None:
    assert reports.issuer_code(department) == code


def test_due_dates() -> None:
    assert reports.monthly_due(2026, 11) == dt.date(2026, 12, 15)
    assert reports.monthly_due(2026, 12) == dt.date(2027, 1, 15)
    assert reports.yearly_due(2026) == dt.date(2026, 11, 5)
    assert reports.chinese_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert reports.percent(None) == "—" and reports.percent(0.5) == "50%"


def test_the_command_writes_both_formats(crafted: sa.Engine, database_url: str, tmp_path: Path) -> None:
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"brief.{fmt}"
        printed = CliRunner().invoke(cli, [
            "report", "monthly", "--year", "2026", "--month", "11", "--department", SAMR,
            "--data", str(tmp_path), "--db", database_url, str(out)], catch_exceptions=False)
        assert printed.exit_code == 0, printed.output
        assert out.read_bytes()[:4] == (b"PK\x03\x04" if fmt == "docx" else b"%PDF")
    printed = CliRunner().invoke(cli, [
        "report", "yearly", "--year", "2026", "--department", SAMR, "--data", str(tmp_path),
        "--db", database_url, str(tmp_path / "self.docx")], catch_exceptions=False)
    assert printed.exit_code == 0, printed.output
    assert "自查〔2026〕1号" in text_of((tmp_path / "self.docx").read_bytes())


def test_lines_break_as_chinese_typesetting_does() -> None:
    def width(text: str) -> float:
        return float(len(text))

    lines = reports.wrap("共完成检查30户次、发现问题3户次。", 8, width)
    assert "".join(lines) == "共完成检查30户次、发现问题3户次。"
    assert all(len(line) <= 9 for line in lines)
    assert not any(line[0] in reports.NO_LINE_START for line in lines[1:]), lines
    assert reports.wrap("检查了12345户", 6, width) == ["检查了", "12345户"], "a number is never cut"
    assert reports.title_lines("威海市市场监督管理局2026年11月“双随机、一公开”监管工作简报",
                               lambda t: len(t) <= 20) == [
        "威海市市场监督管理局2026年11月", "“双随机、一公开”监管工作简报"]
    assert reports.title_lines("短标题", lambda t: len(t) <= 20) == ["短标题"]


def test_a_report_lists_the_plans_running_in_its_period_done_or_not(crafted: sa.Engine) -> None:
    """A plan whose window overlaps the month is listed even with nothing done in it (leaving it
    out would hide a plan not carried out); one outside the month is not."""
    with crafted.connect() as conn:
        december = gather(conn, SAMR, "monthly", 2026, 12, today=TODAY)
        february = gather(conn, SAMR, "monthly", 2026, 2, today=TODAY)
    assert {p.name for p in december.plans} == {"计划P1", "计划J1"}
    assert {p.name for p in december.plans if p.completed} < {"计划P1", "计划J1"}, "one has nothing done in it"
    assert february.plans == [], "the plans begin in March"
