"""上报材料 (issue 27 point 4): the monthly 工作简报 and the yearly 自查报告 as .docx or PDF.

A supervisor gets their own department's (naming another is 403 ``other_department``); the
administrator's token any department's, which it must name. Nothing is written (the 发文字号 is
derived, not counted), so no audit act."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from server_stub.api.deps import ConnDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.api.routes.stats import OfficeDep, Year
from server_stub.core.clock import china_today
from server_stub.core.errors import Invalid, NotAllowed
from server_stub.core.paths import FONTS_DIR
from server_stub.publication import reports
from server_stub.review.report_figures import gather

router = APIRouter(prefix="/api/v1", tags=["review"], responses=error_responses(401, 403, 422))

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Format = Literal["docx", "pdf"]
DepartmentQuery = Annotated[str | None, Query(max_length=100,
                                              description="部门名称：管理员必填；审核人只能是本部门，可省略")]
CONTENT: dict[int | str, dict[str, Any]] = {200: {"content": {DOCX: {}, "application/pdf": {}}}}


def _department(departments: list[str] | None, department: str | None) -> str:
    if departments is None:  # the administrator's token
        if not department:
            raise Invalid("department_required", "请指定部门（department）")
        return department
    own = departments[0]
    if department and department != own:
        raise NotAllowed("other_department", f"只能生成本部门（{own}）的上报材料")
    return own


def _answer(settings: SettingsDep, conn: ConnDep, department: str, kind: reports.Kind, year: int,
            month: int | None, format: Format) -> Response:
    figures = gather(conn, department, kind, year, month, today=china_today(),
                     thresholds=settings.warning_thresholds, due_days=settings.followup_due_days)
    document = reports.build(figures)
    if format == "docx":
        body, media = reports.to_docx(document), DOCX
    else:
        body, media = reports.to_pdf(document, FONTS_DIR), "application/pdf"
    name = f"{document.file_name}.{format}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=report.{format}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


@router.get("/reports/monthly", responses=CONTENT)
def monthly(settings: SettingsDep, departments: OfficeDep, conn: ConnDep, year: Year,
            month: Annotated[int, Query(ge=1, le=12)], department: DepartmentQuery = None,
            format: Format = "pdf") -> Response:
    """某月的工作简报（次月15日前报送）：计划执行、检查完成与公示、发现问题、后续处置、部门联合抽查，
    数字与统计页同一查询。"""
    return _answer(settings, conn, _department(departments, department), "monthly", year, month, format)


@router.get("/reports/yearly", responses=CONTENT)
def yearly(settings: SettingsDep, departments: OfficeDep, conn: ConnDep, year: Year,
           department: DepartmentQuery = None, format: Format = "pdf") -> Response:
    """某年度的自查报告（11月5日前报送）。"""
    return _answer(settings, conn, _department(departments, department), "yearly", year, None, format)
