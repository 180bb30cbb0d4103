"""Published results in the national form (DESIGN §10): a plan's numbered 抽查任务检查结果公告, and
an enterprise's 抽查检查结果信息.

Every public view of a result (the announcement in HTML, CSV, Excel and JSON, the enterprise
search, ``/results``) is built from the one dict per result that :func:`public_results` returns, so
that what a result says, and anything later attached to it, is the same wherever it is read.

A result whose record said 发现问题待后续处理 shows, once its entry in the follow-up ledger is closed,
the disposal in the national wording (``sync.Disposal.public_result``) and, in 备注, its date and the
result as first published. The ledger's note is never shown: it may name people. Nothing here
reads a risk grade or an inspector (DESIGN §11).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from server_stub.core import tables as t
from server_stub.core.clock import CHINA, as_utc, china_date
from server_stub.core.db import indexed_by
from server_stub.core.errors import NotFound
from server_stub.core.merkle_log import Log
from server_stub.core.spreadsheet import Cell, append_row, csv_text
from server_stub.directory.search import CODE_LENGTH, looks_like_code
from server_stub.publication import aggregates
from server_stub.records.confirmation import confirmation
from sync import Disposal, Outcome, RecordState, validate_record

COLUMNS: tuple[tuple[str, str], ...] = (
    ("plan_id", "抽查计划编号"),
    ("plan_name", "抽查计划名称"),
    ("task_id", "抽查任务编号"),
    ("task_name", "抽查任务名称"),
    ("kind", "抽查类型"),
    ("authority", "检查机关"),
    ("entity_name", "抽查市场主体名称"),
    ("credit_code", "统一社会信用代码"),
    ("completed_on", "检查完成日期"),
    ("result", "检查结果"),
    ("remarks", "备注"),
)
"""The announcement's columns in the national order: key in JSON, heading everywhere else."""

ENTERPRISE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("no", "序号"), ("authority", "检查实施机关"), ("kind", "类型"), ("date", "日期"), ("result", "结果"))
"""An enterprise's 抽查检查结果信息, as 国家企业信用信息公示系统 lists it."""


RECORDS_KEY = "sqlite_autoindex_records_1"
"""SQLite's name for the index of ``records``' primary key (its first key in CREATE TABLE; the
plan tests in tests/server_stub/test_public_plans.py fail should it change)."""
BY_CREDIT_CODE = "ix_records_credit_code"

MAX_ENTERPRISES = 20
"""At most this many enterprises answer one search: a name fragment like 有限公司 matches most."""


def result_wording(outcome: str, disposal: str | None) -> str:
    """检查结果 as published: the outcome, or for a closed 待后续处理 its disposal's wording."""
    if outcome == Outcome.PROBLEM_PENDING and disposal in _DISPOSALS:
        return Disposal(disposal).public_result
    return outcome


_DISPOSALS = {d.value for d in Disposal}


def public_disposal(disposal: str) -> str:
    """A disposal as the public sees it (``sync.Disposal.public_name``)."""
    return Disposal(disposal).public_name if disposal in _DISPOSALS else disposal


UNCONFIRMED = "修订内容未经企业确认"
"""备注 of a revision published with the enterprise's answer to the version before it (issue 24)."""


def remarks(outcome: str, disposal_date: dt.date | None, *, unconfirmed: bool = False) -> str:
    """备注: when a follow-up was closed, and what the result said before; and whether the
    enterprise never confirmed a revision's content."""
    parts = [UNCONFIRMED] if unconfirmed else []
    if outcome == Outcome.PROBLEM_PENDING and disposal_date is not None:
        parts.append(f"{disposal_date.isoformat()}完成后续处置（原检查结果：{outcome}）")
    return "；".join(parts)


def public_results(conn: sa.Connection, *where: sa.ColumnElement[bool], newest_first: bool = False,
                   r: sa.Table = t.records) -> list[dict[str, Any]]:
    """The current published results matching ``where``, in order of publication (results
    published together in the plan's draw order): one dict per result with the announcement's
    columns (:data:`COLUMNS`) and what else the public may see, each as the latest leaf of the
    publication log holds it (``publication/log.py``), with ``log``: where that leaf is.
    ``where`` is written on ``r``: ``records``, or a copy ``core.db.indexed_by`` made."""
    return _as_logged(conn, _results(conn, *where, newest_first=newest_first, r=r))


