"""What an error answer of the platform says (DESIGN §5: ``{"error": {"code", "message"}}``),
read the same way by the sync engine and every screen of the app."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class PlatformRefusal:
    """The machine-readable ``code`` ("" when the answer had none) and the Chinese ``message``."""

    status: int
    code: str
    message: str


def platform_refusal(response: httpx.Response) -> PlatformRefusal:
    """The error of ``response``; an answer that is not the platform's error shape (a proxy's
    page, a cut-off body) still gives a Chinese message naming its status."""
    try:
        error = response.json()["error"]
        return PlatformRefusal(response.status_code, str(error.get("code", "")),
                               str(error["message"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return PlatformRefusal(response.status_code, "",
                               f"平台返回错误（HTTP {response.status_code}）")
