"""Which entities an item applies to: entities' GB/T 4754 class codes and tags, items' code
prefixes and tags (检查对象与抽查检查事项相统一).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("industry_code", sa.String(5), nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("industries", sa.JSON, nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("tags", sa.JSON, nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("tags")
        batch.drop_column("industries")
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("tags")
        batch.drop_column("industry_code")
