"""One-time enrolment codes: a supervisor issues one for an inspector; a device redeems it once.

Codes are twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L), grouped by
four for reading aloud or typing. Only their SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from urllib.parse import urlencode

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, record_act
from server_stub.core.errors import Invalid, NotFound
from sync import Role

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DEFAULT_VALIDITY = dt.timedelta(hours=24)


def normalise_code(code: str) -> str:
    """The code as issued, whatever a user typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def is_well_formed(code: str) -> bool:
    """Whether ``code`` could have been issued: twelve characters of ``ALPHABET``."""
    normal = normalise_code(code)
    return len(normal) == 12 and all(ch in ALPHABET for ch in normal)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def issue_code(conn: sa.Connection, inspector_id: str, *, now: dt.datetime, actor: Actor,
               valid_for: dt.timedelta = DEFAULT_VALIDITY, role: str = Role.INSPECTOR) -> str:
    """A fresh one-time code enrolling a device of ``inspector_id`` in ``role``. The audit
    entry names the code by its hash, never the code: whoever reads the trail cannot enrol."""
    inspector = conn.execute(
        sa.select(t.inspectors.c.active).where(t.inspectors.c.id == inspector_id)
    ).first()
    if inspector is None:
        raise NotFound("inspector_not_found", f"执法检查人员「{inspector_id}」不在名录库中")
    if not inspector.active:
        raise Invalid("inspector_inactive", f"执法检查人员「{inspector_id}」不在岗，不能注册设备")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    conn.execute(t.enrollment_codes.insert().values(
        code_hash=code_hash(raw), inspector_id=inspector_id, role=role, created_at=now,
        expires_at=now + valid_for, used_at=None,
    ))
    record_act(conn, actor, ActKind.ENROLMENT_CODE_ISSUED, inspector_id, at=now,
               after={"role": str(role), "code_hash": code_hash(raw),
                      "expires_at": (now + valid_for).isoformat()})
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def enroll_uri(server_url: str, code: str) -> str:
    """What the enrolment QR code holds, for the app to scan: the server and the code."""
    return f"zsc://enroll?{urlencode({'server': server_url, 'code': code})}"
