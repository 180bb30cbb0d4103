"""Photos into the store: the pipeline of app/photos.py (DESIGN §8) run off the UI's loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

from sync import Location, TaskJson

from ..domain.inspection import describe_location
from ..domain.tasks import credential
from ..photos import PhotoSettings, ProcessedPhoto, Watermark, process_photo
from ..store import LocalStore


def watermark_for(task: TaskJson, location: Location | None,
                  time: dt.datetime | None = None) -> Watermark:
    """Time, place, the team and the entity, as burned into every photo of the task."""
    return Watermark(
        time=(time or dt.datetime.now()).astimezone(),
        place=describe_location(location),
        inspectors=tuple((m["name"], credential(m)) for m in task["team"]),
        entity_name=str(task["entity"]["name"]),
        task_id=str(task["id"]),
    )


class PhotoService:
    def __init__(self, store: LocalStore, settings: PhotoSettings) -> None:
        self.store = store
        self.settings = settings

    async def add(self, data: bytes, watermark: Watermark) -> ProcessedPhoto:
        """Process and keep one photo; raises ``PhotoError`` (Chinese message) for a bad file."""
        return await asyncio.to_thread(self._process_and_keep, data, watermark)

    def _process_and_keep(self, data: bytes, watermark: Watermark) -> ProcessedPhoto:
        """In a worker thread: the pipeline, then the store's write (its fsync included), so the
        UI's loop never waits on either (the store serialises its writers with a lock)."""
        photo = process_photo(data, watermark=watermark, settings=self.settings)
        self.store.add_photo(photo.sha256, photo.jpeg, photo.thumbnail, watermark.task_id,
                             watermark.time.isoformat(timespec="seconds"))
        return photo

    def add_file(self, data: bytes, task_id: str) -> str:
        """Keep a file the app made itself (the enterprise's signature PNG) beside the photos, so
        that it is sent with the record like one; its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        self.store.add_photo(sha256, data, data, task_id,
                             dt.datetime.now().astimezone().isoformat(timespec="seconds"))
        return sha256

    def file(self, sha256: str) -> bytes | None:
        """A kept photo or file at full size (None when this phone does not hold it)."""
        try:
            return self.store.photo(sha256)
        except KeyError:
            return None

    def thumbnail(self, sha256: str) -> bytes | None:
        try:
            return self.store.thumbnail(sha256)
        except KeyError:
            return None
