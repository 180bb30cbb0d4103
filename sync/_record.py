"""检查记录: the signed record of one inspection (DESIGN §4).

A record travels as a JSON object with exactly these keys, every one present (nullable ones as
``null``), so that one record has one canonical form::

    {"v": 2, "id", "task_id", "credit_code", "inspectors", "items", "outcome", "note", "location",
     "started_at", "finished_at", "device_id", "seq", "prev", "supersedes",
     "revised_at", "notice", "acknowledgement"}

Format 2 (the 现场检查笔录, issue 14) added the last three keys; format 1 records, from apps
before it, have none of them and stay valid (shown as 无企业确认). Format 3 (issue 24) has the
same keys and binds a signed or refused acknowledgement to the content it was given on
(``acknowledgement.covers``, see ``content_hash``), so that a revision carrying the visit's
signature over changed findings says so itself (``acknowledges_content``). ``Record.v`` follows
from the content: 3 when the acknowledgement names what it covers, 2 with any of the three keys
set, else 1. See ``_acknowledgement`` for the notice
and the enterprise's answer. Format 2 also asks that an item answered 不合格 states its facts
(a non-empty note), and that a revision (``supersedes`` set) carries ``revised_at``, the time it
was signed, while ``started_at``, ``finished_at`` and ``location`` stay those of the visit (the
platform checks them against the record superseded).

``validate_record`` is the one door from JSON to a ``Record``; it checks every field and raises one
``ValidationError`` listing every problem by its path (``items[1].photos[0]``). ``Record`` validates
itself the same way when the app builds one, and ``Record.to_json()`` gives the JSON object back.

Decisions DESIGN §4 leaves open:

* ``location`` carries a fourth key, ``source``: ``"device"`` when the position came from the
  platform's geolocation (``accuracy_m`` is then the reported accuracy, in metres) or ``"typed"``
  when the inspector entered it (``accuracy_m`` is then ``null``). This is a deliberate addition, so
  that the record itself says how its place was obtained. ``location`` is ``null`` without a place.
* ``id`` is a UUID version 4 in its lower-case hyphenated form only, so that one idempotency key
  has one spelling.
* Identifiers (``task_id``, ``device_id``, inspector ids, item codes) must not start or end with
  white space: they are compared byte for byte and are never trimmed once signed.
* ``inspectors`` names at least two inspectors (DESIGN §3: never fewer than two), each once.
* An outcome of 未发现问题 with an item answered 不合格 contradicts itself and is refused.
* ``accuracy_m`` lies between 0 and ``MAX_ACCURACY_M`` (20 000 km); latitude and longitude lie in
  [-90, 90] and [-180, 180].
* Notes may be empty and hold at most ``MAX_NOTE_LENGTH`` characters.
* Timestamps are RFC 3339 with an explicit offset (see ``parse_rfc3339``); ``finished_at`` may equal
  ``started_at`` but not precede it.
* Within an item a photo is listed once; the same photo may serve several items.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from ._acknowledgement import (
    BOUND_KINDS,
    AckCheck,
    Acknowledgement,
    AcknowledgementKind,
    Notice,
    acknowledgement_from_json,
    notice_from_json,
)
from ._canonical import (
    MAX_SAFE_INTEGER,
    ROOT,
    JsonValue,
    canonical_bytes,
    is_sha256_hex,
    parse_rfc3339,
)
from ._credit_code import credit_code_problem
from ._exceptions import Problem, ValidationError
from ._model import MIN_TEAM_SIZE, InspectionMethod, ItemResult, Outcome
from ._modes import (
    MODE_ITEM_KEYS,
    LabTest,
    ModeCheck,
    OnlineCheck,
    is_off_site,
    lab_from_json,
    online_from_json,
)

BOUND_VERSION = 3
"""The format that binds an acknowledgement to its content: formats 1 (no acknowledgement) and 2
(an acknowledgement without ``covers``, and every 无人在场 record) are read and written too."""
RECORD_VERSION = 4
"""The newest format: each item says how it was checked (``_modes``: 实地核查, 书面检查, 网络监测,
and lab testing), acknowledgements bound as in format 3. A record of format 4 is one whose items
name their mode; the app writes format 3 or older for a task whose items it cannot tell."""
FORMATS = (1, 2, BOUND_VERSION, RECORD_VERSION)
MAX_NOTE_LENGTH = 2000
MAX_PHOTO_PIXELS = 60_000_000
"""The most pixels (width × height) a photo may declare, on the phone before decoding and on the
platform at upload: the default of the app's ``[photos] max_pixels``."""
MAX_ID_LENGTH = 80
MAX_ACCURACY_M = 20_000_000
"""Half the Earth's circumference: no worse accuracy means anything. The bound also keeps every
number of a location below 2^53, where its canonical text reads back as the same value."""

