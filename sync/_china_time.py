"""China's wall clock for people: every time on paper or on a public page is printed in 北京时间
(UTC+8, labelled), whatever the zone of the host or of the phone that wrote it."""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time (UTC+8, no daylight saving)."""

LABEL = "（北京时间）"


def china_time(value: str | dt.datetime | None, *, label: bool = True) -> str:
    """A moment (RFC 3339 / ISO 8601 text or a datetime; UTC when it names no zone) as China's
    wall clock to the minute, ``2026-12-06 09:14（北京时间）``; without ``label`` for the first
    of a range whose end carries it. None or "" print as ""."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    text = moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return text + LABEL if label else text
