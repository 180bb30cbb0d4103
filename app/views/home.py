"""The start screen: who we are and whether the platform can be reached."""

from __future__ import annotations

import flet as ft

from .. import strings as s
from ..config import Config
from ..services.platform import PlatformStatus, fetch_status


class HomeView(ft.Column):
    def __init__(self, config: Config) -> None:
        self.config = config
        self.status_text = ft.Text(s.PLATFORM_CHECKING)
        self.status_icon = ft.Icon(ft.Icons.CLOUD_SYNC_OUTLINED)
        super().__init__(
            spacing=16,
            controls=[
                ft.Text(s.APP_SUBTITLE, size=16, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Card(
                    content=ft.Container(
                        padding=16,
                        content=ft.Column(
                            [
                                ft.Text(s.PLATFORM, size=18, weight=ft.FontWeight.BOLD),
                                ft.Text(f"{s.PLATFORM_ADDRESS}：{config.server_url}", selectable=True),
                                ft.Row([self.status_icon, ft.Container(self.status_text, expand=True)]),
                                ft.Button(s.RETRY, icon=ft.Icons.REFRESH, on_click=self.refresh),
                            ]
                        ),
                    )
                ),
            ],
        )

    def did_mount(self) -> None:
        self.page.run_task(self.refresh)

    async def refresh(self, _: object = None) -> None:
        self.status_text.value = s.PLATFORM_CHECKING
        self.update()
        self.show(await fetch_status(self.config.server_url, self.config.server_timeout_seconds))

    def show(self, status: PlatformStatus) -> None:
        if status.online:
            self.status_icon.icon = ft.Icons.CLOUD_DONE
            self.status_icon.color = ft.Colors.GREEN
            self.status_text.value = f"{s.PLATFORM_ONLINE}。" + s.PLATFORM_DIRECTORY.format(
                entities=status.entities, inspectors=status.inspectors, items=status.items
            )
        else:
            self.status_icon.icon = ft.Icons.CLOUD_OFF
            self.status_icon.color = ft.Colors.ORANGE
            self.status_text.value = s.PLATFORM_OFFLINE
        self.update()
