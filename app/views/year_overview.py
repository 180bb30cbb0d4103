"""年度计划执行情况: the department's year on one phone screen, opened from 统计.

One card per row the platform answers (a supervisor gets their own department's): the plans'
progress as five labelled bars, the risk-grade use rate with its target, the joint plans' share
and the repeat visits avoided, each number with a line saying what it counts. The year is
changed at the bottom, where the thumb is; nothing scrolls sideways at 390 px.
"""

from __future__ import annotations

import flet as ft

from .. import strings as s
from ..components import Section, update_if_shown
from ..viewmodels.year_overview import YearCard, YearOverviewModel
from .review_queue import error_banner

TOUCH = 48
ROUTE = "/year"


def step_controls(card: YearCard) -> list[ft.Control]:
    """The five steps, each: label and count on a line, a bar of its share of the planned, what
    it means below."""
    controls: list[ft.Control] = []
    for step in card.steps:
        controls.append(ft.Column([
            ft.Row([ft.Text(step.label, size=15),
                    ft.Text(s.YEAR_STEP_COUNT.format(count=step.count), size=15,
                            weight=ft.FontWeight.W_600)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.ProgressBar(value=step.share, bar_height=6, border_radius=3,
                           semantics_label=step.label),
            ft.Text(step.meaning, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=3, key=f"step-{step.key}"))
    return controls


def target_chip(met: bool | None) -> ft.Control:
    if met is None:
        return ft.Container()
    colour, text = ((ft.Colors.GREEN_50, s.YEAR_MET) if met else (ft.Colors.ORANGE_50, s.YEAR_NOT_MET))
    return ft.Container(ft.Text(text, size=13, weight=ft.FontWeight.W_600,
                                color=ft.Colors.GREEN_900 if met else ft.Colors.DEEP_ORANGE_900),
                        bgcolor=colour, border_radius=8, padding=ft.Padding.symmetric(horizontal=8, vertical=2))


def card_controls(card: YearCard) -> list[ft.Control]:
    """One row as sections: who, the progress, the rate, joint plans, repeats avoided."""
    heading = Section(None, [ft.Text(card.name, size=18, weight=ft.FontWeight.BOLD),
                             ft.Text(card.level, size=13, color=ft.Colors.ON_SURFACE_VARIANT)],
                      spacing=2)
    if card.empty:
        return [heading, Section(None, [ft.Text(s.YEAR_NO_PLANS, size=15)])]
    risk: list[ft.Control] = [ft.Row([ft.Text(card.risk_line, size=15, expand=True), target_chip(card.met)],
                   vertical_alignment=ft.CrossAxisAlignment.START)]
    if card.risk_joint_line:
        risk.append(ft.Text(card.risk_joint_line, size=14))
    risk.append(ft.Text(card.target, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return [
        heading,
        Section(s.YEAR_PROGRESS, step_controls(card), spacing=10),
        Section(s.YEAR_RISK_USE, risk, spacing=4),
        Section(s.YEAR_JOINT, [ft.Text(card.joint_line, size=15)]),
        Section(s.YEAR_REPEATS, [
            ft.Text(card.repeats, size=20, weight=ft.FontWeight.BOLD),
            ft.Text(card.repeats_joint, size=14),
            ft.Text(card.repeats_cap, size=14),
        ], spacing=4),
    ]


class YearOverviewView(ft.View):
    def __init__(self, model: YearOverviewModel) -> None:
        self.model = model
        self.body = ft.Column(spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.previous = ft.OutlinedButton(content=ft.Text(s.YEAR_PREVIOUS, size=15), height=TOUCH,
                                          icon=ft.Icons.CHEVRON_LEFT, on_click=self._previous)
        self.next = ft.OutlinedButton(content=ft.Text(s.YEAR_NEXT, size=15), height=TOUCH,
                                      icon=ft.Icons.CHEVRON_RIGHT, on_click=self._next)
        self.year = ft.Text("", size=17, weight=ft.FontWeight.BOLD, text_align=ft.TextAlign.CENTER,
                            expand=True)
        super().__init__(
            route=ROUTE, padding=14, scroll=ft.ScrollMode.AUTO, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.YEAR_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            bottom_appbar=ft.BottomAppBar(
                bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, padding=ft.Padding.symmetric(horizontal=12),
                content=ft.Row([self.previous, self.year, self.next],
                               alignment=ft.MainAxisAlignment.SPACE_BETWEEN)),
            controls=[self.body])
        model.subscribe(self.render)
        self.render(update=False)

    async def _previous(self, _: object) -> None:
        await self.model.previous_year()

    async def _next(self, _: object) -> None:
        await self.model.next_year()

    def render(self, update: bool = True) -> None:
        m = self.model
        self.year.value = m.year_label
        self.next.disabled = not m.can_go_next or m.loading
        self.previous.disabled = m.loading
        controls: list[ft.Control] = [ft.Container(
            bgcolor=ft.Colors.AMBER_50, border_radius=10, padding=10,
            content=ft.Row([ft.Icon(ft.Icons.LOCK_OUTLINE, size=18, color=ft.Colors.BROWN_800),
                            ft.Text(s.YEAR_INTERNAL, size=13, color=ft.Colors.BROWN_900, expand=True)],
                           spacing=6))]
        if m.error:
            controls.append(error_banner(m.error))
        if m.loading and m.overview is None:
            controls.append(ft.Row([ft.ProgressRing(width=20, height=20), ft.Text(s.LOADING)]))
        for card in m.cards():
            controls += card_controls(card)
        if m.overview is not None:
            controls.append(ft.Text(s.YEAR_EXPLAIN, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
        self.body.controls = controls
        if update:
            update_if_shown(self)
