"""The task's draw order copied into ``records``, and /results' index in the list's own order
(issue 29 point 4).

/results lists newest publication first and a publication's results in draw order. With the
draw order only on ``tasks``, a page that starts inside one publication (the bench publishes each
day's results at one instant: 15,000 of them at 10 M records) read and sorted the whole batch
through the tasks, 0.32 s on PostgreSQL; with it on ``records`` and an index on
(published_at DESC, draw_order, id) every page is a range of that index.

The column is added NOT NULL with a default of 0 and then filled, which both databases do
without rebuilding the table (SQLite would drop the aggregates' triggers with it).

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"


def upgrade() -> None:
    op.add_column("records", sa.Column("draw_order", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE records SET draw_order = (SELECT tasks.draw_order FROM tasks WHERE tasks.id = records.task_id)")
    op.drop_index("ix_records_published_at", "records")
    op.create_index("ix_records_published_order", "records",
                    [sa.text("published_at DESC"), "draw_order", "id"])


def downgrade() -> None:
    op.drop_index("ix_records_published_order", "records")
    op.create_index("ix_records_published_at", "records", ["published_at"])
    op.drop_column("records", "draw_order")
