"""Ingest of signed records and their photos, exactly once (DESIGN §5).

Every call is safe to repeat. A record is identified by its device-made id; the same id with the
same bytes is answered as already there and changes nothing, the same id with other bytes is a conflict. Unique
keys (record id, record hash, device + seq, photo hash) make this hold between concurrent requests
and between several server processes on one database, not only within one process.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.dialects import postgresql, sqlite

from server_stub.core import tables as t
from server_stub.core.clock import CHINA, as_utc
from server_stub.core.db import in_chunks
from server_stub.core.errors import (
    Conflict,
    DomainError,
    Invalid,
    Malformed,
    NotAllowed,
    NotAnImage,
    RecordNotFound,
    TooLarge,
)
from server_stub.field.devices import Device
from server_stub.records.photo_store import PhotoStore, is_sha256
from sync import (
    MAX_PHOTO_PIXELS,
    MAX_SIGNATURE_BYTES,
    RECORD_VERSION,
    ChainHead,
    ItemResult,
    Record,
    RecordState,
    SignatureError,
    StaffKind,
    ValidationError,
    acknowledges_content,
    check_chain,
    check_items_answered,
    content_hash,
    find_gaps,
    is_pdf,
    parse_json,
    parse_rfc3339,
    pdf_problem,
    photo_hashes,
    signature_png_problem,
    validate_record,
    verify_envelope_hashed,
)

ACCEPTED_IMAGE_FORMATS = {"JPEG"}
CLOCK_SKEW = dt.timedelta(minutes=10)
"""How far ahead of the platform's clock a phone's clock may run: a record finished later than
this is refused (a phone whose date is wrong must be set right, not believed)."""


@dataclass(frozen=True)
class IngestAnswer:
    """What an upload did: ``new`` when it stored something (the door says 201), else it was
    there already (200: safe to repeat); ``body`` is the answer's content."""

    new: bool
    body: dict[str, Any] = field(default_factory=dict)


# --- photos ----------------------------------------------------------------------------------


def store_photo(store: PhotoStore, sha256: str, data: bytes) -> None:
    """Check a photo's bytes (``Malformed``, ``TooLarge`` or ``NotAnImage``) and write them to the
    store under their hash, without the database: the route does this before it takes a
    connection, so a slow disk's ``fsync`` holds none (issue 29 point 3); ``note_photo`` follows.
    A photo written but never noted (the request failed after) is harmless: the store is
    content-addressed, and the phone's retry writes nothing new and notes it."""
    if not is_sha256(sha256):
        raise Malformed("bad_photo_name", "照片名称应为64位小写十六进制的SHA-256")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Malformed("photo_hash_mismatch", "照片内容与其SHA-256名称不符：传输中可能已损坏，请重新上传")
    _check_image(data)
    store.put(sha256, data)


def note_photo(conn: sa.Connection, device: Device, sha256: str, size: int, *,
               now: dt.datetime) -> IngestAnswer:
    """Note a photo ``store_photo`` wrote as sent by ``device``: new, or already there.

    Every device that sends the bytes is noted (``photo_uploads``): a record's photo counts as
    present only once the record's own device has sent it, so naming another device's photo in
    a record neither completes the record nor opens the photo to its sender.
    """
    new = _insert_once(conn, t.photos, sha256=sha256, size=size, device_id=device.id,
                       stored_at=now)
    _insert_once(conn, t.photo_uploads, sha256=sha256, device_id=device.id, uploaded_at=now)
    _promote_complete_records(conn, sha256, device.id)
    return IngestAnswer(new, {"sha256": sha256, "size": size})


def _insert_once(conn: sa.Connection, table: sa.Table, **values: Any) -> bool:
    """Insert the row; False when a row with one of its unique keys is there already (perhaps
    stored by a concurrent request a moment ago). One statement (``ON CONFLICT DO NOTHING``, on
    SQLite and PostgreSQL alike), where a look first and a savepoint around the insert took four.
    ``RETURNING`` says whether a row went in: psycopg's rowcount for it is -1."""
    return conn.execute(_insert_statement(conn.dialect.name, table), values).first() is not None


