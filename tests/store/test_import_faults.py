"""Bad import files and bad luck, on SQLite and PostgreSQL alike.

One corpus of bad files runs against both backends: each is refused with its line (and
field) in words, never a traceback, and nothing is written; the same good edge cases are
accepted by both. Then the store's own checks (a desk handed to ``import_desk`` directly),
a full disk, and a database another writer keeps locked.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from store_support import FakeClock, small_desk, small_disk

from desktop_app.cli import main
from desktop_app.domain import Desk as DeskData
from desktop_app.domain import (
    DeskTicket,
    DiskFullError,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
    ValidationError,
)
from desktop_app.interchange.files import ImportRejectedError, import_file
from desktop_app.store import Store, bulk, db, open_store
from desktop_app.store.bulk import DeskBusyError, running_import

HEADER = "number,customer,subject,category,priority,created_at\n"
GOOD_ROW = "T-1,Acme Corp,Printer jams,hardware,high,2025-03-01T09:00:00Z\n"


def _ticket_json(**fields: object) -> str:
    record: dict[str, object] = {
        "number": "T-1",
        "customer": "Acme Corp",
        "subject": "Printer jams",
        "category": "hardware",
        "priority": "high",
        "created_at": "2025-03-01T09:00:00Z",
    }
    record.update(fields)
    return json.dumps({"tickets": [record]}, indent=1)


@dataclass(frozen=True)
class Case:
    name: str
    suffix: str
    content: bytes
    line: int
    says: str  # a piece of the message for that line


def _csv(rows: str) -> bytes:
    return (HEADER + GOOD_ROW + rows).encode("utf-8")


def _deep_json(depth: int) -> bytes:
    nested = "[" * depth + "]" * depth
    return (
        '{"tickets": [\n{"number": "T-9", "customer": "Acme Corp", "subject": "x",\n'
        f' "description": {nested}}}\n]}}\n'
    ).encode()


BAD_FILES = [
    Case(
        "subject of 301 characters",
        ".csv",
        _csv(f"T-2,Acme Corp,{'s' * 301},hardware,high,2025-03-01T09:00:00Z\n"),
        3,
        "subject is 301 characters long; it may hold at most 300",
    ),
    Case(
        "a NUL byte in a CSV subject",
        ".csv",
        _csv("T-2,Acme Corp,Print\x00er,hardware,high,2025-03-01T09:00:00Z\n"),
        3,
        "subject holds a NUL character",
    ),
    Case(
        "a NUL escape in a JSON subject",
        ".json",
        _ticket_json(subject="Print\u0000er").encode(),
        3,
        "subject holds a NUL character",
    ),
    Case(
        "an unpaired surrogate escape in JSON",
        ".json",
        _ticket_json(subject="x").replace('"x"', '"\\ud800"').encode(),
        3,
        "unpaired surrogate",
    ),
    Case(
        "a 50 MB description field",
        ".csv",
        (
            "number,customer,subject,category,priority,created_at,description\n"
            + "T-1,Acme Corp,Big,hardware,high,2025-03-01T09:00:00Z,"
            + "d" * 50_000_000
            + "\n"
        ).encode(),
        2,
        "description is 50,000,000 characters long; it may hold at most 100,000",
    ),
    Case(
        "year 1 with an offset",
        ".csv",
        _csv("T-2,Acme Corp,Old,hardware,high,0001-01-01T00:00:00+01:00\n"),
        3,
        "is out of range; check the year",
    ),
    Case(
        "year 9999 with an offset",
        ".csv",
        _csv("T-2,Acme Corp,Late,hardware,high,9999-12-31T23:00:00-05:00\n"),
        3,
        "is out of range; check the year",
    ),
    Case(
        "created in 1900",
        ".csv",
        _csv("T-2,Acme Corp,Old,hardware,high,1900-01-01T00:00:00Z\n"),
        3,
        "is more than 20 years ago (before 2005-03-03); check the year, or import an "
        "archive of old tickets with --allow-old",
    ),
    Case(
        "created in 2099",
        ".csv",
        _csv("T-2,Acme Corp,Soon,hardware,high,2099-01-01T00:00:00Z\n"),
        3,
        "is in the future (the desk's clock says 2025-03-03 14:00 UTC)",
    ),
    Case(
        "JSON nested 10,000 deep",
        ".json",
        _deep_json(10_000),
        2,
        "nest deeper than the file format allows",
    ),
    Case(
        "a JSON object with a key twice",
        ".json",
        b'{"tickets": [\n{"number": "T-1", "customer": "Acme Corp", "subject": "a",\n'
        b' "subject": "b", "category": "x", "priority": "low",'
        b' "created_at": "2025-03-01T09:00:00Z"}\n]}\n',
        2,
        "the key 'subject' appears twice in one object; keep one",
    ),
    Case(
        "NaN in JSON",
        ".json",
        _ticket_json(escalation_level=1).replace("1\n", "NaN\n").encode(),
        3,
        "NaN is not a JSON value",
    ),
    Case(
        "a JSON number of 5,000 digits",
        ".json",
        _ticket_json(escalation_level=1).replace("1\n", "9" * 5000 + "\n").encode(),
        3,
        "a number is too long",
    ),
    Case(
        "an escalation level beyond any policy",
        ".json",
        _ticket_json(escalation_level=10**15).encode(),
        3,
        "escalation_level 1000000000000000 is more than 99",
    ),
    Case(
        "broken JSON",
        ".json",
        b'{"tickets": [\n{"number": "T-1",\n "subject" "x"}\n]}\n',
        2,
        "not valid JSON: Expecting ':' delimiter (line 3, column 12)",
    ),
    Case(
        "a Windows-1252 CSV",
        ".csv",
        _csv("T-2,Acme Corp,Caf\xe9 printer,hardware,high,2025-03-01T09:00:00Z\n")
        .decode()
        .encode("cp1252"),
        3,
        "column 18: byte 0xE9 is not UTF-8",
    ),
    Case(
        "a UTF-16 CSV without its byte-order mark",
        ".csv",
        _csv("").decode().encode("utf-16-le"),
        1,
        "looks like UTF-16 text without a byte-order mark; give --encoding utf-16-le",
    ),
]


def _row_counts(store: Store) -> tuple[int, int, int]:
    audit = len(store.audit_log())
    return len(store.load_queue()), len(store.customers()), audit


@pytest.fixture
def desk(empty_store: Store) -> Store:
    empty_store.import_desk(small_desk())
    return empty_store


@pytest.mark.parametrize("case", BAD_FILES, ids=[case.name for case in BAD_FILES])
def test_a_bad_file_is_refused_in_words_on_either_backend(
    case: Case, desk: Store, tmp_path: Path
) -> None:
    path = tmp_path / f"bad{case.suffix}"
    path.write_bytes(case.content)
    before = _row_counts(desk)

    with pytest.raises(ImportRejectedError) as refused:
        import_file(desk, path)

    errors = {error.line: str(error) for error in refused.value.parsed.errors}
    assert case.line in errors, refused.value.parsed.error_lines()
    assert case.says in errors[case.line]
    assert len(errors[case.line]) < 1_000  # the message never quotes a huge value back
    assert _row_counts(desk) == before


@pytest.mark.parametrize(
    "case",
    [c for c in BAD_FILES if c.name in ("subject of 301 characters", "created in 1900")],
    ids=lambda case: case.name,
)
def test_skip_bad_writes_the_good_rows_and_leaves_the_bad_ones(
    case: Case, desk: Store, tmp_path: Path
) -> None:
    path = tmp_path / f"bad{case.suffix}"
    path.write_bytes(case.content)

    report = import_file(desk, path, skip_bad=True)

    assert [e.line for e in report.parsed.errors] == [case.line]
    assert [e.number for e in desk.load_queue()] == ["T-1"]


@pytest.mark.parametrize(
    "case",
    [c for c in BAD_FILES if c.name in ("broken JSON", "a Windows-1252 CSV")],
    ids=lambda case: case.name,
)
def test_a_file_that_cannot_be_read_to_its_end_is_never_written_even_with_skip_bad(
    case: Case, desk: Store, tmp_path: Path
) -> None:
    path = tmp_path / f"bad{case.suffix}"
    path.write_bytes(case.content)

    with pytest.raises(ImportRejectedError, match="cannot read the file past line"):
        import_file(desk, path, skip_bad=True)

    assert desk.load_queue() == []


GOOD_EDGES = [
    ("subject of exactly 300 characters", "é" * 300, "x"),
    ("characters beyond the first plane", "Printer 🖨️ on fire 🔥", "Ünïcødé ✓ 𝄞" * 10),
    ("a description of exactly 100,000 characters", "Long", "d" * 100_000),
]


@pytest.mark.parametrize(
    ("name", "subject", "description"), GOOD_EDGES, ids=[g[0] for g in GOOD_EDGES]
)
def test_the_same_edge_cases_are_accepted_on_either_backend(
    name: str, subject: str, description: str, desk: Store, tmp_path: Path
) -> None:
    path = tmp_path / "edge.json"
    path.write_text(_ticket_json(subject=subject, description=description), encoding="utf-8")

    import_file(desk, path)

    stored = desk.ticket_by_number("T-1")
    assert (stored.subject, stored.description) == (subject, description)


def _ticket(clock: FakeClock, **fields: object) -> Ticket:
    values: dict[str, object] = {
        "number": "S-1",
        "customer_id": 0,
        "subject": "Screen flickers",
        "category": "hardware",
        "priority": Priority.HIGH,
        "created_at": clock.now - timedelta(hours=1),
        "status": TicketStatus.OPEN,
    }
    values.update(fields)
    return Ticket(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"subject": "s" * 301}, "the subject is 301 characters long; it may hold at most 300"),
        ({"subject": "a\x00b"}, "the subject holds a NUL character"),
        ({"number": "N" * 33}, "the number is 33 characters long; it may hold at most 32"),
        ({"description": "\ud800"}, "the description holds an unpaired surrogate"),
    ],
    ids=["long subject", "NUL", "long number", "surrogate"],
)
def test_the_store_refuses_what_one_backend_could_not_store(
    desk: Store, clock: FakeClock, fields: dict[str, object], says: str
) -> None:
    # A desk handed to import_desk directly (not read from a file) meets the same limits,
    # so SQLite does not keep what PostgreSQL would refuse with a DataError.
    before = _row_counts(desk)
    with pytest.raises(ValidationError, match=says):
        desk.import_desk(DeskData(tickets=[DeskTicket(_ticket(clock, **fields), "Acme Corp")]))
    assert _row_counts(desk) == before


def test_an_event_text_with_a_nul_is_refused_by_the_store(desk: Store, clock: FakeClock) -> None:
    note = TicketEvent(EventKind.INTERNAL_NOTE, clock.now, "Alice", "bad\x00text")
    with pytest.raises(ValidationError, match="the text of an event holds a NUL"):
        desk.import_desk(
            DeskData(tickets=[DeskTicket(_ticket(clock, events=(note,)), "Acme Corp")])
        )


# --------------------------------------------------------------------------- a full disk


def _driver_disk_full(backend: str) -> Exception:
    if backend == "sqlite":
        return sqlite3.OperationalError("database or disk is full")
    import psycopg

    return psycopg.errors.DiskFull("could not extend file: No space left on device")


def test_a_full_disk_during_the_write_says_so_and_writes_nothing(
    desk: Store, backend: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = bulk.PreparedImport.write

    def fills_the_disk(self: bulk.PreparedImport, session: object) -> object:
        write(self, session)  # type: ignore[arg-type]
        raise OperationalError("INSERT …", {}, _driver_disk_full(backend))

    monkeypatch.setattr(bulk.PreparedImport, "write", fills_the_disk)
    before = _row_counts(desk)

    with pytest.raises(DiskFullError) as full:
        desk.import_desk(DeskData(tickets=[DeskTicket(_ticket(clock), "Acme Corp")]))

    message = str(full.value)
    if backend == "sqlite":
        folder = Path(tmp_database(desk)).parent
        assert [p.name for p in folder.iterdir() if "-import-" in p.name] == []
        assert message.startswith(f"The disk holding {tmp_database(desk)} is full (")
        assert " MB free); nothing was written." in message
    else:
        assert message.startswith("The disk holding the database at postgresql")
        assert "nothing was written. Ask the server's administrator" in message
    assert _row_counts(desk) == before


def tmp_database(store: Store) -> str:
    return store.url.removeprefix("sqlite:///")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_demo_and_import_on_a_full_disk_say_so_without_a_traceback(tmp_path: Path) -> None:
    with small_disk(tmp_path / "small", "2m") as folder:
        database = folder / "desk.sqlite3"
        code, out, err = _run("demo", "--database", str(database))
        assert code == 1, err
        assert out == ""
        assert err.startswith(f"desktop-app demo: The disk holding {database} is full (")
        assert "MB free); nothing was written. Free some space on that disk" in err
        assert "Traceback" not in err

        code, _, err = _run("demo", "--database", str(database), "--scale", "0")
        assert code == 0, err  # the people and customers fit
        tickets = tmp_path / "tickets.csv"
        code, _, err = _run("export", str(tickets), "--database", str(_big_desk(tmp_path)))
        assert code == 0, err
        code, out, err = _run("import", str(tickets), "--database", str(database))
        assert code == 1
        assert f"The disk holding {database} is full (" in err
        store = open_store(f"sqlite:///{database}")
        try:
            assert store.load_queue() == []
        finally:
            store.close()


def _big_desk(tmp_path: Path) -> Path:
    """A SQLite file with the demo desk, for an export too big for a 2 MB disk."""
    path = tmp_path / "big.sqlite3"
    code, _, err = _run("demo", "--database", str(path))
    assert code == 0, err
    return path


# --------------------------------------------------------------------------- the write lock


@pytest.fixture
def sqlite_desk(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'desk.sqlite3'}", clock=clock)
    store.seed_defaults()
    store.import_desk(small_desk())
    yield store
    store.close()


def test_an_import_that_cannot_get_the_write_lock_says_who_holds_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=clock)
    store.seed_defaults()
    store.import_desk(small_desk())
    # Another process (the parent of this one stands in for it) is importing.
    other = path.with_name(f"{path.name}-import-{os.getppid()}")
    other.write_text(
        json.dumps(
            {
                "what": "an import of 60,000 tickets",
                "since": "2025-03-03T13:59:30+00:00",
                "pid": os.getppid(),
                "host": socket.gethostname(),
            }
        )
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DeskBusyError) as busy:
            store.import_desk(DeskData(tickets=[DeskTicket(_ticket(clock), "Acme Corp")]))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(busy.value) == (
        "The desk's database stayed busy for 0.2 s: another import (an import of 60,000 "
        f"tickets, since 13:59:30 UTC, process {os.getppid()} on {socket.gethostname()}) "
        "kept writing to it. Nothing was imported; run the import again when it is done."
    )
    assert store.load_queue() == []
    store.close()


def test_a_running_import_leaves_a_note_that_a_waiting_writer_can_read(
    sqlite_desk: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = bulk.PreparedImport.write
    seen: list[str | None] = []

    def write_and_look(self: bulk.PreparedImport, session: object) -> object:
        seen.append(running_import(sqlite_desk, include_own=True))
        seen.append(running_import(sqlite_desk))  # this process's own import is not "another"
        return write(self, session)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk.PreparedImport, "write", write_and_look)
    sqlite_desk.import_desk(DeskData(tickets=[DeskTicket(_ticket(clock), "Acme Corp")]))

    described, own = seen
    assert described is not None and own is None
    assert described.startswith("an import of 1 tickets, since ")
    assert f"process {os.getpid()} on {socket.gethostname()}" in described
    assert running_import(sqlite_desk, include_own=True) is None  # removed at the end
    folder = Path(tmp_database(sqlite_desk)).parent
    assert not list(folder.glob("*-import-*"))


def test_a_note_left_by_a_process_that_died_is_ignored(sqlite_desk: Store, tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])  # a process that has come and gone
    finished.wait()
    pid = finished.pid
    note = Path(tmp_database(sqlite_desk) + f"-import-{pid}")
    note.write_text(
        json.dumps(
            {
                "what": "an import of 5 tickets",
                "since": "2025-03-03T13:00:00+00:00",
                "pid": pid,
                "host": socket.gethostname(),
            }
        )
    )
    assert running_import(sqlite_desk) is None


def test_the_rows_staged_beside_the_file_are_copied_in_and_leave_nothing_behind(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite the tickets, timelines and clocks are written to a file beside the
    # database while preparing; the write attaches it, copies the rows and the connection
    # detaches it when it goes back to the pool.
    detached: list[list[str]] = []
    detach = bulk._detach_stages

    def detach_and_look(dbapi_connection: sqlite3.Connection, record: object) -> None:
        had = list(getattr(record, "info", {}).get(bulk._STAGES, ()))
        detach(dbapi_connection, record)
        if had:
            names = [row[1] for row in dbapi_connection.execute("PRAGMA database_list")]
            detached.append(names)

    monkeypatch.setattr(bulk, "_detach_stages", detach_and_look)
    path = tmp_path / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        store.seed_defaults()
        store.import_desk(small_desk())
        opened = clock.now - timedelta(hours=3)
        tickets = [
            DeskTicket(
                _ticket(
                    clock,
                    number=f"S-{n}",
                    created_at=opened,
                    events=(
                        TicketEvent(EventKind.CREATED, opened, "Wile E.", priority=Priority.HIGH),
                        TicketEvent(EventKind.PUBLIC_REPLY, opened + timedelta(minutes=n), "Alice"),
                    ),
                ),
                "Acme Corp" if n % 2 else "Globex",
                site="Toronto HQ" if n % 2 else None,
            )
            for n in range(1, 41)
        ]
        store.import_desk(DeskData(tickets=tickets))
        store.import_desk(DeskData(tickets=[DeskTicket(_ticket(clock, number="S-99"), "Globex")]))

        queue = {entry.number: entry for entry in store.load_queue()}
        assert len(queue) == 41
        detail = store.ticket_detail(store.ticket_by_number("S-7").id or 0)
        assert [event.kind for event in detail.ticket.events] == [
            EventKind.CREATED,
            EventKind.PUBLIC_REPLY,
        ]
        assert detail.ticket.events[1].at == opened + timedelta(minutes=7)
        assert len(detached) == 2  # one stage per import of tickets
        assert [name for names in detached for name in names if name.startswith("import")] == []
        assert sorted(p.name for p in tmp_path.iterdir() if "-import-" in p.name) == []
    finally:
        store.close()
