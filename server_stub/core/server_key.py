"""The platform's own Ed25519 key, which signs inspection codes (DESIGN §7).

Made once and kept in the data directory (``server_key``: the 32 raw private bytes, readable by
its owner only), so every server process on this data directory signs with the same key. Its
public half is published at ``GET /api/v1/keys``: a code verifies with it alone.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.core.secret_files import create_once
from sync import generate_key, load_private_key, private_key_bytes

FILE_NAME = "server_key"


def load_or_create_server_key(data_dir: Path) -> Ed25519PrivateKey:
    return load_private_key(create_once(data_dir / FILE_NAME,
                                        lambda: private_key_bytes(generate_key())))
