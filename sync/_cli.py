"""What the command lines of ``sync`` (the verifier, the witness) share."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def keys_joined(argv: Sequence[str], options: Collection[str]) -> list[str]:
    """``--option VALUE`` as ``--option=VALUE`` for each of ``options`` (those that take a key).

    A base64url key starts with ``-`` one time in 64, and argparse would take it for an option
    and refuse the command ("expected one argument"): the verifier's ``--key`` once failed six
    tests of a CI run, and ``--witness``, added later without this, failed another."""
    joined: list[str] = []
    rest = iter(argv)
    for arg in rest:
        value = next(rest, None) if arg in options else None
        joined.append(arg if value is None else f"{arg}={value}")
    return joined
