"""The server's tables (SQLAlchemy Core), one metadata for SQLite and PostgreSQL alike.

Migrations in ``server_stub/migrations`` create them; keep the two in step.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

items = sa.Table(
    "items",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("checkpoints", sa.JSON, nullable=False),
    sa.Column("qualification", sa.String(60), nullable=False, server_default=""),
)

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("credit_code", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("region", sa.String(60), nullable=False, index=True),
    sa.Column("industry", sa.String(100), nullable=False, index=True),
    sa.Column("risk_grade", sa.String(1), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False),
)

inspectors = sa.Table(
    "inspectors",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("department", sa.String(100), nullable=False, index=True),
    sa.Column("badge_no", sa.String(40), nullable=False),
    sa.Column("qualifications", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("conflicts", sa.JSON, nullable=False),
)
