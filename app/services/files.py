"""Picking photo files with ``ft.FilePicker`` (a service in Flet 1.0).

The picked file's bytes come back with the pick itself (``with_data=True``): in the web client
the browser reads the file and sends it over the app's own connection to this Flet process,
never to the sync server. Flet's other route, an HTTP PUT to ``upload_dir`` through
``page.get_upload_url``, was tried and dropped: the browser cancels an upload in flight whenever
the page is patched meanwhile (the automatic sync does that every few seconds), so photos got
lost (docs/decisions.md). On a phone or a desktop the picker hands over the bytes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import flet as ft


@dataclass(frozen=True)
class PickedFile:
    name: str
    data: bytes


class FileService:
    def __init__(self) -> None:
        self.picker = ft.FilePicker()

    async def pick_images(self) -> list[PickedFile]:
        """The photos the inspector picked (none if they cancelled)."""
        files = await self.picker.pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                             allow_multiple=True, with_data=True)
        return [PickedFile(f.name, f.bytes if f.bytes is not None else Path(f.path or "").read_bytes())
                for f in files or []]

    async def save(self, name: str, data: bytes) -> str | None:
        """Offer ``data`` as a file named ``name``: the browser downloads it (web client), the
        system's save dialog writes it (desktop, phone). The path when the platform gives one."""
        return await self.picker.save_file(file_name=name, src_bytes=data)
