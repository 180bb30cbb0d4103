"""后续处置: every way a finding 发现问题待后续处理 can end (issue 27 point 3), what each must name,
and what the public is told of it. One table, read by the phone's ledger and the platform.

The seeds (003): cases go to the enforcement office (立案查处); what is another department's
falls to it (抄告、移送相关部门); suspected crimes go to the judiciary (移送司法机关); leads of
officials' misconduct to the discipline commission (移送纪检监察); a first minor offence on the
city's list is not punished (首违不罚); guidance and interviews (行政指导、约谈) settle the rest.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

MAX_DETAIL_LENGTH = 100


class Disposal(enum.StrEnum):
    """How a follow-up was closed, in the order the ledger offers them."""

    CASE = "立案"
    CORRECTION = "责令改正"
    NO_PENALTY = "不予行政处罚"
    GUIDANCE = "行政指导/约谈"
    TRANSFER = "移送其他部门"
    COPY = "抄告相关部门"
    JUDICIARY = "移送司法机关"
    DISCIPLINE = "移送纪检监察"
    OTHER = "其他"

    @property
    def detail(self) -> str | None:
        """Which detail the disposal must name: ``case_no``, ``counterpart`` or ``list_entry``."""
        return _DETAIL.get(self)

    @property
    def public_result(self) -> str:
        """检查结果 as published once this disposal closes a 待后续处理."""
        return _PUBLIC[self]

    @property
    def public_name(self) -> str:
        """The disposal's name where the public sees it: its own, but for a transfer to the
        discipline commission, which the public sees as 其他 (docs/decisions.md says why)."""
        return Disposal.OTHER.value if self is Disposal.DISCIPLINE else self.value


_DETAIL: Mapping[Disposal, str] = MappingProxyType({
    Disposal.CASE: "case_no",
    Disposal.TRANSFER: "counterpart", Disposal.COPY: "counterpart",
    Disposal.JUDICIARY: "counterpart", Disposal.DISCIPLINE: "counterpart",
    Disposal.NO_PENALTY: "list_entry",
})

DETAIL_LABELS: Mapping[str, str] = MappingProxyType({
    "case_no": "案件编号", "counterpart": "接收部门（机关）", "list_entry": "首违不罚清单事项"})

_PUBLIC: Mapping[Disposal, str] = MappingProxyType({
    Disposal.CASE: "发现问题已立案查处",
    Disposal.CORRECTION: "发现问题经责令已改正",
    Disposal.NO_PENALTY: "发现问题依法不予行政处罚（首违不罚）",
    Disposal.GUIDANCE: "发现问题已行政指导（约谈）",
    Disposal.TRANSFER: "发现问题已移送相关部门处理",
    Disposal.COPY: "发现问题已抄告相关部门处理",
    Disposal.JUDICIARY: "发现问题已移送司法机关",
    Disposal.DISCIPLINE: "发现问题已依法处理",
    Disposal.OTHER: "发现问题已依法处理",
})

DISPOSAL_HINTS: Mapping[Disposal, str] = MappingProxyType({
    Disposal.JUDICIARY: "涉嫌犯罪",
    Disposal.DISCIPLINE: "涉嫌违纪或职务违法、职务犯罪的问题线索；公示为“其他”",
    Disposal.NO_PENALTY: "轻微违法，属首违不罚清单事项",
    Disposal.COPY: "不属本部门管辖，抄告有管辖权的部门",
})


def disposal_problem(disposal: object, details: Mapping[str, str | None]) -> str | None:
    """Why ``disposal`` with ``details`` (case_no, counterpart, list_entry) cannot close a
    follow-up (Chinese), or None. The detail a disposal needs must be given, the others not."""
    try:
        chosen = Disposal(str(disposal))
    except ValueError:
        return f"处置方式应为：{'、'.join(d.value for d in Disposal)}"
    for key, label in DETAIL_LABELS.items():
        value = (details.get(key) or "").strip()
        if key == chosen.detail and not value:
            return f"“{chosen.value}”须填写{label}"
        if key != chosen.detail and value:
            return f"“{chosen.value}”不填写{label}"
        if len(value) > MAX_DETAIL_LENGTH:
            return f"{label}不能超过{MAX_DETAIL_LENGTH}个字符"
    return None
