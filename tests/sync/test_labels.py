"""One word per state (issue 24 point 6): every state enum has one label table, and every member
of it a word of its own, so a new state cannot go unlabelled."""

from __future__ import annotations

import pytest

import sync
from sync import (
    OUTBOX_STATE_LABELS,
    RECORD_STATE_LABELS,
    ROLE_LABELS,
    SUPERSEDED,
    SUPERSEDED_LABEL,
    OutboxState,
    RecordState,
    Role,
    role_label,
    state_label,
)


@pytest.mark.parametrize(("kind", "table"), [(RecordState, RECORD_STATE_LABELS),
                                             (OutboxState, OUTBOX_STATE_LABELS),
                                             (Role, ROLE_LABELS)])
def test_every_member_has_a_word(kind: type, table: dict[object, str]) -> None:
    assert set(table) == set(kind)
    assert all(word and word.strip() == word for word in table.values())


def test_no_two_states_share_a_word() -> None:
    words = [*RECORD_STATE_LABELS.values(), *OUTBOX_STATE_LABELS.values(), SUPERSEDED_LABEL]
    assert len(words) == len(set(words)), words


def test_state_label_reads_the_tables() -> None:
    for state, word in (*RECORD_STATE_LABELS.items(), *OUTBOX_STATE_LABELS.items()):
        assert state_label(state) == state_label(str(state)) == word
    for role, word in ROLE_LABELS.items():
        assert role_label(role) == role_label(str(role)) == word
    assert role_label("auditor") == "auditor" and state_label("unknown") == "unknown"


def test_a_superseded_record_is_revised() -> None:
    assert state_label(SUPERSEDED) == SUPERSEDED_LABEL == "已修订"
    assert state_label(RecordState.RETURNED, superseded=True) == "已修订"
    assert state_label(RecordState.RETURNED) == "已退回"


def test_the_domain_words() -> None:
    """The words listed in docs/decisions.md (One word per state)."""
    assert dict(RECORD_STATE_LABELS) == {
        RecordState.INCOMPLETE: "照片未齐", RecordState.AWAITING_REPORT: "待检测结果",
        RecordState.SUBMITTED: "待审核", RecordState.RETURNED: "已退回",
        RecordState.APPROVED: "已通过", RecordState.PUBLISHED: "已公示"}
    assert dict(OUTBOX_STATE_LABELS) == {OutboxState.PENDING: "待同步", OutboxState.ACKED: "已上传",
                                         OutboxState.REJECTED: "平台拒收"}
    assert dict(ROLE_LABELS) == {Role.INSPECTOR: "执法检查人员", Role.SUPERVISOR: "审核人"}
    assert sync.SUPERSEDED == "superseded"
