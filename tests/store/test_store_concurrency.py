"""Two windows or two dispatchers editing one ticket: one wins, the other is told."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from store_support import DeskIds, FakeClock, People

from desktop_app.domain import ConflictError, EventKind, Priority, Ticket
from desktop_app.store import Store, open_store
from support import writes


@pytest.fixture
def second_store(store: Store, db_url: str, clock: FakeClock) -> Iterator[Store]:
    """Another connection pool on the same database, like a second desktop."""
    other = open_store(db_url, clock=clock)
    yield other
    other.close()


def _ticket(store: Store, people: People, ids: DeskIds) -> Ticket:
    ticket = writes.create_ticket(
        store,
        people.alice,
        customer_id=ids.acme,
        subject="VPN down",
        category="network",
        priority=Priority.NORMAL,
        site_id=ids.acme_hq,
    )
    assert ticket.id is not None
    return ticket


def test_stale_version_raises_conflict_naming_ticket_and_person(
    store: Store, second_store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _ticket(store, people, desk_ids)
    assert ticket.id is not None
    seen_by_bob = second_store.ticket(ticket.id)

    writes.change_priority(store, people.alice, ticket.id, ticket.version, Priority.HIGH)
    with pytest.raises(ConflictError) as caught:
        writes.add_event(
            second_store,
            people.bob,
            ticket.id,
            seen_by_bob.version,
            EventKind.PUBLIC_REPLY,
            "Rebooting",
        )

    error = caught.value
    assert error.ticket_number == ticket.number and error.changed_by == "Alice Tech"
    assert (error.expected_version, error.actual_version) == (1, 2)
    assert ticket.number in str(error) and "Alice Tech" in str(error)
    after = second_store.ticket(ticket.id)
    assert after.priority is Priority.HIGH and after.version == 2  # the winner's change kept
    assert [e.kind for e in after.events] == [EventKind.CREATED, EventKind.PRIORITY_CHANGED]
    assert [a.action for a in store.audit_log("ticket", ticket.id)] == [
        "change_priority",
        "create_ticket",
    ]
    # Reloading and retrying works.
    retried = writes.add_event(
        second_store, people.bob, ticket.id, after.version, EventKind.PUBLIC_REPLY, "Rebooting"
    )
    assert retried.version == 3


def test_simultaneous_writers_one_wins_one_conflicts(
    store: Store, second_store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _ticket(store, people, desk_ids)
    assert ticket.id is not None
    ticket_id = ticket.id
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name: str, action: Callable[[], Ticket]) -> None:
        start.wait()
        try:
            outcomes[name] = action()
        except ConflictError as exc:
            outcomes[name] = exc

    writers = [
        threading.Thread(
            target=run,
            args=(
                "alice",
                lambda: writes.assign(store, people.alice, {ticket_id: 1}, people.alice)[0],
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                "bob",
                lambda: writes.assign(second_store, people.bob, {ticket_id: 1}, people.bob)[0],
            ),
        ),
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    assert not any(w.is_alive() for w in writers)

    winners = [n for n, o in outcomes.items() if isinstance(o, Ticket)]
    losers = [n for n, o in outcomes.items() if isinstance(o, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    winner_id = people.alice if winners == ["alice"] else people.bob
    final = store.ticket(ticket_id)
    assert final.assignee_id == winner_id and final.version == 2
    assert [e.kind for e in final.events].count(EventKind.ASSIGNED) == 1
    assert [a.action for a in store.audit_log("ticket", ticket_id)].count("assign") == 1
