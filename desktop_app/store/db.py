"""Engines for SQLite and PostgreSQL, and the schema upgrade run at start.

SQLite is the field laptop's database: WAL so the queue can read while a write commits,
foreign keys on, a busy timeout instead of "database is locked", ``synchronous=FULL`` so a
committed action survives a power cut, and a file only its owner can read (0600).
Write transactions start with ``BEGIN IMMEDIATE``: they take the write lock up front, so two
windows never deadlock upgrading a read lock. Before each one the desk checks that its file
is still the one it opened (see :mod:`desktop_app.store.sqlite_file`); a file it may not
write is opened read-only. A file the desk did not create is never changed by a failed
open (not even its permissions).

PostgreSQL gets bounded waits: connect and statement timeouts, TCP keepalives and a
watchdog (see :mod:`desktop_app.store.pg_link`), so a dead network fails within seconds.
"""

from __future__ import annotations

import sqlite3
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from desktop_app.domain.errors import DatabaseUnavailableError
from desktop_app.logs import register_secret
from desktop_app.private_files import create_private_file, private_folder
from desktop_app.store.pg_link import (
    BULK_OPTION,
    DEFAULT_TIMEOUTS,
    WRITE_OPTION,
    LinkTimeouts,
    configure_postgres,
    connect_args,
)
from desktop_app.store.sqlite_file import DeskFile, private_temporary_copy, read_only_reason

BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# The SQLite file behind each engine that has one (read-only state, file checks, copies).
_DESK_FILES: weakref.WeakKeyDictionary[Engine, DeskFile] = weakref.WeakKeyDictionary()


class DatabaseUrlError(ValueError):
    """The database URL names a backend the desk does not support."""


def normalise_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    parsed = make_url(url) if isinstance(url, str) else url
    register_secret(parsed.password)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise DatabaseUrlError(
        f"The desk runs on SQLite or PostgreSQL, not {backend!r} ({parsed!r}). Use a URL like "
        "'sqlite:////home/me/desk.sqlite3' or 'postgresql+psycopg://user@server/desk'."
    )


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for an in-memory database (or a SQLite
    URI the caller spelled out, ``?uri=true``, which the desk opens as given)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if str(url.query.get("uri", "")).lower() in ("true", "1"):
        return None
    return Path(url.database)


def desk_file(engine: Engine) -> DeskFile | None:
    """The SQLite file ``engine`` opened, if it opened one."""
    return _DESK_FILES.get(engine)


# A SQLite file with tables but none of these (and no schema revision) is someone else's.
DESK_TABLES = frozenset({"tickets", "customers", "technicians"})


def _open_desk_file(path: Path) -> DeskFile:
    """Create a new desk file (0600, in a 0700 folder), or look at an existing one: a file
    the desk may not write is opened read-only. An existing file is not changed here."""
    timeout = BUSY_TIMEOUT_MS / 1000
    if path.is_dir():
        raise DatabaseUnavailableError(
            f"{path} is a folder, not a desk file.",
            "Give the path of a desk file (for example …/desk.sqlite3), or of a new file to "
            "start a new desk there.",
            database=str(path),
        )
    if path.exists():
        desk = DeskFile(path, busy_timeout_s=timeout, read_only=read_only_reason(path))
        # looked at read-only first: a file that is not a desk is refused unchanged (the
        # engine's first connection would switch it to WAL, which rewrites its header)
        tables = desk.table_names()
        if tables and "alembic_version" not in tables and not DESK_TABLES & set(tables):
            shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
            raise DatabaseUnavailableError(
                f"{path} is a SQLite database of another program, not a Technician Queue "
                f"desk (it holds the tables {shown}). It was left as it is.",
                "Give the path of your desk file with --database, or the path of a new file "
                "to start a new desk there.",
                database=str(path),
            )
        return desk
    private_folder(path.parent)
    create_private_file(path)
    return DeskFile(path, busy_timeout_s=timeout)


