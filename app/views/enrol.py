"""登记本机: the first screen of an unenrolled phone, then who the phone belongs to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from .. import strings as s
from ..components import InfoRow, Section, primary_button
from ..services.enrolment import EnrolError, enrol, parse_enrol_input
from ..state import AppState
from ..store import Enrolment


class EnrolView(ft.View):
    def __init__(self, app: AppState, on_enrolled: Callable[[Enrolment], Awaitable[None]]) -> None:
        self.app = app
        self.on_enrolled = on_enrolled
        self.server = ft.TextField(label=s.ENROL_SERVER, value=app.config.server_url,
                                   keyboard_type=ft.KeyboardType.URL, border_radius=12)
        self.code = ft.TextField(label=s.ENROL_CODE, hint_text=s.ENROL_CODE_HINT, border_radius=12,
                                 on_submit=self.submit)
        self.error = ft.Text("", color=ft.Colors.ERROR, size=14, visible=False)
        self.working = ft.Row([ft.ProgressRing(width=22, height=22), ft.Text(s.ENROL_WORKING)],
                              visible=False)
        self.button = primary_button(s.ENROL_SUBMIT, self.submit, icon=ft.Icons.VERIFIED_USER)
        super().__init__(
            route="/", padding=20, scroll=ft.ScrollMode.AUTO, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            controls=[
                ft.Container(height=24),
                ft.Icon(ft.Icons.SHIELD_OUTLINED, size=48, color=ft.Colors.PRIMARY),
                ft.Text(s.APP_NAME, size=30, weight=ft.FontWeight.BOLD),
                ft.Text(s.APP_SUBTITLE, size=15, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Container(height=8),
                Section(s.ENROL_TITLE, [
                    ft.Text(s.ENROL_INTRO, size=14),
                    self.server,
                    self.code,
                    ft.Row([ft.Icon(ft.Icons.QR_CODE_SCANNER, size=18, color=ft.Colors.OUTLINE),
                            ft.Text(s.ENROL_NO_CAMERA, size=13, color=ft.Colors.ON_SURFACE_VARIANT,
                                    expand=True)], vertical_alignment=ft.CrossAxisAlignment.START),
                    self.error,
                    ft.Row([self.button]),
                    self.working,
                ], spacing=14),
            ],
        )

    async def submit(self, _: object = None) -> None:
        self.error.visible = False
        try:
            given = parse_enrol_input(self.server.value or "", self.code.value or "")
        except EnrolError as e:
            self.show_error(str(e))
            return
        self.button.disabled, self.working.visible = True, True
        self.update()
        try:
            enrolment = await enrol(given, store=self.app.store, vault=self.app.vault,
                                    timeout=self.app.config.server_timeout_seconds)
        except EnrolError as e:
            self.show_error(str(e))
            return
        finally:
            self.button.disabled, self.working.visible = False, False
        await self.on_enrolled(enrolment)

    def show_error(self, message: str) -> None:
        self.error.value, self.error.visible = message, True
        self.button.disabled, self.working.visible = False, False
        self.update()


def owner_section(enrolment: Enrolment) -> Section:
    """Who this phone belongs to (the enrolment's inspector)."""
    who = enrolment.inspector
    return Section(s.ENROL_BELONGS_TO, [
        ft.Row([
            ft.CircleAvatar(content=ft.Text(who.get("name", "?")[:1], size=20), radius=26,
                            bgcolor=ft.Colors.PRIMARY_CONTAINER),
            ft.Column([ft.Text(who.get("name", ""), size=22, weight=ft.FontWeight.BOLD),
                       ft.Text(f"{s.DEVICE_BADGE} {who.get('badge_no', '')}", size=14)], spacing=2),
        ], spacing=14),
        InfoRow(s.DEVICE_DEPARTMENT, who.get("department", "")),
    ])
