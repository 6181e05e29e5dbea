"""The unit of work: one write transaction, its actor, its audit row and its change set.

Every command is applied inside one :class:`UnitOfWork`: it opens the transaction, loads
the acting technician (refusing unknown and inactive ones), locks the tickets the command
expects at given versions (a stale one raises a conflict naming who changed it and when),
keeps each ticket as it was before and after (for undo), writes exactly one audit row, and
collects the :class:`~desktop_app.domain.changes.ChangeSet` of what it wrote. Handlers in
``tickets``, ``assignments``, ``criticism``, ``notifications`` and ``catalog`` do the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.domain import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Role,
    Technician,
    Ticket,
    TicketStatus,
    ValidationError,
)
from desktop_app.domain.changes import Change, ChangeSet, Entity
from desktop_app.domain.errors import StaleTicket, StaleTicketsError
from desktop_app.store import convert
from desktop_app.store.schema import TechnicianRow, TicketRow

if TYPE_CHECKING:
    from desktop_app.domain.commands import Command
    from desktop_app.store.repository import Store

__all__ = ["SYSTEM_ACTOR", "ImportSummary", "UnitOfWork", "ticket_missing", "utc_now"]

SYSTEM_ACTOR = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ImportSummary:
    """How many records an import added (existing names are reused, not counted)."""

    calendars: int = 0
    policies: int = 0
    technicians: int = 0
    customers: int = 0
    sites: int = 0
    contacts: int = 0
    contracts: int = 0
    tickets: int = 0
    events: int = 0
    criticism: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ImportSummary.__slots__}


def ticket_missing(ticket_id: int) -> NotFoundError:
    return NotFoundError(
        f"No ticket has id {ticket_id}; it may have been deleted. Reload the queue."
    )


class UnitOfWork:
    """One write in progress. ``now`` is when it is applied (the store's clock); the
    command's own instant (``command.at``) is when it happened."""

    def __init__(
        self,
        store: Store,
        session: Session,
        actor: TechnicianRow | None,
        now: datetime,
        name: str,
        *,
        command: Command | None = None,
    ) -> None:
        self.store = store
        self.session = session
        self.actor = actor
        self.now = now
        self.name = name
        self.command = command
        # a rehearsal is rolled back (a setup change's preview): what it would recompute is
        # worked out, not written
        self.rehearsal = False
        self.audit: dict[str, Any] | None = None
        self.before: dict[int, Ticket] = {}
        self.after: dict[int, Ticket] = {}
        self._audit_before: dict[int, dict[str, Any]] = {}
        self._changes: dict[Change, None] = {}

    # ------------------------------------------------------------------ who

    @property
    def actor_name(self) -> str:
        return self.actor.name if self.actor is not None else SYSTEM_ACTOR

    @property
    def actor_record(self) -> Technician | None:
        return convert.technician_from_row(self.actor) if self.actor is not None else None

    def require_role(self, roles: Iterable[Role], what: str) -> None:
        allowed = {Role(r).value for r in roles}
        if self.actor is None or self.actor.role not in allowed:
            names = " or ".join(sorted(allowed))
            raise PermissionDeniedError(f"Only a {names} may {what}; {self.actor_name} may not.")

    def technician(self, technician_id: int, *, to_take_tickets: bool = True) -> TechnicianRow:
        """A technician by id; one who is inactive cannot take tickets."""
        row = self.session.get(TechnicianRow, technician_id)
        if row is None:
            raise NotFoundError(f"No technician has id {technician_id}; reload the technicians.")
        if to_take_tickets and not row.active:
            raise ValidationError(
                f"{row.name} is inactive and cannot take tickets; pick an active technician.",
                "assignee_id",
            )
        return row

    # ------------------------------------------------------------------ tickets

    def lock_ticket(self, ticket_id: int, expected_version: int | None) -> TicketRow:
        """The ticket's row, locked for this transaction; ``expected_version`` ``None``
        takes it at whatever version it has (the desk's own bookkeeping)."""
        row = self.session.execute(
            select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise ticket_missing(ticket_id)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                row.number,
                expected_version,
                row.version,
                changed_by=row.updated_by,
                changed_at=row.updated_at.isoformat(timespec="seconds"),
                ticket_id=row.id,
            )
        self._keep_before(row)
        return row

    def lock_tickets(self, expected: Mapping[int, int]) -> list[TicketRow]:
        """Several tickets at once (in id order); every stale one is named."""
        rows = list(
            self.session.scalars(
                select(TicketRow)
                .where(TicketRow.id.in_(sorted(expected)))
                .order_by(TicketRow.id)
                .with_for_update()
            )
        )
        found = {row.id for row in rows}
        missing = [tid for tid in expected if tid not in found]
        if missing:
            listed = ", ".join(str(t) for t in sorted(missing))
            raise NotFoundError(
                f"No ticket has id {listed} any more; reload the queue and try again."
            )
        stale = [
            StaleTicket(
                row.number,
                expected[row.id],
                row.version,
                row.updated_by,
                row.updated_at.isoformat(timespec="seconds") if row.updated_at else None,
                ticket_id=row.id,
            )
            for row in rows
            if row.version != expected[row.id]
        ]
        if stale:
            raise StaleTicketsError(stale)
        for row in rows:
            self._keep_before(row)
        return rows

    def _keep_before(self, row: TicketRow) -> None:
        if row.id not in self.before:
            self.before[row.id] = convert.ticket_from_row(row)
            self._audit_before[row.id] = convert.ticket_audit_view(row)

    def touch(self, row: TicketRow) -> None:
        """A new version of the ticket, by this actor, now."""
        row.version += 1
        row.updated_at = self.now
        row.updated_by = self.actor_name

    def ticket_changed(self, row: TicketRow, kind: str | None = None) -> Ticket:
        """Note the ticket as changed (after :meth:`touch`) and return it as it stands."""
        ticket = convert.ticket_from_row(row)
        self.after[row.id] = ticket
        self.changed(
            Entity.TICKET,
            row.id,
            kind or self.name,
            ticket_id=row.id,
            customer_id=row.customer_id,
            closed=not TicketStatus(row.status).is_open,
        )
        return ticket

    def finish_ticket(
        self, row: TicketRow, extra: Mapping[str, Any] | None = None, kind: str | None = None
    ) -> Ticket:
        """Touch the ticket, audit the fields that changed, note the change; the usual end
        of a one-ticket command."""
        self.touch(row)
        before, after = convert.changed_fields(
            self._audit_before.get(row.id, {}), convert.ticket_audit_view(row)
        )
        if extra:
            after.update(extra)
        self.record("ticket", row.id, before, after)
        return self.ticket_changed(row, kind)

    # ------------------------------------------------------------------ changes and audit

    def changed(
        self,
        entity: Entity,
        entity_id: int,
        kind: str | None = None,
        *,
        ticket_id: int | None = None,
        customer_id: int | None = None,
        closed: bool = False,
    ) -> None:
        change = Change(entity, entity_id, kind or self.name, ticket_id, customer_id, closed)
        self._changes.pop(change, None)
        self._changes[change] = None

    def changed_tickets(self, ticket_ids: Sequence[tuple[int, int]], kind: str) -> None:
        """Tickets (id, customer id) whose queue rows show something this write changed
        (a criticism badge, a customer's name) without a new ticket version."""
        for ticket_id, customer_id in ticket_ids:
            self.changed(
                Entity.TICKET, ticket_id, kind, ticket_id=ticket_id, customer_id=customer_id
            )

    def change_set(self, *, everything: bool = False) -> ChangeSet:
        return ChangeSet(tuple(self._changes), self.actor_name, self.now, everything=everything)

    def record(
        self,
        entity: str,
        entity_id: int | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """The audit row of this write (exactly one per write)."""
        if self.audit is not None:
            raise RuntimeError(f"The action {self.name!r} tried to write a second audit row.")
        self.audit = {
            "entity": entity,
            "entity_id": entity_id,
            "before": dict(before) if before is not None else None,
            "after": dict(after) if after is not None else None,
        }
