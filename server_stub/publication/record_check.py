"""The public check a 现场检查笔录's QR code opens (``/r/{id}``).

What it says follows DESIGN §11: anyone may learn whether a record id and hash are genuine (the
platform holds that record, its device signature verifies, the paper's hash is the record's); only
a published record also says what it is about, which device signed it and when, exactly as every
public view shows its result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.merkle_log import Log
from server_stub.publication.announcements import public_results
from server_stub.records.confirmation import Confirmation, confirmation
from sync import RecordState, SignatureError, ValidationError, validate_record, verify_envelope


@dataclass(frozen=True)
class CheckResult:
    """What the public check of one record id (and the paper's hash) found."""

    found: bool
    genuine: bool = False
    hash_matches: bool | None = None
    """None when the check was opened without a hash."""
    standing: str = "current"
    """``current``; ``superseded`` (a revision names it), ``withdrawn`` (its published result
    was withdrawn) or ``returned`` (sent back for revision, no revision yet): what the paper is
    worth now, besides being genuine (issue 24)."""
    revisions: list[str] = field(default_factory=list)
    """The ids of the records that revise this one (a superseded record's successors)."""
    withdrawal: dict[str, str] | None = None
    """For a withdrawn result: when (``at``, UTC) and why (``reason``), as the log published it."""
    confirmation: Confirmation = field(default_factory=lambda: Confirmation(None))
    """Whether the enterprise confirmed what this record says: a revision whose findings it never
    saw is 修订内容未经企业确认 and names the version it signed (issue 24 point 2)."""
    published: dict[str, Any] | None = None
    """For a published, standing record only: entity, the result as every public view shows it
    (``result``, ``remarks``, ``correction``), device, signing time."""


def check_record(conn: sa.Connection, record_id: str, paper_hash: str | None) -> CheckResult:
    """The public check behind ``/r/{id}``."""
    r = t.records
    row = conn.execute(sa.select(r.c.envelope, r.c.hash, r.c.state, r.c.device_id, r.c.superseded,
                                 r.c.credit_code, r.c.outcome)
                       .where(r.c.id == record_id)).first()
    if row is None:
        return CheckResult(found=False)
    key = conn.execute(sa.select(t.devices.c.public_key)
                       .where(t.devices.c.id == row.device_id)).scalar_one()
    envelope = json.loads(row.envelope)
    try:
        verify_envelope(envelope, key)
        genuine = True
    except (SignatureError, ValidationError):
        genuine = False
    matches = None if paper_hash is None else paper_hash == row.hash
    revisions = list(conn.execute(sa.select(r.c.id).where(r.c.supersedes == row.hash)
                                  .order_by(r.c.received_at, r.c.id)).scalars())
    withdrawal = _withdrawal(conn, record_id)
    standing = ("superseded" if row.superseded or revisions else
                "withdrawn" if withdrawal is not None else
                "returned" if row.state == RecordState.RETURNED else "current")
    published = None
    # As every public view shows it (public_results: the latest leaf of the publication log, a
    # correction's or a closed follow-up's wording), and not at all once withdrawn or revised.
    shown = (public_results(conn, r.c.id == record_id)
             if row.state == RecordState.PUBLISHED and standing == "current" else [])
    if shown:
        record = envelope["record"]
        name = conn.execute(sa.select(t.entities.c.name)
                            .where(t.entities.c.credit_code == row.credit_code)).scalar_one()
        result = shown[0]
        published = {"entity": name, "credit_code": row.credit_code, "outcome": result["outcome"],
                     "result": result["result"], "remarks": result.get("remarks") or "",
                     "correction": result.get("correction"),
                     "device_id": row.device_id,
                     "signed_at": record.get("revised_at") or record["finished_at"],
                     "hash": row.hash}
    confirmed = confirmation(conn, validate_record(envelope["record"])) if genuine else Confirmation(None)
    return CheckResult(found=True, genuine=genuine, hash_matches=matches, standing=standing,
                       revisions=revisions, withdrawal=withdrawal, confirmation=confirmed,
                       published=published)


def _withdrawal(conn: sa.Connection, record_id: str) -> dict[str, str] | None:
    """The published withdrawal of the record's result (its leaf's time and reason), if any."""
    p, le = t.publications, t.log_entries
    entry = conn.execute(sa.select(le.c.entry)
                         .join(p, sa.and_(le.c.log == Log.PUBLICATION, le.c.idx == p.c.leaf))
                         .where(p.c.record_id == record_id, p.c.status == "withdrawn")).scalar()
    if entry is None:
        return None
    data = json.loads(entry)
    return {"at": data.get("at", ""), "reason": data.get("reason", "")}
