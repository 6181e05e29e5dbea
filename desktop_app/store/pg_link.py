"""The link to a PostgreSQL server: how long the desk waits before it says "no answer".

A dead network must not leave a reply "busy" for a minute or the window on "Opening the
desk…" for ever. Three layers bound every wait:

- **connecting**: libpq's ``connect_timeout`` (5 s): a server that accepts the connection
  and never answers, or a host that drops the packets, fails the open within seconds.
- **the link**: TCP keepalives (a probe after 5 s of silence, then every 2 s, given up
  after 2 unanswered) and ``tcp_user_timeout`` (9 s for data never acknowledged) let the
  kernel notice a link that dropped without a reset, whatever the statement is doing.
- **the answer**: the server stops a statement after ``statement_timeout`` — 8 s inside a
  write (set per transaction, so a write blocked behind another desk's lock fails in
  seconds too), 60 s for reads such as reports, none for a schema upgrade — and the client
  stops waiting 2 s after that: a watchdog closes the socket of a statement whose answer
  is overdue (a server that still acknowledges packets but never answers), and the desk
  reports that the server did not answer.

Values already in the database URL (``?connect_timeout=20``, ``options=-c
statement_timeout=…``) win over these defaults.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL

WRITE_OPTION = "desk_write"  # execution option: this transaction will write
BULK_OPTION = "desk_bulk"  # execution option: a long write (schema upgrade), no time limit
UNANSWERED_AFTER = "desk_unanswered_after_s"  # set on a driver error the watchdog caused
CONNECT_GAVE_UP_AFTER = "desk_connect_gave_up_after_s"  # set on a connect that timed out


@dataclass(frozen=True, slots=True)
class LinkTimeouts:
    """How long the desk waits on a PostgreSQL server, in seconds."""

    connect: int = 5
    write_statement: float = 8.0
    read_statement: float = 60.0
    grace: float = 2.0  # the client waits this long past the server's own limit
    ping: float = 5.0  # checking a pooled connection before handing it out
    keepalive_idle: int = 5
    keepalive_interval: int = 2
    keepalive_count: int = 2

    @property
    def tcp_user_timeout_ms(self) -> int:
        return (self.keepalive_idle + self.keepalive_interval * self.keepalive_count) * 1000

    @property
    def write_deadline(self) -> float:
        """What a person waits at most for a write's statement on a dead link."""
        return self.write_statement + self.grace

    @property
    def read_deadline(self) -> float:
        return self.read_statement + self.grace


DEFAULT_TIMEOUTS = LinkTimeouts()


def connect_args(url: URL, timeouts: LinkTimeouts) -> dict[str, Any]:
    """libpq parameters for the link, leaving alone what the URL already sets."""
    query = dict(url.query)
    wanted: dict[str, Any] = {
        "connect_timeout": timeouts.connect,
        "keepalives": 1,
        "keepalives_idle": timeouts.keepalive_idle,
        "keepalives_interval": timeouts.keepalive_interval,
        "keepalives_count": timeouts.keepalive_count,
        "tcp_user_timeout": timeouts.tcp_user_timeout_ms,
    }
    args = {key: value for key, value in wanted.items() if key not in query}
    options = query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    if "statement_timeout" not in options:
        limit = f"-c statement_timeout={int(timeout_ms(timeouts.read_statement))}"
        args["options"] = f"{options} {limit}".strip()
    return args


