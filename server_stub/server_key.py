"""The platform's own Ed25519 key, which signs inspection codes (DESIGN §7).

Made once and kept in the data directory (``server_key``: the 32 raw private bytes, readable by
its owner only), so every server process on this data directory signs with the same key. Its
public half is published at ``GET /api/v1/keys``: a code verifies with it alone.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import generate_key, load_private_key, private_key_bytes

FILE_NAME = "server_key"


def load_or_create_server_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private_key_bytes(generate_key()))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if another process got there first: its key wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return load_private_key(path.read_bytes())
