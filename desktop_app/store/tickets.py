"""Ticket commands: open a ticket, the conversation, waits, resolutions, priority and
category, escalation and recorded breaches.

Each handler runs inside a :class:`~desktop_app.store.uow.UnitOfWork` (one transaction),
checks what the command asks against the ticket as it is now, writes the events at the
command's own instant, recomputes the clocks and says what changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from desktop_app.domain import (
    EventKind,
    Metric,
    NotFoundError,
    PermissionDeniedError,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
    ValidationError,
)
from desktop_app.domain.commands import (
    AddEvent,
    ChangeCategory,
    ChangePriority,
    CreateTicket,
    Escalate,
    RecordBreach,
    Reopen,
    Resolve,
    Resume,
    WaitOnCustomer,
)
from desktop_app.domain.permissions import assignment_refusal
from desktop_app.store import convert
from desktop_app.store.recompute import add_events, add_events_and_recompute
from desktop_app.store.schema import ContactRow, CustomerRow, SiteRow, TechnicianRow, TicketRow
from desktop_app.store.types import require_aware
from desktop_app.store.uow import SYSTEM_ACTOR, UnitOfWork, ticket_missing

__all__ = [
    "FUTURE_TOLERANCE",
    "add_event",
    "change_category",
    "change_priority",
    "clean_category",
    "create_ticket",
    "escalate",
    "record_breach",
    "reopen",
    "resolve",
    "resume",
    "wait_on_customer",
]

# How far ahead of the database's clock a command's instant may be (clocks of two machines
# never agree exactly); anything later is refused, not stored in the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def clean_category(category: str) -> str:
    category = category.strip().lower()
    if not category:
        raise ValidationError("A ticket needs a category (e.g. 'outage', 'request').", "category")
    return category


def _priority(value: Priority | str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        names = ", ".join(p.value for p in Priority)
        raise ValidationError(
            f"Unknown priority {value!r}; use one of {names}.", "priority"
        ) from None


def _require_open(row: TicketRow, what: str) -> None:
    if not TicketStatus(row.status).is_open:
        raise ValidationError(
            f"Ticket {row.number} is {row.status}; reopen it first to {what}.", "status"
        )


def _instant(uow: UnitOfWork, at: datetime, row: TicketRow | None, what: str) -> datetime:
    """The command's instant, checked: not in the future, not before the ticket."""
    at = require_aware(at, what)
    if at > uow.now + FUTURE_TOLERANCE:
        raise ValidationError(
            f"The {what} {at.isoformat(timespec='minutes')} is in the future (the desk's "
            f"clock says {uow.now.isoformat(timespec='minutes')}); check the computer's "
            "clock and date.",
            "at",
        )
    if row is not None and at < row.created_at:
        raise ValidationError(
            f"The {what} {at.isoformat(timespec='minutes')} is before ticket {row.number} "
            f"was opened ({row.created_at.isoformat(timespec='minutes')}).",
            "at",
        )
    return at


def _recompute(uow: UnitOfWork, row: TicketRow, events: list[TicketEvent], **kw: bool) -> None:
    add_events_and_recompute(uow.session, uow.store.clock_engine(), row, events, uow.now, **kw)


# --------------------------------------------------------------------------- open


