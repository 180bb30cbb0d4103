"""审核: the department's records by state (待审核 first), one card each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

from sync import Outcome

from .. import strings as s
from ..components import StateChip, empty_state, update_if_shown
from ..domain.clock import local_time
from ..viewmodels.partners import PartnersModel
from ..viewmodels.review import QUEUE_STATES, ReviewQueueModel


def error_banner(message: str) -> ft.Control:
    return ft.Container(
        bgcolor=ft.Colors.ERROR_CONTAINER, border_radius=12, padding=12,
        content=ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER),
                        ft.Text(message, size=14, color=ft.Colors.ON_ERROR_CONTAINER, expand=True)],
                       spacing=8))


def refresh_button(on_click: Callable[..., Any]) -> ft.Control:
    """刷新, with its word beside the icon (an icon alone has no name for a screen reader)."""
    return ft.TextButton(s.REFRESH, icon=ft.Icons.REFRESH, on_click=on_click)


class ReviewTab(ft.Column):
    def __init__(self, model: ReviewQueueModel, open_record: Callable[[str], object],
                 partners: PartnersModel | None = None,
                 open_partners: Callable[[], object] | None = None) -> None:
        self.model = model
        self.open_record = open_record
        self.partners = partners
        self.open_partners = open_partners
        self.banner = ft.Container(  # 联合抽查待确认: the partner's turn, where the supervisor starts
            key="partners-banner", visible=False, ink=True, border_radius=12, bgcolor=ft.Colors.AMBER_50,
            padding=ft.Padding.symmetric(horizontal=12, vertical=12),
            on_click=lambda _: self.open_partners() if self.open_partners else None,
            content=ft.Row([ft.Icon(ft.Icons.GROUPS, color=ft.Colors.BROWN_800),
                            ft.Text("", size=15, weight=ft.FontWeight.W_600, color=ft.Colors.BROWN_900,
                                    expand=True),
                            ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.BROWN_800)], spacing=8))
        self.chips = ft.Row(scroll=ft.ScrollMode.HIDDEN, spacing=8)  # a scrollbar would cover the chips
        self.status = ft.Row([ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT, expand=True),
                              refresh_button(self._refresh)])
        self.list = ft.ListView(expand=True, spacing=10, padding=ft.Padding.only(bottom=16))
        super().__init__(expand=True, spacing=6, controls=[self.banner, self.chips, self.status, self.list])
        model.subscribe(self.render)
        if partners is not None:
            partners.subscribe(self.render)
        self.render(update=False)

    async def _refresh(self, _: object = None) -> None:
        await self.model.load()

    def _chooser(self, state: str) -> Callable[[ft.Event[ft.Chip]], Any]:
        async def choose(_: ft.Event[ft.Chip]) -> None:
            await self.model.show(state)
        return choose

    def render(self, update: bool = True) -> None:
        m = self.model
        pending = self.partners.pending if self.partners is not None else 0
        self.banner.visible = pending > 0
        label = self.banner.content.controls[1] if isinstance(self.banner.content, ft.Row) else None
        if isinstance(label, ft.Text):
            label.value = s.PARTNERS_BANNER.format(count=pending)
        self.chips.controls = [ft.Chip(label=ft.Text(s.REVIEW_STATES[state]), selected=m.state == state,
                                       on_select=self._chooser(state)) for state in QUEUE_STATES]
        count = self.status.controls[0]
        assert isinstance(count, ft.Text)
        count.value = s.LOADING if m.loading else s.REVIEW_COUNT.format(count=len(m.records))
        controls: list[ft.Control] = []
        if m.error:
            controls.append(error_banner(m.error))
        if m.records:
            card = {"feedback": self._feedback_card, "recusals": self._recusal_card}.get(m.state, self._card)
            controls += [card(r) for r in m.records]
        elif m.loaded and not m.loading:
            controls.append(empty_state(ft.Icons.FACT_CHECK_OUTLINED, s.REVIEW_EMPTY[m.state]))
        self.list.controls = controls
        if update:
            update_if_shown(self)

    def _card(self, record: Mapping[str, Any]) -> ft.Control:
        chips: list[ft.Control] = []
        if record["revision"]:
            chips.append(StateChip(s.REVIEW_REVISION, "returned"))
        if record.get("own"):
            chips.append(StateChip(s.REVIEW_OWN, "incomplete"))
        problem = Outcome(record["outcome"]).problem_found
        return ft.Container(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            ink=True, on_click=lambda _, record_id=record["id"]: self.open_record(record_id),
            content=ft.Column(spacing=6, controls=[
                ft.Row([ft.Text(record["entity_name"], size=17, weight=ft.FontWeight.W_600, expand=True),
                        *chips], vertical_alignment=ft.CrossAxisAlignment.START),
                ft.Text(record["outcome"], size=14, weight=ft.FontWeight.W_500,
                        color=ft.Colors.RED_800 if problem else ft.Colors.GREEN_800),
                ft.Text(" · ".join((s.REVIEW_BY.format(name=record["inspector_name"]),
                                    s.REVIEW_FINISHED.format(time=local_time(record["finished_at"])))),
                        size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ]),
        )

    def _recusal_card(self, entry: Mapping[str, Any]) -> ft.Control:
        """One 回避 request: the task goes back for another team."""
        return ft.Container(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            content=ft.Column(spacing=6, controls=[
                ft.Text(entry["entity_name"], size=17, weight=ft.FontWeight.W_600),
                ft.Text(s.RECUSAL_CARD.format(name=entry["inspector_name"], reason=entry["reason"]),
                        size=15, selectable=True),
                ft.Text(s.RECUSAL_CARD_TIME.format(time=local_time(entry["requested_at"]),
                                                   task=entry["task_id"]),
                        size=13, color=ft.Colors.ON_SURFACE_VARIANT),
            ]),
        )

    def _feedback_card(self, entry: Mapping[str, Any]) -> ft.Control:
        """One enterprise's feedback; a tap opens the task's record when there is one."""
        record_id = entry.get("record_id")
        contact = entry["contact"] or s.FEEDBACK_NO_CONTACT
        return ft.Container(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            ink=record_id is not None,
            on_click=(lambda _, rid=record_id: self.open_record(rid)) if record_id else None,
            content=ft.Column(spacing=6, controls=[
                ft.Text(entry["entity_name"], size=17, weight=ft.FontWeight.W_600),
                ft.Text(entry["message"], size=15, selectable=True),
                ft.Text(s.FEEDBACK_LINE.format(time=local_time(entry["created_at"]), contact=contact),
                        size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                *([] if record_id else [ft.Text(s.FEEDBACK_NO_RECORD, size=13,
                                                color=ft.Colors.ON_SURFACE_VARIANT)]),
            ]),
        )
