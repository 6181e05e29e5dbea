"""Benchmark: import 10,000 tickets (with their timelines) from CSV into a SQLite file.

The file is what ``desktop-app export`` writes: the demo desk's tickets (1,000 open and
9,000 closed, about seven events each), one row per event. The database already holds the
demo desk's calendars, policies, technicians and customers, as it would before a ticket
import. Budget (issue 3): ≤ 5 s for the whole ``import_file``.

Figures, each over ``RUNS`` runs (min–max, median; the machine may be noisy): reading and
checking the file into a desk, the whole import (read, check, write, with every ticket's
clocks computed) into a fresh SQLite file, its CPU seconds (less sensitive to other work
on the machine), and the write as the difference of the medians. Baseline, in the same run:
the floor of reading the same file with the standard library alone (``csv.DictReader``
into dicts, no checks), so the checking cost shows as the difference. The same whole import
into PostgreSQL follows when the server of the store tests is reachable
(``TEST_POSTGRES_URL``, default trust auth on 127.0.0.1:5432, database ``test``; a schema
of its own, dropped afterwards). Also printed: the demo generator's scale mode (100,000
open tickets), which benchmarks of the queue use.

Run: ``.venv/bin/python -m pytest tests/bench/bench_import.py -s -o addopts=""``
"""

from __future__ import annotations

import csv
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import Desk
from desktop_app.interchange.files import export_tickets_csv, import_file, known_names, parse_file
from desktop_app.store import open_store

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
TICKETS = 10_000
BUDGET_S = 5.0
RUNS = 3
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _spread(label: str, seconds: list[float], unit: str = "s") -> float:
    """Print min–max and median of ``seconds``; returns the median."""
    median = statistics.median(seconds)
    print(f"  {label:<46} {min(seconds):5.2f}–{max(seconds):5.2f} {unit}  (median {median:5.2f})")
    return median


def _people_and_customers(desk: Desk) -> Desk:
    return Desk(
        calendars=desk.calendars,
        policies=desk.policies,
        technicians=desk.technicians,
        customers=desk.customers,
    )


def _timed_imports(
    path: Path, desk: Desk, database: Callable[[int], Iterator[str]]
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``RUNS`` whole imports, each into a fresh database."""
    wall: list[float] = []
    cpu: list[float] = []
    for run in range(RUNS):
        with contextmanager(database)(run) as url:
            store = open_store(url, clock=lambda: NOW)
            try:
                store.import_desk(_people_and_customers(desk))
                started, started_cpu = time.perf_counter(), time.process_time()
                report = import_file(store, path)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                assert report.summary.tickets == TICKETS
            finally:
                store.close()
    return wall, cpu


def _postgres_schema(run: int) -> Iterator[str]:
    import psycopg

    url = make_url(PG_URL)
    name = f"tq_bench_import_{uuid.uuid4().hex[:8]}_{run}"
    admin = psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    )
    try:
        admin.execute(f'CREATE SCHEMA "{name}"')
        try:
            yield url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
                hide_password=False
            )
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        admin.close()


def _postgres_reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    url = make_url(PG_URL)
    try:
        psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        return f"cannot connect to {url.render_as_string()}: {exc}"
    return None


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
        f"{os.cpu_count()} CPU(s), SQLite files in {tmp_path}; {RUNS} runs each"
    )

    def floor() -> float:
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as stream:
            assert sum(1 for _ in csv.DictReader(stream)) == rows
        return time.perf_counter() - started

    floor_s = _spread("baseline: csv.DictReader only (no checks)", [floor() for _ in range(RUNS)])

    store = open_store(f"sqlite:///{tmp_path / 'read.sqlite3'}", clock=lambda: NOW)
    try:
        store.import_desk(_people_and_customers(desk))
        known = known_names(store)
    finally:
        store.close()
    reads = []
    for _ in range(RUNS):
        started = time.perf_counter()
        parsed = parse_file(path, known=known)
        reads.append(time.perf_counter() - started)
        assert parsed.errors == [] and len(parsed.desk.tickets) == TICKETS
    del parsed
    read_s = _spread("read + check every row into a desk", reads)

    def sqlite_file(run: int) -> Iterator[str]:
        yield f"sqlite:///{tmp_path / f'desk{run}.sqlite3'}"

    wall, cpu = _timed_imports(path, desk, sqlite_file)
    total_s = _spread("whole import_file (read, check, write)", wall)
    _spread("  its CPU time", cpu)
    print(f"  {'of which writing (median whole - median read)':<46} {total_s - read_s:5.2f} s")
    print(
        f"  checking costs {read_s / floor_s:.1f}x the bare CSV read; "
        f"{TICKETS / total_s:,.0f} tickets/s; budget {BUDGET_S:.0f} s: "
        f"{'within' if max(wall) <= BUDGET_S else 'OVER'} (slowest run {max(wall):.2f} s)"
    )

    unreachable = _postgres_reachable()
    if unreachable is None:
        wall, cpu = _timed_imports(path, desk, _postgres_schema)
        _spread("whole import_file into PostgreSQL", wall)
        _spread("  its CPU time (this process)", cpu)
    else:
        print(f"  PostgreSQL skipped: {unreachable}")

    started = time.perf_counter()
    generate_demo_desk(seed=7, now=NOW, open_tickets=100_000, closed_tickets=0)
    print(f"  {'demo scale mode: 100,000 open tickets':<46} {time.perf_counter() - started:5.2f} s")
