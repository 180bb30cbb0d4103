"""The audit trail's index (issue 19): one row per leaf of the ``audit`` Merkle log.

The leaves themselves are in ``log_entries`` (migration 0010); this table repeats, for each, the
fields the trail is searched by (kind, object, person, time, plan), so that a filter or a
supervisor's view of their department's plans is an indexed query rather than a parse of every
entry. It is append-only like the leaves, and the verifier checks it against them.

Revision ID: 0014
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "audit_acts",
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.String(60), nullable=True),
    )
    op.create_index("audit_acts_kind_at", "audit_acts", ["kind", "at"])
    op.create_index("audit_acts_object", "audit_acts", ["object_id"])
    op.create_index("audit_acts_plan", "audit_acts", ["plan_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_acts_append_only BEFORE UPDATE OR DELETE ON audit_acts "
                   "FOR EACH ROW EXECUTE FUNCTION zsc_append_only()")
    else:
        for act in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_acts_no_{act.lower()} BEFORE {act} ON audit_acts "
                       "BEGIN SELECT RAISE(ABORT, 'audit_acts is append-only'); END")


def downgrade() -> None:
    op.drop_table("audit_acts")
