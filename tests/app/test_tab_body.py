"""TabBody: a tab is built at its first show, then kept (scroll position, subscriptions)."""

from __future__ import annotations

import flet as ft

from app.components import TabBody


def test_each_tab_is_built_at_its_first_show_and_kept() -> None:
    built: list[int] = []

    def factory(n: int) -> ft.Control:
        def make() -> ft.Control:
            built.append(n)
            return ft.Text(f"tab {n}")
        return make

    body = TabBody([factory(n) for n in range(4)])
    assert built == [0] and len(body.controls) == 1  # the first screen carries one tab only
    body.show(2, update=False)
    body.show(0, update=False)
    body.show(2, update=False)
    assert built == [0, 2]
    assert [c.visible for c in body.controls] == [False, True]
    assert body.index == 2 and all(c.expand for c in body.controls)
