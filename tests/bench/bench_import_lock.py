"""Benchmark: how long a 60,000-ticket import keeps the desk's own writes waiting (SQLite).

The file is what ``desktop-app export`` writes for the demo desk's tickets (6,000 open and
54,000 closed, about seven events each). The database already holds the demo desk's
calendars, policies, technicians and customers. While ``import_file`` runs, another
process (the desk, as far as SQLite can tell) writes a small transaction every 20 ms, as a
technician's replies would, and records how long each waited for the write lock.

Figures, over ``RUNS`` runs: the import's longest hold of the write lock (from
``BEGIN IMMEDIATE`` to the end of ``COMMIT``), the longest wait of the other process's
writes, and the whole import. Baseline, in the same run: the whole ``import_desk`` call,
which is how long the lock was held when the import prepared its rows inside the write
transaction. SQLite gives up on a waiting write after the busy timeout (10 s); a hold far
below it means no write of the desk fails because an import runs.

Run: ``.venv/bin/python -m pytest tests/bench/bench_import_lock.py -s -o addopts=""``
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import Desk
from desktop_app.interchange.files import export_tickets_csv, import_file
from desktop_app.store import Store, open_store
from desktop_app.store.db import BUSY_TIMEOUT_MS

NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)
OPEN, CLOSED = 6_000, 54_000
RUNS = 3


def _desk_writes(path: str, started: Event, stop: Event, answer: Connection) -> None:
    """Another process writing small transactions until told to stop; sends back every
    wait for the write lock, in seconds."""
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=60000")
    waits: list[float] = []
    started.set()
    while not stop.is_set():
        asked = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - asked)
        connection.execute("UPDATE technicians SET active = active WHERE id = 1")
        connection.execute("COMMIT")
        stop.wait(0.02)
    connection.close()
    answer.send(waits)


@contextmanager
def _lock_holds(store: Store) -> Iterator[list[float]]:
    """The seconds each write transaction of ``store`` held the lock, from the moment
    ``BEGIN IMMEDIATE`` returned to the end of its commit."""
    holds: list[float] = []
    original = Store._write

    @contextmanager
    def timed(self: Store, actor_id: int | None, name: str) -> Iterator[Any]:
        with original(self, actor_id, name) as action:
            action.session.connection()  # BEGIN IMMEDIATE: the lock is taken here
            taken = time.perf_counter()
            yield action
        holds.append(time.perf_counter() - taken)

    Store._write = timed  # type: ignore[method-assign]
    try:
        yield holds
    finally:
        Store._write = original  # type: ignore[method-assign]


@contextmanager
def _durations(import_desks: list[float]) -> Iterator[None]:
    """Adds the seconds of each ``Store.import_desk`` call to ``import_desks``."""
    original = Store.import_desk

    def timed(self: Store, *args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            import_desks.append(time.perf_counter() - begun)

    Store.import_desk = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        Store.import_desk = original  # type: ignore[method-assign]


def _spread(label: str, values: list[float]) -> float:
    median = statistics.median(values)
    print(f"  {label:<58} {min(values):6.2f}–{max(values):6.2f} s  (median {median:5.2f})")
    return median


def test_a_60k_ticket_import_keeps_the_desks_writes_waiting_briefly(tmp_path: Path) -> None:
    desk = generate_demo_desk(seed=7, now=NOW, open_tickets=OPEN, closed_tickets=CLOSED)
    path = tmp_path / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        export_tickets_csv(desk.tickets, stream)
    people = Desk(
        calendars=desk.calendars,
        policies=desk.policies,
        technicians=desk.technicians,
        customers=desk.customers,
    )
    print(
        f"\nimport {OPEN + CLOSED:,} tickets ({path.stat().st_size / 1e6:.0f} MB of CSV) on "
        f"{platform.python_implementation()} {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, {os.cpu_count()} CPU(s); another process writes every "
        f"20 ms; busy timeout {BUSY_TIMEOUT_MS / 1000:g} s; {RUNS} runs"
    )
    holds: list[float] = []
    waits: list[float] = []
    imports: list[float] = []
    import_desks: list[float] = []
    context = multiprocessing.get_context("spawn")
    for run in range(RUNS):
        database = tmp_path / f"desk{run}.sqlite3"
        store = open_store(f"sqlite:///{database}", clock=lambda: NOW)
        try:
            store.import_desk(people)
            started, stop = context.Event(), context.Event()
            receive, send = context.Pipe(duplex=False)
            writer = context.Process(target=_desk_writes, args=(str(database), started, stop, send))
            writer.start()
            started.wait(30)
            with _lock_holds(store) as held, _durations(import_desks):
                begun = time.perf_counter()
                report = import_file(store, path)
                imports.append(time.perf_counter() - begun)
            stop.set()
            waits.append(max(receive.recv()))
            writer.join(30)
            assert report.summary.tickets == OPEN + CLOSED
            holds.append(max(held))
        finally:
            store.close()
    hold = _spread("longest hold of the write lock by the import", holds)
    _spread("longest wait of the other process's writes", waits)
    _spread("whole import_file (read, check, prepare, write)", imports)
    baseline = _spread(
        "baseline: whole import_desk (the lock held for all of it before)", import_desks
    )
    print(
        f"  the lock is held {hold / baseline:.0%} of the import_desk time; "
        f"{BUSY_TIMEOUT_MS / 1000 / max(holds):.1f}x below the busy timeout at the slowest run"
    )
