"""Faults of the desk file on disk: removed or replaced while open, not a desk, damaged,
read-only, written by another version. The desk never writes where nobody can find it,
never changes a file that is not its own, and says what is wrong in words."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text
from store_support import small_desk

from desktop_app.domain import (
    DatabaseUnavailableError,
    DeskFileGoneError,
    ReadOnlyDeskError,
    Role,
    StorageError,
    Technician,
)
from desktop_app.store import Store, open_store
from desktop_app.store.db import backup_sqlite, head_revision, make_engine, upgrade_schema
from support import writes
from support.read_only import read_only_folder

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _new_desk(path: Path) -> tuple[Store, int]:
    """A desk with the small demo people; returns it and its manager's id."""
    store = open_store(f"sqlite:///{path}")
    store.seed_defaults()
    store.import_desk(small_desk())
    manager = next(t for t in store.technicians() if t.role is Role.MANAGER)
    assert manager.id is not None
    return store, manager.id


def _hire(store: Store, manager: int, name: str) -> None:
    writes.add_technician(store, manager, Technician(name, Role.TECHNICIAN, 1, "America/Toronto"))


def _names(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT name FROM technicians")}
    finally:
        connection.close()


# --- removed or replaced while open -------------------------------------------------------


def test_a_removed_desk_folder_refuses_writes_and_its_data_can_be_saved(tmp_path: Path) -> None:
    folder = tmp_path / "desk folder"
    path = folder / "desk.sqlite3"
    store, manager = _new_desk(path)
    try:
        _hire(store, manager, "Saved Before")
        shutil.rmtree(folder)

        with pytest.raises(DeskFileGoneError) as gone:
            _hire(store, manager, "Written Into Nowhere")
        message = str(gone.value)
        assert str(path) in message and "removed" in message
        assert "not saved" in message and "Save a copy of the desk" in message
        with pytest.raises(DeskFileGoneError):  # and every write after it
            _hire(store, manager, "Second Try")

        rescue = store.save_copy(tmp_path / "rescued" / "desk.sqlite3")
    finally:
        store.close()
    names = _names(rescue)
    assert "Saved Before" in names
    assert not {"Written Into Nowhere", "Second Try"} & names
    assert stat.S_IMODE(rescue.stat().st_mode) == 0o600
    assert not folder.exists()  # nothing recreated the removed folder
    rescued = open_store(f"sqlite:///{rescue}")  # the copy is a desk of its own
    try:
        _hire(rescued, manager, "After The Rescue")
        assert "After The Rescue" in {t.name for t in rescued.technicians()}
    finally:
        rescued.close()


def test_a_replaced_desk_file_refuses_writes_and_the_copy_is_the_desk_that_was_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.sqlite3"
    store, manager = _new_desk(path)
    other_path = tmp_path / "other.sqlite3"
    other, _ = _new_desk(other_path)
    other.close()
    try:
        _hire(store, manager, "Only In The Open Desk")
        os.replace(other_path, path)

        with pytest.raises(DeskFileGoneError, match="replaced"):
            _hire(store, manager, "Would Land In The Other File")
        rescue = store.save_copy(tmp_path / "rescue.sqlite3")
    finally:
        store.close()
    assert "Only In The Open Desk" in _names(rescue)
    assert "Would Land In The Other File" not in _names(rescue)


def test_saving_a_copy_over_the_open_desk_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    store, _ = _new_desk(path)
    try:
        with pytest.raises(ValueError, match="desk's own file"):
            store.save_copy(path)
    finally:
        store.close()


# --- files that are not (or no longer) a desk ----------------------------------------------


@posix_only
def test_a_text_file_given_as_the_desk_is_named_and_left_unchanged(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Call the vendor about the switch.\n")
    notes.chmod(0o644)
    before = _digest(notes)

    with pytest.raises(DatabaseUnavailableError) as failed:
        open_store(f"sqlite:///{notes}")

    message = str(failed.value)
    assert f"{notes} is not a Technician Queue desk" in message
    assert "sqlalche.me" not in message and "DatabaseError" not in message
    assert _digest(notes) == before
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no -wal, no -shm


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT)")
    connection.commit()
    connection.close()
    before = _digest(path)

    with pytest.raises(DatabaseUnavailableError, match="another program") as failed:
        open_store(f"sqlite:///{path}")

    assert "albums" in str(failed.value)
    assert _digest(path) == before
    assert not list(tmp_path.glob("*.bak"))


def test_a_damaged_desk_names_the_backup_made_before_its_last_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    store, _ = _new_desk(path)
    store.close()
    backup = backup_sqlite(path, head_revision())
    with path.open("r+b") as file:  # scribble over every page after the first
        size = file.seek(0, os.SEEK_END)
        file.seek(4096)
        file.write(b"\xa5" * (size - 4096))

    with pytest.raises(StorageError) as failed:
        store = open_store(f"sqlite:///{path}")
        store.technicians()

    message = str(failed.value)
    assert str(path) in message
    assert "damaged" in message or "not a Technician Queue desk" in message
    assert f"copy {backup} over {path}" in message


def test_a_desk_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    _new_desk(path)[0].close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    connection.close()
    before = _digest(path)

    with pytest.raises(DatabaseUnavailableError, match="newer version") as failed:
        open_store(f"sqlite:///{path}")

    assert "9999_from_the_future" in str(failed.value)
    assert _digest(path) == before


def test_a_folder_given_as_the_desk_is_explained(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailableError, match="is a folder, not a desk file"):
        open_store(f"sqlite:///{tmp_path}")


# --- read-only ------------------------------------------------------------------------------


def test_a_read_only_desk_opens_to_look_at_and_refuses_writes(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    path = folder / "desk.sqlite3"
    store, manager = _new_desk(path)
    _hire(store, manager, "Before It Was Locked")
    store.close()
    before = _digest(path)

    with read_only_folder(folder) as how:
        store = open_store(f"sqlite:///{path}")
        try:
            assert store.read_only is not None
            expected = "read-only file system" if how == "mount" else "may not write"
            assert expected in store.read_only
            assert "Before It Was Locked" in {t.name for t in store.technicians()}
            assert store.load_queue() == []  # the queue reads
            with pytest.raises(ReadOnlyDeskError, match="open read-only") as refused:
                _hire(store, manager, "Never Saved")
            assert "Nothing was saved" in str(refused.value)
            assert store.url == f"sqlite:///{path}"
        finally:
            store.close()
        assert _digest(path) == before


def test_a_read_only_desk_of_an_older_version_is_shown_from_an_upgraded_copy(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    path = folder / "desk.sqlite3"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine, target="0003")  # as an older version left it
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO technicians (name, role, escalation_level, timezone, active, "
                "shift_start, shift_end) VALUES ('Old Timer', 'manager', 3, 'UTC', 1, "
                "'08:00', '17:00')"
            )
        )
    engine.dispose()
    before = _digest(path)

    with read_only_folder(folder):
        store = open_store(f"sqlite:///{path}")
        try:
            assert store.read_only is not None and "older version" in store.read_only
            assert store.url == f"sqlite:///{path}"  # the file the person opened
            assert [t.name for t in store.technicians()] == ["Old Timer"]
            with pytest.raises(ReadOnlyDeskError, match="older version"):
                store.seed_defaults()
        finally:
            store.close()
    assert _digest(path) == before
    assert not list(Path(tempfile.gettempdir()).glob("technician-queue-read-only-*"))


def test_a_new_desk_in_a_read_only_folder_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only_folder(folder), pytest.raises(DatabaseUnavailableError) as failed:
        open_store(f"sqlite:///{folder / 'desk.sqlite3'}")
    message = str(failed.value)
    assert str(folder / "desk.sqlite3") in message
    assert "read-only file system" in message.lower() or "permission denied" in message.lower()


# --- files the desk writes are its owner's only ---------------------------------------------


@posix_only
def test_a_saved_copy_and_the_backups_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    store, _ = _new_desk(path)
    try:
        copy = store.save_copy(tmp_path / "copies" / "copy.sqlite3")
    finally:
        store.close()
    backup = backup_sqlite(path, head_revision())
    for file in (copy, backup):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
