"""What a ticket's clocks run by, and what they would become under another priority or
category: the ticket pane's "rule that chose it" and the deadline preview a technician sees
before confirming a change.

Built only on the :class:`~desktop_app.store.Store`'s public API (``ticket``,
``customer_context``, ``clock_engine``) and the SLA engine's ``compute_clocks``; the
choice of contract and site is the store's own (the contract in force on the day the
ticket was opened at its site, else the newest; the ticket's site, else the customer's
first site).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from desktop_app.domain import (
    Contract,
    EventKind,
    Metric,
    Priority,
    Site,
    Ticket,
    TicketEvent,
    ValidationError,
)
from desktop_app.domain.queue import CustomerContext
from desktop_app.sla import AppliedPolicy, Clock, compute_clocks
from desktop_app.sla.policy import contract_rank, opened_on
from desktop_app.store.clocking import ClockInputs
from desktop_app.store.repository import Store

__all__ = [
    "DeadlinePreview",
    "NewTicketPreview",
    "TicketTerms",
    "contract_in_force",
    "known_categories",
    "preview_category",
    "preview_new_ticket",
    "preview_priority",
    "ticket_site",
    "ticket_terms",
]


def contract_in_force(contracts: Sequence[Contract], on: date) -> Contract | None:
    """The contract in force ``on`` (the latest-starting one), else the latest of all."""
    return max(
        contracts,
        key=lambda c: contract_rank(c.starts_on, c.ends_on, c.id or 0, on),
        default=None,
    )


def ticket_site(ticket: Ticket, sites: Sequence[Site]) -> Site | None:
    """The ticket's site, else the customer's first site (the one the clocks run in)."""
    if ticket.site_id is not None:
        for site in sites:
            if site.id == ticket.site_id:
                return site
    with_ids = [s for s in sites if s.id is not None]
    return min(with_ids, key=lambda s: s.id or 0) if with_ids else None


@dataclass(frozen=True, slots=True)
class TicketTerms:
    """The policy a ticket's clocks run by, or why none applies (``problem``)."""

    inputs: ClockInputs
    site: Site | None
    applied: AppliedPolicy | None
    problem: str | None = None

    def explain(self, metric: Metric | None = None) -> str:
        if self.applied is None:
            return self.problem or "No SLA policy applies."
        return self.applied.explain(metric)


def _inputs(
    store: Store, ticket: Ticket, context: CustomerContext
) -> tuple[ClockInputs, Site | None]:
    site = ticket_site(ticket, context.sites)
    zone = site.timezone if site is not None else "UTC"
    contract = contract_in_force(context.contracts, opened_on(ticket.created_at, zone))
    return (
        ClockInputs(
            priority=ticket.priority,
            category=ticket.category,
            tier=context.customer.tier,
            contract_policy=contract.policy if contract is not None else None,
            site_zone=zone,
            site_calendar=site.calendar if site is not None else None,
        ),
        site,
    )


def ticket_terms(
    store: Store,
    ticket: Ticket,
    context: CustomerContext,
    *,
    priority: Priority | None = None,
    category: str | None = None,
) -> TicketTerms:
    """The terms of ``ticket`` (or of the ticket with another priority or category)."""
    inputs, site = _inputs(store, ticket, context)
    if priority is not None:
        inputs = replace(inputs, priority=priority)
    if category is not None:
        inputs = replace(inputs, category=category)
    try:
        applied = store.clock_engine().book.apply(
            inputs.priority,
            inputs.category,
            inputs.tier,
            inputs.contract_policy,
            inputs.site_zone,
            inputs.site_calendar,
        )
    except ValidationError as exc:
        return TicketTerms(inputs, site, None, str(exc))
    return TicketTerms(inputs, site, applied)


@dataclass(frozen=True, slots=True)
class DeadlinePreview:
    """A ticket's clocks now and as they would be after the change, both as of ``at``."""

    ticket_id: int
    number: str
    version: int
    change: str  # "priority P2 high" or "category 'outage'"
    before: Mapping[Metric, Clock]
    after: Mapping[Metric, Clock]
    before_terms: TicketTerms
    after_terms: TicketTerms
    at: datetime

    def moved(self, metric: Metric) -> float | None:
        """Seconds the deadline of ``metric`` moves (negative: earlier); None if either
        side has no deadline."""
        old, new = self.before.get(metric), self.after.get(metric)
        if old is None or new is None or old.due_at is None or new.due_at is None:
            return None
        return (new.due_at - old.due_at).total_seconds()


def _preview(
    store: Store,
    ticket_id: int,
    now: datetime | None,
    *,
    priority: Priority | None = None,
    category: str | None = None,
) -> DeadlinePreview:
    at = now if now is not None else store.now()
    ticket = store.ticket(ticket_id)
    context = store.customer_context(ticket.customer_id, at)
    before_terms = ticket_terms(store, ticket, context)
    after_terms = ticket_terms(store, ticket, context, priority=priority, category=category)
    if after_terms.applied is None:
        raise ValidationError(
            after_terms.problem or "No SLA policy applies after this change.",
            "category" if category is not None else "priority",
        )
    if priority is not None:
        change = f"priority {priority.label}"
        event = TicketEvent(EventKind.PRIORITY_CHANGED, at, priority=priority)
    else:
        change = f"category '{category}'"
        event = TicketEvent(EventKind.CATEGORY_CHANGED, at, category=category)
    events = (*ticket.events, event)
    engine = store.clock_engine()
    before = (
        compute_clocks(
            ticket.events,
            before_terms.applied.terms,
            at,
            terms_for=engine.resolver(before_terms.inputs),
        )
        if before_terms.applied is not None
        else {}
    )
    after = compute_clocks(
        events, after_terms.applied.terms, at, terms_for=engine.resolver(after_terms.inputs)
    )
    return DeadlinePreview(
        ticket_id=ticket_id,
        number=ticket.number,
        version=ticket.version,
        change=change,
        before=before,
        after=after,
        before_terms=before_terms,
        after_terms=after_terms,
        at=at,
    )


