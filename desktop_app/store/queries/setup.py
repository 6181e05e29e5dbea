"""Reads of the setup screens: the customer directory (type-ahead), one customer's records,
the desk's policies, calendars and people with their versions, and who the database login
is. Each reads the tables as they are now (not the store's cached policy set: an editor
saves against the version it shows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from desktop_app.domain import NotFoundError, Technician, Tier
from desktop_app.domain.directory import CustomerCard, CustomerRecords, DeskSetup
from desktop_app.store import convert
from desktop_app.store.schema import (
    CalendarRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    PolicyRow,
    SiteRow,
    TechnicianRow,
    TicketRow,
)

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["customer_directory", "customer_records", "desk_setup", "login_technician"]


def customer_directory(store: Store) -> list[CustomerCard]:
    """Every customer with its sites' and contacts' names, by name (three queries)."""
    with store.reading() as session:
        sites: dict[int, list[str]] = {}
        for customer_id, name in session.execute(
            select(SiteRow.customer_id, SiteRow.name).order_by(SiteRow.id)
        ):
            sites.setdefault(customer_id, []).append(name)
        contacts: dict[int, list[str]] = {}
        for customer_id, name in session.execute(
            select(ContactRow.customer_id, ContactRow.name).order_by(ContactRow.id)
        ):
            contacts.setdefault(customer_id, []).append(name)
        return [
            CustomerCard(
                cid,
                name,
                Tier(tier),
                tuple(sites.get(cid, ())),
                tuple(contacts.get(cid, ())),
            )
            for cid, name, tier in session.execute(
                select(CustomerRow.id, CustomerRow.name, CustomerRow.tier).order_by(
                    func.lower(CustomerRow.name)
                )
            )
        ]


def customer_records(store: Store, customer_id: int) -> CustomerRecords:
    with store.reading() as session:
        row = session.get(CustomerRow, customer_id)
        if row is None:
            raise NotFoundError(f"No customer has id {customer_id} any more; reload the customers.")
        return CustomerRecords(
            convert.customer_from_row(row),
            tuple(
                convert.site_from_row(r)
                for r in session.scalars(
                    select(SiteRow).where(SiteRow.customer_id == customer_id).order_by(SiteRow.id)
                )
            ),
            tuple(
                convert.contact_from_row(r)
                for r in session.scalars(
                    select(ContactRow)
                    .where(ContactRow.customer_id == customer_id)
                    .order_by(ContactRow.name)
                )
            ),
            tuple(
                convert.contract_from_row(r)
                for r in session.scalars(
                    select(ContractRow)
                    .where(ContractRow.customer_id == customer_id)
                    .order_by(ContractRow.starts_on, ContractRow.id)
                )
            ),
        )


def desk_setup(store: Store) -> DeskSetup:
    """Policies (by name), calendars (by name), every technician (active ones first) and
    the categories the desk knows."""
    with store.reading() as session:
        policies = tuple(
            convert.policy_from_row(r)
            for r in session.scalars(select(PolicyRow).order_by(PolicyRow.name))
        )
        calendars = tuple(
            convert.calendar_from_row(r)
            for r in session.scalars(select(CalendarRow).order_by(CalendarRow.name))
        )
        technicians = tuple(
            convert.technician_from_row(r)
            for r in session.scalars(
                select(TechnicianRow).order_by(TechnicianRow.active.desc(), TechnicianRow.name)
            )
        )
        used = {
            str(c).strip().lower()
            for c in session.scalars(select(TicketRow.category).distinct())
            if c
        }
    named = {p.category.strip().lower() for p in policies if p.category}
    return DeskSetup(policies, calendars, technicians, tuple(sorted(used | named)))


def login_technician(store: Store) -> Technician | None:
    """On PostgreSQL, the technician whose login this connection uses (None: the owner or
    a login without a technician); on SQLite always None (whoever has the file)."""
    if store.backend != "postgresql":
        return None
    with store.reading() as session:
        row = session.scalars(
            select(TechnicianRow).where(TechnicianRow.login == func.session_user())
        ).first()
        return convert.technician_from_row(row) if row is not None else None
