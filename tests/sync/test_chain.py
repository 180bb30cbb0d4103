from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import (
    ChainHead,
    ChainStatus,
    ChainVerdict,
    Record,
    check_chain,
    describe_seqs,
    find_gaps,
    record_hash,
    validate_record,
)
from tests.sync.factories import make_record, photo


def record(seq: int, prev: str | None) -> Record:
    return validate_record(make_record(seq=seq, prev=prev))


def chain(length: int) -> list[Record]:
    """A device's records 1..length, each naming the hash of the one before."""
    records = [record(1, None)]
    for seq in range(2, length + 1):
        records.append(record(seq, record_hash(records[-1].to_json())))
    return records


def head_of(r: Record) -> ChainHead:
    return ChainHead(r.seq, record_hash(r.to_json()))


RECORDS = chain(6)
HEAD_3 = head_of(RECORDS[2])
STRANGER = photo("a record this device never sent")


@pytest.mark.parametrize(
    ("previous", "seq", "prev", "status", "missing"),
    [
        (None, 1, None, ChainStatus.FIRST, range(0)),
        (None, 4, STRANGER, ChainStatus.GAP, range(1, 4)),
        (HEAD_3, 4, HEAD_3.hash, ChainStatus.NEXT, range(0)),
        (HEAD_3, 4, STRANGER, ChainStatus.FORK, range(0)),
        (HEAD_3, 5, STRANGER, ChainStatus.GAP, range(4, 5)),
        (HEAD_3, 9, STRANGER, ChainStatus.GAP, range(4, 9)),
        (HEAD_3, 9, HEAD_3.hash, ChainStatus.FORK, range(0)),
        (HEAD_3, 3, record_hash(RECORDS[1].to_json()), ChainStatus.REPLAY, range(0)),
        (HEAD_3, 2, record_hash(RECORDS[0].to_json()), ChainStatus.REPLAY, range(0)),
        (HEAD_3, 1, None, ChainStatus.REPLAY, range(0)),
    ],
)
def test_verdicts(
    previous: ChainHead | None, seq: int, prev: str | None, status: ChainStatus, missing: range
) -> None:
    verdict = check_chain(previous, record(seq, prev))
    assert verdict == ChainVerdict(status, missing)
    assert verdict.accepted is (status in {ChainStatus.FIRST, ChainStatus.NEXT, ChainStatus.GAP})


def test_an_unbroken_chain_is_accepted_record_by_record() -> None:
    head = None
    for r in RECORDS:
        verdict = check_chain(head, r)
        assert verdict.status is (ChainStatus.FIRST if head is None else ChainStatus.NEXT)
        head = head_of(r)


def test_a_deleted_record_shows_as_a_gap_and_cannot_be_slipped_in_later() -> None:
    head = head_of(RECORDS[2])
    after_gap = check_chain(head, RECORDS[4])  # record 4 was deleted on the phone
    assert after_gap.status is ChainStatus.GAP and after_gap.missing == range(4, 5)
    assert after_gap.accepted
    head = head_of(RECORDS[4])
    assert check_chain(head, RECORDS[3]).status is ChainStatus.REPLAY
    assert check_chain(head, RECORDS[5]).status is ChainStatus.NEXT


def test_an_old_record_replayed_under_a_new_id_is_refused() -> None:
    old = RECORDS[3].to_json()
    replay = validate_record({**old, "id": "0d6f1c2a-5b3e-4c7d-9e8f-1a2b3c4d5e6f"})
    verdict = check_chain(head_of(RECORDS[5]), replay)
    assert verdict.status is ChainStatus.REPLAY and not verdict.accepted


def test_messages() -> None:
    assert ChainVerdict(ChainStatus.GAP, range(4, 5)).message == (
        "本设备缺少第4号记录，可能已在手机上被删除"
    )
    assert ChainVerdict(ChainStatus.GAP, range(4, 9)).message.startswith("本设备缺少第4–8号记录")
    assert "分叉" in ChainVerdict(ChainStatus.FORK).message
    assert "重放" in ChainVerdict(ChainStatus.REPLAY).message
    assert all(ChainVerdict(s).message for s in ChainStatus if s is not ChainStatus.GAP)


@pytest.mark.parametrize(
    ("status", "missing"), [(ChainStatus.GAP, range(0)), (ChainStatus.NEXT, range(3, 4))]
)
def test_only_a_gap_names_missing_seqs(status: ChainStatus, missing: range) -> None:
    with pytest.raises(ValueError, match="only a gap"):
        ChainVerdict(status, missing)


@pytest.mark.parametrize(
    ("seqs", "gaps"),
    [
        ([], []),
        ([1], []),
        ([1, 2, 3], []),
        ([3, 1, 2, 2], []),
        ([2], [range(1, 2)]),
        ([1, 2, 5, 6, 9], [range(3, 5), range(7, 9)]),
        ([9, 5, 1, 6, 2], [range(3, 5), range(7, 9)]),
        ((s for s in (4, 10)), [range(1, 4), range(5, 10)]),
    ],
)
def test_find_gaps(seqs: list[int], gaps: list[range]) -> None:
    assert find_gaps(seqs) == gaps


@pytest.mark.parametrize("seqs", [[0, 1], [-2, 3]])
def test_find_gaps_refuses_seqs_below_one(seqs: list[int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        find_gaps(seqs)


@given(st.sets(st.integers(1, 200)))
def test_gaps_and_seqs_partition_one_to_the_highest(seqs: set[int]) -> None:
    gaps = find_gaps(seqs)
    missing = [s for gap in gaps for s in gap]
    assert sorted(missing + list(seqs)) == list(range(1, max(seqs, default=0) + 1))
    assert all(len(gap) > 0 for gap in gaps)
    assert all(a.stop < b.start for a, b in itertools.pairwise(gaps))


def test_describe_seqs() -> None:
    assert describe_seqs(range(6, 7)) == "第6号"
    assert describe_seqs(range(6, 10)) == "第6–9号"
