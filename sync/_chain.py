"""Each device's chain of records: ``seq`` counts them from 1 and ``prev`` names the previous hash.

The server keeps, per device, the head of the chain: ``ChainHead(seq, hash)`` of the accepted
record with the highest ``seq``. ``check_chain`` compares an incoming record with it:

=========  ==========================================================  ========
verdict    when                                                        accepted
=========  ==========================================================  ========
FIRST      no head, ``seq`` 1 (``prev`` is then null)                  yes
NEXT       ``seq`` = head + 1 and ``prev`` = head's hash               yes
GAP        ``seq`` > head + 1, or no head and ``seq`` > 1              yes, the missing seqs
                                                                       reported to supervisors
FORK       ``seq`` = head + 1 but ``prev`` ≠ head's hash, or ``prev``  no
           = head's hash with ``seq`` beyond head + 1
REPLAY     ``seq`` ≤ head: that place in the chain is already taken    no
=========  ==========================================================  ========

A gap is accepted because refusing it would hold every later record of the device hostage to one
deleted or lost record; the gap is what makes the deletion visible (DESIGN §4). Resending an
accepted record is not a replay: the server recognises the same ``id`` and bytes before it looks at
the chain (DESIGN §5). A record below the head under a new id is refused even when it falls in a
known gap, because the sync engine sends a device's records in ``seq`` order and moves past one only
once the server has answered it: nothing legitimately arrives late, and a gap once reported stays
a gap. Records missing after the head are invisible until the device sends a later one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from ._record import Record


@dataclass(frozen=True)
class ChainHead:
    """The device's accepted record with the highest ``seq``, and its hash."""

    seq: int
    hash: str


class ChainStatus(enum.StrEnum):
    """Where a record falls in its device's chain; the value is a machine-readable code."""

    FIRST = "first"
    NEXT = "next"
    GAP = "gap"
    FORK = "fork"
    REPLAY = "replay"


@dataclass(frozen=True)
class ChainVerdict:
    """The verdict of ``check_chain``: its status and, for a gap, the seqs that are missing."""

    status: ChainStatus
    missing: range = range(0)

    def __post_init__(self) -> None:
        if (self.status is ChainStatus.GAP) != bool(self.missing):
            raise ValueError("a gap, and only a gap, names the missing seqs")

    @property
    def accepted(self) -> bool:
        """Whether the server stores the record (a gap is stored, and reported)."""
        return self.status in (ChainStatus.FIRST, ChainStatus.NEXT, ChainStatus.GAP)

    @property
    def message(self) -> str:
        """The verdict in Chinese, for a supervisor's report or an error answer."""
        if self.status is ChainStatus.GAP:
            return f"本设备缺少{describe_seqs(self.missing)}记录，可能已在手机上被删除"
        return _MESSAGES[self.status]


_MESSAGES = {
    ChainStatus.FIRST: "本设备的第一条记录",
    ChainStatus.NEXT: "记录顺序连续",
    ChainStatus.FORK: "记录链分叉：前一条记录的哈希与本设备已接收的记录不符",
    ChainStatus.REPLAY: "序号已被本设备已接收的记录占用，疑似重放或篡改",
}


def check_chain(previous: ChainHead | None, record: Record) -> ChainVerdict:
    """Where ``record`` falls in its device's chain, given the head of what was accepted so far."""
    if previous is None:
        if record.seq == 1:
            return ChainVerdict(ChainStatus.FIRST)
        return ChainVerdict(ChainStatus.GAP, range(1, record.seq))
    expected = previous.seq + 1
    if record.seq < expected:
        return ChainVerdict(ChainStatus.REPLAY)
    follows_head = record.prev == previous.hash
    if record.seq == expected:
        return ChainVerdict(ChainStatus.NEXT if follows_head else ChainStatus.FORK)
    if follows_head:
        return ChainVerdict(ChainStatus.FORK)
    return ChainVerdict(ChainStatus.GAP, range(expected, record.seq))


def find_gaps(seqs: Iterable[int]) -> list[range]:
    """The runs of seqs missing from 1 up to the highest of ``seqs``, in order.

    ``find_gaps([1, 2, 5, 6, 9]) == [range(3, 5), range(7, 9)]``. Raises ``ValueError`` for a seq
    below 1.
    """
    present = sorted(set(seqs))
    if present and present[0] < 1:
        raise ValueError(f"seq must be at least 1, got {present[0]}")
    gaps = []
    expected = 1
    for seq in present:
        if seq > expected:
            gaps.append(range(expected, seq))
        expected = seq + 1
    return gaps


def describe_seqs(seqs: range) -> str:
    """A run of seqs in Chinese: ``第6号`` or ``第6–9号``."""
    if len(seqs) == 1:
        return f"第{seqs.start}号"
    return f"第{seqs.start}–{seqs[-1]}号"
