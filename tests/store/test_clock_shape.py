"""One shape for a clock: what the SLA engine computes, the stored row, the packed copy the
queue reads and the decoders all agree, field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from desktop_app.domain import EventKind, Metric, Priority, TicketEvent, Tier
from desktop_app.domain.queue import StoredClock
from desktop_app.sla import compute_clocks
from desktop_app.sla.clocks import ClockTerms
from desktop_app.sla.policy import PolicyBook, recommended_calendars, recommended_policies
from desktop_app.store.clocking import (
    CLOCK_COLUMNS,
    PACKED_FIELDS,
    clock_row,
    pack_clocks,
    stored_clock_from_columns,
)
from desktop_app.store.queue_read import decode_clocks, utc_text

OPENED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in Toronto


def _terms() -> ClockTerms:
    book = PolicyBook(recommended_policies(), recommended_calendars())
    return book.apply(
        Priority.HIGH, "hardware", Tier.GOLD, None, "America/Toronto", "Office hours"
    ).terms


def test_the_engine_the_row_the_packed_copy_and_the_decoders_agree() -> None:
    events = [
        TicketEvent(EventKind.CREATED, OPENED, priority=Priority.HIGH, category="hardware"),
        TicketEvent(EventKind.PUBLIC_REPLY, OPENED + timedelta(minutes=20), text="On it"),
        TicketEvent(EventKind.CUSTOMER_MESSAGE, OPENED + timedelta(hours=1), text="Still down"),
        TicketEvent(EventKind.WAITING_ON_CUSTOMER, OPENED + timedelta(hours=2)),
    ]
    now = OPENED + timedelta(hours=3)
    clocks = compute_clocks(events, _terms(), now)
    assert set(CLOCK_COLUMNS) == set(PACKED_FIELDS)
    rows = [clock_row(c) for c in clocks.values()]
    decoded, _nearest = decode_clocks(pack_clocks(rows), utc_text(now))
    for clock, row in zip(clocks.values(), rows, strict=True):
        stored = StoredClock.of(clock)
        assert stored_clock_from_columns(SimpleNamespace(**row)) == stored
        assert decoded[clock.metric] == stored
    resolution = StoredClock.of(clocks[Metric.RESOLUTION])
    assert resolution.paused and resolution.due_at is None  # a paused clock counts to nothing
