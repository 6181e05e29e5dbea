"""Reads for file import and export: every name the desk holds, every ticket with its
timeline. One transaction each, no query per record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from desktop_app.domain import DeskTicket, TicketEvent, Tier
from desktop_app.store import convert
from desktop_app.store.repository import Store
from desktop_app.store.schema import (
    CalendarRow,
    ContactRow,
    CustomerRow,
    SiteRow,
    TechnicianRow,
    TicketEventRow,
    TicketRow,
)

__all__ = ["DeskNames", "desk_names", "tickets_with_timelines"]


@dataclass(frozen=True, slots=True)
class DeskNames:
    """Names already taken: customers (with their tier), ``(customer, site)`` and
    ``(customer, contact)`` pairs, technicians (name → id), ticket numbers, calendars."""

    customers: Mapping[str, Tier]
    sites: set[tuple[str, str]]
    contacts: set[tuple[str, str]]
    technicians: Mapping[str, int]
    tickets: set[str]
    calendars: set[str]


def desk_names(store: Store) -> DeskNames:
    with store.reading() as session:
        customers = {
            name: Tier(tier)
            for name, tier in session.execute(select(CustomerRow.name, CustomerRow.tier))
        }
        owner = dict(session.execute(select(CustomerRow.id, CustomerRow.name)).all())
        sites = {
            (owner[cid], name)
            for cid, name in session.execute(select(SiteRow.customer_id, SiteRow.name))
        }
        contacts = {
            (owner[cid], name)
            for cid, name in session.execute(select(ContactRow.customer_id, ContactRow.name))
        }
        technicians = dict(session.execute(select(TechnicianRow.name, TechnicianRow.id)).all())
        tickets = set(session.scalars(select(TicketRow.number)))
        calendars = set(session.scalars(select(CalendarRow.name)))
    return DeskNames(customers, sites, contacts, technicians, tickets, calendars)


def tickets_with_timelines(store: Store) -> list[DeskTicket]:
    """Every ticket with its timeline, references by name, in number order."""
    # One pass over tickets and one over events: no query per ticket.
    with store.reading() as session:
        customers = dict(session.execute(select(CustomerRow.id, CustomerRow.name)).all())
        sites = dict(session.execute(select(SiteRow.id, SiteRow.name)).all())
        contacts = dict(session.execute(select(ContactRow.id, ContactRow.name)).all())
        technicians = dict(session.execute(select(TechnicianRow.id, TechnicianRow.name)).all())
        events: dict[int, list[TicketEvent]] = {}
        for event in session.scalars(
            select(TicketEventRow).order_by(
                TicketEventRow.ticket_id, TicketEventRow.at, TicketEventRow.id
            )
        ):
            events.setdefault(event.ticket_id, []).append(convert.event_from_row(event))
        result = []
        for row in session.scalars(select(TicketRow).order_by(TicketRow.number)):
            ticket = convert.ticket_from_row(row, tuple(events.get(row.id, ())))
            result.append(
                DeskTicket(
                    ticket,
                    customer=customers[row.customer_id],
                    site=sites.get(row.site_id) if row.site_id is not None else None,
                    contact=contacts.get(row.contact_id) if row.contact_id is not None else None,
                    assignee=technicians.get(row.assignee_id)
                    if row.assignee_id is not None
                    else None,
                )
            )
    return result
