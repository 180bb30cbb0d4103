"""The append-only Merkle log (DESIGN §10): tree hashing, proofs and signed tree heads.

The tree is RFC 9162 §2.1 (Certificate Transparency 2.0) with SHA-256: a leaf hashes as
``SHA-256(0x00 || data)``, an inner node as ``SHA-256(0x01 || left || right)``, the empty tree as
``SHA-256("")``, and a tree of ``n > 1`` leaves splits at ``k``, the largest power of two below
``n``. Inclusion and consistency proofs are generated as §2.1.3.1 and §2.1.4.1 define them and
verified with the algorithms of §2.1.3.2 and §2.1.4.2, step by step, so that anyone holding only
this module can check what the platform says.

A leaf's data is the canonical JSON (RFC 8785) of one entry of the log. The platform signs tree
heads with its Ed25519 key (the one published at ``GET /api/v1/keys``)::

    {"type": "zsc-tree-head/1", "log": "publication", "size": 12,
     "root": "<64 hex>", "timestamp": "2026-11-26T08:00:00Z", "signature": "<base64url>"}

The signature covers the canonical JSON of every field but ``signature``; ``type`` keeps a tree
head from ever reading as another signed thing (an inspection code, a record).

A log that keeps only its *frontier* (the roots of the perfect subtrees its size splits into,
largest first) can append in O(log n) and still give its root: ``extend_frontier`` and
``frontier_root``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ._canonical import (
    ROOT,
    JsonValue,
    b64url_decode,
    b64url_encode,
    canonical_bytes,
    is_sha256_hex,
    parse_rfc3339,
)
from ._exceptions import Problem, SignatureError, ValidationError
from ._signing import SIGNATURE_SIZE, load_public_key

TREE_HEAD_TYPE = "zsc-tree-head/1"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of one leaf's data."""
    return hashlib.sha256(b"\x00" + data).digest()


def entry_leaf_hash(entry: Mapping[str, object]) -> bytes:
    """The leaf hash of a log entry: of its canonical JSON."""
    return leaf_hash(canonical_bytes(entry))


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an inner node from its children's hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """A tree's leaf hashes with the root of every perfect subtree that starts at a multiple of
    its size, level by level, kept as leaves are appended (O(1) amortised per leaf).

    Every subtree the proofs of RFC 9162 §2.1.3.1 and §2.1.4.1 ask for is such a perfect
    subtree or folds from O(log n) of them, so a proof costs O(log² n) hashes, not a pass over
    every leaf: a log's public proof routes must not let one request hash the whole log. A tree
    answers for every size up to its own (the subtrees of a prefix are its subtrees too).
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for digest in leaf_hashes:
            self.append(digest)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def leaf(self, index: int) -> bytes:
        return self.levels[0][index]

    def append(self, digest: bytes) -> None:
        level, index = 0, self.size
        self.levels[0].append(digest)
        while index & 1:
            node = node_hash(self.levels[level][index - 1], self.levels[level][index])
            level, index = level + 1, index >> 1
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(node)

    def root(self, start: int = 0, end: int | None = None) -> bytes:
        """MTH(D[start:end]), where ``start`` is a multiple of the largest power of two below
        ``end - start`` (as every subtree of the RFC's recursion is): the whole tree by default."""
        end = self.size if end is None else end
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"leaves {start}–{end} are not in a tree of {self.size}")
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return node_hash(self.root(start, start + k), self.root(start + k, end))


