"""A date chosen on a calendar, never typed: a label, and a button showing the day in Chinese.

Typing YYYY-MM-DD on a phone keyboard was slow and error-prone (the hyphen sits on another
keyboard page); Flutter's date picker takes a tap, and its limits make an impossible date
(a disposal tomorrow, a day before the inspection) impossible to pick in the first place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from .. import strings as s
from ..domain.clock import chinese_date, picked_date


class DateButton(ft.Column):
    """``value`` is the chosen day, always within ``first``…``last`` (both included)."""

    def __init__(self, label: str, value: dt.date, *, first: dt.date, last: dt.date, today: dt.date,
                 on_change: Callable[[dt.date], Any] | None = None) -> None:
        self.label = label
        self.first, self.last, self.today = first, max(first, last), today
        self.value = min(max(value, self.first), self.last)
        self.on_change = on_change
        self.text = ft.Text(chinese_date(self.value), size=16)
        self.button = ft.OutlinedButton(content=self.text, icon=ft.Icons.CALENDAR_MONTH, height=48,
                                        on_click=self._open,
                                        style=ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=10)))
        super().__init__(spacing=4, tight=True, controls=[
            ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row([self.button]),
        ])

    def _open(self, _: object) -> None:
        self.page.show_dialog(ft.DatePicker(
            value=self.value, first_date=self.first, last_date=self.last, current_date=self.today,
            help_text=self.label, cancel_text=s.CANCEL, confirm_text=s.CONFIRM,
            entry_mode=ft.DatePickerEntryMode.CALENDAR_ONLY, on_change=self._picked))

    def _picked(self, e: ft.Event[ft.DatePicker]) -> None:
        if e.control.value is None:
            return
        self.set(picked_date(e.control.value))

    def set(self, day: dt.date) -> None:
        """Show ``day`` (kept within the limits) and say so to ``on_change``."""
        self.value = min(max(day, self.first), self.last)
        self.text.value = chinese_date(self.value)
        self.button.update()
        if self.on_change is not None:
            self.on_change(self.value)
