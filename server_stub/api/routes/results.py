"""Published inspection results (公示), as JSON and as a phone-sized page. Never a risk grade."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from server_stub.api.deps import ConnDep
from server_stub.api.templates import render
from server_stub.publication import results as publication

router = APIRouter(tags=["public"])


class ResultEntity(BaseModel):
    name: str
    credit_code: str
    region: str


class ResultItem(BaseModel):
    code: str
    name: str
    result: str


class PublishedResult(BaseModel):
    id: str
    entity: ResultEntity
    plan: str
    departments: list[str]
    items: list[ResultItem]
    outcome: str
    inspected_on: str
    published_on: str


class ResultPage(BaseModel):
    results: list[PublishedResult]
    total: int
    page: int
    page_size: int


Page = Annotated[int, Query(ge=1, le=100000)]
Search = Annotated[str, Query(max_length=100)]


@router.get("/api/v1/public/results")
def results(conn: ConnDep, page: Page = 1, q: Search = "") -> ResultPage:
    """Published results, newest first; ``q`` finds an entity by name or credit code."""
    rows, total = publication.published_results(conn, page=page, query=q.strip())
    return ResultPage(results=[PublishedResult(**r) for r in rows], total=total, page=page,
                      page_size=publication.PAGE_SIZE)


@router.get("/results", response_class=HTMLResponse, include_in_schema=False)
def results_page(conn: ConnDep, page: Page = 1, q: Search = "") -> HTMLResponse:
    rows, total = publication.published_results(conn, page=page, query=q.strip())
    pages = min(-(-total // publication.PAGE_SIZE), 20)
    return render("results.html", rows=rows, total=total, page=page, pages=pages, q=q)
