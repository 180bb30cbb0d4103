"""Beijing time for people, whatever zone the host runs in (issue 16, point 1).

Each test runs under several host zones (``TZ``, re-read with ``time.tzset``): a UTC server, a
phone abroad, a zone with daylight saving, and Beijing itself must all show the same time.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest

from app.domain.clock import CHINA, chinese_date, local_time, picked_date, to_china, today_in_china
from app.domain.inspection import now_rfc3339
from app.services.photo_service import watermark_for


@pytest.fixture(params=["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai"])
def host_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize(("value", "shown"), [
    ("2026-03-02T04:06:30+00:00", "2026-03-02 12:06"),
    ("2026-03-02T12:06:30+08:00", "2026-03-02 12:06"),
    ("2026-03-01T23:06:30-05:00", "2026-03-02 12:06"),
    ("2026-03-02T04:06:30", "2026-03-02 12:06"),  # the platform's naive times are UTC
    ("2026-12-31T16:30:00Z", "2027-01-01 00:30"),
])
def test_local_time_is_beijing_time(host_zone: str, value: str, shown: str) -> None:
    assert local_time(value) == shown
    assert local_time(value, seconds=True)[:16] == shown


def test_seconds_when_asked(host_zone: str) -> None:
    assert local_time("2026-03-02T04:06:30+00:00", seconds=True) == "2026-03-02 12:06:30"


def test_no_time_is_a_dash(host_zone: str) -> None:
    assert local_time(None) == local_time("") == "—"


def test_a_record_keeps_its_clock_offset_but_reads_as_beijing_time(host_zone: str) -> None:
    """What is signed carries the host's own offset (evidence); what is shown is Beijing's."""
    moment = dt.datetime(2026, 3, 2, 4, 6, 0, tzinfo=dt.UTC)
    stamped = now_rfc3339(moment)
    assert dt.datetime.fromisoformat(stamped) == moment
    assert dt.datetime.fromisoformat(stamped).utcoffset() == moment.astimezone().utcoffset()
    assert local_time(stamped) == "2026-03-02 12:06"


def test_today_is_chinas_date(host_zone: str) -> None:
    late_utc = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)  # already 3 March in Beijing
    assert today_in_china(late_utc) == dt.date(2026, 3, 3)
    assert to_china(late_utc).utcoffset() == dt.timedelta(hours=8)
    assert today_in_china() == dt.datetime.now(CHINA).date()


def test_the_watermark_says_beijing_time(host_zone: str) -> None:
    task = {"id": "RW-1", "team": [], "entity": {"name": "某公司"}}
    mark = watermark_for(task, None, dt.datetime(2026, 3, 2, 4, 7, tzinfo=dt.UTC))
    assert mark.lines()[0] == "时间：2026-03-02 12:07 北京时间"


def test_a_date_reads_the_way_people_write_it() -> None:
    assert chinese_date(dt.date(2026, 3, 10)) == "2026年3月10日"
    assert chinese_date(dt.date(2026, 11, 1)) == "2026年11月1日"


@pytest.mark.parametrize("value", [
    dt.date(2026, 3, 10),
    dt.datetime(2026, 3, 10),  # local midnight, as the picker made it
    dt.datetime(2026, 3, 10, tzinfo=CHINA),
    dt.datetime(2026, 3, 9, 16, tzinfo=dt.UTC),  # a browser in China, its midnight turned to UTC
    dt.datetime(2026, 3, 10, 5, tzinfo=dt.UTC),  # a browser in New York, likewise
])
def test_the_picked_day_is_the_day_picked_whatever_clock_carries_it(value: dt.date) -> None:
    assert picked_date(value) == dt.date(2026, 3, 10)
