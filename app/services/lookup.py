"""信息查询's calls to the platform: the directory search and one enterprise's history, live.

Nothing of it is stored: the answers are the platform's word at the moment of asking, and a
phone without network gets ``PlatformError(offline=True)``, which the screen says out loud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .supervisor import PlatformService


@dataclass(frozen=True)
class SearchPage:
    """One page of matching enterprises (registered details only) and whether another follows."""

    enterprises: list[dict[str, Any]]
    page: int
    more: bool
    last_page: int
    """The platform serves no page beyond this one: more matches than that call for a narrower query."""


class LookupService(PlatformService):
    async def search(self, query: str, page: int) -> SearchPage:
        answer = (await self._call("GET", "/api/v1/enterprises",
                                   params={"q": query, "page": str(page)})).json()
        return SearchPage(answer["enterprises"], int(answer["page"]), bool(answer["more"]),
                          int(answer["last_page"]))

    async def enterprise(self, credit_code: str) -> dict[str, Any]:
        """The enterprise's registered details and the history this device's person may see."""
        detail: dict[str, Any] = (await self._call(
            "GET", f"/api/v1/enterprises/{quote(credit_code, safe='')}")).json()
        return detail
