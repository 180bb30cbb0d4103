"""The supervisor's calls to the platform (审核, 统计, 台账): the only code that sends them.

Every call carries the device's bearer token; the platform answers 403 to an inspector's device,
so the role is enforced there, not here. A failure becomes ``PlatformError`` with a Chinese
message a supervisor can act on (the platform's own message when it gave one).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from sync import (
    PartnerRequests,
    QueueEntry,
    ReviewDetail,
    YearOverview,
    platform_refusal,
    read_partner_requests,
    read_queue,
    read_review_detail,
    read_year_overview,
)

from .. import strings as s
from ..store import Enrolment
from .http import tls


class PlatformError(Exception):
    """A call failed; ``str(error)`` says why in Chinese. ``offline`` when nothing answered."""

    def __init__(self, message: str, *, offline: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.offline = offline
        self.status = status


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    media_type: str


def _error(answer: httpx.Response) -> PlatformError:
    refusal = platform_refusal(answer)
    if not refusal.code:
        return PlatformError(s.PLATFORM_HTTP.format(status=answer.status_code), status=answer.status_code)
    if refusal.code == "supervisors_only":
        return PlatformError(s.PLATFORM_NOT_SUPERVISOR, status=answer.status_code)
    return PlatformError(s.PLATFORM_REFUSED.format(message=refusal.message), status=answer.status_code)


class PlatformService:
    """Live calls to the platform with the device's token (the supervisor's screens, 信息查询)."""

    def __init__(self, enrolment: Enrolment, *, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.enrolment = enrolment
        self.timeout = timeout
        self.transport = transport

    async def _call(self, method: str, path: str, *, json: Any = None,
                    params: dict[str, str] | None = None, content: bytes | None = None,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        try:
            async with httpx.AsyncClient(
                    base_url=self.enrolment.server_url, timeout=self.timeout, transport=self.transport,
                    verify=tls(),
                    headers={"Authorization": f"Bearer {self.enrolment.token}"}) as client:
                answer = await client.request(method, path, json=json, params=params, content=content,
                                              headers=headers)
        except httpx.HTTPError:
            raise PlatformError(s.PLATFORM_UNREACHABLE, offline=True) from None
        if answer.status_code >= 400:
            raise _error(answer)
        return answer


class SupervisorService(PlatformService):
    """审核, 统计 and 台账: the platform refuses each to a device that is not a supervisor's."""

    # --- 审核 --------------------------------------------------------------------------------

    async def queue(self, state: str = "submitted") -> list[QueueEntry]:
        answer = await self._call("GET", "/api/v1/review/queue", params={"state": state})
        try:
            return read_queue(answer.json())
        except ValueError as e:
            raise PlatformError(s.PLATFORM_REFUSED.format(message=str(e)), status=answer.status_code) from None

    async def feedback(self) -> list[dict[str, Any]]:
        """Enterprises' feedback on the department's inspections, newest first."""
        entries: list[dict[str, Any]] = (await self._call("GET", "/api/v1/feedback")).json()["feedback"]
        return entries

    async def recusals(self) -> list[dict[str, Any]]:
        """回避 requested on site on the department's tasks, newest first."""
        rows: list[dict[str, Any]] = (await self._call("GET", "/api/v1/review/recusals")).json()["recusals"]
        return rows

    async def record(self, record_id: str) -> ReviewDetail:
        answer = await self._call("GET", f"/api/v1/review/records/{record_id}")
        try:
            return read_review_detail(answer.json())
        except ValueError as e:
            raise PlatformError(s.PLATFORM_REFUSED.format(message=str(e)), status=answer.status_code) from None

    async def approve(self, record_id: str, comment: str, *, publish: bool) -> None:
        await self._call("POST", f"/api/v1/review/records/{record_id}/approve",
                         json={"comment": comment, "publish": publish})

    async def return_record(self, record_id: str, comment: str) -> None:
        await self._call("POST", f"/api/v1/review/records/{record_id}/return", json={"comment": comment})

    async def publish(self, record_id: str) -> None:
        await self._call("POST", f"/api/v1/review/records/{record_id}/publish")

    async def attach_lab_report(self, record_id: str, item: str, pdf: bytes, *, number: str,
                                conclusion: str) -> None:
        """The laboratory's report of an item sent for testing: its PDF stored (by its hash, as
        a photo), then attached with its number and conclusion (issue 27 point 2)."""
        sha256 = hashlib.sha256(pdf).hexdigest()
        await self._call("PUT", f"/api/v1/photos/{sha256}", content=pdf,
                         headers={"Content-Type": "application/pdf"})
        await self._call("POST", f"/api/v1/review/records/{record_id}/lab-reports",
                         json={"item": item, "sha256": sha256, "number": number, "conclusion": conclusion})

    async def photo(self, sha256: str) -> bytes:
        """The photo at full size, as the platform keeps it."""
        return (await self._call("GET", f"/api/v1/photos/{sha256}")).content

    async def thumbnail(self, sha256: str, long_edge: int) -> bytes:
        """A small JPEG of the photo, made by the platform (a few KB instead of ~400)."""
        return (await self._call("GET", f"/api/v1/photos/{sha256}/thumbnail",
                                 params={"long_edge": str(long_edge)})).content

    async def record_pdf(self, record_id: str, name: str) -> ExportFile:
        """The record's 现场检查笔录 as the platform renders it (for the file and for printing),
        saved as ``name`` (``sync.file_name.record_pdf_name``)."""
        answer = await self._call("GET", f"/api/v1/records/{record_id}/pdf")
        return ExportFile(name, answer.content, "application/pdf")

    # --- 联合抽查确认 --------------------------------------------------------------------------

    async def partner_requests(self) -> PartnerRequests:
        """The joint plans asking the supervisor's department to confirm its part, and the
        department's active staff it may offer (the platform answers for their department only)."""
        answer = await self._call("GET", "/api/v1/partner-requests")
        try:
            return read_partner_requests(answer.json())
        except ValueError as e:
            raise PlatformError(s.PLATFORM_REFUSED.format(message=str(e)), status=answer.status_code) from None

    async def answer_partner(self, plan_id: str, department: str, *, confirm: bool,
                             staff: list[str], qualifications: list[str], reason: str) -> None:
        """配合部门的答复: confirm (with the staff offered, empty: any, and 资格要求) or decline with a
        reason (published); the platform refuses after the freeze (409) and names what is wrong."""
        body = ({"answer": "confirm", "staff": staff, "qualifications": qualifications} if confirm
                else {"answer": "decline", "reason": reason})
        await self._call("POST", f"/api/v1/plans/{quote(plan_id, safe='')}/partners/{quote(department, safe='')}",
                         json=body)

    # --- 台账 --------------------------------------------------------------------------------

    async def followups(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = (await self._call("GET", "/api/v1/followups")).json()["entries"]
        return entries

    async def close_followup(self, record_id: str, disposal: str, disposal_date: str, note: str,
                             details: Mapping[str, str] | None = None) -> None:
        await self._call("POST", f"/api/v1/followups/{record_id}/close",
                         json={"disposal": disposal, "disposal_date": disposal_date, "note": note,
                               **(details or {})})

    # --- 统计 --------------------------------------------------------------------------------

    async def dashboard(self, filters: dict[str, str]) -> dict[str, Any]:
        figures: dict[str, Any] = (await self._call("GET", "/api/v1/stats/dashboard", params=filters)).json()
        return figures

    async def year_overview(self, year: int) -> YearOverview:
        """年度计划执行情况: the department's plans of ``year`` (the platform answers a
        supervisor with their own department's row only)."""
        answer = await self._call("GET", "/api/v1/stats/year", params={"year": str(year)})
        try:
            return read_year_overview(answer.json())
        except ValueError as e:
            raise PlatformError(s.PLATFORM_REFUSED.format(message=str(e)), status=answer.status_code) from None

    async def export(self, filters: dict[str, str], fmt: str) -> ExportFile:
        """The dashboard as ``csv`` or ``xlsx``, with the file name the platform suggests."""
        answer = await self._call("GET", "/api/v1/stats/export", params={**filters, "format": fmt})
        found = re.search(r'filename="?([^";]+)"?', answer.headers.get("content-disposition", ""))
        name = found.group(1) if found else f"dashboard.{fmt}"
        return ExportFile(name, answer.content, answer.headers.get("content-type", ""))

    async def report(self, kind: str, year: int, month: int | None, fmt: str, name: str) -> ExportFile:
        """上报材料: the department's monthly brief (``kind`` monthly, with ``month``) or yearly
        self-report as ``pdf`` or ``docx``, as the platform draws it, saved as ``name``."""
        params = {"year": str(year), "format": fmt, **({"month": str(month)} if month else {})}
        answer = await self._call("GET", f"/api/v1/reports/{kind}", params=params)
        return ExportFile(name, answer.content, answer.headers.get("content-type", ""))

    async def records_export(self, filters: dict[str, str]) -> ExportFile:
        """Every record of the plan and period in ``filters`` as .xlsx (逐条记录导出)."""
        answer = await self._call("GET", "/api/v1/review/export", params=filters)
        return ExportFile("records.xlsx", answer.content, answer.headers.get("content-type", ""))
