"""现场检查: the draft an inspector fills in on site, and the record it becomes when signed.

The draft is plain data saved after every change (``Draft.to_json``), so it survives the app
being killed. ``Draft.missing`` says, in Chinese, what still keeps the form from being done and
``Draft.ack_missing`` what keeps the enterprise's acknowledgement from it;
``Draft.to_record`` builds the ``sync.Record`` (which validates itself) once nothing is missing.

The notice (告知) is given before the draft exists: ``Draft.start`` takes the time it was shown,
or None when nobody of the enterprise is there, which fixes the acknowledgement to 无人在场. A
revision keeps the visit (``Draft.visit``: its times, notice and acknowledgement) from the record
it corrects, may correct the place, and is signed with a revision time of its own. The visit's
acknowledgement covers the content it was given on (record format 3): when the revision changes
that content, the enterprise either answers again on the revision (``Draft.reconfirm``) or the
revision is signed as 修订内容未经企业确认 (``Draft.unconfirmed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync import (
    CONTENT_KEYS,
    Acknowledgement,
    AcknowledgementKind,
    ItemResult,
    Location,
    LocationSource,
    Notice,
    Outcome,
    Record,
    RecordItem,
    TaskJson,
    TeamMember,
    Witness,
    bind_acknowledgement,
    content_hash,
    validate_record,
)

from .. import strings as s
from .tasks import officers


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
class AckAnswer:
    """The enterprise's answer as the form holds it (``kind`` None: not chosen yet)."""

    kind: AcknowledgementKind | None = None
    name: str = ""
    role: str = ""
    statement: str = ""
    signature: str | None = None
    """SHA-256 of the signature PNG, kept in the photo store like a photo."""
    note: str = ""
    witness_name: str = ""
    witness_unit: str = ""
    photos: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kind": None if self.kind is None else str(self.kind), "name": self.name,
                "role": self.role, "statement": self.statement, "signature": self.signature,
                "note": self.note, "witness_name": self.witness_name,
                "witness_unit": self.witness_unit, "photos": list(self.photos)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AckAnswer:
        kind = data.get("kind")
        return cls(kind=AcknowledgementKind(kind) if kind else None, name=str(data.get("name", "")),
                   role=str(data.get("role", "")), statement=str(data.get("statement", "")),
                   signature=data.get("signature"), note=str(data.get("note", "")),
                   witness_name=str(data.get("witness_name", "")),
                   witness_unit=str(data.get("witness_unit", "")),
                   photos=list(data.get("photos", [])))

    def missing(self) -> list[str]:
        """What keeps this answer from standing, in Chinese."""
        if self.kind is None:
            return [s.ACK_MISSING_KIND]
        problems = []
        if self.kind == AcknowledgementKind.SIGNED:
            if not self.name.strip():
                problems.append(s.ACK_MISSING_NAME)
            if not self.role.strip():
                problems.append(s.ACK_MISSING_ROLE)
            if self.signature is None:
                problems.append(s.ACK_MISSING_SIGNATURE)
        elif self.kind == AcknowledgementKind.REFUSED:
            if not self.witness_name.strip() or not self.witness_unit.strip():
                problems.append(s.ACK_MISSING_WITNESS)
            if not self.photos:
                problems.append(s.ACK_MISSING_PHOTO)
        return problems

    def to_acknowledgement(self) -> Acknowledgement:
        assert self.kind is not None, "missing() must be empty first"
        return Acknowledgement(
            kind=self.kind, name=self.name.strip(), role=self.role.strip(),
            statement=self.statement.strip(), signature=self.signature, note=self.note.strip(),
            witness=Witness(self.witness_name.strip(), self.witness_unit.strip()),
            photos=tuple(dict.fromkeys(self.photos)))


