"""Exports that cannot be written, and cells that would run as spreadsheet formulas.

An export appears whole or not at all (a temporary file in the same folder, renamed when
complete), readable by its owner only, and a full disk says so in words.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from store_support import FakeClock, small_desk, small_disk

from desktop_app.cli import main
from desktop_app.domain import (
    Desk,
    DeskTicket,
    DiskFullError,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from desktop_app.interchange import output
from desktop_app.interchange.files import export_file, import_file, read_tickets
from desktop_app.interchange.output import ExportFailedError
from desktop_app.store import Store, open_store

FORMULAS = {
    "subject": '=HYPERLINK("http://evil.test","Click")',
    "description": "+cmd|' /C calc'!A0",
    "author": "@SUM(1+1)",
    "text": "-2+3",
    "tab": "\tstarts with a tab",
    "return": "\rstarts with a carriage return",
}


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _store(path: Path, clock: FakeClock) -> Store:
    store = open_store(f"sqlite:///{path}", clock=clock)
    store.seed_defaults()
    store.import_desk(small_desk())
    return store


@pytest.fixture
def desk(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """Small desk with one ticket whose texts would run as formulas in a spreadsheet."""
    store = _store(tmp_path / "desk.sqlite3", clock)
    opened = clock.now - timedelta(hours=2)
    events = (
        TicketEvent(EventKind.CREATED, opened, FORMULAS["author"], priority=Priority.HIGH),
        TicketEvent(
            EventKind.CUSTOMER_MESSAGE, opened + timedelta(minutes=1), "Wile E.", FORMULAS["text"]
        ),
        TicketEvent(
            EventKind.INTERNAL_NOTE, opened + timedelta(minutes=2), "Alice", FORMULAS["tab"]
        ),
        TicketEvent(
            EventKind.INTERNAL_NOTE, opened + timedelta(minutes=3), "Alice", FORMULAS["return"]
        ),
        TicketEvent(EventKind.INTERNAL_NOTE, opened + timedelta(minutes=4), "Alice", "-3"),
    )
    ticket = Ticket(
        number="X-1",
        customer_id=0,
        subject=FORMULAS["subject"],
        description=FORMULAS["description"],
        category="hardware",
        priority=Priority.HIGH,
        created_at=opened,
        status=TicketStatus.OPEN,
        events=events,
    )
    store.import_desk(Desk(tickets=[DeskTicket(ticket, "Acme Corp")]))
    yield store
    store.close()


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


# --------------------------------------------------------------------------- formulas


def test_cells_that_would_run_as_formulas_are_exported_with_a_quote(
    desk: Store, tmp_path: Path
) -> None:
    path = tmp_path / "tickets.csv"
    export_file(desk, path)

    rows = _cells(path)
    assert rows[0]["subject"] == "'" + FORMULAS["subject"]
    assert rows[0]["description"] == "'" + FORMULAS["description"]
    assert rows[0]["event_author"] == "'" + FORMULAS["author"]
    texts = [row["event_text"] for row in rows]
    assert "'" + FORMULAS["text"] in texts
    assert "'" + FORMULAS["tab"] in texts
    assert "'" + FORMULAS["return"] in texts
    assert "-3" in texts  # a number is data, not a formula
    assert rows[0]["created_at"].startswith("2025-")


def test_raw_export_keeps_cells_as_stored_and_reimports_exactly(
    desk: Store, tmp_path: Path, clock: FakeClock
) -> None:
    raw = tmp_path / "raw.csv"
    code, _, err = _run("export", str(raw), "--raw", "--database", desk.url)
    assert code == 0, err
    assert _cells(raw)[0]["subject"] == FORMULAS["subject"]

    fresh = _store(tmp_path / "fresh.sqlite3", clock)
    try:
        import_file(fresh, raw)
        assert _texts(read_tickets(fresh)) == _texts(read_tickets(desk))
    finally:
        fresh.close()


def test_a_safe_export_reimports_as_it_was_stored(
    desk: Store, tmp_path: Path, clock: FakeClock
) -> None:
    safe = tmp_path / "safe.csv"
    export_file(desk, safe)
    fresh = _store(tmp_path / "fresh.sqlite3", clock)
    try:
        import_file(fresh, safe)
        [ticket] = read_tickets(fresh)
        # the quote that kept a spreadsheet from running it comes off again on import
        assert ticket.ticket.subject == FORMULAS["subject"]
    finally:
        fresh.close()


def test_json_exports_are_not_changed(desk: Store, tmp_path: Path) -> None:
    path = tmp_path / "tickets.json"
    export_file(desk, path)
    assert FORMULAS["subject"] in path.read_text(encoding="utf-8").replace('\\"', '"')


def _texts(tickets: list[DeskTicket]) -> list[tuple[str, ...]]:
    return [
        (
            entry.ticket.subject,
            entry.ticket.description,
            *(f"{event.author}|{event.text}" for event in entry.ticket.events),
        )
        for entry in tickets
    ]


# --------------------------------------------------------------------------- the file


def test_an_export_is_readable_by_its_owner_only(desk: Store, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("an older export")
    path.chmod(0o644)

    export_file(desk, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").startswith("number,customer,")


def test_a_full_disk_leaves_the_older_export_and_no_temporary_file(
    desk: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("an older export")
    before = sorted(p.name for p in tmp_path.iterdir())

    def no_space(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", no_space)
    with pytest.raises(DiskFullError) as full:
        export_file(desk, path)

    assert str(full.value).startswith(f"The disk holding {tmp_path} is full (")
    assert "MB free); nothing was written. Free some space there" in str(full.value)
    assert path.read_text() == "an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_export_to_a_folder_is_refused_in_words(desk: Store, tmp_path: Path) -> None:
    folder = tmp_path / "tickets.csv"
    folder.mkdir()
    with pytest.raises(ExportFailedError, match="is a folder; give the name of a file"):
        export_file(desk, folder)
    assert list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_export_to_a_full_disk_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    database = tmp_path / "desk.sqlite3"
    code, _, err = _run("demo", "--database", str(database))
    assert code == 0, err
    with small_disk(tmp_path / "small", "256k") as folder:
        (folder / "older.csv").write_text("an older export")
        target = folder / "older.csv"

        code, out, err = _run("export", str(target), "--database", str(database))

        assert code == 1
        assert out == ""
        assert err.startswith(f"desktop-app export: The disk holding {folder} is full (")
        assert "nothing was written" in err
        assert "Traceback" not in err
        assert sorted(p.name for p in folder.iterdir()) == ["older.csv"]
        assert target.read_text() == "an older export"
        assert os.listdir(folder) == ["older.csv"]
