"""One choice out of several (检查结果, 处置方式) as a radio group a thumb can hit.

A real ``RadioGroup``: a screen reader announces each choice once, as a radio button of a group
(选中/未选中), which a row marked "checked" could not say (it was read as a checkbox, its name
twice: the row's label and its text). Flutter's ``Radio`` is 40 px tall wherever the platform is
not a phone's (the web client on a desktop browser, a tablet) and its tap area cannot be set from
Flet; each radio here is given the row's height, 48 px, so its whole row (mark and label, merged
into one node by Flet) is that tall on every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

TOUCH = 48
"""A choice's height, px."""


def radio(value: str, label: str) -> ft.Radio:
    """One choice of a ``RadioGroup``: the mark and its label, 48 px tall, the label 15 px."""
    return ft.Radio(value=value, label=label, height=TOUCH, label_style=ft.TextStyle(size=15))


class Choices(ft.RadioGroup):
    """``options`` as radio buttons, one a row; ``on_choose`` gets the option tapped."""

    def __init__(self, options: Sequence[str], value: str | None,
                 on_choose: Callable[[str], None]) -> None:
        self.options = list(options)
        self.on_choose = on_choose
        super().__init__(value=value, on_change=self._changed,
                         content=ft.Column(spacing=0, controls=[radio(o, o) for o in self.options]))

    def _changed(self, e: ft.Event[ft.RadioGroup]) -> None:
        if e.control.value:
            self.on_choose(e.control.value)