RECORD_KEYS = (
    "v", "id", "task_id", "credit_code", "inspectors", "items", "outcome", "note", "location",
    "started_at", "finished_at", "device_id", "seq", "prev", "supersedes",
)  # fmt: skip
RECORD_KEYS_V2 = (*RECORD_KEYS, "revised_at", "notice", "acknowledgement")
"""The keys of formats 2 and 3."""
CONTENT_KEYS = ("task_id", "credit_code", "inspectors", "items", "outcome", "note", "location",
                "started_at", "finished_at", "notice")
"""What the enterprise is shown and answers on: everything the paper says of the visit. Not the
record's id, device chain or revision fields (they are not the enterprise's to confirm), nor the
acknowledgement itself."""
ITEM_KEYS = ("code", "result", "note", "photos")
ITEM_KEYS_V4 = (*ITEM_KEYS, *MODE_ITEM_KEYS)
LOCATION_KEYS = ("lat", "lon", "accuracy_m", "source")

_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


_E = TypeVar("_E", bound=enum.StrEnum)


def _member(kind: type[_E], value: _E) -> _E:
    """The member for a label given as a plain string; anything else is left for validation."""
    return kind(value) if value in {m.value for m in kind} else value


class LocationSource(enum.StrEnum):
    """How the place of an inspection was obtained."""

    DEVICE = "device"
    """The platform's geolocation; ``accuracy_m`` is its reported accuracy."""
    TYPED = "typed"
    """Entered by the inspector; there is no accuracy."""


@dataclass(frozen=True)
class Location:
    """Where the inspection took place, in WGS 84 degrees as the platform's geolocation gives them.

    Never the GCJ-02 or BD-09 coordinates of Chinese map services: those are offset on purpose,
    and a record must say where the team stood, whatever map later shows it.
    """

    lat: float
    lon: float
    accuracy_m: float | None
    source: LocationSource

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _member(LocationSource, self.source))

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
            "source": str(self.source),
        }


