"""Picking photo files with ``ft.FilePicker`` (a service in Flet 1.0).

In the web client the browser uploads the picked file to this app's own Flet process (the
``upload_dir`` given to ``ft.run``, through a signed URL from ``page.get_upload_url``), never to
the sync server; the app reads it from there and deletes it. On a phone or a desktop the picker
hands over a path (or the bytes) directly.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import flet as ft

UPLOAD_SECONDS = 300
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PickedFile:
    name: str
    data: bytes


class UploadFailed(Exception):
    """The browser could not hand the file to the app."""


class FileService:
    def __init__(self, page: ft.Page, upload_dir: Path | None) -> None:
        self.page = page
        self.upload_dir = upload_dir
        self._uploads: dict[str, asyncio.Future[None]] = {}
        # The handler is given at construction: a service registers with the page then, and the
        # client only reports upload progress to a picker that had a handler from the start.
        self.picker = ft.FilePicker(on_upload=self._on_upload)

    def _on_upload(self, e: ft.FilePickerUploadEvent) -> None:
        log.debug("upload %s progress=%s error=%s", e.file_name, e.progress, e.error)
        future = self._uploads.get(e.file_name)
        if future is None or future.done():
            return
        if e.error:
            future.set_exception(UploadFailed(e.error))
        elif e.progress is not None and e.progress >= 1.0:
            future.set_result(None)

    async def pick_images(self) -> list[PickedFile]:
        """The photos the inspector picked (none if they cancelled)."""
        files = await self.picker.pick_files(file_type=ft.FilePickerFileType.IMAGE,
                                             allow_multiple=True,
                                             with_data=not self.page.web)
        if not files:
            return []
        if not self.page.web:
            return [PickedFile(f.name, f.bytes if f.bytes is not None else Path(f.path or "").read_bytes())
                    for f in files]
        return await self._upload(files)

    async def _upload(self, files: list[ft.FilePickerFile]) -> list[PickedFile]:
        assert self.upload_dir is not None, "the web client needs ft.run(upload_dir=...)"
        loop = asyncio.get_running_loop()
        targets = []
        for f in files:
            # A fresh name per file: two sessions never share an upload, and nothing the
            # browser sends can name a path (the original name is kept for messages only).
            stored = f"{secrets.token_hex(12)}.upload"
            future: asyncio.Future[None] = loop.create_future()
            # The client reports progress under the upload's name or the picked file's name,
            # depending on the platform: listen for both.
            self._uploads[stored] = self._uploads[f.name] = future
            targets.append((f, stored))
        await self.picker.upload([
            ft.FilePickerUploadFile(upload_url=self.page.get_upload_url(stored, UPLOAD_SECONDS),
                                    id=f.id, name=f.name, method="PUT")
            for f, stored in targets
        ])
        picked = []
        try:
            for f, stored in targets:
                await asyncio.wait_for(self._uploads[stored], UPLOAD_SECONDS)
                path = self.upload_dir / stored
                picked.append(PickedFile(f.name, path.read_bytes()))
        finally:
            for f, stored in targets:
                self._uploads.pop(stored, None)
                self._uploads.pop(f.name, None)
                (self.upload_dir / stored).unlink(missing_ok=True)
        return picked
