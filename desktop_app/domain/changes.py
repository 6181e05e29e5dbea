"""What a write changed: the change set every screen reads for what concerns it.

The store builds one :class:`ChangeSet` per transaction from what it really wrote (no caller
guesses which rows to re-read): the tickets changed or closed, the customers whose context
moved, criticism notes, notifications, and setup records (technicians, policies,
calendars, …). The same change set, written to the change log, is what other desks read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from desktop_app.domain.commands import Command
from desktop_app.domain.model import Ticket

__all__ = ["Change", "ChangeSet", "Entity", "Outcome"]


class Entity(StrEnum):
    """The kinds of record a change can touch."""

    TICKET = "ticket"
    CUSTOMER = "customer"
    CRITICISM = "criticism"
    NOTIFICATION = "notification"
    TECHNICIAN = "technician"
    POLICY = "policy"
    CALENDAR = "calendar"
    SITE = "site"
    CONTACT = "contact"
    CONTRACT = "contract"

    @property
    def is_setup(self) -> bool:
        return self in _SETUP


_SETUP = frozenset(
    {
        Entity.TECHNICIAN,
        Entity.POLICY,
        Entity.CALENDAR,
        Entity.SITE,
        Entity.CONTACT,
        Entity.CONTRACT,
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    """One record touched: what it is, which one, and what happened to it (``kind``: the
    command's name, e.g. ``resolve``, ``reassign``, ``import``). ``ticket_id`` and
    ``customer_id`` say which ticket and customer it belongs to, where it has them.
    ``closed``: the ticket left the open queue."""

    entity: Entity
    entity_id: int
    kind: str
    ticket_id: int | None = None
    customer_id: int | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Everything one write (or a batch of them) changed, in order, each record once per
    kind. ``actor`` and ``at`` say who made it and when it was applied. ``everything``: too
    much changed to list (a large import); whoever shows the desk reads it again whole."""

    changes: tuple[Change, ...] = ()
    actor: str = ""
    at: datetime | None = None
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not self.changes and not self.everything

    def __bool__(self) -> bool:
        return not self.empty

    def ids(self, entity: Entity) -> frozenset[int]:
        return frozenset(c.entity_id for c in self.changes if c.entity is entity)

    @property
    def ticket_ids(self) -> frozenset[int]:
        """Tickets changed, directly or through something of theirs (a note on them)."""
        return frozenset(
            c.ticket_id if c.ticket_id is not None else c.entity_id
            for c in self.changes
            if c.entity is Entity.TICKET or c.ticket_id is not None
        )

    @property
    def closed_ticket_ids(self) -> frozenset[int]:
        """Tickets that left the open queue in this change set (and were not reopened
        after)."""
        state: dict[int, bool] = {}
        for c in self.changes:
            if c.entity is Entity.TICKET:
                state[c.entity_id] = c.closed
        return frozenset(tid for tid, closed in state.items() if closed)

    @property
    def customer_ids(self) -> frozenset[int]:
        return frozenset(
            c.customer_id if c.customer_id is not None else c.entity_id
            for c in self.changes
            if c.entity is Entity.CUSTOMER or c.customer_id is not None
        )

    @property
    def notification_ids(self) -> frozenset[int]:
        return self.ids(Entity.NOTIFICATION)

    @property
    def criticism_ids(self) -> frozenset[int]:
        return self.ids(Entity.CRITICISM)

    @property
    def setup(self) -> frozenset[Entity]:
        """Kinds of setup record changed (technicians, policies, calendars, …)."""
        return frozenset(c.entity for c in self.changes if c.entity.is_setup)

    def kinds_for(self, ticket_id: int) -> tuple[str, ...]:
        """What happened to one ticket, in order (each kind once)."""
        seen: dict[str, None] = {}
        for c in self.changes:
            if c.entity is Entity.TICKET and c.entity_id == ticket_id:
                seen.setdefault(c.kind, None)
        return tuple(seen)

    @staticmethod
    def merge(sets: Iterable[ChangeSet]) -> ChangeSet:
        """One change set of several, in order; the last actor and instant stand."""
        changes: dict[Change, None] = {}
        actor, at, everything = "", None, False
        for one in sets:
            for change in one.changes:
                changes.pop(change, None)  # a repeated change counts where it last happened
                changes[change] = None
            if not one.empty:
                actor, at = one.actor or actor, one.at or at
            everything = everything or one.everything
        return ChangeSet(tuple(changes), actor, at, everything)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying a command did: the command as applied, the records it returned
    (``result``: the ticket, note, notification… the use case gives back), the tickets as
    they were before and after (for undo), and the change set. ``replayed``: this very
    command (same ``command_id``) had been applied before, so nothing was written again."""

    command: Command
    changes: ChangeSet
    result: object = None
    before: dict[int, Ticket] = field(default_factory=dict)
    after: dict[int, Ticket] = field(default_factory=dict)
    replayed: bool = False

    @property
    def versions(self) -> dict[int, int]:
        """Each changed ticket's version after the command."""
        return {tid: t.version for tid, t in self.after.items()}
