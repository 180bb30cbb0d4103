"""Which leaf of the publication log each published result stands on, and whether it stands.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("leaf", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.CheckConstraint("status IN ('published', 'corrected', 'withdrawn')",
                           name="ck_publications_status"),
    )


def downgrade() -> None:
    op.drop_table("publications")
