"""Working days in China, for the 20-working-day publication deadline (DESIGN §3, §9).

``chinese-calendar`` knows the official holidays and adjusted working days (调休) up to the last
year the State Council has announced, and raises for later years. For such a year the server
uses the holiday file the administrator loaded (the State Council's notice as CSV: one row per
holiday or adjusted working day); without one it counts Monday to Friday and marks the result
provisional, so the dashboard can say so. It never fails on a new year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass

import chinese_calendar

PUBLICATION_WORKING_DAYS = 20
HOLIDAY = "放假"
WORKDAY = "上班"


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    provisional: bool
    """True when some day on the way was counted Monday to Friday for want of an official calendar."""


class WorkCalendar:
    """Official working days, with the administrator's holiday file for years the package lacks.

    ``overrides`` maps a date to whether it is a working day; a year with any override is taken
    as fully described by them (days not listed follow Monday to Friday, as the notice implies).
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.loaded_years = {day.year for day in self.overrides}
        self._known: dict[dt.date, tuple[bool, bool]] = {}

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, provisional). Remembered per day: ``chinese_calendar`` scans its
        whole table on every call, and a dashboard asks about the same days thousands of times."""
        if day not in self._known:
            self._known[day] = self._look_up(day)
        return self._known[day]

    def _look_up(self, day: dt.date) -> tuple[bool, bool]:
        if day in self.overrides:
            return self.overrides[day], False
        if day.year in self.loaded_years:
            return day.weekday() < 5, False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, True

    def add_working_days(self, start: dt.date, count: int) -> Deadline:
        """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
        day, provisional, left = start, False, count
        while left > 0:
            day += dt.timedelta(days=1)
            workday, guessed = self.is_workday(day)
            provisional |= guessed
            left -= workday
        return Deadline(day, provisional)

    def publication_deadline(self, inspected: dt.date) -> Deadline:
        return self.add_working_days(inspected, PUBLICATION_WORKING_DAYS)


def parse_holiday_csv(text: str) -> dict[dt.date, bool]:
    """The State Council's holiday notice as ``日期,类型`` rows (类型 放假 or 上班; a third column,
    the holiday's name, is allowed). Raises ``ValueError`` naming the first bad row."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise ValueError("节假日文件为空")
    result: dict[dt.date, bool] = {}
    start = 1 if rows[0] and rows[0][0].strip() in ("日期", "date") else 0
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
            kind = row[1].strip()
        except (IndexError, ValueError):
            raise ValueError(f"第{number}行：日期应为YYYY-MM-DD，类型为“放假”或“上班”") from None
        if kind not in (HOLIDAY, WORKDAY):
            raise ValueError(f"第{number}行：类型「{kind}」应为“放假”或“上班”")
        result[day] = kind == WORKDAY
    return result
