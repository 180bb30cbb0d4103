"""Published inspection results (公示), as JSON and as a phone-sized page. Never a risk grade."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from server_stub.api.deps import ConnDep
from server_stub.api.routes.pages import render_page
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
    cards = "".join(
        f"<div class='card'><b>{escape(r['entity']['name'])}</b><br>"
        f"<span class='muted mono'>{escape(r['entity']['credit_code'])}</span><br>"
        f"检查结果：<b>{escape(r['outcome'])}</b><br>"
        f"<span class='muted'>{escape('、'.join(r['departments']))} · {escape(r['plan'])}<br>"
        f"检查日期 {escape(r['inspected_on'])} · 公示日期 {escape(r['published_on'])}</span>"
        "<ul>" + "".join(f"<li>{escape(i['name'])}：{escape(i['result'])}</li>" for i in r["items"])
        + "</ul></div>"
        for r in rows
    ) or "<p class='muted'>暂无公示结果。</p>"
    pages = -(-total // publication.PAGE_SIZE)
    nav = " ".join(
        f"<a href='/results?page={n}&q={escape(q)}'>{n}</a>" if n != page else f"<b>{n}</b>"
        for n in range(1, min(pages, 20) + 1)
    )
    body = (
        "<h1>“双随机、一公开”抽查检查结果公示</h1>"
        f"<form><input name='q' value='{escape(q)}' placeholder='企业名称或统一社会信用代码' "
        "style='width:70%;padding:8px'> <button style='padding:8px'>查询</button></form>"
        f"<p class='muted'>共 {total} 条</p>{cards}<p>{nav}</p>"
        "<p><a href='/api/v1/public/results'>JSON 格式</a> · <a href='/plans'>抽查计划与抽取结果</a></p>"
    )
    return render_page("抽查检查结果公示", body)
