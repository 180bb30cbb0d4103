"""A supervisor's (审核人) root: 审核 / 统计 / 台账 / 本机 behind a bottom navigation bar.

An inspector's device never builds this view: the router picks the root by the enrolment's
role, and the platform refuses an inspector's token on every call these tabs make.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import flet as ft

from .. import strings as s
from ..components import TabBody
from ..services.supervisor import ExportFile
from ..state import SupervisorSession
from .dashboard import DashboardTab
from .ledger import LedgerTab
from .review_queue import ReviewTab
from .shell import device_tab

TITLES = (s.REVIEW_TITLE, s.STATS_TITLE, s.LEDGER_TITLE, s.DEVICE_TITLE)


class SupervisorShellView(ft.View):
    def __init__(self, session: SupervisorSession, open_record: Callable[[str], object],
                 save: Callable[[ExportFile], Awaitable[str]],
                 sign_out: Callable[[], Awaitable[None]],
                 open_ledger_record: Callable[[str], object],
                 open_partners: Callable[[], object]) -> None:
        self.session = session
        self.body = TabBody([
            lambda: ReviewTab(session.queue, open_record, session.partners, open_partners),
            lambda: DashboardTab(session.dashboard, save),
            lambda: LedgerTab(session.ledger, open_ledger_record),
            lambda: device_tab(session.enrolment, refusal=lambda: None, sign_out=sign_out),  # nothing stored
        ])
        self.title = ft.Text(TITLES[0], size=20, weight=ft.FontWeight.BOLD)
        super().__init__(
            route="/", padding=ft.Padding.symmetric(horizontal=14, vertical=8),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=self.title, center_title=False, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                             actions=[ft.Container(ft.Text(session.enrolment.inspector.get("name", ""),
                                                           size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                                                   padding=ft.Padding.only(right=16))]),
            navigation_bar=ft.NavigationBar(
                selected_index=0, on_change=self._on_tab,
                destinations=[
                    ft.NavigationBarDestination(icon=ft.Icons.FACT_CHECK_OUTLINED,
                                                selected_icon=ft.Icons.FACT_CHECK, label=s.NAV_REVIEW),
                    ft.NavigationBarDestination(icon=ft.Icons.INSIGHTS_OUTLINED,
                                                selected_icon=ft.Icons.INSIGHTS, label=s.NAV_STATS),
                    ft.NavigationBarDestination(icon=ft.Icons.RULE_FOLDER_OUTLINED,
                                                selected_icon=ft.Icons.RULE_FOLDER, label=s.NAV_LEDGER),
                    ft.NavigationBarDestination(icon=ft.Icons.PHONE_ANDROID, label=s.NAV_DEVICE),
                ]),
            controls=[self.body],
        )

    async def _on_tab(self, e: ft.Event[ft.NavigationBar]) -> None:
        index = e.control.selected_index
        self.title.value = TITLES[index]
        self.body.show(index, update=False)
        self.update()
        # Each tab reads the platform when it is shown, so what it shows is current.
        if index == 0:
            await asyncio.gather(self.session.queue.load(), self.session.partners.load())
        elif index == 1:
            await self.session.dashboard.load()
        elif index == 2:
            await self.session.ledger.load()