def _tree(leaves: Sequence[bytes] | MerkleTree) -> MerkleTree:
    return leaves if isinstance(leaves, MerkleTree) else MerkleTree(leaves)


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaves whose hashes are given (the empty tree's root for none)."""
    return MerkleTree(leaf_hashes).root()


def inclusion_proof(index: int, leaves: Sequence[bytes] | MerkleTree,
                    size: int | None = None) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in the tree of the
    first ``size`` of the given leaves (all of them by default), nearest the leaf first."""
    tree = _tree(leaves)
    size = tree.size if size is None else size
    if not 0 <= index < size <= tree.size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(tree.root(start + k, end))
            end = start + k
        else:
            path.append(tree.root(start, start + k))
            start += k
    return path[::-1]


def consistency_proof(old_size: int, leaves: Sequence[bytes] | MerkleTree,
                      size: int | None = None) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the tree of the first ``old_size`` leaves is a
    prefix of the tree of the first ``size`` (all of them by default). Empty when ``old_size``
    is 0 or ``size``."""
    tree = _tree(leaves)
    n = tree.size if size is None else size
    if not 0 <= old_size <= n <= tree.size:
        raise ValueError(f"a tree of {old_size} is not a prefix of a tree of {n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    m, start, end, whole = old_size, 0, n, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(tree.root(start + k, end))
            end = start + k
        else:
            proof.append(tree.root(start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        proof.append(tree.root(start, end))
    return proof[::-1]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether ``proof`` shows the leaf with hash ``leaf`` at ``index`` of the
    tree of ``size`` leaves whose root is ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows that the tree of ``old_size`` leaves with root
    ``old_root`` is a prefix of the tree of ``new_size`` leaves with root ``new_root``.

    The cases the RFC leaves to the caller: an empty old tree is a prefix of anything (its root
    must still be the empty root); equal sizes need an empty proof and equal roots."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def extend_frontier(frontier: Sequence[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The frontier of a tree of ``size + 1`` leaves from that of ``size`` leaves and the new
    leaf's hash: the new leaf merges with every equal-sized subtree on its left."""
    merged = list(frontier)
    node, n = leaf, size
    while n & 1:
        node = node_hash(merged.pop(), node)
        n >>= 1
    merged.append(node)
    return merged


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """MTH of a tree from its frontier: the subtrees fold together from the right."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for node in reversed(frontier[:-1]):
        root = node_hash(node, root)
    return root


@dataclass(frozen=True)
class TreeHead:
    """What the platform says its log held at a time: size and root."""

    log: str
    size: int
    root: bytes
    timestamp: str

    def payload(self) -> dict[str, JsonValue]:
        return {"type": TREE_HEAD_TYPE, "log": self.log, "size": self.size,
                "root": self.root.hex(), "timestamp": self.timestamp}

    def sign(self, key: Ed25519PrivateKey) -> dict[str, JsonValue]:
        """The signed tree head as it is published."""
        payload = self.payload()
        return {**payload, "signature": b64url_encode(key.sign(canonical_bytes(payload)))}


_HEAD_KEYS = ("type", "log", "size", "root", "timestamp", "signature")


def read_tree_head(signed: object, public_key_b64: str) -> TreeHead:
    """The tree head of a published signed tree head, once its signature verifies with the
    platform's public key. ``ValidationError`` when malformed, ``SignatureError`` when not signed
    by that key or altered since."""
    if not isinstance(signed, Mapping):
        raise ValidationError.single(ROOT, "树头应为JSON对象")
    problems = [Problem(key, "缺少此字段") for key in _HEAD_KEYS if key not in signed]
    problems += [Problem(str(key), "不是树头中的字段") for key in signed if key not in _HEAD_KEYS]
    if signed.get("type", TREE_HEAD_TYPE) != TREE_HEAD_TYPE:
        problems.append(Problem("type", f"应为{TREE_HEAD_TYPE}"))
    size = signed.get("size", 0)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        problems.append(Problem("size", "应为非负整数"))
    if not isinstance(signed.get("log", ""), str):
        problems.append(Problem("log", "应为文本"))
    if "root" in signed and not is_sha256_hex(signed["root"]):
        problems.append(Problem("root", "应为64位小写十六进制的SHA-256"))
    if problems:
        raise ValidationError(problems)
    parse_rfc3339(signed["timestamp"], field="timestamp", label="树头时间")
    signature = b64url_decode(signed["signature"], size=SIGNATURE_SIZE, field="signature")
    head = TreeHead(log=str(signed["log"]), size=int(size), root=bytes.fromhex(str(signed["root"])),
                    timestamp=str(signed["timestamp"]))
    try:
        load_public_key(public_key_b64).verify(signature, canonical_bytes(head.payload()))
    except InvalidSignature:
        raise SignatureError("树头签名无效：内容被改动过，或不是由本平台签发的") from None
    return head


def hex_hashes(hashes: Sequence[bytes]) -> list[str]:
    """Hashes as the wire writes them (lowercase hex)."""
    return [h.hex() for h in hashes]


def parse_hashes(values: object, field: str) -> list[bytes]:
    """Hashes back from the wire; ``ValidationError`` for anything but a list of SHA-256 hex."""
    if not isinstance(values, list) or not all(is_sha256_hex(v) for v in values):
        raise ValidationError.single(field, "应为SHA-256十六进制串的数组")
    return [bytes.fromhex(v) for v in values]
