"""任务详情: everything the inspector needs on site, the 亮码 button and the way into the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from .. import strings as s
from ..components import InfoRow, Section, StateChip, primary_button
from ..domain.tasks import TaskState
from ..services.tasks import TaskService


def item_tile(n: int, item: dict[str, Any]) -> ft.Control:
    checkpoints = [ft.Text(f"• {c}", size=14) for c in item.get("checkpoints", [])]
    return ft.ExpansionTile(
        title=ft.Text(f"{n}. {item['name']}", size=15, weight=ft.FontWeight.W_600),
        subtitle=ft.Text(f"{item.get('category', '')} · {item.get('method', '')}", size=13),
        tile_padding=ft.Padding.symmetric(horizontal=4),
        controls_padding=ft.Padding.only(left=8, right=8, bottom=10),
        expanded_cross_axis_alignment=ft.CrossAxisAlignment.START,
        controls=[
            ft.Text(s.ITEM_CHECKPOINTS, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            *checkpoints,
            InfoRow(s.ITEM_BASIS, item.get("basis", "")),
            InfoRow(s.ITEM_DEPARTMENT, item.get("department", "")),
        ],
    )


class TaskDetailView(ft.View):
    def __init__(self, task: dict[str, Any], tasks: TaskService, *, show_code: Callable[[], None],
                 inspect: Callable[[], None], discard: Callable[[], None],
                 open_record: Callable[[str], None]) -> None:
        state = tasks.state(task)
        latest = tasks.latest_record(task["id"])
        entity = task["entity"]
        hint: list[ft.Control] = [ft.Text(s.TASK_STATE_HINT[state], size=14)]
        comment = tasks.review_comment(task)
        if comment:
            hint.append(ft.Container(
                bgcolor=ft.Colors.RED_50, border_radius=10, padding=10,
                content=ft.Text(s.TASK_REVIEWER_COMMENT.format(comment=comment), size=15,
                                weight=ft.FontWeight.W_600, color=ft.Colors.RED_900)))
        if latest is not None and latest.error:
            hint.append(ft.Text(s.TASK_RETURN_REASON.format(reason=latest.error), size=14,
                                color=ft.Colors.ERROR))
        actions: list[ft.Control] = [
            ft.Row([ft.OutlinedButton(content=ft.Text(s.SHOW_CODE, size=17), icon=ft.Icons.QR_CODE_2,
                                      height=52, expand=True, on_click=lambda _: show_code())]),
        ]
        label = {TaskState.TODO: s.START_INSPECTION, TaskState.IN_PROGRESS: s.CONTINUE_INSPECTION,
                 TaskState.RETURNED: s.REVISE_INSPECTION}.get(state)
        if label:
            actions.append(ft.Row([primary_button(label, lambda _: inspect(), icon=ft.Icons.EDIT_NOTE)]))
        if latest is not None:
            actions.append(ft.TextButton(s.OWN_RECORD_OPEN, icon=ft.Icons.DESCRIPTION_OUTLINED,
                                         on_click=lambda _: open_record(latest.id)))
        if state == TaskState.IN_PROGRESS:
            actions.append(ft.TextButton(s.DISCARD_DRAFT, icon=ft.Icons.DELETE_OUTLINE,
                                         on_click=lambda _: discard()))
        super().__init__(
            route=f"/task/{task['id']}", padding=14, scroll=ft.ScrollMode.AUTO,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.TASK_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            controls=[
                Section(None, [
                    ft.Row([ft.Text(entity["name"], size=21, weight=ft.FontWeight.BOLD, expand=True),
                            StateChip(state, state)], vertical_alignment=ft.CrossAxisAlignment.START),
                    *hint,
                    *actions,
                ], spacing=12),
                Section(s.TASK_ENTITY, [
                    InfoRow(s.TASK_ADDRESS, entity.get("address", ""), selectable=True),
                    InfoRow(s.TASK_CREDIT_CODE, task["credit_code"], selectable=True),
                    InfoRow(s.TASK_REGION_INDUSTRY,
                            f"{entity.get('region', '')} / {entity.get('industry', '')}"),
                    InfoRow(s.TASK_PLAN, task.get("plan_name", "")),
                    InfoRow(s.TASK_DUE_DATE, task["due"]),
                ]),
                Section(s.TASK_TEAM, [
                    ft.Row([ft.Icon(ft.Icons.BADGE_OUTLINED, size=20),
                            ft.Text(f"{m['name']}　{s.DEVICE_BADGE} {m['badge_no']}", size=15)])
                    for m in task["team"]
                ]),
                Section(f"{s.TASK_ITEMS_TITLE}（{len(task['items'])}）",
                        [item_tile(n, item) for n, item in enumerate(task["items"], start=1)],
                        spacing=0),
            ],
        )
