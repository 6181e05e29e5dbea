"""Escalation when an SLA clock breaches, as the ticket's policy says.

On a breach (:meth:`Escalation.breached`, connected to the monitor) one database job
(:func:`handle_breach`; the desk service reports what it changed, so the queue row follows):

1. puts the breach on the ticket's timeline with an audit row (a ``RecordBreach`` command).
   That event is also the "handled" mark: a breach whose event is on the timeline already
   is left alone, so a restart, a second desktop or a repeated signal never escalates twice;
2. raises the escalation level by one, up to the policy's highest level
   (``SlaPolicy.escalation``), optionally handing the ticket to that level's escalation
   owner, in one audited ``Escalate`` command whose timeline text says a customer
   update is due when the level asks for one ("keep the client in the loop");
3. answers with a :class:`BreachOutcome`; the service then notifies the dispatchers (an
   ``escalation`` notification) and the assignee (``customer_update`` notification).

Warnings need no store work: the notifier records them and :class:`DeskAudience` pops them
up on the assignee's desk (and the dispatchers').

The store job is plain Python over :class:`~desktop_app.store.Store`'s commands and reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.domain import (
    ConflictError,
    EscalationLevel,
    EventKind,
    Metric,
    Notification,
    Role,
    Technician,
    TicketEvent,
)
from desktop_app.domain.commands import Escalate, RecordBreach
from desktop_app.domain.queue import QueueEntry
from desktop_app.services.clock import Clock, SystemClock
from desktop_app.services.desk import DeskService
from desktop_app.services.notifier import Notifier
from desktop_app.sla.escalation import (
    CUSTOMER_UPDATE_DUE,
    SAME_BREACH,
    breach_escalation_text,
    level_for,
)
from desktop_app.sla.schedule import CatchUp, ScheduleEntry
from desktop_app.store import Store

log = logging.getLogger(__name__)

_RETRIES = 3


@dataclass(frozen=True, slots=True)
class BreachOutcome:
    """What :func:`handle_breach` did about one breach of one clock."""

    ticket_id: int
    number: str
    subject: str
    metric: Metric
    breached_at: datetime
    handled: bool  # True: handled now; False: see ``skipped``
    skipped: str = ""  # "already handled", "ticket closed"
    level_before: int = 0
    level_after: int = 0
    assignee_id: int | None = None  # after any reassignment
    assignee_name: str | None = None
    reassigned: bool = False
    dispatchers: tuple[Technician, ...] = field(default=())
    notify_dispatchers: bool = False
    customer_update_due: bool = False

    @property
    def raised(self) -> bool:
        return self.level_after > self.level_before


def _is_same_breach(event: TicketEvent, metric: Metric, at: datetime) -> bool:
    return (
        event.kind is EventKind.BREACHED
        and event.metric is metric
        and abs(event.at - at) <= SAME_BREACH
    )


def breach_recorded(events: Iterable[TicketEvent], metric: Metric, at: datetime) -> bool:
    """Whether the timeline already holds this breach (the persisted "handled" mark)."""
    return any(_is_same_breach(e, metric, at) for e in events)


def customer_update_due(events: Iterable[TicketEvent]) -> bool:
    """A breach escalation asked for a customer update and no reply or call followed it."""
    due = False
    for event in sorted(events, key=lambda e: e.at):
        if event.kind is EventKind.ESCALATED and CUSTOMER_UPDATE_DUE in event.text.lower():
            due = True
        elif event.kind.is_response:
            due = False
    return due


def handle_breach(
    store: Store, ticket_id: int, metric: Metric | str, at: datetime
) -> BreachOutcome:
    """The database job of one breach (see the module docstring). Idempotent."""
    metric = Metric(metric)
    detail = store.ticket_detail(ticket_id)
    ticket = detail.ticket

    def outcome(handled: bool, skipped: str = "", **values: object) -> BreachOutcome:
        return BreachOutcome(
            ticket_id=ticket_id,
            number=ticket.number,
            subject=ticket.subject,
            metric=metric,
            breached_at=at,
            handled=handled,
            skipped=skipped,
            level_before=ticket.escalation_level,
            level_after=ticket.escalation_level,
            assignee_id=ticket.assignee_id,
            assignee_name=detail.assignee.name if detail.assignee is not None else None,
            **values,  # type: ignore[arg-type]
        )

    if breach_recorded(ticket.events, metric, at):
        return outcome(False, "already handled")
    if not ticket.status.is_open:
        return outcome(False, "ticket closed")
    entry = store.queue_entry(ticket_id)
    levels: tuple[EscalationLevel, ...] = ()
    if entry is not None and entry.policy_name:
        levels = store.policy_book().policy(entry.policy_name).escalation
    # the handled mark comes first: at most once
    store.apply(RecordBreach(actor_id=None, at=at, ticket_id=ticket_id, metric=metric))

    team = store.technicians(active_only=True)
    by_id = {t.id: t for t in team}
    level_after = ticket.escalation_level
    assignee_id = ticket.assignee_id
    new_level, actions = level_for(levels, ticket.escalation_level)
    owner = actions.reassign_to_id
    if owner is not None and owner not in by_id:
        log.warning(
            "Escalation owner %s of level %s is not an active technician; %s stays with its "
            "assignee",
            owner,
            actions.level,
            ticket.number,
        )
        owner = None
    if new_level > ticket.escalation_level:
        version = ticket.version
        for attempt in range(_RETRIES):
            try:
                # The desk escalates, not a person: the store's system actor (None), as for
                # record_breach, so the audit row does not name whoever happened to be signed in.
                applied = store.apply(
                    Escalate(
                        actor_id=None,
                        at=store.now(),
                        ticket_id=ticket_id,
                        version=version,
                        level=new_level,
                        reassign_to_id=owner if owner != ticket.assignee_id else None,
                        text=breach_escalation_text(
                            metric, at, new_level, actions.customer_update_due
                        ),
                    )
                )
                escalated = applied.after[ticket_id]
            except ConflictError:
                # Someone changed the ticket meanwhile: escalate the version they left.
                current = store.ticket(ticket_id)
                if current.escalation_level >= new_level or attempt == _RETRIES - 1:
                    raise
                version = current.version
                continue
            level_after = escalated.escalation_level
            assignee_id = escalated.assignee_id
            break
    assignee = by_id.get(assignee_id) if assignee_id is not None else None
    dispatchers = tuple(t for t in team if t.role is Role.DISPATCHER)
    return BreachOutcome(
        ticket_id=ticket_id,
        number=ticket.number,
        subject=ticket.subject,
        metric=metric,
        breached_at=at,
        handled=True,
        level_before=ticket.escalation_level,
        level_after=level_after,
        assignee_id=assignee_id,
        assignee_name=assignee.name if assignee is not None else None,
        reassigned=assignee_id != ticket.assignee_id,
        dispatchers=dispatchers if actions.notify_dispatchers else (),
        notify_dispatchers=actions.notify_dispatchers,
        customer_update_due=actions.customer_update_due,
    )


# --------------------------------------------------------------------- who is told
class DeskAudience:
    """Who a notification is for, among the people who may sign in at this desk.

    A technician is told about their own tickets, about unassigned tickets of their
    customers (the customers they have open tickets for) and about escalations to them;
    dispatchers and managers about everything else too (escalations go to them).
    :meth:`told` says what this desk records in its person's list; calling it says what
    pops up (for a dispatcher, the people an escalation named: its dispatchers, and the
    assignee for the customer update it asks for).

    ``tickets`` lists the open tickets (for "their customers"); without it every
    unassigned ticket counts as theirs. Call :meth:`tickets_changed` when assignments may
    have changed.
    """

    def __init__(
        self,
        me: Callable[[], Technician | None],
        entry: Callable[[int], QueueEntry | None],
        tickets: Callable[[], Iterable[QueueEntry]] | None = None,
    ) -> None:
        self._me = me
        self._entry = entry
        self._tickets = tickets
        self._addressed: dict[tuple[int, str], frozenset[int]] = {}
        self._customers: tuple[int | None, frozenset[int]] | None = None  # (whose, which)

    def address(self, ticket_id: int, kind: str, technician_ids: Iterable[int | None]) -> None:
        """Name who a ticket's ``kind`` notifications are for (an escalation's people)."""
        self._addressed[(ticket_id, kind)] = frozenset(t for t in technician_ids if t is not None)

    def tickets_changed(self) -> None:
        """A ticket changed hands, arrived or closed: work "their customers" out again."""
        self._customers = None

    def customers_of(self, technician_id: int | None) -> frozenset[int] | None:
        """The customers a technician has open tickets for (None: cannot tell)."""
        if self._tickets is None:
            return None
        cached = self._customers
        if cached is None or cached[0] != technician_id:
            mine = frozenset(
                e.customer_id for e in self._tickets() if e.assignee_id == technician_id
            )
            cached = self._customers = (technician_id, mine)
        return cached[1]

    def told(self, notification: Notification) -> bool:
        """Whether the person signed in here hears of it at all (their list keeps it)."""
        me = self._me()
        if me is None or me.role is not Role.TECHNICIAN:
            return True  # dispatchers and managers oversee every ticket
        return self(notification)

    def __call__(self, notification: Notification) -> bool:
        me = self._me()
        if me is None or notification.ticket_id is None:
            return True  # nobody signed in yet, or a summary / desk-wide message
        addressed = self._addressed.get((notification.ticket_id, notification.kind))
        if addressed is not None:
            return me.id in addressed or (
                notification.kind == "escalation" and me.role is not Role.TECHNICIAN
            )
        if me.role is not Role.TECHNICIAN:
            return True
        entry = self._entry(notification.ticket_id)
        if entry is None:
            return notification.kind == "arrival"
        if entry.assignee_id is not None:
            return entry.assignee_id == me.id
        customers = self.customers_of(me.id)
        return customers is None or entry.customer_id in customers


# --------------------------------------------------------------------- the service
#: Caught-up breaches escalated per database job (see ``Escalation.caught_up``).
CATCH_UP_CHUNK = 50


class Escalation(QObject):
    """Handles breaches reported by the monitor; lives in the GUI thread.

    ``handled(BreachOutcome)`` follows every breach the desk looked at (also those handled
    before); ``failed(ticket_id, exception)`` when the store refused.
    """

    handled = Signal(object)
    failed = Signal(int, object)

    def __init__(
        self,
        service: DeskService,
        notifier: Notifier,
        *,
        audience: DeskAudience | None = None,
        clock: Clock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._notifier = notifier
        self._audience = audience
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._in_flight: set[tuple[int, Metric, datetime]] = set()
        self._backlog: list[ScheduleEntry] = []
        self._chunk_running = False

    @property
    def pending(self) -> int:
        """Breaches handed to the database and not answered yet, or waiting their turn."""
        return len(self._in_flight) + len(self._backlog)

    def connect_monitor(self, monitor: QObject) -> None:
        monitor.breached.connect(self.breached)  # type: ignore[attr-defined]
        monitor.caught_up.connect(self.caught_up)  # type: ignore[attr-defined]

    @Slot(int, str, object)
    def breached(self, ticket_id: int, metric: str, at: datetime) -> None:
        self._handle(ticket_id, Metric(metric), at, pop_up=True)

    @Slot(object)
    def caught_up(self, report: CatchUp) -> None:
        """Breaches in a catch-up are escalated too, each once, but in chunks of
        :data:`CATCH_UP_CHUNK`, one database job after the other: a backlog of thousands
        never keeps the technician's own actions waiting for more than one chunk. The
        summary told the technician; escalations of a catch-up are recorded on the
        tickets (timeline, audit) without a notification each."""
        queued = {(e.ticket_id, e.metric, e.at) for e in self._backlog}
        for entry in report.breaches:
            key = (entry.ticket_id, entry.metric, entry.at)
            if key not in self._in_flight and key not in queued:
                self._backlog.append(entry)
                queued.add(key)
        if not self._chunk_running:
            self._next_chunk()

    @property
    def backlog(self) -> int:
        """Caught-up breaches not handed to the database yet."""
        return len(self._backlog)

    def _next_chunk(self) -> None:
        if not self._backlog or not self._service.is_running:
            self._chunk_running = False
            return
        chunk = self._backlog[:CATCH_UP_CHUNK]
        del self._backlog[:CATCH_UP_CHUNK]
        items = [(e.ticket_id, e.metric, e.at) for e in chunk]
        self._in_flight.update(items)
        self._chunk_running = True

        def job(store: Store) -> list[BreachOutcome]:
            outcomes = []
            for ticket_id, metric, at in items:
                try:
                    outcomes.append(handle_breach(store, ticket_id, metric, at))
                except Exception as exc:  # one refused ticket must not stop the rest
                    log.warning("Escalating the breach of ticket %s failed: %s", ticket_id, exc)
            return outcomes

        def done(outcomes: list[BreachOutcome]) -> None:
            self._in_flight.difference_update(items)
            for outcome in outcomes:
                self.handled.emit(outcome)
            self._next_chunk()

        def failed(exc: BaseException) -> None:
            self._in_flight.difference_update(items)
            log.warning("Escalating %d caught-up breaches failed: %s", len(items), exc)
            self._next_chunk()

        self._service.submit(job, done, failed, label="Escalating breaches from while away")

    def _handle(self, ticket_id: int, metric: Metric, at: datetime, *, pop_up: bool) -> None:
        key = (ticket_id, metric, at)
        if key in self._in_flight:
            return
        if not self._service.is_running:
            return  # the desk is closing; the next start handles it (nothing was recorded)
        self._in_flight.add(key)

        def done(result: BreachOutcome) -> None:
            self._in_flight.discard(key)
            self._announce(result, pop_up=pop_up)
            self.handled.emit(result)

        def failed(exc: BaseException) -> None:
            self._in_flight.discard(key)
            log.warning("Escalating the breach of ticket %s failed: %s", ticket_id, exc)
            self.failed.emit(ticket_id, exc)

        self._service.submit(
            lambda store: handle_breach(store, ticket_id, metric, at),
            done,
            failed,
            label=f"Escalating the {metric.label} breach of ticket {ticket_id}",
        )

    def _announce(self, outcome: BreachOutcome, *, pop_up: bool) -> None:
        if not outcome.handled:
            return
        now = self._clock.now()
        once = f"{outcome.metric.value}@{outcome.breached_at.isoformat()}"
        names = ", ".join(t.name for t in outcome.dispatchers)
        parts = [
            f"{outcome.metric.label.capitalize()} SLA breached at "
            f"{self._notifier.local_time(outcome.breached_at)}"
        ]
        if outcome.raised:
            parts.append(f"escalation level {outcome.level_before} → {outcome.level_after}")
        if outcome.reassigned and outcome.assignee_name:
            parts.append(f"handed to {outcome.assignee_name}")
        if names:
            parts.append(f"dispatchers: {names}")
        title = (
            f"Escalated to level {outcome.level_after}: {outcome.number}"
            if outcome.raised
            else f"SLA breached again: {outcome.number}"
        )
        if self._audience is not None:
            self._audience.address(
                outcome.ticket_id,
                "escalation",
                [*(t.id for t in outcome.dispatchers), outcome.assignee_id],
            )
        self._notifier.announce(
            Notification(
                created_at=now,
                kind="escalation",
                title=title,
                body="; ".join(parts),
                ticket_id=outcome.ticket_id,
                metric=outcome.metric,
            ),
            once=once,
            pop_up=pop_up,
        )
        if outcome.customer_update_due:
            if self._audience is not None:
                self._audience.address(outcome.ticket_id, "customer_update", [outcome.assignee_id])
            self._notifier.announce(
                Notification(
                    created_at=now,
                    kind="customer_update",
                    title=f"Customer update due: {outcome.number}",
                    body=(
                        f"{outcome.metric.label.capitalize()} SLA breached: keep the client "
                        f"in the loop about “{outcome.subject}”"
                    ),
                    ticket_id=outcome.ticket_id,
                    metric=outcome.metric,
                ),
                once=once,
                pop_up=pop_up,
            )


__all__ = [
    "CUSTOMER_UPDATE_DUE",
    "BreachOutcome",
    "DeskAudience",
    "Escalation",
    "breach_recorded",
    "customer_update_due",
    "handle_breach",
    "level_for",
]
