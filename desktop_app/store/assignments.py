"""Reassignment: one or many tickets, each to its own assignee, in one transaction.

Every path that moves tickets between people ends here — *Take*, the board's drops,
*Assign to…*, undo and redo of any of them — and asks the one rule in
:mod:`desktop_app.domain.permissions`. The tickets are read in one query and checked (versions,
rule, assignees) before anything is written; a refused move names *every* ticket that
changed since the caller read it, so the dispatcher sees at once what to look at again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from desktop_app.domain import (
    EventKind,
    NotFoundError,
    PermissionDeniedError,
    TicketEvent,
    ValidationError,
)
from desktop_app.domain.commands import Move, Reassign
from desktop_app.domain.permissions import assignment_refusal
from desktop_app.store import convert
from desktop_app.store.schema import TechnicianRow, TicketEventRow, TicketRow
from desktop_app.store.uow import UnitOfWork

__all__ = ["Reassigned", "Reassignment", "reassign"]


@dataclass(frozen=True, slots=True)
class Reassigned:
    """One ticket as the reassignment left it (everything a reassignment changes)."""

    ticket_id: int
    number: str
    previous_assignee_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    version: int
    escalation_level: int


@dataclass(frozen=True, slots=True)
class Reassignment:
    """What one reassignment did: the tickets it moved, and those already where asked."""

    changed: tuple[Reassigned, ...]
    unchanged: tuple[int, ...] = ()

    @property
    def ticket_ids(self) -> list[int]:
        return [r.ticket_id for r in self.changed]


def reassign(uow: UnitOfWork, cmd: Reassign) -> Reassignment:
    """Apply the moves all or nothing."""
    by_id: dict[int, Move] = {m.ticket_id: m for m in cmd.moves}
    rows = uow.lock_tickets({tid: m.version for tid, m in by_id.items()})
    to_move = [row for row in rows if row.assignee_id != by_id[row.id].assignee_id]
    unchanged = tuple(row.id for row in rows if row.assignee_id == by_id[row.id].assignee_id)
    targets = {by_id[row.id].assignee_id for row in to_move}
    people = _people(uow, targets | {row.assignee_id for row in to_move})
    _check_active(people, targets)
    _check_rule(uow, to_move, by_id, people)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    changed: list[Reassigned] = []
    for row in to_move:
        target = by_id[row.id].assignee_id
        assignee = people.get(target) if target is not None else None
        before[row.number] = row.assignee_id
        after[row.number] = target
        previous = row.assignee_id
        row.assignee_id = target
        if assignee is not None and row.escalation_level < 0:
            row.escalation_level = 0
        uow.touch(row)
        events.append(
            convert.event_to_columns(
                TicketEvent(
                    EventKind.ASSIGNED,
                    cmd.at,
                    uow.actor_name,
                    text=assignee.name if assignee is not None else "unassigned",
                    assignee_id=target,
                ),
                row.id,
            )
        )
        uow.ticket_changed(row)
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
        uow.session.execute(insert(TicketEventRow), events)
    only = changed[0].ticket_id if len(changed) == 1 else None
    uow.record("ticket", only, {"assignee_id": before}, {"assignee_id": after})
    return Reassignment(tuple(changed), unchanged)


def _check_rule(
    uow: UnitOfWork,
    rows: Iterable[TicketRow],
    moves: dict[int, Move],
    people: dict[int, TechnicianRow],
) -> None:
    actor = uow.actor_record
    refused: list[tuple[TicketRow, str]] = []
    for row in rows:
        target_id = moves[row.id].assignee_id
        target = people.get(target_id) if target_id is not None else None
        current = people.get(row.assignee_id) if row.assignee_id is not None else None
        refusal = assignment_refusal(
            actor,
            row.assignee_id,
            convert.technician_from_row(target) if target is not None else None,
            ticket=row.number,
            current_name=current.name if current is not None else None,
        )
        if refusal is not None:
            refused.append((row, str(refusal)))
    if not refused:
        return
    if len(refused) == 1:
        raise PermissionDeniedError(f"Nothing was assigned: {refused[0][1]}")
    numbers = ", ".join(row.number for row, _ in refused[:10])
    more = f" and {len(refused) - 10} more" if len(refused) > 10 else ""
    raise PermissionDeniedError(
        f"Nothing was assigned: {uow.actor_name} may not move {numbers}{more}. {refused[0][1]}"
    )


def _people(uow: UnitOfWork, ids: set[int | None]) -> dict[int, TechnicianRow]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = {
        row.id: row
        for row in uow.session.scalars(select(TechnicianRow).where(TechnicianRow.id.in_(wanted)))
    }
    for technician_id in wanted:
        if technician_id not in rows:
            raise NotFoundError(f"No technician has id {technician_id}; reload the technicians.")
    return rows


def _check_active(people: dict[int, TechnicianRow], targets: Iterable[int | None]) -> None:
    for target in targets:
        if target is None:
            continue
        row = people[target]
        if not row.active:
            raise ValidationError(
                f"{row.name} is inactive and cannot take tickets; pick an active technician.",
                "assignee_id",
            )
