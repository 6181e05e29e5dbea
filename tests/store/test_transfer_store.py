"""Import into and export from a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import Desk, DeskTicket, TicketStatus
from desktop_app.interchange.files import (
    ImportRejectedError,
    export_file,
    import_file,
    known_names,
    read_tickets,
)
from desktop_app.store import Store, open_store

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)

GOOD_AND_BAD_CUSTOMERS = "name,tier\nNorth Co,gold\nSouth Co,tin\nEast Co,bronze\n"


def _people_and_customers(desk: Desk) -> Desk:
    """The desk without tickets and criticism: what a fresh database needs first."""
    return Desk(
        calendars=desk.calendars,
        policies=desk.policies,
        technicians=desk.technicians,
        customers=desk.customers,
    )


def _comparable(tickets: list[DeskTicket]) -> list[DeskTicket]:
    """Tickets without database ids, so two databases can be compared."""
    out = []
    for entry in tickets:
        ticket = entry.ticket
        events = tuple(replace(e, id=None) for e in ticket.events)
        ticket = replace(
            ticket,
            id=None,
            customer_id=0,
            site_id=None,
            contact_id=None,
            assignee_id=None,
            version=1,
            events=events,
        )
        out.append(DeskTicket(ticket, entry.customer, entry.site, entry.contact, entry.assignee))
    return out


@pytest.fixture
def demo_store(db_url: str, clock: Any) -> Store:
    clock.now = NOW
    store = open_store(db_url, clock=clock)
    store.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=40, closed_tickets=80))
    yield store
    store.close()


def test_one_bad_row_means_nothing_is_written(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(GOOD_AND_BAD_CUSTOMERS)
    before = {c.name for c in demo_store.customers()}
    with pytest.raises(ImportRejectedError, match="1 bad record; nothing was imported") as caught:
        import_file(demo_store, path)
    assert caught.value.parsed.error_lines() == [
        "line 3: tier 'tin' is not one of platinum, gold, silver, bronze"
    ]
    assert {c.name for c in demo_store.customers()} == before


def test_skip_bad_writes_the_good_rows_and_reports_the_rest(
    demo_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(GOOD_AND_BAD_CUSTOMERS)
    report = import_file(demo_store, path, skip_bad=True)
    assert report.written
    assert report.summary.customers == 2
    assert [e.line for e in report.parsed.errors] == [3]
    names = {c.name for c in demo_store.customers()}
    assert {"North Co", "East Co"} <= names
    assert "South Co" not in names


def test_references_and_duplicates_are_checked_against_the_database(
    demo_store: Store, tmp_path: Path
) -> None:
    known = known_names(demo_store)
    existing = next(iter(sorted(known.customers)))
    number = read_tickets(demo_store)[0].ticket.number
    path = tmp_path / "tickets.csv"
    path.write_text(
        "number,customer,subject,category,priority,created_at,site\n"
        f"{number},{existing},Again,email,low,2025-03-10T09:00:00Z,\n"
        f"TQ-77777,{existing},New,email,low,2025-03-10T09:00:00Z,Nowhere\n"
        f"TQ-77778,{existing},Fine,email,low,2025-03-10T09:00:00Z,\n"
    )
    with pytest.raises(ImportRejectedError) as caught:
        import_file(demo_store, path)
    errors = caught.value.parsed.error_lines()
    assert errors[0].startswith(f"line 2: ticket {number} is already in the database")
    assert errors[1] == f"line 3: {existing!r} has no site 'Nowhere' in this file or the database"
    report = import_file(demo_store, path, skip_bad=True)
    assert report.summary.tickets == 1
    assert demo_store.ticket_by_number("TQ-77778").subject == "Fine"


def test_sites_for_a_customer_already_stored_are_added_to_it(
    demo_store: Store, tmp_path: Path
) -> None:
    customer = demo_store.customers()[0]
    path = tmp_path / "sites.json"
    record = {
        "customer": customer.name,
        "name": "Pop-up store",
        "timezone": "Europe/Berlin",
        "calendar": "24x7",
    }
    path.write_text(json.dumps([record]))
    report = import_file(demo_store, path)
    assert report.summary.sites == 1
    assert customer.id is not None
    context = demo_store.customer_context(customer.id)
    assert "Pop-up store" in {s.name for s in context.sites}
    assert context.customer.tier is customer.tier


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_a_fresh_database_gives_the_same_tickets(
    demo_store: Store, fmt: str, tmp_path: Path, clock: Any
) -> None:
    path = tmp_path / f"tickets.{fmt}"
    assert export_file(demo_store, path) == 120
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", clock=clock)
    try:
        desk = generate_demo_desk(seed=5, now=NOW, open_tickets=40, closed_tickets=80)
        fresh.import_desk(_people_and_customers(desk))
        report = import_file(fresh, path)
        assert report.summary.tickets == 120
        assert _comparable(read_tickets(fresh)) == _comparable(read_tickets(demo_store))
        # And the queue of the fresh desk holds the same open tickets.
        assert {e.number for e in fresh.load_queue(NOW)} == {
            e.number for e in demo_store.load_queue(NOW)
        }
    finally:
        fresh.close()


def test_read_tickets_names_every_reference(demo_store: Store) -> None:
    tickets = read_tickets(demo_store)
    assert len(tickets) == 120
    assert [t.ticket.number for t in tickets] == sorted(t.ticket.number for t in tickets)
    assert all(t.customer and t.site and t.contact for t in tickets)
    # a new ticket may still wait for a dispatcher; every other one names its assignee
    assert all(t.assignee for t in tickets if t.ticket.status is not TicketStatus.NEW)
    assert all(t.ticket.events for t in tickets)
