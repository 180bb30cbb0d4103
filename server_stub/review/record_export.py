"""Every record of a plan or a period as an Excel workbook a supervisor filters (逐条记录导出).

Two sheets, one question each:

- 检查记录: one row per record (revisions and the records they replaced included, each with its
  state and whether it is the current result), the entity, plan, team, inspection start and end
  as Excel dates, outcome, the item counts as numbers and the failed items by name;
- 检查事项: one row per record and item (entity, item, result, note), so that an AutoFilter on
  事项名称 and 检查结果 answers "who failed item X" across plans whose items differ.

An item sent for testing (issue 27) counts by its laboratory's conclusion once the report is
attached, as the paper and the review read it; until then it is 待检测, counted in a column of
its own, so the counts of a record always add up to its number of items.

Internal to the department (its plans only, DESIGN §11): notes and inspectors' names are in,
the risk grade never is. Every cell goes through ``publication.spreadsheet``: text is never a
formula, counts are numbers, dates are dates.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from server_stub.access.scope import department_plans
from server_stub.core import tables as t
from server_stub.core.clock import CHINA, as_utc
from server_stub.core.db import in_chunks
from server_stub.core.errors import NotFound
from server_stub.core.spreadsheet import Cell, append_row
from sync import ItemResult, RecordState, state_label

RECORD_COLUMNS = ("记录编号", "计划编号", "计划名称", "任务编号", "市场主体名称", "统一社会信用代码",
                  "检查人员", "检查开始时间", "检查结束时间", "检查结果", "事项数", "合格", "不合格",
                  "不涉及", "待检测", "不合格事项", "状态", "是否当前结果", "提交时间", "审核意见", "公示日期")
ITEM_COLUMNS = ("记录编号", "计划编号", "市场主体名称", "统一社会信用代码", "检查结束时间", "事项编码",
                "事项名称", "检查结果", "说明", "照片数", "检验检测机构", "检验检测报告编号", "状态",
                "是否当前结果")


@dataclass(frozen=True)
class Period:
    """Inspection dates (China), both ends included; ``None``: open-ended."""

    start: dt.date | None = None
    end: dt.date | None = None


def wall_clock(value: str | dt.datetime | None) -> dt.datetime | None:
    """An RFC 3339 or stored time as China's wall clock without a zone (Excel has none)."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else as_utc(value)
    return moment.astimezone(CHINA).replace(tzinfo=None, second=0, microsecond=0)


def records(conn: sa.Connection, department: str, *, plan_id: str | None = None,
            period: Period = Period()) -> list[dict[str, Any]]:
    """The department's records of ``plan_id`` (any of its plans when ``None``) inspected in
    ``period``, by inspection date then receipt. A plan the department neither runs nor joins is
    404 like one that does not exist."""
    r, tk = t.records, t.tasks
    if plan_id is not None and conn.execute(
            sa.select(t.plans.c.id).where(t.plans.c.id == plan_id,
                                          t.plans.c.id.in_(department_plans(department)))).first() is None:
        raise NotFound("plan_not_found", f"抽查计划「{plan_id}」不存在")
    query = (sa.select(r.c.id, r.c.task_id, r.c.credit_code, r.c.outcome, r.c.state, r.c.superseded,
                       r.c.envelope, r.c.received_at, r.c.review_comment, r.c.published_on,
                       tk.c.plan_id, t.plans.c.name.label("plan_name"),
                       t.entities.c.name.label("entity_name"))
             .join(tk, tk.c.id == r.c.task_id)
             .join(t.plans, t.plans.c.id == tk.c.plan_id)
             .join(t.entities, t.entities.c.credit_code == r.c.credit_code)
             .where(tk.c.plan_id.in_(department_plans(department)))
             .order_by(r.c.inspected_on, r.c.received_at, r.c.id))
    if plan_id is not None:
        query = query.where(tk.c.plan_id == plan_id)
    if period.start is not None:
        query = query.where(r.c.inspected_on >= period.start)
    if period.end is not None:
        query = query.where(r.c.inspected_on <= period.end)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["record"] = json.loads(row.pop("envelope"))["record"]
    return rows


