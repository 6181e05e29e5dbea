"""In-app notifications, and the queue's sort key stored on the ticket.

``tickets.next_due_at`` is the earliest deadline among the ticket's counting clocks, so the
open queue orders by an index instead of aggregating the clock rows every time. Existing
tickets get it from their stored clocks.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from desktop_app.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("metric", sa.String(length=20), nullable=True),
        sa.Column("threshold", sa.String(length=50), nullable=True),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_notifications_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_created_at"), "notifications", ["created_at"])
    op.create_index(op.f("ix_notifications_ticket_id"), "notifications", ["ticket_id"])

    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("next_due_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_tickets_status_next_due_at", ["status", "next_due_at"])

    # Both backends compare the stored instants correctly (timestamptz on PostgreSQL,
    # fixed-width UTC text on SQLite), so MIN picks the earliest deadline.
    op.execute(
        """
        UPDATE tickets SET next_due_at = (
            SELECT MIN(c.due_at) FROM ticket_clocks c
            WHERE c.ticket_id = tickets.id
              AND c.state IN ('running', 'breached')
              AND c.due_at IS NOT NULL
        )
        WHERE status NOT IN ('resolved', 'closed')
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_status_next_due_at")
        batch.drop_column("next_due_at")
    op.drop_table("notifications")
