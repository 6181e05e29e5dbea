"""The demo desk: reproducible, realistic, consistent, and accepted by the SLA engine."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.demo import CATEGORIES, DEMO_HISTORY_DAYS, generate_demo_desk
from desktop_app.domain import (
    ClockState,
    Desk,
    DeskCustomer,
    EventKind,
    Role,
    Sentiment,
    TicketStatus,
    Tier,
)
from desktop_app.sla.clocks import compute_clocks
from desktop_app.sla.policy import ALWAYS_OPEN, PolicyBook

# A Wednesday afternoon in Berlin, morning in Toronto, night in Sydney.
NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def desk() -> Desk:
    return generate_demo_desk(seed=7, now=NOW)


def _customers(desk: Desk) -> dict[str, DeskCustomer]:
    return {entry.customer.name: entry for entry in desk.customers}


def test_same_seed_and_now_give_the_same_desk(desk: Desk) -> None:
    again = generate_demo_desk(seed=7, now=NOW)
    assert again == desk


def test_another_seed_gives_another_desk() -> None:
    one = generate_demo_desk(seed=7, now=NOW, open_tickets=30, closed_tickets=60)
    other = generate_demo_desk(seed=8, now=NOW, open_tickets=30, closed_tickets=60)
    assert [t.ticket.subject for t in other.tickets] != [t.ticket.subject for t in one.tickets]


def test_ticket_counts_follow_the_arguments(desk: Desk) -> None:
    statuses = Counter(t.ticket.status.is_open for t in desk.tickets)
    assert statuses[True] == 300
    assert statuses[False] == 3000
    small = generate_demo_desk(seed=1, now=NOW, open_tickets=5, closed_tickets=2)
    assert Counter(t.ticket.status.is_open for t in small.tickets) == {True: 5, False: 2}


def test_twelve_customers_in_four_tiers_over_three_zones(desk: Desk) -> None:
    assert len(desk.customers) == 12
    assert Counter(c.customer.tier for c in desk.customers) == {tier: 3 for tier in Tier}
    zones = {site.timezone for c in desk.customers for site in c.sites}
    assert zones == {"America/Toronto", "Europe/Berlin", "Australia/Sydney"}
    for entry in desk.customers:
        assert 1 <= len(entry.sites) <= 3, entry.customer.name
        assert len(entry.contacts) >= 2, entry.customer.name
        assert all("@" in c.email and c.phone.startswith("+") for c in entry.contacts)
        assert len(entry.contracts) == 1


def test_contracts_name_the_tier_policy_and_some_need_attention(desk: Desk) -> None:
    policies = {p.name for p in desk.policies}
    contracts = [c.contracts[0] for c in desk.customers]
    for entry in desk.customers:
        contract = entry.contracts[0]
        assert contract.policy in policies
        assert contract.policy.lower() == entry.customer.tier.value
        assert contract.starts_on < contract.ends_on
        assert 0 < contract.credit_percent_per_breach <= contract.credit_cap_percent
        assert contract.monthly_fee > 0
        assert 98.0 <= contract.availability_target < 100.0
    ending_soon = [c for c in contracts if c.ends_on <= NOW.date() + timedelta(days=30)]
    nearly_used = [c for c in contracts if c.hours_used >= 0.9 * c.support_hours]
    assert 1 <= len(ending_soon) < len(contracts)
    assert 1 <= len(nearly_used) < len(contracts)
    assert all(c.ends_on > NOW.date() for c in contracts)


def test_calendars_and_policies_are_valid_for_the_sla_engine(desk: Desk) -> None:
    book = PolicyBook(desk.policies, desk.calendars)  # raises on any inconsistency
    regions = {c.name: c.holiday_region for c in desk.calendars}
    assert set(regions.values()) == {"CA-ON", "DE-BE", "AU-NSW"}
    known = set(regions) | {ALWAYS_OPEN}
    for entry in desk.customers:
        for site in entry.sites:
            assert site.calendar in known
    assert any(site.calendar == ALWAYS_OPEN for c in desk.customers for site in c.sites)
    assert book.select("outage", Tier.BRONZE, "Bronze")[0].calendar == ALWAYS_OPEN


def test_eight_technicians_with_two_dispatchers_and_a_manager(desk: Desk) -> None:
    roles = Counter(t.role for t in desk.technicians)
    assert len(desk.technicians) == 8
    assert roles[Role.DISPATCHER] == 2
    assert roles[Role.MANAGER] == 1
    assert {t.timezone for t in desk.technicians} == {
        "America/Toronto",
        "Europe/Berlin",
        "Australia/Sydney",
    }
    assert all(t.shift_start < t.shift_end for t in desk.technicians)


def test_ticket_numbers_are_unique_and_follow_creation(desk: Desk) -> None:
    numbers = [t.ticket.number for t in desk.tickets]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"TQ-\d{5,}", n) for n in numbers)
    created = [t.ticket.created_at for t in desk.tickets]
    assert created == sorted(created)


def test_every_instant_is_aware_utc_ordered_and_not_after_now(desk: Desk) -> None:
    earliest = NOW - timedelta(days=DEMO_HISTORY_DAYS)
    for entry in desk.tickets:
        ticket = entry.ticket
        instants = [ticket.created_at, *(e.at for e in ticket.events)]
        if ticket.resolved_at is not None:
            instants.append(ticket.resolved_at)
        for at in instants:
            assert at.tzinfo is UTC, ticket.number
            assert earliest <= at <= NOW, ticket.number
        ats = [e.at for e in ticket.events]
        assert ats == sorted(ats), ticket.number
        first = ticket.events[0]
        assert first.kind is EventKind.CREATED and first.at == ticket.created_at
        assert first.priority is not None and first.category in CATEGORIES
    for note in desk.criticism:
        assert note.note.received_at.tzinfo is UTC and note.note.received_at <= NOW
        if note.note.resolved_at is not None:
            assert note.note.received_at <= note.note.resolved_at <= NOW


def test_closed_tickets_end_resolved_and_open_ones_match_their_timeline(desk: Desk) -> None:
    for entry in desk.tickets:
        ticket = entry.ticket
        kinds = [e.kind for e in ticket.events]
        if ticket.status.is_open:
            assert ticket.resolved_at is None
            assert EventKind.RESOLVED not in kinds
            waiting = kinds.count(EventKind.WAITING_ON_CUSTOMER) > kinds.count(
                EventKind.WAITING_OFF
            )
            assert waiting == (ticket.status is TicketStatus.WAITING_ON_CUSTOMER)
            answered = any(kind.is_response for kind in kinds)
            assert answered == (ticket.status is not TicketStatus.NEW), ticket.number
        else:
            assert kinds[-1] is EventKind.RESOLVED
            assert ticket.resolved_at == ticket.events[-1].at


def test_references_point_at_records_of_the_desk(desk: Desk) -> None:
    customers = _customers(desk)
    technicians = {t.name for t in desk.technicians}
    numbers = {t.ticket.number for t in desk.tickets}
    for entry in desk.tickets:
        owner = customers[entry.customer]
        assert entry.site in {s.name for s in owner.sites}
        assert entry.contact in {c.name for c in owner.contacts}
        assert entry.assignee is None or entry.assignee in technicians
    unassigned = [e for e in desk.tickets if e.assignee is None]
    # only new, unanswered tickets wait for a dispatcher, and some do
    assert unassigned
    assert all(e.ticket.status is TicketStatus.NEW for e in unassigned)
    for note in desk.criticism:
        assert note.customer in customers
        assert note.ticket_number is None or note.ticket_number in numbers
        assert note.follow_up_owner is None or note.follow_up_owner in technicians


def test_timelines_are_varied_like_a_real_desk(desk: Desk) -> None:
    kinds = Counter(e.kind for t in desk.tickets for e in t.ticket.events)
    for kind in (
        EventKind.CUSTOMER_MESSAGE,
        EventKind.PUBLIC_REPLY,
        EventKind.PHONE_CALL,
        EventKind.INTERNAL_NOTE,
        EventKind.WAITING_ON_CUSTOMER,
        EventKind.WAITING_OFF,
        EventKind.PRIORITY_CHANGED,
        EventKind.CATEGORY_CHANGED,
        EventKind.ASSIGNED,
        EventKind.ESCALATED,
        EventKind.REOPENED,
    ):
        assert kinds[kind] >= 10, kind
    categories = Counter(t.ticket.category for t in desk.tickets)
    assert set(categories) == set(CATEGORIES)
    assert categories["outage"] >= 30
    subjects = {t.ticket.subject for t in desk.tickets}
    assert len(subjects) >= 100
    assert all(t.ticket.subject and t.ticket.description for t in desk.tickets)
    # Spread over the ~90 days rather than bunched up.
    weeks = Counter((NOW - t.ticket.created_at).days // 7 for t in desk.tickets)
    assert len(weeks) >= 12


def test_open_tickets_show_a_spread_of_sla_states(desk: Desk) -> None:
    """Computed by the SLA engine itself: some breached, many at risk, some waiting."""
    book = PolicyBook(desk.policies, desk.calendars)
    customers = _customers(desk)
    states: Counter[str] = Counter()
    for entry in desk.tickets:
        ticket = entry.ticket
        if not ticket.status.is_open:
            continue
        owner = customers[entry.customer]
        site = next(s for s in owner.sites if s.name == entry.site)
        terms = book.apply(
            ticket.priority,
            ticket.category,
            owner.customer.tier,
            owner.contracts[0].policy,
            site.timezone,
            site.calendar,
        ).terms
        clocks = compute_clocks(ticket.events, terms, NOW).values()
        if any(c.state is ClockState.BREACHED for c in clocks):
            states["breached"] += 1
        elif any(c.state is ClockState.PAUSED for c in clocks):
            states["waiting"] += 1
        elif any(c.state is ClockState.RUNNING and c.elapsed >= 0.75 * c.target for c in clocks):
            states["at risk"] += 1
        else:
            states["ok"] += 1
    assert sum(states.values()) == 300
    assert 30 <= states["breached"] <= 120, states
    assert states["at risk"] >= 50, states
    assert states["waiting"] >= 15, states
    assert states["ok"] >= 50, states


def test_criticism_includes_open_negative_notes(desk: Desk) -> None:
    sentiments = Counter(n.note.sentiment for n in desk.criticism)
    assert len(desk.criticism) >= 15
    assert set(sentiments) == set(Sentiment)
    open_negative = [
        n for n in desk.criticism if n.note.sentiment is Sentiment.NEGATIVE and n.note.is_open
    ]
    assert len(open_negative) >= 3
    assert any(n.note.resolved_at is not None for n in desk.criticism)
    assert any(n.ticket_number for n in desk.criticism)


def test_scale_mode_makes_only_open_tickets() -> None:
    desk = generate_demo_desk(seed=3, now=NOW, open_tickets=5000, closed_tickets=0)
    assert len(desk.tickets) == 5000
    assert all(t.ticket.status.is_open for t in desk.tickets)
    assert len({t.ticket.number for t in desk.tickets}) == 5000


def test_now_in_another_zone_is_converted_to_utc() -> None:
    toronto = timezone(timedelta(hours=-5))
    local = generate_demo_desk(seed=2, now=NOW.astimezone(toronto), open_tickets=20)
    same = generate_demo_desk(seed=2, now=NOW, open_tickets=20)
    assert local == same


def test_naive_now_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        generate_demo_desk(now=datetime(2025, 3, 12, 15, 30))


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        generate_demo_desk(now=NOW, open_tickets=-1)


def test_breaches_so_far_are_on_the_open_tickets_timelines(desk: Desk) -> None:
    recorded = [
        e
        for item in desk.tickets
        if item.ticket.status.is_open
        for e in item.ticket.events
        if e.kind is EventKind.BREACHED
    ]
    assert recorded, "the demo desk has breached open tickets, recorded as they happened"
    assert all(e.metric is not None for e in recorded)
