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
    InspectionMethod,
    ItemResult,
    LabTest,
    Location,
    LocationSource,
    Notice,
    OnlineCheck,
    Outcome,
    Record,
    RecordItem,
    TaskJson,
    TeamMember,
    Witness,
    bind_acknowledgement,
    content_hash,
    is_off_site,
    url_problem,
    validate_record,
)

from .. import strings as s
from .tasks import officers


def now_rfc3339(clock: dt.datetime | None = None) -> str:
    """Local wall-clock time with its UTC offset, to the second (what a record carries)."""
    return (clock or dt.datetime.now()).astimezone().isoformat(timespec="seconds")


LAB_FIELDS = ("sample", "lab", "accreditation_no")


def item_mode(item: Mapping[str, Any]) -> InspectionMethod:
    """How a task's item is checked, as the item list says (实地核查 for a list that says nothing
    the app knows)."""
    method = item.get("method")
    return InspectionMethod(method) if method in {m.value for m in InspectionMethod} else InspectionMethod.ON_SITE


def task_off_site(task: TaskJson) -> bool:
    """Whether the task's items are all 书面检查 or 网络监测: done from the office, with no notice,
    no place and no acknowledgement on site (record format 4)."""
    return is_off_site([{"mode": item_mode(item).value} for item in task["items"]])


