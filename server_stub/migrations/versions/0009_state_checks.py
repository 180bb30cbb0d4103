"""One name per state: the database checks records' states and devices' roles.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

# The values as they are now, written out: a migration does not change when the code does.
STATES = "state IN ('incomplete', 'submitted', 'returned', 'approved', 'published')"
ROLES = "role IN ('inspector', 'supervisor')"

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.create_check_constraint("ck_records_state", STATES)
    with op.batch_alter_table("devices") as batch:
        batch.create_check_constraint("ck_devices_role", ROLES)


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_constraint("ck_devices_role", type_="check")
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("ck_records_state", type_="check")
