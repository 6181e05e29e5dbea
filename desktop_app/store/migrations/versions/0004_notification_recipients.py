"""Each notification is for one technician.

On a shared server every technician's desk watches the same tickets; without a recipient
each desk's warnings and breach notices landed in everyone's list (once per desk running)
and reading one marked it read for all. ``notifications.recipient_id`` names the technician
a notification was recorded for; existing notifications keep no recipient and stay visible
to everyone, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_notifications_recipient_id_technicians"),
            "technicians",
            ["recipient_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(
            "ix_notifications_recipient_id_created_at", ["recipient_id", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_recipient_id_created_at")
        batch.drop_constraint(op.f("fk_notifications_recipient_id_technicians"), type_="foreignkey")
        batch.drop_column("recipient_id")
