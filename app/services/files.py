"""Picking photo files with ``ft.FilePicker`` (a service in Flet 1.0).

How a picked file's bytes reach this process:

- **Web client** (``python -m app``): the browser sends each picked file itself, with a plain
  ``fetch`` PUT of the file to Flet's upload route on this same process (``upload_dir``, signed
  URLs from ``page.get_upload_url``), and the app reads it from the upload directory and deletes
  it. Before it opens the picker the app stores the signed URLs in the browser's local storage
  (``ft.SharedPreferences``, key :data:`UPLOAD_PLAN_KEY`); a script of assets/index.html reads
  them when the picker's ``<input type=file>`` is clicked and sends the chosen files on
  ``change``. The Flutter client only reports names and sizes (``with_data=False``). Handing
  the bytes over inside the client (``with_data=True``: copied into one websocket message) froze
  the screen 1.2–2.1 s a 12 MP photo; Flet's own ``FilePicker.upload`` still copies each file
  through the client's heap (0.4–1.1 s a photo); see docs/decisions.md (issue 24 point 5).
- **Phone and desktop builds**, and a web client served without an upload route: the picker
  hands over the bytes with the pick (``with_data=True``), or its path.

Which files the picker offers: ``FilePickerFileType.IMAGE`` is, in the desktop apps, a fixed list
in Flutter's file_picker (bmp, gif, jpeg, jpg, png, webp), so HEIC/HEIF (an iPhone's photos
copied to a computer), AVIF and TIFF could not be picked there; the desktop apps ask for
:data:`PHOTO_EXTENSIONS` instead, what app/photos.py reads. The phone apps keep ``IMAGE``,
which opens the system's photo picker (an extension list opens the Files browser on iOS), and so
does the web client: its ``accept="image/*"`` lets a phone's browser offer the camera and the
gallery, and which files a desktop browser lists under it is the browser's and the system's
choice (Safari on an iPhone usually sends a JPEG copy of a HEIC photo).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import flet as ft

from .. import strings as s
from ..photos import PhotoError, file_too_large

# File name extensions of the formats app/photos.py reads (its FORMATS; HEIC/HEIF only where
# pillow-heif is installed, elsewhere the pipeline says why a HEIC cannot be used).
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "avif", "gif", "bmp", "tif", "tiff", "heic",
                    "heif")


def image_filter(web: bool, platform: ft.PagePlatform | None
                 ) -> tuple[ft.FilePickerFileType, list[str] | None]:
    """The ``file_type`` and ``allowed_extensions`` to pick photos with on this platform."""
    if web or platform is None or platform.is_mobile():
        return ft.FilePickerFileType.IMAGE, None
    return ft.FilePickerFileType.CUSTOM, list(PHOTO_EXTENSIONS)


UPLOAD_PLAN_KEY = "zsc_photo_upload"
"""Where the web client's script (assets/index.html) finds the signed URLs for the next pick."""
UPLOADS_PER_PICK = 30
"""How many files one pick may send (a signed URL each); more are refused with a message."""
UPLOAD_URL_SECONDS = 3600
STALL_SECONDS = 30.0
"""A file that has not grown for this long is taken as lost (the connection broke)."""


@dataclass(frozen=True)
class Upload:
    """A picked file the browser is sending to the upload route: complete once ``path`` holds
    ``size`` bytes."""

    path: Path
    size: int
    max_bytes: int
    stall_seconds: float = STALL_SECONDS
    poll_seconds: float = 0.05

    async def read(self) -> bytes:
        """The file's bytes once all have arrived; the file is deleted in any case. Raises
        ``PhotoError``: over ``max_bytes`` (not sent; the message process_photo gives), or not
        arrived (the inspector picks it again)."""
        try:
            if self.size > self.max_bytes:
                raise file_too_large(self.max_bytes)
            await self._arrived()
            try:
                return await asyncio.to_thread(self.path.read_bytes)
            except OSError:
                raise PhotoError(s.PHOTO_NOT_RECEIVED) from None
        finally:
            await asyncio.to_thread(self._remove)

    async def _arrived(self) -> None:
        loop = asyncio.get_running_loop()
        seen, since = -1, loop.time()
        while True:
            try:
                size = self.path.stat().st_size
            except OSError:
                size = -1
            if size == self.size:
                return
            if size != seen:
                seen, since = size, loop.time()
            elif loop.time() - since > self.stall_seconds:
                raise PhotoError(s.PHOTO_NOT_RECEIVED)
            await asyncio.sleep(self.poll_seconds)

    def _remove(self) -> None:
        """The file, and its pick's directory once it is empty."""
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()


