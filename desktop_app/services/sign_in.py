"""The password a PostgreSQL login needs, for this run only.

When the server asks for a password (``pg_hba.conf`` says so and no ``.pgpass`` answers),
the session asks the person, keeps it here in memory, and opens the desk again; the desk
never writes it anywhere, and never shows it (the URL it shows has none, and the driver's
messages do not repeat it). Whatever else the server asks for (certificates, Kerberos) is
libpq's business, configured as for any PostgreSQL client.
"""

from __future__ import annotations

import threading

__all__ = ["Credentials", "asks_for_password", "without_secret"]

_ASKS = (
    "password authentication failed",
    "no password supplied",
    "fe_sendauth: no password",
    "password is required",
)


class Credentials:
    """A password given for this run; read on the database thread, set on the GUI's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._password: str | None = None

    def set(self, password: str | None) -> None:
        with self._lock:
            self._password = password or None

    def password(self) -> str | None:
        with self._lock:
            return self._password

    def __repr__(self) -> str:  # never the password itself, whatever prints this
        return f"Credentials(password={'set' if self.password() else 'none'})"


def asks_for_password(exc: BaseException) -> bool:
    """Whether opening the desk failed because the server wants a (right) password."""
    text = str(exc).lower()
    return any(phrase in text for phrase in _ASKS)


def without_secret(message: str, secret: str | None) -> str:
    """``message`` with ``secret`` blanked out, should a driver ever repeat it."""
    return message.replace(secret, "•••") if secret else message
