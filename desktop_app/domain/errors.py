"""Errors the domain raises; every message says what is wrong and what to do."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of the desk's own errors."""


class ValidationError(DomainError, ValueError):
    """Bad input from a person or a file. ``field`` names the offending entry."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(DomainError, LookupError):
    """A ticket, customer or technician that does not exist (any more)."""


class ConflictError(DomainError):
    """Someone else changed the ticket since it was read; nothing was written."""

    def __init__(
        self,
        ticket_number: str,
        expected_version: int,
        actual_version: int,
        changed_by: str | None = None,
        changed_at: str | None = None,
    ) -> None:
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at}" if changed_at else ""
        super().__init__(
            f"Ticket {ticket_number} was changed{who}{when} after you opened it "
            f"(version {expected_version}, now {actual_version}). Nothing was saved; "
            "reload the ticket and try again."
        )
        self.ticket_number = ticket_number
        self.expected_version = expected_version
        self.actual_version = actual_version
        self.changed_by = changed_by


class PermissionDeniedError(DomainError):
    """The acting person's role does not allow the action."""


class StorageError(Exception):
    """The desk's database failed or refused, said in words: which database, what happened,
    what to do. Not a :class:`DomainError`: no rule refused anything, the storage did.

    ``database`` names the database for people (a file path, or the server and database
    name; never a password). ``advice`` is what to do. ``str()`` is the whole message.
    """

    def __init__(self, what: str, advice: str = "", *, database: str = "") -> None:
        super().__init__(f"{what} {advice}".strip())
        self.what = what
        self.advice = advice
        self.database = database


class DatabaseUnavailableError(StorageError):
    """The database cannot be opened or reached, or stopped answering."""


class DeskFileGoneError(StorageError):
    """The desk's SQLite file was removed or replaced while the desk had it open: writing
    on would go into a file nobody can open again, so every write is refused. What the desk
    still holds can be saved to a new file (``Store.save_copy``)."""


class ReadOnlyDeskError(StorageError):
    """The desk was opened read-only (its file cannot be written): writes are refused."""
