"""Whether the enterprise confirmed what a record says (issue 24 point 2).

A revision keeps the visit's time, notice and, unless the enterprise answers again, its
acknowledgement. A format 3 record says by itself whether that acknowledgement covers its own
content (``sync.acknowledges_content``); a format 2 revision, from an app before format 3, does
not, so the platform follows its ``supersedes`` chain back to the record whose content the
acknowledgement was given on and compares. Either way the answer names that record: the
"original signed version" a 修订内容未经企业确认 revision is shown beside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from server_stub.core import tables as t
from sync import AcknowledgementKind, Record, acknowledges_content, content_hash, validate_record

MAX_CHAIN = 50
"""More revisions than any task gets; a bound so a corrupt chain cannot loop."""


@dataclass(frozen=True)
class Confirmation:
    """``confirmed``: True when the enterprise's signature or refusal was given on this record's
    content, False when on another version's (修订内容未经企业确认), None when there is none
    (nobody present, an app older than the 笔录). ``signed_version`` is the id of the record
    whose content it was given on, when that is another record."""

    confirmed: bool | None
    signed_version: str | None = None


def confirmation(conn: sa.Connection, record: Record) -> Confirmation:
    """What the enterprise's acknowledgement of ``record`` covers."""
    ack = record.acknowledgement
    if ack is None or ack.kind == AcknowledgementKind.ABSENT:
        return Confirmation(None)
    if acknowledges_content(record):
        return Confirmation(True)
    covers, signed_version, current = ack.covers, None, record
    for _ in range(MAX_CHAIN):
        if covers is not None and content_hash(current.to_json()) == covers:
            signed_version = current.id
            break
        if current.supersedes is None:
            if covers is None:  # a format 2 chain: given on the first record that carries it
                covers, signed_version = content_hash(current.to_json()), current.id
            break
        previous = _stored(conn, current.supersedes)
        if previous is None:
            break
        if covers is None and previous.acknowledgement is not None:
            covers = previous.acknowledgement.covers
        current = previous
    if covers is None:
        return Confirmation(None)
    if covers == content_hash(record.to_json()):
        return Confirmation(True)
    return Confirmation(False, signed_version)


def _stored(conn: sa.Connection, record_hash: str) -> Record | None:
    envelope = conn.execute(sa.select(t.records.c.envelope)
                            .where(t.records.c.hash == record_hash)).scalar()
    return None if envelope is None else validate_record(json.loads(envelope)["record"])