def preview_priority(
    store: Store, ticket_id: int, priority: Priority, now: datetime | None = None
) -> DeadlinePreview:
    """The ticket's deadlines if its priority became ``priority`` now."""
    priority = Priority(priority)
    ticket = store.ticket(ticket_id)
    if ticket.priority is priority:
        raise ValidationError(
            f"Ticket {ticket.number} already has priority {priority.label}; pick another.",
            "priority",
        )
    return _preview(store, ticket_id, now, priority=priority)


def preview_category(
    store: Store, ticket_id: int, category: str, now: datetime | None = None
) -> DeadlinePreview:
    """The ticket's deadlines if its category became ``category`` now.

    A category the desk does not know (no policy names it, no ticket uses it) is refused:
    it is almost always a typing error, and it would silently fall back to another rule.
    """
    cleaned = category.strip().lower()
    if not cleaned:
        raise ValidationError("Give a category (e.g. 'outage', 'software').", "category")
    known = known_categories(store)
    if cleaned not in known:
        raise ValidationError(
            f"No SLA policy or ticket knows the category '{cleaned}'; pick one of "
            f"{', '.join(known)}.",
            "category",
        )
    ticket = store.ticket(ticket_id)
    if ticket.category == cleaned:
        raise ValidationError(
            f"Ticket {ticket.number} is already in category '{cleaned}'; pick another.",
            "category",
        )
    return _preview(store, ticket_id, now, category=cleaned)


def known_categories(store: Store) -> list[str]:
    """Categories named by a policy or used by any ticket, sorted."""
    from desktop_app.store.schema import TicketRow  # one read-only distinct query

    names = {p.category.strip().lower() for p in store.clock_engine().policies if p.category}
    with store.reading() as session:
        names.update(
            str(c).strip().lower()
            for c in session.scalars(select(TicketRow.category).distinct())
            if c
        )
    return sorted(names)


@dataclass(frozen=True, slots=True)
class NewTicketPreview:
    """The clocks a ticket not yet logged would get, as of ``at``: what the new-ticket
    dialog shows before it is saved (``terms.problem`` says why none, if none)."""

    customer_id: int
    received_at: datetime
    at: datetime
    terms: TicketTerms
    clocks: Mapping[Metric, Clock]


def preview_new_ticket(  # noqa: PLR0917 - the ticket's own facts, as the dialog has them
    store: Store,
    customer_id: int,
    site_id: int | None,
    priority: Priority,
    category: str,
    received_at: datetime,
    now: datetime | None = None,
) -> NewTicketPreview:
    """The deadlines a new ticket of ``customer_id`` would get (nothing is written): the
    contract in force on the day it came in, its site's (else the customer's first site's)
    zone and calendar, the policy its priority and category select."""
    from desktop_app.store import convert
    from desktop_app.store.schema import ContractRow, CustomerRow, SiteRow

    at = now if now is not None else store.now()
    priority = Priority(priority)
    category = category.strip().lower()
    with store.reading() as session:
        customer_row = session.get(CustomerRow, customer_id)
        if customer_row is None:
            raise ValidationError(
                f"No customer has id {customer_id}; pick the customer again.", "customer"
            )
        tier = convert.customer_from_row(customer_row).tier
        sites = [
            convert.site_from_row(r)
            for r in session.scalars(select(SiteRow).where(SiteRow.customer_id == customer_id))
        ]
        contracts = [
            convert.contract_from_row(r)
            for r in session.scalars(
                select(ContractRow).where(ContractRow.customer_id == customer_id)
            )
        ]
    if site_id is not None and all(s.id != site_id for s in sites):
        raise ValidationError("That site is not one of the customer's; pick one of theirs.", "site")
    ticket = Ticket(
        number="(new)",
        customer_id=customer_id,
        subject="",
        category=category,
        priority=priority,
        created_at=received_at,
        site_id=site_id,
    )
    site = ticket_site(ticket, sites)
    contract = contract_in_force(contracts, received_at.date())
    inputs = ClockInputs(
        priority=priority,
        category=category,
        tier=tier,
        contract_policy=contract.policy if contract is not None else None,
        site_zone=site.timezone if site is not None else "UTC",
        site_calendar=site.calendar if site is not None else None,
    )
    engine = store.clock_engine()
    try:
        applied = engine.book.apply(
            inputs.priority,
            inputs.category,
            inputs.tier,
            inputs.contract_policy,
            inputs.site_zone,
            inputs.site_calendar,
        )
    except ValidationError as exc:
        return NewTicketPreview(
            customer_id, received_at, at, TicketTerms(inputs, site, None, str(exc)), {}
        )
    created = TicketEvent(EventKind.CREATED, received_at, priority=priority, category=category)
    clocks = compute_clocks((created,), applied.terms, at, terms_for=engine.resolver(inputs))
    return NewTicketPreview(
        customer_id, received_at, at, TicketTerms(inputs, site, applied), clocks
    )