@dataclass(frozen=True)
class RecordItem:
    """The answer to one inspection item of the task, with its evidence."""

    code: str
    result: ItemResult
    note: str = ""
    photos: tuple[str, ...] = ()
    """SHA-256 (lowercase hex) of each photo, in the order the inspector took them."""
    mode: InspectionMethod | None = None
    """How the item was checked (format 4); None in the older formats, which knew 实地核查 only."""
    materials: tuple[str, ...] = ()
    """书面检查: SHA-256 of each material the enterprise submitted (a photo or a PDF)."""
    online: OnlineCheck | None = None
    """网络监测: the address checked, when, and its screenshots."""
    lab: LabTest | None = None
    """The item sent for testing (result 待检测 until the laboratory's report is in)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "result", _member(ItemResult, self.result))
        object.__setattr__(self, "photos", tuple(self.photos))
        object.__setattr__(self, "materials", tuple(self.materials))
        if self.mode is not None:
            object.__setattr__(self, "mode", _member(InspectionMethod, self.mode))

    def to_json(self) -> dict[str, JsonValue]:
        data: dict[str, JsonValue] = {
            "code": self.code,
            "result": str(self.result),
            "note": self.note,
            "photos": list(self.photos),
        }
        if self.mode is not None:
            data["mode"] = str(self.mode)
            data["materials"] = list(self.materials)
            data["online"] = None if self.online is None else self.online.to_json()
            data["lab"] = None if self.lab is None else self.lab.to_json()
        return data


@dataclass(frozen=True, kw_only=True)
class Record:
    """检查记录: what a team found at one entity, signed on the device (DESIGN §4).

    Immutable once signed: a correction is a new record whose ``supersedes`` is the hash of the
    record it replaces. Build it with keywords; it validates itself and raises ``ValidationError``.
    """

    id: str
    task_id: str
    credit_code: str
    inspectors: tuple[str, ...]
    items: tuple[RecordItem, ...]
    outcome: Outcome
    note: str = ""
    location: Location | None
    started_at: str
    finished_at: str
    device_id: str
    seq: int
    prev: str | None
    supersedes: str | None = None
    revised_at: str | None = None
    """When a revision was signed; the visit's own times stay in ``started_at``/``finished_at``."""
    notice: Notice | None = None
    acknowledgement: Acknowledgement | None = None

    @property
    def v(self) -> int:
        """The record's format: 4 when its items name how they were checked, 3 when its
        acknowledgement names what it covers, 2 when it carries any other field of the
        现场检查笔录, else 1."""
        if any(item.mode is not None for item in self.items):
            return RECORD_VERSION
        if self.acknowledgement is not None and self.acknowledgement.covers is not None:
            return BOUND_VERSION
        extended = (self.revised_at, self.notice, self.acknowledgement)
        return 2 if any(x is not None for x in extended) else 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "inspectors", tuple(self.inspectors))
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "outcome", _member(Outcome, self.outcome))
        ack = self.acknowledgement
        if (self.v == RECORD_VERSION and self.supersedes is None and ack is not None
                and ack.kind in BOUND_KINDS and ack.covers is None):
            # Format 4 binds as format 3 does: a first record's signature or refusal covers its
            # own content (what ``bind_acknowledgement`` gives a format 3 record).
            object.__setattr__(self, "acknowledgement",
                               dataclasses.replace(ack, covers=content_hash(self.to_json())))
        problems = _record_problems(self.to_json())
        if problems:
            raise ValidationError(problems)

    def to_json(self) -> dict[str, JsonValue]:
        """The record as the JSON object that is hashed, signed and sent."""
        data: dict[str, JsonValue] = {
            "v": self.v,
            "id": self.id,
            "task_id": self.task_id,
            "credit_code": self.credit_code,
            "inspectors": list(self.inspectors),
            "items": [item.to_json() for item in self.items],
            "outcome": str(self.outcome),
            "note": self.note,
            "location": None if self.location is None else self.location.to_json(),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "device_id": self.device_id,
            "seq": self.seq,
            "prev": self.prev,
            "supersedes": self.supersedes,
        }
        if self.v > 1:
            data["revised_at"] = self.revised_at
            data["notice"] = None if self.notice is None else self.notice.to_json()
            data["acknowledgement"] = (None if self.acknowledgement is None
                                       else self.acknowledgement.to_json())
        return data


def content_hash(record: Mapping[str, object]) -> str:
    """The SHA-256 (hex) of the JCS form of a record's ``CONTENT_KEYS``: what an enterprise's
    acknowledgement covers. ``record`` is a record's JSON (``Record.to_json()``)."""
    return hashlib.sha256(canonical_bytes({key: record.get(key) for key in CONTENT_KEYS})).hexdigest()


def acknowledges_content(record: Record) -> bool | None:
    """Whether the enterprise's signature or refusal was given on this record's own content.

    True: it was (a first record, or a revision the enterprise answered again); False: it was
    given on other content (a revision that changed what the enterprise saw: 修订内容未经企业确认);
    None: there is nothing to tell (no acknowledgement, nobody present) or the record alone cannot
    tell (a format 2 revision: the platform compares it with the record it corrects)."""
    ack = record.acknowledgement
    if ack is None or ack.kind == AcknowledgementKind.ABSENT:
        return None
    if ack.covers is None:
        return True if record.supersedes is None else None
    return ack.covers == content_hash(record.to_json())


def bind_acknowledgement(record: Record, covers: str | None = None) -> Record:
    """``record`` with its signed or refused acknowledgement bound (format 3) to ``covers``, by
    default its own content: what the app signs. A revision that keeps the visit's
    acknowledgement passes the hash that acknowledgement covered."""
    ack = record.acknowledgement
    if ack is None or ack.kind == AcknowledgementKind.ABSENT:
        return record
    data = record.to_json()
    acknowledgement = data["acknowledgement"]
    assert isinstance(acknowledgement, dict)
    acknowledgement["covers"] = covers or content_hash(data)
    data["v"] = max(record.v, BOUND_VERSION)
    return validate_record(data)


