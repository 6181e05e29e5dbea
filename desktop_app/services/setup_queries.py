"""Reads (and rehearsals) of the setup screens, as jobs for :meth:`DeskService.submit`.

Views never import the store: each function here returns a job (a function of the store,
run on the database thread) and the records it answers with are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain import Priority, Technician
from desktop_app.domain.commands import Command
from desktop_app.domain.directory import CustomerCard, CustomerRecords, DeskSetup
from desktop_app.domain.impact import Impact, SetupResult, TicketMove
from desktop_app.services.desk import DeskSummary
from desktop_app.sla.hours import (
    HolidayCountry,
    NamedHoliday,
    holiday_countries,
    public_holidays_named,
)
from desktop_app.store import Store
from desktop_app.store.previews import NewTicketPreview, preview_new_ticket
from desktop_app.store.queries.setup import (
    customer_directory,
    customer_records,
    desk_setup,
    login_technician,
)

__all__ = [
    "CustomerCard",
    "CustomerRecords",
    "DeskSetup",
    "HolidayCountry",
    "Impact",
    "NamedHoliday",
    "NewTicketPreview",
    "SessionStart",
    "SetupResult",
    "TicketMove",
    "countries",
    "customer",
    "desk",
    "directory",
    "holidays",
    "import_files",
    "new_ticket_preview",
    "rehearse",
    "session_start",
]


@dataclass(frozen=True, slots=True)
class SessionStart:
    """What a session needs before it shows the desk: its people and customers, whether
    the desk is shared (PostgreSQL), and who the database login says is here."""

    summary: DeskSummary
    shared: bool
    signed_in: Technician | None

    @property
    def empty(self) -> bool:
        return self.summary.empty


def session_start(store: Store) -> SessionStart:
    summary = DeskSummary(store.technicians(), store.customers())
    return SessionStart(summary, store.backend == "postgresql", login_technician(store))


def directory() -> Callable[[Store], list[CustomerCard]]:
    """Every customer with its sites' and contacts' names (the type-ahead's list)."""
    return customer_directory


def customer(customer_id: int) -> Callable[[Store], CustomerRecords]:
    def job(store: Store) -> CustomerRecords:
        return customer_records(store, customer_id)

    return job


def desk() -> Callable[[Store], DeskSetup]:
    """Policies, calendars, people and categories as stored now (with versions)."""
    return desk_setup


def new_ticket_preview(
    customer_id: int,
    site_id: int | None,
    priority: Priority,
    category: str,
    received_at: datetime,
) -> Callable[[Store], NewTicketPreview]:
    """The deadlines a ticket not yet logged would get (nothing is written)."""

    def job(store: Store) -> NewTicketPreview:
        return preview_new_ticket(store, customer_id, site_id, priority, category, received_at)

    return job


def rehearse(command: Command) -> Callable[[Store], SetupResult]:
    """What a setup command would do to the open tickets, in a transaction rolled back."""

    def job(store: Store) -> SetupResult:
        result = store.rehearse(command).result
        if not isinstance(result, SetupResult):
            raise TypeError(f"{type(command).__name__} is not a setup command.")
        return result

    return job


def countries() -> Callable[[Store], list[HolidayCountry]]:
    """The countries and subdivisions with public holidays (read off the GUI thread: the
    package builds each country once)."""

    def job(_store: Store) -> list[HolidayCountry]:
        return holiday_countries()

    return job


def holidays(
    country: str, subdivision: str | None, year: int
) -> Callable[[Store], list[NamedHoliday]]:
    def job(_store: Store) -> list[NamedHoliday]:
        return public_holidays_named(country, subdivision, year)

    return job


# The order an import of several files goes in: what later files refer to comes first.
_IMPORT_ORDER = ("customers", "sites", "contacts", "tickets")


def import_files(paths: list[str]) -> Callable[[Store], list[str]]:
    """Import the files one by one (customers before sites before contacts before tickets);
    answers a line per file. A file with a bad record writes nothing and stops the rest."""
    from pathlib import Path

    from desktop_app.domain import DomainError
    from desktop_app.interchange.files import ImportRejectedError, import_file

    def rank(path: str) -> int:
        name = Path(path).name.lower()
        return next((i for i, kind in enumerate(_IMPORT_ORDER) if kind in name), len(_IMPORT_ORDER))

    def job(store: Store) -> list[str]:
        lines: list[str] = []
        for path in sorted(paths, key=rank):
            name = Path(path).name
            try:
                report = import_file(store, path)
            except ImportRejectedError as exc:
                bad = exc.parsed.error_lines()
                shown = "; ".join(bad[:5]) + (" …" if len(bad) > 5 else "")
                lines.append(f"{name}: nothing imported: {shown}")
                break
            except (DomainError, ValueError, OSError) as exc:
                lines.append(f"{name}: nothing imported: {exc}")
                break
            summary = report.summary
            added = (
                ", ".join(
                    f"{getattr(summary, n)} {n}"
                    for n in ("customers", "sites", "contacts", "tickets")
                    if getattr(summary, n, 0)
                )
                if summary is not None
                else ""
            )
            lines.append(f"{name}: {added or 'nothing new'}.")
        return lines

    return job
