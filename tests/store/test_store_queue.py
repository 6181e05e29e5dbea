"""The open queue loads in a fixed number of queries, whatever the number of tickets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event
from store_support import FakeClock, small_desk

from desktop_app.domain import (
    ClockState,
    DeskTicket,
    EventKind,
    Metric,
    Priority,
    Ticket,
    TicketStatus,
)
from desktop_app.domain.queue import StoredClock
from desktop_app.store import Store, open_store
from desktop_app.store.queue_read import fast_constructor


def _tickets(count: int, clock: FakeClock) -> list[DeskTicket]:
    priorities = list(Priority)
    return [
        DeskTicket(
            Ticket(
                number=f"Q-{n:05d}",
                customer_id=0,
                subject=f"Ticket {n}",
                category="outage" if n % 7 == 0 else "hardware",
                priority=priorities[n % 4],
                created_at=clock.now - timedelta(minutes=n),
                status=TicketStatus.OPEN,
            ),
            customer="Acme Corp" if n % 2 else "Globex",
            site="Toronto HQ" if n % 2 else None,
            assignee="Alice Tech" if n % 3 else None,
        )
        for n in range(count)
    ]


def _count_queries(store: Store, clock: FakeClock) -> tuple[int, int]:
    statements: list[str] = []

    def record(*args: object) -> None:  # conn, cursor, statement, parameters, context, many
        statement = str(args[2])
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    engine = store._engine  # the test looks under the hood on purpose
    event.listen(engine, "before_cursor_execute", record)
    try:
        entries = store.load_queue(clock.now)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements), len(entries)


@pytest.mark.parametrize("count", [10, 200])
def test_load_queue_issues_a_fixed_number_of_queries(
    empty_store: Store, db_url: str, clock: FakeClock, count: int
) -> None:
    desk = small_desk()
    desk.tickets = _tickets(count, clock)
    empty_store.import_desk(desk)

    cold = open_store(db_url, clock=clock, upgrade=False)  # nothing cached yet
    try:
        cold_queries, loaded = _count_queries(cold, clock)
        warm_queries, _ = _count_queries(cold, clock)
    finally:
        cold.close()

    assert loaded == count
    # policies, calendars, contracts, customers, sites, technicians, open criticism counts,
    # and the tickets themselves (their clocks packed on the row: no join per ticket)
    assert cold_queries == 8
    assert warm_queries == 6  # policies and calendars are cached


def test_queue_entries_carry_clocks_and_are_ordered(empty_store: Store, clock: FakeClock) -> None:
    desk = small_desk()
    desk.tickets = _tickets(30, clock)
    empty_store.import_desk(desk)

    queue = empty_store.load_queue(clock.now)

    dues = [e.due_at for e in queue]
    counting = [d for d in dues if d is not None]
    assert counting == sorted(counting)
    assert dues[: len(counting)] == counting  # tickets without a deadline come last
    assert all(len(e.clocks) == 3 for e in queue)
    assert {e.assignee_name for e in queue} == {"Alice Tech", None}


def test_the_queue_shows_the_clocks_the_ticket_pane_shows(
    empty_store: Store, clock: FakeClock
) -> None:
    """The queue reads each ticket's packed copy of its clocks; after imports, replies,
    waits and priority changes it must equal the clock rows the ticket pane reads."""
    desk = small_desk()
    desk.tickets = _tickets(12, clock)
    empty_store.import_desk(desk)
    alice = next(t.id for t in empty_store.technicians() if t.name == "Alice Tech")
    assert alice is not None
    queue = empty_store.load_queue(clock.now)
    clock.advance(minutes=20)
    first, second, third = queue[0], queue[1], queue[2]
    empty_store.add_event(alice, first.ticket_id, first.version, EventKind.PUBLIC_REPLY, "On it")
    empty_store.wait_on_customer(alice, second.ticket_id, second.version, "Need the logs")
    empty_store.change_priority(alice, third.ticket_id, third.version, Priority.CRITICAL)
    clock.advance(minutes=5)

    entries = empty_store.load_queue(clock.now)
    assert len(entries) == 12
    for entry in entries:
        detail = empty_store.ticket_detail(entry.ticket_id).clocks
        shown = dict(entry.clocks)
        assert list(shown) == list(detail)  # every clock, in metric order
        for metric, stored in detail.items():
            expected = stored
            due = stored.due_at
            if stored.state is ClockState.RUNNING and due is not None and due <= clock.now:
                # a deadline passed since the last change shows as a breach at it
                expected = replace(stored, state=ClockState.BREACHED, breached_at=due)
            assert shown[metric] == expected
        dues = [c for c in detail.values() if c.due_at is not None]
        nearest = min(dues, key=lambda c: c.due_at or clock.now) if dues else None
        assert (entry.nearest.metric if entry.nearest else None) == (
            nearest.metric if nearest else None
        )
        if entry.nearest is not None:
            assert entry.clocks[entry.nearest.metric] is entry.nearest
    waiting = next(e for e in entries if e.ticket_id == second.ticket_id)
    assert waiting.status is TicketStatus.WAITING_ON_CUSTOMER
    assert any(c.paused for c in waiting.clocks.values())
    one = empty_store.queue_entry(third.ticket_id, clock.now)
    assert one is not None and one.priority is Priority.CRITICAL
    assert dict(one.clocks) == dict(
        next(e for e in entries if e.ticket_id == third.ticket_id).clocks
    )


def test_fast_built_records_equal_the_dataclass_built_ones(clock: FakeClock) -> None:
    values = (
        Metric.RESOLUTION,
        ClockState.RUNNING,
        timedelta(hours=4),
        clock.now,
        clock.now + timedelta(hours=4),
        timedelta(0),
        None,
        None,
        clock.now,
        False,
    )
    built = fast_constructor(StoredClock)(*values)
    assert built == StoredClock(*values) and hash(built) == hash(StoredClock(*values))
    with pytest.raises(AttributeError):
        built.paused = True  # type: ignore[misc]  # still frozen
    with pytest.raises(TypeError, match="not a slotted dataclass"):
        fast_constructor(FakeClock)
