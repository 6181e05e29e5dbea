"""Helpers the store tests import by name: the fake clock, the small desk, id records.

They live here rather than in ``conftest.py`` because ``from conftest import …`` is
ambiguous once another test folder has a ``conftest.py`` of its own and both folders run in
one pytest session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from desktop_app.domain import (
    Contact,
    Contract,
    Customer,
    Desk,
    DeskCustomer,
    Role,
    Site,
    Technician,
    Tier,
)

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL unreachable: {reason}")


def admin_connect():  # -> psycopg.Connection
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        _pg_unavailable(f"psycopg is not installed ({exc})")
    url = make_url(PG_ADMIN_URL)
    try:
        return psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError as exc:
        _pg_unavailable(f"cannot connect to {url.render_as_string()}: {exc}")
        raise  # not reached


@contextmanager
def postgres_database() -> Iterator[str]:
    """A schema of its own in the test database for one test, dropped afterwards.

    The URL sets ``search_path`` to that schema, so tables, the Alembic version table and
    the inspector all live there (a schema is created and dropped in milliseconds; a
    database takes seconds of checkpointing).
    """
    name = f"tq_test_{uuid.uuid4().hex[:12]}"
    admin = admin_connect()
    try:
        admin.execute(f'CREATE SCHEMA "{name}"')
        try:
            url = make_url(PG_ADMIN_URL).update_query_dict({"options": f"-csearch_path={name}"})
            yield url.render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        admin.close()


# A Monday morning in Toronto office hours: 2025-03-03 09:00 EST == 14:00 UTC.
MONDAY_9AM_TORONTO = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)


class FakeClock:
    """The store's notion of "now", moved by the test (never by sleeping)."""

    def __init__(self, start: datetime = MONDAY_9AM_TORONTO) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class People:
    manager: int
    dispatcher: int
    alice: int  # technician
    bob: int  # technician
    senior: int  # technician, escalation level 2


@dataclass
class DeskIds:
    acme: int  # Gold customer, Toronto office hours
    acme_hq: int  # site
    acme_contact: int
    globex: int  # Bronze customer, Berlin


def small_desk() -> Desk:
    """Two customers in two zones, five people: enough for every use case."""
    return Desk(
        technicians=[
            Technician("Morgan Manager", Role.MANAGER, 3, "America/Toronto"),
            Technician("Dana Dispatcher", Role.DISPATCHER, 2, "America/Toronto"),
            Technician("Alice Tech", Role.TECHNICIAN, 1, "America/Toronto"),
            Technician("Bob Tech", Role.TECHNICIAN, 1, "Europe/Berlin"),
            Technician("Sam Senior", Role.TECHNICIAN, 2, "America/Toronto"),
        ],
        customers=[
            DeskCustomer(
                Customer("Acme Corp", Tier.GOLD, "Key account"),
                sites=[Site(0, "Toronto HQ", "America/Toronto", "Office hours")],
                contacts=[Contact(0, "Wile E.", "wile@acme.test", "+1 555 0100")],
                contracts=[
                    Contract(
                        0,
                        "Gold",
                        Tier.GOLD,
                        date(2025, 1, 1),
                        date(2025, 12, 31),
                        support_hours=200,
                        monthly_fee=5000,
                        credit_percent_per_breach=2,
                        credit_cap_percent=10,
                    )
                ],
            ),
            DeskCustomer(
                Customer("Globex", Tier.BRONZE),
                sites=[Site(0, "Berlin Office", "Europe/Berlin", "Office hours")],
                contacts=[Contact(0, "Hank S.")],
                contracts=[Contract(0, "Bronze", Tier.BRONZE, date(2024, 6, 1), date(2026, 5, 31))],
            ),
        ],
    )
