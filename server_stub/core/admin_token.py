"""The administrator's token: what a plan's creator or a draw's runner presents to the API.

``ZSC_ADMIN_TOKEN`` sets it (at least 32 characters: the token opens plan creation and draws to
anyone who can guess it, so a short one stops the server and every command at start); otherwise
it is made once, at random, and kept in the data directory (``admin_token``, readable by its owner
only). ``python -m server_stub admin-token`` prints it. Supervisor accounts (enrolled devices with
the supervisor role) come later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from server_stub.core.secret_files import create_once

FILE_NAME = "admin_token"
MIN_LENGTH = 32


def token_from_env() -> str | None:
    """``ZSC_ADMIN_TOKEN`` when set; ``ValueError`` (in Chinese, naming it) when it is too short."""
    value = os.environ.get("ZSC_ADMIN_TOKEN")
    if value and len(value) < MIN_LENGTH:
        raise ValueError(
            f"ZSC_ADMIN_TOKEN 太短（{len(value)} 个字符）：管理员令牌至少 {MIN_LENGTH} 个字符，"
            "请换用随机生成的长令牌（如 python -c \"import secrets; print(secrets.token_urlsafe(32))\"），"
            "或不设置此变量，由平台自动生成"
        )
    return value or None


def admin_token(data_dir: Path) -> str:
    """The administrator token for the server whose data lives in ``data_dir``."""
    from_env = token_from_env()
    if from_env:
        return from_env
    made = create_once(data_dir / FILE_NAME, lambda: secrets.token_urlsafe(32).encode())
    return made.decode().strip()
