"""One word per state (STYLE 9, issue 24 point 6): the one label table of each state enum, read
by every screen, export and page of the app and the platform.

A record's word does not depend on who reads it: the inspector's 同步 line, the task list, the
supervisor's 审核 and the Excel export say the same word for the same state. A returned record
that a revision replaced is ``superseded`` (已修订): no longer the record to act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._states import OutboxState, RecordState, Role

RECORD_STATE_LABELS: Mapping[RecordState, str] = MappingProxyType({
    RecordState.INCOMPLETE: "照片未齐",
    RecordState.AWAITING_REPORT: "待检测结果",
    RecordState.SUBMITTED: "待审核",
    RecordState.RETURNED: "已退回",
    RecordState.APPROVED: "已通过",
    RecordState.PUBLISHED: "已公示",
})
SUPERSEDED = "superseded"
"""Not a state of its own on the platform (a returned record with a revision that names it), but
a word of its own on every screen: the key ``state_label`` reads it by."""
SUPERSEDED_LABEL = "已修订"
OUTBOX_STATE_LABELS: Mapping[OutboxState, str] = MappingProxyType({
    OutboxState.PENDING: "待同步",
    OutboxState.ACKED: "已上传",
    OutboxState.REJECTED: "平台拒收",
})
ROLE_LABELS: Mapping[Role, str] = MappingProxyType({
    Role.INSPECTOR: "执法检查人员",
    Role.SUPERVISOR: "审核人",
})

_LABELS: Mapping[str, str] = MappingProxyType({
    **{str(k): v for k, v in RECORD_STATE_LABELS.items()},
    **{str(k): v for k, v in OUTBOX_STATE_LABELS.items()},
    SUPERSEDED: SUPERSEDED_LABEL,
})
_ROLES: Mapping[str, str] = MappingProxyType({str(k): v for k, v in ROLE_LABELS.items()})


def state_label(state: str, *, superseded: bool = False) -> str:
    """The word for a record's platform state or a phone's outbox state (or ``superseded``);
    an unknown value is shown as it is. ``superseded`` wins over the state."""
    if superseded:
        return SUPERSEDED_LABEL
    return _LABELS.get(str(state), str(state))


def role_label(role: str) -> str:
    """The word for a device's role; an unknown value is shown as it is."""
    return _ROLES.get(str(role), str(role))
