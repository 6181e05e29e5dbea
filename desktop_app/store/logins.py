"""Each person's own PostgreSQL login, and the server's refusals in the desk's words.

On a shared PostgreSQL desk everyone connects with a login of their own; the server knows
who they are and enforces who may do what (revision 0008: ``tq_role()``, triggers on every
table, row-level security on notifications), so a modified or older client cannot bypass
the rules. :func:`add_login` creates a technician's login (a manager does; the server checks
that too). The password is hashed here, on the client, into a SCRAM-SHA-256 verifier (what
PostgreSQL itself stores): the password never travels to the server, and the desk never
stores it, logs it or shows it.

A SQLite desk has no logins: whoever has the file has the data, and chooses who they are
(File → Sign in as…).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from desktop_app.domain import (
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    Role,
    Technician,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.store import convert
from desktop_app.store.schema import TechnicianRow

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["SCRAM_ITERATIONS", "add_login", "login_name_for", "scram_verifier", "server_refusal"]

SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)
_LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677):
    ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``. Given to
    ``CREATE ROLE … PASSWORD``, the server keeps it as is; the password itself never
    leaves this process."""
    if not password:
        raise ValidationError("A login needs a password; type one (it is not shown).", "password")
    salt = os.urandom(16) if salt is None else salt
    # SASLprep, as far as it changes what people type: compatibility-normalised text
    prepared = unicodedata.normalize("NFKC", password).encode("utf-8")
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def login_name_for(name: str) -> str:
    """A login name from a person's name: ``"Ana Costa"`` → ``"ana_costa"``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    login = re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")[:63]
    if not login or login[0].isdigit():
        login = f"tq_{login}"[:63]
    return login


def server_refusal(exc: DBAPIError) -> DomainError | None:
    """The server's refusal (insufficient privilege, SQLSTATE 42501) as the desk's own
    :class:`PermissionDeniedError`, in the server's words and without the statement or its
    parameters; None for any other error."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) != "42501":
        return None
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig).splitlines()[0]
    hint = getattr(diag, "message_hint", None)
    if message.startswith("permission denied for"):  # a grant missing, not one of our rules
        message = (
            f"The database refused: {message}. This login may not change that part of the "
            "desk; ask a manager."
        )
    return PermissionDeniedError(f"{message} {hint}" if hint else message)


def _technician(store: Store, name: str) -> Technician:
    with store.reading() as session:
        row = session.scalars(
            select(TechnicianRow).where(func.lower(TechnicianRow.name) == name.strip().lower())
        ).first()
        if row is not None:
            return convert.technician_from_row(row)
        names = sorted(session.scalars(select(TechnicianRow.name)))
    import difflib

    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else f" The desk has: {', '.join(names)}."
    raise NotFoundError(f"No technician is named {name!r}.{hint}")


def add_login(store: Store, technician_name: str, login: str, password: str) -> Technician:
    """Create ``login`` for the technician called ``technician_name`` with ``password``
    (hashed here) and give it the desk's table rights; returns the technician with it.

    Only a manager (or the desk's owner) may; the server refuses anyone else whatever this
    client believes. A SQLite desk has no logins."""
    if store.backend != "postgresql":
        raise ValidationError(
            "Database logins are for a desk on a shared PostgreSQL server. On a SQLite desk "
            "whoever has the file has the data: choose who you are with File → Sign in as…",
            "database",
        )
    if not _LOGIN.match(login):
        raise ValidationError(
            f"{login!r} is not a login name; use lower-case letters, digits and underscores, "
            "starting with a letter (e.g. 'ana_costa').",
            "login",
        )
    from desktop_app.store.queries.setup import login_technician

    technician = _technician(store, technician_name)
    me = login_technician(store)
    if me is not None and Role(me.role) is not Role.MANAGER:
        raise PermissionDeniedError(
            f"Only a manager creates logins; you are signed in as {me.name} ({me.role.value})."
        )
    if technician.login is not None:
        raise ValidationError(
            f"{technician.name} connects as {technician.login!r} already.", "login"
        )
    verifier = scram_verifier(password)
    try:
        with store.writing(me.id if me is not None else None, "add_login") as uow:
            uow.session.execute(
                text("SELECT tq_add_login(:technician, :login, :verifier)"),
                {"technician": technician.id, "login": login, "verifier": verifier},
            )
            uow.record("technician", technician.id, {"login": None}, {"login": login})
            assert technician.id is not None
            uow.changed(Entity.TECHNICIAN, technician.id)
    except DBAPIError as exc:
        refusal = server_refusal(exc)
        if refusal is not None:
            raise refusal from None
        diag = getattr(exc.orig, "diag", None)
        reason = getattr(diag, "message_primary", None) or type(exc.orig).__name__
        # the statement and its parameters (the verifier) are never repeated
        raise ValidationError(f"The server refused the login: {reason}", "login") from None
    return _technician(store, technician.name)
