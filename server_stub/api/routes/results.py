"""Published inspection results (公示), as JSON and as phone-sized pages, in the national form:
the list of every result, each plan's numbered 抽查任务检查结果公告 (HTML, CSV, Excel, JSON), and an
enterprise's 抽查检查结果信息. Never a risk grade, an inspector or a note."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from server_stub.api.deps import ConnDep, SettingsDep
from server_stub.api.errors import error_responses
from server_stub.api.routes.log import Receipt, SizeQuery, receipt
from server_stub.api.templates import render
from server_stub.core import merkle_log
from server_stub.core import witnesses as witness_store
from server_stub.core.config import Settings
from server_stub.core.errors import RecordNotFound
from server_stub.core.merkle_log import Log
from server_stub.publication import announcements
from server_stub.publication import log as publication_log
from server_stub.publication import results as publication
from sync import (
    ZscError,
    entry_leaf_hash,
    parse_hashes,
    public_key_b64,
    read_tree_head,
    verify_inclusion,
)

router = APIRouter(tags=["public"])


class ResultEntity(BaseModel):
    name: str
    credit_code: str
    region: str


class ResultItem(BaseModel):
    code: str
    name: str
    result: str


class FollowUp(BaseModel):
    disposal: str
    result: str
    date: str | None


class LogPlace(BaseModel):
    index: int = Field(description="该结果现所依据的公示日志条目编号（公示、更正或后续处置）")
    kind: str = Field(description="publish | correct | follow_up")


class Correction(BaseModel):
    outcome: str = Field(description="更正前的检查结果")
    reason: str
    corrected_on: str


class WitnessedBy(BaseModel):
    name: str
    witness_key: str
    size: int = Field(description="该见证人共同签名的、包含该结果的最早树头的大小")
    witnessed_at: str


class WitnessStatus(BaseModel):
    witnessed: bool = Field(description="是否有见证人共同签名过包含该结果的树头")
    witnesses: list[WitnessedBy]
    required: int = Field(description="计为已公示所需的见证人数（ZSC_WITNESSES_REQUIRED）")
    pending: bool = Field(description="待见证：见证人数尚未达到要求，结果尚不计为已公示（公示日期不变）")
    newest_head_witnessed_by: list[str] = Field(description="共同签名了平台最新树头的见证人")
    configured: int


def with_witnesses(conn: sa.Connection, settings: Settings,
                   rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (public results) each with its ``witness`` status (``core.witnesses``)."""
    status = witness_store.leaf_status(conn, settings, [r["log"]["index"] for r in rows if r.get("log")])
    return [{**r, "witness": status.get(r["log"]["index"]) if r.get("log") else None} for r in rows]


class PublishedResult(BaseModel):
    """A result in the national columns (``plan_id`` … ``remarks``), and more."""

    id: str
    plan_id: str
    plan_name: str
    task_id: str
    task_name: str
    kind: str
    authority: str
    entity_name: str
    credit_code: str
    completed_on: str
    result: str
    remarks: str
    entity: ResultEntity
    plan: str
    departments: list[str]
    items: list[ResultItem]
    outcome: str
    follow_up: FollowUp | None
    correction: Correction | None = None
    log: LogPlace | None = Field(description="在公示日志中的位置；日志启用前公示的结果为 null")
    inspected_on: str
    published_on: str
    witness: WitnessStatus | None = Field(
        default=None, description="外部见证：哪些见证人共同签名过包含该结果的树头、何时；null 为不在日志中")


def _published(r: dict[str, Any]) -> PublishedResult:
    return PublishedResult(**r, plan=r["plan_name"], inspected_on=r["completed_on"],
                           entity=ResultEntity(name=r["entity_name"], credit_code=r["credit_code"],
                                               region=r["region"]))


class ResultPage(BaseModel):
    results: list[PublishedResult]
    total: int
    page: int | None = Field(description="页码；用 before 翻到的页为 null")
    page_size: int
    last_page: int = Field(description="可用页码访问的最后一页；更靠后的结果用 next 逐页往后翻")
    next: str | None = Field(description="下一页的 before 参数值（本页最后一条结果的位置）；已是最后一页时为 null")


