"""Signing a record, from the form (a revision, nobody present) or from 企业确认: what is missing
first, then the summary and a confirmation, then the device's signature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from .. import strings as s
from ..services.inspections import SigningError
from ..viewmodels.inspection import InspectionModel


def show_missing(page: ft.Page, missing: list[str]) -> None:
    page.show_dialog(ft.AlertDialog(
        title=ft.Text(s.SIGN_MISSING_TITLE),
        content=ft.Column([ft.Text(f"• {m}", size=15) for m in missing], tight=True),
        actions=[ft.TextButton(s.OK, on_click=lambda _: page.pop_dialog())]))


def ask_to_sign(page: ft.Page, model: InspectionModel, *, leaving: Callable[[], None],
                on_signed: Callable[[str], Awaitable[None]]) -> None:
    """Say what is missing, or confirm and sign; ``leaving`` runs before ``on_signed`` (given the
    record's id) moves on and says where the record is."""
    missing = model.missing + model.ack_missing
    if missing:
        show_missing(page, missing)
        return

    async def confirmed(_: object) -> None:
        page.pop_dialog()
        try:
            record = await model.sign()
        except SigningError as e:
            page.show_dialog(ft.AlertDialog(
                title=ft.Text(s.SIGN_MISSING_TITLE), content=ft.Text(str(e)),
                actions=[ft.TextButton(s.OK, on_click=lambda _: page.pop_dialog())]))
            return
        leaving()
        await on_signed(record["id"])

    page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text(s.SIGN_CONFIRM_TITLE),
        content=ft.Column([ft.Text(model.summary(), size=15),
                           *([ft.Text(s.REVISION_UNCONFIRMED_NOTE, size=14, weight=ft.FontWeight.W_600,
                                      color=ft.Colors.DEEP_ORANGE_900)] if model.unconfirmed else []),
                           ft.Text(s.SIGN_CONFIRM_TEXT, size=14, color=ft.Colors.ERROR)], tight=True),
        actions=[ft.TextButton(s.CANCEL, on_click=lambda _: page.pop_dialog()),
                 ft.FilledButton(s.SIGN_CONFIRM, on_click=confirmed)]))
