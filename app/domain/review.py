"""What a supervisor reads (审核, 统计, 台账), worked out from the platform's answers. Pure.

The platform decides; this module only turns its JSON into what the screens show: times,
places, gaps, percentages, periods, the ledger's order, and the checks on what a supervisor
types before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync import DETAIL_LABELS, Disposal, disposal_problem

from .. import strings as s
from .clock import local_time
from .coordinates import distance_m, distance_text, map_link

PERIODS = ("all", "30d", "quarter", "year")


def time_range(started_at: str, finished_at: str) -> str:
    """"2026-03-02 09:00 至 09:40（40 分钟）" (the date again only when the day changed)."""
    start, end = local_time(started_at), local_time(finished_at)
    if start[:10] == end[:10]:
        end = end[11:]
    elapsed = dt.datetime.fromisoformat(finished_at) - dt.datetime.fromisoformat(started_at)
    return s.RECORD_TIME_RANGE.format(start=start, end=end,
                                      minutes=max(0, round(elapsed.total_seconds() / 60)))


def location_text(location: Mapping[str, Any] | None) -> tuple[str, bool]:
    """The place as the reviewer reads it, and whether it needs a second look (typed or none)."""
    if not location:
        return s.RECORD_LOCATION_NONE, True
    if location.get("source") == "typed" or location.get("accuracy_m") is None:
        return s.RECORD_LOCATION_TYPED.format(lat=location["lat"], lon=location["lon"]), True
    return s.RECORD_LOCATION_DEVICE.format(lat=location["lat"], lon=location["lon"],
                                           accuracy=location["accuracy_m"]), False


DISTANCE_THRESHOLD_M = 500
"""Beyond this distance from the registered address the review flags the place (see
docs/decisions.md: a phone's fix, a building's size and the registered point's own error stay
well within it; a visit to the wrong street or district does not)."""


@dataclass(frozen=True)
class PlaceCheck:
    """Where the record says the team stood, against the entity's registered coordinates."""

    text: str
    flagged: bool
    """Beyond ``DISTANCE_THRESHOLD_M``: the reviewer should ask why."""
    map_uri: str | None
    """The record's position for the phone's map app, when it has one."""
    web_map_url: str | None = None
    """The same position as an https map page, for the web client (``geo:`` opens nothing there)."""

    def map_link(self, *, web: bool) -> str | None:
        """What 在地图中查看 opens: the https page in a browser, the ``geo:`` URI on a phone."""
        return self.web_map_url if web else self.map_uri


def place_check(detail: Mapping[str, Any]) -> PlaceCheck:
    """The distance line of the review: how far the record's position lies from the registered
    address, or plainly why it cannot be said (no position recorded, no registered coordinates)."""
    location, entity = detail["record"].get("location"), detail["entity"]
    if not location:
        return PlaceCheck(s.RECORD_DISTANCE_NO_LOCATION, False, None)
    label = s.RECORD_MAP_LABEL.format(name=entity["name"])
    uri = map_link(location["lat"], location["lon"], label, web=False)
    web = map_link(location["lat"], location["lon"], label, web=True)
    if entity.get("lat") is None or entity.get("lon") is None:
        return PlaceCheck(s.RECORD_DISTANCE_NO_COORDINATES, False, uri, web)
    metres = distance_m(location["lat"], location["lon"], entity["lat"], entity["lon"])
    distance = distance_text(metres)
    if metres > DISTANCE_THRESHOLD_M:
        return PlaceCheck(s.RECORD_DISTANCE_FAR.format(distance=distance,
                                                       threshold=distance_text(DISTANCE_THRESHOLD_M)),
                          True, uri, web)
    return PlaceCheck(s.RECORD_DISTANCE.format(distance=distance), False, uri, web)


def notice_text(record: Mapping[str, Any]) -> str:
    """How the record says the enterprise was told (检查告知), or why it was not."""
    notice = record.get("notice")
    if notice:
        return s.RECORD_NOTICE_SHOWN.format(time=local_time(notice["shown_at"]))
    ack = record.get("acknowledgement")
    return s.RECORD_NO_NOTICE if ack and ack["kind"] == "absent" else s.RECORD_NOTICE_NONE


def gaps_text(gaps: Sequence[Sequence[int]]) -> str | None:
    """The device-chain gaps in a sentence, or None when the chain is whole."""
    if not gaps:
        return None
    parts = [str(a) if a == b else s.RECORD_GAP.format(start=a, end=b) for a, b in gaps]
    return s.RECORD_CHAIN_GAPS.format(gaps="、".join(parts))


def percent(rate: float | None) -> str:
    """0.2727 → "27.3%"; a rate of nothing (no tasks, nothing inspected) is "—", not 0 %."""
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


