"""The body of a screen with a bottom navigation bar: one tab shown, each built at its first show."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft


class TabBody(ft.Column):
    """Holds the tabs of a navigation bar, building each the first time it is shown.

    A tab not yet shown costs nothing: the first screen is sent to the client without the
    hidden tabs' controls (the sync tab alone lists every signed record), which is most of
    what made the app slow to start. A tab once built stays mounted, hidden while another is
    shown, so it keeps its scroll position and re-renders when its model changes.
    """

    def __init__(self, factories: Sequence[Callable[[], ft.Control]]) -> None:
        self.factories = list(factories)
        self.built: dict[int, ft.Control] = {}
        self.index = 0
        super().__init__(expand=True)
        self.show(0, update=False)

    def show(self, index: int, update: bool = True) -> None:
        if index not in self.built:
            tab = self.factories[index]()
            tab.expand = True
            self.built[index] = tab
            self.controls.append(tab)
        self.index = index
        for n, tab in self.built.items():
            tab.visible = n == index
        if update:
            self.update()
