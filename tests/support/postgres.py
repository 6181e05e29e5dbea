"""The PostgreSQL server the tests use: an admin connection and a schema of one's own.

PostgreSQL tests create a schema of their own (in database ``test``) and drop it afterwards.
When the server is unreachable they skip with the reason, unless ``REQUIRE_POSTGRES=1`` (CI),
which makes them fail instead. ``TEST_POSTGRES_URL`` points at another server (default: trust
auth on 127.0.0.1:5432 as user postgres).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import make_url

__all__ = ["PG_ADMIN_URL", "admin_connect", "postgres_database"]

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
