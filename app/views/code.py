"""亮码: the task's signed inspection code as a full-screen QR code, for the enterprise to scan."""

from __future__ import annotations

import flet as ft

from sync import TaskJson

from .. import strings as s
from ..domain.tasks import credential
from ..services.qr import qr_png, verification_url


class CodeView(ft.View):
    def __init__(self, task: TaskJson, server_url: str) -> None:
        png = qr_png(verification_url(server_url, task["code_token"]))
        team = "、".join(f"{m['name']}（{credential(m)}）" for m in task["team"])
        super().__init__(
            route=f"/task/{task['id']}/code", bgcolor=ft.Colors.WHITE, padding=20,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER, scroll=ft.ScrollMode.AUTO,
            appbar=ft.AppBar(title=ft.Text(s.CODE_TITLE), bgcolor=ft.Colors.WHITE),
            controls=[
                ft.Text(task["entity"]["name"], size=20, weight=ft.FontWeight.BOLD,
                        text_align=ft.TextAlign.CENTER, color=ft.Colors.BLACK),
                ft.Text(s.CODE_INSTRUCTION, size=15, text_align=ft.TextAlign.CENTER,
                        color=ft.Colors.GREY_800),
                ft.Image(src=png, width=340, height=340, fit=ft.BoxFit.CONTAIN,
                         filter_quality=ft.FilterQuality.NONE,
                         semantics_label=s.CODE_TITLE),
                ft.Text(f"{s.CODE_TEAM}：{team}", size=15, text_align=ft.TextAlign.CENTER,
                        color=ft.Colors.BLACK),
                ft.Text(f"{s.TASK_DUE_DATE}：{task['due']}", size=14, color=ft.Colors.GREY_800),
                ft.Row([ft.Icon(ft.Icons.OFFLINE_PIN_OUTLINED, size=18, color=ft.Colors.GREEN_800),
                        ft.Text(s.CODE_OFFLINE, size=13, color=ft.Colors.GREY_700)],
                       alignment=ft.MainAxisAlignment.CENTER),
            ],
        )
