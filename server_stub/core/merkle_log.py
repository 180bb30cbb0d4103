"""The platform's append-only Merkle logs (DESIGN §10), kept in the database.

One machinery for two logs: ``publication`` (every publication, correction and withdrawal of a
result) and ``audit`` (every administrative act). An entry is appended in the transaction of the
act it records, so the act and its entry commit together or not at all. Appending locks the log's
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writers are serial already), so the database
gives each log one order, and the primary key ``(log, idx)`` makes a second leaf at one index
impossible. The database refuses to update or delete a leaf or a tree head (migration 0010).

The tree hashing, proofs and tree-head format are ``sync``'s, so that a verifier needs nothing
else; this module stores leaves, keeps each log's frontier for O(log n) appends, signs tree heads
with the platform's key and answers proofs from the stored leaf hashes, kept in memory as a
``MerkleTree`` per log so that a proof costs O(log² n) hashes (a public route must not let one
request hash the whole log).
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server_stub.core import clock
from server_stub.core import tables as t
from sync import (
    MerkleTree,
    TreeHead,
    ZscError,
    canonical_bytes,
    consistency_proof,
    extend_frontier,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    parse_json,
    public_key_b64,
    read_tree_head,
    tree_root,
)


class Log(enum.StrEnum):
    """The platform's logs; each is a row of ``merkle_logs`` from migration 0010 on."""

    PUBLICATION = "publication"
    AUDIT = "audit"


@dataclass(frozen=True)
class Leaf:
    """One stored entry of a log."""

    index: int
    entry: dict[str, Any]
    leaf_hash: bytes


def append(conn: sa.Connection, log: Log, entry: Mapping[str, Any]) -> int:
    """Appends ``entry`` (JSON that RFC 8785 can express) to ``log`` and returns its index.

    Must run in the transaction of the act the entry records. The entry carries its own time and
    everything a reader needs: the log adds nothing to it."""
    data = canonical_bytes(entry)
    row = conn.execute(sa.select(t.merkle_logs.c.size, t.merkle_logs.c.frontier)
                       .where(t.merkle_logs.c.name == log).with_for_update()).one()
    size, frontier = row.size, [bytes.fromhex(h) for h in row.frontier]
    digest = leaf_hash(data)
    conn.execute(t.log_entries.insert().values(log=log, idx=size, entry=data.decode(),
                                               leaf_hash=digest.hex()))
    frontier = extend_frontier(frontier, size, digest)
    conn.execute(t.merkle_logs.update().where(t.merkle_logs.c.name == log)
                 .values(size=size + 1, frontier=[h.hex() for h in frontier]))
    return int(size)


def append_many(conn: sa.Connection, log: Log, entries: Sequence[Mapping[str, Any]]) -> int:
    """Appends ``entries`` in their order, like :func:`append` each, and returns the index of the
    first. One lock, one insert of them all and one update of the frontier: a directory import
    writes one entry per row, and three statements per row would cost more than the import."""
    row = conn.execute(sa.select(t.merkle_logs.c.size, t.merkle_logs.c.frontier)
                       .where(t.merkle_logs.c.name == log).with_for_update()).one()
    first, frontier = int(row.size), [bytes.fromhex(h) for h in row.frontier]
    if not entries:
        return first
    rows = []
    for n, entry in enumerate(entries):
        data = canonical_bytes(entry)
        digest = leaf_hash(data)
        rows.append({"log": log, "idx": first + n, "entry": data.decode(), "leaf_hash": digest.hex()})
        frontier = extend_frontier(frontier, first + n, digest)
    conn.execute(t.log_entries.insert(), rows)
    conn.execute(t.merkle_logs.update().where(t.merkle_logs.c.name == log)
                 .values(size=first + len(rows), frontier=[h.hex() for h in frontier]))
    return first


def sign_head(conn: sa.Connection, log: Log, key: Ed25519PrivateKey,
              now: dt.datetime) -> dict[str, Any]:
    """Signs and keeps the tree head of ``log`` as it stands in this transaction, and returns it as
    published. A head already signed at this size is returned as it was: one head per size."""
    row = conn.execute(sa.select(t.merkle_logs.c.size, t.merkle_logs.c.frontier)
                       .where(t.merkle_logs.c.name == log).with_for_update()).one()
    signed = head_at(conn, log, row.size)
    if signed is not None:
        return signed
    head = TreeHead(log=log.value, size=row.size,
                    root=frontier_root([bytes.fromhex(h) for h in row.frontier]),
                    timestamp=clock.log_stamp(now))
    signed = head.sign(key)
    conn.execute(t.tree_heads.insert().values(log=log, size=head.size, root=head.root.hex(),
                                              timestamp=head.timestamp,
                                              signature=signed["signature"]))
    return signed


def _published(row: sa.Row[Any]) -> dict[str, Any]:
    head = TreeHead(log=row.log, size=row.size, root=bytes.fromhex(row.root),
                    timestamp=row.timestamp)
    return {**head.payload(), "signature": row.signature}


def latest_head(conn: sa.Connection, log: Log) -> dict[str, Any] | None:
    """The newest signed tree head of ``log``, or None before the first."""
    h = t.tree_heads
    row = conn.execute(sa.select(h).where(h.c.log == log).order_by(h.c.size.desc()).limit(1)).first()
    return _published(row) if row else None


def head_at(conn: sa.Connection, log: Log, size: int) -> dict[str, Any] | None:
    """The signed tree head of ``log`` at ``size`` leaves, if one was signed."""
    h = t.tree_heads
    row = conn.execute(sa.select(h).where(h.c.log == log, h.c.size == size)).first()
    return _published(row) if row else None


