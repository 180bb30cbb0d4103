"""The plan's 检查方案 on the phone (issue 26 point 2): read with the task, kept offline in the
app's SQLite, shown on the task detail above the items; a task without one shows nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import strings as s
from app.services.tasks import TaskService
from app.store import LocalStore
from app.views.task_detail import TaskDetailView
from sync import ValidationError, read_tasks
from tests.app.factories import make_task
from tests.app.test_issue24_inspector import texts

SCHEME = {"content": "安全生产责任制与产品质量一并检查", "schedule": "2026年3月至6月，每户半天",
          "method": "现场检查、查阅资料"}


def detail(task: dict[str, Any], store: LocalStore) -> list[str]:
    view = TaskDetailView(task, TaskService(store),  # type: ignore[arg-type]
                          show_code=lambda: None, inspect=lambda: None, discard=lambda: None,
                          save_paper=lambda _: None, open_record=lambda _: None)
    return texts(view)


def stored(tmp_path: Path, task: dict[str, Any]) -> tuple[LocalStore, dict[str, Any]]:
    """The task as the sync stores it and the detail reads it back (a fresh open: offline)."""
    path = tmp_path / "zsc.db"
    LocalStore.open(path).save_tasks(read_tasks({"tasks": [task]}), "2026-03-02T09:00:00+08:00")
    store = LocalStore.open(path)
    kept = store.task(task["id"])
    assert kept is not None
    return store, dict(kept)


def test_the_scheme_is_kept_with_the_task_and_shown(tmp_path: Path) -> None:
    store, task = stored(tmp_path, {**make_task(), "scheme": SCHEME})
    assert task["scheme"] == SCHEME
    shown = detail(task, store)
    for line in (s.TASK_SCHEME, "检查内容", "时间安排", "检查方式", *SCHEME.values()):
        assert line in shown
    assert shown.index(s.TASK_SCHEME) < shown.index(f"{s.TASK_ITEMS_TITLE}（3）"), "above the items"


@pytest.mark.parametrize("scheme", ["absent", None])
def test_a_task_without_a_scheme_shows_nothing_more(tmp_path: Path, scheme: object) -> None:
    task = make_task() if scheme == "absent" else {**make_task(), "scheme": scheme}
    store, kept = stored(tmp_path, task)
    shown = detail(kept, store)
    assert s.TASK_SCHEME not in shown and "时间安排" not in shown


def test_a_malformed_scheme_is_refused_before_anything_is_stored() -> None:
    with pytest.raises(ValidationError) as refused:
        read_tasks({"tasks": [{**make_task(), "scheme": {"content": "只有内容"}}]})
    assert {p.field for p in refused.value.problems} == {"tasks[0].scheme.schedule",
                                                         "tasks[0].scheme.method"}
