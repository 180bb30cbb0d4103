"""统计: the department's figures for a plan and a period, as charts a phone shows at a glance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from .. import strings as s
from ..components import Section, update_if_shown
from ..components.charts import colour_legend, plan_chart, rate_chart, risk_use_chart
from ..components.date_button import DateButton
from ..domain.review import PERIODS
from ..services.supervisor import ExportFile, PlatformError
from ..viewmodels.dashboard import CUSTOM, DashboardModel
from .partners import ROUTE as PARTNERS_ROUTE
from .review_queue import error_banner, refresh_button
from .year_overview import ROUTE as YEAR_ROUTE

ALL = "__all__"
EARLIEST = dt.date(2000, 1, 1)
"""The first day a custom period may start on (the pickers need a first day)."""


def entry_row(key: str, icon: ft.IconData, title: str, hint: str,
              on_click: Callable[[object], Awaitable[None]]) -> ft.Control:
    """A screen opened from 统计: a whole row to tap, its meaning under its name."""
    return ft.Container(
        key=key, on_click=on_click, ink=True, border_radius=12,
        bgcolor=ft.Colors.SURFACE, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        content=ft.Row([
            ft.Icon(icon, color=ft.Colors.PRIMARY),
            ft.Column([ft.Text(title, size=15, weight=ft.FontWeight.W_600),
                       ft.Text(hint, size=12, color=ft.Colors.ON_SURFACE_VARIANT)],
                      spacing=2, expand=True),
            ft.Icon(ft.Icons.CHEVRON_RIGHT)], spacing=10))


class DashboardTab(ft.Column):
    def __init__(self, model: DashboardModel, save: Callable[[ExportFile], Awaitable[str]]) -> None:
        self.model = model
        self.save = save
        self.plan = ft.Dropdown(label=s.STATS_PLAN, value=ALL, dense=True, expand=True, border_radius=10,
                                options=[ft.DropdownOption(key=ALL, text=s.STATS_ALL_PLANS)],
                                on_select=self._choose_plan)
        self.periods = ft.Row(wrap=True, spacing=6, run_spacing=6)  # every period in reach, no sideways scroll
        self.status = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.body = ft.Column(spacing=12)
        self.export_message = ft.Text("", size=13, visible=False)
        self.report_message = ft.Text("", size=13, visible=False)
        self.year = entry_row("open-year", ft.Icons.CALENDAR_MONTH, s.YEAR_OPEN, s.YEAR_OPEN_HINT,
                              self._open_year)
        self.partners = entry_row("open-partners", ft.Icons.GROUPS, s.PARTNERS_OPEN, s.PARTNERS_OPEN_HINT,
                                  self._open_partners)
        super().__init__(expand=True, scroll=ft.ScrollMode.AUTO, spacing=10, controls=[
            ft.Container(self.year, padding=ft.Padding.only(top=8)),
            self.partners,
            ft.Container(ft.Row([self.plan, refresh_button(self._refresh)])),
            self.periods,
            self.body,
        ])
        model.subscribe(self.render)
        self.render(update=False)

    async def _refresh(self, _: object = None) -> None:
        await self.model.load()

    async def _open_year(self, _: object = None) -> None:
        await self.page.push_route(YEAR_ROUTE)

    async def _open_partners(self, _: object = None) -> None:
        await self.page.push_route(PARTNERS_ROUTE)

    async def _choose_plan(self, e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value
        await self.model.choose_plan(None if value in (None, ALL) else value)

    def _period(self, period: str) -> Callable[[ft.Event[ft.Chip]], Awaitable[None]]:
        async def choose(_: ft.Event[ft.Chip]) -> None:
            await self.model.choose_period(period)
        return choose

    def _custom_dialog(self, _: object) -> None:
        """Two dates picked on a calendar (the current ones, or this year so far, to begin with),
        checked on 确定. No day after today: nothing has been inspected there yet."""
        start_day, end_day = self.model.dates
        today = self.model.today()
        start = DateButton(s.STATS_CUSTOM_START, start_day or today.replace(month=1, day=1),
                           first=EARLIEST, last=today, today=today)
        end = DateButton(s.STATS_CUSTOM_END, end_day or today, first=EARLIEST, last=today, today=today)
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def apply(_: object) -> None:
            reason = await self.model.choose_dates(start.value, end.value)
            if reason is None:
                self.page.pop_dialog()
                return
            problem.value, problem.visible = reason, True
            problem.update()

        def cancel(_: object) -> None:
            self.page.pop_dialog()
            self.render()  # the chip a tap selected goes back to the period still shown

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.STATS_CUSTOM_TITLE),
            content=ft.Column([start, end, problem], tight=True, spacing=10, width=320),
            actions=[ft.TextButton(s.CANCEL, on_click=cancel), ft.FilledButton(s.CONFIRM, on_click=apply)]))

    def _exporter(self, fmt: str) -> Callable[[ft.Event[ft.OutlinedButton]], Awaitable[None]]:
        async def export(_: ft.Event[ft.OutlinedButton]) -> None:
            await self._export(fmt)
        return export

    async def _export_records(self, _: object) -> None:
        await self._export("records")

    async def _export(self, fmt: str) -> None:
        """``csv`` or ``xlsx`` of the figures, or ``records``: every record, one row each."""
        try:
            exported = await (self.model.export_records() if fmt == "records" else self.model.export(fmt))
            where = await self.save(exported)
        except PlatformError as e:
            self.export_message.value, self.export_message.color = str(e), ft.Colors.ERROR
        else:
            self.export_message.value, self.export_message.color = where, ft.Colors.GREEN_800
        self.export_message.visible = True
        update_if_shown(self.export_message)

    def render(self, update: bool = True) -> None:
        m = self.model
        self.plan.options = [ft.DropdownOption(key=ALL, text=s.STATS_ALL_PLANS)] + [
            ft.DropdownOption(key=pid, text=name) for pid, name in m.plans]
        self.plan.value = m.plan_id or ALL
        self.periods.controls = [
            *(ft.Chip(label=ft.Text(s.STATS_PERIODS[p]), selected=m.period == p, on_select=self._period(p),
                      show_checkmark=False, tooltip=s.STATS_PERIOD) for p in PERIODS),
            ft.Chip(label=ft.Text(m.custom_label), selected=m.period == CUSTOM, show_checkmark=False,
                    tooltip=s.STATS_CUSTOM_TITLE, on_select=self._custom_dialog)]
        controls: list[ft.Control] = []
        if m.error:
            controls.append(error_banner(m.error))
        if m.loading and m.figures is None:
            controls.append(ft.Row([ft.ProgressRing(width=20, height=20), ft.Text(s.LOADING)]))
        if m.figures is not None:
            controls += self._figures(m.figures)
        self.body.controls = controls
        if update:
            update_if_shown(self)

    def _figures(self, f: dict[str, Any]) -> list[ft.Control]:
        m = self.model
        headline = Section(None, [
            ft.Text(m.summary(), size=17, weight=ft.FontWeight.W_600),
            ft.Text(m.problem_rate(), size=15, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=4)
        sections: list[ft.Control] = [headline]
        if f["plans"]:
            sections.append(Section(s.STATS_PLANS, [plan_chart(f["plans"])]))
        if m.empty:
            sections.append(Section(None, [ft.Text(s.STATS_NO_DATA, size=15)]))
        else:
            sections += [
                Section(s.STATS_BY_INDUSTRY, [colour_legend(), rate_chart(f["by_industry"])]),
                Section(s.STATS_BY_REGION, [rate_chart(f["by_region"])]),
                Section(s.STATS_BY_GRADE, [rate_chart(sorted(f["by_grade"], key=lambda r: r["key"]),
                                                          short_labels=True)]),
            ]
        sections.append(Section(s.STATS_RISK_USE, [risk_use_chart(f["risk_grade_use"])]))
        sections.append(Section(s.STATS_OVERDUE, self._overdue()))
        sections.append(Section(s.STATS_FREQUENT.format(after=f["frequent_after"]), self._frequent(f)))
        sections.append(Section(None, [
            ft.Row([ft.OutlinedButton(content=ft.Text(s.STATS_EXPORT_XLSX), icon=ft.Icons.TABLE_VIEW,
                                      height=48, expand=True, on_click=self._exporter("xlsx")),
                    ft.OutlinedButton(content=ft.Text(s.STATS_EXPORT_CSV), icon=ft.Icons.DOWNLOAD,
                                      height=48, expand=True, on_click=self._exporter("csv"))],
                   spacing=10),
            ft.Row([ft.OutlinedButton(content=ft.Text(s.STATS_EXPORT_RECORDS), icon=ft.Icons.LIST_ALT,
                                      height=48, expand=True, on_click=self._export_records)]),
            ft.Text(s.STATS_EXPORT_RECORDS_HINT, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            self.export_message,
        ]))
        sections.append(self._reports())
        sections.append(ft.Container(height=8))
        return sections

    def _reports(self) -> ft.Control:
        """上报材料: when the next brief and self-report are due, and a PDF / Word button for each."""
        brief, self_report = self.model.report_labels()

        def row(label: str, kind: str) -> ft.Control:
            return ft.Column([
                ft.Text(label, size=15, weight=ft.FontWeight.W_600),
                ft.Row([ft.OutlinedButton(content=ft.Text(s.REPORTS_PDF), icon=ft.Icons.PICTURE_AS_PDF,
                                          height=48, expand=True, key=f"report-{kind}-pdf",
                                          on_click=self._reporter(kind, "pdf")),
                        ft.OutlinedButton(content=ft.Text(s.REPORTS_DOCX), icon=ft.Icons.DESCRIPTION,
                                          height=48, expand=True, key=f"report-{kind}-docx",
                                          on_click=self._reporter(kind, "docx"))], spacing=10)],
                spacing=6)

        return Section(s.REPORTS_TITLE, [
            *(ft.Text(line, size=13, color=ft.Colors.ON_SURFACE_VARIANT) for line in self.model.report_dues()),
            row(brief, "monthly"), row(self_report, "yearly"),
            ft.Text(s.REPORTS_HINT, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            self.report_message,
        ])

    def _reporter(self, kind: str, fmt: str) -> Callable[[ft.Event[ft.OutlinedButton]], Awaitable[None]]:
        async def report(_: ft.Event[ft.OutlinedButton]) -> None:
            try:
                where = await self.save(await self.model.report(kind, fmt))
            except PlatformError as e:
                self.report_message.value, self.report_message.color = str(e), ft.Colors.ERROR
            else:
                self.report_message.value, self.report_message.color = where, ft.Colors.GREEN_800
            self.report_message.visible = True
            update_if_shown(self.report_message)
        return report

    def _frequent(self, f: dict[str, Any]) -> list[ft.Control]:
        """Enterprises inspected more often this year than the warning threshold, most first."""
        if not f["frequent"]:
            return [ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE_OUTLINE, size=18, color=ft.Colors.GREEN_700),
                            ft.Text(s.STATS_FREQUENT_NONE, size=14)], spacing=6)]
        return [ft.Container(
            padding=ft.Padding.symmetric(vertical=6),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
            content=ft.Column([
                ft.Text(v["name"], size=14, weight=ft.FontWeight.W_600),
                ft.Text(s.STATS_FREQUENT_LINE.format(count=v["inspections"],
                                                     departments="、".join(v["departments"])),
                        size=13, color=ft.Colors.DEEP_ORANGE_900),
            ], spacing=2)) for v in f["frequent"]]

    def _overdue(self) -> list[ft.Control]:
        m = self.model
        controls: list[ft.Control] = []
        if m.provisional:
            controls.append(ft.Container(
                bgcolor=ft.Colors.AMBER_50, border_radius=10, padding=10,
                content=ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, size=18, color=ft.Colors.BROWN_800),
                                ft.Text(s.STATS_PROVISIONAL, size=13, color=ft.Colors.BROWN_900, expand=True)],
                               spacing=6)))
        lines = m.overdue_lines()
        if not lines:
            controls.append(ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE_OUTLINE, size=18, color=ft.Colors.GREEN_700),
                                    ft.Text(s.STATS_OVERDUE_NONE, size=14)], spacing=6))
        for heading, counts in lines:
            controls.append(ft.Container(
                padding=ft.Padding.symmetric(vertical=6),
                border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
                content=ft.Column([
                    ft.Text(heading, size=14, weight=ft.FontWeight.W_600),
                    ft.Text("　".join(counts), size=14, color=ft.Colors.RED_800),
                ], spacing=2)))
        return controls
