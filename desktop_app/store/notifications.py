"""The in-app notification list: each notification for one technician (or, when recorded
before recipients existed, for everyone)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from desktop_app.domain import Metric, NotFoundError, Notification
from desktop_app.domain.changes import Entity
from desktop_app.domain.commands import AddNotification, MarkNotificationsRead
from desktop_app.store import convert
from desktop_app.store.schema import NotificationRow, TechnicianRow
from desktop_app.store.types import require_aware
from desktop_app.store.uow import UnitOfWork

__all__ = ["add_notification", "mark_notifications_read", "notifications", "visible_to"]


def add_notification(uow: UnitOfWork, cmd: AddNotification) -> Notification:
    """Keep a notification in the list of its recipient (of everyone without one);
    written by a desk's monitor, not by a person."""
    notification = cmd.notification
    require_aware(notification.created_at, "notification time")
    recipient = notification.recipient_id
    if recipient is not None and uow.session.get(TechnicianRow, recipient) is None:
        raise NotFoundError(
            f"No technician has id {recipient} to receive the notification; "
            "sign in again or reload the technicians."
        )
    row = NotificationRow(
        recipient_id=recipient,
        created_at=notification.created_at,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        ticket_id=notification.ticket_id,
        metric=Metric(notification.metric).value if notification.metric else None,
        threshold=notification.threshold,
        read=notification.read,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.record("notification", row.id, None, {"kind": row.kind, "title": row.title})
    uow.changed(Entity.NOTIFICATION, row.id, ticket_id=None)
    return replace(notification, id=row.id)


def mark_notifications_read(uow: UnitOfWork, cmd: MarkNotificationsRead) -> int:
    """Mark the actor's own (and everyone's) notifications among the ids read; another
    technician's stay as they are. Returns how many changed."""
    ids = sorted(set(cmd.notification_ids))
    actor = uow.actor.id if uow.actor is not None else None
    query = update(NotificationRow).where(
        NotificationRow.id.in_(ids), NotificationRow.read.is_(False)
    )
    if actor is not None:
        query = query.where(visible_to(actor))
    result = uow.session.execute(query.values(read=True))
    count = int(getattr(result, "rowcount", 0) or 0)
    uow.record("notification", None, None, {"read": ids})
    for notification_id in ids:
        uow.changed(Entity.NOTIFICATION, notification_id)
    return count


def notifications(
    session: Session,
    *,
    recipient_id: int | None = None,
    unread_only: bool = False,
    limit: int = 200,
) -> list[Notification]:
    """The newest first: with ``recipient_id``, that technician's own and those for
    everyone; without, every desk's."""
    query = (
        select(NotificationRow)
        .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
        .limit(limit)
    )
    if recipient_id is not None:
        query = query.where(visible_to(recipient_id))
    if unread_only:
        query = query.where(NotificationRow.read.is_(False))
    return [convert.notification_from_row(r) for r in session.scalars(query)]


def visible_to(technician_id: int) -> Any:
    """Notifications for this technician, and those recorded for everyone."""
    return or_(
        NotificationRow.recipient_id == technician_id, NotificationRow.recipient_id.is_(None)
    )
