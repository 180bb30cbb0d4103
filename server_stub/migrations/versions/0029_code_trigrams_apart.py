"""The credit code's trigram index moved onto ``upper(credit_code)``, where a code compared whole
cannot reach it (issue 29 point 3).

pg_trgm's GIN operator class answers ``=`` as well as ``LIKE``, and PostgreSQL's planner prices
a GIN index low: it chose the trigram index of migration 0027 over the key for every code
compared whole, the join of a batch's tasks to their enterprises among them. A code read that
way costs about 2 ms of PostgreSQL's CPU where the key takes a few µs, and a crowd of phones
spent 30 % of the machine in PostgreSQL, most of it there (``bench/crowd.py``). On the
expression the searches by a part of a code still find the index (``directory/search.py``
compares the same expression; a code is upper case, so nothing else changes), and ``=`` on the
column finds only the key.

The names' index stays on the column: no statement compares a name whole.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"

INDEX = "ix_entities_credit_code_trgm"


def _has_index() -> bool:
    """Whether migration 0027 built the code's index (it builds none without pg_trgm)."""
    bind = op.get_bind()
    return bind.dialect.name == "postgresql" and bool(bind.execute(
        sa.text("SELECT 1 FROM pg_indexes WHERE tablename = 'entities' AND indexname = :name"),
        {"name": INDEX}).first())


def upgrade() -> None:
    if _has_index():
        op.execute(f"DROP INDEX {INDEX}")
        op.execute(f"CREATE INDEX {INDEX} ON entities USING gin (upper(credit_code) gin_trgm_ops)")


def downgrade() -> None:
    if _has_index():
        op.execute(f"DROP INDEX {INDEX}")
        op.execute(f"CREATE INDEX {INDEX} ON entities USING gin (credit_code gin_trgm_ops)")
