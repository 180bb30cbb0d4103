"""Yearly caps: each department's cap per enterprise and year, and each plan's inspection kind.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="双随机抽查"))
    op.create_table(
        "department_settings",
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("yearly_cap", sa.Integer, nullable=False),
        sa.Column("exempt_kinds", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("department_settings")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("kind")
