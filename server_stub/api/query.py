"""Query parameter types shared by the routes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: object) -> object:
    """Only ``YYYY-MM-DD`` goes on to become a date: pydantic alone would also take ``0`` or
    ``86400`` (seconds since 1970) and ``2026-01-01T00:00:00``, which are not dates."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


QueryDate = Annotated[dt.date | None, BeforeValidator(_iso_date_text), Query(description="YYYY-MM-DD")]
"""An optional date in the query string; anything but a real ``YYYY-MM-DD`` date is a 400."""
