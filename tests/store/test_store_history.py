"""A customer's history imported into a desk that has been open all day, on SQLite and
PostgreSQL.

The store has opened tickets and loaded today's queue (Monday 3 March 2025, 09:00 in
Toronto), so the Toronto office calendar its clocks share has been asked about this year.
Then Initech's history arrives: tickets opened one, two and three years ago, at all hours,
the answered ones replied to two business hours after they were opened (their four-hour
first-response target met), a few answered late, the others never (breached). The desk
then answers some of the forgotten ones today, in no particular order of years. Every
stored clock, the queue's countdown and the monthly report of February 2024 (thirteen
months back) must be what a calendar asked about nothing else computes.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from store_support import FakeClock, People

from desktop_app.domain import (
    ClockState,
    Contract,
    Customer,
    Desk,
    DeskCustomer,
    DeskTicket,
    EventKind,
    Metric,
    Priority,
    Site,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
)
from desktop_app.domain.model import OFFICE_HOURS
from desktop_app.sla import BusinessCalendar, Clock, PolicyBook, compute_clocks
from desktop_app.sla.reports import month_bounds
from desktop_app.store import Store
from desktop_app.store.reports import monthly_report
from support import writes

TORONTO = ZoneInfo("America/Toronto")
CUSTOMER = "Initech"
REPORT_MONTH = date(2024, 2, 1)  # thirteen months before March 2025
TWO_HOURS = timedelta(hours=2)
# (days before the anniversary, local opening time): mornings, late afternoons (the reply
# lands the next working day), evenings and weekends (the clock starts at the next opening)
OPENINGS = [(days, hour) for days in range(0, 365, 23) for hour in (time(9), time(16, 30))] + [
    (5, time(21, 15)),
    (8, time(3, 0)),
    (13, time(12, 0)),  # a Saturday, a year back
]
ON_TIME, LATE, UNANSWERED = "answered on time", "answered late", "unanswered"
TODAY = "answered today"


def _history(now: datetime) -> dict[str, tuple[DeskTicket, str]]:
    """Initech's tickets by number, each with how it was answered: every other regular
    one two business hours after it opened, the others never; and each year two late
    ones opened before New Year, answered six business hours later and in February."""
    office = BusinessCalendar("America/Toronto", OFFICE_HOURS)
    today = now.astimezone(TORONTO).date()
    tickets: dict[str, tuple[DeskTicket, str]] = {}
    for years in (1, 2, 3):
        anniversary = today.replace(year=today.year - years)
        openings = [
            (datetime.combine(anniversary - timedelta(days=days), hour, TORONTO), None)
            for days, hour in OPENINGS
        ]
        new_year = date(anniversary.year, 1, 1)
        last_working_day = max(
            new_year - timedelta(days=n)
            for n in (1, 2, 3)
            if (new_year - timedelta(days=n)).weekday() < 5
        )
        openings += [
            (datetime.combine(last_working_day, time(16), TORONTO), timedelta(hours=6)),
            (
                datetime.combine(date(anniversary.year - 1, 12, 20), time(10), TORONTO),
                datetime.combine(date(anniversary.year, 2, 12), time(10), TORONTO),
            ),
        ]
        for n, (local, late) in enumerate(openings):
            created = local.astimezone(UTC)
            events = [TicketEvent(EventKind.CREATED, created, "Peter G.", priority=Priority.LOW)]
            status, resolved, kind = TicketStatus.OPEN, None, UNANSWERED
            if late is not None or n % 2 == 0:
                if isinstance(late, datetime):
                    replied, kind = late.astimezone(UTC), LATE
                elif late is not None:
                    replied, kind = office.add_business_time(created, late), LATE
                else:
                    replied, kind = office.add_business_time(created, TWO_HOURS), ON_TIME
                resolved = office.add_business_time(replied, timedelta(hours=9))
                events += [
                    TicketEvent(EventKind.PUBLIC_REPLY, replied, "Alice Tech", "Looking"),
                    TicketEvent(EventKind.RESOLVED, resolved, "Alice Tech", "Fixed"),
                ]
                status = TicketStatus.RESOLVED
            ticket = Ticket(
                number=f"INI-{years}-{n:03d}",
                customer_id=0,
                subject="TPS report printer",
                category="printer",
                priority=Priority.LOW,
                created_at=created,
                status=status,
                resolved_at=resolved,
                events=tuple(events),
            )
            tickets[ticket.number] = (DeskTicket(ticket, CUSTOMER, site="Initech Toronto"), kind)
    return tickets


def _import(store: Store, now: datetime) -> dict[str, tuple[DeskTicket, str]]:
    history = _history(now)
    desk = Desk(customers=[_initech()], tickets=[entry for entry, _ in history.values()])
    store.import_desk(desk)
    return history


def _initech() -> DeskCustomer:
    return DeskCustomer(
        Customer(CUSTOMER, Tier.GOLD),
        sites=[Site(0, "Initech Toronto", "America/Toronto", "Office hours")],
        contracts=[Contract(0, "Gold", Tier.GOLD, date(2020, 1, 1), date(2027, 12, 31))],
    )


def _fresh_clocks(store: Store, ticket: Ticket, now: datetime) -> dict[Metric, Clock]:
    """The ticket's clocks from a policy book and calendar that computed nothing else."""
    book = PolicyBook(store.policies(), store.calendars())
    terms = book.apply(
        ticket.priority, ticket.category, Tier.GOLD, "Gold", "America/Toronto", "Office hours"
    ).terms
    assert terms.targets[Metric.FIRST_RESPONSE] == timedelta(hours=4)
    return compute_clocks(ticket.events, terms, now, with_warnings=False)


