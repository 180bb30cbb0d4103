"""现场检查: the form's state. Every change is saved as the task's draft at once."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

from sync import (
    AcknowledgementKind,
    ItemResult,
    Location,
    Outcome,
    TaskJson,
    ValidationError,
    is_pdf,
    pdf_problem,
)

from .. import strings as s
from ..domain.inspection import Draft, describe_location, now_rfc3339
from ..domain.signature import Point, signature_png
from ..photos import PhotoError
from ..services.files import PickedFile
from ..services.inspections import InspectionService, SigningError
from ..services.photo_service import PhotoService, watermark_for
from ..store import StorageFullError
from .base import Observable

MAX_PDF_BYTES = 8 * 1024 * 1024
"""The largest PDF material the phone takes: the platform's default bound on an upload
(``ZSC_MAX_PHOTO_BYTES``), so that a material signed into a record is never refused there."""
EVIDENCE = ("photos", "materials", "screenshots")
"""The lists of an item's files: its photos, a 书面检查's materials, a 网络监测's screenshots."""
REFUSAL = "__refusal__"
"""The key of the refusal photos' errors in ``photo_errors`` (item codes key the others)."""


class InspectionModel(Observable):
    def __init__(self, task: TaskJson, inspections: InspectionService, photos: PhotoService,
                 supersedes: str | None = None, *, revising: dict[str, Any] | None = None,
                 review_comment: str | None = None, begun: bool = False) -> None:
        super().__init__()
        self.task = task
        self.inspections = inspections
        self.photos = photos
        self.busy_items: set[str] = set()
        self.photo_progress: dict[str, tuple[int, int]] = {}
        """Item code → (files done, files picked) while a pick of photos is processed."""
        # The picked file's SHA-256 → the stored photo's: the stored one has the time burned in,
        # so the same file picked again a minute later is a different photo unless compared here.
        self._sources: dict[str, str] = {}
        self.photo_errors: dict[str, str] = {}
        draft = inspections.load_draft(task["id"])
        self.save_error: str | None = None
        """Why the last change could not be saved (a full phone), shown until a save succeeds."""
        self.review_comment = review_comment
        """Why the reviewer returned the record this draft revises (shown above the form)."""
        self.started = draft is None or begun
        """Whether the draft was begun just now (开始检查 after the notice, or a revision), rather
        than reopened: then the form asks for the position at once."""
        if draft is None:
            if supersedes is None or revising is None:
                # A first inspection begins with the notice (InspectionService.start); a revision
                # with the record it corrects, whose visit it keeps (a teammate's record, which
                # this phone does not hold, is revised on the phone that signed it).
                raise ValueError("no draft to open")
            draft = Draft.revise(task, revising, now_rfc3339(), supersedes)
            inspections.save_draft(draft)
        self.draft = draft

    # --- edits: each one is saved before the view hears of it ---------------------------

    def _save(self) -> None:
        try:
            self.inspections.save_draft(self.draft)
            self.save_error = None
        except StorageFullError as e:
            self.save_error = str(e)
        self.changed()

    def set_result(self, code: str, result: ItemResult) -> None:
        self.draft.answer(code).result = result
        self._save()

    def set_url(self, code: str, url: str) -> None:
        """The address a 网络监测 item checked; the check's time is when it was entered."""
        answer = self.draft.answer(code)
        if url.strip() != answer.url.strip():
            answer.checked_at = now_rfc3339()
        answer.url = url
        self._save()

    def set_lab(self, code: str, sent: bool) -> None:
        """Send the item for testing (its result 待检测 until the report), or not."""
        answer = self.draft.answer(code)
        if sent:
            answer.lab = answer.lab or {"sample": "", "lab": "", "accreditation_no": ""}
            answer.result = ItemResult.AWAITING_LAB
        else:
            answer.lab = None
            if answer.result == ItemResult.AWAITING_LAB:
                answer.result = None
        self._save()

    def set_lab_field(self, code: str, key: str, value: str) -> None:
        lab = self.draft.answer(code).lab
        assert lab is not None and key in lab
        lab[key] = value
        self._save()

    def set_item_note(self, code: str, note: str) -> None:
        self.draft.answer(code).note = note
        self._save()

    def all_remaining_pass(self) -> None:
        for item in self.task["items"]:
            answer = self.draft.answer(item["code"])
            if answer.result is None:
                answer.result = ItemResult.PASS
        self._save()

    def set_outcome(self, outcome: Outcome) -> None:
        self.draft.outcome = outcome
        self._save()

    def set_note(self, note: str) -> None:
        self.draft.note = note
        self._save()

    def set_location(self, location: Location | None) -> None:
        self.draft.location = location
        self._save()

    def remove_photo(self, code: str, sha256: str, kind: str = "photos") -> None:
        assert kind in EVIDENCE
        photos: list[str] = getattr(self.draft.answer(code), kind)
        if sha256 in photos:
            photos.remove(sha256)
        self._save()

    def picking_photos(self, code: str) -> None:
        """The picker is open for item ``code``: 正在处理照片… shows from now on, so the moment
        the picked file is being handed over (seconds for a large one) is never a still screen."""
        self.busy_items.add(code)
        self.photo_errors.pop(code, None)
        self.changed()

    async def add_photos(self, code: str, files: Sequence[PickedFile], kind: str = "photos") -> None:
        """Process each file into a watermarked photo of item ``code`` (``kind``: its photos, a
        书面检查's materials, where a PDF is kept as it is once it reads, or a 网络监测's
        screenshots); a bad file, or one already attached to this draft, leaves a message for
        that item and the others still go in."""
        assert kind in EVIDENCE
        target: list[str] = getattr(self.draft.answer(code), kind)
        if not files:
            self.busy_items.discard(code)
            self.changed()
            return
        self.busy_items.add(code)
        self.photo_errors.pop(code, None)
        self.changed()
        errors = []
        attached = {sha for answer in self.draft.answers.values() for k in EVIDENCE for sha in getattr(answer, k)}
        try:
            for done, file in enumerate(files):
                self.photo_progress[code] = (done, len(files))
                self.changed()
                try:
                    data = await file.read()  # in the web client, once the browser has sent it
                except PhotoError as e:
                    errors.append(f"{file.name}：{e}")
                    continue
                # Hashing, decoding, scaling, encoding and storing all run in a worker thread:
                # the UI's loop only waits (a 12 MP photo costs ~0.2 s of CPU).
                source = await asyncio.to_thread(_sha256, data)
                if self._sources.get(source) in attached or source in attached:
                    errors.append(s.ITEM_PHOTO_DUPLICATE.format(name=file.name))
                    continue
                if kind == "materials" and is_pdf(data):
                    problem = (s.PDF_TOO_LARGE.format(mb=MAX_PDF_BYTES // 2**20) if len(data) > MAX_PDF_BYTES
                               else await asyncio.to_thread(pdf_problem, data))
                    if problem is not None:
                        errors.append(f"{file.name}：{problem}")
                        continue
                    try:
                        self.photos.add_file(data, self.task["id"])
                    except StorageFullError as e:
                        errors.append(f"{file.name}：{e}")
                        continue
                    attached.add(source)
                    target.append(source)
                    self._save()
                    continue
                try:
                    photo = await self.photos.add(data, watermark_for(self.task, self.draft.location))
                except (PhotoError, StorageFullError) as e:
                    errors.append(f"{file.name}：{e}")
                    continue
                self._sources[source] = photo.sha256
                attached.add(photo.sha256)
                if photo.sha256 not in target:
                    target.append(photo.sha256)
                self._save()
        finally:
            self.busy_items.discard(code)
            self.photo_progress.pop(code, None)
        if errors:
            self.photo_errors[code] = "\n".join(errors)
        self.changed()

    # --- the enterprise's acknowledgement -------------------------------------------------------

    def set_ack_kind(self, kind: AcknowledgementKind) -> None:
        self.draft.ack.kind = kind
        self._save()

    def set_ack_text(self, name: str, value: str) -> None:
        """One of the acknowledgement's text fields (name, role, statement, note, witness_*)."""
        assert name in ("name", "role", "statement", "note", "witness_name", "witness_unit")
        setattr(self.draft.ack, name, value)
        self._save()

    def set_signature(self, strokes: Sequence[Sequence[Point]], width: float, height: float) -> str:
        """Render the strokes to the signature PNG, keep it like a photo; its SHA-256."""
        png = signature_png(strokes, width, height)
        sha256 = self.photos.add_file(png, self.task["id"])
        self.draft.ack.signature = sha256
        self._save()
        return sha256

    def clear_signature(self) -> None:
        self.draft.ack.signature = None
        self._save()

    async def add_refusal_photos(self, files: Sequence[PickedFile]) -> None:
        """Photos of the refusal, watermarked like the items' (kept under their own list)."""
        errors = []
        for file in files:
            try:
                photo = await self.photos.add(await file.read(), watermark_for(self.task, self.draft.location))
            except (PhotoError, StorageFullError) as e:
                errors.append(f"{file.name}：{e}")
                continue
            if photo.sha256 not in self.draft.ack.photos:
                self.draft.ack.photos.append(photo.sha256)
        self.photo_errors.pop(REFUSAL, None)
        if errors:
            self.photo_errors[REFUSAL] = "\n".join(errors)
        self._save()

    def remove_refusal_photo(self, sha256: str) -> None:
        if sha256 in self.draft.ack.photos:
            self.draft.ack.photos.remove(sha256)
        self._save()

    @property
    def ack_missing(self) -> list[str]:
        return self.draft.ack_missing()

    def ask_enterprise_again(self, again: bool) -> None:
        """Whether the enterprise answers this revision again (True) or it keeps the visit's
        answer, signed as 修订内容未经企业确认 when its content changed."""
        self.draft.reconfirm = again
        self._save()

    @property
    def unconfirmed(self) -> bool:
        """Whether signing now would make a revision 修订内容未经企业确认."""
        return self.draft.unconfirmed(self.task)

    def signature_image(self) -> bytes | None:
        sha256 = self.draft.ack.signature
        return None if sha256 is None else self.photos.file(sha256)

    # --- reading ---------------------------------------------------------------------------

    @property
    def missing(self) -> list[str]:
        return self.draft.missing(self.task)

    def thumbnail(self, sha256: str) -> bytes | None:
        return self.photos.thumbnail(sha256)

    def summary(self) -> str:
        results = [self.draft.answer(item["code"]).result for item in self.task["items"]]
        return s.SIGN_SUMMARY.format(
            items=len(results), passed=results.count(ItemResult.PASS),
            failed=results.count(ItemResult.FAIL), na=results.count(ItemResult.NOT_APPLICABLE),
            photos=self.draft.photo_count(), outcome=self.draft.outcome or "—",
            place=describe_location(self.draft.location),
        )

    async def sign(self) -> dict[str, Any]:
        """Sign and queue the record; ``SigningError`` (Chinese) when it cannot be signed."""
        try:
            return await self.inspections.sign(self.draft, self.task)
        except ValidationError as e:
            raise SigningError(s.SIGN_FAILED.format(
                message="；".join(p.message for p in e.problems))) from e


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
