"""Published results (公示): what anyone may see of an inspection once a supervisor published it.

Entity, items and their results, outcome, department, dates. Never a risk grade, never the
inspectors' names or badge numbers, never a note (notes may name people).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from sync import RecordState

PAGE_SIZE = 50


def published_results(conn: sa.Connection, *, page: int = 1, query: str = "") -> tuple[list[dict[str, Any]], int]:
    """One page of published results, newest first, and the total count; ``query`` matches the
    entity's name or credit code."""
    r, e = t.records, t.entities
    where = [r.c.state == RecordState.PUBLISHED, r.c.superseded.is_(False)]
    if query:
        where.append(sa.or_(e.c.name.contains(query), r.c.credit_code == query.upper()))
    base = sa.select(r.c.id).join(e, e.c.credit_code == r.c.credit_code).where(*where)
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(
        sa.select(r.c.id, r.c.envelope, r.c.outcome, r.c.inspected_on, r.c.published_on,
                  r.c.credit_code, e.c.name.label("entity_name"), e.c.region, t.plans.c.spec)
        .join(e, e.c.credit_code == r.c.credit_code)
        .join(t.tasks, t.tasks.c.id == r.c.task_id)
        .join(t.plans, t.plans.c.id == t.tasks.c.plan_id)
        .where(*where)
        .order_by(r.c.published_at.desc(), r.c.id)
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).mappings().all()
    codes = {item["code"] for row in rows for item in json.loads(row["envelope"])["record"]["items"]}
    names = dict(conn.execute(sa.select(t.items.c.code, t.items.c.name)
                              .where(t.items.c.code.in_(codes))).all())
    return [_public(row, names) for row in rows], total


def _public(row: sa.RowMapping, names: dict[str, str]) -> dict[str, Any]:
    record = json.loads(row["envelope"])["record"]
    return {
        "id": row["id"],
        "entity": {"name": row["entity_name"], "credit_code": row["credit_code"], "region": row["region"]},
        "plan": row["spec"]["name"],
        "departments": row["spec"]["departments"],
        "items": [{"code": i["code"], "name": names.get(i["code"], i["code"]), "result": i["result"]}
                  for i in record["items"]],
        "outcome": row["outcome"],
        "inspected_on": row["inspected_on"].isoformat(),
        "published_on": row["published_on"].isoformat(),
    }
