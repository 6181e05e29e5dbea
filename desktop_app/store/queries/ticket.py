"""A ticket with its timeline, the ticket pane's detail, and recorded breaches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop_app.domain import EventKind, Metric, NotFoundError, Ticket
from desktop_app.domain.queue import StoredClock, TicketDetail
from desktop_app.store import convert
from desktop_app.store.clocking import stored_clock_from_columns
from desktop_app.store.queries.queue import OPEN_STATUSES
from desktop_app.store.recompute import timeline
from desktop_app.store.schema import (
    ContactRow,
    CriticismNoteRow,
    CustomerRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.uow import ticket_missing

if TYPE_CHECKING:
    from datetime import datetime

    from desktop_app.store.repository import Store

__all__ = ["METRICS", "recorded_breaches", "ticket", "ticket_by_number", "ticket_detail"]

METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)


def ticket(store: Store, ticket_id: int) -> Ticket:
    """A ticket with its whole timeline."""
    with store.reading() as session:
        row = session.get(TicketRow, ticket_id)
        if row is None:
            raise ticket_missing(ticket_id)
        return convert.ticket_from_row(row, timeline(session, ticket_id))


def ticket_by_number(store: Store, number: str) -> Ticket:
    with store.reading() as session:
        row = session.scalar(select(TicketRow).where(TicketRow.number == number))
        if row is None:
            raise NotFoundError(f"No ticket numbered {number!r}; check the number.")
        return convert.ticket_from_row(row, timeline(session, row.id))


def ticket_detail(store: Store, ticket_id: int) -> TicketDetail:
    with store.reading() as session:
        row = session.get(TicketRow, ticket_id)
        if row is None:
            raise ticket_missing(ticket_id)
        customer = session.get(CustomerRow, row.customer_id)
        assert customer is not None  # foreign key
        site = session.get(SiteRow, row.site_id) if row.site_id is not None else None
        contact = session.get(ContactRow, row.contact_id) if row.contact_id else None
        assignee = session.get(TechnicianRow, row.assignee_id) if row.assignee_id else None
        clocks = session.scalars(
            select(TicketClockRow).where(TicketClockRow.ticket_id == ticket_id)
        )
        notes = session.scalars(
            select(CriticismNoteRow)
            .where(CriticismNoteRow.ticket_id == ticket_id)
            .order_by(CriticismNoteRow.received_at.desc())
        )
        return TicketDetail(
            ticket=convert.ticket_from_row(row, timeline(session, ticket_id)),
            customer=convert.customer_from_row(customer),
            site=convert.site_from_row(site) if site is not None else None,
            contact=convert.contact_from_row(contact) if contact is not None else None,
            assignee=convert.technician_from_row(assignee) if assignee is not None else None,
            clocks=clock_map(stored_clock_from_columns(c) for c in clocks),
            criticism=tuple(convert.criticism_from_row(n) for n in notes),
            last_changed_by=row.updated_by,
        )


def recorded_breaches(store: Store) -> list[tuple[int, Metric, datetime]]:
    """(ticket id, metric, breach instant) of every breach on an open ticket's timeline:
    breaches the desk already handled, which a restart must not announce again."""
    e = TicketEventRow.__table__.c
    t = TicketRow.__table__.c
    query = (
        select(e.ticket_id, e.metric, e.at)
        .select_from(TicketEventRow.__table__.join(TicketRow.__table__, t.id == e.ticket_id))
        .where(e.kind == EventKind.BREACHED.value, t.status.in_(OPEN_STATUSES))
    )
    with store.reading() as session:
        return [
            (ticket_id, Metric(metric), at)
            for ticket_id, metric, at in session.execute(query)
            if metric is not None
        ]


def clock_map(clocks: Iterable[StoredClock]) -> dict[Metric, StoredClock]:
    return {c.metric: c for c in sorted(clocks, key=lambda c: METRICS.index(c.metric))}
