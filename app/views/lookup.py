"""信息查询: search the directory by name or credit code, page through, open one enterprise.

Online only, and it says so: offline the tab shows why nothing came back, never an empty list.
The credit code is checked character by character while it is typed (GB 32100), so a code with a
wrong check character is caught before it is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from .. import strings as s
from ..components import (
    InfoRow,
    Section,
    WarningBanner,
    empty_state,
    history_controls,
    update_if_shown,
)
from ..components.history import history_key
from ..domain.lookup import HistoryEntry
from ..viewmodels.lookup import EnterpriseModel, LookupModel

TOUCH = 48
"""The height of every tappable thing here: a thumb's size."""


class LookupTab(ft.Column):
    def __init__(self, model: LookupModel, open_enterprise: Callable[[str], None]) -> None:
        self.model = model
        self.open_enterprise = open_enterprise
        self.field = ft.TextField(
            label=s.LOOKUP_SEARCH, prefix_icon=ft.Icons.SEARCH, border_radius=12, expand=True,
            max_length=60, counter="", on_change=self._typed, on_submit=self._search)
        self.check = ft.Text("", size=13)
        self.button = ft.FilledButton(content=ft.Text(s.LOOKUP_SEARCH_BUTTON, size=16), height=TOUCH,
                                      on_click=self._search)
        self.body = ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        # Only the results scroll: the field stays on top whole. (Inside the scrolling column its
        # floating label, drawn over the top border, was cut by the scroll view's edge.)
        super().__init__(expand=True, spacing=10, controls=[
            ft.Container(ft.Row([self.field, self.button], vertical_alignment=ft.CrossAxisAlignment.START),
                         padding=ft.Padding.only(top=6)),
            self.check,
            ft.Column([self.body], expand=True, scroll=ft.ScrollMode.AUTO,
                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH)])
        model.subscribe(self.render)
        self.render(update=False)

    def _typed(self, e: ft.Event[ft.TextField]) -> None:
        self.model.type(e.control.value or "")

    async def _search(self, _: object = None) -> None:
        await self.model.search()

    def _page(self, page: int) -> Callable[[object], Any]:
        async def go(_: object) -> None:
            await self.model.search(page)
        return go

    def render(self, update: bool = True) -> None:
        m = self.model
        check = m.check
        if check.problem:
            self.check.value, self.check.color = check.problem, ft.Colors.ERROR
        elif check.complete:
            self.check.value, self.check.color = s.LOOKUP_CODE_OK, ft.Colors.GREEN_800
        elif check.is_code:
            self.check.value = s.LOOKUP_CODE_PARTIAL.format(count=len(m.query.strip()))
            self.check.color = ft.Colors.ON_SURFACE_VARIANT
        else:
            self.check.value = ""
        self.check.visible = bool(self.check.value)
        self.button.disabled = not m.can_search
        self.body.controls = self._body()
        if update:
            update_if_shown(self)

    def _body(self) -> list[ft.Control]:
        m = self.model
        if m.loading:
            return [ft.Row([ft.ProgressRing(width=22, height=22), ft.Text(s.LOOKUP_LOADING, size=14)])]
        if m.offline:
            return [empty_state(ft.Icons.CLOUD_OFF, s.LOOKUP_OFFLINE)]
        if m.error:
            return [ft.Text(m.error, size=14, color=ft.Colors.ERROR)]
        if not m.searched:
            return [ft.Text(s.LOOKUP_INTRO, size=14, color=ft.Colors.ON_SURFACE_VARIANT)]
        if not m.results:
            return [empty_state(ft.Icons.SEARCH_OFF, s.LOOKUP_NONE.format(query=m.searched))]
        narrow = [ft.Text(s.LOOKUP_NARROW, size=13, color=ft.Colors.ON_SURFACE_VARIANT)] if m.too_many else []
        return [*(self._card(e) for e in m.results), self._pager(), *narrow]

    def _card(self, enterprise: dict[str, Any]) -> ft.Control:
        return ft.Container(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=12,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), ink=True,
            on_click=lambda _, code=enterprise["credit_code"]: self.open_enterprise(code),
            content=ft.Column(spacing=4, controls=[
                ft.Text(enterprise["name"], size=16, weight=ft.FontWeight.W_600),
                ft.Text(f"{enterprise['credit_code']} · {enterprise['status']}", size=13,
                        color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(enterprise["address"], size=13, color=ft.Colors.ON_SURFACE_VARIANT,
                        max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            ]))

    def _pager(self) -> ft.Control:
        m = self.model
        return ft.Row(alignment=ft.MainAxisAlignment.SPACE_BETWEEN, controls=[
            ft.OutlinedButton(content=ft.Text(s.LOOKUP_PREVIOUS), height=TOUCH, disabled=m.page <= 1,
                              on_click=self._page(m.page - 1)),
            ft.Text(s.LOOKUP_PAGE.format(page=m.page), size=14),
            ft.OutlinedButton(content=ft.Text(s.LOOKUP_NEXT), height=TOUCH, disabled=not m.has_next,
                              on_click=self._page(m.page + 1)),
        ])


class EnterpriseView(ft.View):
    """One enterprise from the search: registered details, warnings and 检查历史, as the platform
    answered when it was opened."""

    def __init__(self, model: EnterpriseModel) -> None:
        today = dt.date.today()
        controls: list[ft.BaseControl]
        if model.enterprise is None:
            controls = [empty_state(ft.Icons.CLOUD_OFF, model.error or s.LOOKUP_OFFLINE)]
        else:
            e = model.enterprise
            warnings = model.warnings(today)
            controls = [
                Section(None, [
                    ft.Text(e["name"], size=21, weight=ft.FontWeight.BOLD),
                    *([WarningBanner(warnings, self._show_entry)] if warnings else []),
                    InfoRow(s.TASK_CREDIT_CODE, e["credit_code"], selectable=True),
                    InfoRow(s.LOOKUP_STATUS, e["status"]),
                    InfoRow(s.TASK_ADDRESS, e["address"], selectable=True),
                    InfoRow(s.TASK_REGION_INDUSTRY, f"{e['region']} / {e['industry']}"),
                ], spacing=10),
                Section(f"{s.HISTORY_TITLE}（{len(model.history)}）",
                        history_controls(model.history, warnings, today)),
            ]
        super().__init__(
            route=f"/lookup/{model.credit_code}", padding=14, scroll=ft.ScrollMode.AUTO,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.LOOKUP_DETAIL_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            controls=controls)

    def _show_entry(self, entry: HistoryEntry) -> None:
        self.page.run_task(self.scroll_to, scroll_key=history_key(entry), duration=300)
