"""``core.db.in_chunks``: a province's list of codes split for ``IN (…)`` without losing one."""

from __future__ import annotations

from server_stub.core.db import IN_CHUNK, in_chunks


def test_every_value_once_in_order_and_no_chunk_too_long() -> None:
    values = [f"9137{n:014d}" for n in range(2 * IN_CHUNK + 1)]
    chunks = list(in_chunks(values))
    assert [len(c) for c in chunks] == [IN_CHUNK, IN_CHUNK, 1]
    assert [v for c in chunks for v in c] == values


def test_nothing_asks_nothing() -> None:
    assert list(in_chunks([])) == []
    assert list(in_chunks(("a", "b", "c"), 2)) == [["a", "b"], ["c"]]
