"""The server's one source of the current time.

Production reads the system clock and nothing else: no setting or environment variable can move
it. Tests that need another day start the server through ``tests/utils/clocked.py``, which pins
the clock in that process with ``pin`` before the server starts.
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time: the zone of inspection and publication dates and of code validity."""

_pinned: dt.datetime | None = None


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar day in China of a timezone-aware ``moment``."""
    return moment.astimezone(CHINA).date()


def now() -> dt.datetime:
    """The current time in UTC."""
    return _pinned if _pinned is not None else dt.datetime.now(dt.UTC)


def pin(moment: dt.datetime | None) -> None:
    """Make ``now()`` answer ``moment`` (timezone-aware) in this process; None unpins. For tests."""
    global _pinned
    _pinned = None if moment is None else moment.astimezone(dt.UTC)


def china_today() -> dt.date:
    """Today's date in China."""
    return china_date(now())


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware datetime: SQLite hands back naive ones, and every time the
    platform stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def rfc3339(value: dt.datetime) -> str:
    """A stored or current time as the API writes it: RFC 3339 in UTC (``…+00:00``)."""
    return as_utc(value).astimezone(dt.UTC).isoformat()


def rfc3339_or_none(value: dt.datetime | None) -> str | None:
    """``rfc3339`` of a time that may be missing (a record not yet reviewed)."""
    return None if value is None else rfc3339(value)


def log_stamp(value: dt.datetime) -> str:
    """A time as the signed logs write it (tree heads, leaves, audit entries): UTC with ``Z``."""
    return rfc3339(value).replace("+00:00", "Z")