def heads(conn: sa.Connection, log: Log, *, from_size: int = 0,
          limit: int | None = None) -> list[dict[str, Any]]:
    """The signed tree heads of ``log``, oldest first: every one, or ``limit`` of them from size
    ``from_size`` on (a page of a long log)."""
    h = t.tree_heads
    return [_published(row) for row in conn.execute(
        sa.select(h).where(h.c.log == log, h.c.size >= from_size).order_by(h.c.size).limit(limit))]


def size_of(conn: sa.Connection, log: Log) -> int:
    return int(conn.execute(sa.select(t.merkle_logs.c.size)
                            .where(t.merkle_logs.c.name == log)).scalar_one())


_trees: weakref.WeakKeyDictionary[sa.Engine, dict[str, MerkleTree]] = weakref.WeakKeyDictionary()
_trees_lock = threading.Lock()


def _tree(conn: sa.Connection, log: Log, size: int) -> MerkleTree:
    """The log's tree as this process keeps it, read on from the database to at least ``size``
    leaves (only the leaves it has not read yet). Leaves never change once committed, so the
    kept tree stays true; should it ever hold a leaf the database does not (read in a
    transaction later rolled back), its last leaf differs from the stored one and it is read
    again from the start."""
    e = t.log_entries
    with _trees_lock:
        trees = _trees.setdefault(conn.engine, {})
        tree = trees.get(log)
        if tree is not None and tree.size:
            last = conn.execute(sa.select(e.c.leaf_hash)
                                .where(e.c.log == log, e.c.idx == tree.size - 1)).scalar()
            if last != tree.leaf(tree.size - 1).hex():
                tree = None
        if tree is None:
            tree = trees[log] = MerkleTree()
        if tree.size < size:
            for digest in conn.execute(sa.select(e.c.leaf_hash)
                                       .where(e.c.log == log, e.c.idx >= tree.size, e.c.idx < size)
                                       .order_by(e.c.idx)).scalars():
                tree.append(bytes.fromhex(digest))
        if tree.size < size:
            raise LookupError(f"the {log} log holds fewer than {size} leaves")
        return tree


def leaf(conn: sa.Connection, log: Log, index: int) -> Leaf | None:
    e = t.log_entries
    row = conn.execute(sa.select(e.c.entry, e.c.leaf_hash)
                       .where(e.c.log == log, e.c.idx == index)).first()
    if row is None:
        return None
    return Leaf(index=index, entry=cast(dict[str, Any], parse_json(row.entry)),
                leaf_hash=bytes.fromhex(row.leaf_hash))


def inclusion(conn: sa.Connection, log: Log, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in ``log``'s tree of ``size`` leaves."""
    return inclusion_proof(index, _tree(conn, log, size), size)


def consistency(conn: sa.Connection, log: Log, old_size: int, new_size: int) -> list[bytes]:
    """The proof that ``log``'s tree of ``old_size`` leaves is a prefix of that of ``new_size``."""
    return consistency_proof(old_size, _tree(conn, log, new_size), new_size)


def verify_stored(conn: sa.Connection, log: Log, key: Ed25519PrivateKey | Ed25519PublicKey) -> list[str]:
    """Re-checks a whole log from its entries: each leaf hash from its stored entry, the indexes
    without a gap, the frontier, and every signed tree head's root and signature. Returns what is
    wrong, in Chinese (empty when the log is sound)."""
    problems: list[str] = []
    e = t.log_entries
    hashes: list[bytes] = []
    for row in conn.execute(sa.select(e.c.idx, e.c.entry, e.c.leaf_hash)
                            .where(e.c.log == log).order_by(e.c.idx)):
        if row.idx != len(hashes):
            problems.append(f"第{len(hashes)}条之后缺少条目（下一条编号为{row.idx}）")
        data = row.entry.encode()
        computed = leaf_hash(data)
        if computed.hex() != row.leaf_hash:
            problems.append(f"第{row.idx}条的内容与其叶哈希不符")
        hashes.append(computed)
    signed_heads = heads(conn, log)
    roots = _roots_at(hashes, {signed["size"] for signed in signed_heads} | {len(hashes)})
    state = conn.execute(sa.select(t.merkle_logs.c.size, t.merkle_logs.c.frontier)
                         .where(t.merkle_logs.c.name == log)).one()
    if state.size != len(hashes):
        problems.append(f"日志记载{state.size}条，实有{len(hashes)}条")
    elif frontier_root([bytes.fromhex(h) for h in state.frontier]) != roots[len(hashes)]:
        problems.append("日志的当前树根与条目不符")
    public = public_key_b64(key)
    for signed in signed_heads:
        try:
            head = read_tree_head(signed, public)
        except ZscError as e:
            problems.append(f"大小为{signed['size']}的树头无效：{e}")
            continue
        if head.size > len(hashes):
            problems.append(f"大小为{head.size}的签名树头超出了日志")
        elif roots[head.size] != head.root:
            problems.append(f"大小为{head.size}的签名树头与条目不符")
    return problems


def _roots_at(hashes: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The tree roots of the first ``size`` leaves, for each of ``sizes`` up to ``len(hashes)``,
    in one pass over a frontier: a log with a head per act would otherwise be hashed whole once
    per head (the audit trail's 22,000 entries and 300 heads took 75 s)."""
    roots = {0: tree_root([])} if 0 in sizes else {}
    frontier: list[bytes] = []
    for n, digest in enumerate(hashes):
        frontier = extend_frontier(frontier, n, digest)
        if n + 1 in sizes:
            roots[n + 1] = frontier_root(frontier)
    return roots
