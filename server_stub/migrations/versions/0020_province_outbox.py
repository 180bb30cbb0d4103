"""The provincial platform's outbox (issue 27 point 5): one row per leaf of the publication log,
written in the leaf's transaction; the leaves logged before this revision are put in it too, so
that a platform set up later gets the whole backlog.

Revision ID: 0020
Revises: 0019
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    outbox = op.create_table(
        "province_outbox",
        sa.Column("leaf", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("leased_by", sa.String(100), nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_answer", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    assert outbox is not None
    entries = sa.table("log_entries", sa.column("log", sa.String), sa.column("idx", sa.Integer),
                       sa.column("entry", sa.Text), sa.column("leaf_hash", sa.String))
    now = dt.datetime.now(dt.UTC)
    rows = [{"leaf": idx, "key": leaf_hash, "kind": json.loads(entry)["kind"],
             "record_id": json.loads(entry)["record_id"], "state": "pending", "attempts": 0,
             "next_try": 0.0, "created_at": now}
            for idx, entry, leaf_hash in op.get_bind().execute(
                sa.select(entries.c.idx, entries.c.entry, entries.c.leaf_hash)
                .where(entries.c.log == "publication").order_by(entries.c.idx))]
    if rows:
        op.bulk_insert(outbox, rows)


def downgrade() -> None:
    op.drop_table("province_outbox")
