"""Server settings: a data directory and an optional database URL, from the CLI or environment.

``ZSC_DATA_DIR`` (default ``./data``) holds the SQLite database, the photo store and the server's
signing key. ``ZSC_DATABASE_URL`` replaces the SQLite file with another database, e.g.
``postgresql+psycopg://user@127.0.0.1:5432/zsc``. ``ZSC_MAX_PHOTO_BYTES`` (default 8 MiB) is the
largest photo the server accepts. ``ZSC_WARNING_THRESHOLDS`` (default ``30,20,10``) sets the
problem-rate percentages of the red, orange and yellow warnings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .aggregation import DEFAULT_THRESHOLDS, Thresholds

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700


DEFAULT_MAX_PHOTO_BYTES = 8 * 1024 * 1024


def thresholds_from(raw: str | None) -> Thresholds:
    """``"30,20,10"``: the red, orange and yellow problem-rate percentages of the four colours."""
    if not raw:
        return DEFAULT_THRESHOLDS
    try:
        red, orange, yellow = (Decimal(v.strip()) for v in raw.split(","))
    except (ValueError, ArithmeticError):
        raise ValueError(f"ZSC_WARNING_THRESHOLDS「{raw}」应为三个百分数，如 30,20,10") from None
    return Thresholds(red, orange, yellow)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None, database_url: str | None = None) -> Settings:
        directory = Path(data_dir or os.environ.get("ZSC_DATA_DIR") or "data").resolve()
        url = database_url or os.environ.get("ZSC_DATABASE_URL") or f"sqlite:///{directory / 'zsc.db'}"
        max_photo = int(os.environ.get("ZSC_MAX_PHOTO_BYTES") or DEFAULT_MAX_PHOTO_BYTES)
        thresholds = thresholds_from(os.environ.get("ZSC_WARNING_THRESHOLDS"))
        return cls(directory, url, max_photo, thresholds)

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"
