"""The enterprise's part of a 现场检查笔录 (record format 2): the notice it was given and how it
answered.

《行政处罚法》§55: the inspectors show their credentials and tell the enterprise what is inspected,
on what basis, and its rights (回避, 陈述申辩); the 笔录 is signed by the enterprise's responsible
person, or, when the enterprise refuses, the refusal is noted with a witness and photos. JSON::

    "notice": {"shown_at": "<RFC 3339>", "inspectors": [{"id", "name", "badge_no"}, ...]} | null
    "acknowledgement":
        {"kind": "signed", "name", "role", "statement", "signature": "<sha256 of the PNG>",
         "covers": "<sha256>"}
      | {"kind": "refused", "note", "witness": {"name", "unit"}, "photos": ["<sha256>", ...],
         "covers": "<sha256>"}
      | {"kind": "absent"}

``covers`` (record format 3, issue 24) is the SHA-256 of the content the enterprise was shown
when it signed or refused (``_record.content_hash``: the findings, the outcome, the place, the
times and the notice), so that an acknowledgement carried over into a revision says by itself
whether it covers the revision's findings; format 2 records have no ``covers`` and stay valid.

Why each rule:

* ``notice.inspectors`` is what was shown (亮证): the names and 执法证号 as the phone had them, in
  the record's ``inspectors`` order, so that the paper and the check page never depend on a
  directory that may change later.
* The signature is a PNG drawn on the phone's screen; like a photo it travels separately and the
  record covers it by its SHA-256, so it is signed with everything else.
* A refusal needs a witness (name, and unit or ID) and at least one photo: that is what the rules
  of 特种设备安全监督检查办法 §21 and 食品生产经营监督检查管理办法 §34 ask instead of a signature.
* Nobody present: nobody could be told anything, so there is no notice, and only the outcomes
  ``Outcome.fits_absence`` allows (无法联系-type) can stand.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._canonical import JsonValue, is_sha256_hex
from ._exceptions import Problem

MAX_PERSON_LENGTH = 40
MAX_UNIT_LENGTH = 100
MAX_SIGNATURE_BYTES = 256 * 1024
"""A finger signature is a few kilobytes of PNG; anything past this is not one."""
MAX_SIGNATURE_SIDE = 2000
"""The longest side, in pixels, a signature PNG may declare (checked before any decoding)."""

NOTICE_KEYS = ("shown_at", "inspectors")
MEMBER_KEYS = ("id", "name", "badge_no")
WITNESS_KEYS = ("name", "unit")


def _in_order_within(shown: list[object], inspectors: list[object]) -> bool:
    """Whether ``shown`` is ``inspectors`` with none or some left out, in the same order."""
    rest = iter(inspectors)
    return bool(shown) and all(any(i == s for i in rest) for s in shown)


class AcknowledgementKind(enum.StrEnum):
    """How the enterprise answered the record at the end of the visit."""

    SIGNED = "signed"
    """Its representative signed on the screen."""
    REFUSED = "refused"
    """It refused to sign; a witness and photos stand instead."""
    ABSENT = "absent"
    """Nobody of the enterprise was there."""


ACK_KEYS: dict[str, tuple[str, ...]] = {
    AcknowledgementKind.SIGNED: ("kind", "name", "role", "statement", "signature"),
    AcknowledgementKind.REFUSED: ("kind", "note", "witness", "photos"),
    AcknowledgementKind.ABSENT: ("kind",),
}
"""The keys of each kind in format 2; format 3 adds ``covers`` to the kinds in ``BOUND_KINDS``."""
BOUND_KINDS = (AcknowledgementKind.SIGNED, AcknowledgementKind.REFUSED)
"""The answers given on some content (nobody present answered nothing)."""


def ack_keys(kind: str, bound: bool) -> tuple[str, ...]:
    """The keys an acknowledgement of ``kind`` has, with ``covers`` when ``bound`` (format 3)."""
    keys = ACK_KEYS[kind]
    return (*keys, "covers") if bound and kind in BOUND_KINDS else keys


@dataclass(frozen=True)
class TeamMember:
    """An inspector as shown to the enterprise (亮证)."""

    id: str
    name: str
    badge_no: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"id": self.id, "name": self.name, "badge_no": self.badge_no}


@dataclass(frozen=True)
class Notice:
    """检查告知: when the notice screen was shown, and who showed their credentials."""

    shown_at: str
    inspectors: tuple[TeamMember, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inspectors", tuple(self.inspectors))

    def to_json(self) -> dict[str, JsonValue]:
        return {"shown_at": self.shown_at, "inspectors": [m.to_json() for m in self.inspectors]}


@dataclass(frozen=True)
class Witness:
    """见证人 of a refusal: a name, and a unit or an ID number."""

    name: str
    unit: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"name": self.name, "unit": self.unit}


@dataclass(frozen=True, kw_only=True)
class Acknowledgement:
    """The enterprise's answer; only the fields of its ``kind`` are used (see ``ACK_KEYS``)."""

    kind: AcknowledgementKind
    name: str = ""
    role: str = ""
    statement: str = ""
    """陈述意见: what the representative wished to state (may be empty)."""
    signature: str | None = None
    note: str = ""
    """How the refusal went, in the inspectors' words."""
    witness: Witness | None = None
    photos: tuple[str, ...] = ()
    covers: str | None = None
    """The SHA-256 of the content it was given on (format 3); None in format 2."""

    def __post_init__(self) -> None:
        kinds = {k.value for k in AcknowledgementKind}
        if self.kind in kinds:
            object.__setattr__(self, "kind", AcknowledgementKind(self.kind))
        object.__setattr__(self, "photos", tuple(self.photos))

    def to_json(self) -> dict[str, JsonValue]:
        data: dict[str, JsonValue]
        if self.kind == AcknowledgementKind.SIGNED:
            data = {"kind": str(self.kind), "name": self.name, "role": self.role,
                    "statement": self.statement, "signature": self.signature}
        elif self.kind == AcknowledgementKind.REFUSED:
            data = {"kind": str(self.kind), "note": self.note,
                    "witness": None if self.witness is None else self.witness.to_json(),
                    "photos": list(self.photos)}
        else:
            return {"kind": str(self.kind)}
        if self.covers is not None:
            data["covers"] = self.covers
        return data

    @property
    def files(self) -> tuple[str, ...]:
        """The SHA-256 names of the files this answer covers (signature PNG, refusal photos)."""
        if self.kind == AcknowledgementKind.SIGNED and self.signature:
            return (self.signature,)
        return self.photos if self.kind == AcknowledgementKind.REFUSED else ()


