"""我的任务: the list, its search and its state filter."""

from __future__ import annotations

from ..domain.tasks import TaskRow, TaskState, count_by_state, filter_rows
from ..services.tasks import TaskService
from .base import Observable


class TaskListModel(Observable):
    def __init__(self, service: TaskService) -> None:
        super().__init__()
        self.service = service
        self.all_rows: list[TaskRow] = []
        self.query = ""
        self.state: TaskState | None = None

    def load(self) -> None:
        self.all_rows = self.service.rows()
        self.changed()

    def search(self, query: str) -> None:
        self.query = query
        self.changed()

    def filter(self, state: TaskState | None) -> None:
        self.state = state
        self.changed()

    @property
    def rows(self) -> list[TaskRow]:
        return filter_rows(self.all_rows, self.query, self.state)

    @property
    def counts(self) -> dict[TaskState, int]:
        return count_by_state(self.all_rows)