@dataclass(frozen=True)
class ItemView:
    """One inspection item of a record, as the reviewer reads it."""

    code: str
    name: str
    result: str
    note: str
    photos: tuple[str, ...]
    facts: tuple[str, ...] = ()
    """What format 4 adds (issue 27): the mode, the materials, the address checked, the sample
    sent for testing and the laboratory's report, one line each."""


def record_items(detail: Mapping[str, Any]) -> list[ItemView]:
    """The record's items; an item sent for testing whose report is attached takes the report's
    conclusion as its result."""
    names = detail.get("item_names", {})
    reports = {line["item"]: line["report"] for line in detail.get("lab_reports", []) if line.get("report")}
    items = []
    for i in detail["record"]["items"]:
        report = reports.get(i["code"])
        facts = []
        if i.get("mode"):
            facts.append(s.REVIEW_ITEM_MODE.format(mode=i["mode"]))
        if i.get("materials"):
            facts.append(s.REVIEW_ITEM_MATERIALS.format(count=len(i["materials"])))
        if i.get("online"):
            facts.append(s.REVIEW_ITEM_ONLINE.format(url=i["online"]["url"]))
        if i.get("lab"):
            facts.append(s.REVIEW_ITEM_LAB.format(**i["lab"]))
        if report:
            facts.append(s.REVIEW_ITEM_REPORT.format(number=report["number"], conclusion=report["conclusion"]))
        photos = (*i.get("photos", ()), *((i.get("online") or {}).get("screenshots", ())))
        items.append(ItemView(i["code"], names.get(i["code"], i["code"]),
                              report["conclusion"] if report else i["result"], i.get("note", ""),
                              tuple(photos), tuple(facts)))
    return items


def team_names(detail: Mapping[str, Any]) -> str:
    names = detail.get("inspector_names", {})
    return "、".join(names.get(i, i) for i in detail["record"]["inspectors"])


def allowed_decisions(detail: Mapping[str, Any]) -> tuple[str, ...]:
    """What a supervisor may do with the record now: the platform would refuse anything else
    (nothing on a superseded record, nor on one of an inspection of their own: 回避)."""
    if detail.get("superseded") or detail.get("own"):
        return ()
    return {"submitted": ("approve", "return"), "approved": ("publish",)}.get(detail["state"], ())


def period_range(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The inspection dates a preset covers: all, the last 30 days, this quarter, this year."""
    if period == "30d":
        return today - dt.timedelta(days=29), today
    if period == "quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if period == "year":
        return dt.date(today.year, 1, 1), today
    if period == "all":
        return None, None
    raise ValueError(period)


def custom_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """A period of one's own, its first and last day both included (picked on a calendar, so
    they are real dates); ``ValueError`` with a Chinese message when they are reversed."""
    if start > end:
        raise ValueError(s.STATS_CUSTOM_REVERSED)
    return start, end


def dashboard_filters(plan_id: str | None, start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    """The query of ``GET /api/v1/stats/dashboard`` (and its export) for these filters."""
    filters = {"plan_id": plan_id, "start": start and start.isoformat(), "end": end and end.isoformat()}
    return {k: v for k, v in filters.items() if v}


def ledger_order(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Open entries first, overdue ones first among them, oldest inspection first; then the
    closed ones, most recently closed first."""
    rows = [dict(e) for e in entries]
    opened = sorted((e for e in rows if e["open"]),
                    key=lambda e: (not e["overdue"], e["inspected_on"], e["record_id"]))
    closed = sorted((e for e in rows if not e["open"]),
                    key=lambda e: (e.get("disposal_date") or "", e["record_id"]), reverse=True)
    return opened + closed


def check_disposal(disposal: str | None, day: dt.date, today: dt.date,
                   detail: str = "") -> tuple[str, dt.date, dict[str, str]]:
    """A disposal, its date and the detail it names (its case number, whom it went to, its
    首违不罚 list entry: ``sync.Disposal.detail``) as chosen; ``ValueError`` with a Chinese message
    otherwise. (The picker offers no future day; the platform also refuses a date before the
    inspection and says so in its answer.)"""
    if disposal not in s.LEDGER_DISPOSALS:
        raise ValueError(s.LEDGER_NEED_DISPOSAL)
    key = Disposal(disposal).detail
    details = {key: detail.strip()} if key else {}
    problem = disposal_problem(disposal, details)
    if problem is not None:
        raise ValueError(problem)
    if day > today:
        raise ValueError(s.LEDGER_FUTURE_DATE)
    return disposal, day, details


def disposal_line(entry: Mapping[str, Any]) -> list[str]:
    """A closed ledger entry's disposal, date and the detail it named, as lines."""
    lines = [s.LEDGER_DISPOSAL.format(disposal=entry["disposal"], date=entry["disposal_date"])]
    lines += [s.LEDGER_DETAIL.format(label=label, value=entry[key])
              for key, label in DETAIL_LABELS.items() if entry.get(key)]
    return lines
