"""Secrets the server makes once and keeps in its data directory (its signing key, the
administrator token): created by whichever process comes first, the same for every other.

The new value is written in full to a file of this process's own, readable by its owner only,
then linked to its name: ``os.link`` fails when the name exists, so two processes starting on
a fresh data directory at once both end up reading the first one's value (``os.replace`` would
let the second overwrite what the first had already handed out). ``replace`` is for the
administrator's deliberate change of a secret (a new admin token): there the last one wins.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def _write_private(path: Path, data: bytes) -> Path:
    """``data`` in a new file of this process's own beside ``path`` (mode 0600), on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return tmp


def create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes at ``path``, made with ``make()`` and stored (mode 0600) if there are none yet."""
    if not path.exists():
        tmp = _write_private(path, make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process got there first: its value wins
        finally:
            tmp.unlink()
    return path.read_bytes()


def replace(path: Path, data: bytes) -> None:
    """``data`` at ``path`` (mode 0600) in place of what was there, whole or not at all: a reader
    sees the old bytes or the new, never a part."""
    os.replace(_write_private(path, data), path)
