"""A task's or a record's state as a coloured chip."""

from __future__ import annotations

import flet as ft

from sync import SUPERSEDED

from ..domain.tasks import TaskState, shown_state

# (background, text) per state: one colour family each, readable in sunlight.
_COLORS: dict[str, tuple[str, str]] = {
    TaskState.TODO: (ft.Colors.BLUE_GREY_50, ft.Colors.BLUE_GREY_800),
    TaskState.IN_PROGRESS: (ft.Colors.AMBER_100, ft.Colors.BROWN_800),
    TaskState.TO_SYNC: (ft.Colors.ORANGE_100, ft.Colors.DEEP_ORANGE_900),
    TaskState.INCOMPLETE: (ft.Colors.ORANGE_100, ft.Colors.DEEP_ORANGE_900),
    TaskState.SUBMITTED: (ft.Colors.BLUE_50, ft.Colors.BLUE_900),
    TaskState.AWAITING_REPORT: (ft.Colors.PURPLE_50, ft.Colors.PURPLE_900),  # the lab has the sample
    TaskState.RETURNED: (ft.Colors.RED_50, ft.Colors.RED_900),
    TaskState.APPROVED: (ft.Colors.GREEN_50, ft.Colors.GREEN_900),
    TaskState.PUBLISHED: (ft.Colors.GREEN_100, ft.Colors.GREEN_900),
    SUPERSEDED: (ft.Colors.BLUE_GREY_50, ft.Colors.BLUE_GREY_800),  # a revision replaced it
}


def state_colors(state: str) -> tuple[str, str]:
    """Colours for a task state, or for a record's platform or outbox state (the colours of the
    task state it is shown as, ``domain.tasks.shown_state``)."""
    return _COLORS.get(state) or _COLORS[shown_state(state)]


class StateChip(ft.Container):
    def __init__(self, label: str, state: str) -> None:
        background, foreground = state_colors(state)
        super().__init__(
            content=ft.Text(label, size=13, weight=ft.FontWeight.W_600, color=foreground),
            bgcolor=background, border_radius=12, padding=ft.Padding.symmetric(horizontal=10, vertical=3),
        )
