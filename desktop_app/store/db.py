"""Engines for SQLite and PostgreSQL, and the schema upgrade run at start.

SQLite is the field laptop's database: WAL so the queue can read while a write commits,
foreign keys on, a busy timeout instead of "database is locked", ``synchronous=FULL`` so a
committed action survives a power cut, and a file only its owner can read (0600).
Write transactions start with ``BEGIN IMMEDIATE``: they take the write lock up front, so two
windows never deadlock upgrading a read lock.
"""

from __future__ import annotations

import os
import sqlite3
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

BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
WRITE_OPTION = "desk_write"  # execution option: this transaction will write


class DatabaseUrlError(ValueError):
    """The database URL names a backend the desk does not support."""


def normalise_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    parsed = make_url(url) if isinstance(url, str) else url
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
    """The file behind a SQLite URL, or ``None`` for an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder and the file with owner-only permissions before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)  # also tightens a file an older version left world-readable


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine configured for the desk on either backend."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            _prepare_sqlite_file(path)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
        if path is None:
            kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event below decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
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
    path = sqlite_path(engine.url)
    if path is not None and _has_tables(engine):
        backup = backup_sqlite(path, current or "unversioned", backup_dir)
    config = alembic_config(engine)
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)
    return backup


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def backup_sqlite(path: Path, revision: str, backup_dir: Path | None = None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = backup_dir or path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{path.name}.{stamp}.{revision}.bak"
    if os.name == "posix":
        os.close(os.open(target, os.O_CREAT | os.O_RDWR | os.O_EXCL, 0o600))
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
