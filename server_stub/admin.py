"""The administrator's token: what a plan's creator or a draw's runner presents to the API.

``ZSC_ADMIN_TOKEN`` sets it; otherwise it is made once, at random, and kept in the data
directory (``admin_token``, readable by its owner only). ``python -m server_stub admin-token``
prints it. Supervisor accounts (enrolled devices with the supervisor role) come later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "admin_token"


def admin_token(data_dir: Path) -> str:
    """The administrator token for the server whose data lives in ``data_dir``."""
    from_env = os.environ.get("ZSC_ADMIN_TOKEN")
    if from_env:
        return from_env
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
        os.replace(tmp, path)
    return path.read_text().strip()
