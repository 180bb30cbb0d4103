"""The first screen stays small: tabs built at their first show, the task list a page at a time."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft
from sqlite_utils import Database

from app.components import TabBody
from app.services.tasks import TaskService
from app.store import LocalStore
from app.viewmodels.tasks import TaskListModel
from app.views.task_list import PAGE_SIZE, TaskListTab
from tests.app.factories import make_task


def test_each_tab_is_built_at_its_first_show_and_kept() -> None:
    built: list[int] = []

    def factory(n: int) -> Callable[[], ft.Control]:
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


def test_the_task_list_draws_a_page_of_cards_and_more_on_request() -> None:
    """A thousand tasks cost the first screen twenty cards; 显示更多 adds twenty at a time,
    and a search starts again from the first page."""
    store = LocalStore(Database(memory=True))
    store.save_tasks([make_task(f"T-{n:04d}", name=f"第{n}号食品店") for n in range(1000)],
                     "2026-03-01T08:00:00+08:00")
    model = TaskListModel(TaskService(store))
    model.load()
    tab = TaskListTab(model, lambda _: None)

    def more_button() -> ft.TextButton:
        last = tab.list.controls[-1]
        assert isinstance(last, ft.TextButton)
        return last

    assert len(tab.list.controls) == PAGE_SIZE + 1 == 21
    assert more_button().content == "显示更多（还有 980 个）"
    tab._more(None)
    assert len(tab.list.controls) == 2 * PAGE_SIZE + 1
    assert more_button().content == "显示更多（还有 960 个）"
    model.search("第999号")
    assert [c for c in tab.list.controls if isinstance(c, ft.TextButton)] == []
    assert len(tab.list.controls) == 1
