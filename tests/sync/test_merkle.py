"""The Merkle log against RFC 9162 §2.1, checked by a second implementation written here straight
from the RFC's recursive definitions (MTH, PATH, PROOF/SUBPROOF over the leaves' *data*), and by
the published test vectors of Certificate Transparency's reference code."""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest

from sync import (
    EMPTY_ROOT,
    MerkleTree,
    SignatureError,
    TreeHead,
    ValidationError,
    consistency_proof,
    entry_leaf_hash,
    extend_frontier,
    frontier_root,
    generate_key,
    inclusion_proof,
    leaf_hash,
    public_key_b64,
    read_tree_head,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 §2.1, word for word ----------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def k_of(n: int) -> int:
    """"the largest power of two smaller than n (i.e., k < n <= 2k)"."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + d[0])
    k = k_of(n)
    return sha256(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = k_of(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


# --------------------------------------------------------------------------------------------------

# certificate-transparency's merkle_tree_test.cc / transparency-dev/merkle testonly: these eight
# leaves and the roots of their first 1..8.
VECTOR_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
VECTOR_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]

SIZES = range(1, 101)
DATA = [f"leaf {i}".encode() for i in range(100)]
HASHES = [leaf_hash(d) for d in DATA]


def test_published_vectors() -> None:
    hashes = [leaf_hash(d) for d in VECTOR_LEAVES]
    for n in range(1, 9):
        assert tree_root(hashes[:n]) == VECTOR_ROOTS[n - 1]
        assert mth(VECTOR_LEAVES[:n]) == VECTOR_ROOTS[n - 1]
    assert tree_root([]) == EMPTY_ROOT == mth([])


@pytest.mark.parametrize("n", SIZES)
def test_root_and_frontier_match_the_definition(n: int) -> None:
    assert tree_root(HASHES[:n]) == mth(DATA[:n])
    frontier: list[bytes] = []
    for size, h in enumerate(HASHES[:n]):
        frontier = extend_frontier(frontier, size, h)
    assert frontier_root(frontier) == mth(DATA[:n])
    assert len(frontier) == (n).bit_count()


@pytest.mark.parametrize("n", SIZES)
def test_inclusion_proofs_for_every_leaf(n: int) -> None:
    root = mth(DATA[:n])
    for m in range(n):
        p = inclusion_proof(m, HASHES[:n])
        assert p == path(m, DATA[:n])
        assert verify_inclusion(m, n, HASHES[m], p, root)


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_from_every_smaller_tree(n: int) -> None:
    new_root = mth(DATA[:n])
    for m in range(n + 1):
        p = consistency_proof(m, HASHES[:n])
        assert p == ([] if m in (0, n) else proof(m, DATA[:n]))
        assert verify_consistency(m, n, mth(DATA[:m]), new_root, p)


def test_a_kept_tree_answers_for_every_smaller_size_as_its_prefix_would(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform keeps one ``MerkleTree`` of the whole log and proves against older heads
    from it: every root, audit path and consistency proof is the one of the prefix's leaves,
    and a proof walks O(log² n) kept subtrees, never every leaf."""
    tree = MerkleTree(HASHES)
    for n in range(1, len(HASHES) + 1):
        assert tree.root(0, n) == mth(DATA[:n])
        for m in range(0, n, 7):
            assert inclusion_proof(m, tree, n) == path(m, DATA[:n])
            assert consistency_proof(m, tree, n) == ([] if m == 0 else proof(m, DATA[:n]))
    big = MerkleTree(sha256(i.to_bytes(4, "big")) for i in range(100_000))
    calls = 0
    real_root = MerkleTree.root

    def counted(self: MerkleTree, start: int = 0, end: int | None = None) -> bytes:
        nonlocal calls
        calls += 1
        return real_root(self, start, end)

    monkeypatch.setattr(MerkleTree, "root", counted)
    inclusion_proof(54_321, big, 99_999)
    consistency_proof(77_777, big, 99_999)
    assert calls < 17 ** 2, calls
    with pytest.raises(ValueError):
        inclusion_proof(5, tree, 101)
    with pytest.raises(ValueError):
        consistency_proof(5, tree, 101)


def test_an_altered_removed_or_reordered_leaf_is_caught() -> None:
    rng = random.Random(9162)
    for n in rng.sample(list(SIZES), 25):
        root = tree_root(HASHES[:n])
        m = rng.randrange(n)
        p = inclusion_proof(m, HASHES[:n])
        altered = leaf_hash(DATA[m] + b"!")
        assert not verify_inclusion(m, n, altered, p, root)
        if n > 1:
            other = (m + 1) % n
            assert not verify_inclusion(other, n, HASHES[m], p, root)  # claimed at another place
            removed = HASHES[:m] + HASHES[m + 1:n]
            assert tree_root(removed) != root
            swapped = list(HASHES[:n])
            swapped[m], swapped[other] = swapped[other], swapped[m]
            assert tree_root(swapped) != root
        for i in range(len(p)):
            bent = list(p)
            bent[i] = bytes(32)
            assert not verify_inclusion(m, n, HASHES[m], bent, root)
        assert not verify_inclusion(m, n, HASHES[m], [*p, bytes(32)], root)
        if p:
            assert not verify_inclusion(m, n, HASHES[m], p[:-1], root)


def test_a_fork_or_a_rewritten_history_fails_consistency() -> None:
    rng = random.Random(6962)
    for m, n in rng.sample([(a, b) for b in SIZES for a in range(1, b)], 200):
        forked = list(HASHES[:n])
        forked[rng.randrange(m)] = leaf_hash(b"rewritten")
        p = consistency_proof(m, forked)
        # the new tree was built on a changed history: its proof cannot join the old root
        assert not verify_consistency(m, n, tree_root(HASHES[:m]), tree_root(forked), p)
        honest = consistency_proof(m, HASHES[:n])
        assert not verify_consistency(m, n, tree_root(HASHES[:m]), tree_root(forked), honest)
        for i in range(len(honest)):
            bent = list(honest)
            bent[i] = bytes(32)
            assert not verify_consistency(m, n, tree_root(HASHES[:m]), tree_root(HASHES[:n]), bent)


def test_degenerate_consistency_cases() -> None:
    r5 = tree_root(HASHES[:5])
    assert verify_consistency(5, 5, r5, r5, [])
    assert not verify_consistency(5, 5, r5, tree_root(HASHES[:4]), [])
    assert not verify_consistency(5, 4, r5, r5, [])
    assert not verify_consistency(0, 5, r5, r5, [])
    assert not verify_consistency(3, 5, tree_root(HASHES[:3]), r5, [])
    with pytest.raises(ValueError):
        consistency_proof(6, HASHES[:5])
    with pytest.raises(ValueError):
        inclusion_proof(5, HASHES[:5])


def test_every_pair_of_heads_from_a_growing_log_is_consistent() -> None:
    roots = [tree_root(HASHES[:n]) for n in range(33)]
    for m, n in itertools.combinations(range(33), 2):
        assert verify_consistency(m, n, roots[m], roots[n], consistency_proof(m, HASHES[:n]))


def test_entry_leaf_hash_is_of_canonical_json() -> None:
    assert entry_leaf_hash({"b": 1, "a": "公示"}) == leaf_hash('{"a":"公示","b":1}'.encode())


def test_signed_tree_head_round_trip_and_tampering() -> None:
    key = generate_key()
    head = TreeHead(log="publication", size=7, root=tree_root(HASHES[:7]),
                    timestamp="2026-11-26T08:00:00Z")
    signed = head.sign(key)
    assert read_tree_head(signed, public_key_b64(key)) == head
    for field, value in (("size", 8), ("root", tree_root(HASHES[:8]).hex()), ("log", "audit"),
                         ("timestamp", "2026-11-26T08:00:01Z")):
        with pytest.raises(SignatureError):
            read_tree_head({**signed, field: value}, public_key_b64(key))
    with pytest.raises(SignatureError):
        read_tree_head(signed, public_key_b64(generate_key()))
    with pytest.raises(ValidationError):
        read_tree_head({**signed, "type": "zsc-code/1"}, public_key_b64(key))
    with pytest.raises(ValidationError):
        read_tree_head({**signed, "extra": 1}, public_key_b64(key))
    with pytest.raises(ValidationError):
        read_tree_head({**signed, "size": -1}, public_key_b64(key))
    with pytest.raises(ValidationError):
        read_tree_head({**signed, "root": "XYZ"}, public_key_b64(key))
    with pytest.raises(ValidationError):
        read_tree_head([], public_key_b64(key))