def create_ticket(uow: UnitOfWork, cmd: CreateTicket) -> Ticket:
    """Open a ticket; its number is ``TQ-`` and its id, zero-padded."""
    subject = cmd.subject.strip()
    category = clean_category(cmd.category)
    priority = _priority(cmd.priority)
    session = uow.session
    created = _instant(uow, cmd.at, None, "time the ticket came in")
    customer = session.get(CustomerRow, cmd.customer_id)
    if customer is None:
        raise NotFoundError(f"No customer has id {cmd.customer_id}; reload the customers.")
    if cmd.site_id is not None:
        site = session.get(SiteRow, cmd.site_id)
        if site is None or site.customer_id != cmd.customer_id:
            raise ValidationError(
                f"Site {cmd.site_id} does not belong to {customer.name}; pick one of its sites.",
                "site_id",
            )
    if cmd.contact_id is not None:
        contact = session.get(ContactRow, cmd.contact_id)
        if contact is None or contact.customer_id != cmd.customer_id:
            raise ValidationError(
                f"Contact {cmd.contact_id} does not belong to {customer.name}; pick one of "
                "its contacts.",
                "contact_id",
            )
    if cmd.assignee_id is not None:
        target = convert.technician_from_row(uow.technician(cmd.assignee_id))
        refusal = assignment_refusal(uow.actor_record, None, target, ticket="a new ticket")
        if refusal is not None:
            raise PermissionDeniedError(str(refusal))
    row = TicketRow(
        number=f"new-{uuid.uuid4().hex[:24]}",  # renumbered from the id below
        customer_id=cmd.customer_id,
        site_id=cmd.site_id,
        contact_id=cmd.contact_id,
        subject=subject,
        description=cmd.description,
        category=category,
        priority=priority.value,
        status=TicketStatus.NEW.value,
        assignee_id=cmd.assignee_id,
        escalation_level=0,
        created_at=created,
        resolved_at=None,
        version=1,
        updated_at=uow.now,
        updated_by=uow.actor_name,
        channel=cmd.channel,
    )
    session.add(row)
    session.flush()
    row.number = _free_number(uow, row.id)
    events = [
        TicketEvent(
            EventKind.CREATED,
            created,
            author=uow.actor_name,
            text=f"via {cmd.channel}" if cmd.channel else "",
            priority=priority,
            category=category,
        )
    ]
    if cmd.assignee_id is not None:
        events.append(
            TicketEvent(EventKind.ASSIGNED, created, uow.actor_name, assignee_id=cmd.assignee_id)
        )
    _recompute(uow, row, events, new_ticket=True)
    uow.record("ticket", row.id, None, convert.ticket_audit_view(row))
    return uow.ticket_changed(row)


def _free_number(uow: UnitOfWork, ticket_id: int) -> str:
    base = f"TQ-{ticket_id:06d}"
    number, n = base, 1
    while uow.session.scalar(select(TicketRow.id).where(TicketRow.number == number)):
        n += 1
        number = f"{base}-{n}"
    return number


# --------------------------------------------------------------------------- conversation


def add_event(uow: UnitOfWork, cmd: AddEvent) -> Ticket:
    """Record a customer message, public reply, phone call or internal note.

    A reply or call moves a new ticket to open; a customer message ends a wait on the
    customer (the customer has answered)."""
    kind = EventKind(cmd.kind)
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the entry")
    if kind.is_response and not TicketStatus(row.status).is_open:
        raise ValidationError(
            f"Ticket {row.number} is {row.status}; reopen it before replying.", "status"
        )
    if (
        kind is EventKind.CUSTOMER_MESSAGE and row.status == TicketStatus.WAITING_ON_CUSTOMER.value
    ) or (kind.is_response and row.status == TicketStatus.NEW.value):
        row.status = TicketStatus.OPEN.value
    events = [TicketEvent(kind, when, uow.actor_name, cmd.text)]
    if kind is EventKind.INTERNAL_NOTE:  # a note moves no clock
        add_events(uow.session, row.id, events)
    else:
        _recompute(uow, row, events)
    return uow.finish_ticket(row, {"event": kind.value, "text": cmd.text[:200]})


# --------------------------------------------------------------------------- state


def wait_on_customer(uow: UnitOfWork, cmd: WaitOnCustomer) -> Ticket:
    """Pause the resolution clock until the customer answers (or :func:`resume`)."""
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the wait")
    _require_open(row, "wait on the customer")
    if row.status == TicketStatus.WAITING_ON_CUSTOMER.value:
        raise ValidationError(f"Ticket {row.number} is already waiting on the customer.")
    row.status = TicketStatus.WAITING_ON_CUSTOMER.value
    _recompute(
        uow, row, [TicketEvent(EventKind.WAITING_ON_CUSTOMER, when, uow.actor_name, cmd.text)]
    )
    return uow.finish_ticket(row)


def resume(uow: UnitOfWork, cmd: Resume) -> Ticket:
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the resume")
    if row.status != TicketStatus.WAITING_ON_CUSTOMER.value:
        raise ValidationError(
            f"Ticket {row.number} is not waiting on the customer ({row.status}).", "status"
        )
    row.status = TicketStatus.OPEN.value
    _recompute(uow, row, [TicketEvent(EventKind.WAITING_OFF, when, uow.actor_name, cmd.text)])
    return uow.finish_ticket(row)


