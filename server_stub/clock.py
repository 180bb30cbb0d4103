"""The server's one source of the current time, so tests can pin it."""

from __future__ import annotations

import datetime as dt
import os


def now() -> dt.datetime:
    """The current time in UTC; ``ZSC_FAKE_NOW`` (ISO 8601) pins it for tests and demos."""
    fake = os.environ.get("ZSC_FAKE_NOW")
    if fake:
        return dt.datetime.fromisoformat(fake).astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)
