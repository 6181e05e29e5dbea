"""Benchmark of the store on SQLite: the open queue of 100,000 tickets, one audited write.

Targets (issue 3): load 100,000 open tickets with their clocks into domain objects in
≤ 1.5 s; one audited single-ticket write in ≤ 5 ms (measured on 200 different tickets
with ten-event timelines, as a desk writes, not on one ticket with an ever longer
timeline). Each figure is printed next to a named baseline measured in the same run on the
same file:

* ``raw sqlite3 fetch``: the same queue query through the bare ``sqlite3`` module into
  plain tuples (no type conversion, no domain objects), the floor for any loader; beside
  it, for reference, the former 45-column query that joined three clock rows per ticket;
* ``raw sqlite3 commit``: one INSERT and COMMIT through bare ``sqlite3`` with the same
  pragmas (WAL, synchronous=FULL), the floor for any durable write.

Run: ``.venv/bin/python -m pytest tests/bench/bench_store.py -s -o addopts=""``
(``BENCH_TICKETS`` changes the ticket count).
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.dialects import sqlite as sqlite_dialect

from desktop_app.domain import (
    Contract,
    Customer,
    Desk,
    DeskCustomer,
    DeskTicket,
    EventKind,
    Priority,
    Role,
    Site,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
)
from desktop_app.store import open_store
from desktop_app.store.queries.queue import queue_sql
from support import writes

TICKETS = int(os.environ.get("BENCH_TICKETS", "100000"))
WRITES = 200
TIMELINE = 10  # events on a ticket's timeline when it is written to
NOW = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
ZONES = ["America/Toronto", "Europe/Berlin", "Asia/Tokyo"]
TIERS = list(Tier)
CATEGORIES = ["hardware", "software", "network", "access", "outage"]


def scale_desk(tickets: int, seed: int = 7) -> Desk:
    """12 customers in 4 tiers over 3 zones, 8 people, ``tickets`` open tickets."""
    rng = random.Random(seed)
    technicians = [
        Technician(f"Tech {n}", Role.DISPATCHER if n < 2 else Role.TECHNICIAN, 1, ZONES[n % 3])
        for n in range(8)
    ]
    customers = [
        DeskCustomer(
            Customer(f"Customer {n}", TIERS[n % 4]),
            sites=[Site(0, f"Site {n}-{s}", ZONES[(n + s) % 3], "Office hours") for s in range(2)],
            contracts=[
                Contract(
                    0,
                    TIERS[n % 4].value.capitalize(),
                    TIERS[n % 4],
                    date(2024, 1, 1),
                    date(2026, 12, 31),
                )
            ],
        )
        for n in range(12)
    ]
    priorities = list(Priority)
    desk_tickets = []
    for n in range(tickets):
        customer = rng.randrange(12)
        created = NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * 5))
        priority = priorities[rng.randrange(4)]
        events = [TicketEvent(EventKind.CREATED, created, priority=priority)]
        if rng.random() < 0.6:
            events.append(
                TicketEvent(
                    EventKind.PUBLIC_REPLY, created + timedelta(minutes=rng.randrange(5, 90))
                )
            )
        if rng.random() < 0.3:
            events.append(
                TicketEvent(
                    EventKind.CUSTOMER_MESSAGE, created + timedelta(minutes=rng.randrange(95, 300))
                )
            )
        events = [e for e in events if e.at <= NOW]
        desk_tickets.append(
            DeskTicket(
                Ticket(
                    number=f"S-{n:06d}",
                    customer_id=0,
                    subject=f"Scale ticket {n}",
                    category=CATEGORIES[rng.randrange(5)],
                    priority=priority,
                    created_at=created,
                    status=TicketStatus.OPEN,
                    events=tuple(events),
                ),
                customer=f"Customer {customer}",
                site=f"Site {customer}-{rng.randrange(2)}",
                assignee=f"Tech {rng.randrange(8)}" if rng.random() < 0.8 else None,
            )
        )
    return Desk(technicians=technicians, customers=customers, tickets=desk_tickets)


# The queue query before the clocks were packed onto the ticket row: 45 columns, the three
# clock rows, the site (and the customer's first site) joined per ticket.
_JOINED_QUERY = """
SELECT t.id, t.number, t.subject, t.priority, t.category, t.status, t.customer_id,
       c.name, c.tier, s.name, coalesce(s.timezone, f.timezone),
       coalesce(s.calendar, f.calendar), t.assignee_id, p.name, t.escalation_level,
       t.version, t.created_at, coalesce(n.n, 0),
       c1.state, c1.target_seconds, c1.started_at, c1.due_at, c1.elapsed_seconds,
       c1.breached_at, c1.met_at, c1.paused, c1.as_of,
       c2.state, c2.target_seconds, c2.started_at, c2.due_at, c2.elapsed_seconds,
       c2.breached_at, c2.met_at, c2.paused, c2.as_of,
       c3.state, c3.target_seconds, c3.started_at, c3.due_at, c3.elapsed_seconds,
       c3.breached_at, c3.met_at, c3.paused, c3.as_of
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN sites s ON s.id = t.site_id
LEFT JOIN technicians p ON p.id = t.assignee_id
LEFT JOIN (SELECT customer_id, count(*) AS n FROM criticism_notes
           WHERE sentiment = 'negative' AND resolved_at IS NULL GROUP BY customer_id) n
       ON n.customer_id = t.customer_id
