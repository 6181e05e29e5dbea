"""Benchmark: import 10,000 tickets (with their timelines) from CSV into a SQLite file.

The file is what ``desktop-app export`` writes: the demo desk's tickets (1,000 open and
9,000 closed, about seven events each), one row per event. The database already holds the
demo desk's calendars, policies, technicians and customers, as it would before a ticket
import. Budget (issue 3): ≤ 5 s for the whole ``import_file``.

Figures: reading and checking the file into a desk, writing the desk (``Store.import_desk``,
which also computes every ticket's clocks), and the whole import. Baseline, in the same
run: the floor of reading the same file with the standard library alone (``csv.DictReader``
into dicts, no checks), so the checking cost shows as the difference. Also printed: the
demo generator's scale mode (100,000 open tickets), which benchmarks of the queue use.

Run: ``.venv/bin/python -m pytest tests/bench/bench_import.py -s -o addopts=""``
"""

from __future__ import annotations

import csv
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.domain import Desk
from desktop_app.store import open_store
from desktop_app.store.demo import generate_demo_desk
from desktop_app.store.transfer import export_tickets_csv, import_file, known_names, parse_file

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
TICKETS = 10_000
BUDGET_S = 5.0


def _timed(label: str, work):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"  {label:<48} {seconds:7.2f} s")
    return result, seconds


def test_import_10k_tickets_from_csv(tmp_path: Path) -> None:
    desk = generate_demo_desk(seed=7, now=NOW, open_tickets=1_000, closed_tickets=9_000)
    path = tmp_path / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        export_tickets_csv(desk.tickets, stream)
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    size_mb = path.stat().st_size / 1e6
    print(
        f"\nimport {TICKETS:,} tickets from CSV ({rows:,} rows, {size_mb:.1f} MB) on "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s), SQLite file in {tmp_path}"
    )

    def floor() -> int:
        with path.open(encoding="utf-8", newline="") as stream:
            return sum(1 for _ in csv.DictReader(stream))

    _, floor_s = _timed("baseline: csv.DictReader only (no checks)", floor)

    store = open_store(f"sqlite:///{tmp_path / 'desk.sqlite3'}", clock=lambda: NOW)
    try:
        store.import_desk(
            Desk(
                calendars=desk.calendars,
                policies=desk.policies,
                technicians=desk.technicians,
                customers=desk.customers,
            )
        )
        known = known_names(store)
        parsed, parse_s = _timed(
            "read + check every row into a desk", lambda: parse_file(path, known=known)
        )
        assert parsed.errors == [] and len(parsed.desk.tickets) == TICKETS

        report, total_s = _timed(
            "whole import_file (read, check, write)", lambda: import_file(store, path)
        )
        assert report.summary.tickets == TICKETS
        print(f"  {'of which writing (import_file - read/check)':<48} {total_s - parse_s:7.2f} s")
        print(
            f"  checking costs {parse_s / floor_s:.1f}x the bare CSV read; "
            f"{TICKETS / total_s:,.0f} tickets/s; budget {BUDGET_S:.0f} s: "
            f"{'within' if total_s <= BUDGET_S else 'OVER'}"
        )
    finally:
        store.close()

    _timed(
        "demo scale mode: 100,000 open tickets",
        lambda: generate_demo_desk(seed=7, now=NOW, open_tickets=100_000, closed_tickets=0),
    )