def notice_for(task: TaskJson, shown_at: str) -> dict[str, Any]:
    """The notice (JSON, as the record carries it) shown at ``shown_at``: who showed credentials
    (the 执法人员; a 专业技术人员 has no 执法证 to show)."""
    return {"shown_at": shown_at, "inspectors": [
        {"id": m["id"], "name": m["name"], "badge_no": m["badge_no"]} for m in officers(task)]}


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
    notice: dict[str, Any] | None = None
    """The notice as the record will carry it; None when nobody of the enterprise was there."""
    ack: AckAnswer = field(default_factory=AckAnswer)
    visit: dict[str, Any] | None = None
    """A revision's visit, from the record it corrects: ``started_at``, ``finished_at``,
    ``notice`` and ``acknowledgement`` as signed then (the acknowledgement bound, where it can be,
    to the content it was given on). None for a first record."""
    reconfirm: bool = False
    """A revision the enterprise answers again (signs or refuses) in ``ack``, instead of keeping
    the visit's acknowledgement."""

    @classmethod
    def start(cls, task: TaskJson, started_at: str, supersedes: str | None = None, *,
              notice_shown_at: str | None = None) -> Draft:
        """A fresh draft; ``notice_shown_at`` is when the notice was shown, None when nobody of
        the enterprise is there (the acknowledgement is then 无人在场)."""
        draft = cls(task_id=str(task["id"]), started_at=started_at,
                    answers={item["code"]: ItemAnswer() for item in task["items"]},
                    supersedes=supersedes)
        if supersedes is None:
            draft.give_notice(task, notice_shown_at)
        return draft

    def give_notice(self, task: TaskJson, shown_at: str | None) -> None:
        """The notice shown at ``shown_at``; None: nobody of the enterprise is there, so the
        acknowledgement is 无人在场."""
        if shown_at is not None:
            self.notice = notice_for(task, shown_at)
            if self.ack.kind == AcknowledgementKind.ABSENT:
                self.ack.kind = None
        else:
            self.notice = None
            self.ack.kind = AcknowledgementKind.ABSENT

    @property
    def needs_notice(self) -> bool:
        """Whether the notice (or 无人在场) is still to be given: a first inspection's draft from
        before the notice screen existed, which must not be signed as if it had been given."""
        return self.visit is None and self.notice is None and not self.nobody_present

    @property
    def nobody_present(self) -> bool:
        return self.visit is None and self.ack.kind == AcknowledgementKind.ABSENT

    @classmethod
    def revise(cls, task: TaskJson, returned: Mapping[str, Any], started_at: str,
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
        draft.visit = {key: returned.get(key) for key in (
            "started_at", "finished_at", "notice", "acknowledgement")}
        ack = draft.visit["acknowledgement"]
        if (isinstance(ack, dict) and ack.get("kind") != AcknowledgementKind.ABSENT
                and "covers" not in ack and returned.get("supersedes") is None):
            # A format 2 first record: its acknowledgement was given on its own content.
            draft.visit["acknowledgement"] = ack | {"covers": content_hash(returned)}
        draft.started_at = str(returned["started_at"])
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
            "notice": self.notice,
            "ack": self.ack.to_json(),
            "visit": self.visit,
            "reconfirm": self.reconfirm,
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
            notice=data.get("notice"),
            ack=AckAnswer.from_json(data.get("ack") or {}),
            visit=data.get("visit"),
            reconfirm=bool(data.get("reconfirm", False)),
        )

    def photo_count(self) -> int:
        return sum(len(a.photos) for a in self.answers.values())

    def missing(self, task: TaskJson) -> list[str]:
        """What keeps this draft from being signed, in Chinese; empty when it can be signed."""
        problems = []
        unanswered = [item["name"] for item in task["items"]
                      if self.answer(item["code"]).result is None]
        if unanswered:
            problems.append(s.MISSING_ITEMS.format(count=len(unanswered),
                                                   names="、".join(unanswered)))
        unexplained = [item["name"] for item in task["items"]
                       if self.answer(item["code"]).result == ItemResult.FAIL
                       and not self.answer(item["code"]).note.strip()]
        if unexplained:
            problems.append(s.MISSING_FAIL_NOTE.format(names="、".join(unexplained)))
        if self.outcome is None:
            problems.append(s.MISSING_OUTCOME)
        elif self.outcome == Outcome.NO_PROBLEM and any(
                a.result == ItemResult.FAIL for a in self.answers.values()):
            problems.append(s.OUTCOME_CONTRADICTS_ITEMS)
        elif self.nobody_present and not self.outcome.fits_absence:
            fitting = "、".join(o.value for o in Outcome if o.fits_absence)
            problems.append(s.MISSING_ABSENT_OUTCOME.format(outcomes=fitting))
        return problems

    def ack_missing(self) -> list[str]:
        """What keeps the enterprise's acknowledgement from standing (a revision that keeps the
        visit's own: nothing)."""
        return [] if self.visit is not None and not self.reconfirm else self.ack.missing()

    def unconfirmed(self, task: TaskJson) -> bool:
        """Whether signing this revision now, keeping the visit's acknowledgement, makes it
        修订内容未经企业确认: its content differs from what the enterprise answered on (or that
        cannot be told: a revision of a revision from an older app)."""
        if self.visit is None or self.reconfirm:
            return False
        ack = self.visit.get("acknowledgement")
        if not isinstance(ack, Mapping) or ack.get("kind") == AcknowledgementKind.ABSENT:
            return False
        covers = ack.get("covers")
        return covers is None or covers != content_hash(self._content(task))

    def _content(self, task: TaskJson) -> dict[str, Any]:
        """The record's content (``sync.CONTENT_KEYS``) as signing now would make it."""
        assert self.visit is not None
        items = [{"code": item["code"], "result": str(self.answer(item["code"]).result),
                  "note": self.answer(item["code"]).note.strip(),
                  "photos": list(dict.fromkeys(self.answer(item["code"]).photos))}
                 for item in task["items"]]
        content = {"task_id": str(task["id"]), "credit_code": str(task["credit_code"]),
                   "inspectors": [member["id"] for member in task["team"]], "items": items,
                   "outcome": None if self.outcome is None else str(self.outcome),
                   "note": self.note.strip(),
                   "location": None if self.location is None else self.location.to_json(),
                   "started_at": self.visit["started_at"],
                   "finished_at": self.visit["finished_at"], "notice": self.visit["notice"]}
        assert tuple(content) == CONTENT_KEYS
        return content

    def to_record(self, task: TaskJson, *, record_id: str, device_id: str, seq: int,
                  prev: str | None, finished_at: str) -> Record:
        """The record to sign; raises ``sync.ValidationError`` if anything breaks a rule.

        A revision takes the visit's times, notice and (unless the enterprise answered again)
        acknowledgement from the record it corrects and ``finished_at`` as its revision time. An
        acknowledgement given on this record is bound to its content (format 3)."""
        items = []
        for item in task["items"]:
            answer = self.answer(item["code"])
            assert answer.result is not None, "missing() must be empty before to_record()"
            items.append(RecordItem(code=item["code"], result=answer.result, note=answer.note.strip(),
                                    photos=tuple(dict.fromkeys(answer.photos))))
        assert self.outcome is not None
        record = Record(
            id=record_id, task_id=str(task["id"]), credit_code=str(task["credit_code"]),
            inspectors=tuple(member["id"] for member in task["team"]), items=tuple(items),
            outcome=self.outcome, note=self.note.strip(), location=self.location,
            started_at=self.started_at, finished_at=_not_before(finished_at, self.started_at),
            device_id=device_id, seq=seq, prev=prev, supersedes=self.supersedes,
            notice=None if self.notice is None else Notice(
                shown_at=self.notice["shown_at"],
                inspectors=tuple(TeamMember(**m) for m in self.notice["inspectors"])),
            acknowledgement=self.ack.to_acknowledgement() if self.visit is None else None,
        )
        if self.visit is None:
            return bind_acknowledgement(record)
        data = record.to_json()
        data.update({key: value for key, value in self.visit.items() if key != "location"})
        data["revised_at"] = _not_before(finished_at, str(self.visit["finished_at"]))
        if self.reconfirm:
            data["acknowledgement"] = self.ack.to_acknowledgement().to_json()
            data["v"] = 2
            return bind_acknowledgement(validate_record(data))
        ack = data["acknowledgement"]
        data["v"] = 3 if isinstance(ack, dict) and "covers" in ack else 2
        return validate_record(data)


def _not_before(time: str, earliest: str) -> str:
    """``time``, or ``earliest`` if the clock was set back while the inspection went on."""
    later = dt.datetime.fromisoformat(time) >= dt.datetime.fromisoformat(earliest)
    return time if later else earliest


def coordinates_text(location: Location) -> str:
    """"36.06711, 120.38256": the position alone, five places (about a metre)."""
    return f"{location.lat:.5f}, {location.lon:.5f}"


def describe_location(location: Location | None) -> str:
    """The place as the watermark and the form show it."""
    if location is None:
        return s.WATERMARK_PLACE_UNKNOWN
    text = coordinates_text(location)
    if location.accuracy_m is not None:
        return f"{text} ±{location.accuracy_m:.0f} m"
    return f"{text}（{s.LOCATION_TYPED_SUFFIX}）"