def timeout_ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class _Watchdog:
    """One thread for every PostgreSQL connection of the process: closes the socket of a
    connection whose answer is overdue, so the driver's wait ends with an error.

    ``arm``/``disarm`` cost a lock and a dict update; the thread sleeps until the earliest
    deadline and wakes only when an earlier one is armed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, int, float, int]] = {}  # id -> (due, fd, s, seq)
        self._heap: list[tuple[float, int, int]] = []  # (due, seq, id)
        self._expired: dict[int, float] = {}  # id -> the wait that ran out, in seconds
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        fd = _fileno(dbapi_connection)
        if fd is None:
            return
        key = id(dbapi_connection)
        due = time.monotonic() + seconds
        seq = next(self._seq)
        with self._cond:
            self._armed[key] = (due, fd, seconds, seq)
            self._expired.pop(key, None)
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (due, seq, key))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="desk-database-watchdog", daemon=True
                )
                self._thread.start()
            elif earliest is None or due < earliest:
                self._cond.notify()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._cond:
            self._armed.pop(id(dbapi_connection), None)

    def take_expired(self, dbapi_connection: Any) -> float | None:
        """The wait that ran out on this connection (and forget it), or None."""
        with self._cond:
            return self._expired.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap:
                    due, seq, key = self._heap[0]
                    armed = self._armed.get(key)
                    if armed is None or armed[3] != seq:
                        heapq.heappop(self._heap)  # disarmed or re-armed since
                        continue
                    if due > now:
                        break
                    heapq.heappop(self._heap)
                    del self._armed[key]
                    self._expired[key] = armed[2]
                    # under the lock: the connection cannot be disarmed and closed (and its
                    # descriptor reused) between the check above and this
                    _shut(armed[1])
                timeout = self._heap[0][0] - now if self._heap else None
                self._cond.wait(timeout)


def _fileno(dbapi_connection: Any) -> int | None:
    try:
        return int(dbapi_connection.fileno())
    except Exception:  # a closed connection, or a driver without fileno()
        return None


def _shut(fd: int) -> None:
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()  # the driver still owns the descriptor and closes it


WATCHDOG = _Watchdog()


def configure_postgres(engine: Engine, timeouts: LinkTimeouts) -> None:
    """Bound every wait of ``engine`` on its server (see the module docstring)."""
    write_ms = timeout_ms(timeouts.write_statement)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get(BULK_OPTION):
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        elif options.get(WRITE_OPTION):
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {write_ms}")

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        options = conn.get_execution_options()
        if options.get(BULK_OPTION):
            return
        seconds = timeouts.write_deadline if options.get(WRITE_OPTION) else timeouts.read_deadline
        WATCHDOG.arm(cursor.connection, seconds)

    @event.listens_for(engine, "after_cursor_execute")
    def _after(
        _conn: Any, cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        WATCHDOG.disarm(cursor.connection)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if "timeout expired" in str(context.original_exception):  # libpq's connect_timeout
            for exc in (context.original_exception, context.sqlalchemy_exception):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(exc, CONNECT_GAVE_UP_AFTER, timeouts.connect)
        dbapi_connection = _dbapi_connection_of(context)
        if dbapi_connection is None:
            return
        WATCHDOG.disarm(dbapi_connection)
        seconds = WATCHDOG.take_expired(dbapi_connection)
        if seconds is not None:
            _mark_unanswered(context.original_exception, seconds)
            if context.sqlalchemy_exception is not None:
                _mark_unanswered(context.sqlalchemy_exception, seconds)
            context.is_disconnect = True

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            WATCHDOG.disarm(dbapi_connection)

    # The pool checks a connection it hands out with a query of its own (pre-ping); on a
    # dead link that query would wait for ever, so it is timed like any statement.
    dialect = engine.dialect
    ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        WATCHDOG.arm(dbapi_connection, timeouts.ping)
        try:
            return bool(ping(dbapi_connection))
        except Exception as exc:
            seconds = WATCHDOG.take_expired(dbapi_connection)
            if seconds is not None:
                _mark_unanswered(exc, seconds)
            raise
        finally:
            WATCHDOG.disarm(dbapi_connection)

    dialect.do_ping = do_ping  # type: ignore[method-assign]


def _dbapi_connection_of(context: Any) -> Any:
    cursor = getattr(context, "cursor", None)
    if cursor is not None:
        with contextlib.suppress(Exception):
            return cursor.connection
    connection = getattr(context, "connection", None)
    if connection is None:
        return None
    try:
        return connection.connection.dbapi_connection
    except Exception:
        return None


def _mark_unanswered(exc: BaseException | None, seconds: float) -> None:
    if exc is not None:
        with contextlib.suppress(AttributeError, TypeError):
            setattr(exc, UNANSWERED_AFTER, seconds)


def unanswered_after(exc: BaseException, what: str = UNANSWERED_AFTER) -> float | None:
    """Seconds the desk waited for an answer before giving up, if that caused ``exc``
    (``what``: :data:`CONNECT_GAVE_UP_AFTER` for the wait while connecting)."""
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        seconds = getattr(candidate, what, None)
        if isinstance(seconds, int | float):
            return float(seconds)
    return None