def new_record_id() -> str:
    """A fresh record id (UUID 4), made on the device: the record's idempotency key."""
    return str(uuid.uuid4())


def validate_record(data: Mapping[str, object]) -> Record:
    """The ``Record`` for a JSON object; raises ``ValidationError`` listing every problem."""
    problems = _record_problems(data)
    if problems:
        raise ValidationError(problems)
    # Every type below was checked by _record_problems; the casts only tell the type checker.
    items = cast(list[Mapping[str, object]], data["items"])
    location = cast(Mapping[str, object] | None, data["location"])
    return Record(
        id=cast(str, data["id"]),
        task_id=cast(str, data["task_id"]),
        credit_code=cast(str, data["credit_code"]),
        inspectors=tuple(cast(list[str], data["inspectors"])),
        items=tuple(
            RecordItem(
                code=cast(str, item["code"]),
                result=ItemResult(cast(str, item["result"])),
                note=cast(str, item["note"]),
                photos=tuple(cast(list[str], item["photos"])),
                mode=None if item.get("mode") is None else InspectionMethod(cast(str, item["mode"])),
                materials=tuple(cast(list[str], item.get("materials", []))),
                online=online_from_json(cast(Mapping[str, object] | None, item.get("online"))),
                lab=lab_from_json(cast(Mapping[str, object] | None, item.get("lab"))),
            )
            for item in items
        ),
        outcome=Outcome(cast(str, data["outcome"])),
        note=cast(str, data["note"]),
        location=None
        if location is None
        else Location(
            lat=cast(float, location["lat"]),
            lon=cast(float, location["lon"]),
            accuracy_m=cast(float | None, location["accuracy_m"]),
            source=LocationSource(cast(str, location["source"])),
        ),
        started_at=cast(str, data["started_at"]),
        finished_at=cast(str, data["finished_at"]),
        device_id=cast(str, data["device_id"]),
        seq=cast(int, data["seq"]),
        prev=cast(str | None, data["prev"]),
        supersedes=cast(str | None, data["supersedes"]),
        revised_at=cast(str | None, data.get("revised_at")),
        notice=notice_from_json(cast(Mapping[str, object] | None, data.get("notice"))),
        acknowledgement=acknowledgement_from_json(
            cast(Mapping[str, object] | None, data.get("acknowledgement"))),
    )


def check_items_answered(record: Record, task_item_codes: Iterable[str]) -> list[Problem]:
    """What keeps ``record`` from answering every item of its task exactly once (empty: nothing).

    A valid record already answers each item at most once; this adds the task's view: no item of
    the task left out, and no item that is not the task's.
    """
    expected = list(dict.fromkeys(task_item_codes))
    answered = [item.code for item in record.items]
    problems = [
        Problem("items", f"抽查事项「{code}」未填写检查结论")
        for code in expected
        if code not in answered
    ]
    problems += [
        Problem("items", f"抽查事项「{code}」不属于本任务")
        for code in answered
        if code not in expected
    ]
    return problems


def photo_hashes(record: Record) -> set[str]:
    """The SHA-256 names of every file the record covers (what must reach the photo store): the
    items' photos, materials and screenshots, and the enterprise's signature PNG or the photos
    of its refusal."""
    files = {photo for item in record.items for photo in item.photos}
    files.update(sha for item in record.items for sha in item.materials)
    files.update(sha for item in record.items if item.online is not None
                 for sha in item.online.screenshots)
    if record.acknowledgement is not None:
        files.update(record.acknowledgement.files)
    return files


