"""Tickets: what every draw computes, one SHA-256 per id (DESIGN §6). Standard library only, so
that a worker process of the team draw (:mod:`server_stub.draws.ticket_workers`) starts in
milliseconds: importing :mod:`server_stub.draws.sampling` would bring ``sync`` and its PDF
library along.

A ticket is ``consistent_sampler``'s (see :mod:`server_stub.draws.sampling`): the decimal digits
of ``n = int(sha256(seed_hash + id).hexdigest(), 16)`` read from the least significant, compared
as strings, ties (a SHA-256 collision) by id.

Finding the first ``k`` of many ids is a two-pass selection: a cheap first pass reads only the
first four digits of every ticket (from ``n mod 10**4``, no decimal conversion) to find which ids
can possibly be among the first ``k``; the exact tickets are then built for those few only.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

_PREFIX_DIGITS = 4
_PREFIX_MODULUS = 10**_PREFIX_DIGITS
# _TICKET_PREFIX[n % 10**4] is the integer spelled by the first four digits of n's ticket.
_TICKET_PREFIX = [int(f"{m:0{_PREFIX_DIGITS}d}"[::-1]) for m in range(_PREFIX_MODULUS)]


def ticket_hasher(seed: str) -> hashlib._Hash:
    """SHA-256 already fed with the seed's hex hash: one 64-byte block, so each id's hash only
    has to ``copy()`` this state and process its own bytes."""
    seed_hash = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return hashlib.sha256(seed_hash.encode("ascii"))


def ticket_digits(hasher: hashlib._Hash, id_: str) -> str:
    """The ticket of ``id_`` without its leading ``"0."`` (which every ticket shares)."""
    h = hasher.copy()
    h.update(id_.encode("utf-8"))
    return f"{int.from_bytes(h.digest()):064d}"[::-1]


def ticket_order(hasher: hashlib._Hash, ids: Iterable[str]) -> list[str]:
    """``ids`` sorted by their exact tickets, ties (a SHA-256 collision) by id."""
    return sorted(ids, key=lambda id_: (ticket_digits(hasher, id_), id_))


def ticket_prefixes(hasher: hashlib._Hash, encoded_ids: Iterable[bytes]) -> list[int]:
    """The first four ticket digits of every id (given as UTF-8 bytes), as integers (same
    order as the full tickets).

    The hottest loop of a draw: names are bound locally and nothing but the digest is built.
    (Tried: ``map`` over ``copy``/``update``/``digest`` is slower, since it keeps a list of live
    hash objects where this loop reuses one; collecting the digests first and converting them
    with ``map`` gains nothing.)
    """
    prefixes: list[int] = []
    append, copy, from_bytes = prefixes.append, hasher.copy, int.from_bytes
    table, modulus = _TICKET_PREFIX, _PREFIX_MODULUS
    for encoded in encoded_ids:
        h = copy()
        h.update(encoded)
        append(table[from_bytes(h.digest()) % modulus])
    return prefixes


def prefilter(
    groups: Sequence[tuple[Sequence[str], Iterable[bytes]]], hasher: hashlib._Hash, k: int
) -> list[str]:
    """The ids that can be among the first ``k`` of all groups in ticket order or the first of
    their own group: a superset of both, found from ticket prefixes alone.

    ``groups`` pairs ids with their UTF-8 bytes (the team draw encodes its inspectors once per
    draw, not once per entity); an entity draw passes one group. A smaller prefix means a
    smaller ticket, so an id whose prefix is above both the k-th smallest prefix overall and the
    smallest of its group can precede neither the k-th ticket nor its group's first. Every id
    whose prefix ties with a threshold is kept.
    """
    prefixes = [ticket_prefixes(hasher, encoded) for _, encoded in groups]
    overall = kth_smallest(
        prefixes[0] if len(prefixes) == 1 else list(itertools.chain.from_iterable(prefixes)), k
    )
    candidates: list[str] = []
    for (ids, _), group_prefixes in zip(groups, prefixes, strict=True):
        threshold = max(overall, min(group_prefixes, default=overall))
        candidates.extend(itertools.compress(ids, map(threshold.__ge__, group_prefixes)))
    return candidates


def kth_smallest(prefixes: Sequence[int], k: int) -> int:
    """The ``k``-th smallest of ``prefixes`` (``1 <= k <= len(prefixes)``).

    A long list (an entity stratum) is counted: there are only 10**4 distinct prefixes to sort.
    A short one (a team's inspectors, ``k`` the team size) goes through a heap of ``k``, which
    sorts nothing: sorting the counts cost more than the hashes for a few hundred inspectors.
    """
    if len(prefixes) <= _PREFIX_MODULUS:
        return heapq.nsmallest(k, prefixes)[-1]
    counts = sorted(Counter(prefixes).items())
    taken = itertools.accumulate(count for _, count in counts)
    return next(value for (value, _), total in zip(counts, taken) if total >= k)

