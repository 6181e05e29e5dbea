"""Short forms of the desk's commands for tests: each builds one command at the store's
current instant (or ``at``), applies it through :meth:`Store.apply` and returns what the
use case gives back (the ticket, the note, …). The one write path is the store's; these
only save the tests from spelling out ``actor_id``, ``at`` and ``command_id`` each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from desktop_app.domain import (
    CriticismNote,
    EventKind,
    Metric,
    Notification,
    Priority,
    Technician,
    Ticket,
)
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import (
    AddCriticism,
    AddEvent,
    AddNotification,
    AddTechnician,
    ChangeCategory,
    ChangePriority,
    Command,
    CreateTicket,
    EditCriticism,
    Escalate,
    MarkNotificationsRead,
    Move,
    Reassign,
    RecordBreach,
    Reopen,
    Resolve,
    ResolveCriticism,
    Resume,
    WaitOnCustomer,
)
from desktop_app.store import Store
from desktop_app.store.assignments import Reassignment

__all__ = [
    "add_criticism",
    "add_event",
    "add_notification",
    "add_technician",
    "apply",
    "assign",
    "assign_tickets",
    "change_category",
    "change_priority",
    "create_ticket",
    "edit_criticism",
    "escalate",
    "mark_notifications_read",
    "reassign",
    "record_breach",
    "reopen",
    "resolve",
    "resolve_criticism",
    "restore_assignees",
    "resume",
    "wait_on_customer",
]


def apply(store: Store, command: Command) -> Outcome:
    return store.apply(command)


def _at(store: Store, at: datetime | None) -> datetime:
    return at if at is not None else store.now()


def _ticket(outcome: Outcome) -> Ticket:
    result = outcome.result
    assert isinstance(result, Ticket), result
    return result


def create_ticket(
    store: Store,
    actor_id: int | None,
    *,
    customer_id: int,
    subject: str,
    category: str,
    priority: Priority | str,
    site_id: int | None = None,
    contact_id: int | None = None,
    description: str = "",
    assignee_id: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    command = CreateTicket(
        actor_id=actor_id,
        at=_at(store, at),
        customer_id=customer_id,
        subject=subject,
        category=category,
        priority=priority,  # type: ignore[arg-type]
        site_id=site_id,
        contact_id=contact_id,
        description=description,
        assignee_id=assignee_id,
    )
    return _ticket(store.apply(command))


def add_event(
    store: Store,
    actor_id: int | None,
    ticket_id: int,
    version: int,
    kind: EventKind,
    text: str = "",
    *,
    at: datetime | None = None,
) -> Ticket:
    command = AddEvent(
        actor_id=actor_id,
        at=_at(store, at),
        ticket_id=ticket_id,
        version=version,
        kind=EventKind(kind),
        text=text,
    )
    return _ticket(store.apply(command))


def _simple(
    kind: type[Command], store: Store, actor_id: int | None, ticket_id: int, version: int, **kw: Any
) -> Ticket:
    at = kw.pop("at", None)
    command = kind(actor_id=actor_id, at=_at(store, at), ticket_id=ticket_id, version=version, **kw)
    return _ticket(store.apply(command))


def wait_on_customer(
    store: Store, actor_id: int | None, ticket_id: int, version: int, text: str = "", **kw: Any
) -> Ticket:
    return _simple(WaitOnCustomer, store, actor_id, ticket_id, version, text=text, **kw)


def resume(
    store: Store, actor_id: int | None, ticket_id: int, version: int, text: str = "", **kw: Any
) -> Ticket:
    return _simple(Resume, store, actor_id, ticket_id, version, text=text, **kw)


def resolve(
    store: Store, actor_id: int | None, ticket_id: int, version: int, text: str = "", **kw: Any
) -> Ticket:
    return _simple(Resolve, store, actor_id, ticket_id, version, text=text, **kw)


def reopen(
    store: Store, actor_id: int | None, ticket_id: int, version: int, text: str = "", **kw: Any
) -> Ticket:
    return _simple(Reopen, store, actor_id, ticket_id, version, text=text, **kw)


def change_priority(
    store: Store, actor_id: int | None, ticket_id: int, version: int, priority: Priority | str
) -> Ticket:
    return _simple(ChangePriority, store, actor_id, ticket_id, version, priority=priority)


def change_category(
    store: Store, actor_id: int | None, ticket_id: int, version: int, category: str
) -> Ticket:
    return _simple(ChangeCategory, store, actor_id, ticket_id, version, category=category)


def escalate(
    store: Store,
    actor_id: int | None,
    ticket_id: int,
    version: int,
    *,
    level: int | None = None,
    reassign_to_id: int | None = None,
    text: str = "",
) -> Ticket:
    return _simple(
        Escalate,
        store,
        actor_id,
        ticket_id,
        version,
        level=level,
        reassign_to_id=reassign_to_id,
        text=text,
    )


def assign(
    store: Store,
    actor_id: int | None,
    tickets: Mapping[int, int] | Sequence[tuple[int, int]],
    assignee_id: int | None,
) -> list[Ticket]:
    """Tickets (``{id: version}``) to one assignee; the tickets it moved, as they are now."""
    pairs = dict(tickets.items() if isinstance(tickets, Mapping) else tickets)
    outcome = store.apply(Reassign.to(pairs, assignee_id, actor_id=actor_id, at=store.now()))
    return [outcome.after[tid] for tid in pairs if tid in outcome.after]


def reassign(store: Store, actor_id: int | None, moves: Iterable[Move]) -> Outcome:
    return store.apply(Reassign(actor_id=actor_id, at=store.now(), moves=tuple(moves)))


def assign_tickets(
    store: Store, actor_id: int | None, tickets: Mapping[int, int], assignee_id: int | None
) -> Reassignment:
    """The board's drop: tickets (``{id: version}``) to one assignee, in one command."""
    command = Reassign.to(dict(tickets), assignee_id, actor_id=actor_id, at=store.now())
    result = store.apply(command).result
    assert isinstance(result, Reassignment)
    return result