@pytest.fixture
def history(store: Store, people: People, clock: FakeClock) -> dict[str, tuple[DeskTicket, str]]:
    """The small desk at work this morning (tickets opened, the queue loaded), Initech's
    history imported, and every other forgotten ticket answered now, years shuffled."""
    acme = next(c.id for c in store.customers() if c.name == "Acme Corp")
    assert acme is not None
    for priority in (Priority.HIGH, Priority.LOW):
        writes.create_ticket(
            store,
            people.alice,
            customer_id=acme,
            subject="Toner",
            category="printer",
            priority=priority,
        )
        clock.advance(minutes=20)
    assert len(store.load_queue(clock.now)) == 2
    tickets = _import(store, clock.now)
    forgotten = [number for number, (_, kind) in tickets.items() if kind == UNANSWERED][::2]
    random.Random(12).shuffle(forgotten)
    for number in forgotten:
        ticket = store.ticket_by_number(number)
        assert ticket.id is not None
        writes.add_event(
            store,
            people.alice,
            ticket.id,
            ticket.version,
            EventKind.PUBLIC_REPLY,
            "Sorry for the wait",
        )
        tickets[number] = (tickets[number][0], TODAY)
    return tickets


def test_old_tickets_get_the_clocks_of_a_fresh_calendar(
    store: Store, history: dict[str, tuple[DeskTicket, str]], clock: FakeClock
) -> None:
    now = clock.now
    kinds: Counter[tuple[str, ClockState]] = Counter()
    for number, (_, kind) in history.items():
        stored = store.ticket_detail(store.ticket_by_number(number).id or 0)
        fresh = _fresh_clocks(store, stored.ticket, now)
        for metric, clock_now in fresh.items():
            kept = stored.clocks[metric]
            seen = (kept.state, kept.started_at, kept.due_at, kept.breached_at, kept.met_at)
            expected = (
                clock_now.state,
                clock_now.started_at,
                clock_now.due_at if clock_now.running else None,
                clock_now.breached_at,
                clock_now.met_at,
            )
            assert seen == expected, (number, metric)
            assert kept.elapsed.total_seconds() == pytest.approx(
                clock_now.elapsed.total_seconds(), abs=1e-6
            ), (number, metric)
        first_response = stored.clocks[Metric.FIRST_RESPONSE]
        kinds[kind, first_response.state] += 1
        if kind == ON_TIME:
            assert first_response.elapsed == TWO_HOURS, number
        elif kind in (UNANSWERED, TODAY):  # a year of office hours and more
            assert first_response.elapsed > timedelta(days=90), number
        else:
            assert first_response.elapsed > timedelta(hours=4), number
    on_time = len(OPENINGS[::2]) * 3
    unanswered = 3 * len(OPENINGS) - on_time
    assert kinds == {
        (ON_TIME, ClockState.MET): on_time,
        (LATE, ClockState.BREACHED): 2 * 3,
        (UNANSWERED, ClockState.BREACHED): unanswered // 2,
        (TODAY, ClockState.BREACHED): unanswered - unanswered // 2,
    }


def test_the_queue_counts_down_old_tickets_as_a_fresh_calendar_does(
    store: Store, history: dict[str, tuple[DeskTicket, str]], clock: FakeClock
) -> None:
    now = clock.now
    still_open = {n for n, (_, kind) in history.items() if kind in (UNANSWERED, TODAY)}
    shown = [e for e in store.load_queue(now) if e.number in still_open]
    assert len(shown) == len(still_open)
    fresh = BusinessCalendar("America/Toronto", OFFICE_HOURS)
    for entry in shown:
        assert entry.clocks == store.ticket_detail(entry.ticket_id).clocks
        assert entry.nearest is not None and entry.nearest.due_at is not None
        assert entry.calendar is not None
        # what the queue's countdown column asks for each row
        due_ts = entry.nearest.due_at.timestamp()
        assert entry.calendar.seconds_between(now.timestamp(), due_ts) == fresh.seconds_between(  # type: ignore[attr-defined]
            now.timestamp(), due_ts
        )


def test_the_report_thirteen_months_back_counts_what_fresh_clocks_count(
    store: Store, history: dict[str, tuple[DeskTicket, str]], clock: FakeClock
) -> None:
    now = clock.now
    report = monthly_report(store, REPORT_MONTH)
    [row] = [r for r in report.rows if r.customer.name == CUSTOMER]

    start, end = month_bounds(REPORT_MONTH, TORONTO)
    assert (row.zone, row.start, row.end) == ("America/Toronto", start, end)
    opened = 0
    met: Counter[Metric] = Counter()
    breached: Counter[Metric] = Counter()
    for number in history:
        ticket = store.ticket_by_number(number)
        opened += start <= ticket.created_at < end
        for metric, fresh in _fresh_clocks(store, ticket, now).items():
            if fresh.breached_at is not None:
                breached[metric] += start <= fresh.breached_at < end
            elif fresh.met_at is not None:
                met[metric] += start <= fresh.met_at < end
    assert opened and met[Metric.FIRST_RESPONSE] and breached[Metric.FIRST_RESPONSE]
    assert row.opened == opened
    assert (row.first_response.met, row.first_response.breached) == (
        met[Metric.FIRST_RESPONSE],
        breached[Metric.FIRST_RESPONSE],
    )
    assert (row.resolution.met, row.resolution.breached) == (
        met[Metric.RESOLUTION],
        breached[Metric.RESOLUTION],
    )
    assert dict(row.breaches) == {metric: breached[metric] for metric in Metric}