def _names(conn: sa.Connection, table: sa.Table, key: sa.Column[str],
           wanted: Iterable[str]) -> dict[str, str]:
    codes = sorted(set(wanted))
    if not codes:
        return {}
    return {code: name for code, name in conn.execute(sa.select(key, table.c.name).where(key.in_(codes)))}


def _lab_reports(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(record, item) → (report number, conclusion) of every laboratory report attached to the
    rows' items sent for testing."""
    lab = t.lab_tests
    wanted = [row["id"] for row in rows
              if any(i.get("result") == ItemResult.AWAITING_LAB for i in row["record"]["items"])]
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for chunk in in_chunks(wanted):
        for test in conn.execute(sa.select(lab.c.record_id, lab.c.item_code, lab.c.report_no, lab.c.conclusion)
                                 .where(lab.c.record_id.in_(chunk),
                                        lab.c.conclusion.is_not(None))):
            found[(test.record_id, test.item_code)] = (test.report_no, test.conclusion)
    return found


def sheets(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> tuple[list[list[Cell]], list[list[Cell]]]:
    """The rows of 检查记录 and of 检查事项 (without their headers)."""
    items = _names(conn, t.items, t.items.c.code,
                   (i["code"] for row in rows for i in row["record"]["items"]))
    people = _names(conn, t.inspectors, t.inspectors.c.id,
                    (p for row in rows for p in row["record"]["inspectors"]))
    reports = _lab_reports(conn, rows)
    record_rows: list[list[Cell]] = []
    item_rows: list[list[Cell]] = []
    for row in rows:
        record = row["record"]

        def result(item: dict[str, Any], record_id: str = row["id"]) -> str:
            report = reports.get((record_id, item["code"]))
            return report[1] if report else str(item["result"])

        results = [result(i) for i in record["items"]]
        # one word per state (sync's table): a returned record a revision replaced is 已修订;
        # it stays in the export, but is not the result
        state = state_label(row["state"], superseded=row["superseded"])
        current = "否" if row["superseded"] or row["state"] == RecordState.RETURNED else "是"
        finished = wall_clock(record["finished_at"])
        record_rows.append(_no_none([
            row["id"], row["plan_id"], row["plan_name"], row["task_id"], row["entity_name"],
            row["credit_code"], "、".join(people.get(p, p) for p in record["inspectors"]),
            wall_clock(record["started_at"]), finished, record["outcome"], len(results),
            results.count(ItemResult.PASS), results.count(ItemResult.FAIL),
            results.count(ItemResult.NOT_APPLICABLE), results.count(ItemResult.AWAITING_LAB),
            "、".join(items.get(i["code"], i["code"]) for i in record["items"] if result(i) == ItemResult.FAIL),
            state, current, wall_clock(row["received_at"]), row["review_comment"] or "",
            row["published_on"]]))
        for item in record["items"]:
            item_rows.append(_no_none([
                row["id"], row["plan_id"], row["entity_name"], row["credit_code"], finished,
                item["code"], items.get(item["code"], item["code"]), result(item),
                item.get("note", ""), len(item.get("photos", ())), (item.get("lab") or {}).get("lab", ""),
                reports.get((row["id"], item["code"]), ("", ""))[0], state, current]))
    return record_rows, item_rows


def _no_none(row: list[Cell | None]) -> list[Cell]:
    """An empty cell for what is not there (a date not yet reached: unpublished)."""
    return [value if value is not None else "" for value in row]


def workbook(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> bytes:
    """The two sheets as an .xlsx file: bold headers, frozen header row, AutoFilter on each."""
    record_rows, item_rows = sheets(conn, rows)
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, header, body in (("检查记录", RECORD_COLUMNS, record_rows),
                                ("检查事项", ITEM_COLUMNS, item_rows)):
        sheet = book.create_sheet(title)
        append_row(sheet, list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in body:
            append_row(sheet, values)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column[:200]) * 2 + 2
            sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10), 50)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
