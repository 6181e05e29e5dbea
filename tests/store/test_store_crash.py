"""Crash safety: a writer killed with SIGKILL loses nothing it reported committed.

The child process records internal notes on one ticket and prints the number of each
note after its transaction committed. The parent kills it when the child reports the
write chosen by a seeded random generator (never after a sleep), then reopens the file.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store_support import FakeClock, small_desk

from desktop_app.domain import EventKind, Priority
from desktop_app.store import open_store
from support import writes

WRITES = 1_000
REPO = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from desktop_app.domain import EventKind
from desktop_app.domain.commands import AddEvent
from desktop_app.store import open_store

url, ticket_id, actor_id, writes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = open_store(url, upgrade=False)
version = store.ticket(ticket_id).version
print("ready", flush=True)
for n in range(writes):
    note = store.apply(
        AddEvent(
            actor_id=actor_id,
            at=store.now(),
            ticket_id=ticket_id,
            version=version,
            kind=EventKind.INTERNAL_NOTE,
            text=f"note {n}",
        )
    ).result
    version = note.version
    print(n, flush=True)
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("seed", [3, 11])
def test_killed_writer_loses_no_committed_write(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "desk.sqlite3"
    url = f"sqlite:///{path}"
    store = open_store(url, clock=FakeClock())
    store.seed_defaults()
    store.import_desk(small_desk())
    alice = next(t.id for t in store.technicians() if t.name == "Alice Tech")
    acme = next(c.id for c in store.customers() if c.name == "Acme Corp")
    assert alice is not None and acme is not None
    ticket = writes.create_ticket(
        store,
        alice,
        customer_id=acme,
        subject="Crash me",
        category="hardware",
        priority=Priority.LOW,
    )
    assert ticket.id is not None
    store.close()

    kill_after = random.Random(seed).randrange(1, WRITES - 1)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(ticket.id), str(alice), str(WRITES)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    reported = -1
    try:
        for line in child.stdout:
            if line.strip().isdigit():
                reported = int(line)
                if reported == kill_after:
                    child.send_signal(signal.SIGKILL)
                    break
    finally:
        child.stdout.close()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert reported == kill_after

    check = sqlite3.connect(path)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    reopened = open_store(url, upgrade=False)
    after = reopened.ticket(ticket.id)
    notes = [e.text for e in after.events if e.kind is EventKind.INTERNAL_NOTE]
    # Every reported write is there, in order; at most the one in flight came on top.
    assert notes[: kill_after + 1] == [f"note {n}" for n in range(kill_after + 1)]
    assert len(notes) in (kill_after + 1, kill_after + 2)
    # Nothing half written: each note bumped the version and has its audit row.
    assert after.version == 1 + len(notes)
    audits = reopened.audit_log("ticket", ticket.id, limit=5_000)
    assert sum(a.action == "add_internal_note" for a in audits) == len(notes)
    reopened.close()
