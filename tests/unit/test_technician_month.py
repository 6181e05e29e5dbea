"""The technicians' month: who held a ticket when, and what counts for whom."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from desktop_app.domain import Metric, Technician
from desktop_app.sla.technicians import (
    TechnicianFacts,
    TicketSpan,
    holders,
    technician_months,
)

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
ANA = Technician("Ana", timezone="America/Toronto", id=1)
BEN = Technician("Ben", timezone="Australia/Sydney", id=2)
GONE = Technician("Gone", active=False, id=3)


def test_an_imported_timeline_without_names_belongs_to_the_current_assignee() -> None:
    span = TicketSpan(7, T0, None, 2, ((T0, None),))
    assert holders(span) == [(T0, 2)]


def test_a_hand_over_moves_what_follows_to_the_new_holder() -> None:
    later = T0 + timedelta(hours=3)
    span = TicketSpan(7, T0, None, 2, ((later, 2), (T0, 1)))
    assert holders(span) == [(T0, None), (T0, 1), (later, 2)]


def test_each_event_counts_for_whoever_held_the_ticket_then() -> None:
    handed = T0 + timedelta(hours=3)
    tickets = [
        TicketSpan(1, T0, None, 2, ((T0, 1), (handed, 2))),  # Ana, then Ben; still open
        TicketSpan(2, T0, T0 + timedelta(hours=1), 1, ((T0, 1),)),  # Ana, closed
    ]
    facts = TechnicianFacts(
        at=datetime(2026, 3, 5, 12, tzinfo=UTC),
        technicians=(ANA, BEN, GONE),
        tickets=tickets,
        open_now={2: 1},
        met=[(1, Metric.FIRST_RESPONSE, T0 + timedelta(minutes=30)), (2, Metric.RESOLUTION, T0)],
        breaches=[(1, Metric.RESOLUTION, handed + timedelta(hours=1))],
        responses=[(1, T0 + timedelta(minutes=30), 1800.0), (2, T0 + timedelta(minutes=10), 600.0)],
        escalations=[(1, handed + timedelta(minutes=5))],
    )
    report = technician_months(facts, date(2026, 3, 1))
    assert [row.technician.name for row in report.rows] == ["Ana", "Ben"]  # Gone left
    ana, ben = report.rows
    assert (ana.handled, ana.open_now, ana.breaches, ana.escalations) == (2, 0, 0, 0)
    assert (ana.first_response.met, ana.resolution.met) == (1, 1)
    assert ana.mean_response_seconds == 1200.0
    assert (ben.handled, ben.open_now, ben.breaches, ben.escalations) == (1, 1, 1, 1)
    assert (ben.resolution.met, ben.resolution.breached) == (0, 1)
    assert ben.mean_response_seconds is None
    # open load at the end of each local day: Ben holds ticket 1 from 2 March (Sydney)
    assert ben.load[0] == (date(2026, 3, 1), 0)
    assert dict(ben.load)[date(2026, 3, 3)] == 1
    assert ana.load[-1][0] == date(2026, 3, 5)  # today in Toronto, counted now
    assert dict(ana.load)[date(2026, 3, 2)] == 0  # handed over, the other one closed
