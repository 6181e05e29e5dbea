"""What the ticket pane and the customer pane are given, read in one job each.

These are jobs for the desk service's database thread: they use the store's public API
(``ticket_detail``, ``customer_context``, ``technicians``, ``clock_engine``) and the SLA
engine, and return frozen records the panes only format. Clocks are recomputed from the
timeline as of the moment of reading so the pane shows elapsed and remaining business time
now, not as of the last change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from desktop_app.domain import Contract, Metric, Site, Ticket, ValidationError
from desktop_app.domain.queue import CustomerContext, TicketDetail
from desktop_app.domain.zones import zone_named
from desktop_app.sla import Clock, compute_clocks
from desktop_app.sla.credits import ServiceCredit, service_credit
from desktop_app.sla.policy import ALWAYS_OPEN, opened_on
from desktop_app.store.previews import TicketTerms, contract_in_force, ticket_terms
from desktop_app.store.repository import Store

__all__ = [
    "ContractStatus",
    "CustomerView",
    "SiteNow",
    "TicketView",
    "contract_status",
    "load_customer_view",
    "load_ticket_view",
]

LOW_HOURS_FRACTION = 0.2  # warn when less than a fifth of the support hours is left
ENDING_DAYS = 30  # warn when the contract ends within a month


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket, its customer, the rule its clocks run by and its clocks as of ``at``."""

    detail: TicketDetail
    context: CustomerContext
    terms: TicketTerms
    clocks: Mapping[Metric, Clock]
    at: datetime
    technicians: Mapping[int, str] = field(default_factory=dict)

    @property
    def ticket(self) -> Ticket:
        return self.detail.ticket


def load_ticket_view(store: Store, ticket_id: int, now: datetime | None = None) -> TicketView:
    at = now if now is not None else store.now()
    detail = store.ticket_detail(ticket_id)
    context = store.customer_context(detail.customer.id or detail.ticket.customer_id, at)
    terms = ticket_terms(store, detail.ticket, context)
    clocks: Mapping[Metric, Clock] = {}
    if terms.applied is not None:
        clocks = compute_clocks(
            detail.ticket.events,
            terms.applied.terms,
            at,
            terms_for=store.clock_engine().resolver(terms.inputs),
        )
    names = {t.id: t.name for t in store.technicians() if t.id is not None}
    return TicketView(detail, context, terms, clocks, at, names)


@dataclass(frozen=True, slots=True)
class SiteNow:
    """A customer site at the moment of reading: local time and whether it is open."""

    site: Site
    local: datetime
    open_now: bool | None  # None when the site's calendar cannot be built
    next_change: datetime | None  # next closing when open, next opening when closed
    problem: str | None = None

    @property
    def round_the_clock(self) -> bool:
        return self.site.calendar == ALWAYS_OPEN


@dataclass(frozen=True, slots=True)
class ContractStatus:
    """The contract in force and how much of it is left."""

    contract: Contract
    on: date
    days_left: int  # negative once ended
    hours_left: float | None  # None: unlimited support hours
    warnings: tuple[str, ...]

    @property
    def in_force(self) -> bool:
        return self.contract.starts_on <= self.on <= self.contract.ends_on

    @property
    def hours_used_fraction(self) -> float | None:
        allowance = self.contract.support_hours
        if allowance <= 0:
            return None
        return self.contract.hours_used / allowance


def contract_status(
    contracts: tuple[Contract, ...],
    on: date,
    *,
    low_fraction: float = LOW_HOURS_FRACTION,
    ending_days: int = ENDING_DAYS,
) -> ContractStatus | None:
    contract = contract_in_force(contracts, on)
    if contract is None:
        return None
    days_left = (contract.ends_on - on).days
    warnings: list[str] = []
    if on < contract.starts_on:
        warnings.append(f"The contract starts only on {contract.starts_on:%d %b %Y}.")
    elif days_left < 0:
        warnings.append(
            f"The contract expired {-days_left} day{'s' if days_left != -1 else ''} ago "
            f"({contract.ends_on:%d %b %Y}); support is outside the contract."
        )
    elif days_left <= ending_days:
        warnings.append(
            f"The contract ends in {days_left} day{'s' if days_left != 1 else ''} "
            f"({contract.ends_on:%d %b %Y})."
        )
    hours_left: float | None = None
    if contract.support_hours > 0:
        hours_left = contract.support_hours - contract.hours_used
        if hours_left <= 0:
            warnings.append(
                f"The support-hours allowance is used up ({contract.hours_used:g} of "
                f"{contract.support_hours:g} h)."
            )
        elif hours_left <= contract.support_hours * low_fraction:
            warnings.append(
                f"Only {hours_left:g} of {contract.support_hours:g} support hours are left."
            )
    return ContractStatus(contract, on, days_left, hours_left, tuple(warnings))


@dataclass(frozen=True, slots=True)
class CustomerView:
    """Everything the customer pane shows, as of ``at``."""

    context: CustomerContext
    contract: ContractStatus | None
    sites: tuple[SiteNow, ...]
    technicians: Mapping[int, str]
    at: datetime
    policy_explanation: str | None = None
    credit: ServiceCredit | None = None  # owed for this month's breaches so far


def _site_now(store: Store, site: Site, at: datetime) -> SiteNow:
    try:
        calendar = store.clock_engine().book.calendar(site.calendar, site.timezone)
    except ValidationError as exc:
        zone = zone_named(site.timezone)
        local = at.astimezone(zone) if zone is not None else at
        return SiteNow(site, local, None, None, str(exc))
    local = at.astimezone(calendar.tzinfo)
    open_now = calendar.is_open(at)
    if open_now:
        next_change = calendar.next_closing(at)
    else:
        next_change = calendar.next_opening(at)
    return SiteNow(site, local, open_now, next_change)


def load_customer_view(
    store: Store,
    customer_id: int,
    now: datetime | None = None,
    *,
    context: CustomerContext | None = None,
) -> CustomerView:
    """The customer pane's content; ``context`` reuses a context read in the same job."""
    at = now if now is not None else store.now()
    if context is None or context.customer.id != customer_id:
        context = store.customer_context(customer_id, at)
    # today as the customer's (first) site sees it: the day its contracts are counted on
    on = opened_on(at, context.sites[0].timezone if context.sites else None)
    status = contract_status(context.contracts, on)
    sites = tuple(_site_now(store, site, at) for site in context.sites)
    names = {t.id: t.name for t in store.technicians() if t.id is not None}
    explanation = None
    if status is not None:
        try:
            policy = store.clock_engine().book.policy(status.contract.policy)
            explanation = f"{policy.name} policy" + (
                " (round the clock)" if policy.calendar == ALWAYS_OPEN else ""
            )
        except ValidationError as exc:
            explanation = str(exc)
    credit = None
    if status is not None and context.month is not None:
        credit = service_credit(status.contract, context.month_breaches, context.month)
    return CustomerView(context, status, sites, names, at, explanation, credit)
