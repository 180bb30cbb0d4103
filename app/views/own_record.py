"""我的记录: a record this phone signed, read-only (what was submitted, as it was signed).

A signed record is immutable (DESIGN §4): the inspector may read it back, never edit it; a
correction is a revision the reviewer asks for. Everything comes from this phone's store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import flet as ft

from sync import TaskJson, state_label

from .. import strings as s
from ..components import InfoRow, Section, StateChip
from ..domain.clock import local_time
from ..domain.review import location_text, notice_text, time_range
from ..viewmodels.sync import record_state


class OwnRecordView(ft.View):
    def __init__(self, row: dict[str, Any], task: TaskJson | None,
                 thumbnail: Callable[[str], bytes | None]) -> None:
        record: dict[str, Any] = json.loads(row["envelope"])["record"]
        state = record_state(row, superseded=bool(row.get("superseded")))
        names = {item["code"]: item["name"] for item in (task["items"] if task else [])}
        place, _doubtful = location_text(record.get("location"))  # the reviewer's flag, not shown here
        items = [self._item(n, item, names.get(item["code"], item["code"]), thumbnail)
                 for n, item in enumerate(record["items"], start=1)]
        super().__init__(
            route=f"/task/{record['task_id']}/record/{record['id']}", padding=14,
            scroll=ft.ScrollMode.AUTO, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            appbar=ft.AppBar(title=ft.Text(s.OWN_RECORD_TITLE), bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            controls=[
                Section(None, [
                    ft.Row([ft.Text(task["entity"]["name"] if task else record["task_id"], size=19,
                                    weight=ft.FontWeight.BOLD, expand=True),
                            StateChip(state_label(state), state)],
                           vertical_alignment=ft.CrossAxisAlignment.START),
                    ft.Text(s.OWN_RECORD_READ_ONLY, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
                    InfoRow(s.RECORD_TIMES, time_range(record["started_at"], record["finished_at"])),
                    InfoRow(s.RECORD_LOCATION, place),
                    InfoRow(s.OWN_RECORD_SEQ, s.RECORD_SEQ.format(seq=row["seq"],
                                                                  time=local_time(row["created_at"]))),
                    *([ft.Text(row["error"], size=14, color=ft.Colors.ERROR)] if row["error"] else []),
                ], spacing=10),
                Section(s.RECORD_ITEMS.format(count=len(items)), items, spacing=14),
                Section(s.RECORD_OUTCOME, [
                    ft.Text(record["outcome"], size=16, weight=ft.FontWeight.W_600),
                    *([ft.Text(s.RECORD_NOTE.format(note=record["note"]), size=14)] if record.get("note") else []),
                ]),
                # What the enterprise was told, and how it answered: as the supervisor reads it.
                Section(s.RECORD_ACK, [
                    ft.Text(notice_text(record), size=14),
                    *acknowledgement_lines(record.get("acknowledgement"), thumbnail),
                ]),
            ],
        )

    @staticmethod
    def _item(n: int, item: dict[str, Any], name: str,
              thumbnail: Callable[[str], bytes | None]) -> ft.Control:
        photos: list[ft.Control] = []
        for sha in item.get("photos", []):
            data = thumbnail(sha)
            photos.append(ft.Image(src=data, width=88, height=88, fit=ft.BoxFit.COVER, border_radius=8)
                          if data else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40))
        return ft.Column(spacing=4, controls=[
            ft.Text(f"{n}. {name}", size=15, weight=ft.FontWeight.W_600),
            ft.Text(item["result"], size=15),
            *([ft.Text(s.RECORD_ITEM_NOTE.format(note=item["note"]), size=14)] if item.get("note") else []),
            ft.Row(photos, wrap=True, spacing=8) if photos else ft.Text(s.RECORD_NO_PHOTOS, size=13,
                                                                        color=ft.Colors.ON_SURFACE_VARIANT),
        ])


def _photo(sha256: str, thumbnail: Callable[[str], bytes | None]) -> ft.Control:
    data = thumbnail(sha256)
    return (ft.Image(src=data, width=88, height=88, fit=ft.BoxFit.COVER, border_radius=8)
            if data else ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=40))


def acknowledgement_lines(ack: dict[str, Any] | None,
                          thumbnail: Callable[[str], bytes | None]) -> list[ft.Control]:
    """The enterprise's answer as signed: who signed, in what role, the statement and the
    signature image (or that this phone no longer holds it); a refusal with its note, witness
    and photos; or that nobody was there."""
    if ack is None:
        return [ft.Text(s.RECORD_NO_ACK, size=15, color=ft.Colors.DEEP_ORANGE_900)]
    if ack["kind"] == "absent":
        return [ft.Text(s.RECORD_ACK_ABSENT, size=15, color=ft.Colors.DEEP_ORANGE_900)]
    if ack["kind"] == "refused":
        witness = ack.get("witness") or {}
        photos = ack.get("photos") or []
        return [
            ft.Text(s.RECORD_ACK_REFUSED, size=16, weight=ft.FontWeight.W_600, color=ft.Colors.RED_800),
            *([ft.Text(ack["note"], size=14)] if ack.get("note") else []),
            ft.Text(s.RECORD_ACK_WITNESS.format(name=witness.get("name", ""), unit=witness.get("unit", "")),
                    size=14),
            ft.Text(s.OWN_RECORD_REFUSAL_PHOTOS.format(count=len(photos)), size=13,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Row([_photo(sha, thumbnail) for sha in photos], wrap=True, spacing=8),
        ]
    signature = thumbnail(ack["signature"]) if ack.get("signature") else None
    image: ft.Control = (
        ft.Container(ft.Image(src=signature, width=240, height=120, fit=ft.BoxFit.CONTAIN,
                              semantics_label=s.ACK_SIGNED),
                     bgcolor=ft.Colors.WHITE, border_radius=8, padding=4,
                     border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT))
        if signature else
        ft.Row([ft.Icon(ft.Icons.BROKEN_IMAGE_OUTLINED, size=24, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(s.OWN_RECORD_SIGNATURE_MISSING, size=14, color=ft.Colors.ON_SURFACE_VARIANT)]))
    return [
        ft.Text(s.RECORD_ACK_SIGNED.format(name=ack.get("name", ""), role=ack.get("role", "")), size=16,
                weight=ft.FontWeight.W_600, color=ft.Colors.GREEN_900),
        image,
        ft.Text(s.RECORD_ACK_STATEMENT.format(statement=ack["statement"]) if ack.get("statement")
                else s.RECORD_ACK_NO_STATEMENT, size=14),
    ]
