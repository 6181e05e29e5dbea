"""A resolved ticket can be found again: by number, subject or customer, newest first; and
the customer's context lists the latest ones."""

from __future__ import annotations

from store_support import DeskIds, FakeClock, People

from desktop_app.domain import Priority, TicketStatus
from desktop_app.store import Store
from desktop_app.store.queries.search import find_tickets
from support import writes


def _open(store: Store, people: People, ids: DeskIds, subject: str) -> int:
    ticket = writes.create_ticket(
        store,
        people.alice,
        customer_id=ids.acme,
        subject=subject,
        category="hardware",
        priority=Priority.NORMAL,
        site_id=ids.acme_hq,
    )
    assert ticket.id is not None
    return ticket.id


def test_resolved_tickets_are_found_by_number_subject_or_customer(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    printer = _open(store, people, desk_ids, "Printer jams on tray 2 (50% of the time)")
    clock.advance(minutes=5)
    vpn = _open(store, people, desk_ids, "VPN drops every hour")
    clock.advance(minutes=5)
    still_open = _open(store, people, desk_ids, "Printer toner low")
    for tid in (printer, vpn):
        writes.resolve(store, people.alice, tid, store.ticket(tid).version, "Fixed")
    number = store.ticket(printer).number

    assert [h.ticket_id for h in find_tickets(store, "printer")] == [printer]
    assert [h.ticket_id for h in find_tickets(store, number.lower())] == [printer]
    by_customer = find_tickets(store, "acme")
    assert [h.ticket_id for h in by_customer][:2] == [vpn, printer]  # newest first
    assert all(h.status is TicketStatus.RESOLVED and not h.is_open for h in by_customer)
    assert by_customer[0].resolved_at == clock.now
    # the open one too, when asked for every ticket
    assert {h.ticket_id for h in find_tickets(store, "printer", closed_only=False)} == {
        printer,
        still_open,
    }
    # "%" and "_" are only themselves, never wildcards
    assert [h.ticket_id for h in find_tickets(store, "50%")] == [printer]
    assert find_tickets(store, "%%%") == []
    assert find_tickets(store, "nothing like this") == []

    context = store.customer_context(desk_ids.acme)
    assert [t.id for t in context.recently_resolved][:2] == [vpn, printer]
    assert still_open not in [t.id for t in context.recently_resolved]
