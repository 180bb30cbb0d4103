"""联合抽查确认: a partner department's supervisor answers the joint plans that ask for it.

One card per plan (open and unanswered first): the plan's lead, period, items (its own marked)
and scheme, the department's answer so far, and 确认参加 / 不同意 while the population is not
frozen. Confirming ticks the staff offered (none ticked: any of them) and types 资格要求;
declining needs a reason, which the platform publishes. Every tap target is 48 px.
"""

from __future__ import annotations

import flet as ft

from .. import strings as s
from ..components import Section, StateChip, empty_state, update_if_shown
from ..components.choices import TOUCH
from ..viewmodels.partners import PartnersModel, RequestCard
from .review_queue import error_banner, refresh_button

ROUTE = "/partners"
CHIP_STATE = {"pending": "incomplete", "confirmed": "approved", "declined": "returned"}
"""A partner's answer in the colours of the record states it resembles."""


def item_controls(card: RequestCard) -> list[ft.Control]:
    rows: list[ft.Control] = []
    for item in card.items:
        rows.append(ft.Row([
            ft.Text(item.name, size=14, expand=True),
            StateChip(s.PARTNERS_OWN_ITEM, "submitted") if item.own
            else ft.Text(item.department, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ], vertical_alignment=ft.CrossAxisAlignment.START))
    return rows


class PartnersView(ft.View):
    def __init__(self, model: PartnersModel) -> None:
        self.model = model
        self.body = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        super().__init__(
            route=ROUTE, padding=14, scroll=ft.ScrollMode.AUTO, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.PARTNERS_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                             actions=[refresh_button(self._refresh)]),
            controls=[self.body])
        model.subscribe(self.render)
        self.render(update=False)

    async def _refresh(self, _: object = None) -> None:
        await self.model.load()

    def render(self, update: bool = True) -> None:
        m = self.model
        controls: list[ft.Control] = []
        if m.department:
            controls.append(ft.Text(s.PARTNERS_INTRO.format(department=m.department), size=13,
                                    color=ft.Colors.ON_SURFACE_VARIANT))
        if m.message:
            controls.append(ft.Container(
                bgcolor=ft.Colors.GREEN_50, border_radius=10, padding=10,
                content=ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE_OUTLINE, color=ft.Colors.GREEN_900),
                                ft.Text(m.message, size=14, color=ft.Colors.GREEN_900, expand=True)],
                               spacing=8)))
        if m.error:
            controls.append(error_banner(m.error))
        if m.loading and m.answers is None:
            controls.append(ft.Row([ft.ProgressRing(width=20, height=20), ft.Text(s.LOADING)]))
        cards = m.cards()
        if m.answers is not None and not cards:
            controls.append(empty_state(ft.Icons.GROUPS_OUTLINED, s.PARTNERS_EMPTY))
        controls += [self._card(card) for card in cards]
        self.body.controls = controls
        if update:
            update_if_shown(self)

    def _card(self, card: RequestCard) -> ft.Control:
        answer: list[ft.Control] = [ft.Row([
            StateChip(card.state_label, CHIP_STATE.get(card.state, "incomplete"))], wrap=True)]
        answer += [ft.Text(line, size=14) for line in card.answer_lines]
        if card.open:
            confirm = {"declined": s.PARTNERS_CHANGE_CONFIRM, "confirmed": s.PARTNERS_CHANGE_STAFF}.get(
                card.state, s.PARTNERS_CONFIRM)
            decline = s.PARTNERS_CHANGE_DECLINE if card.state == "confirmed" else s.PARTNERS_DECLINE
            answer.append(ft.Row([
                ft.FilledButton(confirm, height=TOUCH, expand=True, disabled=self.model.sending,
                                on_click=lambda _, c=card: self._confirm(c)),
                ft.OutlinedButton(decline, height=TOUCH, expand=True, disabled=self.model.sending,
                                  on_click=lambda _, c=card: self._decline(c)),
            ], spacing=10))
        else:
            answer.append(ft.Text(s.PARTNERS_CLOSED, size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        parts: list[ft.Control] = [
            ft.Text(card.name, size=17, weight=ft.FontWeight.W_600),
            ft.Text(card.lead, size=14),
            ft.Text(card.period, size=14),
            ft.Text(s.PARTNERS_ITEMS, size=13, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT),
            *item_controls(card),
        ]
        if card.scheme:
            parts.append(ft.Text(s.PARTNERS_SCHEME, size=13, weight=ft.FontWeight.W_600,
                                 color=ft.Colors.ON_SURFACE_VARIANT))
            parts += [ft.Text(line, size=14) for line in card.scheme]
        parts += [ft.Divider(height=1), *answer]
        return ft.Container(Section(None, parts, spacing=6), key=f"plan-{card.plan_id}")

    def _confirm(self, card: RequestCard) -> None:
        """The staff to offer, ticked (the current offer ticked already), and the needs."""
        current = self.model.answers["requests"] if self.model.answers else []
        offered = set(next((r["staff"] for r in current if r["plan_id"] == card.plan_id), []))
        needs_now = next((r["qualifications"] for r in current if r["plan_id"] == card.plan_id), [])
        boxes = [ft.Checkbox(label=f"{m['name']}（{m['kind']}）", value=m["id"] in offered, data=m["id"],
                             height=TOUCH, label_style=ft.TextStyle(size=15)) for m in self.model.staff]
        needs = ft.TextField(label=s.PARTNERS_QUALIFICATIONS_LABEL, value="、".join(needs_now),
                             border_radius=10, max_length=300)
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def submit(_: object) -> None:
            ticked = [str(b.data) for b in boxes if b.value]
            if await self.model.confirm(card.plan_id, ticked, needs.value or ""):
                self.page.pop_dialog()
            else:
                problem.value, problem.visible = self.model.error or "", True
                problem.update()

        staff: list[ft.Control] = list(boxes) or [ft.Text(s.PARTNERS_NO_STAFF, size=14)]
        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.PARTNERS_CONFIRM_TITLE.format(plan=card.name), size=18),
            content=ft.Column([ft.Text(s.PARTNERS_CONFIRM_HELP, size=14), *staff, needs, problem],
                              tight=True, spacing=4, width=340, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(s.CANCEL, height=TOUCH, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.PARTNERS_SUBMIT, height=TOUCH, on_click=submit)]))

    def _decline(self, card: RequestCard) -> None:
        reason = ft.TextField(label=s.PARTNERS_REASON_LABEL, multiline=True, min_lines=2, max_lines=4,
                              border_radius=10, max_length=500, autofocus=True)
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def submit(_: object) -> None:
            if await self.model.decline(card.plan_id, reason.value or ""):
                self.page.pop_dialog()
            else:
                problem.value, problem.visible = self.model.error or "", True
                problem.update()

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.PARTNERS_DECLINE_TITLE.format(plan=card.name), size=18),
            content=ft.Column([reason, problem], tight=True, spacing=8, width=340),
            actions=[ft.TextButton(s.CANCEL, height=TOUCH, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.PARTNERS_SUBMIT, height=TOUCH, on_click=submit)]))
