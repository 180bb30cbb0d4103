"""Starts the 掌上查 app: ``python -m app`` serves the web client (phone builds use ``main``)."""

from __future__ import annotations

import os
from pathlib import Path

import flet as ft

from . import strings as s
from .config import Config, load_config
from .views.home import HomeView

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
CJK_FONT = "fonts/ZSCSans-Regular.otf"


def build(page: ft.Page, config: Config) -> None:
    page.title = s.APP_NAME
    page.fonts = {"CJK": CJK_FONT}
    page.theme = ft.Theme(font_family="CJK", color_scheme_seed=ft.Colors.INDIGO)
    page.padding = 16
    page.appbar = ft.AppBar(title=ft.Text(s.APP_NAME))
    page.add(HomeView(config))


def main(page: ft.Page) -> None:
    build(page, load_config())


def serve_web() -> None:
    """Serve the web client without opening a browser (the URL is printed instead)."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    config = load_config()
    print(f"{s.APP_NAME} 应用：http://{config.web_host}:{config.web_port}/", flush=True)
    ft.run(
        main,
        view=ft.AppView.WEB_BROWSER,
        host=config.web_host,
        port=config.web_port,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
    )
