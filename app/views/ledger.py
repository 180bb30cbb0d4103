"""后续处置台账: open entries first (overdue in red), each closed with its disposal and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from sync import DETAIL_LABELS, DISPOSAL_HINTS, MAX_DETAIL_LENGTH, MAX_NOTE_LENGTH, Disposal

from .. import strings as s
from ..components import Choices, empty_state, update_if_shown
from ..components.date_button import DateButton
from ..domain.review import disposal_line
from ..viewmodels.ledger import LedgerModel
from .review_queue import error_banner, refresh_button


class LedgerTab(ft.Column):
    """The ledger's cards; a tap on one opens its record to read (``open_record``)."""

    def __init__(self, model: LedgerModel, open_record: Callable[[str], object]) -> None:
        self.model = model
        self.open_record = open_record
        self.counts = ft.Text("", size=14, weight=ft.FontWeight.W_600, expand=True)
        self.list = ft.ListView(expand=True, spacing=10, padding=ft.Padding.only(bottom=16))
        super().__init__(expand=True, spacing=6, controls=[
            ft.Row([self.counts, refresh_button(self._refresh)]), self.list])
        model.subscribe(self.render)
        self.render(update=False)

    async def _refresh(self, _: object = None) -> None:
        await self.model.load()

    def render(self, update: bool = True) -> None:
        m = self.model
        self.counts.value = s.LOADING if m.loading else m.counts
        controls: list[ft.Control] = []
        if m.error:
            controls.append(error_banner(m.error))
        if m.entries:
            controls += [self._card(e) for e in m.entries]
        elif m.loaded and not m.loading:
            controls.append(empty_state(ft.Icons.RULE_FOLDER_OUTLINED, s.LEDGER_EMPTY))
        self.list.controls = controls
        if update:
            update_if_shown(self)

    def _card(self, entry: dict[str, Any]) -> ft.Control:
        overdue = entry["open"] and entry["overdue"]
        lines: list[ft.Control] = [
            ft.Row([ft.Text(entry["entity_name"], size=16, weight=ft.FontWeight.W_600, expand=True),
                    *([ft.Container(ft.Text(s.LEDGER_OVERDUE, size=12, color=ft.Colors.WHITE,
                                            weight=ft.FontWeight.W_600),
                                    bgcolor=ft.Colors.RED_700, border_radius=10,
                                    padding=ft.Padding.symmetric(horizontal=8, vertical=2))]
                      if overdue else []),
                    ft.Icon(ft.Icons.CHEVRON_RIGHT, size=22, color=ft.Colors.ON_SURFACE_VARIANT)],
                   vertical_alignment=ft.CrossAxisAlignment.START),
            ft.Text(s.LEDGER_INSPECTED.format(date=entry["inspected_on"]) + f" · {entry['credit_code']}",
                    size=13, color=ft.Colors.RED_800 if overdue else ft.Colors.ON_SURFACE_VARIANT),
        ]
        if entry["open"] and entry.get("due_on"):
            lines.append(ft.Text(s.LEDGER_DUE.format(date=entry["due_on"]), size=13,
                                 weight=ft.FontWeight.W_600 if overdue else None,
                                 color=ft.Colors.RED_800 if overdue else ft.Colors.ON_SURFACE_VARIANT))
        if entry["open"]:
            lines.append(ft.Row([ft.FilledTonalButton(s.LEDGER_CLOSE, icon=ft.Icons.TASK_ALT, height=48,
                                                      on_click=self._closer(entry))],
                                alignment=ft.MainAxisAlignment.END))
        else:
            lines += [ft.Text(line, size=14, color=ft.Colors.GREEN_900) for line in disposal_line(entry)]
            if entry.get("note"):
                lines.append(ft.Text(entry["note"], size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        # The whole card opens the record it comes from (the 登记处置 button keeps its own tap).
        return ft.Container(
            bgcolor=ft.Colors.RED_50 if overdue else ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(2 if overdue else 1, ft.Colors.RED_400 if overdue else ft.Colors.OUTLINE_VARIANT),
            ink=True, tooltip=s.LEDGER_OPEN_RECORD,
            on_click=lambda _, record_id=entry["record_id"]: self.open_record(record_id),
            content=ft.Column(lines, spacing=6))

    def _closer(self, entry: dict[str, Any]) -> Callable[[object], None]:
        def open_dialog(_: object) -> None:
            self._close_dialog(entry)
        return open_dialog

    def _close_dialog(self, entry: dict[str, Any]) -> None:
        # what the chosen disposal must name (its case number, whom it went to, its list entry)
        detail = ft.TextField(visible=False, border_radius=10, dense=True, max_length=MAX_DETAIL_LENGTH)
        hint = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT, visible=False)

        def chosen(value: str) -> None:
            kind = Disposal(value)
            detail.visible = kind.detail is not None
            detail.label = DETAIL_LABELS.get(kind.detail or "", "")
            hint.value = DISPOSAL_HINTS.get(kind, "")
            hint.visible = bool(hint.value)
            detail.update()
            hint.update()

        disposal = Choices(s.LEDGER_DISPOSALS, None, chosen)
        today = self.model.today()
        # No day after today, none before the inspection (the platform would refuse it).
        inspected = min(dt.date.fromisoformat(entry["inspected_on"]), today)
        date = DateButton(s.LEDGER_DISPOSAL_DATE, today, first=inspected, last=today, today=today)
        note = ft.TextField(label=s.LEDGER_DISPOSAL_NOTE, multiline=True, min_lines=1, max_lines=4,
                            border_radius=10, dense=True, max_length=MAX_NOTE_LENGTH)
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def close(_: object) -> None:
            reason = await self.model.close(entry["record_id"], disposal.value, date.value,
                                            note.value or "", detail.value or "")
            if reason is None:
                self.page.pop_dialog()
                self.page.show_dialog(ft.SnackBar(ft.Text(s.LEDGER_CLOSED_DONE)))
                return
            problem.value, problem.visible = reason, True
            problem.update()

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.LEDGER_CLOSE_TITLE),
            content=ft.Column([
                ft.Text(entry["entity_name"], size=15, weight=ft.FontWeight.W_600),
                ft.Text(s.LEDGER_DISPOSAL_KIND, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                disposal, hint, detail, date, note, problem,
            ], tight=True, spacing=8, width=340, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.CONFIRM, on_click=close)]))
