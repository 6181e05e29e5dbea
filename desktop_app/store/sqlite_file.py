"""The SQLite file a desk opened, watched so that no write is reported saved and then lost.

SQLite keeps writing into a file that was removed (or replaced) while it is open: the
writes succeed, and nobody can ever open them again. So the desk remembers which file it
opened (device and inode) and, before every write transaction, checks that the path still
leads to it (one ``stat``, about a microsecond). If not, every write is refused with
:class:`DeskFileGoneError`, and what the desk still holds can be saved to a new file:
:meth:`DeskFile.save_copy` copies it with SQLite's online backup through a connection
opened at the start (the *anchor*), which still reads the vanished file and its WAL.

A file that cannot be written (read-only file, folder or file system) is opened read-only:
``mode=ro``, or ``immutable=1`` where SQLite cannot even create its shared-memory file
beside it; every write is refused with :class:`ReadOnlyDeskError`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

from desktop_app.domain.errors import DeskFileGoneError, ReadOnlyDeskError

log = logging.getLogger(__name__)

SAVE_COPY_HINT = "File → Save a copy of the desk…"


def file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` (an existing file) cannot be written, or None if it can."""
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return f"{path} is on a read-only file system"
    except (AttributeError, OSError):  # no statvfs (Windows)
        pass
    if not os.access(path, os.W_OK):
        return f"you may not write to {path}"
    return f"you may not write in its folder {path.parent} (SQLite keeps its journal there)"


class DeskFile:
    """One SQLite desk file, from opening to closing (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float,
        read_only: str | None = None,
        shown_path: Path | None = None,
        temporary: bool = False,
    ) -> None:
        self.path = path  # the file the engine opens
        self.shown_path = shown_path or path  # the file the person chose
        self.read_only = read_only  # why writes are refused, or None
        self.temporary = temporary  # a private copy, deleted when the desk closes
        self.identity = file_identity(path)
        self.gone: DeskFileGoneError | None = None
        self._busy_timeout_s = busy_timeout_s
        self._immutable = False
        self._anchor: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- connecting

    def connect(self) -> sqlite3.Connection:
        """A new connection to the file: read-only ones through a URI."""
        if self.read_only is None:
            return sqlite3.connect(self.path, timeout=self._busy_timeout_s, check_same_thread=False)
        return sqlite3.connect(
            self._read_only_uri(), uri=True, timeout=self._busy_timeout_s, check_same_thread=False
        )

    def _read_only_uri(self) -> str:
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        return f"{uri}&immutable=1" if self._immutable else uri

    def _read_write_uri(self) -> str:
        # mode=rw: a file removed meanwhile is not silently created anew, empty
        return f"file:{quote(str(self.path.absolute()))}?mode=rw"

    def table_names(self) -> list[str]:
        """The tables in the file, read without changing it (``mode=ro``; ``immutable=1``
        where SQLite cannot even create its shared-memory file beside a read-only file).
        Raises the driver's error for a file that is not a database at all."""
        try:
            return self._tables(immutable=self._immutable)
        except sqlite3.OperationalError as exc:
            if "unable to open" not in str(exc) or self.read_only is None:
                raise
        self._immutable = True
        tables = self._tables(immutable=True)
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            log.warning(
                "%s is opened immutable: the changes in %s not yet merged into it are not shown",
                self.path,
                wal,
            )
        return tables

    def _tables(self, *, immutable: bool) -> list[str]:
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        if immutable:
            uri += "&immutable=1"
        connection = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout_s)
        try:
            rows = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            ).fetchall()
        finally:
            connection.close()
        return [str(row[0]) for row in rows]

    def hold_open(self) -> None:
        """Open the anchor once the engine's first connection has set the file up (WAL):
        it reads once, so it keeps the file and its WAL open until the desk closes."""
        with self._lock:
            if self._anchor is not None:
                return
            anchor = self.connect()
            try:
                anchor.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                anchor.close()
                raise
            self._anchor = anchor

    # ---------------------------------------------------------------- writing

    def check_before_write(self) -> None:
        """Refuse the write unless the path still leads to the file the desk opened."""
        if self.read_only is not None:
            raise ReadOnlyDeskError(
                f"This desk is open read-only: {self.read_only}. Nothing was saved.",
                "To change it, copy the file somewhere you may write (or ask its owner), "
                "and open the copy with --database.",
                database=str(self.shown_path),
            )
        if self.gone is not None:
            raise self.gone
        now = file_identity(self.path)
        if now == self.identity:
            return
        if now is None:
            what = (
                f"The desk file {self.path} is gone: it (or its folder) was removed while "
                "Technician Queue had it open."
            )
        else:
            what = (
                f"The desk file {self.path} was replaced by another file while Technician "
                "Queue had it open."
            )
        self.gone = DeskFileGoneError(
            what,
            "Nothing more is written to it, so this change was not saved (what you typed is "
            f"kept). The desk still holds the file it opened: save it with {SAVE_COPY_HINT}, "
            "then open that copy with --database, or put it back in its place.",
            database=str(self.path),
        )
        log.error("%s Writes are refused from now on.", what)
        raise self.gone

    # ---------------------------------------------------------------- saving a copy

    def save_copy(self, target: Path) -> Path:
        """Copy what the desk holds to ``target`` (a new file, 0600) with SQLite's online
        backup, through the anchor: it works when the desk's file is gone. An existing
        ``target`` is replaced only once the copy is complete."""
        target = target.expanduser().absolute()
        if target == self.path.absolute() and self.gone is None:
            raise ValueError(f"{target} is the desk's own file; choose another name.")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
        os.close(fd)  # mkstemp makes it 0600
        partial = Path(partial_name)
        try:
            copy = sqlite3.connect(partial)
            try:
                with self._lock:
                    source = self._anchor
                    if source is None:
                        source = self.connect()
                        try:
                            source.backup(copy)
                        finally:
                            source.close()
                    else:
                        source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                copy.close()
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        log.info("Saved a copy of the desk %s to %s", self.shown_path, target)
        return target

    # ---------------------------------------------------------------- closing

    def close(self) -> None:
        with self._lock:
            anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()
        if self.temporary:
            for suffix in ("", "-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)


def private_temporary_copy(source: DeskFile) -> Path:
    """A private (0600) copy of a read-only desk in the temporary folder, to upgrade."""
    fd, name = tempfile.mkstemp(prefix="technician-queue-read-only-", suffix=".sqlite3")
    os.close(fd)
    path = Path(name)
    try:
        source.save_copy(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


__all__ = [
    "SAVE_COPY_HINT",
    "DeskFile",
    "file_identity",
    "private_temporary_copy",
    "read_only_reason",
]
