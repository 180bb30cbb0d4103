"""More tasks than a draw of the demo gives: for tests and benches that send many records.

A task takes one record (issue 23), and the demo's draw gives its busiest inspector three tasks,
so a test that sends forty records from one phone, or a bench of two hundred phones, first adds
tasks of the demo plan straight into the database: each for an entity no task has yet, its team
the inspector and one of their teammates (else a colleague of the same department). What they test is syncing, not the draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.db import make_engine


def add_tasks(db: str, inspectors: Sequence[str], per_inspector: int) -> dict[str, list[str]]:
    """``per_inspector`` new tasks for each of ``inspectors`` (an inspector named twice gets
    twice as many), like the first task of the database's first plan; their ids, per inspector."""
    engine = make_engine(db)
    try:
        with engine.begin() as conn:
            return _add(conn, inspectors, per_inspector)
    finally:
        engine.dispose()


def _add(conn: sa.Connection, inspectors: Sequence[str], per_inspector: int) -> dict[str, list[str]]:
    tk, i = t.tasks, t.inspectors
    model = conn.execute(sa.select(tk).order_by(tk.c.plan_id, tk.c.id).limit(1)).mappings().one()
    taken = set(conn.execute(sa.select(tk.c.credit_code)).scalars())
    free = [code for code in conn.execute(sa.select(t.entities.c.credit_code)
                                          .order_by(t.entities.c.credit_code)).scalars()
            if code not in taken]
    wanted = len(inspectors) * per_inspector
    if wanted > len(free):
        raise ValueError(f"{wanted} tasks wanted, {len(free)} entities have none")
    department = dict(conn.execute(sa.select(i.c.id, i.c.department).where(i.c.active.is_(True))).all())
    number = conn.execute(sa.select(sa.func.max(tk.c.draw_order))).scalar_one() or 0
    added: dict[str, list[str]] = {}
    rows, members = [], []
    teammates = {inspector: sorted({other for team in conn.execute(
        sa.select(tk.c.team).join(t.task_members, t.task_members.c.task_id == tk.c.id)
        .where(t.task_members.c.inspector_id == inspector)).scalars() for other in team} - {inspector})
        for inspector in set(inspectors)}
    for inspector in inspectors:
        # a teammate already, so that whoever a test picked as on none of the inspector's teams
        # (a supervisor who may review them, an outsider) stays so
        colleague = next(iter(teammates[inspector]), None) or next(
            other for other in sorted(department)
            if department[other] == department[inspector] and other != inspector)
        for _ in range(per_inspector):
            number += 1
            task_id = f"{model['plan_id']}-{number:05d}"
            rows.append({"id": task_id, "plan_id": model["plan_id"], "credit_code": free.pop(0),
                         "team": [inspector, colleague], "items": list(model["items"]),
                         "due": model["due"], "draw_order": number, "created_at": model["created_at"]})
            members += [{"task_id": task_id, "inspector_id": inspector},
                        {"task_id": task_id, "inspector_id": colleague}]
            added.setdefault(inspector, []).append(task_id)
    conn.execute(tk.insert(), rows)
    conn.execute(t.task_members.insert(), members)
    return added


DRAWN_LONG_AGO = dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.UTC)
"""When :func:`drawn_long_ago` dates the tasks: 08:00 on 1 January 2025, China time."""


def drawn_long_ago(db: str) -> None:
    """Date every task's draw back to :data:`DRAWN_LONG_AGO`: the tests' demo is drawn whenever
    they run, and the platform refuses a visit from before its task's draw (issue 23), while the
    tests sign visits at fixed times (2025-01-02, 2026-03-02, ...) to keep their dates stable.
    Nothing but that check reads a task's ``created_at``."""
    engine = make_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(t.tasks.update().values(created_at=DRAWN_LONG_AGO))
    finally:
        engine.dispose()
