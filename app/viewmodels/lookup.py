"""信息查询: the query with its live credit-code check, the pages of results, one enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.lookup import HistoryEntry, RiskWarning, check_code_as_typed, parse_history, warnings
from ..services.lookup import LookupService
from ..services.supervisor import PlatformError
from .base import RemoteModel


class LookupModel(RemoteModel):
    """The search. ``offline`` is set when the platform could not be reached, so the screen says
    so instead of showing an empty list; a refused query (a wrong check character the field had
    not caught, a query too long) keeps the platform's reason in ``error``."""

    def __init__(self, service: LookupService) -> None:
        super().__init__()
        self.service = service
        self.query = ""
        self.check = check_code_as_typed("")
        self.searched = ""
        self.page = 1
        self.more = False
        self.last_page = 1
        self.results: list[dict[str, Any]] = []
        self.offline = False

    def type(self, text: str) -> None:
        """The field changed: re-check the credit code as typed (nothing is sent yet)."""
        self.query = text
        self.check = check_code_as_typed(text)
        self.changed()

    @property
    def can_search(self) -> bool:
        return bool(self.query.strip()) and self.check.problem is None and not self.loading

    async def search(self, page: int = 1) -> None:
        """Ask the platform for page ``page`` of the current query."""
        if not self.can_search and page == 1:
            return
        query = self.query.strip() if page == 1 else self.searched

        async def read() -> None:
            self.offline = False
            try:
                found = await self.service.search(query, page)
            except PlatformError as e:
                self.offline = e.offline
                raise
            self.searched, self.page, self.more = query, found.page, found.more
            self.last_page, self.results = found.last_page, found.enterprises

        await self.fetching(read)

    @property
    def has_next(self) -> bool:
        return self.more and self.page < self.last_page

    @property
    def too_many(self) -> bool:
        """More matches than the platform pages through: the screen asks for a narrower query."""
        return self.more and self.page >= self.last_page


class EnterpriseModel(RemoteModel):
    """One enterprise from the search: registered details, visible history, its warnings."""

    def __init__(self, service: LookupService, credit_code: str) -> None:
        super().__init__()
        self.service = service
        self.credit_code = credit_code
        self.enterprise: dict[str, Any] | None = None
        self.history: list[HistoryEntry] = []

    async def load(self) -> None:
        async def read() -> None:
            detail = await self.service.enterprise(self.credit_code)
            self.enterprise, self.history = detail["enterprise"], parse_history(detail["history"])

        await self.fetching(read)

    def warnings(self, today: dt.date | None = None) -> list[RiskWarning]:
        return warnings(self.history, today or dt.date.today())
