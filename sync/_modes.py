"""How each item was checked (issue 27 points 1 and 2): record format 4's fields of an item.

An item of a format 4 record carries, beside ``code``, ``result``, ``note`` and ``photos``:

* ``mode``: its 检查方式 (``InspectionMethod``), as the item list names it. 实地核查 is today's
  visit; 书面检查 reads the materials the enterprise submitted; 网络监测 looks at an address on the
  internet.
* ``materials``: the SHA-256 of each material the enterprise submitted (a photo of a page, or a
  PDF), hashed into the record like a photo and uploaded the same way. Only a 书面检查 item has
  materials, and one answered other than 不涉及 has at least one.
* ``online``: for a 网络监测 item, the address checked (an http or https URL), when it was
  checked and the screenshots taken (at least one); ``null`` for the other modes.
* ``lab``: ``null``, or the item sent for testing (委托有资质的机构开展检验检测): the sample, the
  laboratory and its accreditation number (资质认定证书编号). Such an item may be answered
  ``待检测`` (``ItemResult.AWAITING_LAB``) until the laboratory's report is in; the record then
  waits on the platform as 待检测结果.

A record whose items are none of them 实地核查 is an 非现场检查 (``off_site``): it is done from
the office, with no notice shown and no enterprise present to acknowledge it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ._acknowledgement import AckCheck
from ._canonical import JsonValue, parse_rfc3339
from ._exceptions import ValidationError
from ._model import InspectionMethod, ItemResult

MODE_ITEM_KEYS = ("mode", "materials", "online", "lab")
"""The keys format 4 adds to each item."""
ONLINE_KEYS = ("url", "checked_at", "screenshots")
LAB_KEYS = ("sample", "lab", "accreditation_no")
MAX_URL_LENGTH = 2000
MAX_LAB_TEXT = 200
MAX_ACCREDITATION_LENGTH = 40
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def url_problem(url: object) -> str | None:
    """Why ``url`` is not an address a 网络监测 item can name (None: it is one): an absolute
    http or https URL with a host, no spaces or control characters, at most ``MAX_URL_LENGTH``."""
    if not isinstance(url, str) or not url:
        return "检测网址不能为空"
    if len(url) > MAX_URL_LENGTH:
        return f"检测网址不能超过{MAX_URL_LENGTH}个字符"
    if _CONTROL.search(url):
        return "检测网址不能含空格或控制字符"
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return f"检测网址「{url}」无效"
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return f"检测网址「{url}」无效，应为以http://或https://开头的完整网址"
    return None


@dataclass(frozen=True)
class OnlineCheck:
    """网络监测: the address checked, when, and the screenshots taken of it."""

    url: str
    checked_at: str
    screenshots: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "screenshots", tuple(self.screenshots))

    def to_json(self) -> dict[str, JsonValue]:
        return {"url": self.url, "checked_at": self.checked_at, "screenshots": list(self.screenshots)}


@dataclass(frozen=True)
class LabTest:
    """委托检验检测: the sample sent, the laboratory and its accreditation number."""

    sample: str
    lab: str
    accreditation_no: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"sample": self.sample, "lab": self.lab, "accreditation_no": self.accreditation_no}


def online_from_json(data: Mapping[str, object] | None) -> OnlineCheck | None:
    if data is None:
        return None
    return OnlineCheck(url=str(data["url"]), checked_at=str(data["checked_at"]),
                       screenshots=tuple(str(s) for s in data["screenshots"]))  # type: ignore[attr-defined]


def lab_from_json(data: Mapping[str, object] | None) -> LabTest | None:
    if data is None:
        return None
    return LabTest(sample=str(data["sample"]), lab=str(data["lab"]),
                   accreditation_no=str(data["accreditation_no"]))


def is_off_site(items: object) -> bool:
    """Whether a format 4 record's items (JSON) are none of them 实地核查: an 非现场检查, done
    from the office without notice or acknowledgement."""
    return (isinstance(items, list | tuple) and bool(items)
            and all(isinstance(item, Mapping) and item.get("mode") in OFF_SITE_MODES
                    for item in items))


OFF_SITE_MODES = frozenset({InspectionMethod.DOCUMENTS.value, InspectionMethod.ONLINE.value})


class ModeCheck(AckCheck):
    """The checks of format 4's item fields, extended into the record's checker (``_record._Check``)."""

    def mode_fields(self, item: Mapping[str, object], path: str, *, finished_at: object) -> None:
        """Format 4's fields of one item (``path``: ``items[i]``)."""
        mode = item.get("mode")
        if "mode" in item and mode not in {m.value for m in InspectionMethod}:
            allowed = "、".join(m.value for m in InspectionMethod)
            self.add(f"{path}.mode", f"检查方式「{mode}」无效，应为：{allowed}")
        result = item.get("result")
        if "materials" in item:
            materials = item["materials"]
            self.photo_list(materials, f"{path}.materials", duplicate="同一事项中的材料不能重复")
            if mode == InspectionMethod.DOCUMENTS:
                if (isinstance(materials, list | tuple) and not materials
                        and result != ItemResult.NOT_APPLICABLE):
                    self.add(f"{path}.materials", "书面检查的事项须附企业提交的材料（照片或PDF）")
            elif isinstance(materials, list | tuple) and materials:
                self.add(f"{path}.materials", "只有书面检查的事项才附企业提交的材料")
        if "online" in item:
            self._online(item["online"], f"{path}.online", mode, finished_at)
        if "lab" in item:
            self._lab(item["lab"], f"{path}.lab")
            if result == ItemResult.AWAITING_LAB and item["lab"] is None:
                self.add(f"{path}.result", "只有送检的事项才能是「待检测」")

    def _online(self, online: object, path: str, mode: object, finished_at: object) -> None:
        if mode != InspectionMethod.ONLINE:
            if online is not None:
                self.add(path, "只有网络监测的事项才记录检测网址")
            return
        if not isinstance(online, Mapping):
            self.add(path, "网络监测的事项须记录检测网址、检测时间和截图")
            return
        self.keys(online, ONLINE_KEYS, path)
        if "url" in online and (problem := url_problem(online["url"])) is not None:
            self.add(f"{path}.url", problem)
        if "checked_at" in online:
            try:
                checked = parse_rfc3339(online["checked_at"], field=f"{path}.checked_at", label="检测时间")
            except ValidationError as e:
                for p in e.problems:
                    self.add(p.field, p.message)
            else:
                try:
                    finished = parse_rfc3339(finished_at, field="finished_at", label="结束时间")
                except ValidationError:
                    finished = None
                if finished is not None and checked > finished:
                    self.add(f"{path}.checked_at", "检测时间不能晚于检查结束时间")
        if "screenshots" in online:
            screenshots = online["screenshots"]
            self.photo_list(screenshots, f"{path}.screenshots", duplicate="截图不能重复")
            if isinstance(screenshots, list | tuple) and not screenshots:
                self.add(f"{path}.screenshots", "网络监测的事项至少须有一张网页截图")

    def _lab(self, lab: object, path: str) -> None:
        if lab is None:
            return
        if not isinstance(lab, Mapping):
            self.add(path, "送检信息应为JSON对象或null")
            return
        self.keys(lab, LAB_KEYS, path)
        for key, label, limit in (("sample", "样品", MAX_LAB_TEXT), ("lab", "检验检测机构", MAX_LAB_TEXT),
                                  ("accreditation_no", "资质认定证书编号", MAX_ACCREDITATION_LENGTH)):
            if key in lab:
                self.text(lab[key], f"{path}.{key}", label, limit)
