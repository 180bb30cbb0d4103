"""Beijing time (北京时间) for everything a person reads, whatever zone the host runs in.

A record keeps the offset of the clock that made it (evidence: when and by which clock), but
an inspector on a UTC host and a supervisor in Beijing must read the same wall-clock time for
it. So every screen, watermark and file name goes through here: UTC+8, China's only civil
zone, which has had no daylight saving since 1991 (a fixed offset, no tz database needed).
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8))


def to_china(moment: dt.datetime) -> dt.datetime:
    """``moment`` on Beijing's clock; a naive time is taken as UTC (how the platform stores)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA)


def local_time(value: str | None, *, seconds: bool = False) -> str:
    """An RFC 3339 time as Beijing wall-clock time to the minute (or second); "—" for none."""
    if not value:
        return "—"
    moment = to_china(dt.datetime.fromisoformat(value))
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def today_in_china(clock: dt.datetime | None = None) -> dt.date:
    """Today's date in Beijing (a task is overdue, a disposal dated, by China's calendar)."""
    return to_china(clock or dt.datetime.now(dt.UTC)).date()


def chinese_date(day: dt.date) -> str:
    """A date as people write it: 2026年3月10日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def picked_date(value: dt.date | dt.datetime) -> dt.date:
    """The day a date picker's answer means. Flutter's picker gives local midnight of the day
    picked; whether it arrives as it is, with its offset, or turned to UTC (then 16:00 of the
    day before, for a browser in China) depends on the client, so the answer is rounded to the
    nearest midnight on its own clock: right for any browser within 12 hours of UTC."""
    if not isinstance(value, dt.datetime):
        return value
    return (value + dt.timedelta(hours=12)).date()