Page = Annotated[int, Query(ge=1, description=f"页码，1 至 {publication.MAX_PAGE}")]
Search = Annotated[str, Query(max_length=100)]
Before = Annotated[str | None, Query(max_length=80, description="从该位置之后继续（上一页答复中的 next）")]


@router.get("/api/v1/public/results", responses=error_responses(400))
def results(conn: ConnDep, settings: SettingsDep, page: Page = 1, q: Search = "",
            before: Before = None) -> ResultPage:
    """Published results, newest first; ``q`` finds an entity by name or credit code. ``result``
    is what the public sees (a closed follow-up's disposal); ``outcome`` what was recorded;
    ``witness`` who of the outside witnesses co-signed a head covering it. Pages are numbered
    up to ``last_page``; any page's ``next``, given back as ``before``, is the one after it."""
    listing = publication.published_results(conn, page=page, query=q.strip(), before=before)
    rows = with_witnesses(conn, settings, listing.rows)
    return ResultPage(results=[_published(r) for r in rows], total=listing.total,
                      page=None if before else page, page_size=publication.PAGE_SIZE, last_page=publication.MAX_PAGE,
                      next=listing.next)


@router.get("/results", response_class=HTMLResponse, include_in_schema=False)
def results_page(conn: ConnDep, settings: SettingsDep, page: Page = 1, q: Search = "",
                 before: Before = None) -> HTMLResponse:
    listing = publication.published_results(conn, page=page, query=q.strip(), before=before)
    rows = with_witnesses(conn, settings, listing.rows)
    pages = min(-(-listing.total // publication.PAGE_SIZE), 20)
    return render("results.html", rows=rows, total=listing.total, page=None if before else page,
                  pages=pages, q=q, next=listing.next)


class AnnouncementHeading(BaseModel):
    plan_id: str
    plan_name: str
    department: str
    year: int
    number: int
    title: str
    issued_on: str


class ListedAnnouncement(AnnouncementHeading):
    results: int


class AnnouncementList(BaseModel):
    announcements: list[ListedAnnouncement]


class Column(BaseModel):
    key: str
    title: str


class Announcement(AnnouncementHeading):
    columns: list[Column]
    results: list[PublishedResult]


@router.get("/api/v1/public/announcements")
def announcement_list(conn: ConnDep) -> AnnouncementList:
    """Every plan's 抽查任务检查结果公告, the latest issued first."""
    return AnnouncementList(announcements=[ListedAnnouncement(**a)
                                           for a in announcements.list_announcements(conn)])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, media_type: str, notice: dict[str, Any], suffix: str) -> Response:
    """A file named by the announcement (RFC 6266: an ASCII name, and the Chinese one as UTF-8)."""
    name = announcements.file_name(notice, suffix)
    disposition = (f"attachment; filename=announcement-{notice['year']}-{notice['number']:03d}.{suffix}; "
                   f"filename*=UTF-8''{quote(name)}")
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/api/v1/public/announcements/{plan_id}", response_model=Announcement,
            responses={**error_responses(404), 200: {"content": {"text/csv": {}, XLSX: {}}}})
def announcement(plan_id: str, conn: ConnDep,
                 format: Literal["json", "csv", "xlsx"] = "json") -> Any:
    """A plan's announcement as JSON (the columns, then one object per result), CSV (UTF-8 with
    BOM) or Excel; 404 when the plan has none."""
    notice = announcements.announcement(conn, plan_id)
    if format == "csv":
        return _download(announcements.announcement_csv(notice), "text/csv; charset=utf-8", notice, "csv")
    if format == "xlsx":
        return _download(announcements.announcement_xlsx(notice), XLSX, notice, "xlsx")
    return Announcement(**{**notice, "results": [_published(r) for r in notice["results"]]})


@router.get("/announcements", response_class=HTMLResponse, include_in_schema=False)
def announcements_page(conn: ConnDep) -> HTMLResponse:
    return render("announcements.html", announcements=announcements.list_announcements(conn))


