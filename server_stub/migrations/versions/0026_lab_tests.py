"""Lab testing (issue 27 point 2): records wait for a laboratory's report as ``awaiting_report``
(待检测结果), and each item sent for testing has a row for its report.

The records' state CHECK names the new state. On SQLite that means rebuilding ``records``, which
``record_photos``, ``followups`` and others reference: the rebuild drops the old table while their
rows still point at it, which fails under ``foreign_keys=ON`` (the note in 0016), and deferring
the foreign keys does not help (the drop counts each reference as a violation, and the rebuilt
table taking the old one's name does not uncount it). So the rows that reference ``records`` are
set aside first (copied to temporary tables and deleted), ``records`` is rebuilt, and they go
back, each checked again against the rebuilt table as it is inserted.

Revision ID: 0026
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

# The values as they are now, written out: a migration does not change when the code does.
STATES_BEFORE = "state IN ('incomplete', 'submitted', 'returned', 'approved', 'published')"
STATES = ("state IN ('incomplete', 'awaiting_report', 'submitted', 'returned', 'approved', "
          "'published')")

revision = "0026"
down_revision = "0021"


def _state_check(states: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    children = _set_aside_references() if sqlite else []
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("ck_records_state", type_="check")
        batch.create_check_constraint("ck_records_state", states)
    for table in children:
        op.execute(f'INSERT INTO "{table}" SELECT * FROM "_keep_{table}"')
        op.execute(f'DROP TABLE "_keep_{table}"')


def _set_aside_references() -> list[str]:
    """SQLite: copy and delete the rows of every table whose foreign key names ``records``;
    the tables' names, to put the rows back once ``records`` is rebuilt."""
    bind = op.get_bind()
    tables = [name for (name,) in bind.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    children = [name for name in tables if name != "records" and any(
        row[2] == "records" for row in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{name}")'))]
    for table in children:
        op.execute(f'CREATE TEMP TABLE "_keep_{table}" AS SELECT * FROM "{table}"')
        op.execute(f'DELETE FROM "{table}"')
    return children


def upgrade() -> None:
    _state_check(STATES)
    op.create_table(
        "lab_tests",
        sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("item_code", sa.String(80), primary_key=True),
        sa.Column("report_sha256", sa.String(64), nullable=True),
        sa.Column("report_no", sa.String(60), nullable=True),
        sa.Column("conclusion", sa.String(10), nullable=True),
        sa.Column("attached_by", sa.String(40), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("conclusion IS NULL OR conclusion IN ('合格', '不合格')",
                           name="ck_lab_tests_conclusion"),
    )
    op.create_index("ix_lab_tests_report_sha256", "lab_tests", ["report_sha256"])


def downgrade() -> None:
    op.drop_index("ix_lab_tests_report_sha256", "lab_tests")
    op.drop_table("lab_tests")
    op.execute("UPDATE records SET state = 'submitted' WHERE state = 'awaiting_report'")
    _state_check(STATES_BEFORE)
