"""The append-only Merkle logs (DESIGN §10): publication and the audit trail.

The database itself refuses to update or delete a leaf or a signed tree head, so no code path,
present or future, can rewrite a log without dropping its triggers first.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

LOGS = ("publication", "audit")
APPEND_ONLY = ("log_entries", "tree_heads")


def upgrade() -> None:
    logs = op.create_table(
        "merkle_logs",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("frontier", sa.JSON, nullable=False),
    )
    op.bulk_insert(logs, [{"name": name, "size": 0, "frontier": []} for name in LOGS])
    op.create_table(
        "log_entries",
        sa.Column("log", sa.String(20), sa.ForeignKey("merkle_logs.name"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "tree_heads",
        sa.Column("log", sa.String(20), sa.ForeignKey("merkle_logs.name"), primary_key=True),
        sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION zsc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION zsc_append_only()")
    else:
        for table in APPEND_ONLY:
            for act in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{act.lower()} BEFORE {act} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade() -> None:
    op.drop_table("tree_heads")
    op.drop_table("log_entries")
    op.drop_table("merkle_logs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION zsc_append_only()")
