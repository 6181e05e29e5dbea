"""Storage: the desk in SQLite (default) or PostgreSQL, behind use-case methods.

``open_store()`` finds the database (see :mod:`desktop_app.store.settings`), upgrades its
schema (backing up a SQLite file first) and returns a :class:`Store`. Nothing above this
package sees a session or a row: the store hands out domain records only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop_app.store.db import DatabaseUrlError, make_engine, normalise_url
from desktop_app.store.repository import ImportSummary, Store, utc_now
from desktop_app.store.settings import database_url
from desktop_app.store.types import NaiveDatetimeError

__all__ = [
    "DatabaseUrlError",
    "ImportSummary",
    "NaiveDatetimeError",
    "Store",
    "open_store",
]


def open_store(
    url: str | None = None,
    *,
    upgrade: bool = True,
    backup_dir: Path | None = None,
    clock: Callable[[], datetime] = utc_now,
    password: str | None = None,
) -> Store:
    """Open the desk's database and bring its schema up to date.

    ``url`` defaults to ``DESKTOP_APP_DATABASE_URL``, then the settings file, then the
    SQLite file in the user data folder. ``password``: the PostgreSQL login's password when
    the server asks for one; it goes to the driver only (never into the URL the desk shows).
    """
    target = normalise_url(database_url(url))
    shared = target.get_backend_name() == "postgresql"
    kwargs = {"connect_args": {"password": password}} if password and shared else {}
    store = Store(make_engine(target, **kwargs), clock=clock)
    if upgrade:
        store.upgrade(backup_dir=backup_dir)
    return store
