"""Reads the screens ask for, as jobs for :meth:`DeskService.submit`.

Views and models never import the store: they take a job from here (a function of the
store, run on the database thread) and the read models it answers with, re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from desktop_app.domain import Priority
from desktop_app.domain.queue import QueueEntry, TicketHit
from desktop_app.store import Store
from desktop_app.store.detail_views import (
    ContractStatus,
    CustomerView,
    SiteNow,
    TicketView,
    load_customer_view,
    load_ticket_view,
)
from desktop_app.store.previews import (
    DeadlinePreview,
    known_categories,
    preview_category,
    preview_priority,
)
from desktop_app.store.queries import search

__all__ = [
    "ContractStatus",
    "CustomerView",
    "DeadlinePreview",
    "SiteNow",
    "TicketHit",
    "TicketView",
    "categories",
    "category_preview",
    "customer_view",
    "find_tickets",
    "open_queue",
    "priority_preview",
    "queue_head",
    "ticket_and_customer",
]


def open_queue(store: Store) -> list[QueueEntry]:
    """Every open ticket as the queue shows it."""
    return store.load_queue()


def queue_head(store: Store, limit: int) -> list[QueueEntry]:
    """The ``limit`` open tickets that breach first."""
    return store.load_queue_head(limit)


def ticket_and_customer(ticket_id: int) -> Callable[[Store], tuple[TicketView, CustomerView]]:
    """The ticket pane's and the customer pane's views of one ticket, in one job."""

    def job(store: Store) -> tuple[TicketView, CustomerView]:
        ticket_view = load_ticket_view(store, ticket_id)
        customer = load_customer_view(
            store, ticket_view.ticket.customer_id, ticket_view.at, context=ticket_view.context
        )
        return ticket_view, customer

    return job


def customer_view(customer_id: int, at: datetime) -> Callable[[Store], CustomerView]:
    def job(store: Store) -> CustomerView:
        return load_customer_view(store, customer_id, at)

    return job


def priority_preview(ticket_id: int, priority: Priority) -> Callable[[Store], DeadlinePreview]:
    """The ticket's deadlines under another priority (nothing is written)."""

    def job(store: Store) -> DeadlinePreview:
        return preview_priority(store, ticket_id, priority)

    return job


def category_preview(ticket_id: int, category: str) -> Callable[[Store], DeadlinePreview]:
    """The ticket's deadlines under another category (nothing is written)."""

    def job(store: Store) -> DeadlinePreview:
        return preview_category(store, ticket_id, category)

    return job


def find_tickets(text: str, *, closed_only: bool = True) -> Callable[[Store], list[TicketHit]]:
    """Tickets (resolved and closed ones, unless ``closed_only`` is false) whose number,
    subject or customer matches ``text``, newest first."""

    def job(store: Store) -> list[TicketHit]:
        return search.find_tickets(store, text, closed_only=closed_only)

    return job


def categories() -> Callable[[Store], list[str]]:
    return known_categories
