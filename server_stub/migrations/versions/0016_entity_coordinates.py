"""Where an entity's registered address lies (WGS 84), when the directory has it.

Two nullable columns added in place (SQLite's ALTER TABLE ADD COLUMN): a check constraint
would make SQLite rebuild ``entities``, which tasks reference, and a rebuild of a referenced
table fails inside the migration's transaction once tasks exist. ``sync.Entity`` checks both
or neither and the ranges, and it is the only way rows are written (``queries.entity_row``).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("lat", sa.Float, nullable=True))
        batch.add_column(sa.Column("lon", sa.Float, nullable=True))


def downgrade() -> None:
    # Not in a batch: that would rebuild the table (see above); SQLite drops a plain column in
    # place since 3.35.
    op.drop_column("entities", "lon")
    op.drop_column("entities", "lat")
