"""Every write records the id of the command it applied.

A command carries its own id (a laptop's outbox, or a desk whose connection dropped after
the server received the commit, may send it again): ``audit_log.command_id`` is unique, so
the desk can tell that a command landed already and never applies it twice. Rows written
before keep no id.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("command_id", sa.String(length=32), nullable=True))
        batch.create_index("ux_audit_log_command_id", ["command_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ux_audit_log_command_id")
        batch.drop_column("command_id")
