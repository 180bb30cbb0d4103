"""The server's one source of the current time, so tests can pin it."""

from __future__ import annotations

import datetime as dt
import os

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time: the zone of inspection and publication dates and of code validity."""


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar day in China of a timezone-aware ``moment``."""
    return moment.astimezone(CHINA).date()


def now() -> dt.datetime:
    """The current time in UTC; ``ZSC_FAKE_NOW`` (ISO 8601) pins it for tests and demos."""
    fake = os.environ.get("ZSC_FAKE_NOW")
    if fake:
        return dt.datetime.fromisoformat(fake).astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)