class _Check(ModeCheck):
    """Collects the problems of one record's JSON."""

    def identifier(
        self, value: object, field: str, label: str, max_len: int = MAX_ID_LENGTH
    ) -> None:
        if not isinstance(value, str) or not value.strip():
            self.add(field, f"{label}不能为空")
        elif value != value.strip():
            self.add(field, f"{label}「{value}」首尾不能有空白字符")
        elif len(value) > max_len:
            self.add(field, f"{label}不能超过{max_len}个字符")

    def note(self, value: object, field: str, label: str) -> None:
        if not isinstance(value, str):
            self.add(field, f"{label}应为文本（可为空）")
        elif len(value) > MAX_NOTE_LENGTH:
            self.add(field, f"{label}不能超过{MAX_NOTE_LENGTH}个字符，实为{len(value)}个")

    def label(self, value: object, kind: type[enum.StrEnum], field: str, label: str) -> None:
        if not isinstance(value, str) or value not in {m.value for m in kind}:
            allowed = "、".join(m.value for m in kind)
            self.add(field, f"{label}「{value}」无效，应为：{allowed}")

    def hash_or_null(self, value: object, field: str, label: str) -> None:
        if value is not None and not is_sha256_hex(value):
            self.add(field, f"{label}应为64位小写十六进制的SHA-256值或null")

    def number(self, value: object, field: str, label: str, low: float, high: float) -> None:
        in_range = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )
        if not in_range:
            self.add(field, f"{label}应为{low}到{high}之间的数值，实为「{value}」")


def _record_problems(data: Mapping[str, object]) -> list[Problem]:
    """Every rule the JSON object ``data`` breaks as a record; empty when it is a valid record."""
    if not isinstance(data, Mapping):
        return [Problem(ROOT, "记录应为JSON对象")]
    check = _Check()
    v = data.get("v")
    known = isinstance(v, int) and not isinstance(v, bool) and v in FORMATS
    v2 = known and v != 1
    check.keys(data, RECORD_KEYS_V2 if v2 else RECORD_KEYS, "")
    if "v" in data and not known:
        check.add("v", f"不支持的记录格式版本「{v}」，应为{'、'.join(map(str, FORMATS))}")
    if "id" in data and not (isinstance(data["id"], str) and _UUID4.fullmatch(data["id"])):
        check.add("id", "记录编号应为小写的第4版UUID，例如3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f")
    if "task_id" in data:
        check.identifier(data["task_id"], "task_id", "任务编号")
    if "credit_code" in data:
        code = data["credit_code"]
        problem = credit_code_problem(code) if isinstance(code, str) else "统一社会信用代码应为文本"
        if problem is not None:
            check.add("credit_code", problem)
    if "inspectors" in data:
        _check_inspectors(check, data["inspectors"])
    if "items" in data:
        _check_items(check, data["items"], v4=v == RECORD_VERSION, finished_at=data.get("finished_at"))
        if v2:
            _check_failed_items_explained(check, data["items"])
    if "outcome" in data:
        check.label(data["outcome"], Outcome, "outcome", "检查结果")
        if data["outcome"] == Outcome.NO_PROBLEM and _any_failed(data.get("items")):
            check.add("outcome", "有事项检查结论为「不合格」，检查结果不能是「未发现问题」")
    if "note" in data:
        check.note(data["note"], "note", "备注")
    if "location" in data:
        _check_location(check, data["location"])
    _check_times(check, data)
    if "device_id" in data:
        check.identifier(data["device_id"], "device_id", "设备编号")
    _check_chain_fields(check, data)
    if v2:
        check.problems += _on_site_problems(data, v=cast(int, v))
    return check.problems


def _check_inspectors(check: _Check, inspectors: object) -> None:
    if not isinstance(inspectors, list | tuple):
        check.add("inspectors", "检查人员应为人员编号的列表")
        return
    for i, inspector in enumerate(inspectors):
        check.identifier(inspector, f"inspectors[{i}]", "检查人员编号")
    if len(inspectors) < MIN_TEAM_SIZE:
        check.add("inspectors", f"检查人员不得少于{MIN_TEAM_SIZE}人")
    hashable = [i for i in inspectors if isinstance(i, str)]
    if len(set(hashable)) != len(hashable):
        check.add("inspectors", "检查人员不能重复")


