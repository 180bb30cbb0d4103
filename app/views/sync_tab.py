"""同步: status, the button, progress in records and bytes, and every signed record's state."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from sync import state_label

from .. import strings as s
from ..components import Section, StateChip, empty_state, primary_button, update_if_shown
from ..domain.clock import local_time
from ..viewmodels.sync import RecordLine, SyncModel


class SyncTab(ft.Column):
    def __init__(self, model: SyncModel, open_record: Callable[[str, str], None]) -> None:
        self.model = model
        self.open_record = open_record
        self.status_icon = ft.Icon(ft.Icons.CLOUD_OUTLINED, size=28)
        self.status_text = ft.Text("", size=16, weight=ft.FontWeight.W_600)
        self.pending_text = ft.Text("", size=14)
        self.last_text = ft.Text("", size=13, color=ft.Colors.ON_SURFACE_VARIANT)
        self.message = ft.Text("", size=14)
        self.progress = ft.ProgressBar(value=0, height=8, border_radius=4, visible=False)
        self.progress_text = ft.Text("", size=13, visible=False)
        self.button = primary_button(s.SYNC_NOW, self._sync, icon=ft.Icons.SYNC)
        self.records = ft.Column(spacing=8)
        self.lines: list[RecordLine] = []
        super().__init__(expand=True, scroll=ft.ScrollMode.AUTO, spacing=12, controls=[
            Section(None, [
                ft.Row([self.status_icon, self.status_text], spacing=10),
                self.pending_text, self.last_text,
                ft.Text(s.SYNC_AUTO.format(seconds=model.interval_seconds), size=13,
                        color=ft.Colors.ON_SURFACE_VARIANT),
                self.progress, self.progress_text, self.message,
                ft.Row([self.button]),
            ]),
            Section(s.SYNC_RECORDS, [self.records]),
        ])
        model.subscribe(self.render)
        self.render(update=False)

    async def _sync(self, _: object = None) -> None:
        await self.model.sync_now()

    def render(self, update: bool = True) -> None:
        m = self.model
        if m.running:
            self.status_icon.icon, self.status_icon.color = ft.Icons.SYNC, ft.Colors.PRIMARY
            self.status_text.value = s.SYNC_RUNNING
        elif m.online is False:
            self.status_icon.icon, self.status_icon.color = ft.Icons.CLOUD_OFF, ft.Colors.ORANGE_800
            self.status_text.value = s.OFFLINE
        elif m.online:
            self.status_icon.icon, self.status_icon.color = ft.Icons.CLOUD_DONE, ft.Colors.GREEN_700
            self.status_text.value = s.ONLINE
        pending = m.pending
        report = m.report
        if pending:
            self.pending_text.value = s.SYNC_PENDING.format(count=pending)
        elif report is not None and report.ok:
            self.pending_text.value = s.SYNC_ALL_SYNCED
        else:
            self.pending_text.value = s.SYNC_NOTHING_PENDING
        self.last_text.value = s.SYNC_LAST.format(time=local_time(report.at, seconds=True)) if report else s.SYNC_NEVER
        if report is not None and not m.running:
            self.message.value = (s.SYNC_DONE + "：" + report.message) if report.ok else report.message
            self.message.color = (ft.Colors.GREEN_800 if report.ok and not report.rejected and not report.returned
                                  else ft.Colors.ERROR)
        # Progress only while a sync runs, and its line only while records go up: after it, or in
        # a sync with nothing to send, "记录 0/0 0 B / 0 B" under a bar said nothing.
        self.progress.visible = m.running
        self.progress.value = m.progress_value()
        self.progress_text.value = m.progress_text()
        self.progress_text.visible = m.running and bool(self.progress_text.value)
        self.button.disabled = m.running
        lines = m.records()
        if lines != self.lines or not self.records.controls:
            # Rebuilt only when a record changed: the model changes at every automatic sync,
            # and a hundred lines drawn anew each time cost the app's first second.
            self.lines = lines
            self.records.controls = ([self._line(line) for line in lines] if lines
                                     else [empty_state(ft.Icons.INBOX_OUTLINED, s.SYNC_NO_RECORDS)])
        if update:
            update_if_shown(self)

    def _line(self, line: RecordLine) -> ft.Control:
        label = state_label(line.state)
        controls: list[ft.Control] = [
            ft.Row([ft.Text(line.entity_name, size=15, weight=ft.FontWeight.W_600, expand=True),
                    StateChip(label, line.state)]),
            ft.Text(s.RECORD_SEQ.format(seq=line.seq, time=local_time(line.created_at)),
                    size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        ]
        if line.error:
            controls.append(ft.Text(line.error, size=13, color=ft.Colors.ERROR))
        return ft.Container(content=ft.Column(controls, spacing=4), padding=ft.Padding.symmetric(vertical=6),
                            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
                            on_click=lambda _: self.open_record(line.task_id, line.id))
