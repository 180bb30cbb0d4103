"""统计: the department's dashboard for a plan and a period, and its CSV / Excel export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .. import strings as s
from ..domain.clock import today_in_china
from ..domain.reports import Due, next_brief, next_self_report, report_year
from ..domain.review import (
    PERIODS,
    custom_period,
    dashboard_filters,
    percent,
    period_range,
)
from ..services.supervisor import ExportFile, SupervisorService
from .base import RemoteModel

CUSTOM = "custom"


class DashboardModel(RemoteModel):
    def __init__(self, service: SupervisorService,
                 today: Callable[[], dt.date] = today_in_china) -> None:
        super().__init__()
        self.service = service
        self.today = today
        self.plan_id: str | None = None
        self.period = "all"
        """One of ``PERIODS``, or ``CUSTOM`` for the dates in ``custom``."""
        self.custom: tuple[dt.date, dt.date] | None = None
        self.figures: dict[str, Any] | None = None
        self.plans: list[tuple[str, str]] = []
        """(id, name) of every plan of the department, for the plan filter."""

    @property
    def dates(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last inspection day shown (``None``: open-ended)."""
        if self.period == CUSTOM and self.custom is not None:
            return self.custom
        return period_range(self.period, self.today())

    @property
    def filters(self) -> dict[str, str]:
        return dashboard_filters(self.plan_id, *self.dates)

    @property
    def custom_label(self) -> str:
        """The custom chip: its dates once chosen."""
        if self.period == CUSTOM and self.custom is not None:
            return s.STATS_CUSTOM_RANGE.format(start=self.custom[0].isoformat(), end=self.custom[1].isoformat())
        return s.STATS_CUSTOM

    async def load(self) -> None:
        async def read() -> None:
            self.figures = await self.service.dashboard(self.filters)
            if self.plan_id is None:  # every plan is listed only when none is chosen
                self.plans = [(p["plan_id"], p["name"]) for p in self.figures["plans"]]

        await self.fetching(read)

    async def choose_plan(self, plan_id: str | None) -> None:
        self.plan_id = plan_id or None
        await self.load()

    async def choose_period(self, period: str) -> None:
        if period not in PERIODS:
            raise ValueError(period)
        self.period = period
        await self.load()

    async def choose_dates(self, start: dt.date, end: dt.date) -> str | None:
        """Show the period picked; ``None`` when done, else the Chinese reason (nothing changed)."""
        try:
            self.custom = custom_period(start, end)
        except ValueError as e:
            return str(e)
        self.period = CUSTOM
        await self.load()
        return None

    async def export(self, fmt: str) -> ExportFile:
        """The figures as the platform exports them, named after today (``PlatformError``)."""
        exported = await self.service.export(self.filters, fmt)
        name = s.STATS_EXPORT_FILE.format(date=self.today().isoformat(), ext=fmt)
        return ExportFile(name, exported.data, exported.media_type)

    async def export_records(self) -> ExportFile:
        """Every record of the plan and period shown, one row each, as the platform exports
        them (``PlatformError``)."""
        exported = await self.service.records_export(self.filters)
        name = s.STATS_RECORDS_FILE.format(date=self.today().isoformat())
        return ExportFile(name, exported.data, exported.media_type)

    # --- 上报材料 ----------------------------------------------------------------------------

    def report_dues(self) -> list[str]:
        """When the next monthly brief and the next yearly self-report are due (China dates)."""
        today = self.today()
        brief, self_report = next_brief(today), next_self_report(today)

        def left(due: Due) -> str:
            return s.REPORTS_DUE_TODAY if due.days_left == 0 else s.REPORTS_DAYS_LEFT.format(days=due.days_left)

        return [
            s.REPORTS_BRIEF_DUE.format(year=brief.year, month=brief.month, due=_day(brief.due), left=left(brief)),
            s.REPORTS_SELF_DUE.format(year=self_report.year, due=_day(self_report.due), left=left(self_report)),
        ]

    def report_labels(self) -> tuple[str, str]:
        """The two reports the buttons make: the brief due next, and this year's self-report."""
        brief = next_brief(self.today())
        return (s.REPORTS_BRIEF.format(year=brief.year, month=brief.month),
                s.REPORTS_SELF.format(year=report_year(self.today())))

    async def report(self, kind: str, fmt: str) -> ExportFile:
        """The brief due next (``kind`` monthly) or this year's self-report (yearly), as ``pdf``
        or ``docx``, drawn by the platform from the same figures as this screen (``PlatformError``)."""
        if fmt not in ("pdf", "docx"):
            raise ValueError(fmt)
        if kind == "monthly":
            brief = next_brief(self.today())
            assert brief.month is not None
            name = s.REPORTS_BRIEF_FILE.format(year=brief.year, month=brief.month, ext=fmt)
            return await self.service.report("monthly", brief.year, brief.month, fmt, name)
        if kind == "yearly":
            year = report_year(self.today())
            return await self.service.report("yearly", year, None, fmt,
                                             s.REPORTS_SELF_FILE.format(year=year, ext=fmt))
        raise ValueError(kind)

    # --- what the screen shows ------------------------------------------------------------

    @property
    def empty(self) -> bool:
        return self.figures is None or self.figures["inspected"] == 0

    def summary(self) -> str:
        f = self.figures or {"inspected": 0, "problems": 0}
        return s.STATS_SUMMARY.format(inspected=f["inspected"], problems=f["problems"])

    def problem_rate(self) -> str:
        f = self.figures or {"inspected": 0, "problems": 0}
        rate = f["problems"] / f["inspected"] if f["inspected"] else None
        return s.STATS_PROBLEM_RATE.format(rate=percent(rate))

    def risk_use(self) -> str:
        assert self.figures is not None
        use = self.figures["risk_grade_use"]
        return s.STATS_RISK_USE_LINE.format(using=use["using"], plans=use["plans"],
                                            rate=percent(use["rate"]))

    def overdue_lines(self) -> list[tuple[str, list[str]]]:
        """Per inspection date with late or overdue publications: the heading and its counts;
        a provisional deadline (Monday–Friday, no holiday notice yet) is marked 暂定."""
        assert self.figures is not None
        lines = []
        for row in self.figures["overdue"]:
            deadline = row["deadline"] + (s.STATS_PROVISIONAL_MARK if row["provisional"] else "")
            counts = []
            if row["unpublished_overdue"]:
                counts.append(s.STATS_OVERDUE_OPEN.format(count=row["unpublished_overdue"]))
            if row["published_late"]:
                counts.append(s.STATS_OVERDUE_LATE.format(count=row["published_late"]))
            lines.append((s.STATS_OVERDUE_LINE.format(inspected=row["inspected"], deadline=deadline),
                          counts))
        return lines

    @property
    def provisional(self) -> bool:
        return bool(self.figures and self.figures["deadlines_provisional"])


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
