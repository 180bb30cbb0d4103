"""The 现场检查笔录 PDF's file name, the same on the phone, in the supervisor's download and in the
platform's Content-Disposition: ``现场检查笔录_<企业名称>_<检查日期>.pdf``, the date China's (the
day of the visit as the paper prints it), the name made safe for any file system."""

from __future__ import annotations

import datetime as dt
import re

_CHINA = dt.timezone(dt.timedelta(hours=8))
PREFIX = "现场检查笔录"
MAX_NAME_CHARS = 40
"""An enterprise name longer than this is cut (with …): a file name stays well under the 255
bytes most file systems allow, at 3 UTF-8 bytes a Chinese character."""
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_part(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """``text`` with what no file system (or a shell) takes away: \\ / : * ? " < > | and control
    characters become ``_``, runs of blanks one ``_``, no leading or trailing dot, blank or ``_``;
    at most ``limit`` characters."""
    cleaned = _UNSAFE.sub("_", text)
    cleaned = re.sub(r"\s+", "_", cleaned)
    cleaned = re.sub(r"_+", "_", cleaned).strip("._ ")
    if len(cleaned) > limit:
        cleaned = cleaned[:limit - 1].rstrip("._ ") + "…"
    return cleaned


def china_date(moment: str) -> str:
    """The China date (YYYY-MM-DD) of an RFC 3339 moment; UTC when it names no zone; "" if unreadable."""
    try:
        value = dt.datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(_CHINA).date().isoformat()


def record_pdf_name(entity_name: str, started_at: str) -> str:
    """``现场检查笔录_威海某某超市有限公司_2026-12-06.pdf`` for a visit begun at ``started_at``;
    a part that is missing is left out rather than printed empty."""
    parts = [PREFIX, safe_part(entity_name or ""), china_date(started_at or "")]
    return "_".join(p for p in parts if p) + ".pdf"
