"""Building blocks of every screen: titled sections, label/value rows, empty states, the big button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft


class Section(ft.Container):
    """A white card with a small grey title, the way each screen groups what belongs together."""

    def __init__(self, title: str | None, controls: list[ft.Control], *, spacing: int = 8) -> None:
        header: list[ft.Control] = []
        if title:
            header = [ft.Text(title, size=13, weight=ft.FontWeight.W_600,
                              color=ft.Colors.ON_SURFACE_VARIANT)]
        super().__init__(
            content=ft.Column(header + controls, spacing=spacing,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=16,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        )


class InfoRow(ft.Column):
    """A label above its value (values are long Chinese names and addresses: they need the width)."""

    def __init__(self, label: str, value: str, *, selectable: bool = False) -> None:
        super().__init__(spacing=2, controls=[
            ft.Text(label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Text(value or "—", size=15, selectable=selectable),
        ])


def empty_state(icon: ft.IconData, text: str) -> ft.Control:
    return ft.Container(
        padding=ft.Padding.symmetric(vertical=48, horizontal=24),
        alignment=ft.Alignment.CENTER,
        content=ft.Column(horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=12, controls=[
            ft.Icon(icon, size=56, color=ft.Colors.OUTLINE),
            ft.Text(text, size=15, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
        ]),
    )


def primary_button(text: str, on_click: Callable[..., Any] | None, *, icon: ft.IconData | None = None,
                   disabled: bool = False, color: str | None = None) -> ft.FilledButton:
    """The screen's main action: full width and 52 px tall, for a thumb."""
    return ft.FilledButton(
        content=ft.Text(text, size=17, weight=ft.FontWeight.W_600), icon=icon, on_click=on_click,
        disabled=disabled, height=52, expand=True,
        style=ft.ButtonStyle(bgcolor=color, shape=ft.RoundedRectangleBorder(radius=12)),
    )


def update_if_shown(control: ft.Control) -> None:
    """``control.update()`` once it is on a page; before that its first render shows the state."""
    try:
        control.page  # noqa: B018 - raises RuntimeError while the control is not on a page
    except RuntimeError:
        return
    control.update()
