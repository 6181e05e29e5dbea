"""The open queue loads in a fixed number of queries, whatever the number of tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FakeClock, small_desk
from sqlalchemy import event

from desktop_app.domain import DeskTicket, Priority, Ticket, TicketStatus
from desktop_app.store import Store, open_store


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
