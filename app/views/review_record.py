"""审核记录: everything the inspector recorded, the checks, the history, and the decision."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from sync import (
    MAX_NOTE_LENGTH,
    SUPERSEDED,
    ContentConfirmation,
    Outcome,
    ReviewDetail,
    RevisionLine,
    state_label,
)

from .. import strings as s
from ..components import Choices, InfoRow, Section, StateChip, primary_button, update_if_shown
from ..components.revision import revision_section
from ..domain.clock import local_time
from ..domain.review import ItemView, notice_text, time_range
from ..services.files import FileService
from ..services.supervisor import ExportFile, PlatformError
from ..viewmodels.review import ReviewRecordModel
from .review_queue import error_banner

RESULT_COLOURS = {"合格": ("green", ft.Colors.GREEN_50, ft.Colors.GREEN_900),
                  "不合格": ("red", ft.Colors.RED_50, ft.Colors.RED_900),
                  "不涉及": ("grey", ft.Colors.BLUE_GREY_50, ft.Colors.BLUE_GREY_800),
                  "待检测": ("indigo", ft.Colors.INDIGO_50, ft.Colors.INDIGO_900)}


def banner(icon: ft.IconData, text: str, background: str, foreground: str) -> ft.Control:
    """A full-width coloured notice: what a reviewer must not miss."""
    return ft.Container(
        bgcolor=background, border_radius=12, padding=12,
        content=ft.Row([ft.Icon(icon, color=foreground, size=24),
                        ft.Text(text, size=15, weight=ft.FontWeight.W_600, color=foreground, expand=True)],
                       spacing=10))


class ReviewRecordView(ft.View):
    def __init__(self, model: ReviewRecordModel, *, open_photo: Callable[[str], object],
                 decided: Callable[[str], Awaitable[None]],
                 save: Callable[[ExportFile], Awaitable[str]],
                 files: FileService | None = None) -> None:
        self.model = model
        self.files = files
        self.report_forms: dict[str, ft.Control] = {}
        """Each awaited report's form, kept across renders (what was typed stays)."""
        self.save = save
        self.open_photo = open_photo
        self.decided = decided
        self.actions = ft.Column(spacing=6)
        self.body = ft.Column(spacing=12)
        self.in_dialog = False
        """While a decision's dialog is open its errors show there, not twice."""
        super().__init__(
            route=f"/review/{model.record_id}", padding=12, scroll=ft.ScrollMode.AUTO,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.RECORD_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            controls=[self.body],
        )
        model.subscribe(self.render)
        self.render(update=False)

    # --- rendering ------------------------------------------------------------------------

    def render(self, update: bool = True) -> None:
        m = self.model
        controls: list[ft.Control] = []
        if m.error and not self.in_dialog:
            controls.append(error_banner(m.error))
        if m.detail is not None:
            controls += self._sections(m.detail)
        self.body.controls = controls
        self._render_actions()
        if update:
            update_if_shown(self)

    def _render_actions(self) -> None:
        decisions = self.model.decisions
        buttons: list[ft.Control] = []
        if "approve" in decisions:
            buttons = [
                ft.Row([ft.OutlinedButton(
                    content=ft.Text(s.RETURN, size=17), icon=ft.Icons.UNDO, height=52, expand=True,
                    style=ft.ButtonStyle(color=ft.Colors.RED_800), on_click=self._return),
                    primary_button(s.APPROVE_PUBLISH, self._approve_publish, icon=ft.Icons.PUBLISH)],
                    spacing=10),
                ft.Row([ft.TextButton(s.APPROVE_ONLY, icon=ft.Icons.CHECK, on_click=self._approve_only)],
                       alignment=ft.MainAxisAlignment.END),
            ]
        elif "publish" in decisions:
            buttons = [ft.Row([primary_button(s.PUBLISH, self._publish, icon=ft.Icons.PUBLISH)])]
        self.actions.controls = buttons
        if buttons and self.bottom_appbar is None:
            self.bottom_appbar = ft.BottomAppBar(
                height=118 if "approve" in decisions else 76, bgcolor=ft.Colors.SURFACE,
                padding=ft.Padding.symmetric(horizontal=14, vertical=8), content=self.actions)
        elif not buttons:
            self.bottom_appbar = None

    def _sections(self, detail: ReviewDetail) -> list[ft.Control]:
        m = self.model
        record, entity = detail["record"], detail["entity"]
        state = detail["state"]
        checks: list[ft.Control] = []
        if m.signature_valid:
            checks.append(banner(ft.Icons.VERIFIED, detail["signature"]["message"],
                                 ft.Colors.GREEN_50, ft.Colors.GREEN_900))
        else:
            checks.append(banner(ft.Icons.GPP_BAD, detail["signature"]["message"],
                                 ft.Colors.RED_100, ft.Colors.RED_900))
        if m.gaps:
            checks.append(banner(ft.Icons.LINK_OFF, m.gaps, ft.Colors.ORANGE_100, ft.Colors.DEEP_ORANGE_900))
        else:
            checks.append(ft.Row([ft.Icon(ft.Icons.LINK, size=18, color=ft.Colors.GREEN_800),
                                  ft.Text(s.RECORD_CHAIN_OK, size=13, color=ft.Colors.GREEN_900)], spacing=6))
        if detail["superseded"]:
            checks.append(banner(ft.Icons.HISTORY, s.RECORD_SUPERSEDED, ft.Colors.BLUE_GREY_50,
                                 ft.Colors.BLUE_GREY_900))
        if detail.get("own"):
            checks.append(banner(ft.Icons.PERSON_OFF_OUTLINED, s.RECORD_OWN, ft.Colors.ORANGE_100,
                                 ft.Colors.DEEP_ORANGE_900))
        place, doubtful = m.location
        problem = Outcome(record["outcome"]).problem_found
        sections: list[ft.Control] = [
            Section(None, [
                ft.Row([ft.Text(entity["name"], size=20, weight=ft.FontWeight.BOLD, expand=True),
                        StateChip(state_label(state, superseded=bool(detail["superseded"])),
                                  SUPERSEDED if detail["superseded"] else state)],
                       vertical_alignment=ft.CrossAxisAlignment.START),
                ft.Text(f"{s.TASK_CREDIT_CODE} {entity['credit_code']}", size=13, selectable=True,
                        color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(entity["address"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Row([ft.TextButton(s.RECORD_PDF, icon=ft.Icons.PICTURE_AS_PDF_OUTLINED, height=48,
                                      on_click=self._download)], alignment=ft.MainAxisAlignment.END),
            ], spacing=4),
            *([revision_section(m.changes, self._thumbnail)] if m.changes else []),
            Section(s.RECORD_SIGNATURE, checks),
            Section(s.RECORD_OUTCOME, [
                ft.Text(record["outcome"], size=17, weight=ft.FontWeight.W_600,
                        color=ft.Colors.RED_800 if problem else ft.Colors.GREEN_800),
                *([ft.Text(s.RECORD_NOTE.format(note=record["note"]), size=14)] if record.get("note") else []),
            ]),
            # What the enterprise was told and how it answered, next to the outcome it answered.
            Section(s.RECORD_ACK, [*self._confirmation(detail["confirmation"]),
                                   ft.Text(notice_text(record), size=13,
                                           color=ft.Colors.ON_SURFACE_VARIANT),
                                   *self._acknowledgement(record.get("acknowledgement"))]),
            Section(None, [
                InfoRow(s.RECORD_VISIT_TIMES if record.get("revised_at") else s.RECORD_TIMES,
                        time_range(record["started_at"], record["finished_at"])),
                *([InfoRow(s.RECORD_REVISED_AT, local_time(record["revised_at"]))]
                  if record.get("revised_at") else []),
                ft.Column([
                    ft.Text(s.RECORD_LOCATION, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Row([ft.Icon(ft.Icons.WARNING_AMBER if doubtful else ft.Icons.MY_LOCATION, size=18,
                                    color=ft.Colors.ORANGE_800 if doubtful else ft.Colors.GREEN_800),
                            ft.Text(place, size=15, expand=True,
                                    color=ft.Colors.DEEP_ORANGE_900 if doubtful else None)], spacing=6),
                    *self._distance(),
                ], spacing=2),
                InfoRow(s.RECORD_TEAM, "、".join(detail["inspector_names"].get(i, i)
                                                for i in record["inspectors"])),
            ]),
            Section(s.RECORD_ITEMS.format(count=len(m.items)), [self._item(n, item)
                                                               for n, item in enumerate(m.items, start=1)],
                    spacing=0),
        ]
        for code in m.awaited_reports if self.files is not None else []:
            if code not in self.report_forms:
                self.report_forms[code] = self._report_form(code, detail["item_names"].get(code, code))
            sections.append(self.report_forms[code])
        review = detail["review"]
        if review.get("reviewed_at"):
            lines: list[ft.Control] = [ft.Text(s.RECORD_REVIEWED.format(
                time=local_time(review["reviewed_at"]), state=state_label(state)), size=14)]
            if review.get("comment"):
                lines.append(ft.Text(s.RECORD_COMMENT.format(comment=review["comment"]), size=14))
            if review.get("published_at"):
                lines.append(ft.Text(s.RECORD_PUBLISHED_AT.format(time=local_time(review["published_at"])),
                                     size=14))
            sections.append(Section(s.RECORD_REVIEW, lines))
        feedback = detail.get("feedback") or []
        if feedback:
            sections.append(Section(s.FEEDBACK_TITLE.format(count=len(feedback)), [
                ft.Column([ft.Text(f["message"], size=14, selectable=True),
                           ft.Text(s.FEEDBACK_LINE.format(time=local_time(f["created_at"]),
                                                          contact=f["contact"] or s.FEEDBACK_NO_CONTACT),
                                   size=12, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=2)
                for f in feedback]))
        if len(detail["history"]) > 1:
            sections.append(Section(s.RECORD_HISTORY, [self._revision(h, detail["id"])
                                                       for h in detail["history"]]))
        sections.append(ft.Container(height=8))
        return sections

    def _distance(self) -> list[ft.Control]:
        """How far from the registered address the team stood (flagged beyond the threshold in
        colour and words), and a way to see the place in the phone's map app."""
        check = self.model.place
        colour = ft.Colors.RED_800 if check.flagged else ft.Colors.ON_SURFACE_VARIANT
        lines: list[ft.Control] = [
            ft.Row([ft.Icon(ft.Icons.WRONG_LOCATION_OUTLINED if check.flagged else ft.Icons.STRAIGHTEN,
                            size=18, color=colour),
                    ft.Text(check.text, size=14, expand=True, color=colour,
                            weight=ft.FontWeight.W_600 if check.flagged else None)], spacing=6)]
        if check.map_uri is not None:

            async def open_map(_: object) -> None:
                # in a browser the https map page, in a tab of its own; on a phone geo: (docs/decisions.md)
                web = bool(self.page.web)
                uri = check.map_link(web=web)
                if uri is None:
                    return
                try:
                    await ft.UrlLauncher().launch_url(uri, web_only_window_name="_blank" if web else None)
                except (RuntimeError, TimeoutError):  # no map app, or the platform refused the URI
                    self.page.show_dialog(ft.SnackBar(ft.Text(s.RECORD_MAP_FAILED), duration=4000))

            lines.append(ft.Row([ft.TextButton(s.RECORD_MAP, icon=ft.Icons.MAP_OUTLINED, height=48,
                                               on_click=open_map)], alignment=ft.MainAxisAlignment.END))
        return lines

    @staticmethod
    def _confirmation(confirmation: ContentConfirmation) -> list[ft.Control]:
        """A revision whose findings the enterprise never saw says so before its signature."""
        if confirmation["confirmed"] is not False:
            return []
        version = confirmation["signed_version"]
        text = s.RECORD_UNCONFIRMED + (s.RECORD_UNCONFIRMED_VERSION.format(id=version) if version else "")
        return [banner(ft.Icons.REPORT_OUTLINED, text, ft.Colors.ORANGE_100, ft.Colors.DEEP_ORANGE_900)]

    def _acknowledgement(self, ack: dict[str, Any] | None) -> list[ft.Control]:
        """The enterprise's signature (or refusal and witness, or nobody there) and statement."""
        if ack is None:
            return [ft.Text(s.RECORD_NO_ACK, size=15, color=ft.Colors.DEEP_ORANGE_900)]
        if ack["kind"] == "absent":
            return [ft.Text(s.RECORD_ACK_ABSENT, size=15, color=ft.Colors.DEEP_ORANGE_900)]
        if ack["kind"] == "refused":
            lines: list[ft.Control] = [ft.Text(s.RECORD_ACK_REFUSED, size=16, weight=ft.FontWeight.W_600,
                                               color=ft.Colors.RED_800)]
            if ack.get("note"):
                lines.append(ft.Text(ack["note"], size=14))
            witness = ack["witness"]
            lines.append(ft.Text(s.RECORD_ACK_WITNESS.format(name=witness["name"], unit=witness["unit"]),
                                 size=14, selectable=True))
            lines.append(ft.Row([self._thumbnail(sha) for sha in ack["photos"]], wrap=True, spacing=8))
            return lines
        signature = self.model.thumbnails.get(ack["signature"])
        image: ft.Control = (
            ft.Container(ft.Image(src=signature, width=240, height=120, fit=ft.BoxFit.CONTAIN,
                                  semantics_label=s.ACK_SIGNED),
                         bgcolor=ft.Colors.WHITE, border_radius=8, padding=4, ink=True,
                         border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                         on_click=lambda _: self.open_photo(ack["signature"]))
            if signature else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40,
                                      tooltip=self.model.photo_errors.get(ack["signature"])))
        return [
            ft.Text(s.RECORD_ACK_SIGNED.format(name=ack["name"], role=ack["role"]), size=16,
                    weight=ft.FontWeight.W_600, color=ft.Colors.GREEN_900),
            image,
            ft.Text(s.RECORD_ACK_STATEMENT.format(statement=ack["statement"]) if ack["statement"]
                    else s.RECORD_ACK_NO_STATEMENT, size=14, selectable=True),
        ]

    async def _download(self, _: object) -> None:
        try:
            message = await self.save(await self.model.paper())
        except PlatformError as e:
            message = s.PAPER_FAILED.format(message=e)
        self.page.show_dialog(ft.SnackBar(ft.Text(message), duration=4000))

    def _item(self, n: int, item: ItemView) -> ft.Control:
        _, background, foreground = RESULT_COLOURS.get(item.result, RESULT_COLOURS["不涉及"])
        photos: list[ft.Control] = [self._thumbnail(sha) for sha in item.photos]
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=10),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
            content=ft.Column(spacing=6, controls=[
                ft.Row([ft.Text(f"{n}. {item.name}", size=15, weight=ft.FontWeight.W_600, expand=True),
                        ft.Container(ft.Text(item.result, size=14, weight=ft.FontWeight.BOLD, color=foreground),
                                     bgcolor=background, border_radius=10,
                                     padding=ft.Padding.symmetric(horizontal=10, vertical=3))],
                       vertical_alignment=ft.CrossAxisAlignment.START),
                *[ft.Text(fact, size=13, color=ft.Colors.INDIGO_900) for fact in item.facts],
                *([ft.Text(s.RECORD_ITEM_NOTE.format(note=item.note), size=14)] if item.note else []),
                ft.Row(photos, wrap=True, spacing=8, run_spacing=8) if photos else
                ft.Text(s.RECORD_NO_PHOTOS, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ]),
        )

    def _thumbnail(self, sha256: str) -> ft.Control:
        data = self.model.thumbnails.get(sha256)
        content: ft.Control = (ft.Image(src=data, width=88, height=88, fit=ft.BoxFit.COVER, border_radius=8)
                               if data else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40))
        return ft.Container(content, width=88, height=88, border_radius=8, ink=True,
                            tooltip=self.model.photo_errors.get(sha256) or s.PHOTO_OPEN,
                            on_click=lambda _: self.open_photo(sha256))

    def _revision(self, revision: RevisionLine, current_id: str) -> ft.Control:
        state = SUPERSEDED if revision["superseded"] else revision["state"]
        label = s.RECORD_HISTORY_LINE.format(time=local_time(revision["received_at"]), state=state_label(state))
        if revision["id"] == current_id:
            label += s.RECORD_HISTORY_CURRENT
        lines: list[ft.Control] = [
            ft.Text(label, size=14, weight=ft.FontWeight.W_600 if revision["id"] == current_id else None),
            ft.Text(revision["outcome"], size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
        if revision.get("review_comment"):
            lines.append(ft.Text(s.RECORD_HISTORY_COMMENT.format(comment=revision["review_comment"]),
                                 size=14, color=ft.Colors.RED_900 if revision["state"] == "returned" else None))
        return ft.Container(content=ft.Column(lines, spacing=2), padding=ft.Padding.only(left=10),
                            border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.OUTLINE_VARIANT
                                                                     if state == SUPERSEDED
                                                                     else ft.Colors.PRIMARY)))

    # --- deciding (each asks first) --------------------------------------------------------

    def _dialog(self, title: str, text: str, confirm: str, *, comment_label: str | None,
                act: Callable[[str], Awaitable[bool]], danger: bool = False) -> None:
        comment = ft.TextField(label=comment_label, multiline=True, min_lines=2, max_lines=5,
                               border_radius=10, autofocus=True,
                               max_length=MAX_NOTE_LENGTH) if comment_label else None
        problem = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)

        async def go(_: object) -> None:
            text_value = (comment.value or "") if comment is not None else ""
            if await act(text_value):
                self.in_dialog = False
                self.page.pop_dialog()
                await self.decided(self.model.done or "")
                return
            problem.value, problem.visible = self.model.error or "", True
            problem.update()

        def cancel(_: object) -> None:
            self.in_dialog = False
            self.page.pop_dialog()
            self.model.clear_error()

        self.in_dialog = True
        content: list[ft.Control] = [ft.Text(text, size=14)]
        if comment is not None:
            content.append(comment)
        content.append(problem)
        self.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(title), content=ft.Column(content, tight=True, spacing=10, width=340),
            actions=[ft.TextButton(s.CANCEL, on_click=cancel),
                     ft.FilledButton(confirm, on_click=go,
                                     style=ft.ButtonStyle(bgcolor=ft.Colors.RED_700) if danger else None)]))

    def _approve_publish(self, _: object) -> None:
        self._dialog(s.APPROVE_TITLE, s.APPROVE_PUBLISH_TEXT, s.CONFIRM_APPROVE_PUBLISH, comment_label=s.APPROVE_COMMENT,
                     act=lambda c: self.model.approve(c, publish=True))

    def _approve_only(self, _: object) -> None:
        self._dialog(s.APPROVE_TITLE, s.APPROVE_ONLY_TEXT, s.CONFIRM_APPROVE, comment_label=s.APPROVE_COMMENT,
                     act=lambda c: self.model.approve(c, publish=False))

    def _return(self, _: object) -> None:
        self._dialog(s.RETURN_TITLE, s.RETURN_TEXT, s.CONFIRM_RETURN, comment_label=s.RETURN_COMMENT,
                     act=self.model.return_record, danger=True)

    def _publish(self, _: object) -> None:
        self._dialog(s.PUBLISH_TITLE, s.PUBLISH_TEXT, s.CONFIRM_PUBLISH, comment_label=None,
                     act=lambda _c: self.model.publish())


    def _report_form(self, code: str, name: str) -> ft.Control:
        """附检验检测报告 for an item sent for testing: the report's number and conclusion, then
        its PDF picked and sent (issue 27 point 2)."""
        number = ft.TextField(label=s.REPORT_NUMBER, dense=True, border_radius=10, max_length=60, counter="")
        conclusion = Choices(["合格", "不合格"], None, lambda _value: None)

        async def pick_and_send(_: object) -> None:
            assert self.files is not None
            if conclusion.value is None:
                self.model.error = s.REPORT_NEED_CONCLUSION
                self.model.changed()
                return
            picked = await self.files.pick_images(pdf=True)
            if not picked:
                return
            if await self.model.attach_report(code, await picked[0].read(), number.value or "",
                                              str(conclusion.value)):
                await self.decided(self.model.done or s.DONE_REPORT)

        return Section(f"{s.REPORT_ATTACH}：{name}", [
            number, ft.Text(s.REPORT_CONCLUSION, size=13, color=ft.Colors.ON_SURFACE_VARIANT), conclusion,
            ft.Row([primary_button(s.REPORT_PICK, pick_and_send, icon=ft.Icons.UPLOAD_FILE)])])


class PhotoView(ft.View):
    """One photo at full size on black, pinch-zoomable, as the platform holds it."""

    def __init__(self, record_id: str, sha256: str, data: bytes | None, error: str | None) -> None:
        content: ft.Control
        if data is not None:
            content = ft.InteractiveViewer(
                content=ft.Image(src=data, fit=ft.BoxFit.CONTAIN, semantics_label=s.PHOTO_TITLE),
                min_scale=1, max_scale=6, expand=True)
        else:
            content = ft.Text(error or s.PLATFORM_UNREACHABLE, color=ft.Colors.WHITE, size=15)
        super().__init__(
            route=f"/review/{record_id}/photo/{sha256}", bgcolor=ft.Colors.BLACK, padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER, vertical_alignment=ft.MainAxisAlignment.CENTER,
            appbar=ft.AppBar(title=ft.Text(s.PHOTO_TITLE, color=ft.Colors.WHITE), bgcolor=ft.Colors.BLACK,
                             color=ft.Colors.WHITE),
            controls=[content],
        )
