"""The demo desk: reproducible, realistic, consistent, and accepted by the SLA engine."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.demo import CATEGORIES, DEMO_HISTORY_DAYS, STRUGGLING_CUSTOMER, generate_demo_desk
from desktop_app.domain import (
    ClockState,
    Desk,
    DeskCustomer,
    EventKind,
    Metric,
    Role,
    Sentiment,
    TicketStatus,
    Tier,
)
from desktop_app.domain.queue import CustomerContext
from desktop_app.sla.clocks import Clock, compute_clocks
from desktop_app.sla.escalation import SAME_BREACH
from desktop_app.sla.policy import ALWAYS_OPEN, PolicyBook
from desktop_app.store import Store, open_store
from desktop_app.store.detail_views import load_customer_view
from desktop_app.store.previews import ticket_terms
from desktop_app.store.queries.interchange import tickets_with_timelines
from desktop_app.store.reports import monthly_report

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
    assert statuses[True] == 120
    assert statuses[False] == 2400
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
    """Computed by the SLA engine itself: most on track, some at risk and waiting, a few
    breached, as on a well-run desk."""
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
        if any(c.state is ClockState.BREACHED and c.running for c in clocks):
            states["breached"] += 1
        elif any(c.state is ClockState.PAUSED for c in clocks):
            states["waiting"] += 1
        elif any(c.state is ClockState.RUNNING and c.elapsed >= 0.5 * c.target for c in clocks):
            states["at risk"] += 1
        else:
            states["ok"] += 1
    open_count = sum(states.values())
    assert open_count == 120
    assert 1 <= states["breached"] <= 0.1 * open_count, states
    assert 0.05 * open_count <= states["at risk"] <= 0.25 * open_count, states
    assert states["waiting"] >= 0.1 * open_count, states
    assert states["ok"] >= 0.5 * open_count, states


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


# --------------------------------------------------------------------------- in a real store


def _clock_breaches(clocks: Mapping[Metric, Clock]) -> list[tuple[Metric, datetime]]:
    """Every breach the clocks hold, each next-update cycle's too (the ticket pane's cards
    show the latest cycle; the earlier ones were recorded when they happened)."""
    found = []
    for metric, clock in clocks.items():
        if metric is Metric.NEXT_UPDATE:
            found += [(metric, c.breached_at) for c in clock.cycles if c.breached_at]
        elif clock.breached_at is not None:
            found.append((metric, clock.breached_at))
    return sorted(found)


def _same_breaches(
    recorded: list[tuple[Metric, datetime]], computed: list[tuple[Metric, datetime]]
) -> bool:
    return len(recorded) == len(computed) and all(
        a[0] is b[0] and abs(a[1] - b[1]) <= SAME_BREACH
        for a, b in zip(sorted(recorded), computed, strict=True)
    )


def test_each_breach_on_a_timeline_is_the_one_the_clock_cards_show(db_url: str) -> None:
    """The demo's timelines are what the desk would have recorded live: the SLA monitor
    records a breach when a counting clock passes its deadline, at the clock's breach
    instant, so every breach on a timeline is a breach of the ticket's clocks as the store
    computes them (after any later priority change too), and none is missing."""
    store = open_store(db_url, clock=lambda: NOW)
    try:
        store.import_desk(generate_demo_desk(seed=7, now=NOW))
        engine = store.clock_engine()
        contexts: dict[int, CustomerContext] = {}
        disagree: list[str] = []
        changed_and_breached = 0
        for item in tickets_with_timelines(store):
            ticket = item.ticket
            context = contexts.get(ticket.customer_id)
            if context is None:
                context = contexts[ticket.customer_id] = store.customer_context(
                    ticket.customer_id, NOW
                )
            # the ticket pane's clock cards, as load_ticket_view computes them
            terms = ticket_terms(store, ticket, context)
            assert terms.applied is not None, terms.problem
            clocks = compute_clocks(
                ticket.events,
                terms.applied.terms,
                NOW,
                terms_for=engine.resolver(terms.inputs),
            )
            computed = _clock_breaches(clocks)
            recorded = [(e.metric, e.at) for e in ticket.events if e.kind is EventKind.BREACHED]
            assert all(metric is not None for metric, _ in recorded), ticket.number
            if not _same_breaches(recorded, computed):  # type: ignore[arg-type]
                disagree.append(f"{ticket.number}: timeline {recorded}, clocks {computed}")
            kinds = {e.kind for e in ticket.events}
            if computed and EventKind.PRIORITY_CHANGED in kinds:
                changed_and_breached += 1
        assert not disagree, "\n".join(disagree[:10])
        # the case that went wrong: breaches of tickets whose priority changed later
        assert changed_and_breached >= 3
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The default demo desk in a real store, as the app opens it at ``NOW``."""
    path = tmp_path_factory.mktemp("demo") / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    store.import_desk(generate_demo_desk(seed=7, now=NOW))
    yield store
    store.close()