@dataclass
class ItemAnswer:
    """The inspector's answer to one inspection item (with format 4's evidence of its mode)."""

    result: ItemResult | None = None
    note: str = ""
    photos: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    """书面检查: the enterprise's materials (SHA-256 of a processed picture or of a PDF)."""
    url: str = ""
    """网络监测: the address checked."""
    checked_at: str | None = None
    """网络监测: when the address was checked (set when it is entered)."""
    screenshots: list[str] = field(default_factory=list)
    lab: dict[str, str] | None = None
    """送检: sample, lab and accreditation_no as typed; None when the item is not sent for testing."""

    def to_json(self) -> dict[str, Any]:
        return {"result": None if self.result is None else str(self.result), "note": self.note,
                "photos": list(self.photos), "materials": list(self.materials), "url": self.url,
                "checked_at": self.checked_at, "screenshots": list(self.screenshots),
                "lab": None if self.lab is None else dict(self.lab)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemAnswer:
        result = data.get("result")
        lab = data.get("lab")
        online = data.get("online")  # a record's item (a revision), not a draft's
        return cls(ItemResult(result) if result else None, str(data.get("note", "")),
                   list(data.get("photos", [])), list(data.get("materials", [])),
                   str(data.get("url") or (online or {}).get("url", "")),
                   data.get("checked_at") or (online or {}).get("checked_at"),
                   list(data.get("screenshots") or (online or {}).get("screenshots", [])),
                   None if not isinstance(lab, Mapping) else {k: str(lab.get(k, "")) for k in LAB_FIELDS})

    def mode_missing(self, name: str, mode: InspectionMethod) -> list[str]:
        """What the item's mode still asks for (Chinese), ``name`` being the item's."""
        problems = []
        if mode == InspectionMethod.DOCUMENTS and self.result not in (None, ItemResult.NOT_APPLICABLE) \
                and not self.materials:
            problems.append(s.MISSING_MATERIALS.format(name=name))
        if mode == InspectionMethod.ONLINE:
            problem = url_problem(self.url.strip())
            if problem is not None:
                problems.append(f"{name}：{problem}")
            if not self.screenshots:
                problems.append(s.MISSING_SCREENSHOT.format(name=name))
        if self.lab is not None and not all(self.lab.get(k, "").strip() for k in LAB_FIELDS):
            problems.append(s.MISSING_LAB.format(name=name))
        return problems

    def to_item(self, code: str, mode: InspectionMethod | None) -> RecordItem:
        """The record's item; ``mode`` None writes the older formats (no mode)."""
        assert self.result is not None, "missing() must be empty before to_record()"
        base = RecordItem(code=code, result=self.result, note=self.note.strip(),
                          photos=tuple(dict.fromkeys(self.photos)))
        if mode is None:
            return base
        online = (OnlineCheck(url=self.url.strip(), checked_at=self.checked_at or "",
                              screenshots=tuple(dict.fromkeys(self.screenshots)))
                  if mode == InspectionMethod.ONLINE else None)
        lab = None if self.lab is None else LabTest(**{k: self.lab[k].strip() for k in LAB_FIELDS})
        return RecordItem(code=code, result=self.result, note=base.note, photos=base.photos, mode=mode,
                          materials=tuple(dict.fromkeys(self.materials))
                          if mode == InspectionMethod.DOCUMENTS else (),
                          online=online, lab=lab)


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
    modes: bool = True
    """Whether the record says how each item was checked (format 4): a first record does; a
    revision does when the record it corrects did (a revision of an older record keeps its format,
    so that its unchanged content still matches what the enterprise answered on)."""
    off_site: bool = False
    """A task of 书面检查 and 网络监测 items alone (``task_off_site``): no notice, no place, no
    acknowledgement; the record is signed from the office."""

    @classmethod
    def start(cls, task: TaskJson, started_at: str, supersedes: str | None = None, *,
              notice_shown_at: str | None = None) -> Draft:
        """A fresh draft; ``notice_shown_at`` is when the notice was shown, None when nobody of
        the enterprise is there (the acknowledgement is then 无人在场)."""
        draft = cls(task_id=str(task["id"]), started_at=started_at,
                    answers={item["code"]: ItemAnswer() for item in task["items"]},
                    supersedes=supersedes, off_site=task_off_site(task))
        if supersedes is None and not draft.off_site:
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
        return (self.visit is None and not self.off_site and self.notice is None
                and not self.nobody_present)

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
        draft.modes = any("mode" in item for item in returned.get("items", []))
        draft.off_site = draft.modes and is_off_site(returned.get("items"))
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
            "modes": self.modes,
            "off_site": self.off_site,
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
            # a draft saved before format 4: a first record's becomes one, a revision's keeps its format
            modes=bool(data.get("modes", data.get("visit") is None)),
            off_site=bool(data.get("off_site", False)),
        )

    def photo_count(self) -> int:
        return sum(len(a.photos) + len(a.materials) + len(a.screenshots) for a in self.answers.values())

    def _mode(self, item: Mapping[str, Any]) -> InspectionMethod | None:
        return item_mode(item) if self.modes else None

    def missing(self, task: TaskJson) -> list[str]:
        """What keeps this draft from being signed, in Chinese; empty when it can be signed."""
        problems = []
        unanswered = [item["name"] for item in task["items"]
                      if self.answer(item["code"]).result is None
                      or (self.answer(item["code"]).result == ItemResult.AWAITING_LAB
                          and self.answer(item["code"]).lab is None)]
        if unanswered:
            problems.append(s.MISSING_ITEMS.format(count=len(unanswered),
                                                   names="、".join(unanswered)))
        unexplained = [item["name"] for item in task["items"]
                       if self.answer(item["code"]).result == ItemResult.FAIL
                       and not self.answer(item["code"]).note.strip()]
        if unexplained:
            problems.append(s.MISSING_FAIL_NOTE.format(names="、".join(unexplained)))
        if self.modes:
            for item in task["items"]:
                problems += self.answer(item["code"]).mode_missing(item["name"], item_mode(item))
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
        if self.off_site or (self.visit is not None and not self.reconfirm):
            return []
        return self.ack.missing()

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
        items = [self.answer(item["code"]).to_item(item["code"], self._mode(item)).to_json()
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
        items = [self.answer(item["code"]).to_item(item["code"], self._mode(item)) for item in task["items"]]
        assert self.outcome is not None
        record = Record(
            id=record_id, task_id=str(task["id"]), credit_code=str(task["credit_code"]),
            inspectors=tuple(member["id"] for member in task["team"]), items=tuple(items),
            outcome=self.outcome, note=self.note.strip(), location=self.location,
            started_at=self.started_at, finished_at=_not_before(finished_at, self.started_at),
            device_id=device_id, seq=seq, prev=prev, supersedes=self.supersedes,
            # format 4 checks a revision's own fields as it is built (formats 1 to 3 are built
            # as format 1 and get them below)
            revised_at=(_not_before(finished_at, str(self.visit["finished_at"]))
                        if self.visit is not None and self.modes else None),
            notice=None if self.notice is None else Notice(
                shown_at=self.notice["shown_at"],
                inspectors=tuple(TeamMember(**m) for m in self.notice["inspectors"])),
            acknowledgement=(self.ack.to_acknowledgement()
                             if self.visit is None and not self.off_site else None),
        )
        if self.visit is None:
            return bind_acknowledgement(record)
        data = record.to_json()
        data.update({key: value for key, value in self.visit.items() if key != "location"})
        data["revised_at"] = _not_before(finished_at, str(self.visit["finished_at"]))
        if self.reconfirm:
            answer = self.ack.to_acknowledgement().to_json()
            if self.modes:  # format 4 is bound as it is read: the answer covers this content
                data["v"] = 4
                data["acknowledgement"] = answer | {"covers": content_hash(data)}
                return validate_record(data)
            data["acknowledgement"] = answer
            data["v"] = 2
            return bind_acknowledgement(validate_record(data))
        ack = data["acknowledgement"]
        data["v"] = 4 if self.modes else 3 if isinstance(ack, dict) and "covers" in ack else 2
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
