"""检查历史 and 风险预警 as controls: the same on a task and on an enterprise found by 信息查询."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import flet as ft

from .. import strings as s
from ..domain.lookup import HistoryEntry, RiskWarning


def history_key(entry: HistoryEntry) -> ft.ScrollKey:
    """The scroll key of an entry's card, which its warning line jumps to."""
    # ScrollKey is a dataclass behind flet's lazy decorator, which hides its field from mypy.
    return ft.ScrollKey(f"history-{entry.record_id}")  # type: ignore[call-arg]


def warning_reason(warning: RiskWarning) -> str:
    """The one line that says why (date of the inspection, and the deadline where one passed)."""
    entry = warning.entry
    due = entry.followup.due_on.isoformat() if entry.followup else ""
    return s.WARNING_REASONS[warning.kind].format(date=entry.inspected_on.isoformat(), due=due)


class WarningBanner(ft.Container):
    """A red banner at the top of a task (or an enterprise): one line per warning, each a
    48-pixel button that brings its history entry into view."""

    def __init__(self, warnings: Sequence[RiskWarning],
                 open_entry: Callable[[HistoryEntry], None]) -> None:
        lines: list[ft.Control] = [
            ft.Row([ft.Icon(ft.Icons.WARNING_AMBER_ROUNDED, color=ft.Colors.RED_900, size=22),
                    ft.Text(s.WARNING_TITLE, size=16, weight=ft.FontWeight.BOLD, color=ft.Colors.RED_900)],
                   spacing=6)]
        for warning in warnings:
            lines.append(ft.Container(
                height=48, ink=True, border_radius=8, padding=ft.Padding.symmetric(horizontal=6),
                alignment=ft.Alignment.CENTER_LEFT,
                on_click=lambda _, entry=warning.entry: open_entry(entry),
                content=ft.Row([
                    ft.Text(warning_reason(warning), size=14, color=ft.Colors.RED_900, expand=True,
                            max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
                    ft.Text(s.WARNING_SEE, size=13, color=ft.Colors.RED_700),
                    ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.RED_700, size=18)], spacing=4)))
        super().__init__(bgcolor=ft.Colors.RED_50, border_radius=12, padding=10,
                         border=ft.Border.all(1, ft.Colors.RED_200),
                         content=ft.Column(lines, spacing=2))


def _followup_line(entry: HistoryEntry, today: dt.date) -> ft.Control | None:
    f = entry.followup
    if f is None:
        return None
    if not f.open:
        return ft.Text(s.HISTORY_FOLLOWUP_CLOSED.format(disposal=f.disposal, date=f.disposal_date), size=13)
    if today > f.due_on:
        return ft.Text(s.HISTORY_FOLLOWUP_OVERDUE.format(due=f.due_on.isoformat()), size=13,
                       color=ft.Colors.ERROR, weight=ft.FontWeight.W_600)
    return ft.Text(s.HISTORY_FOLLOWUP_OPEN.format(due=f.due_on.isoformat()), size=13)


def history_card(entry: HistoryEntry, today: dt.date, flagged: bool) -> ft.Control:
    """One earlier inspection: date and outcome first (what an inspector scans for), then who
    inspected under which plan, then the follow-up."""
    tags: list[ft.Control] = []
    if not entry.published:
        tags.append(ft.Text(s.HISTORY_UNPUBLISHED, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    if entry.withdrawn:
        tags.append(ft.Text(s.HISTORY_WITHDRAWN, size=12, color=ft.Colors.ERROR))
    lines: list[ft.Control] = [
        ft.Row([ft.Text(entry.inspected_on.isoformat(), size=14, weight=ft.FontWeight.W_600), *tags],
               spacing=8),
        ft.Text(entry.outcome, size=15, weight=ft.FontWeight.W_600,
                color=ft.Colors.RED_900 if flagged else None),
        ft.Text(s.HISTORY_DEPARTMENTS.format(departments="、".join(entry.departments)), size=13,
                color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Text(s.HISTORY_PLAN.format(plan=entry.plan_name), size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    followup = _followup_line(entry, today)
    if followup is not None:
        lines.append(followup)
    return ft.Container(
        key=history_key(entry), padding=ft.Padding.symmetric(vertical=8),
        border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.RED_400 if flagged else ft.Colors.OUTLINE_VARIANT)),
        content=ft.Container(ft.Column(lines, spacing=3), padding=ft.Padding.only(left=10)))


def history_controls(history: Sequence[HistoryEntry], warnings: Sequence[RiskWarning],
                     today: dt.date) -> list[ft.Control]:
    """The 检查历史 section's body: each entry, those behind a warning marked red."""
    if not history:
        return [ft.Text(s.HISTORY_EMPTY, size=14, color=ft.Colors.ON_SURFACE_VARIANT)]
    flagged = {w.entry.record_id for w in warnings}
    return [history_card(e, today, e.record_id in flagged) for e in history]