def _check_items(check: _Check, items: object, *, v4: bool, finished_at: object) -> None:
    if not isinstance(items, list | tuple):
        check.add("items", "检查事项应为列表")
        return
    if not items:
        check.add("items", "至少需要一个抽查事项的检查结论")
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"items[{i}]"
        if not isinstance(item, Mapping):
            check.add(path, "每个检查事项应为JSON对象")
            continue
        check.keys(item, ITEM_KEYS_V4 if v4 else ITEM_KEYS, path)
        code = item.get("code")
        if "code" in item:
            check.identifier(code, f"{path}.code", "事项编码")
        if isinstance(code, str):
            if code in seen:
                check.add(f"{path}.code", f"抽查事项「{code}」重复填写")
            seen.add(code)
        if "result" in item and (v4 or item["result"] != ItemResult.AWAITING_LAB):
            check.label(item["result"], ItemResult, f"{path}.result", "检查结论")
        elif "result" in item:
            check.add(f"{path}.result", f"「{ItemResult.AWAITING_LAB}」只见于格式{RECORD_VERSION}的记录")
        if "note" in item:
            check.note(item["note"], f"{path}.note", "事项说明")
        if "photos" in item:
            check.photo_list(item["photos"], f"{path}.photos", duplicate="同一事项中的照片不能重复")
        if v4:
            check.mode_fields(item, path, finished_at=finished_at)


def _check_failed_items_explained(check: _Check, items: object) -> None:
    if not isinstance(items, list | tuple):
        return
    for i, item in enumerate(items):
        if (isinstance(item, Mapping) and item.get("result") == ItemResult.FAIL
                and isinstance(item.get("note"), str) and not item["note"].strip()):
            check.add(f"items[{i}].note", "检查结论为「不合格」的事项须填写情况说明")


def _on_site_problems(data: Mapping[str, object], *, v: int) -> list[Problem]:
    """The rules of format 2's, 3's and 4's own fields: the revision time, the notice, the
    acknowledgement (formats 3 and 4 name the content a signature or refusal covers). A format 4
    record none of whose items is 实地核查 (``_modes.is_off_site``) has neither notice nor
    acknowledgement: it was done from the office."""
    check = AckCheck()
    bound = v >= BOUND_VERSION
    off_site = v == RECORD_VERSION and is_off_site(data.get("items"))
    supersedes, revised_at = data.get("supersedes"), data.get("revised_at")
    finished = _time(None, data.get("finished_at"), "finished_at", "结束时间")
    if "revised_at" in data:
        if supersedes is None and revised_at is not None:
            check.add("revised_at", "只有修订记录（supersedes非null）才有修订时间")
        elif supersedes is not None and revised_at is None:
            check.add("revised_at", "修订记录须给出修订时间")
        elif revised_at is not None:
            revised = _time(check, revised_at, "revised_at", "修订时间")
            if revised is not None and finished is not None and revised < finished:
                check.add("revised_at", "修订时间不能早于原检查的结束时间")
    ack, notice = data.get("acknowledgement"), data.get("notice")
    kind = None
    if off_site:
        if ack is not None:
            check.add("acknowledgement", "非现场检查（书面检查、网络监测）没有企业的现场确认，应为null")
        if notice is not None:
            check.add("notice", "非现场检查（书面检查、网络监测）不向企业现场告知，应为null")
        ack = notice = None
    if ack is None and "acknowledgement" in data and supersedes is None and not off_site:
        check.add("acknowledgement", "记录须有企业确认（签字、拒签或无人在场）")
    elif ack is not None:
        kind = check.acknowledgement(ack, MAX_NOTE_LENGTH, bound=bound)
    if v == BOUND_VERSION:
        _check_bound(check, data, kind)
    elif bound:
        _check_covers(check, data)
    if kind == AcknowledgementKind.ABSENT:
        outcome = data.get("outcome")
        if outcome in {o.value for o in Outcome} and not Outcome(str(outcome)).fits_absence:
            fitting = "、".join(o.value for o in Outcome if o.fits_absence)
            check.add("outcome", f"企业无人在场时，检查结果只能是：{fitting}")
        if notice is not None:
            check.add("notice", "企业无人在场时不能有检查告知")
    elif kind is not None and notice is None and "notice" in data:
        check.add("notice", "企业签字或拒签前须先向其告知（亮证、检查依据和事项、回避和陈述申辩的权利）")
    elif ack is None and notice is not None and supersedes is not None:
        check.add("notice", "没有企业确认的修订记录不能有检查告知")
    if notice is not None:
        check.notice(notice, data.get("inspectors"))
        if isinstance(notice, Mapping) and "shown_at" in notice:
            shown = _time(check, notice["shown_at"], "notice.shown_at", "检查告知时间")
            if shown is not None and finished is not None and shown > finished:
                check.add("notice.shown_at", "检查告知时间不能晚于检查结束时间")
    return check.problems