def notice_from_json(data: Mapping[str, object] | None) -> Notice | None:
    """The ``Notice`` of already validated JSON."""
    if data is None:
        return None
    members = data["inspectors"]
    assert isinstance(members, list)
    return Notice(shown_at=str(data["shown_at"]), inspectors=tuple(
        TeamMember(str(m["id"]), str(m["name"]), str(m["badge_no"])) for m in members))


def acknowledgement_from_json(data: Mapping[str, object] | None) -> Acknowledgement | None:
    """The ``Acknowledgement`` of already validated JSON."""
    if data is None:
        return None
    kind = AcknowledgementKind(str(data["kind"]))
    covers = data.get("covers")
    bound = None if covers is None else str(covers)
    if kind == AcknowledgementKind.SIGNED:
        return Acknowledgement(kind=kind, name=str(data["name"]), role=str(data["role"]),
                               statement=str(data["statement"]), signature=str(data["signature"]),
                               covers=bound)
    if kind == AcknowledgementKind.REFUSED:
        witness, photos = data["witness"], data["photos"]
        assert isinstance(witness, Mapping) and isinstance(photos, list)
        return Acknowledgement(kind=kind, note=str(data["note"]),
                               witness=Witness(str(witness["name"]), str(witness["unit"])),
                               photos=tuple(str(p) for p in photos), covers=bound)
    return Acknowledgement(kind=kind)


def signature_png_problem(data: bytes) -> str | None:
    """Why ``data`` cannot be a signature PNG (in Chinese), from its first bytes alone; None if
    it may be one. The platform decodes it fully as well; this catches the obvious without
    Pillow, on both sides."""
    if len(data) > MAX_SIGNATURE_BYTES:
        return f"签名图片过大（{len(data)}字节，上限{MAX_SIGNATURE_BYTES}字节）"
    if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return "签名图片应为PNG格式"
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIGNATURE_SIDE and 0 < height <= MAX_SIGNATURE_SIDE):
        return f"签名图片尺寸{width}×{height}无效（每边1到{MAX_SIGNATURE_SIDE}像素）"
    return None


