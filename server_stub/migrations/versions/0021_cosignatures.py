"""Witnesses' co-signatures of the logs' signed tree heads (issue 28).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.create_table(
        "cosignatures",
        sa.Column("log", sa.String(20), primary_key=True),
        sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("witness_key", sa.String(43), primary_key=True),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("witnessed_at", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(86), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cosignatures")
