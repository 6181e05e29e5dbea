"""Storage: the desk in SQLite (default) or PostgreSQL, behind use-case methods.

``open_store()`` finds the database (see :mod:`desktop_app.store.settings`), checks that it
is a desk this version can open, upgrades its schema (backing up a SQLite file first) and
returns a :class:`Store`. Nothing above this package sees a session or a row: the store
hands out domain records only. A database that cannot be opened raises a
:class:`~desktop_app.domain.errors.StorageError` that says why in words (see
:mod:`desktop_app.store.faults`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.private_files import tighten
from desktop_app.store.db import (
    DatabaseUrlError,
    check_desk,
    close_engine,
    desk_file,
    make_engine,
    normalise_url,
)
from desktop_app.store.faults import explain
from desktop_app.store.pg_link import LinkTimeouts
from desktop_app.store.repository import ImportSummary, Store, utc_now
from desktop_app.store.settings import database_url
from desktop_app.store.types import NaiveDatetimeError

__all__ = [
    "DatabaseUrlError",
    "ImportSummary",
    "LinkTimeouts",
    "NaiveDatetimeError",
    "Store",
    "explain",
    "open_store",
]


def open_store(
    url: str | None = None,
    *,
    upgrade: bool = True,
    backup_dir: Path | None = None,
    clock: Callable[[], datetime] = utc_now,
    timeouts: LinkTimeouts | None = None,
    password: str | None = None,
) -> Store:
    """Open the desk's database and bring its schema up to date.

    ``url`` defaults to ``DESKTOP_APP_DATABASE_URL``, then the settings file, then the
    SQLite file in the user data folder. ``timeouts`` bound the waits on a PostgreSQL
    server (see :mod:`desktop_app.store.pg_link`). ``password``: the PostgreSQL login's
    password when the server asks for one; it goes to the driver only (never into the URL
    the desk shows).
    """
    chosen = database_url(url)
    try:
        shared = normalise_url(chosen).get_backend_name() == "postgresql"
        kwargs: dict[str, Any] = (
            {"connect_args": {"password": password}} if password and shared else {}
        )
        engine = make_engine(chosen, timeouts=timeouts, **kwargs)
        try:
            engine = check_desk(engine, upgrade=upgrade)
            store = Store(engine, clock=clock)
            if upgrade:
                store.upgrade(backup_dir=backup_dir)
            desk = desk_file(engine)
            if desk is not None and desk.read_only is None:
                tighten(desk.path)  # the desk's own file, maybe left readable by an old version
        except BaseException:
            close_engine(engine)
            raise
    except DatabaseUrlError:
        raise
    except Exception as exc:
        fault = explain(exc, chosen, opening=True)
        if fault is exc:
            raise
        raise fault from exc
    return store
