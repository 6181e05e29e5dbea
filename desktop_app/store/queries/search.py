"""Finding any ticket, open or not: by number, subject or customer, newest first.

The queue holds open tickets only and filters them in memory; a resolved or closed ticket
is found here (one query, bounded) so a technician can open it again, read it, and reopen
it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from desktop_app.domain import TicketStatus
from desktop_app.domain.queue import TicketHit
from desktop_app.store.queries.queue import OPEN_STATUSES
from desktop_app.store.schema import CustomerRow, TicketRow

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["SEARCH_LIMIT", "find_tickets"]

SEARCH_LIMIT = 50


def find_tickets(
    store: Store, text: str, *, closed_only: bool = True, limit: int = SEARCH_LIMIT
) -> list[TicketHit]:
    """Tickets whose number, subject or customer's name contains ``text`` (any case), the
    most recently opened first; only resolved and closed ones unless ``closed_only`` is
    false. An empty text finds the latest resolved tickets."""
    words = text.strip().lower()
    query = (
        select(
            TicketRow.id,
            TicketRow.number,
            TicketRow.subject,
            CustomerRow.name,
            TicketRow.status,
            TicketRow.created_at,
            TicketRow.resolved_at,
        )
        .join(CustomerRow, CustomerRow.id == TicketRow.customer_id)
        .order_by(TicketRow.created_at.desc(), TicketRow.id.desc())
        .limit(max(1, min(int(limit), 500)))
    )
    if closed_only:
        query = query.where(TicketRow.status.not_in(OPEN_STATUSES))
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                func.lower(TicketRow.number).like(pattern, escape="\\"),
                func.lower(TicketRow.subject).like(pattern, escape="\\"),
                func.lower(CustomerRow.name).like(pattern, escape="\\"),
            )
        )
    with store.reading() as session:
        return [
            TicketHit(tid, number, subject, customer, TicketStatus(status), created, resolved)
            for tid, number, subject, customer, status, created, resolved in session.execute(query)
        ]
