"""Public HTML pages, in Chinese, readable on a phone."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ... import planning, queries
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
.card{{border:1px solid #e4e7eb;border-radius:8px;padding:12px;margin:12px 0}}
.ok{{color:#18794e}} .bad{{color:#c62828}}
.mono{{font-family:ui-monospace,monospace;word-break:break-all;font-size:.85rem}}
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


def _draw_link(plan_id: str) -> str:
    return f"<a href='/draws/{escape(plan_id)}'>已抽取，查看结果</a>"


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(conn: ConnDep) -> HTMLResponse:
    rows = "".join(
        f"<tr><td>{escape(p['name'])}<br><span class='muted'>{escape(p['id'])}</span></td>"
        f"<td>{escape('、'.join(p['departments']))}</td>"
        f"<td class='mono'>{escape(p['commitment'])}</td>"
        f"<td>{_draw_link(p['id']) if p['drawn'] else '待抽取'}</td></tr>"
        for p in planning.list_public_plans(conn)
    )
    body = (
        "<h1>抽查计划</h1><p class='muted'>每个计划创建时即公布随机种子的承诺值"
        "（SHA-256(“zsc-seed-commitment:”+种子)）；抽取后公布种子本身，任何人都可核对二者一致"
        "并复核抽取结果。承诺值不泄露种子，也不能用来提前推算抽取结果。</p>"
        f"<table><tr><th>计划</th><th>部门</th><th>种子承诺值</th><th>状态</th></tr>{rows}</table>"
    )
    return render_page("抽查计划", body)


@router.get("/draws/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def draw_page(plan_id: str, conn: ConnDep) -> HTMLResponse:
    d = planning.load_draw(conn, plan_id, "publication")
    strata = "".join(
        f"<tr><td>第{s['stratum']}层</td><td>{s['population']}</td><td>{escape(s['ratio'])}%</td><td>{s['k']}</td>"
        f"<td class='mono'>{escape(s['population_commitment'] or '（早期抽取，无）')}</td></tr>"
        for s in d["strata"]
    )
    entities = "".join(
        f"<tr><td>{escape(e['name'])}<br><span class='muted mono'>{escape(e['credit_code'])}</span></td>"
        f"<td>{escape(e['region'])}</td><td>{escape(e['industry'])}</td></tr>"
        for e in d["entities"]
    )
    plan = d["plan"]
    body = (
        f"<h1>{escape(plan['name'])}：抽取结果公示</h1>"
        f"<p>部门：{escape('、'.join(plan['departments']))}；检查期限：{escape(plan['window_start'])} 至 "
        f"{escape(plan['window_end'])}；抽取时间：{escape(d['drawn_at'])}</p>"
        f"<h2>抽取参数</h2><p>算法：{escape(d['algorithm'])} {escape(d['algorithm_version'])}"
        f"（一致性抽样，不放回）<br>随机种子：<span class='mono'>{escape(d['seed'])}</span><br>"
        "种子承诺值（计划创建时已公布，= SHA-256(“zsc-seed-commitment:”+种子)）："
        f"<span class='mono'>{escape(d['commitment'])}</span></p>"
        "<p class='muted'>各层按名录承诺值排序。名录承诺值 = SHA-256(“zsc-population:”+盐值+换行+"
        "该层全部统一社会信用代码按字符顺序排列、以换行分隔)；每层的盐值为抽取时产生的128位随机数，"
        "只写入审计导出文件，持审计导出文件者可核对名录与本页一致，其他人无法据此推测名录。</p>"
        "<table><tr><th>分层</th><th>名录户数</th><th>比例</th><th>抽取户数</th><th>名录承诺值</th></tr>"
        f"{strata}</table>"
        f"<h2>抽中的检查对象（{len(d['entities'])} 户，按统一社会信用代码排序）</h2>"
        f"<table><tr><th>名称</th><th>区域</th><th>行业</th></tr>{entities}</table>"
        f"<p><a href='/api/v1/draws/{escape(plan_id)}'>JSON 格式</a></p>"
    )
    return render_page(f"{plan['name']} 抽取结果", body)
