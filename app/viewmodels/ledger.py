"""后续处置台账: every 发现问题待后续处理, open ones first, and closing one with its disposal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .. import strings as s
from ..domain.clock import today_in_china
from ..domain.review import check_disposal, ledger_order
from ..services.supervisor import PlatformError, SupervisorService
from .base import RemoteModel


class LedgerModel(RemoteModel):
    def __init__(self, service: SupervisorService,
                 today: Callable[[], dt.date] = today_in_china) -> None:
        super().__init__()
        self.service = service
        self.loaded = False
        self.today = today
        self.entries: list[dict[str, Any]] = []

    async def load(self) -> None:
        async def read() -> None:
            self.entries = ledger_order(await self.service.followups())
            self.loaded = True

        await self.fetching(read)

    @property
    def open_count(self) -> int:
        return sum(1 for e in self.entries if e["open"])

    @property
    def counts(self) -> str:
        return "　".join((s.LEDGER_OPEN.format(count=self.open_count),
                          s.LEDGER_CLOSED.format(count=len(self.entries) - self.open_count)))

    async def close(self, record_id: str, disposal: str | None, day: dt.date, note: str,
                    detail: str = "") -> str | None:
        """Close the entry; ``None`` when done, else the Chinese reason (nothing was changed).
        ``detail`` is what the disposal names (``sync.Disposal.detail``), if it names one."""
        try:
            kind, day, details = check_disposal(disposal, day, self.today(), detail)
        except ValueError as e:
            return str(e)
        try:
            await self.service.close_followup(record_id, kind, day.isoformat(), note.strip(), details)
        except PlatformError as e:
            return str(e)
        await self.load()
        return None
