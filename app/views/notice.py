"""检查告知: shown to the enterprise, in large type, before anything is inspected (《行政处罚法》§55):
who inspects (names and 执法证号: 亮证), on what basis and for which items, and its rights to ask
that an inspector withdraw (回避) and to state its case (陈述申辩)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from .. import strings as s
from ..components import Section, primary_button


class NoticeView(ft.View):
    def __init__(self, task: dict[str, Any], *, start: Callable[[bool], Awaitable[None]]) -> None:
        """``start(True)`` once the notice was given, ``start(False)`` when nobody is there."""
        self.start = start
        members = [ft.Text(s.NOTICE_MEMBER.format(name=m["name"], badge=m["badge_no"]), size=20,
                           weight=ft.FontWeight.W_600) for m in task["team"]]
        items = [ft.Text(f"{n}. " + s.NOTICE_ITEM.format(name=i["name"], basis=i.get("basis", "")),
                         size=17) for n, i in enumerate(task["items"], start=1)]
        super().__init__(
            route=f"/task/{task['id']}/inspect", padding=14, scroll=ft.ScrollMode.AUTO, spacing=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.NOTICE_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            bottom_appbar=ft.BottomAppBar(
                height=76, bgcolor=ft.Colors.SURFACE, padding=ft.Padding.symmetric(horizontal=14, vertical=8),
                content=ft.Row([primary_button(s.NOTICE_SHOWN, self._shown, icon=ft.Icons.PLAY_ARROW)])),
            controls=[
                Section(None, [
                    ft.Text(s.NOTICE_HEADING, size=24, weight=ft.FontWeight.BOLD),
                    ft.Text(s.NOTICE_TO.format(entity=task["entity"]["name"]), size=19),
                    ft.Text(s.NOTICE_TEAM, size=18), *members,
                    ft.Text(s.NOTICE_ITEMS, size=18), *items,
                    ft.Text(s.NOTICE_RIGHTS, size=18, weight=ft.FontWeight.W_600),
                ], spacing=10),
                ft.Row(wrap=True, spacing=8, controls=[
                    ft.TextButton(content=ft.Text(s.NOTICE_ABSENT, size=15), height=48,
                                  icon=ft.Icons.DOOR_FRONT_DOOR_OUTLINED, on_click=self._absent),
                ]),
            ],
        )

    async def _shown(self, _: object) -> None:
        await self.start(True)

    def _absent(self, _: object) -> None:
        async def go(_: object) -> None:
            self.page.pop_dialog()
            await self.start(False)

        self.page.show_dialog(ft.AlertDialog(
            title=ft.Text(s.NOTICE_ABSENT), content=ft.Text(s.NOTICE_ABSENT_CONFIRM, size=15),
            actions=[ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.NOTICE_ABSENT_START, on_click=go)]))
