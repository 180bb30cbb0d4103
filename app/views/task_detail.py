"""任务详情: everything the inspector needs on site, the 亮码 button and the way into the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import flet as ft

from sync import OutboxState, TaskItem, TaskJson

from .. import strings as s
from ..components import (
    InfoRow,
    Section,
    StateChip,
    WarningBanner,
    history_controls,
    primary_button,
)
from ..components.history import history_key
from ..domain.lookup import HistoryEntry
from ..domain.tasks import TaskState, is_expert
from ..services.tasks import TaskService


def item_tile(n: int, item: TaskItem) -> ft.Control:
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
            *([ft.Text(s.ITEM_SPECIALTY.format(specialty=item["specialty"]), size=14,
                       color=ft.Colors.TEAL_900)] if item.get("specialty") else []),
        ],
    )


def scheme_section(task: TaskJson) -> list[ft.Control]:
    """The plan's 检查方案 (issue 26) above the items it goes with; nothing for a plan without."""
    scheme = task.get("scheme")
    if not scheme:
        return []
    return [Section(s.TASK_SCHEME, [
        InfoRow(s.SCHEME_CONTENT, scheme["content"]),
        InfoRow(s.SCHEME_SCHEDULE, scheme["schedule"]),
        InfoRow(s.SCHEME_METHOD, scheme["method"]),
    ])]


class TaskDetailView(ft.View):
    def __init__(self, task: TaskJson, tasks: TaskService, *, show_code: Callable[[], None],
                 inspect: Callable[[], None], discard: Callable[[], None],
                 save_paper: Callable[[str], None], open_record: Callable[[str], None]) -> None:
        state = tasks.state(task)
        latest = tasks.latest_record(task["id"])
        entity = task["entity"]
        today = dt.date.today()
        history = tasks.history(task["id"])
        warnings = tasks.warnings(task["id"], today)
        hint: list[ft.Control] = [ft.Text(s.TASK_STATE_HINT[state], size=14)]
        if warnings:
            hint.insert(0, WarningBanner(warnings, self._show_entry))
        comment = tasks.review_comment(task)
        if comment:
            hint.append(ft.Container(
                bgcolor=ft.Colors.RED_50, border_radius=10, padding=10,
                content=ft.Text(s.TASK_REVIEWER_COMMENT.format(comment=comment), size=15,
                                weight=ft.FontWeight.W_600, color=ft.Colors.RED_900)))
        for recusal in tasks.recusals(task["id"]):  # 回避 requested on site (issue 14)
            line = s.RECUSAL_SENT if recusal["sent"] and not recusal["error"] else s.RECUSAL_PENDING
            hint.append(ft.Text(line.format(name=recusal["inspector_name"], reason=recusal["reason"])
                                + (f"（{recusal['error']}）" if recusal["error"] else ""),
                                size=14, color=ft.Colors.DEEP_ORANGE_900))
        if latest is not None and latest.error:
            line = s.TASK_REFUSED_REASON if latest.outbox == OutboxState.REJECTED else s.TASK_RETURN_REASON
            hint.append(ft.Text(line.format(reason=latest.error), size=14, color=ft.Colors.ERROR))
        actions: list[ft.Control] = [
            ft.Row([ft.OutlinedButton(content=ft.Text(s.SHOW_CODE, size=17), icon=ft.Icons.QR_CODE_2,
                                      height=52, expand=True, on_click=lambda _: show_code())]),
        ]
        label = {TaskState.TODO: s.START_INSPECTION, TaskState.IN_PROGRESS: s.CONTINUE_INSPECTION,
                 TaskState.RETURNED: s.REVISE_INSPECTION}.get(state)
        if tasks.own_member_is_expert(task):  # a 专业技术人员 does not sign (issue 26)
            label = None
            actions.append(ft.Text(s.EXPERT_NO_SIGNING, size=15, color=ft.Colors.ON_SURFACE_VARIANT))
        if label:
            actions.append(ft.Row([primary_button(label, lambda _: inspect(), icon=ft.Icons.EDIT_NOTE)]))
        if latest is not None:  # the last record signed here: its 现场检查笔录, and the record itself
            record_id = latest.id
            actions.append(ft.Row([ft.OutlinedButton(
                content=ft.Text(s.PAPER_SAVE, size=17), icon=ft.Icons.PICTURE_AS_PDF_OUTLINED,
                height=52, expand=True, on_click=lambda _: save_paper(record_id))]))
            actions.append(ft.TextButton(s.OWN_RECORD_OPEN, icon=ft.Icons.DESCRIPTION_OUTLINED,
                                         on_click=lambda _: open_record(record_id)))
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
                Section(f"{s.HISTORY_TITLE}（{len(history)}）", history_controls(history, warnings, today)),
                Section(s.TASK_TEAM, [
                    ft.Row([ft.Icon(ft.Icons.ENGINEERING_OUTLINED if is_expert(m) else ft.Icons.BADGE_OUTLINED,
                                    size=20),
                            ft.Text(s.TEAM_EXPERT.format(name=m["name"]) if is_expert(m)
                                    else f"{m['name']}　{s.DEVICE_BADGE} {m['badge_no']}", size=15)])
                    for m in task["team"]
                ]),
                *scheme_section(task),
                Section(f"{s.TASK_ITEMS_TITLE}（{len(task['items'])}）",
                        [item_tile(n, item) for n, item in enumerate(task["items"], start=1)],
                        spacing=0),
            ],
        )

    def _show_entry(self, entry: HistoryEntry) -> None:
        """A warning's line was tapped: bring its history entry into view."""
        self.page.run_task(self.scroll_to, scroll_key=history_key(entry), duration=300)
