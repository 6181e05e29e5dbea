"""Shared fixtures of the store tests: every repository test runs on SQLite and PostgreSQL.

PostgreSQL tests create a schema of their own (in database ``test``) and drop it afterwards.
When the server is unreachable they skip with the reason, unless ``REQUIRE_POSTGRES=1`` (CI),
which makes them fail instead. ``TEST_POSTGRES_URL`` points at another server (default: trust
auth on 127.0.0.1:5432 as user postgres).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from store_support import (
    MONDAY_9AM_TORONTO,
    DeskIds,
    FakeClock,
    People,
    postgres_database,
    small_desk,
)

from desktop_app.store import Store, open_store

__all__ = ["MONDAY_9AM_TORONTO", "DeskIds", "FakeClock", "People", "small_desk"]

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the parametrized backend."""
    with database_url(backend, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def empty_store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    """A migrated store with the recommended calendars and policies, and nothing else."""
    store = open_store(db_url, clock=clock)
    store.seed_defaults()
    yield store
    store.close()


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A store holding :func:`small_desk`."""
    empty_store.import_desk(small_desk())
    return empty_store


@pytest.fixture
def people(store: Store) -> People:
    ids = {t.name: t.id for t in store.technicians()}
    return People(
        manager=_id(ids["Morgan Manager"]),
        dispatcher=_id(ids["Dana Dispatcher"]),
        alice=_id(ids["Alice Tech"]),
        bob=_id(ids["Bob Tech"]),
        senior=_id(ids["Sam Senior"]),
    )


@pytest.fixture
def desk_ids(store: Store) -> DeskIds:
    by_name = {c.name: c for c in store.customers()}
    acme = _id(by_name["Acme Corp"].id)
    context = store.customer_context(acme)
    return DeskIds(
        acme=acme,
        acme_hq=_id(context.sites[0].id),
        acme_contact=_id(context.contacts[0].id),
        globex=_id(by_name["Globex"].id),
    )


def _id(value: int | None) -> int:
    assert value is not None
    return value