def resolve(uow: UnitOfWork, cmd: Resolve) -> Ticket:
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the resolution")
    _require_open(row, "resolve it")
    row.status = TicketStatus.RESOLVED.value
    row.resolved_at = when
    _recompute(uow, row, [TicketEvent(EventKind.RESOLVED, when, uow.actor_name, cmd.text)])
    return uow.finish_ticket(row)


def reopen(uow: UnitOfWork, cmd: Reopen) -> Ticket:
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the reopening")
    if TicketStatus(row.status).is_open:
        raise ValidationError(f"Ticket {row.number} is still open ({row.status}).")
    row.status = TicketStatus.OPEN.value
    row.resolved_at = None
    _recompute(uow, row, [TicketEvent(EventKind.REOPENED, when, uow.actor_name, cmd.text)])
    return uow.finish_ticket(row)


def change_priority(uow: UnitOfWork, cmd: ChangePriority) -> Ticket:
    priority = _priority(cmd.priority)
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the change")
    if row.priority == priority.value:
        raise ValidationError(
            f"Ticket {row.number} already has priority {priority.label}.", "priority"
        )
    row.priority = priority.value
    _recompute(
        uow,
        row,
        [TicketEvent(EventKind.PRIORITY_CHANGED, when, uow.actor_name, priority=priority)],
    )
    return uow.finish_ticket(row)


def change_category(uow: UnitOfWork, cmd: ChangeCategory) -> Ticket:
    category = clean_category(cmd.category)
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the change")
    if row.category == category:
        raise ValidationError(
            f"Ticket {row.number} is already in category {category!r}.", "category"
        )
    row.category = category
    _recompute(
        uow,
        row,
        [TicketEvent(EventKind.CATEGORY_CHANGED, when, uow.actor_name, category=category)],
    )
    return uow.finish_ticket(row)


def escalate(uow: UnitOfWork, cmd: Escalate) -> Ticket:
    """Raise the escalation level (by one unless ``cmd.level``), optionally handing the
    ticket to someone more senior in the same step."""
    row = uow.lock_ticket(cmd.ticket_id, cmd.version)
    when = _instant(uow, cmd.at, row, "time of the escalation")
    _require_open(row, "escalate it")
    new_level = row.escalation_level + 1 if cmd.level is None else cmd.level
    if new_level <= row.escalation_level:
        raise ValidationError(
            f"Ticket {row.number} is at escalation level {row.escalation_level}; an "
            f"escalation must raise it (asked for {new_level}).",
            "level",
        )
    row.escalation_level = new_level
    events = [TicketEvent(EventKind.ESCALATED, when, uow.actor_name, cmd.text, level=new_level)]
    if cmd.reassign_to_id is not None and cmd.reassign_to_id != row.assignee_id:
        senior = uow.technician(cmd.reassign_to_id)
        current = uow.session.get(TechnicianRow, row.assignee_id) if row.assignee_id else None
        refusal = assignment_refusal(
            uow.actor_record,
            row.assignee_id,
            convert.technician_from_row(senior),
            ticket=row.number,
            current_name=current.name if current is not None else None,
            handover=True,
        )
        if refusal is not None:
            raise PermissionDeniedError(str(refusal))
        row.assignee_id = cmd.reassign_to_id
        events.append(
            TicketEvent(
                EventKind.ASSIGNED, when, uow.actor_name, senior.name, assignee_id=senior.id
            )
        )
    add_events(uow.session, row.id, events)
    return uow.finish_ticket(row)


def record_breach(uow: UnitOfWork, cmd: RecordBreach) -> None:
    """Put a breach on the ticket's timeline (the monitor's finding; no version check,
    no version bump: it changes nothing a technician edits)."""
    row = uow.session.get(TicketRow, cmd.ticket_id)
    if row is None:
        raise ticket_missing(cmd.ticket_id)
    metric = Metric(cmd.metric)
    add_events(
        uow.session,
        cmd.ticket_id,
        [TicketEvent(EventKind.BREACHED, require_aware(cmd.at), SYSTEM_ACTOR, metric=metric)],
    )
    uow.record("ticket", cmd.ticket_id, None, {"breached": metric.value})
    uow.changed_tickets([(row.id, row.customer_id)], "record_breach")
