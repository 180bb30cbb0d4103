"""Picking photo files with ``ft.FilePicker`` (a service in Flet 1.0).

The picked file's bytes come back with the pick itself (``with_data=True``): in the web client
the browser reads the file and sends it over the app's own connection to this Flet process,
never to the sync server. Flet's other route, an HTTP PUT to ``upload_dir`` through
``page.get_upload_url``, was tried and dropped: the browser cancels an upload in flight whenever
the page is patched meanwhile (the automatic sync does that every few seconds), so photos got
lost (docs/decisions.md). On a phone or a desktop the picker hands over the bytes the same way.

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

from dataclasses import dataclass
from pathlib import Path

import flet as ft

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


@dataclass(frozen=True)
class PickedFile:
    name: str
    data: bytes


class FileService:
    def __init__(self) -> None:
        self.picker = ft.FilePicker()

    async def pick_images(self) -> list[PickedFile]:
        """The photos the inspector picked (none if they cancelled)."""
        page = self.picker.page
        file_type, extensions = image_filter(page.web, page.platform)
        files = await self.picker.pick_files(file_type=file_type, allowed_extensions=extensions,
                                             allow_multiple=True, with_data=True)
        return [PickedFile(f.name, f.bytes if f.bytes is not None else Path(f.path or "").read_bytes())
                for f in files or []]

    async def save(self, name: str, data: bytes) -> str | None:
        """Offer ``data`` as a file named ``name``: the browser downloads it (web client), the
        system's save dialog writes it (desktop, phone). The path when the platform gives one."""
        return await self.picker.save_file(file_name=name, src_bytes=data)
