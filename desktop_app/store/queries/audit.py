"""The audit log: who changed what and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop_app.domain.queue import AuditEntry
from desktop_app.store import convert
from desktop_app.store.schema import AuditRow

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["audit_log", "command_applied"]


def audit_log(
    store: Store, entity: str | None = None, entity_id: int | None = None, limit: int = 500
) -> list[AuditEntry]:
    with store.reading() as session:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if entity_id is not None:
            query = query.where(AuditRow.entity_id == entity_id)
        return [convert.audit_from_row(r) for r in session.scalars(query)]


def command_applied(store: Store, command_id: str) -> bool:
    """Whether the command with this id was applied (its audit row exists): how the desk
    learns that a write it lost the answer to did land."""
    with store.reading() as session:
        return (
            session.scalar(select(AuditRow.id).where(AuditRow.command_id == command_id)) is not None
        )
