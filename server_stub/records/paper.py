"""The platform's side of the 现场检查笔录: the PDF of a stored record, drawn by the same code as
the phone's (``sync.render_record_pdf``). The public check a paper's QR code opens is
``publication.record_check``."""

from __future__ import annotations

import json

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.errors import Damaged
from server_stub.core.paths import FONTS_DIR
from server_stub.records.confirmation import confirmation
from server_stub.records.photo_store import PhotoStore
from server_stub.records.thumbnails import thumbnail
from sync import (
    RecordSheet,
    check_url,
    photo_hashes,
    render_record_pdf,
    validate_record,
)

THUMBNAIL_EDGE = 360


def record_pdf(conn: sa.Connection, photos: PhotoStore, record_id: str, base_url: str) -> bytes:
    """The PDF of the stored record ``record_id`` (the caller has checked who may read it)."""
    row = conn.execute(sa.select(t.records.c.envelope, t.records.c.hash, t.records.c.device_id)
                       .where(t.records.c.id == record_id)).one()
    data = json.loads(row.envelope)["record"]
    record = validate_record(data)
    entity = conn.execute(sa.select(t.entities.c.name, t.entities.c.address)
                          .where(t.entities.c.credit_code == record.credit_code)).one()
    codes = [item.code for item in record.items]
    items = conn.execute(sa.select(t.items.c.code, t.items.c.name, t.items.c.basis)
                         .where(t.items.c.code.in_(codes))).all()
    team = conn.execute(sa.select(t.inspectors.c.id, t.inspectors.c.name, t.inspectors.c.badge_no)
                        .where(t.inspectors.c.id.in_(record.inspectors))).all()
    # Only files the record's own device sent: naming someone else's photo hash in a record
    # must not put that photo on its paper (DESIGN §11, as for GET /photos).
    u = t.photo_uploads
    sent = set(conn.execute(sa.select(u.c.sha256).where(
        u.c.device_id == row.device_id, u.c.sha256.in_(sorted(photo_hashes(record))))).scalars())
    files = {sha: _stored(photos, sha) for sha in sent}
    ack = record.acknowledgement
    signature = files.get(ack.signature) if ack is not None and ack.signature else None
    confirmed = confirmation(conn, record)
    lab = t.lab_tests
    reports = {row.item_code: (row.report_no, row.conclusion) for row in conn.execute(
        sa.select(lab.c.item_code, lab.c.report_no, lab.c.conclusion)
        .where(lab.c.record_id == record_id, lab.c.report_sha256.is_not(None)))}
    sheet = RecordSheet(
        record=record, digest=row.hash, entity_name=entity.name, entity_address=entity.address,
        item_names={i.code: i.name for i in items}, item_basis={i.code: i.basis for i in items},
        team={m.id: (m.name, m.badge_no) for m in team}, signature=signature,
        thumbnails={sha: small for sha, data in files.items()
                    if data is not None and (small := _thumbnail(data)) is not None},
        url=check_url(base_url, record.id, row.hash),
        acknowledged=confirmed.confirmed, signed_version=confirmed.signed_version,
        lab_reports=reports)
    return render_record_pdf(sheet, FONTS_DIR)


def _stored(photos: PhotoStore, sha256: str) -> bytes | None:
    """The photo's bytes; None when it is missing or damaged (the paper draws a box). A store
    that cannot be reached is not a missing photo: its ``Unavailable`` goes on up (503), so a
    paper is never drawn without photos it has."""
    try:
        return photos.get(sha256)
    except (KeyError, Damaged):
        return None


def _thumbnail(data: bytes) -> bytes | None:
    """A small JPEG for the paper; None when the stored file no longer reads (the paper then
    draws a box: it is never refused for a damaged photo)."""
    try:
        return thumbnail(data, THUMBNAIL_EDGE)
    except OSError:
        return None