def live_result(conn: sa.Connection, record_id: str) -> dict[str, Any]:
    """A published result as the database says it now, not as it was logged: what a new leaf
    of the publication log holds."""
    return _results(conn, t.records.c.id == record_id)[0]


def _as_logged(conn: sa.Connection, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each result as its latest leaf holds it (``log: None`` for one published before the log)."""
    p, le = t.publications, t.log_entries
    logged = {row.record_id: (row.leaf, json.loads(row.entry)) for row in conn.execute(
        sa.select(p.c.record_id, p.c.leaf, le.c.entry)
        .join(le, sa.and_(le.c.log == Log.PUBLICATION, le.c.idx == p.c.leaf))
        .where(p.c.record_id.in_([r["id"] for r in results])))}
    return [{**logged[r["id"]][1]["result"],
             "log": {"index": logged[r["id"]][0], "kind": logged[r["id"]][1]["kind"]}}
            if r["id"] in logged else {**r, "log": None} for r in results]


def _results(conn: sa.Connection, *where: sa.ColumnElement[bool], newest_first: bool = False,
             r: sa.Table = t.records) -> list[dict[str, Any]]:
    e, p, f = t.entities, t.plans, t.followups
    rows = conn.execute(
        sa.select(r.c.id, r.c.task_id, r.c.envelope, r.c.outcome, r.c.inspected_on, r.c.published_on,
                  r.c.credit_code, e.c.name.label("entity_name"), e.c.region,
                  p.c.id.label("plan_id"), p.c.name.label("plan_name"), p.c.spec, p.c.kind,
                  f.c.disposal, f.c.disposal_date)
        .select_from(r)
        .join(e, e.c.credit_code == r.c.credit_code)
        .join(t.tasks, t.tasks.c.id == r.c.task_id)
        .join(p, p.c.id == t.tasks.c.plan_id)
        .outerjoin(f, f.c.record_id == r.c.id)
        .where(*public_now(r), *where)
        .order_by(r.c.published_at.desc() if newest_first else r.c.published_at,
                  r.c.draw_order, r.c.id)
    ).mappings().all()
    records = [json.loads(row["envelope"])["record"] for row in rows]
    codes = {item["code"] for record in records for item in record["items"]}
    names = dict(conn.execute(sa.select(t.items.c.code, t.items.c.name)
                              .where(t.items.c.code.in_(codes))).all())
    return [_result(row, record, names, _unconfirmed(conn, record))
            for row, record in zip(rows, records, strict=True)]


def _unconfirmed(conn: sa.Connection, record: dict[str, Any]) -> bool:
    """Whether a revision is published with an answer the enterprise gave on another version."""
    if record.get("supersedes") is None:
        return False
    return confirmation(conn, validate_record(record)).confirmed is False


def public_now(r: sa.Table = t.records) -> tuple[sa.ColumnElement[bool], ...]:
    """Current published results (of ``r``: ``records`` or a copy ``core.db.indexed_by`` made);
    a withdrawn one is no longer shown anywhere (its withdrawal stays in the publication log)."""
    p = t.publications
    return (r.c.state == RecordState.PUBLISHED, r.c.superseded.is_(False),
            sa.not_(sa.exists().where(p.c.record_id == r.c.id, p.c.status == "withdrawn")))


def _result(row: sa.RowMapping, record: dict[str, Any], names: dict[str, str],
            unconfirmed: bool) -> dict[str, Any]:
    items = [{"code": i["code"], "name": names.get(i["code"], i["code"]), "result": i["result"]}
             for i in record["items"]]
    departments: list[str] = row["spec"]["departments"]
    disposal_date: dt.date | None = row["disposal_date"]
    return {
        "id": row["id"],
        "plan_id": row["plan_id"],
        "plan_name": row["plan_name"],
        "task_id": row["task_id"],
        # A task has no name of its own: it is one visit for the plan's items that fit the entity.
        "task_name": "、".join(i["name"] for i in items),
        "kind": row["kind"],
        "authority": "、".join(departments),
        "departments": departments,
        "entity_name": row["entity_name"],
        "credit_code": row["credit_code"],
        "region": row["region"],
        "completed_on": row["inspected_on"].isoformat(),
        "result": result_wording(row["outcome"], row["disposal"]),
        "remarks": remarks(row["outcome"], disposal_date, unconfirmed=unconfirmed),
        **({"unconfirmed": True} if unconfirmed else {}),
        "outcome": row["outcome"],
        "follow_up": None if row["disposal"] is None else {
            "disposal": public_disposal(row["disposal"]),
            "result": result_wording(row["outcome"], row["disposal"]),
            "date": disposal_date.isoformat() if disposal_date else None},
        "items": items,
        "published_on": row["published_on"].isoformat(),
    }


def matching(query: str, r: sa.Table = t.records) -> sa.ColumnElement[bool]:
    """Results (of ``r``) of an entity whose credit code is ``query`` or whose name contains it
    (``%`` and ``_`` are plain characters)."""
    e = t.entities
    # The entities first (one pass over the directory, or its key), then their records through
    # their index: an OR across the two tables read every published result (issue 29).
    return r.c.credit_code.in_(sa.select(e.c.credit_code).where(named_or_coded(query)))


def named_or_coded(query: str) -> sa.ColumnElement[bool]:
    """Entities whose credit code is ``query`` or whose name contains it. A whole credit code
    (18 of the code's characters) is looked up by key alone: no name holds one, and the pass
    over every name cost a search by code 0.2 s at 1 M entities on PostgreSQL (issue 29)."""
    e = t.entities
    by_code = e.c.credit_code == query.upper()
    if len(query) == CODE_LENGTH and looks_like_code(query):
        return by_code
    return sa.or_(e.c.name.contains(query, autoescape=True), by_code)


def count_results(conn: sa.Connection, *where: sa.ColumnElement[bool], r: sa.Table = t.records) -> int:
    """The current published results of ``r`` (``where`` written on it) that the lists show."""
    e = t.entities
    query = (sa.select(sa.func.count()).select_from(r).join(e, e.c.credit_code == r.c.credit_code)
             .where(*public_now(r), *where))
    return int(conn.execute(query).scalar_one())


# --- numbering ---------------------------------------------------------------------------------

def title(year: int, number: int) -> str:
    """The announcement's title in the national form: 2026年度第001号抽查任务检查结果公告."""
    return f"{year}年度第{number:03d}号抽查任务检查结果公告"


def next_number(conn: sa.Connection, department: str, year: int) -> int:
    """The number after the department's last of the year (1 for its first)."""
    a = t.announcements
    last = conn.execute(sa.select(sa.func.max(a.c.number))
                        .where(a.c.department == department, a.c.year == year)).scalar()
    return int(last or 0) + 1


def number_plan(conn: sa.Connection, plan_id: str, now: dt.datetime) -> None:
    """Give the plan its announcement number when its first result is published (a no-op after):
    the next of the plan's lead department in the current year (China time).

    Numberings of one department and year take turns, so that two processes never read the same
    last number: on PostgreSQL behind a transaction-scoped advisory lock (one not had within the
    lock timeout is the usual 503 busy), on SQLite behind its one writer. The unique key on
    (department, year, number) stays as the last word.
    """
    a = t.announcements
    numbered = sa.select(a.c.plan_id).where(a.c.plan_id == plan_id)
    if conn.execute(numbered).first():
        return
    spec = conn.execute(sa.select(t.plans.c.spec).where(t.plans.c.id == plan_id)).scalar_one()
    department, year = spec["departments"][0], china_date(now).year
    if conn.dialect.name == "postgresql":
        key = sa.func.hashtext(f"zsc-announcement:{department}:{year}")
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        if conn.execute(numbered).first():  # another process published this plan meanwhile
            return
    conn.execute(a.insert().values(plan_id=plan_id, department=department, year=year,
                                   number=next_number(conn, department, year), issued_at=now))


def _heading(row: sa.RowMapping) -> dict[str, Any]:
    return {
        "plan_id": row["plan_id"], "plan_name": row["name"], "department": row["department"],
        "year": row["year"], "number": row["number"], "title": title(row["year"], row["number"]),
        "issued_on": as_utc(row["issued_at"]).astimezone(CHINA).date().isoformat(),
    }


def _headings() -> sa.Select[Any]:
    a = t.announcements
    return (sa.select(a, t.plans.c.name).join(t.plans, t.plans.c.id == a.c.plan_id)
            .order_by(a.c.issued_at.desc(), a.c.number.desc(), a.c.department))


def published_counts(conn: sa.Connection) -> dict[str | None, int]:
    """Results shown per plan (current, published, not withdrawn): the maintained counts
    (``aggregates``) less the withdrawn few, read through their index; what counting every
    published row would say (tests/server_stub/test_aggregates.py), at any number of rows."""
    # From the withdrawals to their records: without the hint SQLite read every current record
    # (ix_records_dash_tasks, "superseded = 0") and probed its withdrawal (1.09 s at 1 M records).
    r, p = indexed_by(t.records, RECORDS_KEY), t.publications
    counts = aggregates.published_per_plan(conn)
    for plan_id, n in conn.execute(
            sa.select(r.c.plan_id, sa.func.count()).select_from(p).join(r, r.c.id == p.c.record_id)
            .where(p.c.status == "withdrawn", r.c.state == RecordState.PUBLISHED, r.c.superseded.is_(False))
            .group_by(r.c.plan_id)):
        counts[plan_id] = counts.get(plan_id, 0) - int(n)
    return counts


def list_announcements(conn: sa.Connection) -> list[dict[str, Any]]:
    """Every announcement's heading, the latest issued first, each with its number of results."""
    counts = published_counts(conn)
    return [{**_heading(row), "results": counts.get(row["plan_id"], 0)}
            for row in conn.execute(_headings()).mappings()]


def announcement(conn: sa.Connection, plan_id: str) -> dict[str, Any]:
    """A plan's announcement: heading, the columns and one row per current published result;
    404 for a plan with none (unknown, or nothing published yet)."""
    row = conn.execute(_headings().where(t.announcements.c.plan_id == plan_id)).mappings().first()
    if row is None:
        raise NotFound("announcement_not_found", "未找到该抽查计划的检查结果公告：计划不存在，或尚未公示检查结果")
    return {**_heading(row), "columns": [{"key": k, "title": v} for k, v in COLUMNS],
            "results": public_results(conn, t.tasks.c.plan_id == plan_id)}


def file_name(notice: dict[str, Any], suffix: str) -> str:
    return f"{notice['department']}{notice['title']}.{suffix}"


def _table(notice: dict[str, Any]) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[title for _, title in COLUMNS]]
    rows += ([str(r[key]) for key, _ in COLUMNS] for r in notice["results"])
    return rows


def announcement_csv(notice: dict[str, Any]) -> bytes:
    """The announcement as CSV: UTF-8 with a BOM (Excel on a Chinese Windows reads it so), a
    heading row, every cell inert text."""
    return csv_text(_table(notice)).encode("utf-8-sig")


def announcement_xlsx(notice: dict[str, Any]) -> bytes:
    """The announcement as an Excel workbook: one sheet named by its title, every cell text."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = notice["title"][:31]
    for row in _table(notice):
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(sheet.columns, 1):
        width = max(len(str(c.value or "")) for c in column) * 2 + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- an enterprise's 抽查检查结果信息 -------------------------------------------------------------


def enterprise_results(conn: sa.Connection, query: str) -> list[dict[str, Any]]:
    """The enterprises with published results whose credit code is ``query`` or whose name
    contains it (at most :data:`MAX_ENTERPRISES`, by name), each with its 抽查检查结果信息,
    the latest inspection first and numbered from 1."""
    # Records by credit code, whatever SQLite's statistics say (without any, it read every
    # published record through ix_records_state).
    r, e = indexed_by(t.records, BY_CREDIT_CODE), t.entities
    found = conn.execute(
        sa.select(e.c.credit_code, e.c.name).where(sa.exists().where(
            r.c.credit_code == e.c.credit_code, *public_now(r)))
        .where(named_or_coded(query))
        .order_by(e.c.name, e.c.credit_code).limit(MAX_ENTERPRISES)).all()
    results = public_results(conn, r.c.credit_code.in_([code for code, _ in found]), r=r)
    by_code: dict[str, list[dict[str, Any]]] = {}
    for result in sorted(results, key=lambda x: (x["completed_on"], x["id"]), reverse=True):
        by_code.setdefault(result["credit_code"], []).append(result)
    return [{"name": name, "credit_code": code,
             "results": _enterprise_rows(by_code.get(code, []))} for code, name in found]


def _enterprise_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"no": n, "authority": x["authority"], "kind": x["kind"], "date": x["completed_on"],
             "result": x["result"], "remarks": x["remarks"], "plan_id": x["plan_id"], "id": x["id"]}
            for n, x in enumerate(results, 1)]
