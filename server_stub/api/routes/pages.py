"""Public HTML pages, in Chinese, readable on a phone."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ... import queries
from ..deps import ConnDep

router = APIRouter(tags=["pages"])

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:0;padding:16px;max-width:720px;margin:auto;color:#1f2933;line-height:1.6}}
h1{{font-size:1.4rem}} table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #e4e7eb;padding:6px 4px;text-align:left;vertical-align:top}}
.muted{{color:#616e7c;font-size:.9rem}}
</style></head><body>{body}</body></html>"""


def render_page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), body=body))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(conn: ConnDep) -> HTMLResponse:
    counts = queries.directory_counts(conn)
    items = queries.load_items(conn)
    rows = "".join(
        f"<tr><td>{escape(i.category)}</td><td>{escape(i.name)}</td>"
        f"<td>{escape(i.department)}</td><td>{escape(i.method.value)}</td></tr>"
        for i in items
    )
    body = (
        "<h1>掌上查 · “双随机、一公开”监管平台</h1>"
        f"<p>检查对象名录库 {counts['entities']} 户；执法检查人员名录库 {counts['inspectors']} 人；"
        f"抽查事项 {counts['items']} 项。</p>"
        "<h2>抽查事项清单</h2><table><tr><th>抽查类别</th><th>事项名称</th><th>检查主体</th>"
        f"<th>检查方式</th></tr>{rows}</table>"
    )
    return render_page("掌上查平台", body)