@dataclass(frozen=True)
class PickedFile:
    name: str
    data: bytes = b""
    upload: Upload | None = None
    """Set when the browser sends the file to the upload route (the web client)."""
    refused: str | None = None
    """Why the file will not be read (too many in one pick)."""

    async def read(self) -> bytes:
        """The file's bytes (waiting for the browser to send them); ``PhotoError`` if not."""
        if self.refused is not None:
            raise PhotoError(self.refused)
        if self.upload is not None:
            return await self.upload.read()
        return self.data


class FileService:
    def __init__(self, upload_dir: Path | None = None, max_file_bytes: int = 0) -> None:
        """``upload_dir``: where the web client's upload route puts files (``ft.run``'s
        ``upload_dir``); without it every client hands the bytes over with the pick."""
        self.picker = ft.FilePicker()
        self.upload_dir = upload_dir
        self.max_file_bytes = max_file_bytes
        self.preferences = ft.SharedPreferences() if upload_dir is not None else None

    async def pick_images(self, *, pdf: bool = False) -> list[PickedFile]:
        """The photos the inspector picked (none if they cancelled); with ``pdf``, PDF files too
        (a 书面检查's materials). In the web client their bytes are still on the way:
        ``PickedFile.read`` waits for each."""
        page = self.picker.page
        file_type, extensions = image_filter(page.web, page.platform)
        if pdf:
            file_type, extensions = ft.FilePickerFileType.CUSTOM, [*PHOTO_EXTENSIONS, "pdf"]
        if page.web and self.upload_dir is not None:
            sent = await self._pick_sent(page, file_type, extensions)
            if sent is not None:
                return sent
        files = await self.picker.pick_files(file_type=file_type, allowed_extensions=extensions,
                                             allow_multiple=True, with_data=True)
        return [PickedFile(f.name, f.bytes if f.bytes is not None else Path(f.path or "").read_bytes())
                for f in files or []]

    async def _pick_sent(self, page: ft.Page, file_type: ft.FilePickerFileType,
                         extensions: list[str] | None) -> list[PickedFile] | None:
        """Pick with the browser sending the files to the upload route (see the module's
        docstring); None when this process has no upload route (then the bytes come with the pick)."""
        assert self.upload_dir is not None and self.preferences is not None
        pick = secrets.token_hex(8)
        try:
            urls = [page.get_upload_url(f"{pick}/{n}", UPLOAD_URL_SECONDS) for n in range(UPLOADS_PER_PICK)]
        except RuntimeError:  # served without upload_dir (e.g. `flet run --web`)
            return None
        await self.preferences.set(UPLOAD_PLAN_KEY, json.dumps({"urls": urls, "max": self.max_file_bytes}))
        try:
            files = await self.picker.pick_files(file_type=file_type, allowed_extensions=extensions,
                                                 allow_multiple=True, with_data=False)
        finally:
            await self.preferences.remove(UPLOAD_PLAN_KEY)
        return [PickedFile(f.name, upload=Upload(self.upload_dir / pick / str(f.id), f.size, self.max_file_bytes))
                if f.id < UPLOADS_PER_PICK else
                PickedFile(f.name, refused=s.PHOTO_TOO_MANY_AT_ONCE.format(count=UPLOADS_PER_PICK))
                for f in files or []]

    async def save(self, name: str, data: bytes) -> str | None:
        """Offer ``data`` as a file named ``name``: the browser downloads it (web client), the
        system's save dialog writes it (desktop, phone). The path when the platform gives one."""
        return await self.picker.save_file(file_name=name, src_bytes=data)
