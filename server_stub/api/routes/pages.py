"""Public HTML pages, in Chinese, readable on a phone."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server_stub.api.deps import ConnDep
from server_stub.directory import queries
from server_stub.draws import planning

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


def _draw_link(plan_id: str, label: str) -> str:
    return f"<a href='/draws/{quote(plan_id)}'>{label}</a>"


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(conn: ConnDep) -> HTMLResponse:
    rows = "".join(
        f"<tr><td>{escape(p['name'])}<br><span class='muted'>{escape(p['id'])}</span></td>"
        f"<td>{escape('、'.join(p['departments']))}</td>"
        f"<td class='mono'>{escape(p['commitment'])}</td>"
        f"<td>{_draw_link(p['id'], '已抽取，查看结果' if p['drawn'] else '待抽取，查看抽取过程')}</td></tr>"
        for p in planning.list_public_plans(conn)
    )
    body = (
        "<h1>抽查计划</h1><p class='muted'>每个计划创建时即公布平台密钥的承诺值"
        "（SHA-256(“zsc-seed-commitment:”+密钥)）和抽取时采用的公开随机数（现场掷骰、公开未来数值）；"
        "抽取时先冻结并公布名录，再录入公开随机数，随机种子由密钥、名录和随机数共同推导，"
        "任何一方（包括平台）都无法事先选择。</p>"
        f"<table><tr><th>计划</th><th>部门</th><th>密钥承诺值</th><th>状态</th></tr>{rows}</table>"
    )
    return render_page("抽查计划", body)


def _strata_table(strata: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>第{s['stratum']}层</td><td>{s['population']}</td><td>{escape(s['ratio'])}%</td><td>{s['k']}</td>"
        f"<td class='mono'>{escape(s['population_commitment'] or '（早期抽取，无）')}</td></tr>"
        for s in strata
    )
    return ("<table><tr><th>分层</th><th>名录户数</th><th>比例</th><th>抽取户数</th><th>名录承诺值</th></tr>"
            f"{rows}</table>")


def _ceremony_steps(plan: dict[str, Any]) -> str:
    """The draw's steps so far, each with its time: plan and commitment, every freeze (and what
    became of it), the entropy and witnesses."""
    entropy = plan["entropy"]
    named = []
    if entropy["dice_digits"]:
        named.append(f"抽取时由见证人现场掷十面骰 {entropy['dice_digits']} 位")
    if entropy["public_value"]:
        named.append(f"{escape(entropy['public_value']['source'])}（{escape(entropy['public_value']['date'])} 公布）")
    steps = [(f"<li><b>① 创建计划</b>（{escape(plan['created_at'])}）：公布平台密钥的承诺值 "
              f"<span class='mono'>{escape(plan['commitment'])}</span>；公开随机数：{'；'.join(named)}</li>")]
    for c in plan["ceremonies"]:
        head = (f"<b>② 名录冻结</b>（第{c['attempt']}次，{escape(c['frozen_at'])}）：名录总承诺值 "
                f"<span class='mono'>{escape(c['population_commitment'])}</span>{_strata_table(c['strata'])}")
        if c["state"] == "abandoned":
            head += f"<p class='bad'>本次已放弃（{escape(c['closed_at'] or '')}）：{escape(c['reason'] or '')}</p>"
        elif c["state"] == "frozen":
            head += "<p>名录已冻结，等待见证人掷骰、录入公开随机数。</p>"
        else:
            e = c["entropy"] or {}
            if e.get("dice"):
                head += (f"<p><b>③ 录入公开随机数</b>（{escape(c['closed_at'] or '')}）：骰子点数 "
                         f"<span class='mono'>{escape(e['dice'])}</span>，见证人："
                         f"{escape('、'.join(e.get('witnesses') or []))}</p>")
            if e.get("public_value"):
                head += f"<p><b>③ 公开数值</b>：<span class='mono'>{escape(e['public_value'])}</span></p>"
        steps.append(f"<li>{head}</li>")
    return f"<ol style='padding-left:1.2em'>{''.join(steps)}</ol>"


@router.get("/draws/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def draw_page(plan_id: str, conn: ConnDep) -> HTMLResponse:
    plan = planning.get_public_plan(conn, plan_id)
    if not plan["drawn"]:
        body = (f"<h1>{escape(plan['name'])}：抽取过程</h1>{_ceremony_steps(plan)}"
                "<p class='muted'>抽取完成后，本页公布随机种子的推导和抽中的检查对象。</p>")
        return render_page(f"{plan['name']} 抽取过程", body)
    d = planning.load_draw(conn, plan_id, "publication")
    entities = "".join(
        f"<tr><td>{escape(e['name'])}<br><span class='muted mono'>{escape(e['credit_code'])}</span></td>"
        f"<td>{escape(e['region'])}</td><td>{escape(e['industry'])}</td></tr>"
        for e in d["entities"]
    )
    c = d.get("ceremony")
    derivation = (
        f"<p><b>④ 推导随机种子</b>：SHA-256（RFC 8785 规范 JSON {{derivation: {escape(c['derivation'])}，"
        f"平台密钥 <span class='mono'>{escape(c['secret'])}</span>，名录总承诺值，骰子点数，公开数值}}）= "
        f"<span class='mono'>{escape(d['seed'])}</span></p>"
        if c else
        f"<p>随机种子（早期抽取：即平台密钥本身）：<span class='mono'>{escape(d['seed'])}</span></p>"
    )
    body = (
        f"<h1>{escape(plan['name'])}：抽取结果公示</h1>"
        f"<p>部门：{escape('、'.join(plan['departments']))}；检查期限：{escape(plan['window_start'])} 至 "
        f"{escape(plan['window_end'])}；抽取时间：{escape(d['drawn_at'])}</p>"
        f"<h2>抽取过程</h2>{_ceremony_steps(plan)}{derivation}"
        # draws before issue 13 had no freeze step: their strata stand here
        f"{'' if plan['ceremonies'] else _strata_table(d['strata'])}"
        f"<p>算法：{escape(d['algorithm'])} {escape(d['algorithm_version'])}（一致性抽样，不放回），"
        "在上述随机种子下对各层分别抽取。种子承诺值 = SHA-256(“zsc-seed-commitment:”+平台密钥)。</p>"
        "<p class='muted'>各层按名录承诺值排序。名录承诺值 = SHA-256(“zsc-population:”+盐值+换行+"
        "该层全部统一社会信用代码按字符顺序排列、以换行分隔)；每层的盐值为冻结时产生的128位随机数，"
        "只写入审计导出文件，持审计导出文件者可核对名录与本页一致，其他人无法据此推测名录。</p>"
        f"<h2>抽中的检查对象（{len(d['entities'])} 户，按统一社会信用代码排序）</h2>"
        f"<table><tr><th>名称</th><th>区域</th><th>行业</th></tr>{entities}</table>"
        f"<p><a href='/api/v1/draws/{quote(plan_id)}'>JSON 格式</a></p>"
    )
    return render_page(f"{plan['name']} 抽取结果", body)
