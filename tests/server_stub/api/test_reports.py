"""上报材料 over the API (issue 27 point 4): a supervisor downloads their own department's monthly
brief and yearly self-report (PDF or .docx); another department's is refused, and so are an
inspector's device and the public; the administrator names the department."""

from __future__ import annotations

import io
from urllib.parse import unquote

import httpx
from docx import Document

from server_stub.directory.demo import SAMR
from tests.conftest import Server
from tests.server_stub.api.test_year_overview import SAFETY, supervisor, year  # noqa: F401 - fixture
from tests.utils.phone import Phone, admin_client, busiest_inspector


def test_a_supervisor_downloads_their_departments_reports(shared_app_server: Server, year: int) -> None:  # noqa: F811
    with supervisor(shared_app_server, SAMR) as own:
        pdf = own.get("/api/v1/reports/monthly", params={"year": year, "month": 11})
        docx = own.get("/api/v1/reports/yearly", params={"year": year, "format": "docx",
                                                         "department": SAMR})
        other = own.get("/api/v1/reports/monthly", params={"year": year, "month": 11,
                                                           "department": SAFETY})
        bad_month = own.get("/api/v1/reports/monthly", params={"year": year, "month": 13})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert unquote(pdf.headers["content-disposition"]).endswith(f"工作简报-{year}-11.pdf")
    assert docx.status_code == 200, docx.text
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert f"威市监双随机自查〔{year}〕1号" in text and f"{SAMR}关于{year}年度" in text
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_department"
    assert bad_month.status_code in (400, 422)


def test_the_administrator_names_the_department(shared_app_server: Server, year: int) -> None:  # noqa: F811
    with admin_client(shared_app_server) as admin:
        named = admin.get("/api/v1/reports/monthly",
                          params={"year": year, "month": 11, "department": SAFETY, "format": "docx"})
        unnamed = admin.get("/api/v1/reports/yearly", params={"year": year})
    assert named.status_code == 200, named.text
    assert "威市应急双随机简" in "\n".join(p.text for p in Document(io.BytesIO(named.content)).paragraphs)
    assert unnamed.status_code == 422 and unnamed.json()["error"]["code"] == "department_required"


def test_an_inspector_and_the_public_are_refused(shared_app_server: Server, year: int) -> None:  # noqa: F811
    url = f"{shared_app_server.url}/api/v1/reports/yearly"
    assert httpx.get(url, params={"year": year}).status_code == 401
    with Phone(shared_app_server, busiest_inspector(shared_app_server)).enroll().client as inspector:
        refused = inspector.get("/api/v1/reports/yearly", params={"year": year})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "supervisors_only"
