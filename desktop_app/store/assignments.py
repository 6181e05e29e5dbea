"""Bulk reassignment for the dispatch board: many tickets, one transaction, one audit row.

:meth:`Store.assign <desktop_app.store.repository.Store.assign>` sends tickets to one
assignee and stops at the first stale ticket. The board needs two more things:

* undo puts *each* ticket back to *its own* previous assignee, in one transaction;
* a refused drop names *every* ticket that changed since the drag started, so the
  dispatcher sees at once what to look at again.

Both go through :func:`reassign`, which reads every ticket of the action in one query,
checks versions, roles and assignees before writing anything, and then writes the new
assignees, one ``assigned`` event per ticket and one audit row in the same format as
``Store.assign`` (``{"assignee_id": {ticket number: id}}`` before and after).

Roles (the same as the store's, narrowed as the board's issue asks): dispatchers and
managers move anyone's tickets; a technician may take *unassigned* tickets for themself
and hand their own tickets back to "Unassigned" (which is also how they undo a take).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from desktop_app.domain import (
    ConflictError,
    EventKind,
    NotFoundError,
    PermissionDeniedError,
    Role,
    TicketEvent,
    ValidationError,
)
from desktop_app.domain.errors import DomainError
from desktop_app.store import convert
from desktop_app.store.repository import Store
from desktop_app.store.schema import TechnicianRow, TicketEventRow, TicketRow

ASSIGN_ACTION = "assign"
RESTORE_ACTION = "restore_assignees"
_LEADS = (Role.DISPATCHER.value, Role.MANAGER.value)


@dataclass(frozen=True, slots=True)
class Move:
    """One ticket to reassign: the version the caller saw and where it goes."""

    ticket_id: int
    expected_version: int
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class Reassigned:
    """One ticket as the action left it (everything a reassignment changes)."""

    ticket_id: int
    number: str
    previous_assignee_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    version: int
    escalation_level: int


@dataclass(frozen=True, slots=True)
class Reassignment:
    """What one action did: the tickets it moved, and those already where asked."""

    changed: tuple[Reassigned, ...]
    unchanged: tuple[int, ...] = ()

    @property
    def ticket_ids(self) -> list[int]:
        return [r.ticket_id for r in self.changed]


@dataclass(frozen=True, slots=True)
class StaleTicket:
    number: str
    expected_version: int
    actual_version: int
    changed_by: str | None
    changed_at: str | None

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
        self.stale = tuple(stale)

    @property
    def numbers(self) -> list[str]:
        return [s.number for s in self.stale]


def assign_tickets(
    store: Store,
    actor_id: int,
    tickets: Mapping[int, int],
    assignee_id: int | None,
) -> Reassignment:
    """Send ``tickets`` (``{ticket_id: expected_version}``) to ``assignee_id`` (``None``:
    unassign) in one transaction. Tickets already there are left alone (no new version)."""
    return reassign(
        store,
        actor_id,
        [Move(t, v, assignee_id) for t, v in tickets.items()],
        action=ASSIGN_ACTION,
    )


def restore_assignees(
    store: Store,
    actor_id: int,
    tickets: Mapping[int, tuple[int, int | None]],
) -> Reassignment:
    """Put each ticket (``{ticket_id: (expected_version, previous_assignee_id)}``) back to
    its own previous assignee in one transaction: the undo of a drop."""
    return reassign(
        store,
        actor_id,
        [Move(t, v, a) for t, (v, a) in tickets.items()],
        action=RESTORE_ACTION,
    )


def reassign(
    store: Store, actor_id: int, moves: Sequence[Move], *, action: str = ASSIGN_ACTION
) -> Reassignment:
    """Apply ``moves`` all or nothing; see the module docstring for the rules."""
    if not moves:
        raise ValidationError("Select at least one ticket to assign.", "tickets")
    by_id: dict[int, Move] = {}
    for move in moves:
        if move.ticket_id in by_id:
            raise ValidationError(
                f"Ticket id {move.ticket_id} appears twice in one assignment; "
                "list each ticket once.",
                "tickets",
            )
        by_id[move.ticket_id] = move
    with store._write(actor_id, action) as act:
        session = act.session
        rows = list(
            session.scalars(
                select(TicketRow)
                .where(TicketRow.id.in_(sorted(by_id)))
                .order_by(TicketRow.id)
                .with_for_update()
            )
        )
        found = {row.id: row for row in rows}
        missing = [tid for tid in by_id if tid not in found]
        if missing:
            listed = ", ".join(str(t) for t in sorted(missing))
            raise NotFoundError(
                f"No ticket has id {listed} any more; reload the queue and try again."
            )
        stale = [
            StaleTicket(
                row.number,
                by_id[row.id].expected_version,
                row.version,
                row.updated_by,
                row.updated_at.isoformat(timespec="seconds") if row.updated_at else None,
            )
            for row in rows
            if row.version != by_id[row.id].expected_version
        ]
        if stale:
            raise StaleTicketsError(stale)
        to_move = [row for row in rows if row.assignee_id != by_id[row.id].assignee_id]
        unchanged = tuple(row.id for row in rows if row.assignee_id == by_id[row.id].assignee_id)
        _check_roles(act.actor, act.actor_name, to_move, by_id)
        assignees = _assignees(session, {by_id[row.id].assignee_id for row in to_move})

        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        events: list[dict[str, Any]] = []
        changed: list[Reassigned] = []
        for row in to_move:
            target = by_id[row.id].assignee_id
            assignee = assignees.get(target) if target is not None else None
            before[row.number] = row.assignee_id
            after[row.number] = target
            previous = row.assignee_id
            row.assignee_id = target
            if assignee is not None and row.escalation_level < 0:
                row.escalation_level = 0
            row.version += 1
            row.updated_at = act.now
            row.updated_by = act.actor_name
            events.append(
                convert.event_to_columns(
                    TicketEvent(
                        EventKind.ASSIGNED,
                        act.now,
                        act.actor_name,
                        text=assignee.name if assignee is not None else "unassigned",
                        assignee_id=target,
                    ),
                    row.id,
                )
            )
            changed.append(
                Reassigned(
                    row.id,
                    row.number,
                    previous,
                    target,
                    assignee.name if assignee is not None else None,
                    row.version,
                    row.escalation_level,
                )
            )
        if events:
            session.execute(insert(TicketEventRow), events)
        only = changed[0].ticket_id if len(changed) == 1 else None
        act.record("ticket", only, {"assignee_id": before}, {"assignee_id": after})
        return Reassignment(tuple(changed), unchanged)


def _check_roles(
    actor: TechnicianRow | None,
    actor_name: str,
    rows: Iterable[TicketRow],
    moves: Mapping[int, Move],
) -> None:
    if actor is not None and actor.role in _LEADS:
        return
    refused = [
        row
        for row in rows
        if actor is None
        or not (
            (row.assignee_id is None and moves[row.id].assignee_id == actor.id)
            or (row.assignee_id == actor.id and moves[row.id].assignee_id is None)
        )
    ]
    if refused:
        numbers = ", ".join(row.number for row in refused[:10])
        more = f" and {len(refused) - 10} more" if len(refused) > 10 else ""
        raise PermissionDeniedError(
            f"{actor_name} may not reassign {numbers}{more}: a technician may only take "
            "unassigned tickets for themself (or hand their own back). Ask a dispatcher "
            "or a manager to move the others."
        )


def _assignees(session: Any, ids: set[int | None]) -> dict[int, TechnicianRow]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = {
        row.id: row
        for row in session.scalars(select(TechnicianRow).where(TechnicianRow.id.in_(wanted)))
    }
    for technician_id in wanted:
        row = rows.get(technician_id)
        if row is None:
            raise NotFoundError(f"No technician has id {technician_id}; reload the technicians.")
        if not row.active:
            raise ValidationError(
                f"{row.name} is inactive and cannot take tickets; pick an active technician.",
                "assignee_id",
            )
    return rows


__all__ = [
    "ASSIGN_ACTION",
    "RESTORE_ACTION",
    "Move",
    "Reassigned",
    "Reassignment",
    "StaleTicket",
    "StaleTicketsError",
    "assign_tickets",
    "reassign",
    "restore_assignees",
]
