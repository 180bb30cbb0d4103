"""The item list and the two directories.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("checkpoints", sa.JSON, nullable=False),
        sa.Column("qualification", sa.String(60), nullable=False, server_default=""),
    )
    op.create_table(
        "entities",
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("region", sa.String(60), nullable=False),
        sa.Column("industry", sa.String(100), nullable=False),
        sa.Column("risk_grade", sa.String(1), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index("ix_entities_region", "entities", ["region"])
    op.create_index("ix_entities_industry", "entities", ["industry"])
    op.create_index("ix_entities_risk_grade", "entities", ["risk_grade"])
    op.create_table(
        "inspectors",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("badge_no", sa.String(40), nullable=False),
        sa.Column("qualifications", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("conflicts", sa.JSON, nullable=False),
    )
    op.create_index("ix_inspectors_department", "inspectors", ["department"])


def downgrade() -> None:
    op.drop_table("inspectors")
    op.drop_table("entities")
    op.drop_table("items")
