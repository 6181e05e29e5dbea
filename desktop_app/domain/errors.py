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
