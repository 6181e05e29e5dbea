"""Escalation on breach against a real store: level, owner, timeline, audit, once only; and
who on this desk sees which pop-up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain import (
    Desk,
    EscalationLevel,
    EventKind,
    Metric,
    Notification,
    Role,
    Technician,
    TicketEvent,
)
from desktop_app.domain.queue import QueueEntry
from desktop_app.services.escalation import (
    CUSTOMER_UPDATE_DUE,
    DeskAudience,
    customer_update_due,
    handle_breach,
    level_for,
)
from desktop_app.store import Store, open_store
from support import writes
from support.demo_desks import unhandled_demo_desk
from support.queue_entries import entry as queue_entry

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'desk.sqlite3'}", clock=lambda: NOW)
    store.import_desk(unhandled_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10))
    yield store
    store.close()


def breached_clock(
    store: Store, *, level: int | None = None
) -> tuple[QueueEntry, Metric, datetime]:
    """An open ticket with a clock already past its deadline (at ``level`` if given)."""
    for entry in store.load_queue():
        if level is not None and entry.escalation_level != level:
            continue
        for metric, clock in entry.clocks.items():
            if clock.counting and clock.due_at is not None and clock.due_at <= NOW:
                return entry, metric, clock.due_at
    raise AssertionError("the demo desk should have a breached open ticket")


def test_a_breach_raises_the_level_once_with_timeline_and_audit(store: Store) -> None:
    entry, metric, at = breached_clock(store)
    outcome = handle_breach(store, entry.ticket_id, metric, at)
    levels = store.policy_book().policy(entry.policy_name).escalation
    assert outcome.handled and outcome.level_before == entry.escalation_level
    if entry.escalation_level < max(level.level for level in levels):
        assert outcome.raised and outcome.level_after == entry.escalation_level + 1
    dispatchers = {t.name for t in store.technicians() if t.role is Role.DISPATCHER}
    assert {t.name for t in outcome.dispatchers} == dispatchers

    ticket = store.ticket_detail(entry.ticket_id).ticket
    assert ticket.escalation_level == outcome.level_after
    breach_events = [e for e in ticket.events if e.kind is EventKind.BREACHED]
    assert [(e.metric, e.at) for e in breach_events] == [(metric, at)]
    escalated = [e for e in ticket.events if e.kind is EventKind.ESCALATED]
    if outcome.raised:
        assert escalated[-1].level == outcome.level_after
        assert CUSTOMER_UPDATE_DUE in escalated[-1].text and escalated[-1].author == "system"
    actions = [a.action for a in store.audit_log("ticket", entry.ticket_id)]
    assert actions.count("record_breach") == 1

    again = handle_breach(store, entry.ticket_id, metric, at)
    assert not again.handled and again.skipped == "already handled"
    assert store.ticket(entry.ticket_id).escalation_level == outcome.level_after
    assert [a.action for a in store.audit_log("ticket", entry.ticket_id)] == actions


def test_the_level_owner_takes_the_ticket_when_the_policy_says_so(store: Store) -> None:
    entry, metric, at = breached_clock(store)
    level = entry.escalation_level + 1  # the level this breach raises the ticket to
    senior = next(
        t
        for t in store.technicians(active_only=True)
        if t.escalation_level >= 2 and t.id != entry.assignee_id
    )
    policy = store.policy_book().policy(entry.policy_name)
    store.import_desk(
        Desk(
            calendars=store.calendars(),
            policies=[
                replace(
                    policy,
                    escalation=(
                        EscalationLevel(level, reassign_to_id=senior.id, customer_update_due=False),
                        EscalationLevel(level + 1),
                    ),
                    id=None,
                )
            ],
        )
    )
    outcome = handle_breach(store, entry.ticket_id, metric, at)
    assert outcome.level_after == level and outcome.reassigned
    assert outcome.assignee_id == senior.id and outcome.assignee_name == senior.name
    assert not outcome.customer_update_due
    ticket = store.ticket_detail(entry.ticket_id).ticket
    assert ticket.assignee_id == senior.id
    assigned = [e for e in ticket.events if e.kind is EventKind.ASSIGNED]
    assert assigned[-1].assignee_id == senior.id
    assert not customer_update_due(ticket.events)


def test_at_the_policy_top_level_the_breach_is_recorded_but_the_level_stays(
    store: Store,
) -> None:
    entry, metric, at = breached_clock(store)
    levels = store.policy_book().policy(entry.policy_name).escalation
    top = max(level.level for level in levels)
    dispatcher = next(t.id for t in store.technicians() if t.role is Role.DISPATCHER)
    assert dispatcher is not None
    for _ in range(top + 1):  # earlier breaches of other clocks took it to the top
        current = store.ticket(entry.ticket_id)
        if current.escalation_level >= top:
            break
        writes.escalate(store, dispatcher, entry.ticket_id, current.version)
    outcome = handle_breach(store, entry.ticket_id, metric, at)
    assert outcome.handled and not outcome.raised and outcome.level_after == top
    events = store.ticket_detail(entry.ticket_id).ticket.events
    assert any(e.kind is EventKind.BREACHED and e.metric is metric for e in events)


def test_a_ticket_resolved_meanwhile_is_not_escalated(store: Store) -> None:
    entry, metric, at = breached_clock(store)
    me = next(t for t in store.technicians() if t.role is Role.DISPATCHER)
    assert me.id is not None
    writes.resolve(store, me.id, entry.ticket_id, entry.version, "Fixed on site")
    outcome = handle_breach(store, entry.ticket_id, metric, at)
    assert not outcome.handled and outcome.skipped == "ticket closed"
    assert store.ticket(entry.ticket_id).escalation_level == entry.escalation_level


def test_level_for_raises_one_level_up_to_the_top() -> None:
    levels = (EscalationLevel(1), EscalationLevel(2, notify_dispatchers=False))
    assert level_for(levels, 0) == (1, levels[0])
    assert level_for(levels, 1) == (2, levels[1])
    assert level_for(levels, 2) == (2, levels[1])  # the top level's actions again
    assert level_for(levels, 5) == (5, levels[1])
    assert level_for((), 0) == (0, EscalationLevel(0))


def test_a_reply_after_the_escalation_settles_the_customer_update() -> None:
    t0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    escalated = TicketEvent(
        EventKind.ESCALATED,
        t0,
        "system",
        f"Resolution SLA breached; {CUSTOMER_UPDATE_DUE}",
        level=1,
    )
    note = TicketEvent(EventKind.INTERNAL_NOTE, t0 + timedelta(minutes=5), "Priya", "looking")
    reply = TicketEvent(EventKind.PUBLIC_REPLY, t0 + timedelta(minutes=9), "Priya", "On it")
    assert customer_update_due([escalated, note])
    assert not customer_update_due([escalated, note, reply])
    assert not customer_update_due([reply])
    manual = replace(escalated, text="Escalated by the dispatcher")
    assert not customer_update_due([manual])


def test_pop_ups_go_to_the_assignee_and_escalations_to_the_dispatchers() -> None:
    tech = Technician("Priya", Role.TECHNICIAN, id=1)
    other = Technician("Jonas", Role.TECHNICIAN, id=2)
    dispatcher = Technician("Sophie", Role.DISPATCHER, id=6)
    entries = {10: queue_entry(10, assignee_id=1), 11: queue_entry(11)}
    me: list[Technician | None] = [tech]
    audience = DeskAudience(lambda: me[0], entries.get)

    def note(kind: str, ticket_id: int | None = 10) -> Notification:
        return Notification(NOW, kind, "t", "b", ticket_id=ticket_id)

    assert audience(note("warning"))  # my ticket
    assert audience(note("warning", 11))  # unassigned: whoever is at a desk
    me[0] = other
    assert not audience(note("warning"))  # Priya's ticket, not Jonas's
    assert audience(note("summary", None))
    me[0] = dispatcher
    assert audience(note("warning"))  # dispatchers see every ticket's warnings

    audience.address(10, "escalation", [6, 1])
    me[0] = other
    assert not audience(note("escalation"))
    audience.address(10, "escalation", [6, 1])
    me[0] = tech
    assert audience(note("escalation"))
    me[0] = None
    assert audience(note("warning"))  # nobody signed in yet: show everything


def test_a_technician_is_told_of_their_tickets_and_their_customers_unassigned_ones() -> None:
    priya = Technician("Priya", Role.TECHNICIAN, id=1)
    jonas = Technician("Jonas", Role.TECHNICIAN, id=2)
    sophie = Technician("Sophie", Role.DISPATCHER, id=6)
    entries = {
        10: queue_entry(10, assignee_id=1, customer_id=1),  # Priya's, of Northwind
        11: queue_entry(11, customer_id=1),  # unassigned, Northwind: Priya's customer
        12: queue_entry(12, customer_id=2, customer_name="Contoso"),  # unassigned, Contoso
        13: queue_entry(13, assignee_id=2, customer_id=2, customer_name="Contoso"),  # Jonas's
    }
    me: list[Technician | None] = [priya]
    audience = DeskAudience(lambda: me[0], entries.get, entries.values)

    def told(kind: str, ticket_id: int | None) -> bool:
        return audience.told(Notification(NOW, kind, "t", "b", ticket_id=ticket_id))

    assert [told("warning", t) for t in (10, 11, 12, 13)] == [True, True, False, False]
    assert [told("arrival", t) for t in (11, 12)] == [True, False]
    assert told("summary", None)
    me[0] = jonas
    assert [told("breach", t) for t in (10, 11, 12, 13)] == [False, False, True, True]
    # escalations to them: the people an escalation names
    audience.address(10, "escalation", [6, 1])
    assert not told("escalation", 10)
    me[0] = priya
    assert told("escalation", 10)
    audience.address(13, "customer_update", [2])
    assert not told("customer_update", 13)
    # dispatchers and managers hear of every ticket
    me[0] = sophie
    assert all(told(kind, t) for kind in ("warning", "customer_update") for t in entries)
    assert not audience(Notification(NOW, "customer_update", "t", "b", ticket_id=13))  # no pop-up
    # a ticket changing hands changes who hears of its customer's unassigned tickets
    entries[10] = entries[10]._replace(assignee_id=2)
    me[0] = priya
    audience.tickets_changed()
    assert [told("warning", t) for t in (10, 11)] == [False, False]