@router.get("/announcements/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def announcement_page(plan_id: str, conn: ConnDep) -> HTMLResponse:
    return render("announcement.html", notice=announcements.announcement(conn, plan_id))


class EnterpriseResult(BaseModel):
    no: int
    authority: str
    kind: str
    date: str
    result: str
    remarks: str
    plan_id: str
    id: str


class Enterprise(BaseModel):
    name: str
    credit_code: str
    results: list[EnterpriseResult]


class EnterpriseSearch(BaseModel):
    enterprises: list[Enterprise]
    limit: int


@router.get("/api/v1/public/enterprises")
def enterprises(conn: ConnDep, q: Search = "") -> EnterpriseSearch:
    """Enterprises with published results whose credit code is ``q`` or whose name contains it,
    each with its 抽查检查结果信息 (序号, 检查实施机关, 类型, 日期, 结果), latest first; none for
    an empty ``q``."""
    found = announcements.enterprise_results(conn, q.strip()) if q.strip() else []
    return EnterpriseSearch(enterprises=[Enterprise(**e) for e in found],
                            limit=announcements.MAX_ENTERPRISES)


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(conn: ConnDep, q: Search = "") -> HTMLResponse:
    query = q.strip()
    found = announcements.enterprise_results(conn, query) if query else []
    return render("search.html", q=query, enterprises=found, limit=announcements.MAX_ENTERPRISES)


@router.get("/api/v1/public/results/{record_id}/proof", responses=error_responses(400, 404))
def result_proof(record_id: Annotated[str, Path(max_length=36)], conn: ConnDep,
                 size: SizeQuery = None) -> Receipt:
    """A published result's latest leaf in the publication log (its publication, correction,
    follow-up or withdrawal), a signed tree head (the latest, or that of ``size``) and the
    inclusion proof: save it, and check it any time with ``python -m sync.verify result``."""
    found = publication_log.standing(conn, record_id)
    if found is None:
        raise RecordNotFound()
    return Receipt(**receipt(conn, Log.PUBLICATION, found[0], size))


# --- the same proofs as pages people read (issue 24, point 4) --------------------------------

KINDS = {"publish": "公示", "correct": "更正", "follow_up": "后续处置结果公示", "withdraw": "撤回公示"}


def _checked_head(request: Request, head: dict[str, Any]) -> tuple[bool, bytes]:
    """Whether the tree head's signature verifies with the platform's published key, and its root."""
    try:
        return True, read_tree_head(head, public_key_b64(request.app.state.server_key)).root
    except ZscError:
        return False, b""


@router.get("/results/{record_id}/proof", response_class=HTMLResponse, include_in_schema=False)
def result_proof_page(record_id: Annotated[str, Path(max_length=36)], request: Request,
                      conn: ConnDep, settings: SettingsDep) -> HTMLResponse:
    """``result_proof`` as a page: what the leaf says, the inclusion proof and the signed tree
    head, each checked and explained in Chinese, times in 北京时间; the JSON one link further."""
    found = publication_log.standing(conn, record_id)
    if found is None:
        raise RecordNotFound()
    proof = receipt(conn, Log.PUBLICATION, found[0], None)
    head = proof["tree_head"]
    signed, root = _checked_head(request, head)
    leaf_hash = entry_leaf_hash(proof["entry"])
    included = signed and verify_inclusion(proof["index"], head["size"], leaf_hash,
                                           parse_hashes(proof["proof"], "proof"), root)
    return render("proof.html", record_id=record_id, proof=proof, head=head, signed=signed,
                  included=included, leaf_hash=leaf_hash.hex(), kinds=KINDS,
                  cosignatures=witness_store.cosignatures_of(conn, settings, Log.PUBLICATION, head["size"]),
                  w=witness_store.leaf_status(conn, settings, [found[0]]).get(found[0]),
                  key=public_key_b64(request.app.state.server_key))


@router.get("/log/publication", response_class=HTMLResponse, include_in_schema=False)
def log_head_page(request: Request, conn: ConnDep, settings: SettingsDep) -> HTMLResponse:
    """The publication log's newest signed tree head as a page (``/api/v1/log/publication/head``
    is its JSON): what it is, its size, root and time in 北京时间, and whether it is signed."""
    head = merkle_log.latest_head(conn, Log.PUBLICATION)
    signed = head is not None and _checked_head(request, head)[0]
    return render("log_head.html", head=head, signed=signed,
                  cosignatures=witness_store.cosignatures_of(conn, settings, Log.PUBLICATION, head["size"])
                  if head else [],
                  key=public_key_b64(request.app.state.server_key))
