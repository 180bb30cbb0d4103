"""The draw ceremony: each plan's entropy spec, and every attempt at its draw.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("entropy", sa.JSON, nullable=True))
    op.create_table(
        "draw_ceremonies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("open_plan_id", sa.String(60), nullable=True, unique=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("population", sa.JSON, nullable=False),
        sa.Column("strata", sa.JSON, nullable=False),
        sa.Column("population_commitment", sa.String(64), nullable=False),
        sa.Column("entropy", sa.JSON, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_draw_ceremonies_plan_id", "draw_ceremonies", ["plan_id"])


def downgrade() -> None:
    op.drop_table("draw_ceremonies")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("entropy")
