"""企业确认: the enterprise's representative reads what was found and signs with a finger, or
refuses (a witness and photos stand instead). Then the device signs the whole record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from sync import MAX_NOTE_LENGTH, AcknowledgementKind, ItemResult

from .. import strings as s
from ..components import Section, primary_button, update_if_shown
from ..components.choices import radio
from ..components.signature_pad import SignaturePad
from ..services.files import FileService
from ..viewmodels.inspection import REFUSAL, InspectionModel
from .signing import ask_to_sign

RESULT_COLOURS = {ItemResult.PASS: ft.Colors.GREEN_800, ItemResult.FAIL: ft.Colors.RED_800,
                  ItemResult.NOT_APPLICABLE: ft.Colors.BLUE_GREY_700, ItemResult.AWAITING_LAB: ft.Colors.INDIGO_800}


def _field(label: str, value: str, on_change: Callable[[str], None], *, multiline: bool = False,
           max_length: int = 40) -> ft.TextField:
    return ft.TextField(label=label, value=value, border_radius=10, multiline=multiline,
                        min_lines=2 if multiline else 1, max_length=max_length,
                        counter="" if not multiline else None,
                        on_change=lambda e: on_change(e.control.value or ""))


class AcknowledgeView(ft.View):
    def __init__(self, model: InspectionModel, *, files: FileService | None,
                 on_signed: Callable[[str], Awaitable[None]]) -> None:
        self.model = model
        self.files = files
        self.on_signed = on_signed
        ack = model.draft.ack
        self.kind = ft.RadioGroup(
            value=None if ack.kind is None else str(ack.kind),
            on_change=lambda e: model.set_ack_kind(AcknowledgementKind(e.control.value)),
            content=ft.Column([radio(k, s.ACK_KINDS[k]) for k in
                               (AcknowledgementKind.SIGNED, AcknowledgementKind.REFUSED)], spacing=0))
        text = model.set_ack_text
        self.signature = ft.Column(spacing=8)
        # Stretched: the fields are as wide as the cards above them.
        self.signed_panel = ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
            _field(s.ACK_NAME, ack.name, lambda v: text("name", v)),
            _field(s.ACK_ROLE, ack.role, lambda v: text("role", v)),
            _field(s.ACK_STATEMENT, ack.statement, lambda v: text("statement", v), multiline=True,
                   max_length=MAX_NOTE_LENGTH),
            self.signature,
        ])
        self.refusal_photos = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self.refusal_error = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)
        self.refused_panel = ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
            _field(s.ACK_REFUSAL_NOTE, ack.note, lambda v: text("note", v), multiline=True,
                   max_length=MAX_NOTE_LENGTH),
            _field(s.ACK_WITNESS_NAME, ack.witness_name, lambda v: text("witness_name", v)),
            _field(s.ACK_WITNESS_UNIT, ack.witness_unit, lambda v: text("witness_unit", v),
                   max_length=100),
            ft.Text(s.ACK_REFUSAL_PHOTO, size=14),
            self.refusal_photos, self.refusal_error,
        ])
        self.missing = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2,
                               overflow=ft.TextOverflow.ELLIPSIS)
        self._shown: tuple[object, ...] | None = None
        super().__init__(
            route=f"/task/{model.task['id']}/inspect/acknowledge", padding=12, scroll=ft.ScrollMode.AUTO,
            spacing=12, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.ACK_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            bottom_appbar=ft.BottomAppBar(
                height=104, bgcolor=ft.Colors.SURFACE, padding=ft.Padding.symmetric(horizontal=14, vertical=8),
                content=ft.Column([self.missing, ft.Row([primary_button(
                    s.SIGN, self._sign, icon=ft.Icons.DRAW_OUTLINED)])], spacing=6)),
            controls=[self._summary(), Section(s.ACK_KIND, [self.kind]), self.signed_panel,
                      self.refused_panel, ft.Container(height=12)],
        )
        model.subscribe(self.render)
        self.render(update=False)

    def _summary(self) -> ft.Control:
        """What the representative reads before signing, in large type."""
        task, draft = self.model.task, self.model.draft
        lines: list[ft.Control] = [ft.Text(task["entity"]["name"], size=19, weight=ft.FontWeight.BOLD)]
        for n, item in enumerate(task["items"], start=1):
            answer = draft.answer(item["code"])
            result = answer.result or ItemResult.NOT_APPLICABLE
            lines.append(ft.Text(spans=[
                ft.TextSpan(f"{n}. {item['name']}："),
                ft.TextSpan(str(result), style=ft.TextStyle(weight=ft.FontWeight.BOLD,
                                                            color=RESULT_COLOURS[result]))], size=16))
            if answer.note.strip():
                lines.append(ft.Text(answer.note.strip(), size=15, color=ft.Colors.ON_SURFACE_VARIANT))
            if answer.lab is not None:  # the enterprise reads what was sampled and where it goes
                lines.append(ft.Text(s.REVIEW_ITEM_LAB.format(**answer.lab), size=15,
                                     color=ft.Colors.INDIGO_900))
        lines.append(ft.Text(f"{s.OUTCOME_TITLE}：{draft.outcome or '—'}", size=17,
                             weight=ft.FontWeight.W_600))
        if draft.note.strip():
            lines.append(ft.Text(draft.note.strip(), size=15))
        return Section(s.ACK_REVISION if draft.reconfirm else s.ACK_READ, lines, spacing=6)

    def render(self, update: bool = True) -> None:
        ack = self.model.draft.ack
        self.signed_panel.visible = ack.kind == AcknowledgementKind.SIGNED
        self.refused_panel.visible = ack.kind == AcknowledgementKind.REFUSED
        shown = (ack.signature, tuple(ack.photos), self.model.photo_errors.get(REFUSAL))
        if shown != self._shown:  # rebuilt only when they change: the text fields keep their caret
            self._shown = shown
            self._render_signature()
            self._render_refusal_photos()
        missing = self.model.ack_missing
        self.missing.value = self.model.save_error or ("；".join(missing) if missing else s.SIGN_CONFIRM_TEXT)
        self.missing.color = ft.Colors.ERROR if missing or self.model.save_error else ft.Colors.ON_SURFACE_VARIANT
        if update:
            update_if_shown(self)

    def _render_signature(self) -> None:
        image = self.model.signature_image()
        preview: ft.Control = (
            ft.Container(ft.Image(src=image, width=240, height=136, fit=ft.BoxFit.CONTAIN,
                                  semantics_label=s.ACK_SIGNED),
                         bgcolor=ft.Colors.WHITE, border_radius=8, padding=4,
                         border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT))
            if image else ft.Text(s.ACK_MISSING_SIGNATURE, size=14, color=ft.Colors.ON_SURFACE_VARIANT))
        self.signature.controls = [preview, ft.Row([ft.FilledTonalButton(
            s.ACK_REDRAW if image else s.ACK_DRAW, icon=ft.Icons.GESTURE, height=48,
            on_click=self._open_pad)])]

    def _render_refusal_photos(self) -> None:
        ack = self.model.draft.ack
        self.refusal_photos.controls = [self._thumbnail(sha) for sha in ack.photos] + [
            ft.OutlinedButton(content=ft.Text(s.ITEM_ADD_PHOTO), icon=ft.Icons.ADD_A_PHOTO_OUTLINED,
                              height=48, on_click=self._pick)]
        error = self.model.photo_errors.get(REFUSAL)
        self.refusal_error.value, self.refusal_error.visible = error or "", bool(error)

    def _thumbnail(self, sha256: str) -> ft.Control:
        data = self.model.thumbnail(sha256)
        return ft.Stack(width=76, height=76, controls=[
            ft.Image(src=data, width=76, height=76, fit=ft.BoxFit.COVER, border_radius=8) if data
            else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40),
            ft.Container(right=0, top=0, width=28, height=28, border_radius=14,
                         bgcolor=ft.Colors.with_opacity(0.55, ft.Colors.BLACK),
                         content=ft.IconButton(ft.Icons.CLOSE, icon_size=16, icon_color=ft.Colors.WHITE,
                                               tooltip=s.ITEM_REMOVE_PHOTO, padding=0,
                                               on_click=lambda _: self.model.remove_refusal_photo(sha256))),
        ])

    async def _pick(self, _: object) -> None:
        if self.files is not None:
            await self.model.add_refusal_photos(await self.files.pick_images())

    def _open_pad(self, _: object) -> None:
        """The pad in a dialog of its own: nothing scrolls under the finger while it signs."""
        pad = SignaturePad()
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        def use(_: object) -> None:
            if not pad.strokes:
                problem.value, problem.visible = s.ACK_SIGNATURE_EMPTY, True
                problem.update()
                return
            self.model.set_signature(pad.strokes, pad.width or 0, pad.height or 0)
            self.page.pop_dialog()

        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(s.ACK_DRAW),
            content=ft.Column([pad, problem], tight=True, spacing=8),
            actions=[ft.TextButton(s.ACK_CLEAR, on_click=lambda _: pad.clear()),
                     ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.ACK_USE_SIGNATURE, on_click=use)]))

    def _sign(self, _: object) -> None:
        ask_to_sign(self.page, self.model, leaving=lambda: self.model.unsubscribe(self.render),
                    on_signed=self.on_signed)