def test_one_technician_carries_clearly_more_open_tickets(demo_store: Store) -> None:
    loads = Counter(e.assignee_name for e in demo_store.load_queue(NOW) if e.assignee_name)
    (_, busiest), (_, next_busiest) = loads.most_common(2)
    assert busiest >= 1.5 * next_busiest, loads
    assert len(loads) == 5, loads  # every technician has tickets


@pytest.mark.parametrize("months_back", [0, 1], ids=["this month so far", "last month"])
def test_credits_stay_well_under_the_cap_but_for_one_struggling_customer(
    demo_store: Store, months_back: int
) -> None:
    """The monthly SLA report of a well-run desk with some trouble: most customers owe a
    small service credit, if any; one customer is markedly worse, at the cap, and tops the
    report."""
    month = NOW.date().replace(day=1)
    for _ in range(months_back):
        month = (month - timedelta(days=1)).replace(day=1)
    report = monthly_report(demo_store, month, NOW)
    assert len(report.rows) == 12
    share_of_cap: dict[str, float] = {}
    for row in report.rows:
        assert row.contract is not None and row.credit is not None, row.customer.name
        share_of_cap[row.customer.name] = row.credit.percent / row.contract.credit_cap_percent
    worst, *others = report.rows  # most credit owed first
    assert worst.customer.name == STRUGGLING_CUSTOMER
    assert share_of_cap[STRUGGLING_CUSTOMER] == 1.0
    assert worst.breached >= 3 * max(row.breached for row in others), report.rows
    assert all(share_of_cap[row.customer.name] < 1.0 for row in others), share_of_cap
    well_under = [name for name, share in share_of_cap.items() if share <= 0.5]
    assert len(well_under) >= 9, share_of_cap
    for row in others:
        for attainment in (row.first_response, row.resolution):
            assert attainment.met >= 9 * attainment.breached, (row.customer.name, attainment)


def test_the_customer_tab_shows_most_customers_well_served(demo_store: Store) -> None:
    capped = []
    for customer in demo_store.customers():
        assert customer.id is not None
        view = load_customer_view(demo_store, customer.id, NOW)
        assert view.credit is not None and view.contract is not None
        if view.credit.percent >= view.contract.contract.credit_cap_percent:
            capped.append(customer.name)
        if customer.name != STRUGGLING_CUSTOMER:
            for attainment in view.context.attainment.values():
                assert attainment.met >= 19 * attainment.breached, (customer.name, attainment)
    assert capped == [STRUGGLING_CUSTOMER]
    complaints = Counter(
        n.customer_id
        for n in demo_store.criticism_notes(open_only=True)
        if n.sentiment is Sentiment.NEGATIVE
    )
    struggling = next(c.id for c in demo_store.customers() if c.name == STRUGGLING_CUSTOMER)
    assert complaints.most_common(1)[0][0] == struggling
