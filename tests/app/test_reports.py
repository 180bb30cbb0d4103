"""上报材料 on the supervisor's 统计 (issue 27 point 4): which brief and self-report come next and by
when (China dates, calendar days), the buttons on the dashboard, and the model fetching the PDF
and the Word file from a real platform."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest
from docx import Document

from app import strings as s
from app.domain.reports import next_brief, next_self_report
from app.services.supervisor import ExportFile, PlatformError, SupervisorService
from app.viewmodels.dashboard import DashboardModel
from app.views.dashboard import DashboardTab
from server_stub.directory.demo import SAMR
from tests.app.test_supervisor import app_enrolment
from tests.app.test_year_overview import offline, texts
from tests.conftest import Server
from tests.server_stub.api.test_review import other_inspector
from tests.utils.phone import Phone


@pytest.mark.parametrize(("today", "brief", "due"), [
    (dt.date(2026, 12, 6), (2026, 11), dt.date(2026, 12, 15)),
    (dt.date(2026, 12, 15), (2026, 11), dt.date(2026, 12, 15)),
    (dt.date(2026, 12, 16), (2026, 12), dt.date(2027, 1, 15)),
    (dt.date(2027, 1, 3), (2026, 12), dt.date(2027, 1, 15)),
])
def test_the_next_brief(today: dt.date, brief: tuple[int, int], due: dt.date) -> None:
    answer = next_brief(today)
    assert (answer.year, answer.month, answer.due) == (*brief, due)
    assert answer.days_left == (due - today).days


def test_the_next_self_report() -> None:
    assert next_self_report(dt.date(2026, 11, 5)).due == dt.date(2026, 11, 5)
    assert next_self_report(dt.date(2026, 11, 5)).days_left == 0
    assert next_self_report(dt.date(2026, 11, 6)).due == dt.date(2027, 11, 5)


def test_the_dashboard_says_when_and_offers_the_buttons() -> None:
    model = DashboardModel(offline(), today=lambda: dt.date(2026, 12, 6))
    assert model.report_dues() == [
        s.REPORTS_BRIEF_DUE.format(year=2026, month=11, due="2026年12月15日", left="还有 9 天"),
        s.REPORTS_SELF_DUE.format(year=2027, due="2027年11月5日", left="还有 334 天")]
    assert model.report_labels() == ("2026年11月工作简报", "2026年度自查报告")
    model.figures = {"plans": [], "inspected": 0, "problems": 0, "by_industry": [], "by_region": [],
                     "by_grade": [], "risk_grade_use": {"plans": 0, "using": 0, "rate": None,
                                                        "meets_target": False},
                     "overdue": [], "deadlines_provisional": False, "frequent": [], "frequent_after": 2}
    saved: list[ExportFile] = []

    async def save(exported: ExportFile) -> str:
        saved.append(exported)
        return "saved"

    tab = DashboardTab(model, save=save)
    shown = texts(tab)
    assert s.REPORTS_TITLE in shown and "2026年11月工作简报" in shown and model.report_dues()[0] in shown
    with pytest.raises(PlatformError):  # the platform is not there: said, never a crash
        asyncio.run(model.report("monthly", "pdf"))
    with pytest.raises(ValueError):
        asyncio.run(model.report("weekly", "pdf"))


@pytest.fixture
def server(app_server: Server) -> Server:
    return app_server


def test_the_model_fetches_the_reports(server: Server) -> None:
    phone = Phone(server, other_inspector(server, SAMR, set())).enroll("supervisor")
    service = SupervisorService(app_enrolment(server, phone, "supervisor"), timeout=30)
    model = DashboardModel(service, today=lambda: dt.date(2026, 12, 6))
    pdf = asyncio.run(model.report("monthly", "pdf"))
    assert pdf.name == "工作简报_2026-11.pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.media_type == "application/pdf"
    docx = asyncio.run(model.report("yearly", "docx"))
    assert docx.name == "自查报告_2026.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "威市监双随机自查〔2026〕1号" in text
