"""The queue's copy of each ticket's clocks, packed onto the ticket row.

``tickets.queue_clocks`` holds the ticket's ``ticket_clocks`` rows as one line of text (see
``desktop_app.store.clocking.pack_clocks``), so the open queue loads from the tickets table
alone. Existing tickets get it from their stored clock rows, on both backends.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-10
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from desktop_app.store.clocking import pack_clocks
from desktop_app.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 5_000

# The clock rows as revision 0002 stores them (read through the UTC type: aware instants).
_clocks = sa.table(
    "ticket_clocks",
    sa.column("ticket_id", sa.Integer()),
    sa.column("metric", sa.String()),
    sa.column("state", sa.String()),
    sa.column("target_seconds", sa.Float()),
    sa.column("started_at", UTCDateTime()),
    sa.column("due_at", UTCDateTime()),
    sa.column("elapsed_seconds", sa.Float()),
    sa.column("breached_at", UTCDateTime()),
    sa.column("met_at", UTCDateTime()),
    sa.column("paused", sa.Boolean()),
    sa.column("as_of", UTCDateTime()),
)
_tickets = sa.table("tickets", sa.column("id", sa.Integer()), sa.column("queue_clocks", sa.Text()))


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("queue_clocks", sa.Text(), nullable=True))

    connection = op.get_bind()
    by_ticket: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in connection.execute(sa.select(_clocks)).mappings():
        by_ticket[row["ticket_id"]].append(dict(row))
    updates = [
        {"ticket": ticket_id, "packed": pack_clocks(rows)} for ticket_id, rows in by_ticket.items()
    ]
    statement = (
        sa.update(_tickets)
        .where(_tickets.c.id == sa.bindparam("ticket"))
        .values(queue_clocks=sa.bindparam("packed"))
    )
    for start in range(0, len(updates), _BATCH):
        connection.execute(statement, updates[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("queue_clocks")
