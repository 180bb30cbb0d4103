"""Review and publication of records, plans' departments, the follow-up ledger, the holiday notice.

Revision ID: 0004
Revises: 0003
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("reviewer_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text, nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("plan_id", sa.String(60), nullable=True))
        batch.add_column(sa.Column("industry", sa.String(100), nullable=True))
        batch.add_column(sa.Column("region", sa.String(60), nullable=True))
        batch.add_column(sa.Column("risk_grade", sa.String(1), nullable=True))
        batch.add_column(sa.Column("inspected_on", sa.Date, nullable=True))
        batch.add_column(sa.Column("published_on", sa.Date, nullable=True))
    _fill_record_plans_and_dates()
    op.create_index("ix_records_dash_groups", "records",
                    ["superseded", "industry", "region", "risk_grade", "plan_id", "state", "outcome",
                     "inspected_on"])
    op.create_index("ix_records_dash_days", "records",
                    ["superseded", "inspected_on", "published_on", "plan_id", "state"])
    op.create_index("ix_records_dash_tasks", "records",
                    ["superseded", "plan_id", "task_id", "state", "inspected_on"])
    op.create_table(
        "plan_departments",
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
    )
    op.create_index("ix_plan_departments_department", "plan_departments", ["department"])
    _fill_plan_departments()
    op.create_table(
        "followups",
        sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("disposal", sa.String(20), nullable=False),
        sa.Column("disposal_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("closed_by", sa.String(40), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "holidays",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("workday", sa.Boolean, nullable=False),
    )


def _fill_record_plans_and_dates() -> None:
    """Records received before this revision: their plan, entity attributes, inspection date."""
    conn = op.get_bind()
    records = sa.table("records", sa.column("id", sa.String), sa.column("task_id", sa.String),
                       sa.column("credit_code", sa.String), sa.column("envelope", sa.Text),
                       sa.column("plan_id", sa.String), sa.column("industry", sa.String),
                       sa.column("region", sa.String), sa.column("risk_grade", sa.String),
                       sa.column("inspected_on", sa.Date))
    tasks = sa.table("tasks", sa.column("id", sa.String), sa.column("plan_id", sa.String))
    entities = sa.table("entities", sa.column("credit_code", sa.String), sa.column("industry", sa.String),
                        sa.column("region", sa.String), sa.column("risk_grade", sa.String))
    rows = conn.execute(sa.select(records.c.id, records.c.envelope, tasks.c.plan_id, entities.c.industry,
                                  entities.c.region, entities.c.risk_grade)
                        .join(tasks, tasks.c.id == records.c.task_id)
                        .join(entities, entities.c.credit_code == records.c.credit_code)).all()
    for record_id, envelope, plan_id, industry, region, grade in rows:
        finished = json.loads(envelope)["record"]["finished_at"]
        conn.execute(records.update().where(records.c.id == record_id).values(
            plan_id=plan_id, industry=industry, region=region, risk_grade=grade,
            inspected_on=dt.date.fromisoformat(finished[:10])))


def _fill_plan_departments() -> None:
    """Plans made before this revision: their departments come from their stored spec."""
    conn = op.get_bind()
    plans = sa.table("plans", sa.column("id", sa.String), sa.column("spec", sa.JSON))
    target = sa.table("plan_departments", sa.column("plan_id", sa.String),
                      sa.column("department", sa.String))
    rows = [{"plan_id": plan_id, "department": d}
            for plan_id, spec in conn.execute(sa.select(plans.c.id, plans.c.spec))
            for d in spec["departments"]]
    if rows:
        conn.execute(target.insert(), rows)


def downgrade() -> None:
    op.drop_table("holidays")
    op.drop_table("followups")
    op.drop_table("plan_departments")
    for index in ("ix_records_dash_tasks", "ix_records_dash_days", "ix_records_dash_groups"):
        op.drop_index(index, "records")
    with op.batch_alter_table("records") as batch:
        for column in ("published_on", "inspected_on", "risk_grade", "region", "industry", "plan_id",
                       "published_at", "review_comment",
                       "reviewed_at", "reviewer_id", "superseded"):
            batch.drop_column(column)
