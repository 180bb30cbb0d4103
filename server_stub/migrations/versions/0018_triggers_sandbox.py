"""Triggered plans and the sandbox (issue 26 point 6): trigger lists, the list each 触发式抽查
plan draws from, and sandbox entries with their periods.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    op.create_table(
        "trigger_lists",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("rule_text", sa.Text, nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("built_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "plan_triggers",
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("list_id", sa.String(60), sa.ForeignKey("trigger_lists.id"), nullable=False),
    )
    op.create_table(
        "sandbox_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("credit_code", sa.String(18), sa.ForeignKey("entities.credit_code"),
                  nullable=False, index=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(100), nullable=True),
        sa.Column("removal_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sandbox_entries")
    op.drop_table("plan_triggers")
    op.drop_table("trigger_lists")
