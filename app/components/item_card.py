"""One inspection item in the form: its result buttons, a note and its photos."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from sync import ANSWERS, MAX_NOTE_LENGTH, InspectionMethod, ItemResult, TaskItem, is_pdf

from .. import strings as s
from ..domain.clock import local_time
from ..domain.inspection import item_mode
from ..viewmodels.inspection import InspectionModel

RESULT_COLORS = {ItemResult.PASS: ft.Colors.GREEN_700, ItemResult.FAIL: ft.Colors.RED_700,
                 ItemResult.NOT_APPLICABLE: ft.Colors.BLUE_GREY_600,
                 ItemResult.AWAITING_LAB: ft.Colors.INDIGO_700}
THUMBNAIL = 88
"""A photo's thumbnail in the form, px: room for the 48 px remove button in its corner."""
TOUCH = 48
"""The smallest touch target, px (Material's and Apple's guidance for one-handed use)."""
RESULT_ICONS = {ItemResult.PASS: ft.Icons.CHECK_CIRCLE, ItemResult.FAIL: ft.Icons.CANCEL,
                ItemResult.NOT_APPLICABLE: ft.Icons.REMOVE_CIRCLE, ItemResult.AWAITING_LAB: ft.Icons.SCIENCE}


class ItemCard(ft.Container):
    """An item's card; what it asks follows the item's 检查方式 (issue 27): 实地核查 takes photos,
    书面检查 the enterprise's materials (pictures or PDFs), 网络监测 the address checked and its
    screenshots; any item may be sent for testing (送检), its result 待检测 until the report."""

    def __init__(self, n: int, item: TaskItem, model: InspectionModel,
                 pick_photos: Callable[[str, str], Awaitable[None]]) -> None:
        self.code = item["code"]
        self.model = model
        self.pick_photos = pick_photos
        answer = model.draft.answer(self.code)
        self.mode = item_mode(item) if model.draft.modes else InspectionMethod.ON_SITE
        self.kind = {InspectionMethod.ON_SITE: "photos", InspectionMethod.DOCUMENTS: "materials",
                     InspectionMethod.ONLINE: "screenshots"}[self.mode]
        self.url_field = ft.TextField(label=s.ITEM_URL, hint_text=s.ITEM_URL_HINT, value=answer.url, dense=True,
                                border_radius=10, keyboard_type=ft.KeyboardType.URL,
                                on_change=lambda e: model.set_url(self.code, e.control.value or ""),
                                visible=self.mode == InspectionMethod.ONLINE)
        self.checked_at = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT, visible=False)
        self.evidence_title = ft.Text(
            {"materials": s.ITEM_MATERIALS_TITLE, "screenshots": s.ITEM_SCREENSHOTS_TITLE}.get(self.kind, ""),
            size=14, weight=ft.FontWeight.W_600, visible=self.kind != "photos")
        lab = answer.lab or {}
        self.lab_switch = ft.Switch(label=s.ITEM_LAB_SWITCH, value=answer.lab is not None, height=TOUCH,
                                    on_change=lambda e: model.set_lab(self.code, bool(e.control.value)),
                                    visible=model.draft.modes)
        self.lab_fields = ft.Column(spacing=8, visible=answer.lab is not None, controls=[
            ft.TextField(label=label, value=lab.get(key, ""), dense=True, border_radius=10, max_length=limit,
                         counter="", on_change=lambda e, key=key: model.set_lab_field(self.code, key,
                                                                                     e.control.value or ""))
            for key, label, limit in (("sample", s.ITEM_LAB_SAMPLE, 200), ("lab", s.ITEM_LAB_NAME, 200),
                                      ("accreditation_no", s.ITEM_LAB_ACCREDITATION, 40))])
        self.results = ft.Row(spacing=8)
        self.note = ft.TextField(label=s.ITEM_NOTE, value=answer.note, multiline=True, min_lines=1,
                                 max_lines=4, border_radius=10, dense=True,
                                 max_length=MAX_NOTE_LENGTH, counter="",  # no "0/2000" under every item
                                 on_change=lambda e: model.set_item_note(self.code, e.control.value or ""))
        self.photos = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self.error = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)
        self.suggest_photo = ft.Text(s.ITEM_PHOTO_SUGGESTED, size=13, color=ft.Colors.DEEP_ORANGE_900,
                                     visible=False)
        self._shown_photos: tuple[object, ...] | None = None
        self._thumbnails: dict[str, ft.Control] = {}
        """Each photo's tile, kept while it is shown: a rebuilt row sends only what changed
        (a new tile would carry its thumbnail's bytes to the client, to be decoded again)."""
        checkpoints = "；".join(item.get("checkpoints", []))
        super().__init__(
            bgcolor=ft.Colors.SURFACE, border_radius=14, padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            content=ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
                ft.Text(f"{n}. {item['name']}", size=16, weight=ft.FontWeight.W_600),
                ft.Text(s.ITEM_MODE.format(mode=self.mode.value), size=13, color=ft.Colors.INDIGO_900,
                        visible=model.draft.modes),
                ft.Text(checkpoints, size=13, color=ft.Colors.ON_SURFACE_VARIANT, visible=bool(checkpoints)),
                # an item that needs a 专业技术人员 of the team (issue 26): they check it with you
                ft.Text(s.ITEM_SPECIALTY.format(specialty=item.get("specialty", "")), size=13,
                        color=ft.Colors.TEAL_900, visible=bool(item.get("specialty"))),
                self.results, self.lab_switch, self.lab_fields, self.note, self.url_field, self.checked_at,
                self.suggest_photo, self.evidence_title, self.photos, self.error,
            ]),
        )
        self.refresh()

    def _result_button(self, result: ItemResult, selected: bool) -> ft.Control:
        color = RESULT_COLORS[result]
        def choose(_: object) -> None:
            self.model.set_result(self.code, result)
        style = ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=10),
                               padding=ft.Padding.symmetric(horizontal=6))
        if selected:
            # four answers (送检) leave no room for an icon beside a word at phone width
            four = self.model.draft.answer(self.code).lab is not None
            return ft.FilledButton(content=ft.Text(result.value, size=15),
                                   icon=None if four else RESULT_ICONS[result],
                                   height=TOUCH, expand=True, on_click=choose,
                                   style=ft.ButtonStyle(bgcolor=color, color=ft.Colors.WHITE,
                                                        shape=style.shape, padding=style.padding))
        return ft.OutlinedButton(content=ft.Text(result.value, size=15), height=TOUCH, expand=True,
                                 on_click=choose, style=style)

    def refresh(self) -> None:
        """Re-render from the model (the note field keeps its own text and caret)."""
        answer = self.model.draft.answer(self.code)
        self.results.controls = [self._result_button(r, answer.result == r) for r in
                                 ((ItemResult.AWAITING_LAB, *ANSWERS) if answer.lab is not None else ANSWERS)]
        self.lab_fields.visible = answer.lab is not None
        self.checked_at.visible = self.mode == InspectionMethod.ONLINE and answer.checked_at is not None
        if answer.checked_at is not None:
            self.checked_at.value = s.ITEM_CHECKED_AT.format(time=local_time(answer.checked_at))
        files: list[str] = getattr(answer, self.kind)
        failed = answer.result == ItemResult.FAIL
        self.note.label = s.ITEM_NOTE_REQUIRED if failed else s.ITEM_NOTE
        self.note.error = s.MISSING_FAIL_NOTE.format(names="本事项") if (
            failed and not answer.note.strip()) else None
        self.suggest_photo.visible = failed and not files and self.kind == "photos"
        busy = self.code in self.model.busy_items
        progress = self.model.photo_progress.get(self.code)
        shown = (tuple(files), busy, progress)
        if self._shown_photos != shown:  # rebuilt only when they change
            self._shown_photos = shown
            self._thumbnails = {sha: self._thumbnails.get(sha) or self._thumbnail(sha) for sha in files}
            add = {"photos": (s.ITEM_ADD_PHOTO, ft.Icons.ADD_A_PHOTO_OUTLINED),
                   "materials": (s.ITEM_ADD_MATERIAL, ft.Icons.UPLOAD_FILE),
                   "screenshots": (s.ITEM_ADD_SCREENSHOT, ft.Icons.SCREENSHOT_MONITOR)}[self.kind]
            self.photos.controls = [self._thumbnails[sha] for sha in files] + (
                [self._working(progress)] if busy else []) + [
                ft.OutlinedButton(content=ft.Text(add[0]), icon=add[1], height=TOUCH, on_click=self._pick)]
        message = self.model.photo_errors.get(self.code)
        self.error.value, self.error.visible = message or "", bool(message)

    async def _pick(self, _: object) -> None:
        await self.pick_photos(self.code, self.kind)

    @staticmethod
    def _working(progress: tuple[int, int] | None) -> ft.Control:
        """The tile where the next photo will show, while the picked files are handed over and
        processed: a spinner, 正在处理照片…, and how many of the picked files are done."""
        lines: list[ft.Control] = [ft.ProgressRing(width=22, height=22),
                                   ft.Text(s.ITEM_PHOTO_WORKING, size=11, text_align=ft.TextAlign.CENTER)]
        if progress is not None:
            lines.append(ft.Text(s.ITEM_PHOTO_PROGRESS.format(done=progress[0], total=progress[1]), size=11))
        return ft.Container(
            width=THUMBNAIL, height=THUMBNAIL, border_radius=8, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            alignment=ft.Alignment.CENTER, padding=4,
            content=ft.Column(lines, spacing=4, tight=True, alignment=ft.MainAxisAlignment.CENTER,
                              horizontal_alignment=ft.CrossAxisAlignment.CENTER))

    def _thumbnail(self, sha256: str) -> ft.Control:
        data = self.model.thumbnail(sha256)
        image: ft.Control
        if data and is_pdf(data):  # a PDF material is kept as it is: a tile says what it is
            image = ft.Container(width=THUMBNAIL, height=THUMBNAIL, border_radius=8, bgcolor=ft.Colors.RED_50,
                                 alignment=ft.Alignment.CENTER, content=ft.Column(
                                     [ft.Icon(ft.Icons.PICTURE_AS_PDF, size=36, color=ft.Colors.RED_800),
                                      ft.Text(s.ITEM_PDF, size=12, color=ft.Colors.RED_900)],
                                     spacing=2, tight=True, horizontal_alignment=ft.CrossAxisAlignment.CENTER))
        else:
            image = (ft.Image(src=data, width=THUMBNAIL, height=THUMBNAIL, fit=ft.BoxFit.COVER,
                              border_radius=8) if data else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40))
        # The remove button's dark circle is 28 px, its touch area the 48 px square around it.
        remove = ft.Semantics(label=s.ITEM_REMOVE_PHOTO, button=True, content=ft.Container(
            width=TOUCH, height=TOUCH, padding=4, alignment=ft.Alignment.TOP_RIGHT,
            on_click=lambda _: self.model.remove_photo(self.code, sha256, self.kind),
            content=ft.Container(width=28, height=28, border_radius=14, alignment=ft.Alignment.CENTER,
                                 bgcolor=ft.Colors.with_opacity(0.6, ft.Colors.BLACK),
                                 content=ft.Icon(ft.Icons.CLOSE, size=16, color=ft.Colors.WHITE))))
        return ft.Stack(width=THUMBNAIL, height=THUMBNAIL, controls=[
            image, ft.Container(right=0, top=0, content=remove)])
