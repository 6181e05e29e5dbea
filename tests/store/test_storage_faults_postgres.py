"""Faults of the link to a PostgreSQL server: a server that never answers, a link that goes
silent, a refused connection, a missing database or user, a write stuck behind a lock.
Each fails within seconds with words that name the server, never a password, never the
driver's raw text."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from store_support import small_desk

from desktop_app.domain import DatabaseUnavailableError, Role, StorageError, Technician
from desktop_app.logs import close_logging, configure_logging, log_file, register_secret
from desktop_app.store import LinkTimeouts, Store, explain, open_store
from desktop_app.store.db import make_engine
from desktop_app.store.pg_link import WRITE_OPTION, connect_args
from support import writes
from support.postgres import PG_ADMIN_URL, postgres_database
from support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

# Short limits, so a test waits a second or two where a person would wait about ten.
QUICK = LinkTimeouts(connect=2, write_statement=1.0, read_statement=3.0, grace=0.5, ping=1.0)
PASSWORD = "Tr0ub4dor-and-3"


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        store = open_store(url)
        store.seed_defaults()
        store.import_desk(small_desk())
        store.close()
        yield url


def _server_address() -> tuple[str, int]:
    url = make_url(PG_ADMIN_URL)
    return url.host or "127.0.0.1", url.port or 5432


def _manager(store: Store) -> int:
    manager = next(t for t in store.technicians() if t.role is Role.MANAGER)
    assert manager.id is not None
    return manager.id


def _hire(store: Store, manager: int, name: str) -> None:
    writes.add_technician(store, manager, Technician(name, Role.TECHNICIAN, 1, "America/Toronto"))


def _assert_in_words(message: str) -> None:
    for raw in ("(psycopg", "psycopg.", "Error)", "sqlalche.me", "Background on this error"):
        assert raw not in message, message


def test_a_server_that_accepts_and_never_answers_fails_the_open_in_seconds() -> None:
    with TcpProxy(None) as silent:
        port = silent.port
        with pytest.raises(DatabaseUnavailableError) as failed:
            open_store(silent.url_for(PG_ADMIN_URL), timeouts=QUICK)
    message = str(failed.value)
    assert f"127.0.0.1:{port} did not answer within 2 s while connecting" in message
    assert "Check that the server is up" in message
    _assert_in_words(message)


def test_a_link_that_goes_silent_fails_the_next_write_in_seconds(pg_url: str) -> None:
    with TcpProxy(_server_address()) as proxy:
        port = proxy.port
        store = open_store(proxy.url_for(pg_url), timeouts=QUICK)
        try:
            manager = _manager(store)
            _hire(store, manager, "Hired Over A Good Link")
            proxy.go_silent()
            with pytest.raises(Exception) as failed:
                _hire(store, manager, "Hired Over A Dead Link")
            fault = explain(failed.value, store.url)
        finally:
            store.close()
    assert isinstance(fault, DatabaseUnavailableError)
    message = str(fault)
    assert f"127.0.0.1:{port}" in message
    assert "did not answer within" in message
    assert "what you typed is kept" in message
    _assert_in_words(message)
    checker = open_store(pg_url)
    try:
        names = {t.name for t in checker.technicians()}
    finally:
        checker.close()
    assert "Hired Over A Good Link" in names
    assert "Hired Over A Dead Link" not in names


def test_a_read_over_a_link_that_goes_silent_stops_waiting_too(pg_url: str) -> None:
    with TcpProxy(_server_address()) as proxy:
        store = open_store(proxy.url_for(pg_url), timeouts=QUICK)
        try:
            assert store.technicians()
            proxy.go_silent()
            with pytest.raises(Exception) as failed:
                store.load_queue()
            assert "did not answer within" in str(explain(failed.value, store.url))
        finally:
            store.close()


def test_a_write_stuck_behind_another_desks_lock_gives_up_on_the_server(pg_url: str) -> None:
    store = open_store(pg_url, timeouts=QUICK)
    engine = make_engine(pg_url)
    try:
        manager = _manager(store)
        with engine.begin() as other_desk:
            other_desk.execute(text("LOCK TABLE technicians IN EXCLUSIVE MODE"))
            with pytest.raises(Exception) as failed:
                _hire(store, manager, "Waits For The Lock")
        _hire(store, manager, "Hired Once The Lock Is Gone")  # the desk goes on
    finally:
        engine.dispose()
        store.close()
    message = str(explain(failed.value, pg_url))
    assert "stopped a query that took too long" in message
    assert "not saved" in message
    _assert_in_words(message)


def test_writes_get_a_short_statement_limit_and_reads_a_long_one(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1min"
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "8s"
    finally:
        engine.dispose()


def test_link_settings_keep_what_the_url_says() -> None:
    url = make_url("postgresql+psycopg://desk@db/desk?connect_timeout=20&options=-csearch_path%3Dq")
    args = connect_args(url, LinkTimeouts())
    assert "connect_timeout" not in args  # the URL's 20 s win
    assert args["options"] == "-csearch_path=q -c statement_timeout=60000"
    assert args["keepalives"] == 1 and args["tcp_user_timeout"] == 9000
    url = make_url("postgresql+psycopg://desk@db/desk?options=-c%20statement_timeout%3D5s")
    assert "options" not in connect_args(url, LinkTimeouts())


def test_a_refused_connection_names_the_server_and_never_the_password() -> None:
    url = f"postgresql+psycopg://desk:{PASSWORD}@127.0.0.1:1/desk"
    configure_logging()
    try:
        with pytest.raises(DatabaseUnavailableError) as failed:
            open_store(url)
        logging.getLogger("test").warning("While opening %s: %s", url, failed.value)
    finally:
        close_logging()
    message = str(failed.value)
    assert "the database server 127.0.0.1:1 refused the connection" in message
    assert "postgresql+psycopg://desk:***@127.0.0.1:1/desk" in message
    assert PASSWORD not in message
    _assert_in_words(message)
    logged = log_file().read_text()
    assert "postgresql+psycopg://desk:***@127.0.0.1:1/desk" in logged
    assert PASSWORD not in logged


def test_a_missing_database_says_how_to_create_it() -> None:
    url = make_url(PG_ADMIN_URL).set(database="tq_no_such_desk").render_as_string(False)
    with pytest.raises(DatabaseUnavailableError) as failed:
        open_store(url)
    message = str(failed.value)
    assert "there is no database 'tq_no_such_desk'" in message
    assert "createdb" in message and "CREATE DATABASE tq_no_such_desk" in message
    _assert_in_words(message)


def test_a_missing_user_is_named() -> None:
    url = make_url(PG_ADMIN_URL).set(username="tq_nobody").render_as_string(False)
    with pytest.raises(DatabaseUnavailableError, match="has no user 'tq_nobody'"):
        open_store(url)


@pytest.mark.parametrize(
    ("driver_message", "sqlstate", "expected"),
    [
        (
            'connection failed: FATAL:  password authentication failed for user "desk"',
            "28P01",
            "refused the password for the user 'desk'",
        ),
        (
            "connection failed: fe_sendauth: no password supplied",
            None,
            "asks for a password for the user 'desk' and none was given",
        ),
        (
            "consuming input failed: server closed the connection unexpectedly\n\t"
            "This probably means the server terminated abnormally",
            None,
            "the connection to the database server db.example:5433 was lost",
        ),
        (
            'connection failed: could not translate host name "db.example" to address',
            None,
            "the server name 'db.example' is not known",
        ),
    ],
)
def test_driver_failures_that_need_a_real_outage_are_said_in_words(
    driver_message: str, sqlstate: str | None, expected: str
) -> None:
    url = f"postgresql+psycopg://desk:{PASSWORD}@db.example:5433/desk"
    register_secret(PASSWORD)

    class FakeDriverError(psycopg.OperationalError):
        pass

    error = FakeDriverError(driver_message)
    if sqlstate is not None:
        error.sqlstate = sqlstate  # type: ignore[misc]
    fault = explain(error, url)
    assert isinstance(fault, StorageError)
    assert expected in str(fault).lower()
    assert "postgresql+psycopg://desk:***@db.example:5433/desk" in str(fault)
    assert PASSWORD not in str(fault)
    _assert_in_words(str(fault))
