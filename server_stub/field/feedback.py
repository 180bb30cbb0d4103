"""Enterprises' feedback on an inspection (left on the page its inspection code opens), as the
supervisors of the inspecting departments read it: beside the task's record and as a list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.clock import rfc3339
from sync import FeedbackLine

LIST_LIMIT = 200


def for_task(conn: sa.Connection, task_id: str) -> list[FeedbackLine]:
    """The task's feedback, oldest first."""
    f = t.feedback
    rows = conn.execute(sa.select(f.c.message, f.c.contact, f.c.created_at)
                        .where(f.c.task_id == task_id).order_by(f.c.created_at, f.c.id)).mappings()
    return [{"message": row["message"], "contact": row["contact"],
             "created_at": rfc3339(row["created_at"])} for row in rows]


def for_plans(conn: sa.Connection, plans: sa.Select[str]) -> list[dict[str, Any]]:
    """The newest ``LIST_LIMIT`` feedback on tasks of ``plans`` (a department's), each with its
    task's entity and its current record (None while nothing is submitted)."""
    f, tk, e, r = t.feedback, t.tasks, t.entities, t.records
    current = (sa.select(r.c.id).where(r.c.task_id == tk.c.id, r.c.superseded.is_(False))
               .order_by(r.c.received_at.desc()).limit(1).scalar_subquery())
    rows = conn.execute(
        sa.select(f.c.task_id, tk.c.plan_id, tk.c.credit_code, e.c.name.label("entity_name"),
                  current.label("record_id"), f.c.message, f.c.contact, f.c.created_at)
        .join(tk, tk.c.id == f.c.task_id).join(e, e.c.credit_code == tk.c.credit_code)
        .where(tk.c.plan_id.in_(plans))
        .order_by(f.c.created_at.desc(), f.c.id.desc()).limit(LIST_LIMIT)
    ).mappings()
    return [{**row, "created_at": rfc3339(row["created_at"])} for row in rows]