@functools.cache
def _insert_statement(dialect: str, table: sa.Table) -> sa.Insert:
    """The statement of ``_insert_once``, built once per table: the values come as parameters,
    so that neither the statement nor its cache key is made again for every row (a crowd's
    profile found them a fifth of a record's ingest, issue 29 point 3)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    return insert(table).on_conflict_do_nothing().returning(key)


def _check_image(data: bytes) -> None:
    """Refuse what is not a JPEG (415) or declares more than ``MAX_PHOTO_PIXELS`` (413), from its
    header alone: nothing is decoded before that, so a decompression bomb costs nothing. Then the
    photo is decoded whole (``_check_decodes``), so that a file cut short or a bare header is
    refused here (415) instead of being stored and failing later on a reviewer's screen. A PNG is
    taken only as an enterprise's signature (``_check_signature``), a PDF only whole and readable
    (``sync.pdf_problem``: a 书面检查's material or a laboratory's report, issue 27)."""
    if is_pdf(data):
        if (problem := pdf_problem(data)) is not None:
            raise NotAnImage("bad_pdf", problem)
        return
    if data.startswith(b"\x89PNG"):
        _check_signature(data)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                accepted = image.format in ACCEPTED_IMAGE_FORMATS
                pixels = image.width * image.height
    except Image.DecompressionBombError:
        accepted, pixels = True, MAX_PHOTO_PIXELS + 1
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        accepted = False
    if not accepted:
        raise NotAnImage("not_an_image", "上传的文件不是JPEG照片")
    if pixels > MAX_PHOTO_PIXELS:
        raise TooLarge("too_many_pixels",
                       f"照片像素过多（上限 {MAX_PHOTO_PIXELS // 10_000} 万像素）：请按应用的设置压缩后上传")
    _check_decodes(data)


DECODE_SCALE = 8
"""The upload check decodes a JPEG at 1/8 of its sides (libjpeg's DCT scaling, as the thumbnail
does): every byte of the compressed data is still read and Huffman-decoded, so a file cut short
fails just as in a full decode, but a 60-megapixel photo costs ~1 MB of pixels instead of 180 MB
and a 1600-pixel one a third of the time (docs/decisions.md)."""


def _check_decodes(data: bytes) -> None:
    """Decode the whole JPEG (at reduced scale: ``DECODE_SCALE``); 415 when it does not decode.

    Pillow raises ``OSError`` for a file cut short only while ``ImageFile.LOAD_TRUNCATED_IMAGES``
    is false, as it is by default and everywhere in this process (tests/server_stub/api/
    test_sync_contract.py checks); with it set, a cut file would decode padded with grey.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_IMAGE_FORMATS)) as image:
                image.draft(None, (max(1, image.width // DECODE_SCALE),
                                   max(1, image.height // DECODE_SCALE)))
                image.load()
    except Exception as e:  # whatever Pillow raises on these untrusted bytes is the file's fault
        raise NotAnImage("photo_not_decodable",
                         "照片文件不完整或已损坏，无法解码（可能被截断，或只有文件头）：平台未保存。"
                         "请重新拍摄或选取照片后再上传") from e


def _check_signature(data: bytes) -> None:
    """A signature PNG: small (413 otherwise, read from its header) and whole (415 otherwise:
    decoded in full, which its bounded size and sides make cheap)."""
    problem = signature_png_problem(data)
    if problem is not None:
        # Too many bytes, or a readable header declaring too many pixels: too large (413);
        # anything else is not a PNG at all (415).
        too_large = len(data) > MAX_SIGNATURE_BYTES or data[12:16] == b"IHDR"
        raise (TooLarge if too_large else NotAnImage)("bad_signature_image", problem)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise NotAnImage("bad_signature_image", "签名图片已损坏，无法读取：请重新签名后上传") from None


def missing_photos(conn: sa.Connection, record_id: str) -> list[str]:
    """The record's photos that its own device has not sent yet."""
    r, rp, u = t.records, t.record_photos, t.photo_uploads
    query = (
        sa.select(rp.c.sha256)
        .join(r, r.c.id == rp.c.record_id)
        .outerjoin(u, sa.and_(u.c.sha256 == rp.c.sha256, u.c.device_id == r.c.device_id))
        .where(rp.c.record_id == record_id, u.c.sha256.is_(None))
        .order_by(rp.c.sha256)
    )
    return list(conn.execute(query).scalars())


_WAITING_FOR_PHOTO = (
    sa.select(t.records.c.id).join(t.record_photos, t.record_photos.c.record_id == t.records.c.id)
    .where(t.record_photos.c.sha256 == sa.bindparam("sha256"),
           t.records.c.device_id == sa.bindparam("device_id"),
           t.records.c.state == RecordState.INCOMPLETE))


def _promote_complete_records(conn: sa.Connection, sha256: str, device_id: str) -> None:
    """The device's records waiting for this photo become submitted once nothing else is missing."""
    waiting = conn.execute(_WAITING_FOR_PHOTO, {"sha256": sha256, "device_id": device_id}).scalars().all()
    for record_id in waiting:
        _refresh_state(conn, record_id)


def _refresh_state(conn: sa.Connection, record_id: str) -> None:
    """An incomplete record whose photos are all in goes to review, or waits for a laboratory's
    report (待检测结果) while one of its items sent for testing has none."""
    if not missing_photos(conn, record_id):
        r = t.records
        lab = t.lab_tests
        # one statement (the budget of tests/server_stub/api/test_statements.py): the state
        # follows whether an item sent for testing waits for its report
        awaiting = sa.exists().where(lab.c.record_id == record_id, lab.c.report_sha256.is_(None))
        conn.execute(r.update().where(r.c.id == record_id, r.c.state == RecordState.INCOMPLETE)
                     .values(state=sa.case((awaiting, RecordState.AWAITING_REPORT.value),
                                           else_=RecordState.SUBMITTED.value)))


# --- records ---------------------------------------------------------------------------------


def submit_record(conn: sa.Connection, device: Device, body: bytes, *,
                  now: dt.datetime) -> IngestAnswer:
    """Check and store one signed envelope (DESIGN §5 status codes)."""
    try:
        envelope = parse_json(body)
    except ValidationError as e:
        raise Malformed("malformed", _problems_text(e)) from None
    return submit_envelope(conn, device, envelope, body, now=now)


def submit_envelope(conn: sa.Connection, device: Device, envelope: object, body: bytes, *,
                    now: dt.datetime) -> IngestAnswer:
    """Check and store one envelope already parsed (strictly: ``sync.parse_json``) from ``body``,
    the text kept as the record's envelope: the single call's record. A refusal is raised (the
    caller's transaction rolls back)."""
    checked = check_envelope(device, envelope, body, now=now)
    return _store(conn, device, checked, _known(conn, device, [checked]), now=now)


@dataclass(frozen=True)
class Checked:
    """An envelope as far as it can be checked without the database: its signature is the
    sending device's and good. ``record`` is None when the record itself was refused; that
    refusal (``refused``) is answered only once the database shows the id is not already held,
    so a repeat of a stored id is answered as a repeat, whatever its content."""

    body: bytes
    digest: str
    record_id: object
    record: Record | None
    refused: DomainError | None


def check_envelope(device: Device, envelope: object, body: bytes, *, now: dt.datetime) -> Checked:
    """What of ``envelope`` needs no database: its signature (by the sending device, DESIGN §4),
    the record's own rules and its time against now. Pure CPU, run before the transaction's
    first statement: on SQLite that statement takes the write lock, and a crowd's batches
    queued for it behind signature checks (issue 29 point 3)."""
    try:
        record_json, digest = verify_envelope_hashed(envelope, device.public_key)
    except ValidationError as e:
        raise Malformed("malformed", _problems_text(e)) from None
    except SignatureError as e:
        _check_signer(device, envelope)
        raise Invalid("bad_signature", str(e)) from None
    _check_signer(device, envelope)
    try:
        record = validate_record(record_json)
    except ValidationError as e:
        return Checked(body, digest, record_json.get("id"), None,
                       Invalid("invalid_record", _problems_text(e)))
    if parse_rfc3339(record.revised_at or record.finished_at) > now + CLOCK_SKEW:
        return Checked(body, digest, record.id, None, Invalid(
            "finished_in_future", "记录的结束时间晚于平台当前时间：请核对手机的日期和时间后重新检查签名"))
    return Checked(body, digest, record.id, record, None)


@dataclass
class _Known:
    """What the records of one batch need from the database, read once for all of them (one
    statement each where a statement per record was, issue 29 point 3), and kept up to date as
    the batch stores its records, so that each record is checked as if it came alone, after
    the ones before it.

    On PostgreSQL the device's row is locked first, so that two batches of one device take
    turns and the chain's head read here stays the head; the tasks' rows are locked too (see
    ``_TASK_QUERY``), so that no other request stores a record for them meanwhile."""

    existing: dict[str, str]
    """The hash of each of the batch's record ids the platform holds, by id."""
    tasks: dict[str, sa.RowMapping]
    methods: dict[str, str]
    """检查方式 of the items the format 4 records name."""
    head: ChainHead | None
    holders: dict[str, list[Any]]
    """The current (not superseded) records of each task, first received first."""
    sent: set[str]
    """The batch's photos this device has sent."""


def _known(conn: sa.Connection, device: Device, checked: Sequence[Checked]) -> _Known:
    ids = sorted({c.record_id for c in checked if isinstance(c.record_id, str)})
    existing = {row.id: row.hash for chunk in in_chunks(ids)
                for row in conn.execute(_EXISTING_QUERY, {"ids": chunk})}
    records = [c.record for c in checked if c.record is not None and c.record.id not in existing]
    if not records:  # each one a repeat (a batch sent again) or refused: nothing more to read
        return _Known(existing, {}, {}, None, {}, set())
    if conn.dialect.name == "postgresql":
        conn.execute(_DEVICE_LOCK, {"device_id": device.id})
    task_ids = sorted({r.task_id for r in records})
    tasks = {row["id"]: row for chunk in in_chunks(task_ids)
             for row in conn.execute(_TASK_QUERY, {"task_ids": chunk}).mappings()}
    codes = sorted({item.code for r in records if r.v >= RECORD_VERSION for item in r.items})
    methods = {code: method for chunk in in_chunks(codes)
               for code, method in conn.execute(_METHODS_QUERY, {"codes": chunk})}
    head = conn.execute(_CHAIN_HEAD_QUERY, {"device_id": device.id}).first()
    holders: dict[str, list[Any]] = {}
    for chunk in in_chunks(task_ids):
        for row in conn.execute(_CURRENT_HOLDERS_QUERY, {"task_ids": chunk}):
            holders.setdefault(row.task_id, []).append(row)
    photos = sorted({p for r in records for p in photo_hashes(r)})
    sent = {name for chunk in in_chunks(photos)
            for name in conn.execute(_SENT_PHOTOS_QUERY, {"photos": chunk, "device_id": device.id}).scalars()}
    return _Known(existing, tasks, methods, None if head is None else ChainHead(head.seq, head.hash),
                  holders, sent)


def _store(conn: sa.Connection, device: Device, checked: Checked, known: _Known, *,
           now: dt.datetime) -> IngestAnswer:
    """The checks that need the database, then the record stored: a repeat of an id already
    held is answered as such (DESIGN §5).

    Every refusal comes before the first write, the record's own row, which goes in only when
    its id, hash and seq are new (when it does not, nothing was written, and the answer is a
    repeat or a refusal). ``store_batch`` needs no savepoint per record because of this: keep
    every check above that insert."""
    body, digest = checked.body, checked.digest
    if isinstance(checked.record_id, str) and checked.record_id in known.existing:
        return _repeat_answer(conn, checked.record_id, known.existing[checked.record_id], digest)
    if checked.refused is not None:
        raise checked.refused
    record = checked.record
    assert record is not None  # a Checked holds a record or a refusal
    task = _check_task(known, device, record)
    _check_times(record, drawn_at=as_utc(task["created_at"]), now=now)
    try:
        chain = _check_chain(known.head, record)
        _check_supersedes(conn, record)
        _check_one_current(known.holders.get(record.task_id, []), device, record)
    except DomainError:
        # Read committed (PostgreSQL): a concurrent request may have stored this very record since
        # ``_known`` looked, taking its place in the chain and its revision. Then it is a repeat.
        stored_hash = _stored_hash(conn, record.id)
        if stored_hash is None:
            raise
        return _repeat_answer(conn, record.id, stored_hash, digest)
    photos = sorted(photo_hashes(record))
    missing = [p for p in photos if p not in known.sent]
    lab_items = [item.code for item in record.items if item.result == ItemResult.AWAITING_LAB]
    state = (RecordState.INCOMPLETE if missing else
             RecordState.AWAITING_REPORT if lab_items else RecordState.SUBMITTED)
    finished = parse_rfc3339(record.finished_at)  # the inspector's local time: its date is the day
    inserted = _insert_once(
        conn, t.records,
        id=record.id, hash=digest, device_id=device.id, seq=record.seq, prev=record.prev,
        inspector_id=device.inspector_id, task_id=task["id"], credit_code=record.credit_code,
        outcome=str(record.outcome), finished_at=finished.astimezone(dt.UTC),
        plan_id=task["plan_id"], inspected_on=finished.date(), industry=task["industry"],
        region=task["region"], risk_grade=task["risk_grade"], draw_order=task["draw_order"],
        supersedes=record.supersedes,
        state=state, envelope=body.decode("utf-8"),
        received_at=now,
    )
    if not inserted:
        # A concurrent request stored this id (or this device's seq) first: answer as a repeat.
        stored_hash = _stored_hash(conn, record.id)
        if stored_hash is None:
            raise Invalid("chain_conflict",
                          f"第{record.seq}号记录：序号已被本设备已接收的记录占用，疑似重放或篡改") from None
        return _repeat_answer(conn, record.id, stored_hash, digest)
    if photos:
        conn.execute(t.record_photos.insert(), [{"record_id": record.id, "sha256": s} for s in photos])
    if lab_items:
        conn.execute(t.lab_tests.insert(), [{"record_id": record.id, "item_code": c} for c in lab_items])
    if record.supersedes is not None:
        conn.execute(t.records.update().where(t.records.c.hash == record.supersedes)
                     .values(superseded=True))
    _note_stored(known, record, digest, device)
    return IngestAnswer(True, {"id": record.id, "hash": digest, "task_id": record.task_id,
                              "state": state,
                              "missing_photos": missing, "chain": chain})


def _note_stored(known: _Known, record: Record, digest: str, device: Device) -> None:
    """What storing ``record`` changed of what the batch read: the next record of the batch is
    checked against it as it would be had it come alone."""
    known.existing[record.id] = digest
    if known.head is None or record.seq > known.head.seq:
        known.head = ChainHead(record.seq, digest)
    current = [row for row in known.holders.get(record.task_id, []) if row.hash != record.supersedes]
    known.holders[record.task_id] = [*current, _Holder(record.task_id, record.id, digest,
                                                       device.inspector_id, None)]


def check_batch(device: Device, envelopes: Sequence[object], *, now: dt.datetime,
                max_record_bytes: int) -> list[Checked | DomainError]:
    """``check_envelope`` for each envelope of a batch, in order: the checked envelope or its
    refusal. Needs no connection: the caller runs it before its transaction begins."""
    checked: list[Checked | DomainError] = []
    for envelope in envelopes:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(body) > max_record_bytes:
            checked.append(TooLarge("too_large", f"内容过大（上限 {max_record_bytes // 1024} KB）"))
            continue
        try:
            checked.append(check_envelope(device, envelope, body, now=now))
        except DomainError as e:
            checked.append(e)
    return checked


def store_batch(conn: sa.Connection, device: Device, checked: Sequence[Checked | DomainError], *,
                now: dt.datetime) -> list[IngestAnswer | DomainError]:
    """Store each envelope ``check_batch`` passed as ``submit_envelope`` would alone, in order,
    in the caller's one transaction: one answer per envelope, an answer or the refusal.

    A refused record leaves nothing behind and never takes the others' writes with it, without
    a savepoint: ``_store`` refuses before its first write, and its writes cannot fail as a
    refusal (on PostgreSQL a failed statement would abort the whole transaction; an insert here
    skips a conflict, ``ON CONFLICT DO NOTHING``). The savepoint each record had cost two of the
    batch's statements per record (issue 29 point 3). Anything that is not a ``DomainError``
    (the database busy, a bug) fails the whole batch: nothing of it is stored, and the phone,
    which saw no answer, sends it again.
    """
    known = _known(conn, device, [one for one in checked if isinstance(one, Checked)])
    answers: list[IngestAnswer | DomainError] = []
    for one in checked:
        if isinstance(one, DomainError):
            answers.append(one)
            continue
        try:
            answers.append(_store(conn, device, one, known, now=now))
        except DomainError as e:
            answers.append(e)
    return answers


def _check_times(record: Record, *, drawn_at: dt.datetime, now: dt.datetime) -> None:
    """Every time of a record lies between its task's draw and now, give or take ``CLOCK_SKEW``
    (a phone's clock is set by hand as often as not): a visit cannot come before the task was
    drawn, nor be finished, or revised, after the platform's now. ``started_at <= finished_at``
    is the record's own rule (``sync.validate_record``)."""
    times = {"开始时间": record.started_at, "结束时间": record.finished_at}
    if record.revised_at:
        times["修订时间"] = record.revised_at
    for label, value in times.items():
        moment = parse_rfc3339(value)
        if moment < drawn_at - CLOCK_SKEW:
            drawn = drawn_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            raise Invalid("time_before_draw",
                          f"记录的{label}早于该任务的抽取时间（{drawn}，北京时间）：请核对手机的日期和时间")
        if moment > now + CLOCK_SKEW:
            raise Invalid("finished_in_future",
                          f"记录的{label}晚于平台当前时间：请核对手机的日期和时间后重新检查签名")


def _check_signer(device: Device, envelope: object) -> None:
    """A device submits only records it signed as itself: the envelope's ``key_id`` and the
    record's ``device_id`` must both be the device whose token sends them (DESIGN §4). Anything
    else could open a chain under a made-up device id, fill the gaps of the real one or fork it."""
    if not isinstance(envelope, dict):
        return
    record = envelope.get("record")
    named = {envelope.get("key_id"), record.get("device_id") if isinstance(record, dict) else None}
    others = sorted(str(n) for n in named - {device.id, None})
    if others:
        raise Invalid("signer_not_sender",
                      f"记录的签名设备「{'、'.join(others)}」不是提交它的本设备「{device.id}」："
                      "设备只能提交以自己的设备编号签名的记录")


def _problems_text(error: ValidationError) -> str:
    return "；".join(f"{p.field}：{p.message}" if p.field else p.message for p in error.problems)


def _stored_hash(conn: sa.Connection, record_id: str) -> str | None:
    """The hash of the stored record ``record_id``, if there is one."""
    row = conn.execute(_EXISTING_QUERY, {"ids": [record_id]}).first()
    return None if row is None else str(row.hash)


def _repeat_answer(conn: sa.Connection, record_id: str, stored_hash: str, digest: str) -> IngestAnswer:
    if stored_hash != digest:
        raise Conflict("id_conflict",
                       "该记录编号已用于内容不同的另一条记录：已签名的记录不能修改，请以修订记录提交")
    _refresh_state(conn, record_id)
    return IngestAnswer(False, record_status(conn, record_id))


# The statements every record runs, built once with their values as parameters: building a
# statement and its cache key again for every record cost more than running it (issue 29 point 3).
_e, _i, _tm, _r, _u = t.entities, t.inspectors, t.task_members, t.records, t.photo_uploads
_EXPERTS_OF_TEAM = (sa.select(sa.func.aggregate_strings(_i.c.id, ","))
                    .select_from(_tm.join(_i, _i.c.id == _tm.c.inspector_id))
                    .where(_tm.c.task_id == t.tasks.c.id, _i.c.kind == StaffKind.EXPERT.value)
                    .scalar_subquery().label("experts"))
_TASK_QUERY = (sa.select(t.tasks, _e.c.industry, _e.c.region, _e.c.risk_grade, _EXPERTS_OF_TEAM)
               .join(_e, _e.c.credit_code == t.tasks.c.credit_code)
               .where(t.tasks.c.id.in_(sa.bindparam("task_ids", expanding=True)))
               .order_by(t.tasks.c.id)
               .with_for_update(of=t.tasks))
"""The records' tasks with their entities' industry, region and grade, and each team's 专业技术人员
(issue 26) in the same statement. The tasks' rows are locked (PostgreSQL, in the order of their
ids; SQLite's writers take turns anyway) so that two records for one task, arriving at once, are
checked one after the other (``_check_one_current``)."""
_EXISTING_QUERY = sa.select(_r.c.id, _r.c.hash).where(_r.c.id.in_(sa.bindparam("ids", expanding=True)))
_DEVICE_LOCK = sa.select(t.devices.c.id).where(t.devices.c.id == sa.bindparam("device_id")).with_for_update()
_METHODS_QUERY = sa.select(t.items.c.code, t.items.c.method).where(
    t.items.c.code.in_(sa.bindparam("codes", expanding=True)))
_CHAIN_HEAD_QUERY = (sa.select(_r.c.seq, _r.c.hash).where(_r.c.device_id == sa.bindparam("device_id"))
                     .order_by(_r.c.seq.desc()).limit(1))
_SENT_PHOTOS_QUERY = sa.select(_u.c.sha256).where(_u.c.sha256.in_(sa.bindparam("photos", expanding=True)),
                                                  _u.c.device_id == sa.bindparam("device_id"))
_CURRENT_HOLDERS_QUERY = (
    sa.select(_r.c.task_id, _r.c.id, _r.c.hash, _r.c.inspector_id, _i.c.name)
    .join(_i, _i.c.id == _r.c.inspector_id, isouter=True)
    .where(_r.c.task_id.in_(sa.bindparam("task_ids", expanding=True)), _r.c.superseded.is_(False))
    .order_by(_r.c.received_at, _r.c.id))


@dataclass(frozen=True)
class _Holder:
    """A record the batch stored, as ``_CURRENT_HOLDERS_QUERY`` would read it back."""

    task_id: str
    id: str
    hash: str
    inspector_id: str
    name: str | None


def _check_task(known: _Known, device: Device, record: Record) -> sa.RowMapping:
    """The record's task, with its entity's industry, region and grade (as at this inspection)."""
    task = known.tasks.get(record.task_id)
    if task is None:
        raise Invalid("unknown_task", f"任务「{record.task_id}」不存在")
    team = list(task["team"])
    if device.inspector_id not in team:
        raise NotAllowed("not_on_team", "本设备的执法检查人员不在该任务的检查组中")
    experts = set(filter(None, (task["experts"] or "").split(",")))
    if device.inspector_id in experts:
        raise NotAllowed("expert_cannot_sign",
                         "专业技术人员不能签署现场检查笔录：请由检查组的执法人员签署提交")
    problems = []
    if record.notice is not None:
        shown = {m.id for m in record.notice.inspectors}
        if shown & experts:
            problems.append(f"检查告知中出示执法证的人员应为执法人员，{'、'.join(sorted(shown & experts))}"
                            "是专业技术人员")
        unshown = [i for i in record.inspectors if i not in experts and i not in shown]
        if unshown:
            problems.append(f"检查告知中缺少执法人员{'、'.join(unshown)}：每位执法人员都应出示执法证")
    if record.credit_code != task["credit_code"]:
        problems.append(f"统一社会信用代码与任务不符（任务为{task['credit_code']}）")
    outsiders = [i for i in record.inspectors if i not in team]
    if outsiders:
        problems.append(f"检查人员{'、'.join(outsiders)}不在该任务的检查组中")
    if device.inspector_id not in record.inspectors:
        problems.append("记录的检查人员中没有本设备的执法检查人员")
    problems += [p.message for p in check_items_answered(record, task["items"])]
    problems += _mode_problems(known.methods, record)
    if problems:
        raise Invalid("invalid_record", "；".join(problems))
    return task


def _mode_problems(methods: Mapping[str, str], record: Record) -> list[str]:
    """A format 4 record checks each item the way the item list says (its 检查方式, ``methods``):
    a record cannot turn an on-site item into a desk check. Older formats name no mode."""
    if record.v < RECORD_VERSION:
        return []
    return [f"items[{i}].mode：抽查事项「{item.code}」的检查方式应为「{methods[item.code]}」，记录为「{item.mode}」"
            for i, item in enumerate(record.items)
            if item.code in methods and item.mode != methods[item.code]]


def _check_chain(head: ChainHead | None, record: Record) -> dict[str, Any]:
    """Place the record in its device's chain (``sync.check_chain``) after ``head``: refuse
    replays and forks; accept a gap and say which seqs it skips (supervisors see every gap at
    ``chain-gaps``)."""
    verdict = check_chain(head, record)
    if not verdict.accepted:
        raise Invalid("chain_conflict", f"第{record.seq}号记录：{verdict.message}")
    missing = verdict.missing
    return {"status": "gap" if missing else "ok",
            "gaps": [[missing.start, missing.stop - 1]] if missing else []}


def _check_supersedes(conn: sa.Connection, record: Record) -> None:
    """A revision replaces a record its supervisor returned, of the same task, once; a format 2
    or 3 revision keeps the visit's own time and notice (what happened on site does not change
    when the record is corrected later) and may correct the place.

    Its acknowledgement is either the one it corrects, carried over (in format 3 still naming the
    content it was given on, so the revision says 修订内容未经企业确认 when that content changed),
    or a new one the enterprise gave on the revision itself (``covers`` its own content)."""
    if record.supersedes is None:
        return
    old = conn.execute(sa.select(t.records.c.task_id, t.records.c.state, t.records.c.superseded,
                                 t.records.c.envelope)
                       .where(t.records.c.hash == record.supersedes)).first()
    if old is None:
        raise Invalid("unknown_superseded", "被修订的原记录不存在（supersedes 指向未知记录）")
    if old.task_id != record.task_id:
        raise Invalid("invalid_record", "修订记录与原记录不属于同一任务")
    if old.state != RecordState.RETURNED or old.superseded:
        raise Invalid("not_returned", "原记录未被退回或已经修订过，不能再提交修订")
    if record.v == 1:
        return
    original = json.loads(old.envelope)["record"]
    data = record.to_json()
    kept = {"started_at": "开始时间", "finished_at": "结束时间", "notice": "检查告知"}
    changed = [label for key, label in kept.items() if data[key] != original.get(key)]
    if not _acknowledgement_kept(data, original):
        if not acknowledges_content(record):
            changed.append("企业确认")
        elif _reuses_signature(data, original):
            raise Invalid("revision_reuses_signature",
                          "企业就修订内容重新确认须重新签名：不能沿用原笔录的签名图片")
    if changed:
        raise Invalid("revision_changes_visit",
                      f"修订记录应保留原现场检查的{'、'.join(changed)}（修订时间另记于revised_at；"
                      "企业就修订内容重新确认的，确认须针对修订后的内容）")


def _reuses_signature(data: Mapping[str, Any], original: Mapping[str, Any]) -> bool:
    """Whether a new acknowledgement presents the signature drawn on the original as its own."""
    ack, before = data.get("acknowledgement") or {}, original.get("acknowledgement") or {}
    return bool(ack.get("signature")) and ack.get("signature") == before.get("signature")


def _acknowledgement_kept(data: Mapping[str, Any], original: Mapping[str, Any]) -> bool:
    """Whether ``data`` (a revision) carries the acknowledgement of ``original`` as it was: the
    same, or a format 2 one bound in format 3 to the content it was given on."""
    ack, before = data.get("acknowledgement"), original.get("acknowledgement")
    if ack == before or not isinstance(ack, Mapping) or not isinstance(before, Mapping):
        return ack == before
    if "covers" in before or "covers" not in ack:
        return False
    # Only a first record's format 2 acknowledgement is known to cover that record's content; a
    # format 2 revision's is carried over as it is (``confirmation`` follows its chain).
    unbound = {key: value for key, value in ack.items() if key != "covers"}
    return (unbound == before and original.get("supersedes") is None
            and ack["covers"] == content_hash(original))


def _check_one_current(holders: Sequence[Any], device: Device, record: Record) -> None:
    """A task has one current result (DESIGN §11): one record, or a revision naming it in
    ``supersedes``. A second record for a task that already has one (a teammate's phone, or a new
    device of the same inspector) is refused, naming the record that holds the task and who made it."""
    holder = next((h for h in holders if h.hash != record.supersedes), None)
    if holder is None:
        return
    if holder.inspector_id == device.inspector_id:
        raise Conflict("task_has_record",
                       f"该任务已由您在另一台设备上提交记录（记录编号 {holder.id}）：一次检查只有一份现场检查笔录，"
                       "如需更正，请待审核退回后在该设备上修订")
    raise Conflict("task_has_record",
                   f"该任务已由 {holder.name or holder.inspector_id} 提交记录（记录编号 {holder.id}）："
                   "一次检查只有一份现场检查笔录，如需更正，请由其修订")


def record_status(conn: sa.Connection, record_id: str) -> dict[str, Any]:
    row = conn.execute(sa.select(t.records.c.id, t.records.c.hash, t.records.c.state,
                                 t.records.c.task_id)
                       .where(t.records.c.id == record_id)).mappings().first()
    if row is None:
        raise RecordNotFound()
    return {"id": row["id"], "hash": row["hash"], "task_id": row["task_id"], "state": row["state"],
            "missing_photos": missing_photos(conn, record_id)}


MISSING_BATCH = 1000
"""Photo names one ``POST /api/v1/photos/missing`` may ask about."""


def photos_to_send(conn: sa.Connection, device_id: str, names: Sequence[str]) -> list[str]:
    """Which of ``names`` this device has not sent the platform itself (in the order asked, once
    each): the photos it must upload for its records to be complete.

    The answer depends on this device's own uploads alone (``photo_uploads``), never on whether
    another device sent the same bytes, so it tells a device nothing about others' photos: a
    photo another team holds is answered "send it" exactly like one nobody holds. Sending it
    proves the device holds the bytes, as ``note_photo`` requires before a record counts it."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    u = t.photo_uploads
    sent = set(conn.execute(sa.select(u.c.sha256).where(u.c.device_id == device_id,
                                                         u.c.sha256.in_(wanted))).scalars())
    return [name for name in wanted if name not in sent]


KNOWN_BATCH = 1000
"""Record ids one ``POST /api/v1/records/known`` may ask about."""


def known_records(conn: sa.Connection, device_id: str, ids: Sequence[str]) -> dict[str, Any]:
    """What a phone asks after a restore (issue 30 point 3): how many of its records the platform
    holds (``held``), and which of ``ids`` it does not hold as this device's (``unknown``, in the
    order asked). Another device's record counts as unknown, as ``GET /records/{id}`` answers
    one: a device learns nothing of others' records."""
    r = t.records
    held = conn.execute(sa.select(sa.func.count()).select_from(r)
                        .where(r.c.device_id == device_id)).scalar_one()
    found = set(conn.execute(sa.select(r.c.id).where(r.c.device_id == device_id,
                                                      r.c.id.in_(list(set(ids))))).scalars()) \
        if ids else set()
    return {"held": int(held), "unknown": [i for i in dict.fromkeys(ids) if i not in found]}


def chain_gaps(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every device whose records skip sequence numbers: records deleted or not yet sent."""
    r = t.records
    by_device: dict[tuple[str, str], list[int]] = {}
    for device_id, inspector_id, seq in conn.execute(sa.select(r.c.device_id, r.c.inspector_id,
                                                               r.c.seq)):
        by_device.setdefault((device_id, inspector_id), []).append(seq)
    result = []
    for (device_id, inspector_id), seqs in sorted(by_device.items()):
        gaps = find_gaps(seqs)
        if gaps:
            result.append({"device_id": device_id, "inspector_id": inspector_id,
                           "gaps": [[g.start, g.stop - 1] for g in gaps]})
    return result
