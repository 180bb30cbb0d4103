"""Every ending a finding can have (issue 27 point 3): a follow-up's case number (立案), the
department or authority it went to (移送、抄告), and the 首违不罚 list entry (不予行政处罚).

Nullable columns added in place: which a disposal needs is ``sync.Disposal``'s rule, checked
where a follow-up is closed.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    op.add_column("followups", sa.Column("case_no", sa.String(60), nullable=True))
    op.add_column("followups", sa.Column("counterpart", sa.String(100), nullable=True))
    op.add_column("followups", sa.Column("list_entry", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("followups", "list_entry")
    op.drop_column("followups", "counterpart")
    op.drop_column("followups", "case_no")