LEFT JOIN (SELECT customer_id, min(id) AS site_id FROM sites GROUP BY customer_id) fs
       ON fs.customer_id = t.customer_id
LEFT JOIN sites f ON f.id = fs.site_id
LEFT JOIN ticket_clocks c1 ON c1.ticket_id = t.id AND c1.metric = 'first_response'
LEFT JOIN ticket_clocks c2 ON c2.ticket_id = t.id AND c2.metric = 'next_update'
LEFT JOIN ticket_clocks c3 ON c3.ticket_id = t.id AND c3.metric = 'resolution'
WHERE t.status IN ('new', 'open', 'waiting_on_customer')
ORDER BY t.next_due_at IS NULL, t.next_due_at, t.created_at, t.id
"""


def _raw_fetch_seconds(path: Path, query: str) -> float:
    """A query through the bare sqlite3 module into plain tuples (best of 3)."""
    connection = sqlite3.connect(path)
    try:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            rows = connection.execute(query).fetchall()
            timings.append(time.perf_counter() - start)
            assert len(rows) == TICKETS
            del rows
    finally:
        connection.close()
    return min(timings)


def _raw_commit_ms(path: Path) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, t TEXT)")
    timings = []
    for n in range(WRITES):
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench_raw (t) VALUES (?)", (f"note {n}",))
        connection.execute("COMMIT")
        timings.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(timings) * 1000


def test_bench_store(tmp_path: Path) -> None:
    path = tmp_path / "bench.sqlite3"
    url = f"sqlite:///{path}"
    store = open_store(url, clock=lambda: NOW)
    store.seed_defaults()

    start = time.perf_counter()
    desk = scale_desk(TICKETS)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    summary = store.import_desk(desk)
    imported = time.perf_counter() - start
    del desk
    store.close()

    # Cold: a new store, as at application start (policies and calendars loaded too).
    cold_store = open_store(url, clock=lambda: NOW, upgrade=False)
    start = time.perf_counter()
    queue = cold_store.load_queue(NOW)
    cold = time.perf_counter() - start
    assert len(queue) == TICKETS
    del queue
    warm_runs = []
    for _ in range(3):
        start = time.perf_counter()
        queue = cold_store.load_queue(NOW)
        warm_runs.append(time.perf_counter() - start)
        del queue
    warm = min(warm_runs)
    raw_fetch = _raw_fetch_seconds(path, queue_sql(cold_store))
    raw_joined = _raw_fetch_seconds(path, _JOINED_QUERY)

    # Audited writes as a desk makes them: spread over many tickets whose timelines hold
    # about ten events (a reply or customer message replays the timeline and recomputes
    # the clocks; an internal note moves no clock). Each ticket is first brought to nine
    # events by the same kinds of writes, untimed.
    queue = cold_store.load_queue(NOW)
    step = max(1, len(queue) // WRITES)
    targets = [(e.ticket_id, e.version) for e in queue[::step][:WRITES]]
    del queue
    writer = next(t.id for t in cold_store.technicians() if t.name == "Tech 2")
    assert writer is not None
    kinds = (EventKind.PUBLIC_REPLY, EventKind.CUSTOMER_MESSAGE)
    versions: dict[int, int] = {}
    for ticket_id, first_version in targets:
        version = first_version
        while len(cold_store.ticket(ticket_id).events) < TIMELINE - 1:
            version = writes.add_event(
                cold_store, writer, ticket_id, version, kinds[version % 2], f"warm-up {version}"
            ).version
        versions[ticket_id] = version
    timelines = [len(cold_store.ticket(ticket_id).events) + 1 for ticket_id, _ in targets]
    write_timings = []
    for n, (ticket_id, _) in enumerate(targets):
        start = time.perf_counter()
        versions[ticket_id] = writes.add_event(
            cold_store, writer, ticket_id, versions[ticket_id], kinds[n % 2], f"msg {n}"
        ).version
        write_timings.append(time.perf_counter() - start)
    note_timings = []
    for n, (ticket_id, _) in enumerate(targets):
        start = time.perf_counter()
        versions[ticket_id] = writes.add_event(
            cold_store, writer, ticket_id, versions[ticket_id], EventKind.INTERNAL_NOTE, f"note {n}"
        ).version
        note_timings.append(time.perf_counter() - start)
    cold_store.close()
    raw_commit = _raw_commit_ms(path)

    reply_ms = statistics.median(write_timings) * 1000
    note_ms = statistics.median(note_timings) * 1000
    print()
    print(f"store bench on SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores, {path}")
    print(f"  generate {TICKETS:,} tickets (bench's own generator): {generated:6.2f} s")
    print(
        f"  import_desk: {summary.tickets:,} tickets, {summary.events:,} events, "
        f"clocks through the engine: {imported:6.2f} s"
    )
    print(f"  load_queue {TICKETS:,} open tickets into QueueEntry (cold start): {cold:6.3f} s")
    print(
        f"  load_queue {TICKETS:,} open tickets into QueueEntry (warm, best of 3): {warm:6.3f} s"
        f"   target <= 1.5 s"
    )
    print(
        f"    baseline 'raw sqlite3 fetch' of the same query into tuples: {raw_fetch:6.3f} s"
        f"  (store/raw = {warm / raw_fetch:4.1f}x)"
    )
    print(
        f"    reference: raw sqlite3 fetch of the former 45-column joined queue query: "
        f"{raw_joined:6.3f} s"
    )
    print(
        f"  audited write, reply/customer message with clock recompute (median of {WRITES} "
        f"tickets, {min(timelines)}-{max(timelines)}-event timelines): "
        f"{reply_ms:5.2f} ms   target <= 5 ms"
    )
    print(
        f"    p90 {statistics.quantiles(write_timings, n=10)[-1] * 1000:5.2f} ms, "
        f"max {max(write_timings) * 1000:5.2f} ms"
    )
    print(f"  audited write, internal note (median of {WRITES}): {note_ms:5.2f} ms")
    print(
        f"    baseline 'raw sqlite3 commit' (INSERT + COMMIT, WAL, synchronous=FULL): "
        f"{raw_commit:5.2f} ms  (store/raw = {reply_ms / raw_commit:4.1f}x)"
    )
    print(f"  (dialect {sqlite_dialect.dialect.name}; figures are not asserted)")
