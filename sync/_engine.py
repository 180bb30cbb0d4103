"""The client side of the sync contract (DESIGN §5): push the outbox, pull tasks.

The engine owns no state. Everything it must not lose lives in the app's store behind the
``Outbox`` protocol, and every step is safe to repeat, so the app may be killed at any line:

* photos first, then the record; each acknowledged step is written to the outbox at once;
* a record leaves the outbox only when the platform has acknowledged it (201, or 200 for the
  same record again), never before;
* an answer lost on the way back costs one repeat: the platform answers 200 and nothing changes.

Round trips are what a phone's link makes slow (DESIGN §13), so records go in batches
(``POST /api/v1/records/batch``, ``BATCH_RECORDS`` a call, one answer per record) and, before
each batch, the platform says in one call which of the batch's photos it still needs from this
device (``POST /api/v1/photos/missing``); those are uploaded ``PHOTO_UPLOADS_AT_ONCE`` at a time,
so the link is never idle waiting for an answer. A platform from before these calls answers
404: the engine then sends photo after photo and record after record, as it always did.

Network failures, timeouts, 429 and 5xx answers are retried with bounded exponential back-off and
full jitter; an answer's ``Retry-After`` (seconds: a busy platform's 503) is the least wait, and
one longer than the back-off's cap ends the push at once. When the retries run out the push stops
with ``TransportError`` and resumes where it stopped next time. A record the platform refuses for good (400, 403, 409, 413, 422) is marked
rejected with the platform's Chinese message and the push goes on with the next one.
httpx's exceptions are mapped to this package's only here.

After a push that sent everything, the engine checks that the platform still holds what it
acknowledged (``refill``): a platform restored from an earlier backup has lost what came after
it. The platform says how many of this device's records it holds (``POST
/api/v1/records/known``); when that is not how many the phone holds as acknowledged, the phone
asks about its acknowledged ids (1,000 a call), puts those the platform does not know back in
the outbox and sends them again, byte for byte as signed: each ends on the platform once. An
outbox that keeps its acknowledged records offers this through ``AcknowledgedRecords``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx

from ._answers import platform_refusal
from ._exceptions import AuthError, SyncError, TransportError
from ._pdf import is_pdf
from ._wire import TaskJson, read_tasks

PERMANENT_REFUSALS = frozenset({400, 403, 409, 413, 415, 422})
KNOWN_BATCH = 1000
"""Acknowledged record ids one ``POST /api/v1/records/known`` asks about."""
BATCH_RECORDS = 50
"""Records one ``POST /api/v1/records/batch`` carries (the platform takes up to 100)."""
BATCH_BYTES = 1024 * 1024
"""The most envelope bytes one batch carries (the platform takes 4 MB); a record larger than
this goes alone."""
MISSING_BATCH = 1000
"""Photo names one ``POST /api/v1/photos/missing`` asks about."""
PHOTO_UPLOADS_AT_ONCE = 4
"""Photos in flight at once: enough to keep a link of 150 ms each way busy, few enough that
each finishes soon (a photo is marked sent only once its own upload is answered)."""
OLD_PLATFORM = frozenset({404, 405})
"""The answers of a platform from before a call: the engine falls back to the calls it had."""


class PendingRecordLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def envelope(self) -> bytes: ...
    @property
    def photos(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class PendingRequest:
    """Something else the phone owes the platform (a 回避 request): a JSON body to POST, kept in
    the outbox until the platform has it (201 or 200) or refuses it for good."""

    id: str
    path: str
    body: Mapping[str, object]


class Outbox(Protocol):
    """What the engine needs from the app's store: signed records with their photos, and the
    other requests the phone owes (one outbox, one way to send, retry and refuse)."""

    def pending_records(self) -> Sequence[PendingRecordLike]: ...
    def photo(self, sha256: str) -> bytes: ...
    def is_photo_uploaded(self, sha256: str) -> bool: ...
    def photo_uploaded(self, sha256: str) -> None: ...
    def acknowledged(self, record_id: str, server_state: str) -> None: ...
    def rejected(self, record_id: str, message: str) -> None: ...
    def pending_requests(self) -> Sequence[PendingRequest]: ...
    def request_done(self, request_id: str, refusal: str | None) -> None: ...


@runtime_checkable
class AcknowledgedRecords(Protocol):
    """What an outbox that keeps the records the platform acknowledged offers, beside ``Outbox``,
    so that the engine can send again those a restored platform lost (``SyncEngine.refill``)."""

    def acknowledged_ids(self) -> Sequence[str]: ...
    def requeue(self, record_ids: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential back-off with full jitter: wait U(0, min(cap, base·2^n)) seconds."""

    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 20.0

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        return rng() * min(self.cap_seconds, self.base_seconds * 2.0**attempt)


