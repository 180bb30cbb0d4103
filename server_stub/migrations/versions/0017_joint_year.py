"""The office half of the year (issue 26): departments by level and region, partners'
answers to joint plans, 专业技术人员 and the specialties items need, and batch release dates.

New columns are added in place without check constraints (``sync.Inspector`` checks the staff
kind, and it is the only way rows are written): a constraint would make SQLite rebuild
``inspectors``, ``items`` and ``tasks``, which other tables reference (see migration 0016).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("level", sa.String(4), nullable=False),
        sa.Column("region", sa.String(60), nullable=False, index=True),
        sa.Column("parent", sa.String(100), nullable=False, server_default=""),
        sa.CheckConstraint("level IN ('市级', '县级')", name="ck_departments_level"),
    )
    op.create_table(
        "plan_partners",
        sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("department", sa.String(100), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("staff", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("qualifications", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'confirmed', 'declined')",
                           name="ck_plan_partners_state"),
    )
    op.add_column("inspectors", sa.Column("kind", sa.String(10), nullable=False,
                                          server_default="执法人员"))
    op.add_column("items", sa.Column("specialty", sa.String(60), nullable=False,
                                     server_default=""))
    op.add_column("tasks", sa.Column("release_on", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("tasks", "release_on")
    op.drop_column("items", "specialty")
    op.drop_column("inspectors", "kind")
    op.drop_table("plan_partners")
    op.drop_table("departments")
