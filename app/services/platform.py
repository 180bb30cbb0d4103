"""Reaching the platform server: is it there, and what does it hold."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class PlatformStatus:
    online: bool
    entities: int = 0
    inspectors: int = 0
    items: int = 0


async def fetch_status(base_url: str, timeout: float) -> PlatformStatus:
    """The platform's directory summary, or ``online=False`` when it cannot be reached."""
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            response = await client.get("/api/v1/directory/summary")
            response.raise_for_status()
            data = response.json()
        return PlatformStatus(True, data["entities"], data["inspectors"], data["items"])
    except (httpx.HTTPError, ValueError, KeyError):
        return PlatformStatus(False)
