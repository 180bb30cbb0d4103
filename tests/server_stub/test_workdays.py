from __future__ import annotations

import datetime as dt

import pytest

from server_stub.publication.workdays import WorkCalendar, parse_holiday_csv

D = dt.date


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 3, 2), 1, D(2026, 3, 3)),      # Monday → Tuesday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),      # Friday → Monday
        # Spring Festival 2026: 15–23 Feb off; Saturday 14 Feb and Saturday 28 Feb are worked.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),    # Friday → the adjusted Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),    # across the whole holiday
        (D(2026, 2, 27), 1, D(2026, 2, 28)),    # the second adjusted Saturday
        (D(2026, 2, 10), 20, D(2026, 3, 16)),
    ],
)
def test_official_calendar(start: dt.date, count: int, expected: dt.date) -> None:
    deadline = WorkCalendar().add_working_days(start, count)
    assert deadline.day == expected and not deadline.provisional


def test_publication_deadline_is_twenty_working_days() -> None:
    # Inspected Friday 13 Feb 2026: 14 Feb (Sat, worked) is day 1, the festival counts for nothing.
    assert WorkCalendar().publication_deadline(D(2026, 2, 13)).day == D(2026, 3, 19)


def test_year_beyond_the_package_counts_weekdays_and_says_so() -> None:
    deadline = WorkCalendar().add_working_days(D(2027, 1, 29), 5)  # Friday
    assert deadline == type(deadline)(D(2027, 2, 5), True)


def test_year_beyond_the_package_uses_the_loaded_notice() -> None:
    notice = parse_holiday_csv("日期,类型,名称\n2027-02-08,放假,春节\n2027-02-09,放假,春节\n2027-02-06,上班,春节调休\n")
    calendar = WorkCalendar(notice)
    deadline = calendar.add_working_days(D(2027, 2, 5), 3)  # Fri → Sat 6 (worked), Wed 10, Thu 11
    assert deadline.day == D(2027, 2, 11) and not deadline.provisional
    assert calendar.is_workday(D(2027, 3, 1)) == (True, False)


def test_deadline_spanning_into_an_unknown_year_is_provisional() -> None:
    assert WorkCalendar().add_working_days(D(2026, 12, 25), 10).provisional


@pytest.mark.parametrize(("text", "message"), [
    ("", "为空"),
    ("日期,类型\n2027-13-01,放假\n", "第2行"),
    ("日期,类型\n2027-01-01,休息\n", "「休息」"),
])
def test_bad_holiday_files(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_holiday_csv(text)