def _check_bound(check: AckCheck, data: Mapping[str, object], kind: str | None) -> None:
    """Format 3: a signed or refused acknowledgement, and a first record's covers its content (a
    revision's may cover the record it corrects: what it then says is 修订内容未经企业确认)."""
    if data.get("acknowledgement") is None or (kind is not None and kind not in BOUND_KINDS):
        check.add("acknowledgement", f"格式{BOUND_VERSION}的记录须有企业签字或拒签的确认"
                  "（无人在场或没有企业确认的记录为格式2）")
        return
    _check_covers(check, data)


def _check_covers(check: AckCheck, data: Mapping[str, object]) -> None:
    """A first record's signature or refusal covers its own content."""
    ack = data.get("acknowledgement")
    covers = ack.get("covers") if isinstance(ack, Mapping) else None
    if (data.get("supersedes") is None and is_sha256_hex(covers)
            and covers != content_hash(data)):
        check.add("acknowledgement.covers", "企业确认应针对本记录的内容（covers应为本记录内容的SHA-256）")


def _time(check: AckCheck | None, value: object, field: str, label: str) -> dt.datetime | None:
    """``value`` as a time; a problem on ``field`` (when ``check`` is given) if it is not one."""
    try:
        return parse_rfc3339(value, field=field, label=label)
    except ValidationError as e:
        if check is not None:
            check.problems += e.problems
        return None


def _any_failed(items: object) -> bool:
    return isinstance(items, list | tuple) and any(
        isinstance(item, Mapping) and item.get("result") == ItemResult.FAIL for item in items
    )


def _check_location(check: _Check, location: object) -> None:
    if location is None:
        return
    if not isinstance(location, Mapping):
        check.add("location", "位置应为JSON对象或null")
        return
    check.keys(location, LOCATION_KEYS, "location")
    if "lat" in location:
        check.number(location["lat"], "location.lat", "纬度", -90, 90)
    if "lon" in location:
        check.number(location["lon"], "location.lon", "经度", -180, 180)
    if "source" in location:
        check.label(location["source"], LocationSource, "location.source", "位置来源")
    if "accuracy_m" not in location:
        return
    accuracy = location["accuracy_m"]
    source = location.get("source")
    if source == LocationSource.TYPED and accuracy is not None:
        check.add("location.accuracy_m", "手工输入的位置没有定位精度，应为null")
    elif source == LocationSource.DEVICE or accuracy is not None:
        check.number(accuracy, "location.accuracy_m", "定位精度（米）", 0, MAX_ACCURACY_M)


def _check_times(check: _Check, data: Mapping[str, object]) -> None:
    times = {}
    for field, label in (("started_at", "开始时间"), ("finished_at", "结束时间")):
        if field not in data:
            continue
        try:
            times[field] = parse_rfc3339(data[field], field=field, label=label)
        except ValidationError as e:
            check.problems += e.problems
    if len(times) == 2 and times["finished_at"] < times["started_at"]:
        check.add("finished_at", "结束时间不能早于开始时间")


def _check_chain_fields(check: _Check, data: Mapping[str, object]) -> None:
    seq = data.get("seq")
    seq_ok = isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= MAX_SAFE_INTEGER
    if "seq" in data and not seq_ok:
        check.add("seq", f"序号应为不小于1的整数，实为「{seq}」")
    if "prev" in data:
        prev = data["prev"]
        check.hash_or_null(prev, "prev", "前一条记录的哈希")
        if seq_ok and (seq == 1) != (prev is None):
            message = (
                "本设备第1条记录的前一条记录哈希应为null"
                if seq == 1
                else ("序号大于1的记录须给出本设备前一条记录的哈希")
            )
            check.add("prev", message)
    if "supersedes" in data:
        check.hash_or_null(data["supersedes"], "supersedes", "被更正记录的哈希")
