"""An enterprise's earlier inspections as a device may see them (信息查询, 风险预警; issue 18).

The visibility rule is the records' own (DESIGN §11): a result of a plan that the caller's
department runs or joins is seen in full (outcome, follow-up disposal and state); a result of
another department's plan is seen only once it is published, and then only as the public sees it
(the follow-up ledger is the other department's business, so no disposal, no state); another
department's unpublished result is not seen at all. Never a risk grade, a note or a name: the
inspector's judgement must not lean on the agency's internal grades, and notes may name people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa

from server_stub.access.scope import FINAL_STATES, department_plans
from server_stub.core import tables as t
from sync import FollowUp, HistoryEntry, Outcome, RecordState


def disposal_deadline(inspected: dt.date, due_days: int) -> dt.date:
    """后续处置台账: the last day to record the disposal, ``due_days`` calendar days after the
    inspection (here because what a department sees of a result includes whether it is overdue)."""
    return inspected + dt.timedelta(days=due_days)


HISTORY_LIMIT = 10
"""Earlier inspections kept per enterprise, newest first. A 双随机 enterprise is inspected about
once a year per department (the yearly caps), so ten reach back several years; the oldest fall off."""


def visible_history(conn: sa.Connection, credit_codes: Collection[str] | sa.Select[tuple[str]],
                    department: str, *, due_days: int,
                    limit: int = HISTORY_LIMIT) -> dict[str, list[tuple[str, HistoryEntry]]]:
    """Per credit code, its newest ``limit`` results that ``department`` may see (see the module's
    rule), newest first. One query for all the codes (given, or as a subquery: an inspector's 200
    tasks' codes as 200 bound values cost more to compile than to run), so a 200-task sync costs
    the same round trips as one task. Each entry comes with its ``task_id``, for the caller's own
    use (the answers leave it out)."""
    codes = credit_codes if isinstance(credit_codes, sa.Select) else sorted(credit_codes)
    r, tk, f, p = t.records, t.tasks, t.followups, t.publications
    own_plan = tk.c.plan_id.in_(department_plans(department))
    withdrawn = sa.func.coalesce(p.c.status == "withdrawn", sa.false())
    ranked = (
        sa.select(r.c.id, r.c.task_id, r.c.credit_code, r.c.outcome, r.c.state, r.c.inspected_on,
                  tk.c.plan_id, own_plan.label("own"), withdrawn.label("withdrawn"),
                  sa.func.row_number().over(partition_by=r.c.credit_code,
                                            order_by=(r.c.inspected_on.desc(), r.c.received_at.desc(),
                                                      r.c.id)).label("n"))
        .join(tk, tk.c.id == r.c.task_id)
        .outerjoin(p, p.c.record_id == r.c.id)
        .where(r.c.credit_code.in_(codes), r.c.superseded.is_(False),
               r.c.state.in_(FINAL_STATES),
               # another department's result only while it is public: published, not withdrawn
               sa.or_(own_plan, sa.and_(r.c.state == RecordState.PUBLISHED.value,
                                        sa.not_(withdrawn))))
        .subquery()
    )
    rows = conn.execute(
        sa.select(ranked, t.plans.c.name.label("plan_name"), f.c.disposal, f.c.disposal_date)
        .join(t.plans, t.plans.c.id == ranked.c.plan_id)
        .outerjoin(f, f.c.record_id == ranked.c.id)
        .where(ranked.c.n <= limit)
        .order_by(ranked.c.credit_code, ranked.c.n)
    ).mappings().all()
    departments: dict[str, list[str]] = defaultdict(list)
    plan_ids = sorted({row["plan_id"] for row in rows})
    for plan_id, name in conn.execute(
            sa.select(t.plan_departments.c.plan_id, t.plan_departments.c.department)
            .where(t.plan_departments.c.plan_id.in_(plan_ids))
            .order_by(t.plan_departments.c.plan_id, t.plan_departments.c.department)):
        departments[plan_id].append(name)
    history: dict[str, list[tuple[str, HistoryEntry]]] = defaultdict(list)
    for row in rows:
        history[row["credit_code"]].append(
            (row["task_id"], _entry(row, departments[row["plan_id"]], due_days)))
    return dict(history)


def _entry(row: sa.RowMapping, departments: list[str], due_days: int) -> HistoryEntry:
    """One history entry on the wire. ``followup`` is null unless the outcome opened a ledger
    entry and the caller's department may read that ledger."""
    followup: FollowUp | None = None
    if row["own"] and row["outcome"] == Outcome.PROBLEM_PENDING.value:
        followup = {
            "open": row["disposal"] is None,
            "due_on": disposal_deadline(row["inspected_on"], due_days).isoformat(),
            "disposal": row["disposal"],
            "disposal_date": row["disposal_date"].isoformat() if row["disposal_date"] else None,
        }
    return {
        "record_id": row["id"],
        "inspected_on": row["inspected_on"].isoformat(),
        "departments": departments,
        "plan_name": row["plan_name"],
        "outcome": row["outcome"],
        "published": row["state"] == RecordState.PUBLISHED.value,
        "followup": followup,
        # A withdrawn result (publication/log.py) is shown so to its own department; another
        # department's is left out of the query above (it is no longer public).
        "withdrawn": bool(row["withdrawn"]),
    }


def department_of(conn: sa.Connection, person: str) -> str:
    """The department of a person in the staff directory: what their device may see of others'
    results (the device's token was checked first, so the person exists)."""
    department: str = conn.execute(sa.select(t.inspectors.c.department)
                                   .where(t.inspectors.c.id == person)).scalar_one()
    return department
