"""Database failures in words: which database, what happened, what to do.

:func:`explain` turns whatever a driver raised ("file is not a database", "connection
refused", "server closed the connection unexpectedly"…) into a
:class:`~desktop_app.domain.errors.StorageError` whose message a person can act on. The
window (every job on the database thread) and the command line both use it; the driver's
own text, with SQLAlchemy's link to its error site, goes to the log only. No message ever
holds a password: URLs are shown masked, and the driver's text is masked too.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from desktop_app.domain.errors import (
    DatabaseUnavailableError,
    DomainError,
    ReadOnlyDeskError,
    StorageError,
)
from desktop_app.logs import mask
from desktop_app.store.pg_link import CONNECT_GAVE_UP_AFTER, DEFAULT_TIMEOUTS, unanswered_after
from desktop_app.store.sqlite_file import SAVE_COPY_HINT

_AFTER_A_CHANGE = (
    "If you were saving a change, it was not saved and what you typed is kept: send it "
    "again once the server answers."
)


def masked_url(url: str | URL | None) -> str:
    if url is None:
        return "(the desk's database)"
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except sa_exc.ArgumentError:
        return mask(str(url))
    return mask(parsed.render_as_string(hide_password=True))


def _parse(url: str | URL | None) -> URL | None:
    if url is None:
        return None
    try:
        return make_url(url) if isinstance(url, str) else url
    except sa_exc.ArgumentError:
        return None


def _sqlite_file(url: URL | None) -> Path | None:
    if url is None or url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _server(url: URL) -> str:
    host = url.host or "localhost (local socket)"
    return f"{host}:{url.port or 5432}"


def describe_database(url: str | URL | None) -> str:
    """Which database, for people: the desk file, or the database on its server (with the
    URL, password masked)."""
    parsed = _parse(url)
    if parsed is None:
        return masked_url(url)
    path = _sqlite_file(parsed)
    if path is not None:
        return f"the desk file {path}"
    if parsed.get_backend_name() == "sqlite":
        return "the in-memory desk"
    return (
        f"the database {parsed.database or '(default)'!r} on the server {_server(parsed)} "
        f"({masked_url(parsed)})"
    )


def latest_backup(path: Path) -> Path | None:
    """The newest backup the desk made of ``path`` before an upgrade, if any is there."""
    try:
        found = sorted(path.parent.glob(f"{glob_escape(path.name)}.*.bak"))
    except OSError:
        return None
    return found[-1] if found else None


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _restore_advice(path: Path) -> str:
    backup = latest_backup(path)
    if backup is None:
        return (
            "If it was your desk, put a copy you trust in its place (no backup made before "
            "an upgrade was found next to it), or give another file with --database."
        )
    return (
        f"If it was your desk, restore the backup made before its last upgrade: close "
        f"Technician Queue and copy {backup} over {path}. Or give another file with --database."
    )


def driver_text(exc: BaseException) -> str:
    """The driver's message, first line, masked: no SQLAlchemy prefix or link."""
    orig = getattr(exc, "orig", None)
    source = orig if isinstance(orig, BaseException) else exc
    text = str(source).strip().splitlines()[0] if str(source).strip() else type(source).__name__
    text = re.sub(r"\(Background on this error at: [^)]*\)", "", text).strip()
    return mask(text)


