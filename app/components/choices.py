"""One choice out of several (检查结果, 处置方式) as full-width rows a thumb can hit.

Flutter's ``Radio`` is 40 px tall wherever the platform is not a phone's (the web client on a
desktop browser, a tablet) and its tap area cannot be set from Flet; these rows are 48 px or
more on every platform, and the whole row, label included, is the target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft


class Choices(ft.Column):
    """``options`` as rows with a radio mark; ``on_change`` gets the option tapped."""

    def __init__(self, options: Sequence[str], value: str | None,
                 on_change: Callable[[str], None]) -> None:
        self.options = list(options)
        self.value = value
        self.on_change = on_change
        super().__init__(spacing=0)
        self._render()

    def _render(self) -> None:
        self.controls = [self._row(option) for option in self.options]

    def _row(self, option: str) -> ft.Control:
        chosen = option == self.value
        # A checked state (read out as 已选中/未选中); Flet cannot mark the group exclusive.
        return ft.Semantics(label=option, checked=chosen, content=ft.Container(
            padding=ft.Padding.symmetric(horizontal=4, vertical=12), border_radius=8,
            on_click=lambda _: self._choose(option),
            content=ft.Row(spacing=12, controls=[
                ft.Icon(ft.Icons.RADIO_BUTTON_CHECKED if chosen else ft.Icons.RADIO_BUTTON_UNCHECKED,
                        size=24, color=ft.Colors.PRIMARY if chosen else ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(option, size=15, expand=True,
                        weight=ft.FontWeight.W_600 if chosen else ft.FontWeight.NORMAL),
            ])))

    def _choose(self, option: str) -> None:
        self.value = option
        self._render()
        self.update()
        self.on_change(option)
