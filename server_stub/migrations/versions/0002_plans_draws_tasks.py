"""Plans with seed commitments, draws, tasks and their teams, enrolment codes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("seed", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "draws",
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication", sa.JSON, nullable=False),
        sa.Column("audit", sa.JSON, nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("credit_code", sa.String(18), sa.ForeignKey("entities.credit_code"),
                  nullable=False),
        sa.Column("team", sa.JSON, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("draw_order", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tasks_plan_id", "tasks", ["plan_id"])
    op.create_index("ix_tasks_credit_code", "tasks", ["credit_code"])
    op.create_table(
        "task_members",
        sa.Column("task_id", sa.String(80), sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), primary_key=True),
    )
    op.create_index("ix_task_members_inspector_id", "task_members", ["inspector_id"])
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("enrollment_codes")
    op.drop_table("task_members")
    op.drop_table("tasks")
    op.drop_table("draws")
    op.drop_table("plans")
