"""Photos, stored by content: the name of a photo is the SHA-256 of its bytes.

One interface (``PhotoStore``) with one implementation on a directory; an object store can take
its place without the rest of the server noticing. Writes go to a temporary file that is
fsynced and renamed into place, so a photo is either wholly there or not at all, and two
processes storing the same photo at once both succeed with the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_sha256(name: str) -> bool:
    return bool(_SHA256.fullmatch(name))


class PhotoStore(Protocol):
    def has(self, sha256: str) -> bool: ...

    def put(self, sha256: str, data: bytes) -> bool:
        """Store ``data`` under its hash; True when it was new. ``data`` must hash to ``sha256``."""
        ...

    def get(self, sha256: str) -> bytes:
        """The photo's bytes; ``KeyError`` when it is not stored."""
        ...


class DirectoryPhotoStore:
    """Photos as files ``ab/cd/abcd….jpg`` under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.jpg"

    def has(self, sha256: str) -> bool:
        return is_sha256(sha256) and self._path(sha256).is_file()

    def put(self, sha256: str, data: bytes) -> bool:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("photo bytes do not hash to their name")
        path = self._path(sha256)
        if path.is_file():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise KeyError(sha256) from None
