"""信息查询: the directory searched from a device, and one enterprise with its visible history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from server_stub.access import history
from server_stub.api.deps import ConnDep, DeviceDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.directory import search
from sync import HistoryEntry

router = APIRouter(prefix="/api/v1", tags=["lookup"])


class EnterpriseOut(BaseModel):
    credit_code: str
    name: str
    address: str
    region: str
    industry: str
    status: str = Field(description="登记状态")


class EnterprisePage(BaseModel):
    enterprises: list[EnterpriseOut]
    page: int
    page_size: int
    more: bool = Field(description="whether more matches follow this page")
    last_page: int = Field(description="the last page the search serves: beyond it, narrow the query")


class EnterpriseDetail(BaseModel):
    enterprise: EnterpriseOut
    history: list[HistoryEntry]


@router.get("/enterprises", responses=error_responses(400, 401, 422))
def search_enterprises(device: DeviceDep, conn: ConnDep,
                       q: Annotated[str, Query(max_length=200, description="企业名称或统一社会信用代码（前缀或包含）")],
                       page: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = 1) -> EnterprisePage:
    """Entities by name or credit code, prefix matches first, one phone-sized page at a time."""
    found, more = search.search_entities(conn, q, page)
    return EnterprisePage(enterprises=[EnterpriseOut(**e) for e in found], page=page,
                          page_size=search.PAGE_SIZE, more=more, last_page=search.MAX_PAGE)


@router.get("/enterprises/{credit_code}", responses=error_responses(401, 404))
def enterprise(credit_code: str, device: DeviceDep, settings: SettingsDep,
               conn: ConnDep) -> EnterpriseDetail:
    """One entity's registered details and the earlier inspections this device's person may see."""
    details = search.entity_details(conn, credit_code)
    found = history.visible_history(conn, [details["credit_code"]],
                                    history.department_of(conn, device.inspector_id),
                                    due_days=settings.followup_due_days)
    return EnterpriseDetail(enterprise=EnterpriseOut(**details),
                            history=[entry for _task, entry in found.get(details["credit_code"], [])])
