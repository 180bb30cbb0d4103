"""Rate limits that hold across every server process: attempts are rows in the database.

A limit counts the events of one bucket and key (a client address, a task) inside a sliding
window; over it, the caller gets 429 with ``Retry-After``: the seconds until the oldest counted
event leaves the window. Client addresses are kept only as a hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.clock import as_utc
from server_stub.core.errors import TooMany


@dataclass(frozen=True)
class Limit:
    bucket: str
    events: int
    window: dt.timedelta
    message: str
    """What the 429 says (Chinese); ``{minutes}`` is replaced by the wait, rounded up."""


ENROLMENT_FAILURES = Limit("enrol_fail", 10, dt.timedelta(minutes=15),
                           "注册码错误次数过多，请 {minutes} 分钟后再试，或向审核人核对注册码")
FEEDBACK_PER_CODE = Limit("feedback_code", 5, dt.timedelta(hours=1),
                          "本次检查的反馈已达每小时上限，请 {minutes} 分钟后再提交")
FEEDBACK_PER_ADDRESS = Limit("feedback_addr", 5, dt.timedelta(hours=1),
                             "提交反馈过于频繁，请 {minutes} 分钟后再提交")


def address_key(host: str | None) -> str:
    """The key of a client address: a hash, so that no address is stored."""
    return hashlib.sha256(f"zsc-client:{host or 'unknown'}".encode()).hexdigest()[:40]


def refuse_if_over(conn: sa.Connection, limit: Limit, key: str, *, now: dt.datetime) -> None:
    """``TooMany`` (429 with Retry-After) when ``key`` has had ``limit.events`` events inside the window."""
    e = t.throttle_events
    recent = conn.execute(
        sa.select(e.c.at).where(e.c.bucket == limit.bucket, e.c.key == key,
                                e.c.at > now - limit.window)
        .order_by(e.c.at.desc()).limit(limit.events)
    ).scalars().all()
    if len(recent) < limit.events:
        return
    wait = max(1, math.ceil((as_utc(recent[-1]) + limit.window - now).total_seconds()))
    raise TooMany("too_many_requests", limit.message.format(minutes=math.ceil(wait / 60)),
                  retry_after=wait)


def note(conn: sa.Connection, limit: Limit, key: str, *, now: dt.datetime) -> None:
    """Count one event of ``key``, and forget the bucket's events that left the window."""
    e = t.throttle_events
    conn.execute(e.delete().where(e.c.bucket == limit.bucket, e.c.at <= now - limit.window))
    conn.execute(e.insert().values(bucket=limit.bucket, key=key, at=now))
