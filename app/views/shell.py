"""The enrolled app's root: 任务 / 查询 / 同步 / 本机 behind a bottom navigation bar (thumb reach)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from sync import role_label

from .. import strings as s
from ..components import InfoRow, Section, TabBody, update_if_shown
from ..domain.clock import local_time
from ..services.keys import SECURE_STORAGE
from ..state import Session
from ..store import Enrolment
from .enrol import owner_section
from .lookup import LookupTab
from .sync_tab import SyncTab
from .task_list import TaskListTab

TITLES = (s.TASKS_TITLE, s.LOOKUP_TITLE, s.SYNC_TITLE, s.DEVICE_TITLE)


def device_tab(enrolment: Enrolment, *, refusal: Callable[[], str | None],
               sign_out: Callable[[], Awaitable[None]]) -> ft.Control:
    """本机: who the device belongs to, in which role, where its key is, and 退出登记 (refused,
    saying ``refusal``'s why, while a signed record or a 回避申请 has not reached the platform:
    it would be lost with the data)."""
    shown: list[ft.AlertDialog] = []  # the dialog a tap opened: a second tap does not stack one

    def ask(e: ft.Event[ft.OutlinedButton]) -> None:
        page = e.page
        if shown and shown[-1].open:
            return
        refused = refusal()
        if refused:
            dialog = ft.AlertDialog(
                title=ft.Text(s.SIGN_OUT), content=ft.Text(refused),
                actions=[ft.TextButton(s.OK, on_click=lambda _: page.pop_dialog())])
        else:
            async def confirmed(_: object) -> None:
                if not dialog.open:
                    return  # a second tap while the first one signs out
                page.pop_dialog()
                await sign_out()

            dialog = ft.AlertDialog(
                modal=True, title=ft.Text(s.SIGN_OUT), content=ft.Text(s.SIGN_OUT_CONFIRM),
                actions=[ft.TextButton(s.CANCEL, on_click=lambda _: page.pop_dialog()),
                         ft.FilledButton(s.SIGN_OUT, on_click=confirmed,
                                         style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR))])
        dialog.on_dismiss = lambda _: shown.clear()  # also when dismissed beside it
        shown[:] = [dialog]
        page.show_dialog(dialog)

    if enrolment.key_storage == SECURE_STORAGE:
        key = s.DEVICE_KEY_SECURE
    else:
        key = s.DEVICE_KEY_FILE.format(path=enrolment.key_storage.removeprefix("file:"))
    return ft.Column(scroll=ft.ScrollMode.AUTO, spacing=12, controls=[
        owner_section(enrolment),
        Section(None, [
            InfoRow(s.DEVICE_ROLE, role_label(enrolment.role)),
            InfoRow(s.DEVICE_ID, enrolment.device_id, selectable=True),
            InfoRow(s.DEVICE_PLATFORM, enrolment.server_url, selectable=True),
            InfoRow(s.DEVICE_ENROLLED_AT, local_time(enrolment.enrolled_at, seconds=True)),
            InfoRow(s.DEVICE_KEY, key),
        ]),
        ft.Row([ft.OutlinedButton(s.SIGN_OUT, icon=ft.Icons.LOGOUT, on_click=ask, expand=True,
                                  style=ft.ButtonStyle(color=ft.Colors.ERROR))]),
    ])


class ShellView(ft.View):
    def __init__(self, session: Session, open_task: Callable[[str], None],
                 open_enterprise: Callable[[str], None], open_record: Callable[[str, str], None],
                 sign_out: Callable[[], Awaitable[None]]) -> None:
        self.body = TabBody([
            lambda: TaskListTab(session.task_list, open_task),
            lambda: LookupTab(session.lookup, open_enterprise),
            lambda: SyncTab(session.sync_model, open_record),
            lambda: device_tab(session.enrolment, refusal=session.sync.sign_out_refusal,
                               sign_out=sign_out),
        ])
        self.title = ft.Text(TITLES[0], size=20, weight=ft.FontWeight.BOLD)
        self.sync_badge = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.sync_model = session.sync_model
        super().__init__(
            route="/", padding=ft.Padding.symmetric(horizontal=14, vertical=8),
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=self.title, center_title=False,
                             bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                             actions=[ft.Container(self.sync_badge, padding=ft.Padding.only(right=16))]),
            navigation_bar=ft.NavigationBar(
                selected_index=0, on_change=self._on_tab,
                destinations=[
                    ft.NavigationBarDestination(icon=ft.Icons.ASSIGNMENT_OUTLINED,
                                                selected_icon=ft.Icons.ASSIGNMENT, label=s.NAV_TASKS),
                    ft.NavigationBarDestination(icon=ft.Icons.MANAGE_SEARCH, label=s.NAV_LOOKUP),
                    ft.NavigationBarDestination(icon=ft.Icons.SYNC, label=s.NAV_SYNC),
                    ft.NavigationBarDestination(icon=ft.Icons.PHONE_ANDROID, label=s.NAV_DEVICE),
                ]),
            controls=[self.body],
        )
        self.sync_model.subscribe(self._sync_badge)
        self._sync_badge(update=False)

    def _sync_badge(self, update: bool = True) -> None:
        pending = self.sync_model.pending
        online = {True: s.ONLINE, False: s.OFFLINE, None: ""}[self.sync_model.online]
        self.sync_badge.value = " · ".join(x for x in (online, s.SYNC_PENDING.format(count=pending)
                                                        if pending else "") if x)
        if update:
            update_if_shown(self.sync_badge)

    def _on_tab(self, e: ft.Event[ft.NavigationBar]) -> None:
        index = e.control.selected_index
        self.title.value = TITLES[index]
        self.body.show(index, update=False)
        self.update()
