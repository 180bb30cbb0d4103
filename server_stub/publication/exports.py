"""The dashboard as files a supervisor opens in Excel: CSV (UTF-8 with BOM) and .xlsx.

Cells are written through ``spreadsheet``: plan names and group keys as inert text, counts and
rates as numbers.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from server_stub.core.spreadsheet import Cell, Percent, append_row, csv_text
from server_stub.publication.dashboard import Dashboard

_FILLS = {"红色": "F8B4B4", "橙色": "FCD9A8", "黄色": "FFF3A8", "绿色": "C6EFCE"}


def _percent(rate: Decimal | None) -> Cell:
    return "—" if rate is None else Percent(rate)


def sections(figures: Dashboard) -> Iterator[tuple[str, list[str], list[list[Cell]]]]:
    """The dashboard as titled tables (the same rows in both formats)."""
    yield "抽查计划", ["计划编号", "计划名称", "任务数", "已完成", "已公示", "完成率", "公示率"], [
        [p.plan_id, p.name, p.tasks, p.completed, p.published,
         _percent(p.completion_rate), _percent(p.publication_rate)] for p in figures.plans]
    for title, rows in (("按行业", figures.by_industry), ("按区域", figures.by_region),
                        ("按风险等级（内部）", figures.by_grade)):
        yield f"问题发现率{title}", ["分组", "检查户数", "发现问题户数", "问题发现率", "预警"], [
            [r.key, r.inspected, r.problems, _percent(r.rate), r.colour or "—"] for r in rows]
    use = figures.risk_grade_use
    yield "风险分类结果运用", ["计划数", "按风险等级设定比例的计划数", "运用率", "是否达标（≥60%）"], [
        [use.plans, use.using, _percent(use.rate), "是" if use.meets_target else "否"]]
    note = "（含暂按周一至周五推算的期限）" if figures.deadlines_provisional else ""
    yield f"逾期公示{note}", ["检查日期", "公示期限", "逾期公示数", "逾期未公示数"], [
        [o.inspected.isoformat(), o.deadline.isoformat() + ("（暂定）" if o.provisional else ""),
         o.published_late, o.unpublished_overdue] for o in figures.overdue]
    yield f"频繁检查预警（本年被检查超过{figures.frequent_after}次）", [
        "统一社会信用代码", "名称", "本年检查次数", "检查部门"], [
        [f.credit_code, f.name, f.inspections, "、".join(f.departments)] for f in figures.frequent]


def dashboard_csv(figures: Dashboard) -> bytes:
    rows: list[list[Cell]] = []
    for title, header, table in sections(figures):
        rows += [[title], list(header), *table, []]
    return csv_text(rows).encode("utf-8-sig")


def dashboard_xlsx(figures: Dashboard) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for title, header, rows in sections(figures):
        sheet = book.create_sheet(title[:31])
        append_row(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)
            colour = _FILLS.get(str(row[-1]))
            if colour:
                sheet.cell(sheet.max_row, len(row)).fill = PatternFill("solid", fgColor=colour)
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column) * 2 + 2
            sheet.column_dimensions[column[0].column_letter].width = min(width, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
