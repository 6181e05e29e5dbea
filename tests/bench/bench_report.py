"""Benchmark: the monthly SLA report, the twelve-month trends and the technicians' month on
a desk of 100,000 tickets.

The desk is a SQLite file filled by the demo generator (``BENCH_TICKETS`` closed tickets
spread over the past months, plus 1,000 open ones). Timed, each five times:

* ``monthly_report`` for the current month and for the previous one (one job, a fixed
  number of queries);
* baseline (floor): the same month's clocks and tickets read into plain tuples by the bare
  ``sqlite3`` module, no Python work on them;
* baseline (per customer): ``Store.customer_context`` for every customer, what the
  customer pane reads for one customer (its month's breach count among other things).
* ``trend_book`` for the twelve months to the current one (the trends tab: the desk and
  every customer), with the number of queries it sends; baseline: ``monthly_report``
  twelve times, one month at a time (what a per-month read would cost);
* ``technician_report`` for the current month.

The demo history spans about three months, so the twelve-month window holds every ticket:
the trend reads all 101,000.

Run: ``.venv/bin/python -m pytest tests/bench/bench_report.py -s -o addopts=""``
"""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from desktop_app.demo import generate_demo_desk
from desktop_app.sla.reports import months_ending
from desktop_app.store import open_store
from desktop_app.store.queries.reports import technician_report, trend_book
from desktop_app.store.reports import monthly_report

TICKETS = int(os.environ.get("BENCH_TICKETS", "100000"))
REPEAT = 5


def _times(work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return times


def _show(name: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    print(f"  {name:<46} {ms[0]:8.1f} – {ms[-1]:8.1f} ms (median {ms[len(ms) // 2]:.1f})")


def test_monthly_report(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    began = time.perf_counter()
    store = open_store(f"sqlite:///{path}", clock=lambda: now)
    store.import_desk(
        generate_demo_desk(seed=7, now=now, open_tickets=1000, closed_tickets=TICKETS)
    )
    built = time.perf_counter() - began
    customers = store.customers()
    this_month = now.date().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    print(
        f"\nMonthly SLA report, {TICKETS + 1000:,} tickets, {len(customers)} customers — "
        f"{platform.machine()}, CPython {platform.python_version()}, {store.backend}"
    )
    print(f"  (building the desk file: generate + import {built:.1f} s)")

    def floor(month: date) -> int:
        lo = datetime(month.year, month.month, 1, tzinfo=UTC) - timedelta(days=1)
        hi = lo + timedelta(days=33)
        with sqlite3.connect(path) as raw:
            clocks = raw.execute(
                "SELECT t.customer_id, t.category, c.metric, c.breached_at, c.met_at "
                "FROM ticket_clocks c JOIN tickets t ON t.id = c.ticket_id "
                "WHERE (c.breached_at >= ? AND c.breached_at < ?) "
                "OR (c.breached_at IS NULL AND c.met_at >= ? AND c.met_at < ?)",
                (*[t.isoformat(timespec="microseconds") for t in (lo, hi, lo, hi)],),
            ).fetchall()
            opened = raw.execute(
                "SELECT customer_id, created_at FROM tickets WHERE created_at >= ? "
                "AND created_at < ?",
                (lo.isoformat(timespec="microseconds"), hi.isoformat(timespec="microseconds")),
            ).fetchall()
        return len(clocks) + len(opened)

    for label, month in (("this month (so far)", this_month), ("last month", last_month)):
        report = monthly_report(store, month)
        decided = sum(
            r.first_response.met + r.first_response.breached + r.breached for r in report.rows
        )
        print(f" {label}: {len(report.rows)} rows, {decided:,} decided or breached clocks")
        _show("monthly_report", _times(lambda m=month: monthly_report(store, m)))
        _show("baseline: raw sqlite3 read of the month's rows", _times(lambda m=month: floor(m)))
    _show(
        "baseline: customer_context for every customer",
        _times(lambda: [store.customer_context(c.id or 0) for c in customers]),
    )

    months = months_ending(this_month, 12)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store._engine, "before_cursor_execute", count)
    book = trend_book(store, this_month)
    event.remove(store._engine, "before_cursor_execute", count)
    decided = sum(m.first_response.met + m.first_response.breached for m in book.desk.months)
    print(
        f" trends, {months[0]:%b %Y} to {months[-1]:%b %Y}: {len(book.customers)} customers, "
        f"{decided:,} first responses decided, {len(statements)} queries"
    )
    _show(
        "trend_book (12 months, desk + every customer)",
        _times(lambda: trend_book(store, this_month)),
    )
    _show(
        "baseline: monthly_report for each of 12 months",
        _times(lambda: [monthly_report(store, m) for m in months]),
    )
    _show("technician_report (this month)", _times(lambda: technician_report(store, this_month)))
    store.close()
