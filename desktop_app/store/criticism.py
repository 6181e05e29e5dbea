"""Criticism notes: the customer's complaints (and praise), kept prominent until followed
up. Adding, editing and resolving one changes the customer's context and the criticism
badge on the customer's open tickets, so the change set lists those tickets too."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CriticismNote,
    FeedbackSource,
    NotFoundError,
    Sentiment,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.domain.commands import AddCriticism, EditCriticism, ResolveCriticism
from desktop_app.store import convert
from desktop_app.store.schema import CriticismNoteRow, CustomerRow, TechnicianRow, TicketRow
from desktop_app.store.types import require_aware
from desktop_app.store.uow import UnitOfWork

__all__ = ["add_criticism", "criticism_notes", "edit_criticism", "resolve_criticism"]

OPEN_STATUSES = ("new", "open", "waiting_on_customer")


def add_criticism(uow: UnitOfWork, cmd: AddCriticism) -> CriticismNote:
    note = cmd.note
    _validate(note)
    session = uow.session
    _check_refs(session, note)
    row = CriticismNoteRow(**_columns(note))
    session.add(row)
    session.flush()
    saved = replace(note, id=row.id)
    uow.record("criticism", row.id, None, convert.criticism_audit_view(saved))
    _changed(uow, saved)
    return saved


def edit_criticism(uow: UnitOfWork, cmd: EditCriticism) -> CriticismNote:
    """Change a note's text, sentiment, source, ticket or follow-up (by ``note.id``)."""
    note = cmd.note
    assert note.id is not None  # the command checks it
    _validate(note)
    session = uow.session
    row = _note_row(session, note.id)
    if row.customer_id != note.customer_id:
        raise ValidationError(
            "A criticism note stays with its customer; add a new note for another one.",
            "customer_id",
        )
    _check_refs(session, note)
    old_ticket = row.ticket_id
    before = convert.criticism_audit_view(convert.criticism_from_row(row))
    for key, value in _columns(note).items():
        setattr(row, key, value)
    session.flush()
    saved = convert.criticism_from_row(row)
    uow.record(
        "criticism", row.id, *convert.changed_fields(before, convert.criticism_audit_view(saved))
    )
    _changed(uow, saved, old_ticket)
    return saved


def resolve_criticism(uow: UnitOfWork, cmd: ResolveCriticism) -> CriticismNote:
    row = _note_row(uow.session, cmd.note_id)
    if row.resolved_at is not None:
        raise ValidationError(
            f"Criticism note {cmd.note_id} was resolved already at "
            f"{row.resolved_at.isoformat(timespec='minutes')}."
        )
    row.resolved_at = require_aware(cmd.at, "resolution time")
    uow.session.flush()
    uow.record(
        "criticism",
        cmd.note_id,
        {"resolved_at": None},
        {"resolved_at": row.resolved_at.isoformat()},
    )
    saved = convert.criticism_from_row(row)
    _changed(uow, saved)
    return saved


def criticism_notes(
    session: Session, customer_id: int | None = None, *, open_only: bool = False
) -> list[CriticismNote]:
    query = select(CriticismNoteRow).order_by(CriticismNoteRow.received_at.desc())
    if customer_id is not None:
        query = query.where(CriticismNoteRow.customer_id == customer_id)
    if open_only:
        query = query.where(CriticismNoteRow.resolved_at.is_(None))
    return [convert.criticism_from_row(r) for r in session.scalars(query)]


def _changed(uow: UnitOfWork, note: CriticismNote, old_ticket: int | None = None) -> None:
    """The note, its customer, and the customer's open tickets (their rows carry the
    customer's open-complaint badge)."""
    assert note.id is not None
    uow.changed(
        Entity.CRITICISM,
        note.id,
        ticket_id=note.ticket_id,
        customer_id=note.customer_id,
    )
    uow.changed(Entity.CUSTOMER, note.customer_id)
    open_tickets = uow.session.execute(
        select(TicketRow.id, TicketRow.customer_id).where(
            TicketRow.customer_id == note.customer_id, TicketRow.status.in_(OPEN_STATUSES)
        )
    ).all()
    uow.changed_tickets([(tid, cid) for tid, cid in open_tickets], uow.name)
    if old_ticket is not None and old_ticket != note.ticket_id:
        uow.changed_tickets([(old_ticket, note.customer_id)], uow.name)


def _note_row(session: Session, note_id: int) -> CriticismNoteRow:
    row = session.get(CriticismNoteRow, note_id)
    if row is None:
        raise NotFoundError(f"No criticism note has id {note_id}; reload the customer.")
    return row


def _check_refs(session: Session, note: CriticismNote) -> None:
    if session.get(CustomerRow, note.customer_id) is None:
        raise NotFoundError(f"No customer has id {note.customer_id}.")
    if note.ticket_id is not None:
        ticket = session.get(TicketRow, note.ticket_id)
        if ticket is None or ticket.customer_id != note.customer_id:
            raise ValidationError(
                f"Ticket {note.ticket_id} is not a ticket of this customer; pick one of "
                "theirs or leave the ticket empty.",
                "ticket_id",
            )
    if (
        note.follow_up_owner_id is not None
        and session.get(TechnicianRow, note.follow_up_owner_id) is None
    ):
        raise NotFoundError(f"No technician has id {note.follow_up_owner_id}.")


def _validate(note: CriticismNote) -> None:
    require_aware(note.received_at, "received time")
    if note.resolved_at is not None:
        require_aware(note.resolved_at, "resolved time")
    try:
        FeedbackSource(note.source)
        Sentiment(note.sentiment)
    except ValueError as exc:
        raise ValidationError(f"Criticism note: {exc}.") from None
    if not note.text.strip():
        raise ValidationError("A criticism note needs the customer's words.", "text")


def _columns(note: CriticismNote) -> dict[str, Any]:
    return {
        "customer_id": note.customer_id,
        "ticket_id": note.ticket_id,
        "received_at": note.received_at,
        "source": FeedbackSource(note.source).value,
        "sentiment": Sentiment(note.sentiment).value,
        "text": note.text,
        "follow_up_owner_id": note.follow_up_owner_id,
        "follow_up_due": note.follow_up_due,
        "resolved_at": note.resolved_at,
    }