class AckCheck:
    """Collects the problems of a record's ``notice`` and ``acknowledgement`` (and, extended in
    ``_record``, of the whole record)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def keys(self, value: Mapping[str, object], expected: Sequence[str], path: str) -> None:
        """Every key of ``expected`` present in ``value`` and no other (``path`` "" at the root)."""
        prefix = f"{path}." if path else ""
        for key in expected:
            if key not in value:
                self.add(f"{prefix}{key}", "缺少此字段")
        for key in value:
            if key not in expected:
                self.add(f"{prefix}{key}", "不是记录格式中的字段")

    def text(self, value: object, field: str, label: str, max_len: int, *,
             required: bool = True) -> None:
        if not isinstance(value, str):
            self.add(field, f"{label}应为文本")
        elif required and not value.strip():
            self.add(field, f"{label}不能为空")
        elif value != value.strip():
            self.add(field, f"{label}首尾不能有空白字符")
        elif len(value) > max_len:
            self.add(field, f"{label}不能超过{max_len}个字符")

    def text_in(self, value: Mapping[str, object], key: str, path: str, label: str,
                max_len: int, *, required: bool = True) -> None:
        """``text`` for ``value[key]`` when present (a missing key is reported by ``keys``)."""
        if key in value:
            self.text(value[key], f"{path}.{key}", label, max_len, required=required)

    def notice(self, notice: object, inspectors: object) -> None:
        """``notice`` names exactly the record's ``inspectors``, in order (its time is checked
        with the record's other times)."""
        if not isinstance(notice, Mapping):
            self.add("notice", "检查告知应为JSON对象")
            return
        self.keys(notice, NOTICE_KEYS, "notice")
        members = notice.get("inspectors")
        if "inspectors" not in notice:
            return
        if not isinstance(members, list) or not members:
            self.add("notice.inspectors", "检查告知应列出出示执法证件的检查人员")
            return
        ids = []
        for i, member in enumerate(members):
            path = f"notice.inspectors[{i}]"
            if not isinstance(member, Mapping):
                self.add(path, "检查人员应为JSON对象")
                continue
            self.keys(member, MEMBER_KEYS, path)
            self.text_in(member, "id", path, "人员编号", 80)
            self.text_in(member, "name", path, "姓名", MAX_PERSON_LENGTH)
            self.text_in(member, "badge_no", path, "执法证号", MAX_PERSON_LENGTH)
            ids.append(member.get("id"))
        if isinstance(inspectors, list | tuple) and not _in_order_within(ids, list(inspectors)):
            # a 专业技术人员 (issue 26) shows no 执法证, so may be left out; the platform, which
            # knows who is which, holds every 执法人员 of the record to having shown theirs
            self.add("notice.inspectors", "检查告知中的检查人员应为记录的检查人员，且顺序相同"
                                          "（专业技术人员不出示执法证，不列入）")

    def acknowledgement(self, ack: object, max_note: int, *, bound: bool) -> str | None:
        """Check ``ack`` (with ``covers`` when ``bound``: format 3); its kind when it names a
        valid one."""
        if not isinstance(ack, Mapping):
            self.add("acknowledgement", "企业确认应为JSON对象")
            return None
        kind = ack.get("kind")
        if kind not in ACK_KEYS:
            allowed = "、".join(ACK_KEYS)
            self.add("acknowledgement.kind", f"企业确认方式「{kind}」无效，应为：{allowed}")
            return None
        assert isinstance(kind, str)
        path = "acknowledgement"
        self.keys(ack, ack_keys(kind, bound), path)
        if "covers" in ack and not is_sha256_hex(ack["covers"]):
            self.add(f"{path}.covers", "企业确认所针对内容的哈希应为64位小写十六进制的SHA-256值")
        if kind == AcknowledgementKind.SIGNED:
            self.text_in(ack, "name", path, "企业签名人姓名", MAX_PERSON_LENGTH)
            self.text_in(ack, "role", path, "企业签名人职务", MAX_PERSON_LENGTH)
            self.text_in(ack, "statement", path, "陈述意见", max_note,
                      required=False)
            if not is_sha256_hex(ack.get("signature")):
                self.add(f"{path}.signature", "签名图片应以其64位小写十六进制的SHA-256给出")
        elif kind == AcknowledgementKind.REFUSED:
            self.text_in(ack, "note", path, "拒签情况", max_note, required=False)
            witness = ack.get("witness")
            if not isinstance(witness, Mapping):
                self.add(f"{path}.witness", "企业拒绝签字时须有见证人（姓名及单位或身份证号）")
            else:
                self.keys(witness, WITNESS_KEYS, f"{path}.witness")
                self.text_in(witness, "name", f"{path}.witness", "见证人姓名",
                          MAX_PERSON_LENGTH)
                self.text_in(witness, "unit", f"{path}.witness", "见证人单位或身份证号",
                          MAX_UNIT_LENGTH)
            self._refusal_photos(ack.get("photos"))
        return kind

    def _refusal_photos(self, photos: object) -> None:
        path = "acknowledgement.photos"
        if photos is None or photos == []:
            self.add(path, "企业拒绝签字时须拍摄至少一张照片")
        else:
            self.photo_list(photos, path, duplicate="照片不能重复")

    def photo_list(self, photos: object, path: str, *, duplicate: str) -> None:
        """A list of photo names (SHA-256), each once: an item's evidence or a refusal's."""
        if not isinstance(photos, list | tuple):
            self.add(path, "照片应为SHA-256值的列表")
            return
        for j, photo in enumerate(photos):
            if not is_sha256_hex(photo):
                self.add(f"{path}[{j}]", "照片名应为64位小写十六进制的SHA-256值")
        hashable = [p for p in photos if isinstance(p, str)]
        if len(set(hashable)) != len(hashable):
            self.add(path, duplicate)
