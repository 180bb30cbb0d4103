"""我的任务: search, state filter, and one card per task."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from .. import strings as s
from ..components import StateChip, empty_state, update_if_shown
from ..domain.clock import today_in_china
from ..domain.tasks import TaskRow, TaskState
from ..viewmodels.tasks import TaskListModel

PAGE_SIZE = 20
"""Cards drawn at first and per 显示更多: a phone shows five; a thousand cards at once cost the
web client seconds, and fifty still cost the first screen a tenth of one (bench/app_start.py)."""


def warning_mark() -> ft.Control:
    """The 预警 mark on a card whose enterprise's history raises a warning (the task says why)."""
    return ft.Container(
        bgcolor=ft.Colors.RED_700, border_radius=12, padding=ft.Padding.symmetric(horizontal=8, vertical=3),
        content=ft.Row([ft.Icon(ft.Icons.WARNING_AMBER_ROUNDED, size=14, color=ft.Colors.WHITE),
                        ft.Text(s.WARNING_MARK, size=13, weight=ft.FontWeight.W_600, color=ft.Colors.WHITE)],
                       spacing=2, tight=True))


class TaskListTab(ft.Column):
    def __init__(self, model: TaskListModel, open_task: Callable[[str], None]) -> None:
        self.model = model
        self.limit = PAGE_SIZE
        self.open_task = open_task
        self.search = ft.TextField(
            hint_text=s.TASKS_SEARCH, prefix_icon=ft.Icons.SEARCH, border_radius=24, dense=True,
            filled=True, border_color=ft.Colors.TRANSPARENT, on_change=self._on_search)
        self.filters = ft.Row(scroll=ft.ScrollMode.HIDDEN, spacing=8)  # a scrollbar would cover the chips
        self.list = ft.ListView(expand=True, spacing=10, padding=ft.Padding.only(bottom=16))
        # Stretched: the search bar is as wide as the cards under it.
        super().__init__(expand=True, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                         controls=[self.search, self.filters, self.list])
        model.subscribe(self.render)
        self.render(update=False)

    def _on_search(self, e: ft.Event[ft.TextField]) -> None:
        self.limit = PAGE_SIZE
        self.model.search(e.control.value or "")

    def _more(self, _: object) -> None:
        self.limit += PAGE_SIZE
        self.render()

    def _filter(self, state: TaskState | None) -> Callable[[ft.Event[ft.Chip]], None]:
        def choose(_: ft.Event[ft.Chip]) -> None:
            self.limit = PAGE_SIZE
            self.model.filter(None if self.model.state == state else state)
        return choose

    def render(self, update: bool = True) -> None:
        counts = self.model.counts
        total = len(self.model.all_rows)
        chips: list[ft.Control] = [
            ft.Chip(label=ft.Text(f"{s.TASKS_ALL} {total}"), selected=self.model.state is None,
                    on_select=self._filter(None))]
        for state in TaskState:
            chips.append(ft.Chip(label=ft.Text(f"{state} {counts[state]}"),
                                 selected=self.model.state == state, on_select=self._filter(state)))
        self.filters.controls = chips
        rows = self.model.rows
        if rows:
            self.list.controls = [self._card(row) for row in rows[:self.limit]]
            if len(rows) > self.limit:
                self.list.controls.append(ft.TextButton(
                    s.TASKS_MORE.format(count=len(rows) - self.limit), on_click=self._more))
        else:
            text = s.TASKS_NO_MATCH if self.model.all_rows else s.TASKS_EMPTY
            self.list.controls = [empty_state(ft.Icons.ASSIGNMENT_OUTLINED, text)]
        if update:
            update_if_shown(self)

    def _card(self, row: TaskRow) -> ft.Control:
        overdue = row.due < today_in_china().isoformat() and row.state in (
            TaskState.TODO, TaskState.IN_PROGRESS, TaskState.RETURNED)
        due = ft.Text(s.TASK_DUE.format(due=row.due) + (f" · {s.TASK_OVERDUE}" if overdue else ""),
                      size=13, color=ft.Colors.ERROR if overdue else ft.Colors.ON_SURFACE_VARIANT)
        return ft.Container(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            ink=True, on_click=lambda _, task_id=row.id: self.open_task(task_id),
            content=ft.Column(spacing=6, controls=[
                ft.Row([ft.Text(row.entity_name, size=17, weight=ft.FontWeight.W_600, expand=True),
                        *([warning_mark()] if row.warned else []),
                        StateChip(row.state, row.state)],
                       vertical_alignment=ft.CrossAxisAlignment.START, spacing=6),
                ft.Text(row.address, size=14, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Row([due, ft.Text("·", color=ft.Colors.OUTLINE),
                        ft.Text(s.TASK_ITEMS.format(count=row.item_count), size=13,
                                color=ft.Colors.ON_SURFACE_VARIANT)], spacing=6),
            ]),
        )
