"""审核: the queue of a department's records and one record under review, without any Flet.

Every action goes to the platform (``SupervisorService``); a failure leaves its Chinese message
in ``error`` and nothing changes here until the platform has said yes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sync import ReviewDetail, pdf_problem
from sync.file_name import record_pdf_name

from .. import strings as s
from ..domain.review import (
    ItemView,
    PlaceCheck,
    allowed_decisions,
    gaps_text,
    location_text,
    place_check,
    record_items,
)
from ..domain.revision import RevisionChanges, revision_changes
from ..services.supervisor import ExportFile, PlatformError, SupervisorService
from .base import Observable, RemoteModel

QUEUE_STATES = ("submitted", "awaiting_report", "returned", "approved", "published", "feedback", "recusals")
"""The queue's chips: records by state, then the enterprises' feedback and 回避 requests."""
THUMBNAIL_PX = 240


class ReviewQueueModel(RemoteModel):
    def __init__(self, service: SupervisorService) -> None:
        super().__init__()
        self.service = service
        self.loaded = False
        self.state = "submitted"
        self.records: Sequence[Mapping[str, Any]] = []
        """The records in ``state``, or the feedback entries when ``state`` is ``feedback``."""

    async def load(self) -> None:
        async def read() -> None:
            if self.state == "feedback":
                self.records = await self.service.feedback()
            elif self.state == "recusals":
                self.records = await self.service.recusals()
            else:
                self.records = await self.service.queue(self.state)
            self.loaded = True

        await self.fetching(read)

    async def show(self, state: str) -> None:
        if state not in QUEUE_STATES:
            raise ValueError(state)
        self.state, self.records = state, []
        await self.load()


class ReviewRecordModel(Observable):
    """One record: everything recorded, and approve / return / publish (none of them when
    ``read_only``: the record opened from the ledger, to read)."""

    def __init__(self, service: SupervisorService, record_id: str,
                 on_decided: Callable[[], Any] | None = None, *, read_only: bool = False) -> None:
        super().__init__()
        self.service = service
        self.record_id = record_id
        self.read_only = read_only
        self.on_decided = on_decided
        self.detail: ReviewDetail | None = None
        self.error: str | None = None
        self.busy = False
        self.done: str | None = None
        """What the last decision did, for the screen to confirm (``strings.DONE_*``)."""
        self.photos: dict[str, bytes] = {}
        """Photos at full size as the platform keeps them, fetched when one is opened."""
        self.thumbnails: dict[str, bytes] = {}
        """Small JPEGs of every photo, fetched with the record."""
        self.photo_errors: dict[str, str] = {}

    async def load(self) -> None:
        """The record, then a thumbnail of every photo (one that cannot be had leaves its message)."""
        self.error = None
        try:
            self.detail = await self.service.record(self.record_id)
        except PlatformError as e:
            self.error = str(e)
        else:
            wanted = [sha for item in self.items for sha in item.photos] + list(self.ack_files)
            wanted = [sha for sha in wanted if sha not in self.thumbnails]
            await asyncio.gather(*(self._fetch_thumbnail(sha) for sha in dict.fromkeys(wanted)))
        self.changed()

    async def _fetch_thumbnail(self, sha256: str) -> None:
        try:
            self.thumbnails[sha256] = await self.service.thumbnail(sha256, THUMBNAIL_PX)
        except PlatformError as e:
            self.photo_errors[sha256] = str(e)

    # --- reading --------------------------------------------------------------------------

    @property
    def ack_files(self) -> tuple[str, ...]:
        """The enterprise's signature PNG or the photos of its refusal (fetched like photos)."""
        ack = self.detail["record"].get("acknowledgement") if self.detail else None
        if not ack:
            return ()
        return (ack["signature"],) if ack["kind"] == "signed" else tuple(ack.get("photos", ()))

    async def paper(self) -> ExportFile:
        """The record's PDF from the platform (``PlatformError`` when it cannot be had)."""
        detail = self.detail
        name = record_pdf_name(detail["entity"]["name"] if detail else "",
                               detail["record"].get("started_at", "") if detail else "")
        return await self.service.record_pdf(self.record_id, name)

    @property
    def items(self) -> list[ItemView]:
        return record_items(self.detail) if self.detail else []

    @property
    def decisions(self) -> tuple[str, ...]:
        if self.read_only or self.busy or not self.detail:
            return ()
        return allowed_decisions(self.detail)

    @property
    def changes(self) -> RevisionChanges | None:
        """What this revision changed from the record returned before it (``None``: a first record)."""
        previous = self.detail["previous"] if self.detail else None
        if not previous or self.detail is None:
            return None
        return revision_changes(previous, self.detail["record"], self.detail["item_names"])

    @property
    def location(self) -> tuple[str, bool]:
        assert self.detail is not None
        return location_text(self.detail["record"].get("location"))

    @property
    def place(self) -> PlaceCheck:
        assert self.detail is not None
        return place_check(self.detail)

    @property
    def gaps(self) -> str | None:
        return gaps_text(self.detail["chain_gaps"]) if self.detail else None

    @property
    def signature_valid(self) -> bool:
        return bool(self.detail and self.detail["signature"]["valid"])

    async def photo(self, sha256: str) -> bytes:
        """The photo at full size (``PlatformError`` when the platform cannot give it)."""
        if sha256 not in self.photos:
            self.photos[sha256] = await self.service.photo(sha256)
        return self.photos[sha256]

    # --- deciding -------------------------------------------------------------------------

    def clear_error(self) -> None:
        """The supervisor dismissed what went wrong (a cancelled dialog)."""
        if self.error is not None:
            self.error = None
            self.changed()

    async def _decide(self, action: Callable[[], Any], done: str) -> bool:
        self.busy, self.error, self.done = True, None, None
        self.changed()
        try:
            await action()
        except PlatformError as e:
            self.busy, self.error = False, str(e)
            self.changed()
            return False
        self.busy, self.done = False, done
        try:
            self.detail = await self.service.record(self.record_id)
        except PlatformError as e:
            self.error = str(e)
        self.changed()
        if self.on_decided is not None:
            result = self.on_decided()
            if hasattr(result, "__await__"):
                await result
        return True

    async def approve(self, comment: str, *, publish: bool) -> bool:
        done = s.DONE_APPROVED_PUBLISHED if publish else s.DONE_APPROVED
        return await self._decide(
            lambda: self.service.approve(self.record_id, comment.strip(), publish=publish), done)

    async def return_record(self, comment: str) -> bool:
        """Return with ``comment``; an empty comment is refused here (``error``), sending nothing."""
        if not comment.strip():
            self.error = s.RETURN_NEED_COMMENT
            self.changed()
            return False
        return await self._decide(
            lambda: self.service.return_record(self.record_id, comment.strip()), s.DONE_RETURNED)

    async def publish(self) -> bool:
        return await self._decide(lambda: self.service.publish(self.record_id), s.DONE_PUBLISHED)

    @property
    def awaited_reports(self) -> list[str]:
        """The items sent for testing whose laboratory's report is still to be attached."""
        if not self.detail or self.read_only or self.detail["state"] != "awaiting_report":
            return []
        return [line["item"] for line in self.detail["lab_reports"] if line["report"] is None]

    async def attach_report(self, item: str, pdf: bytes, number: str, conclusion: str) -> bool:
        """Attach the laboratory's report of ``item``; a file that is no whole PDF, or no
        number, is refused here (``error``), sending nothing."""
        problem = pdf_problem(pdf) if number.strip() else s.REPORT_NEED_NUMBER
        if problem is not None:
            self.error = problem
            self.changed()
            return False
        return await self._decide(lambda: self.service.attach_lab_report(
            self.record_id, item, pdf, number=number.strip(), conclusion=conclusion), s.DONE_REPORT)
