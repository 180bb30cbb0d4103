"""统计: the dashboard and its export, and the year on one screen (年度计划执行情况)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from server_stub.access import scope
from server_stub.api.deps import (
    ConnDep,
    Credentials,
    SettingsDep,
    SupervisorDep,
    device_bearer,
    get_engine,
)
from server_stub.api.errors import error_responses
from server_stub.api.query import QueryDate
from server_stub.core.clock import china_today
from server_stub.field.devices import authenticate
from server_stub.publication import aggregates, dashboard, year_overview
from server_stub.publication.exports import dashboard_csv, dashboard_xlsx
from sync import YearOverview

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


def _dashboard(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, engine: sa.Engine,
               plan_id: str | None, start: dt.date | None, end: dt.date | None) -> dashboard.Dashboard:
    aggregates.fold_now(engine)  # the deltas since the last view, in a short write of its own
    return dashboard.build(conn, supervisor.department, today=china_today(),
                           period=dashboard.Period(start, end),
                           plan_id=plan_id, thresholds=settings.warning_thresholds,
                           frequent_after=settings.frequent_visits)


PlanQuery = Annotated[str | None, Query(max_length=60)]
EngineDep = Annotated[sa.Engine, Depends(get_engine)]


@router.get("/stats/dashboard")
def stats(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, engine: EngineDep,
          plan_id: PlanQuery = None, start: QueryDate = None, end: QueryDate = None) -> dict[str, Any]:
    """Completion, publication and overdue figures, problem rates by industry, region and risk
    grade with four-colour warnings, and the share of plans using risk grades."""
    return _dashboard(settings, supervisor, conn, engine, plan_id, start, end).to_json()


@router.get("/stats/export", responses={200: {"content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, engine: EngineDep,
           plan_id: PlanQuery = None,
           start: QueryDate = None, end: QueryDate = None,
           format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The dashboard as CSV (UTF-8 with BOM) or Excel."""
    figures = _dashboard(settings, supervisor, conn, engine, plan_id, start, end)
    if format == "csv":
        return Response(dashboard_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=dashboard.csv"})
    return Response(dashboard_xlsx(figures),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=dashboard.xlsx"})


def office_departments(request: Request, bearer: Annotated[Credentials, Depends(device_bearer)],
                       conn: ConnDep) -> list[str] | None:
    """Whose figures the caller may read: None for the administrator's token (every
    department's), else the calling supervisor's department (401 without an enrolled device,
    403 ``supervisors_only`` for an inspector's). The schema names the device's scheme, the
    supervisor's way in; the administrator's token is taken in the same header (the CLI's
    ``year-overview`` is the administrator's usual way). Nothing is written, so no audit act."""
    token = bearer.credentials if bearer else None
    expected: str = request.app.state.admin_token
    if token is not None and secrets.compare_digest(token.encode(), expected.encode()):
        return None
    return [scope.require_supervisor(conn, authenticate(conn, token))]


OfficeDep = Annotated[list[str] | None, Depends(office_departments)]
Year = Annotated[int, Query(ge=2000, le=2100, description="计划起始日期所在年份（北京时间）")]


@router.get("/stats/year")
def year(departments: OfficeDep, conn: ConnDep, year: Year) -> YearOverview:
    """年度计划执行情况 (issue 26 point 8): per department (led or joined) and level, the plans of
    the year planned / confirmed / drawn / done / published, the risk-grade use rate against its
    60 % target, joint plans' share and the repeat visits avoided. The administrator gets every
    department's row, each level's and the total; a supervisor their own department's row only."""
    return year_overview.build(conn, year, departments=departments)