def restore_assignees(
    store: Store, actor_id: int | None, tickets: Mapping[int, tuple[int, int | None]]
) -> Reassignment:
    """Each ticket (``{id: (version, assignee)}``) to its own assignee: an undone drop."""
    moves = tuple(Move(t, v, a) for t, (v, a) in tickets.items())
    result = store.apply(Reassign(actor_id=actor_id, at=store.now(), moves=moves)).result
    assert isinstance(result, Reassignment)
    return result


def record_breach(store: Store, ticket_id: int, metric: Metric, breached_at: datetime) -> None:
    store.apply(RecordBreach(actor_id=None, at=breached_at, ticket_id=ticket_id, metric=metric))


def add_criticism(store: Store, actor_id: int | None, note: CriticismNote) -> CriticismNote:
    result = store.apply(AddCriticism(actor_id=actor_id, at=store.now(), note=note)).result
    assert isinstance(result, CriticismNote)
    return result


def edit_criticism(store: Store, actor_id: int | None, note: CriticismNote) -> CriticismNote:
    result = store.apply(EditCriticism(actor_id=actor_id, at=store.now(), note=note)).result
    assert isinstance(result, CriticismNote)
    return result


def resolve_criticism(
    store: Store, actor_id: int | None, note_id: int, at: datetime | None = None
) -> CriticismNote:
    command = ResolveCriticism(actor_id=actor_id, at=_at(store, at), note_id=note_id)
    result = store.apply(command).result
    assert isinstance(result, CriticismNote)
    return result


def add_notification(store: Store, notification: Notification) -> Notification:
    command = AddNotification(actor_id=None, at=store.now(), notification=notification)
    result = store.apply(command).result
    assert isinstance(result, Notification)
    return result


def mark_notifications_read(
    store: Store, actor_id: int | None, notification_ids: Iterable[int]
) -> int:
    command = MarkNotificationsRead(
        actor_id=actor_id, at=store.now(), notification_ids=tuple(notification_ids)
    )
    result = store.apply(command).result
    assert isinstance(result, int)
    return result


def add_technician(store: Store, actor_id: int | None, technician: Technician) -> Technician:
    result = store.apply(AddTechnician(actor_id=actor_id, at=store.now(), technician=technician))
    assert isinstance(result.result, Technician)
    return result.result
