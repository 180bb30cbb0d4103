"""Who sent each photo's bytes (photo_uploads), and the attempts counted by rate limits.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "photo_uploads",
        sa.Column("sha256", sa.String(64), sa.ForeignKey("photos.sha256"), primary_key=True),
        sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_photo_uploads_device_id", "photo_uploads", ["device_id"])
    # Until now only a photo's first uploader was kept: it is the one device known to hold it.
    op.execute("INSERT INTO photo_uploads (sha256, device_id, uploaded_at) "
               "SELECT sha256, device_id, stored_at FROM photos")
    op.create_table(
        "throttle_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(20), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_throttle_events_lookup", "throttle_events", ["bucket", "key", "at"])


def downgrade() -> None:
    op.drop_table("throttle_events")
    op.drop_table("photo_uploads")
