"""The open queue loads in a fixed number of queries, whatever the number of tickets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from store_support import FakeClock, small_desk

from desktop_app.domain import (
    ClockState,
    Contract,
    DeskTicket,
    EventKind,
    Metric,
    Priority,
    Ticket,
    TicketStatus,
    Tier,
)
from desktop_app.domain.queue import StoredClock
from desktop_app.store import Store, open_store
from desktop_app.store.clocking import pack_clocks
from desktop_app.store.previews import ticket_terms
from desktop_app.store.queue_read import decode_clocks, utc_text
from support import writes


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
    writes.add_event(
        empty_store, alice, first.ticket_id, first.version, EventKind.PUBLIC_REPLY, "On it"
    )
    writes.wait_on_customer(empty_store, alice, second.ticket_id, second.version, "Need the logs")
    writes.change_priority(empty_store, alice, third.ticket_id, third.version, Priority.CRITICAL)
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
                expected = stored._replace(state=ClockState.BREACHED, breached_at=due)
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


def _packed_row(clock: StoredClock) -> dict[str, object]:
    return {
        "metric": clock.metric.value,
        "state": clock.state.value,
        "target_seconds": clock.target.total_seconds(),
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "paused": clock.paused,
        "as_of": clock.as_of,
    }


def test_packed_clocks_decode_to_the_records_they_were_packed_from(clock: FakeClock) -> None:
    now = clock.now
    hour = timedelta(hours=1)
    met = StoredClock(
        Metric.FIRST_RESPONSE, ClockState.MET, hour, now - 3 * hour, None,
        0.5 * hour, None, now - 2.5 * hour, now - hour,
    )  # fmt: skip
    idle = StoredClock(
        Metric.NEXT_UPDATE, ClockState.INACTIVE, 2 * hour, None, None,
        timedelta(0), None, None, now - hour,
    )  # fmt: skip
    # breached at its first deadline, then given a later one by a priority change
    late = StoredClock(
        Metric.RESOLUTION, ClockState.BREACHED, 4 * hour, now - 3 * hour, now + hour,
        5 * hour, now - 2 * hour, None, now - hour, True,
    )  # fmt: skip
    running = late._replace(
        state=ClockState.RUNNING, due_at=now - 0.25 * hour, breached_at=None, paused=False
    )
    shared: dict[tuple[str, ...], StoredClock] = {}

    clocks, nearest = decode_clocks(
        pack_clocks(map(_packed_row, (late, idle, met))), utc_text(now), shared
    )
    assert list(clocks.values()) == [met, idle, late]  # metric order, whatever the packing
    assert nearest == late and clocks[Metric.RESOLUTION] is nearest
    assert clocks[Metric.RESOLUTION].breached_at == now - 2 * hour  # not the new deadline

    # a deadline that passed since the clocks were stored shows as a breach at it
    again, nearest = decode_clocks(
        pack_clocks(map(_packed_row, (met, idle, running))), utc_text(now), shared
    )
    assert nearest == running._replace(state=ClockState.BREACHED, breached_at=running.due_at)
    assert again[Metric.NEXT_UPDATE] is clocks[Metric.NEXT_UPDATE]  # inactive ones shared
    with pytest.raises(AttributeError):
        nearest.paused = True  # type: ignore[misc]  # records stay immutable

    nothing_due, nearest = decode_clocks(pack_clocks([_packed_row(idle)]), utc_text(now))
    assert nothing_due == {Metric.NEXT_UPDATE: idle} and nearest is None


TORONTO, BERLIN = ZoneInfo("America/Toronto"), ZoneInfo("Europe/Berlin")


def test_a_ticket_belongs_to_the_contract_of_the_day_it_was_opened_at_its_site(
    empty_store: Store, clock: FakeClock
) -> None:
    """Acme (Toronto) moved from Bronze to Gold on 1 March 2025, Globex (Berlin) from
    Bronze to Silver. At 20:00 in Toronto on 28 February it is already 1 March in UTC,
    yet the ticket belongs to Bronze; at 00:30 in Berlin on 1 March it is still
    28 February in UTC, yet the ticket belongs to Silver. Imported or opened at the desk,
    written again, read in the queue or previewed in the ticket pane: the same contract."""
    desk = small_desk()
    acme, globex = desk.customers
    acme.contracts = [
        Contract(0, "Bronze", Tier.BRONZE, date(2024, 6, 1), date(2025, 2, 28)),
        Contract(0, "Gold", Tier.GOLD, date(2025, 3, 1), date(2025, 12, 31)),
    ]
    globex.contracts = [
        Contract(0, "Bronze", Tier.BRONZE, date(2024, 6, 1), date(2025, 2, 28)),
        Contract(0, "Silver", Tier.SILVER, date(2025, 3, 1), date(2026, 5, 31)),
    ]
    toronto_evening = datetime(2025, 2, 28, 20, 0, tzinfo=TORONTO).astimezone(UTC)
    berlin_night = datetime(2025, 3, 1, 0, 30, tzinfo=BERLIN).astimezone(UTC)
    assert (toronto_evening.date(), berlin_night.date()) == (date(2025, 3, 1), date(2025, 2, 28))
    opened = {"Acme Corp": toronto_evening, "Globex": berlin_night}
    expected = {"Acme Corp": "Bronze", "Globex": "Silver"}
    desk.tickets = [
        DeskTicket(
            Ticket(
                number=f"IMPORTED-{name}",
                customer_id=0,
                subject="Printer jam",
                category="hardware",
                priority=Priority.HIGH,
                created_at=at,
                status=TicketStatus.OPEN,
            ),
            name,
            site="Toronto HQ" if name == "Acme Corp" else None,  # Globex: its first site
        )
        for name, at in opened.items()
    ]
    empty_store.import_desk(desk)
    alice = next(t.id for t in empty_store.technicians() if t.name == "Alice Tech")
    customers = {c.name: c.id for c in empty_store.customers()}
    assert alice is not None
    tickets = {
        (name, "imported"): empty_store.ticket_by_number(f"IMPORTED-{name}") for name in opened
    }
    for name, at in opened.items():
        clock.now = at
        customer_id = customers[name]
        assert customer_id is not None
        tickets[name, "opened"] = writes.create_ticket(empty_store,
            alice, customer_id=customer_id, subject="Printer jam", category="hardware",
            priority=Priority.HIGH,
        )  # fmt: skip

    def target(policy: str) -> timedelta:
        return empty_store.policy_book().policy(policy).targets[Priority.HIGH, Metric.RESOLUTION]

    clock.now = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
    queue = {e.ticket_id: e for e in empty_store.load_queue(clock.now)}
    for (name, how), ticket in tickets.items():
        assert ticket.id is not None
        policy = expected[name]
        entry = queue[ticket.id]
        assert entry.policy_name == policy, (name, how)
        assert entry.clocks[Metric.RESOLUTION].target == target(policy), (name, how)
        context = empty_store.customer_context(ticket.customer_id, clock.now)
        preview = ticket_terms(empty_store, empty_store.ticket(ticket.id), context)
        assert preview.applied is not None and preview.applied.policy.name == policy, (name, how)
        # the write path chooses again when the clocks are recomputed
        again = writes.add_event(
            empty_store, alice, ticket.id, ticket.version, EventKind.INTERNAL_NOTE, "Looking"
        )
        detail = empty_store.ticket_detail(again.id or 0)
        assert detail.clocks[Metric.RESOLUTION].target == target(policy), (name, how)


def test_a_ticket_runs_under_the_contract_in_force_the_day_it_was_opened(
    empty_store: Store, clock: FakeClock
) -> None:
    """Acme moved from a Bronze to a Gold contract on 1 March: a ticket opened in February
    keeps the Bronze terms its clocks were computed by, in the queue as in the ticket pane;
    a ticket opened since runs under Gold."""
    desk = small_desk()
    desk.customers[0].contracts = [
        Contract(0, "Bronze", Tier.BRONZE, date(2024, 6, 1), date(2025, 2, 28)),
        Contract(0, "Gold", Tier.GOLD, date(2025, 3, 1), date(2025, 12, 31)),
    ]
    empty_store.import_desk(desk)
    alice = next(t.id for t in empty_store.technicians() if t.name == "Alice Tech")
    acme = next(c.id for c in empty_store.customers() if c.name == "Acme Corp")
    assert alice is not None and acme is not None
    opened = {}
    for day in (date(2025, 2, 27), date(2025, 3, 3)):
        clock.now = datetime.combine(day, time(15, 0), tzinfo=UTC)
        opened[day] = writes.create_ticket(
            empty_store,
            alice,
            customer_id=acme,
            subject=f"Printer down since {day}",
            category="hardware",
            priority=Priority.HIGH,
        )
    queue = {e.ticket_id: e for e in empty_store.load_queue(clock.now)}
    context = empty_store.customer_context(acme, clock.now)
    shown = {}
    for day, ticket in opened.items():
        entry = queue[ticket.id]
        terms = ticket_terms(empty_store, empty_store.ticket(ticket.id), context)
        assert terms.applied is not None
        assert entry.policy_name == terms.applied.policy.name  # queue and pane agree
        target = terms.applied.terms.targets[Metric.RESOLUTION]
        assert entry.clocks[Metric.RESOLUTION].target == target  # and the stored clocks
        shown[day] = (entry.policy_name, target)
    assert shown[date(2025, 2, 27)] != shown[date(2025, 3, 3)]
    assert shown[date(2025, 3, 3)][0] == empty_store.policy_book().policy("Gold").name
