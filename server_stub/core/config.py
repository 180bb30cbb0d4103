"""Server settings: a data directory and an optional database URL, from the CLI or environment.

``ZSC_DATA_DIR`` (default ``./data``) holds the SQLite database, the photo store and the server's
signing key. ``ZSC_DATABASE_URL`` replaces the SQLite file with another database, e.g.
``postgresql+psycopg://user@127.0.0.1:5432/zsc``. ``ZSC_MAX_PHOTO_BYTES`` (default 8 MiB) is the
largest photo the server accepts. ``ZSC_WARNING_THRESHOLDS`` (default ``30,20,10``) sets the
problem-rate percentages of the red, orange and yellow warnings. ``ZSC_FOLLOWUP_DUE_DAYS`` (default
30) is how many calendar days after the inspection a 发现问题待后续处理 may stay without its disposal
before the ledger flags it overdue. ``ZSC_FREQUENT_VISITS`` (default 2): the dashboard warns of
enterprises inspected more often than this in a year by all departments together. ``ZSC_ADMIN_TOKEN`` is checked here too (see ``admin_token``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from server_stub.core.admin_token import token_from_env
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS, Thresholds

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700


DEFAULT_MAX_PHOTO_BYTES = 8 * 1024 * 1024
DEFAULT_DUE_DAYS = 30
"""后续处置台账: calendar days from the inspection to a disposal before the entry is overdue."""
DEFAULT_FREQUENT_AFTER = 2
"""频繁检查预警: more than this many inspections of one enterprise in a calendar year."""


def thresholds_from(raw: str | None) -> Thresholds:
    """``"30,20,10"``: the red, orange and yellow problem-rate percentages of the four colours."""
    if not raw:
        return DEFAULT_THRESHOLDS
    try:
        red, orange, yellow = (Decimal(v.strip()) for v in raw.split(","))
    except (ValueError, ArithmeticError):
        raise ValueError(f"ZSC_WARNING_THRESHOLDS「{raw}」应为三个百分数，如 30,20,10") from None
    try:
        return Thresholds(red, orange, yellow)
    except ValueError as e:
        raise ValueError(f"ZSC_WARNING_THRESHOLDS「{raw}」：{e}") from None


def whole_number_from(name: str, raw: str | None, default: int, low: int, high: int, what: str) -> int:
    """The integer setting ``name`` in ``low..high`` (``default`` when unset); ``ValueError``
    saying what it should be otherwise."""
    if not raw:
        return default
    try:
        value: int | None = int(raw.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{name}「{raw}」应为 {low} 到 {high} 之间的整数{what}，默认 {default}")
    return value


def max_photo_bytes_from(raw: str | None) -> int:
    """The largest photo upload in bytes: 64 KiB to 1 GiB."""
    return whole_number_from("ZSC_MAX_PHOTO_BYTES", raw, DEFAULT_MAX_PHOTO_BYTES, 64 * 1024, 2**30, "字节数")


def due_days_from(raw: str | None) -> int:
    """The follow-up ledger's calendar days from inspection to overdue: 1 to 3650."""
    return whole_number_from("ZSC_FOLLOWUP_DUE_DAYS", raw, DEFAULT_DUE_DAYS, 1, 3650, "天数")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    followup_due_days: int = DEFAULT_DUE_DAYS
    frequent_after: int = DEFAULT_FREQUENT_AFTER

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None, database_url: str | None = None, *,
                 check_admin_token: bool = True) -> Settings:
        """The settings for ``data_dir``; ``ValueError`` (in Chinese, naming the variable) for a
        malformed environment variable. ``check_admin_token=False`` is for ``admin-token --new``
        alone, which makes the token that replaces a refused one."""
        directory = Path(data_dir or os.environ.get("ZSC_DATA_DIR") or "data").resolve()
        url = database_url or os.environ.get("ZSC_DATABASE_URL") or f"sqlite:///{directory / 'zsc.db'}"
        max_photo = max_photo_bytes_from(os.environ.get("ZSC_MAX_PHOTO_BYTES"))
        thresholds = thresholds_from(os.environ.get("ZSC_WARNING_THRESHOLDS"))
        due_days = due_days_from(os.environ.get("ZSC_FOLLOWUP_DUE_DAYS"))
        frequent = whole_number_from("ZSC_FREQUENT_VISITS", os.environ.get("ZSC_FREQUENT_VISITS"),
                                     DEFAULT_FREQUENT_AFTER, 1, 100, "次")
        if check_admin_token:
            token_from_env()  # a guessable admin token stops the start like any malformed setting
        return cls(directory, url, max_photo, thresholds, due_days, frequent)

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"
