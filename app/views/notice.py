"""检查告知: shown to the enterprise, in large type, before anything is inspected (《行政处罚法》§55):
who inspects (names and 执法证号: 亮证), on what basis and for which items, and its rights to ask
that an inspector withdraw (回避) and to state its case (陈述申辩)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from sync import MAX_NOTE_LENGTH, TaskJson

from .. import strings as s
from ..components import Section, primary_button
from ..components.choices import radio
from ..domain.tasks import experts, is_expert, officers


class NoticeView(ft.View):
    def __init__(self, task: TaskJson, *, start: Callable[[bool], Awaitable[None]],
                 recuse: Callable[[str, str], Awaitable[None]]) -> None:
        """``start(True)`` once the notice was given, ``start(False)`` when nobody is there;
        ``recuse(inspector_id, reason)`` records a 回避 request (``ValueError`` when incomplete)."""
        self.task = task
        self.start = start
        self.recuse = recuse
        members: list[ft.Control] = [
            ft.Text(s.NOTICE_MEMBER.format(name=m["name"], badge=m["badge_no"]), size=20,
                    weight=ft.FontWeight.W_600) for m in officers(task)]
        if experts(task):
            members += [ft.Text(s.NOTICE_EXPERTS, size=16),
                        *(ft.Text(s.TEAM_EXPERT.format(name=m["name"]), size=18) for m in experts(task))]
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
                    ft.OutlinedButton(content=ft.Text(s.NOTICE_RECUSAL, size=15), height=48,
                                      icon=ft.Icons.PERSON_OFF_OUTLINED, on_click=self._recusal),
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

    def _recusal(self, _: object) -> None:
        """Who the enterprise asks to withdraw, and why; the inspection then does not go ahead."""
        who = ft.RadioGroup(content=ft.Column([
            radio(m["id"], s.TEAM_EXPERT.format(name=m["name"]) if is_expert(m)
                  else s.NOTICE_MEMBER.format(name=m["name"], badge=m["badge_no"]))
            for m in self.task["team"]], spacing=0))
        reason = ft.TextField(label=s.RECUSAL_REASON, multiline=True, min_lines=2, max_lines=4,
                              border_radius=10, max_length=MAX_NOTE_LENGTH)
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def submit(_: object) -> None:
            try:
                await self.recuse(who.value or "", reason.value or "")
            except ValueError as e:
                problem.value, problem.visible = str(e), True
                problem.update()

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.RECUSAL_TITLE),
            content=ft.Column([ft.Text(s.RECUSAL_WHO, size=14), who, reason, problem], tight=True,
                              spacing=8, width=340),
            actions=[ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.RECUSAL_SUBMIT, on_click=submit)]))
