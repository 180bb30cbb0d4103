"""Announcements: each plan's numbered 抽查任务检查结果公告; plans already published get theirs.

Revision ID: 0011
Revises: 0010
"""

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"

CHINA = dt.timezone(dt.timedelta(hours=8))


def upgrade() -> None:
    announcements = op.create_table(
        "announcements",
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("department", "year", "number", name="uq_announcements_number"),
    )
    # Plans whose results were published before this: numbered in the order of their first
    # publication, as they would have been had the numbering existed then.
    bind = op.get_bind()
    firsts = bind.execute(sa.text(
        "SELECT plan_id, MIN(published_at) FROM records "
        "WHERE state = 'published' AND plan_id IS NOT NULL GROUP BY plan_id")).all()
    taken: dict[tuple[str, int], int] = {}
    rows: list[dict[str, Any]] = []
    for issued, plan_id in sorted((_utc(published), plan_id) for plan_id, published in firsts):
        spec = bind.execute(sa.text("SELECT spec FROM plans WHERE id = :id"), {"id": plan_id}).scalar_one()
        spec = json.loads(spec) if isinstance(spec, str) else spec
        key = (spec["departments"][0], issued.astimezone(CHINA).year)
        taken[key] = taken.get(key, 0) + 1
        rows.append({"plan_id": plan_id, "department": key[0], "year": key[1],
                     "number": taken[key], "issued_at": issued})
    if rows:
        op.bulk_insert(announcements, rows)


def _utc(value: dt.datetime | str) -> dt.datetime:
    """A stored time as aware UTC: SQLite gives an aggregate's value back as text, and naive."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def downgrade() -> None:
    op.drop_table("announcements")
