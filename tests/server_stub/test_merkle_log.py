"""The platform's Merkle logs in the database: appends, signed heads, proofs that ``sync`` alone
verifies, a rewritten or removed leaf caught, the database refusing edits, and one order under
concurrent appends (on PostgreSQL when the suite runs there)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from server_stub.core import merkle_log
from server_stub.core import tables as t
from server_stub.core.db import make_engine, migrate
from server_stub.core.merkle_log import Log
from sync import (
    TreeHead,
    canonical_bytes,
    entry_leaf_hash,
    generate_key,
    public_key_b64,
    read_tree_head,
    verify_consistency,
    verify_inclusion,
)

KEY = generate_key()
NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def entry(i: int) -> dict[str, object]:
    return {"kind": "test", "n": i, "at": NOW.isoformat()}


def test_appends_heads_and_proofs(engine: sa.Engine) -> None:
    heads = []
    for i in range(12):
        with engine.begin() as conn:
            assert merkle_log.append(conn, Log.PUBLICATION, entry(i)) == i
            heads.append(merkle_log.sign_head(conn, Log.PUBLICATION, KEY, NOW))
    public = public_key_b64(KEY)
    with engine.connect() as conn:
        assert merkle_log.size_of(conn, Log.PUBLICATION) == 12
        assert merkle_log.size_of(conn, Log.AUDIT) == 0
        assert merkle_log.latest_head(conn, Log.PUBLICATION) == heads[-1]
        assert merkle_log.heads(conn, Log.PUBLICATION) == heads
        for i, signed in enumerate(heads):
            head = read_tree_head(signed, public)
            assert head.size == i + 1
            for j in range(head.size):
                stored = merkle_log.leaf(conn, Log.PUBLICATION, j)
                assert stored is not None and stored.entry == entry(j)
                assert stored.leaf_hash == entry_leaf_hash(entry(j))
                proof = merkle_log.inclusion(conn, Log.PUBLICATION, j, head.size)
                assert verify_inclusion(j, head.size, stored.leaf_hash, proof, head.root)
            for older in heads[:i]:
                old = read_tree_head(older, public)
                proof = merkle_log.consistency(conn, Log.PUBLICATION, old.size, head.size)
                assert verify_consistency(old.size, head.size, old.root, head.root, proof)
        assert merkle_log.verify_stored(conn, Log.PUBLICATION, KEY) == []
        assert merkle_log.leaf(conn, Log.PUBLICATION, 12) is None
        with pytest.raises(LookupError):
            merkle_log.inclusion(conn, Log.PUBLICATION, 0, 13)


def test_one_head_per_size(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        merkle_log.append(conn, Log.AUDIT, entry(0))
        first = merkle_log.sign_head(conn, Log.AUDIT, KEY, NOW)
        again = merkle_log.sign_head(conn, Log.AUDIT, KEY, NOW + dt.timedelta(hours=1))
    assert first == again


def test_an_entry_rolls_back_with_its_act(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        merkle_log.append(conn, Log.AUDIT, entry(0))
        raise RuntimeError("the act failed")
    with engine.connect() as conn:
        assert merkle_log.size_of(conn, Log.AUDIT) == 0
        assert merkle_log.leaf(conn, Log.AUDIT, 0) is None


def test_proofs_stay_true_after_the_kept_tree_read_leaves_that_rolled_back(engine: sa.Engine) -> None:
    """The tree a process keeps for proofs read leaves of a transaction that then failed; the
    leaves committed later at those indexes are proven, not the ones that never were."""
    with engine.begin() as conn:
        merkle_log.append_many(conn, Log.AUDIT, [entry(i) for i in range(3)])
    with pytest.raises(RuntimeError), engine.begin() as conn:
        merkle_log.append_many(conn, Log.AUDIT, [entry(100 + i) for i in range(4)])
        merkle_log.inclusion(conn, Log.AUDIT, 5, 7)  # read into the kept tree
        raise RuntimeError("the act failed")
    with engine.begin() as conn:
        merkle_log.append_many(conn, Log.AUDIT, [entry(i) for i in range(3, 9)])
        signed = merkle_log.sign_head(conn, Log.AUDIT, KEY, NOW)
    head = read_tree_head(signed, public_key_b64(KEY))
    with engine.connect() as conn:
        for j in range(9):
            proof = merkle_log.inclusion(conn, Log.AUDIT, j, 9)
            assert verify_inclusion(j, 9, entry_leaf_hash(entry(j)), proof, head.root)


@pytest.mark.parametrize("statement", [
    sa.update(t.log_entries).values(entry="{}"),
    sa.delete(t.log_entries),
    sa.update(t.tree_heads).values(root="0" * 64),
    sa.delete(t.tree_heads),
])
def test_the_database_refuses_to_rewrite_a_log(engine: sa.Engine, statement: sa.Executable) -> None:
    with engine.begin() as conn:
        merkle_log.append(conn, Log.PUBLICATION, entry(0))
        merkle_log.sign_head(conn, Log.PUBLICATION, KEY, NOW)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(statement)


def _drop_guards(conn: sa.Connection) -> None:
    """What someone with the database's owner rights could do: remove the triggers."""
    for table in ("log_entries", "tree_heads"):
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"DROP TRIGGER {table}_append_only ON {table}"))
        else:
            conn.execute(sa.text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(sa.text(f"DROP TRIGGER {table}_no_delete"))


@pytest.mark.parametrize("tamper", ["alter", "remove", "reorder", "resign"])
def test_a_rewritten_log_is_caught(engine: sa.Engine, tamper: str) -> None:
    for i in range(6):
        with engine.begin() as conn:
            merkle_log.append(conn, Log.AUDIT, entry(i))
            merkle_log.sign_head(conn, Log.AUDIT, KEY, NOW)
    e = t.log_entries
    with engine.begin() as conn:
        _drop_guards(conn)
        if tamper == "alter":  # a changed entry, its leaf hash recomputed to match
            changed = {**entry(2), "n": 99}
            conn.execute(e.update().where(e.c.idx == 2).values(
                entry=canonical_bytes(changed).decode(),
                leaf_hash=entry_leaf_hash(changed).hex()))
        elif tamper == "remove":
            conn.execute(e.delete().where(e.c.idx == 5))
        elif tamper == "reorder":
            rows = {r.idx: r for r in conn.execute(sa.select(e).where(e.c.idx.in_([1, 3])))}
            for a, b in ((1, 3), (3, 1)):
                conn.execute(e.update().where(e.c.log == "audit", e.c.idx == a)
                             .values(entry=rows[b].entry, leaf_hash=rows[b].leaf_hash))
        else:  # a head's signature replaced by one of another key
            other = generate_key()
            row = conn.execute(sa.select(t.tree_heads).where(t.tree_heads.c.size == 6)).one()
            forged = TreeHead(log="audit", size=6, root=bytes.fromhex(row.root),
                                         timestamp=row.timestamp).sign(other)
            conn.execute(t.tree_heads.update().where(t.tree_heads.c.size == 6)
                         .values(signature=forged["signature"]))
    with engine.connect() as conn:
        problems = merkle_log.verify_stored(conn, Log.AUDIT, KEY)
    assert problems, tamper


def test_concurrent_appends_give_one_log_without_gaps(engine: sa.Engine) -> None:
    writers, each = 6, 15
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for i in range(each):
                with engine.begin() as conn:
                    merkle_log.append(conn, Log.PUBLICATION, {"writer": w, "n": i})
                    merkle_log.sign_head(conn, Log.PUBLICATION, KEY, NOW)
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert merkle_log.size_of(conn, Log.PUBLICATION) == writers * each
        indexes = conn.execute(sa.select(t.log_entries.c.idx).order_by(t.log_entries.c.idx)).scalars()
        assert list(indexes) == list(range(writers * each))
        assert merkle_log.verify_stored(conn, Log.PUBLICATION, KEY) == []
        assert len(merkle_log.heads(conn, Log.PUBLICATION)) == writers * each
