"""现场检查: the draft an inspector fills in on site, and the record it becomes when signed.

The draft is plain data saved after every change (``Draft.to_json``), so it survives the app
being killed. ``Draft.missing`` says, in Chinese, what still keeps it from being signed;
``Draft.to_record`` builds the ``sync.Record`` (which validates itself) once nothing is missing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync import ItemResult, Location, LocationSource, Outcome, Record, RecordItem

from .. import strings as s


def now_rfc3339(clock: dt.datetime | None = None) -> str:
    """Local wall-clock time with its UTC offset, to the second (what a record carries)."""
    return (clock or dt.datetime.now()).astimezone().isoformat(timespec="seconds")


@dataclass
class ItemAnswer:
    """The inspector's answer to one inspection item."""

    result: ItemResult | None = None
    note: str = ""
    photos: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"result": None if self.result is None else str(self.result), "note": self.note,
                "photos": list(self.photos)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemAnswer:
        result = data.get("result")
        return cls(ItemResult(result) if result else None, str(data.get("note", "")),
                   list(data.get("photos", [])))


@dataclass
class Draft:
    """A record being filled in for one task; ``supersedes`` is set when it revises a returned one."""

    task_id: str
    started_at: str
    answers: dict[str, ItemAnswer] = field(default_factory=dict)
    outcome: Outcome | None = None
    note: str = ""
    location: Location | None = None
    supersedes: str | None = None

    @classmethod
    def start(cls, task: Mapping[str, Any], started_at: str, supersedes: str | None = None) -> Draft:
        return cls(task_id=str(task["id"]), started_at=started_at,
                   answers={item["code"]: ItemAnswer() for item in task["items"]},
                   supersedes=supersedes)

    @classmethod
    def revise(cls, task: Mapping[str, Any], returned: Mapping[str, Any], started_at: str,
               supersedes: str) -> Draft:
        """A revision of the ``returned`` record (its JSON as signed): every answer, the outcome,
        the note and the place carried over, for the inspector to correct what the reviewer
        asked. Items the task no longer has are dropped; new ones start unanswered."""
        draft = cls.start(task, started_at, supersedes)
        codes = set(draft.answers)
        for item in returned.get("items", []):
            if item["code"] in codes:
                draft.answers[item["code"]] = ItemAnswer.from_json(item)
        draft.outcome = Outcome(returned["outcome"]) if returned.get("outcome") else None
        draft.note = str(returned.get("note", ""))
        location = returned.get("location")
        if location:
            draft.location = Location(lat=location["lat"], lon=location["lon"],
                                      accuracy_m=location.get("accuracy_m"),
                                      source=LocationSource(location.get("source", "typed")))
        return draft

    def answer(self, code: str) -> ItemAnswer:
        return self.answers.setdefault(code, ItemAnswer())

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "started_at": self.started_at,
            "answers": {code: a.to_json() for code, a in self.answers.items()},
            "outcome": None if self.outcome is None else str(self.outcome),
            "note": self.note,
            "location": None if self.location is None else self.location.to_json(),
            "supersedes": self.supersedes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        location = data.get("location")
        return cls(
            task_id=str(data["task_id"]),
            started_at=str(data["started_at"]),
            answers={code: ItemAnswer.from_json(a) for code, a in data.get("answers", {}).items()},
            outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
            note=str(data.get("note", "")),
            location=None if not location else Location(
                lat=location["lat"], lon=location["lon"], accuracy_m=location["accuracy_m"],
                source=LocationSource(location["source"])),
            supersedes=data.get("supersedes"),
        )

    def photo_count(self) -> int:
        return sum(len(a.photos) for a in self.answers.values())

    def missing(self, task: Mapping[str, Any]) -> list[str]:
        """What keeps this draft from being signed, in Chinese; empty when it can be signed."""
        problems = []
        unanswered = [item["name"] for item in task["items"]
                      if self.answer(item["code"]).result is None]
        if unanswered:
            problems.append(s.MISSING_ITEMS.format(count=len(unanswered),
                                                   names="、".join(unanswered)))
        if self.outcome is None:
            problems.append(s.MISSING_OUTCOME)
        elif self.outcome == Outcome.NO_PROBLEM and any(
                a.result == ItemResult.FAIL for a in self.answers.values()):
            problems.append(s.OUTCOME_CONTRADICTS_ITEMS)
        return problems

    def to_record(self, task: Mapping[str, Any], *, record_id: str, device_id: str, seq: int,
                  prev: str | None, finished_at: str) -> Record:
        """The record to sign; raises ``sync.ValidationError`` if anything breaks a rule."""
        items = []
        for item in task["items"]:
            answer = self.answer(item["code"])
            assert answer.result is not None, "missing() must be empty before to_record()"
            items.append(RecordItem(code=item["code"], result=answer.result, note=answer.note.strip(),
                                    photos=tuple(dict.fromkeys(answer.photos))))
        assert self.outcome is not None
        return Record(
            id=record_id, task_id=str(task["id"]), credit_code=str(task["credit_code"]),
            inspectors=tuple(member["id"] for member in task["team"]), items=tuple(items),
            outcome=self.outcome, note=self.note.strip(), location=self.location,
            started_at=self.started_at, finished_at=_not_before(finished_at, self.started_at),
            device_id=device_id, seq=seq, prev=prev, supersedes=self.supersedes,
        )


def _not_before(time: str, earliest: str) -> str:
    """``time``, or ``earliest`` if the clock was set back while the inspection went on."""
    later = dt.datetime.fromisoformat(time) >= dt.datetime.fromisoformat(earliest)
    return time if later else earliest


def parse_typed_location(lat_text: str, lon_text: str) -> Location:
    """A location the inspector typed (decimal degrees, WGS 84); ``ValueError`` with a Chinese
    message when it is not one."""
    try:
        lat, lon = float(lat_text.strip()), float(lon_text.strip())
    except ValueError:
        raise ValueError(s.LOCATION_TYPED_INVALID) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(s.LOCATION_TYPED_INVALID)
    return Location(lat=lat, lon=lon, accuracy_m=None, source=LocationSource.TYPED)


def describe_location(location: Location | None) -> str:
    """The place as the watermark and the form show it."""
    if location is None:
        return s.WATERMARK_PLACE_UNKNOWN
    text = f"{location.lat:.5f}, {location.lon:.5f}"
    if location.accuracy_m is not None:
        return f"{text} ±{location.accuracy_m:.0f} m"
    return f"{text}（{s.LOCATION_TYPED_SUFFIX}）"
