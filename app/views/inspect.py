"""现场检查: the form. Everything is saved as it changes; signing asks for confirmation first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from sync import MAX_NOTE_LENGTH, Outcome

from .. import strings as s
from ..components import Choices, ItemCard, Section, primary_button, update_if_shown
from ..domain.clock import local_time
from ..domain.coordinates import parse_coordinates
from ..domain.inspection import coordinates_text, describe_location
from ..services.files import FileService
from ..services.location import LocationService, LocationUnavailable
from ..viewmodels.inspection import InspectionModel
from .signing import ask_to_sign, show_missing

# ScrollKey is a dataclass behind flet's lazy decorator, which hides its field from mypy.
LOCATION_KEY = ft.ScrollKey("location")  # type: ignore[call-arg]


class InspectView(ft.View):
    def __init__(self, model: InspectionModel, *, files: FileService | None,
                 location: LocationService | None,
                 on_signed: Callable[[str], Awaitable[None]],
                 acknowledge: Callable[[], None]) -> None:
        self.model = model
        self.acknowledge = acknowledge
        self.files = files
        self.location_service = location
        self.on_signed = on_signed
        task = model.task
        self.cards = [ItemCard(n, item, model, self._pick_photos)
                      for n, item in enumerate(task["items"], start=1)]
        # location
        self.location_text = ft.Text("", size=14)
        self.location_error = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)
        # autofocus: the field takes the focus when it is built, i.e. when 手工输入 shows it. A
        # focus() sent with the same update can arrive before the field exists and be lost.
        # One field for both values: 度分秒 are typed as one text ("36°4′12.5″N 120°22′58″E"),
        # and a mistake shows as the field's own error text, beside what was typed.
        # The forms accepted stay readable under the field (a hint would be cut at phone width);
        # an error takes their place.
        self.typed_field = ft.TextField(label=s.LOCATION_TYPED_LABEL, hint_text=s.LOCATION_TYPED_HINT,
                                        helper=s.LOCATION_TYPED_HELP, helper_max_lines=2,
                                        dense=True, border_radius=10, autofocus=True, error_max_lines=4,
                                        on_submit=self._use_typed,
                                        on_change=self._typed_changed)
        self.typed = ft.Column([self.typed_field,
                                ft.Row([ft.FilledTonalButton(s.LOCATION_USE_TYPED, on_click=self._use_typed)],
                                       alignment=ft.MainAxisAlignment.END)],
                               horizontal_alignment=ft.CrossAxisAlignment.STRETCH, visible=False)
        self.locating = ft.ProgressRing(width=18, height=18, visible=False)
        # outcome, note, sign
        self.outcome = Choices([o.value for o in Outcome],
                               None if model.draft.outcome is None else str(model.draft.outcome),
                               lambda value: model.set_outcome(Outcome(value)))
        self.missing = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=2,
                               overflow=ft.TextOverflow.ELLIPSIS)
        draft = model.draft
        self.asks_enterprise = draft.visit is None and not draft.nobody_present and not draft.off_site
        """Whether the enterprise acknowledges next (企业确认) or the form is signed at once
        (a revision keeps the visit's acknowledgement; nobody present, there is none)."""
        self.sign_button = (primary_button(s.TO_ACKNOWLEDGE, self._next, icon=ft.Icons.ARROW_FORWARD)
                            if self.asks_enterprise else
                            primary_button(s.SIGN, self._sign, icon=ft.Icons.DRAW_OUTLINED))
        header: list[ft.Control] = [
            ft.Text(task["entity"]["name"], size=19, weight=ft.FontWeight.BOLD),
            ft.Text(s.INSPECT_STARTED.format(time=local_time(model.draft.started_at)), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row([ft.Icon(ft.Icons.CLOUD_DONE_OUTLINED, size=16, color=ft.Colors.GREEN_700),
                    ft.Text(s.INSPECT_SAVED, size=13, color=ft.Colors.GREEN_800)], spacing=6),
        ]
        if draft.off_site:
            header.append(ft.Text(s.OFF_SITE_NOTE, size=13, color=ft.Colors.INDIGO_900))
        if draft.visit is not None:
            header.append(ft.Text(s.INSPECT_VISIT_KEPT, size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        elif draft.notice is not None:
            header.append(ft.Text(s.INSPECT_NOTICE_SHOWN.format(time=local_time(draft.notice["shown_at"])),
                                  size=13, color=ft.Colors.ON_SURFACE_VARIANT))
        elif not draft.off_site:
            header.append(ft.Text(s.INSPECT_ABSENT, size=13, color=ft.Colors.DEEP_ORANGE_900))
        if model.draft.supersedes:
            header.append(ft.Text(s.INSPECT_REVISION, size=13, color=ft.Colors.RED_800))
            if model.review_comment:
                header.append(ft.Container(
                    bgcolor=ft.Colors.RED_50, border_radius=10, padding=10,
                    content=ft.Text(s.INSPECT_REVISION_COMMENT.format(comment=model.review_comment),
                                    size=15, weight=ft.FontWeight.W_600, color=ft.Colors.RED_900)))
        super().__init__(
            route=f"/task/{task['id']}/inspect", padding=12, scroll=ft.ScrollMode.AUTO, spacing=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.INSPECT_OFF_SITE_TITLE if draft.off_site else s.INSPECT_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            bottom_appbar=ft.BottomAppBar(
                height=104, bgcolor=ft.Colors.SURFACE, padding=ft.Padding.symmetric(horizontal=14, vertical=8),
                content=ft.Column([self.missing, ft.Row([self.sign_button])], spacing=6)),
            controls=[
                Section(None, header, spacing=4),
                ft.Row([ft.TextButton(s.ALL_REMAINING_PASS, icon=ft.Icons.DONE_ALL,
                                      on_click=lambda _: model.all_remaining_pass())],
                       alignment=ft.MainAxisAlignment.END),
                *self.cards,
                self._keyed(Section(s.LOCATION_TITLE, [
                    ft.Row([self.locating, self.location_text], spacing=8),
                    ft.Row(wrap=True, spacing=8, controls=[
                        ft.FilledTonalButton(s.LOCATION_LOCATE, icon=ft.Icons.MY_LOCATION,
                                             on_click=self._locate),
                        ft.OutlinedButton(s.LOCATION_TYPE, icon=ft.Icons.EDIT_LOCATION_ALT_OUTLINED,
                                          on_click=self._show_typed),
                        ft.TextButton(s.LOCATION_NONE, on_click=lambda _: model.set_location(None)),
                    ]),
                    self.typed, self.location_error,
                ]), visible=not draft.off_site),
                Section(s.OUTCOME_TITLE, [self.outcome]),
                Section(s.NOTE_TITLE, [ft.TextField(value=model.draft.note, multiline=True, min_lines=2,
                                                   border_radius=10, label=s.NOTE_TITLE,
                                                   max_length=MAX_NOTE_LENGTH,
                                                   on_change=lambda e: model.set_note(e.control.value or ""))]),
                ft.Container(height=12),
            ],
        )
        model.subscribe(self.render)
        self.render(update=False)

    @staticmethod
    def _keyed(section: ft.Container, *, visible: bool) -> ft.Container:
        """The 检查地点 card (hidden for an office inspection: no place to record)."""
        section.key, section.visible = LOCATION_KEY, visible
        return section

    async def _show_location(self) -> None:
        """The whole 检查地点 card in view: the field, its error line and 使用此位置 (the
        focused field alone is scrolled to just above the bottom bar, the rest under it)."""
        await self.scroll_to(scroll_key=LOCATION_KEY, duration=200)

    def render(self, update: bool = True) -> None:
        for card in self.cards:
            card.refresh()
        location = self.model.draft.location
        if location is None:
            self.location_text.value = s.LOCATION_NOT_SET
        elif location.source == "device":
            self.location_text.value = s.LOCATION_FROM_DEVICE.format(place=describe_location(location))
        else:
            # The place alone: the line says 手工输入 already (the watermark's suffix would repeat it).
            self.location_text.value = s.LOCATION_FROM_TYPED.format(place=coordinates_text(location))
        missing = self.model.missing
        done_text = (s.TO_ACKNOWLEDGE_TEXT if self.asks_enterprise else
                     s.REVISION_UNCONFIRMED_HINT if self.model.unconfirmed else s.SIGN_CONFIRM_TEXT)
        self.missing.value = self.model.save_error or ("；".join(missing) if missing else done_text)
        self.missing.color = (ft.Colors.ERROR if missing or self.model.save_error
                              else ft.Colors.ON_SURFACE_VARIANT)
        if update:
            update_if_shown(self)

    async def _pick_photos(self, code: str, kind: str) -> None:
        if self.files is None:
            return
        self.model.picking_photos(code)
        files = []
        try:
            files = await self.files.pick_images(pdf=kind == "materials")
        finally:
            await self.model.add_photos(code, files, kind)

    def did_mount(self) -> None:
        """开始检查 asks for the position at once, so that photos taken from the start carry the
        place instead of 位置未知 for good (a reopened draft keeps what the inspector chose)."""
        # Not for a revision: it is made later, elsewhere; its place is the visit's, corrected by hand.
        draft = self.model.draft
        if self.model.started and draft.location is None and draft.visit is None and not draft.off_site:
            self.page.run_task(self._locate, None)

    async def _locate(self, _: object) -> None:
        if self.location_service is None:
            return
        self.locating.visible, self.location_error.visible = True, False
        self.update()
        try:
            self.model.set_location(await self.location_service.current())
        except LocationUnavailable as e:
            self.location_error.value, self.location_error.visible = str(e), True
            self.typed.visible = True
        finally:
            self.locating.visible = False
            self.update()

    async def _show_typed(self, _: object) -> None:
        self.typed.visible = True
        self.update()
        await self.typed_field.focus()  # type: ignore[no-untyped-call]  # flet leaves focus() unannotated
        await self._show_location()

    async def _use_typed(self, _: object) -> None:
        try:
            location = parse_coordinates(self.typed_field.value or "")
        except ValueError as e:
            self.typed_field.error = str(e)
            self.update()
            await self._show_location()
            return
        self.typed_field.error = None
        self.location_error.visible, self.typed.visible = False, False
        self.model.set_location(location)

    def _typed_changed(self, _: object) -> None:
        """A corrected value clears the old complaint (it is checked again on 使用此位置)."""
        if self.typed_field.error:
            self.typed_field.error = None
            self.typed_field.update()

    def _next(self, _: object) -> None:
        """On to 企业确认 once the form is complete."""
        missing = self.model.missing
        if missing:
            show_missing(self.page, missing)
            return
        self.acknowledge()

    def _sign(self, _: object) -> None:
        """Sign; a revision whose content the enterprise has not answered on asks first whether
        the enterprise confirms it again (企业确认) or it goes as 修订内容未经企业确认."""
        model = self.model
        missing = model.missing
        if missing:
            show_missing(self.page, missing)
            return
        if model.draft.reconfirm:
            self.acknowledge()
            return
        if not model.unconfirmed:
            self._sign_now()
            return

        def choose(again: bool) -> None:
            self.page.pop_dialog()
            model.ask_enterprise_again(again)
            if again:
                self.acknowledge()
            else:
                self._sign_now()

        self.page.show_dialog(ft.AlertDialog(
            title=ft.Text(s.REVISION_UNCONFIRMED_TITLE),
            content=ft.Text(s.REVISION_UNCONFIRMED_TEXT, size=15),
            actions=[ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.TextButton(s.REVISION_WITHOUT_ENTERPRISE, on_click=lambda _: choose(False)),
                     ft.FilledButton(s.REVISION_ASK_ENTERPRISE, on_click=lambda _: choose(True))]))

    def _sign_now(self) -> None:
        ask_to_sign(self.page, self.model, leaving=lambda: self.model.unsubscribe(self.render),
                    on_signed=self.on_signed)