def explain(
    exc: BaseException, url: str | URL | None = None, *, opening: bool = False
) -> BaseException:
    """A :class:`StorageError` saying what ``exc`` means for the desk at ``url``, or ``exc``
    itself when it is no database failure (a rule the desk enforces, a bug)."""
    if isinstance(exc, StorageError | DomainError):
        return exc
    parsed = _parse(url)
    where = describe_database(url)
    if isinstance(exc, sa_exc.NoSuchModuleError) or (
        isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("psycopg")
    ):
        return DatabaseUnavailableError(
            f"Cannot open {where}: PostgreSQL support is not installed.",
            "Install it with: pip install 'technician-queue[postgres]' (or the 'dev' extra "
            "in a checkout).",
            database=where,
        )
    if isinstance(exc, sa_exc.ArgumentError):
        return DatabaseUnavailableError(
            f"The database URL {masked_url(url)} is not valid: {driver_text(exc)}.",
            "Use a URL like sqlite:////home/me/desk.sqlite3 or "
            "postgresql+psycopg://user@server/desk.",
            database=where,
        )
    orig = getattr(exc, "orig", None)
    driver_error = orig if isinstance(orig, BaseException) else exc
    if isinstance(driver_error, sqlite3.Error):
        return _explain_sqlite(driver_error, parsed, where, opening)
    if _is_psycopg_error(driver_error) or (
        isinstance(exc, sa_exc.DBAPIError)
        and parsed is not None
        and parsed.get_backend_name() == "postgresql"
    ):
        return _explain_postgres(exc, driver_error, parsed, where, opening)
    if isinstance(exc, sa_exc.DBAPIError):
        return DatabaseUnavailableError(
            f"{where[0].upper()}{where[1:]} reported an error: {driver_text(exc)}.",
            "Details are in the log (Help → Show log).",
            database=where,
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return _explain_os_error(exc, where, opening)
    return exc


def _is_psycopg_error(exc: BaseException) -> bool:
    return any(cls.__module__.startswith("psycopg") for cls in type(exc).__mro__)


# --------------------------------------------------------------------------- SQLite


def _explain_sqlite(exc: sqlite3.Error, url: URL | None, where: str, opening: bool) -> StorageError:
    text = str(exc).lower()
    path = _sqlite_file(url)
    shown = str(path) if path is not None else where
    if "file is not a database" in text:
        return DatabaseUnavailableError(
            f"{shown} is not a Technician Queue desk: it is not a SQLite database (or it is "
            "damaged beyond reading). It was left as it is.",
            _restore_advice(path) if path is not None else "",
            database=shown,
        )
    if "malformed" in text or "corrupt" in text:
        return DatabaseUnavailableError(
            f"The desk file {shown} is damaged (SQLite says: database disk image is "
            "malformed). Nothing more is written to it.",
            _restore_advice(path) if path is not None else "",
            database=shown,
        )
    if "readonly" in text or "read-only" in text:
        return ReadOnlyDeskError(
            f"The desk file {shown} cannot be written (it, its folder or its disk became "
            "read-only). Nothing was saved.",
            "Make it writable again and restart Technician Queue, or save what the desk "
            f"holds with {SAVE_COPY_HINT}.",
            database=shown,
        )
    if "unable to open" in text or "no such file" in text:
        if path is not None and not path.parent.is_dir():
            what = f"The folder of the desk file {shown} is not there (any more)."
        elif path is not None and not path.exists():
            what = f"The desk file {shown} is not there (any more)."
        else:
            what = f"The desk file {shown} cannot be opened (no permission, or a folder)."
        advice = (
            "Check the path (--database or DESKTOP_APP_DATABASE_URL) and the folder's permissions."
            if opening
            else "If it was removed while the desk was open, save what the desk still "
            f"holds with {SAVE_COPY_HINT}."
        )
        return DatabaseUnavailableError(what, advice, database=shown)
    if "locked" in text or "busy" in text:
        return DatabaseUnavailableError(
            f"The desk file {shown} is locked by another program (or another Technician "
            "Queue) for more than 10 s.",
            "Nothing was saved; what you typed is kept. Close the other program or wait, "
            "then try again.",
            database=shown,
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DatabaseUnavailableError(
            f"The disk holding {shown} is full. Nothing was saved.",
            "Free some space there, then try again; what you typed is kept.",
            database=shown,
        )
    if "disk i/o error" in text:
        return DatabaseUnavailableError(
            f"The disk holding {shown} failed to read or write (a removed drive, a network "
            "share that went away, or a failing disk). Nothing was saved.",
            "Check the drive; restart Technician Queue once it is back. "
            + (_restore_advice(path) if path is not None else ""),
            database=shown,
        )
    if "no such table" in text or "no such column" in text:
        return DatabaseUnavailableError(
            f"The desk file {shown} lacks tables or columns this version of Technician "
            f"Queue needs ({driver_text(exc)}): it may be damaged, or changed by another "
            "program.",
            _restore_advice(path) if path is not None else "",
            database=shown,
        )
    return DatabaseUnavailableError(
        f"The desk file {shown} reported an error: {driver_text(exc)}.",
        "Details are in the log (Help → Show log).",
        database=shown,
    )


# --------------------------------------------------------------------------- PostgreSQL

_LOST = (
    "server closed the connection",
    "consuming input failed",
    "terminating connection",
    "connection is closed",
    "connection already closed",
    "the connection is lost",
    "could not receive data",
    "could not send data",
    "ssl syscall",
    "connection not open",
    "connection reset",
    "broken pipe",
    "eof detected",
)


def _explain_postgres(
    exc: BaseException, driver_error: BaseException, url: URL | None, where: str, opening: bool
) -> StorageError:
    text = str(driver_error).lower()
    sqlstate = getattr(driver_error, "sqlstate", None) or ""
    server = _server(url) if url is not None else "the database server"
    user = (url.username if url is not None else None) or "(your login name)"
    name = (url.database if url is not None else None) or user
    shown_url = masked_url(url)
    prefix = "Cannot open the desk: " if opening else ""

    def fault(what: str, advice: str) -> StorageError:
        message = f"{prefix}{what}" if prefix else what[0].upper() + what[1:]
        if not opening and "not saved" not in advice:
            advice = f"{advice} {_AFTER_A_CHANGE}"
        return DatabaseUnavailableError(message, advice, database=where)

    waited = unanswered_after(exc)
    if waited is not None:
        return fault(
            f"the database server {server} did not answer within {waited:g} s ({shown_url}); "
            "the network may be down, or the server stopped answering.",
            "Check the network and the server" + (", then start again." if opening else "."),
        )
    if "timeout expired" in text or "timed out" in text:
        connect_s = (
            _query_int(url, "connect_timeout")
            or unanswered_after(exc, CONNECT_GAVE_UP_AFTER)
            or DEFAULT_TIMEOUTS.connect
        )
        return fault(
            f"the database server {server} did not answer within {connect_s:g} s while "
            f"connecting ({shown_url}).",
            "Check that the server is up and that the network (VPN, firewall) lets you "
            "reach it, then try again.",
        )
    if "connection refused" in text:
        return fault(
            f"the database server {server} refused the connection ({shown_url}): no "
            "PostgreSQL server is listening there.",
            "Check that the server is running and that the host and port in the URL are "
            "right (--database or DESKTOP_APP_DATABASE_URL).",
        )
    if (
        "could not translate host name" in text
        or "name or service not known" in text
        or "nodename nor servname" in text
        or "name resolution" in text
    ):
        return fault(
            f"the server name {url.host if url is not None else ''!r} is not known ({shown_url}).",
            "Check the host in the URL, and that this computer is on the network (or VPN) "
            "that knows it.",
        )
    if "no route to host" in text or "network is unreachable" in text:
        return fault(
            f"the database server {server} cannot be reached from this computer "
            f"({shown_url}): no route to it.",
            "Check the network connection (or VPN), then try again.",
        )
    if sqlstate == "28P01" or "password authentication failed" in text:
        return fault(
            f"the database server {server} refused the password for the user {user!r} "
            f"({shown_url}).",
            "Check the password: keep it in ~/.pgpass (or the file PGPASSFILE names) "
            "rather than in the URL, and ask the server's administrator if it changed.",
        )
    if "no password supplied" in text or "fe_sendauth" in text:
        return fault(
            f"the database server {server} asks for a password for the user {user!r} and "
            f"none was given ({shown_url}).",
            "Put it in ~/.pgpass (host:port:database:user:password, readable by you only) "
            "or in the file PGPASSFILE names; a password in the URL is visible to every "
            "user of this computer.",
        )
    if sqlstate == "3D000" or ("database" in text and "does not exist" in text):
        return fault(
            f"there is no database {name!r} on the server {server} ({shown_url}).",
            f"Create it (for example: createdb -h {url.host if url else 'HOST'} "
            f"-p {url.port or 5432 if url else 5432} -U {user} {name}, or CREATE DATABASE "
            f"{name}; in psql) or ask the server's administrator, then start again; "
            "Technician Queue creates its tables itself.",
        )
    if "role" in text and "does not exist" in text:
        return fault(
            f"the database server {server} has no user {user!r} ({shown_url}).",
            "Check the user name in the URL, or ask the server's administrator to create it.",
        )
    if "pg_hba.conf" in text:
        return fault(
            f"the database server {server} does not let the user {user!r} in from this "
            f"computer ({shown_url}).",
            "Ask the server's administrator to allow it (pg_hba.conf), or check the "
            "database name and user in the URL.",
        )
    if sqlstate == "53300" or ("too many" in text and "connections" in text):
        return fault(
            f"the database server {server} has too many connections open ({shown_url}).",
            "Try again in a moment; if it keeps happening, ask the server's administrator.",
        )
    if sqlstate == "57014" or "statement timeout" in text:
        return fault(
            f"the database server {server} stopped a query that took too long ({shown_url}).",
            "If it keeps happening, another desk may be holding the same records.",
        )
    if sqlstate in ("55P03", "40P01", "40001") or "deadlock" in text:
        return fault(
            f"another desk was changing the same records on {server} at the same moment.",
            "Nothing was saved; what you typed is kept. Try again.",
        )
    if sqlstate == "42501" or "permission denied" in text:
        return fault(
            f"the user {user!r} may not change this database on {server} ({shown_url}).",
            "Nothing was saved. Ask the server's administrator to grant it the rights, or "
            "use another user.",
        )
    if sqlstate.startswith("53") or "disk full" in text or "no space left" in text:
        return fault(
            f"the database server {server} is out of resources (disk or memory).",
            "Nothing was saved; tell the server's administrator.",
        )
    if (
        sqlstate.startswith("57P")
        or sqlstate.startswith("08")
        or any(marker in text for marker in _LOST)
    ):
        return fault(
            f"the connection to the database server {server} was lost ({shown_url}): the "
            "server restarted or stopped, or the network dropped.",
            "Check the server and the network" + (", then start again." if opening else "."),
        )
    return fault(
        f"the database server {server} reported an error ({shown_url}): {driver_text(exc)}.",
        "Details are in the log (Help → Show log).",
    )


def _query_int(url: URL | None, key: str) -> int | None:
    if url is None:
        return None
    value = url.query.get(key)
    try:
        return int(value) if isinstance(value, str) else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- files


def _explain_os_error(exc: OSError, where: str, opening: bool) -> StorageError:
    target = exc.filename
    reason = exc.strerror or type(exc).__name__
    what = (
        f"Cannot open {where}: {target}: {reason.lower()}."
        if opening
        else f"{where[0].upper()}{where[1:]}: {target}: {reason.lower()}."
    )
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == 30:  # EROFS
        advice = "Choose a place you may write to, or ask for the permission."
    else:
        advice = "Check the path (--database or DESKTOP_APP_DATABASE_URL)."
    return DatabaseUnavailableError(what, advice, database=where)


__all__ = ["describe_database", "driver_text", "explain", "latest_backup", "masked_url"]
