"""统计: the dashboard and its export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from server_stub.api.deps import ConnDep, SettingsDep, SupervisorDep
from server_stub.api.errors import error_responses
from server_stub.api.query import QueryDate
from server_stub.core.clock import china_today
from server_stub.publication import dashboard
from server_stub.publication.exports import dashboard_csv, dashboard_xlsx

router = APIRouter(prefix="/api/v1", tags=["review"],
                   responses=error_responses(401, 403))


def _dashboard(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, plan_id: str | None,
               start: dt.date | None, end: dt.date | None) -> dashboard.Dashboard:
    return dashboard.build(conn, supervisor.department, today=china_today(),
                           period=dashboard.Period(start, end),
                           plan_id=plan_id, thresholds=settings.warning_thresholds,
                           frequent_after=settings.frequent_visits)


PlanQuery = Annotated[str | None, Query(max_length=60)]


@router.get("/stats/dashboard")
def stats(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, plan_id: PlanQuery = None,
          start: QueryDate = None, end: QueryDate = None) -> dict[str, Any]:
    """Completion, publication and overdue figures, problem rates by industry, region and risk
    grade with four-colour warnings, and the share of plans using risk grades."""
    return _dashboard(settings, supervisor, conn, plan_id, start, end).to_json()


@router.get("/stats/export", responses={200: {"content": {
    "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def export(settings: SettingsDep, supervisor: SupervisorDep, conn: ConnDep, plan_id: PlanQuery = None,
           start: QueryDate = None, end: QueryDate = None,
           format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The dashboard as CSV (UTF-8 with BOM) or Excel."""
    figures = _dashboard(settings, supervisor, conn, plan_id, start, end)
    if format == "csv":
        return Response(dashboard_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=dashboard.csv"})
    return Response(dashboard_xlsx(figures),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=dashboard.xlsx"})
