"""Errors the domain raises; every message says what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
        *,
        changed_by: str | None = None,
        changed_at: str | None = None,
        ticket_id: int | None = None,
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
        self.changed_at = changed_at
        self.ticket_id = ticket_id

    def stale_tickets(self) -> tuple[StaleTicket, ...]:
        """Every ticket found changed (one for this error)."""
        return (
            StaleTicket(
                self.ticket_number,
                self.expected_version,
                self.actual_version,
                self.changed_by,
                self.changed_at,
                self.ticket_id,
            ),
        )


class PermissionDeniedError(DomainError):
    """The acting person's role does not allow the action."""


@dataclass(frozen=True, slots=True)
class StaleTicket:
    """One ticket that changed since the caller read it."""

    number: str
    expected_version: int
    actual_version: int
    changed_by: str | None
    changed_at: str | None
    ticket_id: int | None = None

    def describe(self) -> str:
        parts = [f"by {self.changed_by}" if self.changed_by else "", self.changed_at or ""]
        detail = " at ".join(p for p in parts if p)
        return f"{self.number} ({detail})" if detail else self.number


class StaleTicketsError(ConflictError):
    """Some tickets changed since the caller read them; nothing was written.

    ``stale`` lists every one of them (a :class:`ConflictError` names only one).
    """

    def __init__(self, stale: Sequence[StaleTicket]) -> None:
        if not stale:
            raise ValueError("StaleTicketsError needs at least one stale ticket.")
        first = stale[0]
        names = ", ".join(s.describe() for s in stale)
        if len(stale) == 1:
            what = f"Ticket {names} changed after you picked it up."
        else:
            what = f"{len(stale)} tickets changed after you picked them up: {names}."
        DomainError.__init__(
            self,
            f"{what} Nothing was assigned; look at their latest state and try again.",
        )
        self.ticket_number = first.number
        self.expected_version = first.expected_version
        self.actual_version = first.actual_version
        self.changed_by = first.changed_by
        self.changed_at = first.changed_at
        self.ticket_id = first.ticket_id
        self.stale = tuple(stale)

    def stale_tickets(self) -> tuple[StaleTicket, ...]:
        return self.stale

    @property
    def numbers(self) -> list[str]:
        return [s.number for s in self.stale]


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


class DiskFullError(DomainError):
    """The disk a write needed is full; nothing was written. ``where`` names the file or
    folder (or the database server), ``free_bytes`` what is left there when known."""

    def __init__(self, where: str, free_bytes: int | None, advice: str) -> None:
        free = f" ({_megabytes(free_bytes)} free)" if free_bytes is not None else ""
        super().__init__(f"The disk holding {where} is full{free}; nothing was written. {advice}")
        self.where = where
        self.free_bytes = free_bytes


def _megabytes(count: int) -> str:
    megabytes = count / 1_000_000
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"


class SetupConflictError(DomainError):
    """Someone else saved a setup record (a policy, a calendar, a customer, …) after the
    caller read it; nothing was written."""

    def __init__(
        self,
        what: str,
        expected_version: int,
        actual_version: int,
        *,
        changed_by: str | None = None,
        changed_at: str | None = None,
    ) -> None:
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at}" if changed_at else ""
        super().__init__(
            f"{what[:1].upper()}{what[1:]} was changed{who}{when} after you opened it "
            f"(version {expected_version}, now {actual_version}). Nothing was saved; close "
            "the editor, open it again to see their change, and make yours again."
        )
        self.what = what
        self.expected_version = expected_version
        self.actual_version = actual_version
        self.changed_by = changed_by
        self.changed_at = changed_at