@dataclass(frozen=True)
class Progress:
    """How far a push has got: records and bytes done out of the total."""

    records_done: int
    records_total: int
    bytes_done: int
    bytes_total: int


@dataclass
class PushResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    refilled: list[str] = field(default_factory=list)
    """Acknowledged records the platform no longer held (a restore), sent again."""


def _expect_success(response: httpx.Response) -> None:
    """Raise ``SyncError`` with the platform's message for any answer that is not 2xx."""
    if not response.is_success:
        raise SyncError(platform_refusal(response).message)


def _retry_after(response: httpx.Response) -> float:
    """The answer's ``Retry-After`` in seconds; 0 when absent or not a number of seconds (the
    HTTP-date form is not worth a clock comparison with a phone's possibly wrong clock)."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else 0.0


class SyncEngine:
    """Pushes signed records and their photos, and pulls tasks, over one ``httpx.Client``.

    The client carries the base URL and the device's bearer token; tests hand in one with a
    ``MockTransport`` or point it at a real server.
    """

    def __init__(
        self,
        client: httpx.Client,
        outbox: Outbox,
        *,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        on_progress: Callable[[Progress], None] | None = None,
        refill: bool = True,
        batch: bool = True,
    ) -> None:
        """``refill=False``: ``push`` does not ask what the platform lost (``refill``);
        ``batch=False``: one call per photo and per record, as for a platform from before
        batches (what the engine falls back to when the platform answers 404)."""
        self.batches = batch
        self._done = [0, 0, 0, 0]
        """The push's progress: records done and total, bytes done and total."""
        self._sizes: dict[str, int] = {}
        self.client = client
        self.refills = refill
        self.outbox = outbox
        self.retry = retry
        self.sleep = sleep
        self.rng = rng
        self.on_progress = on_progress

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call, retried on network failures, 429 and 5xx; 401 raises ``AuthError``."""
        for attempt in range(self.retry.attempts):
            retry_after = 0.0
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as e:
                failure: str = f"{type(e).__name__}"
            else:
                if response.status_code == 401:
                    raise AuthError(platform_refusal(response).message)
                if response.status_code < 500 and response.status_code != 429:
                    return response
                failure = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
                if retry_after > self.retry.cap_seconds:
                    break
            if attempt + 1 < self.retry.attempts:
                self.sleep(max(retry_after, self.retry.delay(attempt, self.rng)))
        raise TransportError(f"无法连接平台（{failure}），已保存在本机，稍后会自动重试")

    def pull_tasks(self) -> list[TaskJson]:
        """The tasks assigned to this device's inspector; ``SyncError`` for an answer that is not
        the contract's shape (nothing of it is kept)."""
        response = self.request("GET", "/api/v1/tasks")
        _expect_success(response)
        try:
            return read_tasks(response.json())
        except ValueError as e:  # not JSON, or not the shape (ValidationError is a ValueError)
            raise SyncError(f"平台返回的任务列表格式不符，未作更新：{e}") from None

    def push(self) -> PushResult:
        """Send every pending record, oldest first, each after its photos; then those the
        platform lost since it acknowledged them (``refill``); then every other pending request."""
        result = PushResult()
        self._push_records(result)
        result.refilled = self.refill() if self.refills else []
        if result.refilled:
            self._push_records(result)
        for request in self.outbox.pending_requests():
            response = self.request("POST", request.path, json=dict(request.body))
            if response.status_code in PERMANENT_REFUSALS or response.status_code == 404:
                self.outbox.request_done(request.id, platform_refusal(response).message)
                continue
            _expect_success(response)
            self.outbox.request_done(request.id, None)
        return result

    def refill(self) -> list[str]:
        """Puts back in the outbox the acknowledged records the platform no longer holds (it was
        restored from a backup older than them) and returns their ids; nothing when the outbox
        keeps no acknowledged records or the platform predates the question."""
        outbox = self.outbox
        if not isinstance(outbox, AcknowledgedRecords):
            return []
        acknowledged = list(outbox.acknowledged_ids())
        answer = self._known([])
        if answer is None or answer["held"] == len(acknowledged):
            return []
        unknown: list[str] = []
        for start in range(0, len(acknowledged), KNOWN_BATCH):
            answer = self._known(acknowledged[start:start + KNOWN_BATCH])
            if answer is None:
                return []
            unknown += [str(i) for i in answer["unknown"]]
        if unknown:
            outbox.requeue(unknown)
        return unknown

    def _known(self, ids: list[str]) -> dict[str, Any] | None:
        response = self.request("POST", "/api/v1/records/known", json={"ids": ids})
        if response.status_code in (404, 405):  # a platform from before the question
            return None
        _expect_success(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("held"), int) \
                or not isinstance(body.get("unknown"), list):
            raise SyncError("平台对已确认记录的答复格式不符")
        return body

    def _push_records(self, result: PushResult) -> None:
        pending = list(self.outbox.pending_records())
        self._sizes = {r.id: len(r.envelope) + sum(self._photo_size(s) for s in r.photos)
                       for r in pending}
        self._done = [0, len(pending), 0, sum(self._sizes.values())]
        self._report_done()
        for batch in self._batches(pending):
            if self.batches:
                self._push_batch(batch, result)
            else:
                self._push_one_by_one(batch, result)

    def _push_one_by_one(self, records: Sequence[PendingRecordLike], result: PushResult) -> None:
        for record in records:
            refusal = self._push_record(record)
            self._done[2] += self._sizes[record.id] - len(record.envelope)  # its photos
            self._settle(record, refusal, result)

    def _batches(self, pending: Sequence[PendingRecordLike]) -> Iterator[list[PendingRecordLike]]:
        """The pending records, in order, cut into batches of at most ``BATCH_RECORDS`` records
        and ``BATCH_BYTES`` of envelopes (one record at a time when not batching)."""
        batch: list[PendingRecordLike] = []
        size = 0
        for record in pending:
            if batch and (not self.batches or len(batch) >= BATCH_RECORDS
                          or size + len(record.envelope) > BATCH_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(record)
            size += len(record.envelope)
        if batch:
            yield batch

    def _settle(self, record: PendingRecordLike, refusal: str | None, result: PushResult) -> None:
        """Counts a record the platform acknowledged or refused for good (progress and result)."""
        if refusal is None:
            result.accepted.append(record.id)
        else:
            self.outbox.rejected(record.id, refusal)
            result.rejected.append((record.id, refusal))
        self._done[0] += 1
        self._done[2] += len(record.envelope)
        self._report_done()

    def _push_batch(self, batch: list[PendingRecordLike], result: PushResult) -> None:
        """The batch's photos the platform lacks (asked in one call, sent a few at a time), then
        its records in one call. A record whose photo the platform refuses for good is refused
        with it, as when sent alone."""
        refused = self._send_photos([s for r in batch for s in r.photos])
        sendable: list[PendingRecordLike] = []
        for record in batch:
            refusal = next((refused[s] for s in record.photos if s in refused), None)
            if refusal is not None:
                self._settle(record, refusal, result)
            else:
                sendable.append(record)
        if not sendable:
            return
        results = self._post_batch(sendable)
        if results is None:  # a platform from before batches (or one that takes fewer at once)
            for record in sendable:
                self._settle(record, self._push_record(record), result)
            return
        for record, answer in zip(sendable, results, strict=True):
            status = answer.get("status")
            if status in (200, 201) and isinstance(answer.get("record"), dict):
                self._settle(record, self._acknowledge(record, answer["record"]), result)
            elif status in PERMANENT_REFUSALS:
                error = answer.get("error")
                message = str(error.get("message")) if isinstance(error, dict) else \
                    f"平台返回错误（HTTP {status}）"
                self._settle(record, message, result)
            # anything else is not an answer the contract gives: the record stays pending

    def _post_batch(self, records: list[PendingRecordLike]) -> list[dict[str, Any]] | None:
        """One ``POST /api/v1/records/batch`` with the envelopes byte for byte as signed; its
        results, or None when the platform takes no batch of these (404, 405, 413, or 400 for
        the batch as a whole: then each record goes alone and gets its own answer)."""
        body = b'{"records":[' + b",".join(r.envelope for r in records) + b"]}"
        response = self.request("POST", "/api/v1/records/batch", content=body,
                                headers={"Content-Type": "application/json"})
        if response.status_code in OLD_PLATFORM:
            self.batches = False
            return None
        if response.status_code in (400, 413):
            return None
        _expect_success(response)
        try:
            results = response.json()["results"]
        except (ValueError, KeyError, TypeError):
            results = None
        if not isinstance(results, list) or len(results) != len(records) \
                or not all(isinstance(r, dict) for r in results):
            raise SyncError("平台对批量提交的答复格式不符")
        return results

    def _send_photos(self, names: Sequence[str]) -> dict[str, str]:
        """Uploads those of ``names`` the platform lacks from this device, a few at a time; the
        refusals for good, by photo (the others are marked sent as each is answered)."""
        wanted = [s for s in dict.fromkeys(names) if not self.outbox.is_photo_uploaded(s)]
        if not wanted:
            return {}
        lacking = self._photos_lacking(wanted)
        for sha256 in wanted:
            if sha256 not in lacking:
                self.outbox.photo_uploaded(sha256)
                self._done[2] += len(self.outbox.photo(sha256))
        self._report_done()
        refused: dict[str, str] = {}
        todo = iter(s for s in wanted if s in lacking)
        with ThreadPoolExecutor(PHOTO_UPLOADS_AT_ONCE, thread_name_prefix="photo-upload") as pool:
            running: dict[Future[httpx.Response], tuple[str, int]] = {}
            try:
                while True:
                    for sha256 in todo:  # the outbox is read here, on the calling thread only
                        data = self.outbox.photo(sha256)
                        running[pool.submit(self._put_photo, sha256, data)] = (sha256, len(data))
                        if len(running) >= PHOTO_UPLOADS_AT_ONCE:
                            break
                    if not running:
                        return refused
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        sha256, size = running.pop(future)
                        refusal = self._photo_answer(sha256, future.result())
                        if refusal is not None:
                            refused[sha256] = refusal
                        self._done[2] += size
                    self._report_done()
            finally:  # a failure stops the rest: none of them is marked sent
                for future in running:
                    future.cancel()

    def _photos_lacking(self, names: list[str]) -> set[str]:
        """Which of ``names`` the platform still needs from this device; all of them when the
        platform predates the question."""
        lacking: set[str] = set()
        for start in range(0, len(names), MISSING_BATCH):
            chunk = names[start:start + MISSING_BATCH]
            response = self.request("POST", "/api/v1/photos/missing", json={"sha256": chunk})
            if response.status_code in OLD_PLATFORM:
                return set(names)
            _expect_success(response)
            try:
                missing = response.json()["missing"]
            except (ValueError, KeyError, TypeError):
                missing = None
            if not isinstance(missing, list):
                raise SyncError("平台对缺少照片的答复格式不符")
            lacking.update(str(s) for s in missing)
        return lacking

    def _photo_size(self, sha256: str) -> int:
        return 0 if self.outbox.is_photo_uploaded(sha256) else len(self.outbox.photo(sha256))

    def _report_done(self) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(*self._done))

    def _push_record(self, record: PendingRecordLike) -> str | None:
        """Photos, then the record; the platform's refusal message, or None once acknowledged."""
        for sha256 in record.photos:
            if not self.outbox.is_photo_uploaded(sha256):
                refusal = self._upload_photo(sha256)
                if refusal is not None:
                    return refusal
        response = self.request("POST", "/api/v1/records", content=record.envelope,
                                headers={"Content-Type": "application/json"})
        if response.status_code in PERMANENT_REFUSALS:
            return platform_refusal(response).message
        _expect_success(response)
        return self._acknowledge(record, response.json())

    def _acknowledge(self, record: PendingRecordLike, status: dict[str, Any]) -> str | None:
        """Marks an accepted record acknowledged, once the platform holds its photos too."""
        if status["missing_photos"]:
            # The platform lacks photos this device believed sent: send them again.
            for sha256 in status["missing_photos"]:
                refusal = self._upload_photo(sha256)
                if refusal is not None:
                    return refusal
            response = self.request("GET", f"/api/v1/records/{record.id}")
            _expect_success(response)
            status = response.json()
        self.outbox.acknowledged(record.id, status["state"])
        return None

    def _upload_photo(self, sha256: str) -> str | None:
        return self._photo_answer(sha256, self._put_photo(sha256, self.outbox.photo(sha256)))

    def _put_photo(self, sha256: str, data: bytes) -> httpx.Response:
        """One photo's upload, with its retries: safe on a worker thread (it touches no outbox)."""
        kind = "application/pdf" if is_pdf(data) else "image/jpeg"  # a 书面检查's PDF material
        return self.request("PUT", f"/api/v1/photos/{sha256}", content=data, headers={"Content-Type": kind})

    def _photo_answer(self, sha256: str, response: httpx.Response) -> str | None:
        """Marks the photo sent on success; the refusal's message when refused for good."""
        if response.status_code in PERMANENT_REFUSALS:
            return f"照片未被接受：{platform_refusal(response).message}"
        _expect_success(response)
        self.outbox.photo_uploaded(sha256)
        return None