def make_engine(url: str | URL, *, timeouts: LinkTimeouts | None = None, **kwargs: Any) -> Engine:
    """An engine configured for the desk on either backend."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        desk = _open_desk_file(path) if path is not None else None
        if desk is not None:
            kwargs.setdefault("creator", desk.connect)
        else:
            kwargs.setdefault("connect_args", {}).setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
            if parsed.database in (None, "", ":memory:"):
                kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine, desk)
        if desk is not None:
            _DESK_FILES[engine] = desk
        return engine
    link = timeouts or DEFAULT_TIMEOUTS
    args = kwargs.setdefault("connect_args", {})
    for key, value in connect_args(parsed, link).items():
        args.setdefault(key, value)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(parsed, **kwargs)
    configure_postgres(engine, link)
    return engine


def close_engine(engine: Engine) -> None:
    """Close every connection of ``engine`` and let go of its file (if any)."""
    engine.dispose()
    desk = _DESK_FILES.pop(engine, None)
    if desk is not None:
        desk.close()


def save_desk_copy(engine: Engine, target: Path) -> Path:
    """Copy the SQLite desk behind ``engine`` to ``target`` (see ``DeskFile.save_copy``)."""
    desk = desk_file(engine)
    if desk is None:
        raise ValueError(
            "Only a desk kept in a SQLite file can be saved as a copy; back up a PostgreSQL "
            "desk on its server (pg_dump)."
        )
    return desk.save_copy(target)


def _configure_sqlite(engine: Engine, desk: DeskFile | None) -> None:
    writable = desk is None or desk.read_only is None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event below decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if writable:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()
        if desk is not None and writable:
            desk.hold_open()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            if desk is not None:
                desk.check_before_write()
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


# --- migrations --------------------------------------------------------------------------


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"The shipped migrations must have one head, found {heads}.")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def check_desk(engine: Engine, *, upgrade: bool = True) -> Engine:
    """Make sure ``engine`` leads to a desk this version can open, before anything is
    written: a desk written by a newer version is refused. A read-only desk of an older
    version cannot be upgraded in place: it is copied to a private temporary file, the copy
    upgraded and opened read-only instead (returned in ``engine``'s place, which is
    closed)."""
    current = current_revision(engine)
    desk = desk_file(engine)
    where = str(desk.shown_path) if desk is not None else engine.url.render_as_string()
    if current is not None and current not in known_revisions():
        raise DatabaseUnavailableError(
            f"The desk {where} was last opened by a newer version of Technician Queue (its "
            f"schema is at revision {current!r}; this version knows up to {head_revision()!r}).",
            "Open it with the newer version, or update Technician Queue.",
            database=where,
        )
    tables: list[str] = []
    if current is None and desk is not None:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    if desk is None or desk.read_only is None or not upgrade or current == head_revision():
        return engine
    if current is None and not tables:
        raise DatabaseUnavailableError(
            f"{where} holds no desk yet, and it cannot be written: {desk.read_only}.",
            "Give the path of a desk file, or of a file in a folder you may write to start a "
            "new desk there.",
            database=where,
        )
    copy_path = private_temporary_copy(desk)
    copy = make_engine(f"sqlite:///{copy_path}")
    copy_desk = desk_file(copy)
    assert copy_desk is not None
    copy_desk.temporary = True
    copy_desk.shown_path = desk.shown_path
    try:
        upgrade_schema(copy)
    except BaseException:
        close_engine(copy)
        raise
    copy_desk.read_only = (
        f"{desk.read_only}, and it was written by an older version of Technician Queue "
        "(it is shown from an upgraded copy; changes cannot be saved)"
    )
    close_engine(engine)
    return copy


def upgrade_schema(
    engine: Engine, target: str = "head", backup_dir: Path | None = None
) -> Path | None:
    """Bring the database to ``target``; returns the SQLite backup taken first, if any.

    A SQLite file that holds data is copied (with SQLite's online backup, so the copy is
    consistent even with a WAL) to ``desk.sqlite3.<UTC stamp>.<revision>.bak`` before any
    change; nothing is copied when the schema is already current or the file is new.
    """
    current = current_revision(engine)
    wanted = head_revision() if target == "head" else target
    if current == wanted:
        return None
    backup: Path | None = None
    desk = desk_file(engine)
    path = sqlite_path(engine.url)
    if path is not None and not (desk is not None and desk.temporary) and _has_tables(engine):
        backup = backup_sqlite(path, current or "unversioned", backup_dir)
    config = alembic_config(engine)
    with engine.execution_options(**{WRITE_OPTION: True, BULK_OPTION: True}).begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)
    return backup


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def backup_sqlite(path: Path, revision: str, backup_dir: Path | None = None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_dir or path.parent
    private_folder(folder)
    target = folder / f"{path.name}.{stamp}.{revision}.bak"
    create_private_file(target, exclusive=True)
    source = sqlite3.connect(path)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target
