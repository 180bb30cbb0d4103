"""A 专业技术人员 on the phone (issue 26 point 4): the task detail marks them and the item that
needs their specialty; on the expert's own phone there is no way into the form (only 执法人员
sign); the notice, the code, the paper and the photos give them no 执法证."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import strings as s
from app.domain.inspection import notice_for
from app.domain.tasks import credential, experts, officers
from app.services.tasks import TaskService
from app.store import Enrolment, LocalStore
from app.views.task_detail import TaskDetailView
from sync import read_tasks
from tests.app.factories import make_task
from tests.app.test_issue24_inspector import texts

EXPERT = {"id": "ZJ001", "name": "王工", "badge_no": "", "kind": "专业技术人员"}


def expert_task() -> dict[str, Any]:
    task = make_task()
    task["team"] = [{**m, "kind": "执法人员"} for m in task["team"]] + [EXPERT]
    task["items"][0]["specialty"] = "电梯检验"
    return task


def detail(tmp_path: Path, own: str) -> list[str]:
    store = LocalStore.open(tmp_path / "zsc.db")
    (task,) = read_tasks({"tasks": [expert_task()]})
    store.save_tasks([task], "2026-03-02T09:00:00+08:00")
    store.save_enrolment(Enrolment("http://127.0.0.1:1", "D-1", "token", "inspector",
                                   {"id": own, "name": "某", "department": "市场监管局", "badge_no": ""},
                                   "2026-03-01T08:00:00+08:00"))
    kept = store.task(task["id"])
    assert kept is not None
    view = TaskDetailView(kept, TaskService(store), show_code=lambda: None, inspect=lambda: None,
                          discard=lambda: None, save_paper=lambda _: None, open_record=lambda _: None)
    return texts(view)


@pytest.mark.parametrize(("own", "may_start"), [("WH001", True), ("ZJ001", False)])
def test_the_detail_marks_the_expert_and_only_an_officer_may_start(tmp_path: Path, own: str,
                                                                   may_start: bool) -> None:
    shown = detail(tmp_path, own)
    assert s.TEAM_EXPERT.format(name="王工") in shown
    assert s.ITEM_SPECIALTY.format(specialty="电梯检验") in shown
    assert (s.START_INSPECTION in shown) is may_start
    assert (s.EXPERT_NO_SIGNING in shown) is not may_start


def test_nobody_shows_an_experts_card() -> None:
    task: Any = expert_task()
    assert [m["id"] for m in officers(task)] == ["WH001", "WH002"]
    assert [m["id"] for m in experts(task)] == ["ZJ001"]
    assert [m["id"] for m in notice_for(task, "2026-03-02T09:00:00+08:00")["inspectors"]] == ["WH001", "WH002"]
    assert credential(EXPERT) == "专业技术人员"  # type: ignore[arg-type]
    assert credential(task["team"][0]) == "37020001"


def test_a_task_from_a_platform_before_experts_reads_as_officers_only() -> None:
    task: Any = make_task()  # no "kind" on anyone
    assert officers(task) == task["team"] and experts(task) == []
