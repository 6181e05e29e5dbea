"""Each use case of the store: what it writes, what it audits, what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from store_support import DeskIds, FakeClock, People

from desktop_app.domain import (
    ClockState,
    ConflictError,
    CriticismNote,
    EventKind,
    FeedbackSource,
    Metric,
    NotFoundError,
    Notification,
    PermissionDeniedError,
    Priority,
    Role,
    Sentiment,
    Technician,
    Ticket,
    TicketStatus,
    ValidationError,
)
from desktop_app.store import Store
from desktop_app.store.detail_views import load_customer_view
from support import writes


def _open(store: Store, people: People, ids: DeskIds, **kwargs: object) -> Ticket:
    args: dict[str, object] = {
        "customer_id": ids.acme,
        "subject": "Printer on fire",
        "category": "hardware",
        "priority": Priority.HIGH,
        "site_id": ids.acme_hq,
    }
    args.update(kwargs)
    return writes.create_ticket(store, people.alice, **args)  # type: ignore[arg-type]


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _audit_actions(store: Store, ticket: Ticket) -> list[str]:
    return [a.action for a in reversed(store.audit_log("ticket", _id(ticket)))]


# --- create and read -------------------------------------------------------------------------


def test_create_ticket_starts_clocks_and_audits(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids, contact_id=desk_ids.acme_contact)

    assert ticket.number == f"TQ-{ticket.id:06d}"
    assert ticket.status is TicketStatus.NEW and ticket.version == 1
    detail = store.ticket_detail(_id(ticket))
    assert [e.kind for e in detail.ticket.events] == [EventKind.CREATED]
    assert detail.ticket.events[0].author == "Alice Tech"
    assert detail.site is not None and detail.site.name == "Toronto HQ"
    assert detail.contact is not None and detail.contact.name == "Wile E."
    response = detail.clocks[Metric.FIRST_RESPONSE]
    # Gold, high priority: 1 h response in Toronto office hours from Monday 09:00 EST.
    assert response.state is ClockState.RUNNING
    assert response.due_at == clock.now + timedelta(hours=1)
    assert detail.clocks[Metric.NEXT_UPDATE].state is ClockState.INACTIVE
    [audit] = store.audit_log("ticket", _id(ticket))
    assert (audit.action, audit.actor, audit.technician_id) == (
        "create_ticket",
        "Alice Tech",
        people.alice,
    )
    assert audit.before is None and audit.after is not None
    assert audit.after["subject"] == "Printer on fire" and audit.at == clock.now


def test_create_ticket_refuses_bad_input_and_writes_nothing(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    audit_before = len(store.audit_log())
    with pytest.raises(ValidationError, match="subject"):
        _open(store, people, desk_ids, subject="   ")
    with pytest.raises(ValidationError, match="does not belong"):
        _open(store, people, desk_ids, customer_id=desk_ids.globex)  # Acme's site
    with pytest.raises(ValidationError, match="Unknown priority"):
        _open(store, people, desk_ids, priority="urgent")
    with pytest.raises(NotFoundError, match="customer"):
        _open(store, people, desk_ids, customer_id=999_999, site_id=None)
    with pytest.raises(PermissionDeniedError, match="dispatcher or manager"):
        _open(store, people, desk_ids, assignee_id=people.bob)
    assert store.load_queue() == []
    assert len(store.audit_log()) == audit_before


def test_queue_orders_by_nearest_deadline_and_pauses_last(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    low = _open(store, people, desk_ids, subject="Low", priority=Priority.LOW)
    critical = _open(store, people, desk_ids, subject="Critical", priority=Priority.CRITICAL)
    waiting = _open(store, people, desk_ids, subject="Waiting", priority=Priority.CRITICAL)
    waiting = writes.add_event(
        store, people.alice, _id(waiting), 1, EventKind.PUBLIC_REPLY, "Which PC?"
    )
    writes.wait_on_customer(store, people.alice, _id(waiting), waiting.version)
    globex = _open(
        store, people, desk_ids, subject="Berlin", customer_id=desk_ids.globex, site_id=None
    )

    queue = store.load_queue(clock.now)

    assert [e.subject for e in queue] == ["Critical", "Low", "Berlin", "Waiting"]
    by_subject = {e.subject: e for e in queue}
    assert by_subject["Waiting"].due_at is None
    assert by_subject["Waiting"].clocks[Metric.RESOLUTION].paused
    entry = by_subject["Critical"]
    assert entry.nearest is not None and entry.nearest.metric is Metric.FIRST_RESPONSE
    assert entry.customer_name == "Acme Corp" and entry.site_zone == "America/Toronto"
    assert entry.calendar is not None and not entry.calendar.is_always_open
    assert entry.policy_name == "Gold"
    # A ticket without a site counts in its customer's first site's calendar (Berlin).
    assert by_subject["Berlin"].site_name is None
    assert by_subject["Berlin"].site_zone == "Europe/Berlin"
    assert by_subject["Berlin"].policy_name == "Bronze"
    # Calendars are shared objects: one per (calendar, zone).
    assert by_subject["Low"].calendar is entry.calendar
    assert {e.ticket_id for e in queue} == {_id(low), _id(critical), _id(waiting), _id(globex)}


def test_queue_reports_a_passed_deadline_as_breached(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids, priority=Priority.CRITICAL)
    due = store.queue_entry(_id(ticket), clock.now)
    assert due is not None and due.nearest is not None
    assert due.nearest.state is ClockState.RUNNING
    deadline = due.nearest.due_at
    assert deadline is not None

    later = store.queue_entry(_id(ticket), deadline + timedelta(minutes=1))

    assert later is not None and later.nearest is not None
    assert later.nearest.state is ClockState.BREACHED
    assert later.nearest.breached_at == deadline


# --- conversation --------------------------------------------------------------------------


def test_reply_meets_first_response_and_opens_the_ticket(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    clock.advance(minutes=20)

    replied = writes.add_event(
        store, people.alice, _id(ticket), 1, EventKind.PUBLIC_REPLY, "On my way"
    )

    assert replied.status is TicketStatus.OPEN and replied.version == 2
    clocks = store.ticket_detail(_id(ticket)).clocks
    assert clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
    assert clocks[Metric.FIRST_RESPONSE].met_at == clock.now
    assert _audit_actions(store, ticket) == ["create_ticket", "add_public_reply"]
    audit = store.audit_log("ticket", _id(ticket))[0]
    assert audit.before == {"status": "new", "version": 1}
    assert audit.after is not None and audit.after["event"] == "public_reply"


def test_customer_message_starts_next_update_and_ends_a_wait(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    ticket = writes.add_event(
        store, people.alice, _id(ticket), 1, EventKind.PHONE_CALL, "Called back"
    )
    ticket = writes.wait_on_customer(
        store, people.alice, _id(ticket), ticket.version, "Need a photo"
    )
    assert ticket.status is TicketStatus.WAITING_ON_CUSTOMER
    clock.advance(hours=2)

    ticket = writes.add_event(
        store,
        people.alice,
        _id(ticket),
        ticket.version,
        EventKind.CUSTOMER_MESSAGE,
        "Photo attached",
    )

    assert ticket.status is TicketStatus.OPEN
    clocks = store.ticket_detail(_id(ticket)).clocks
    assert clocks[Metric.NEXT_UPDATE].state is ClockState.RUNNING
    assert clocks[Metric.NEXT_UPDATE].started_at == clock.now
    assert clocks[Metric.RESOLUTION].state is ClockState.RUNNING


def test_internal_note_needs_text_and_other_kinds_have_their_own_action(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _open(store, people, desk_ids)
    with pytest.raises(ValidationError, match="needs text"):
        writes.add_event(store, people.alice, _id(ticket), 1, EventKind.INTERNAL_NOTE, " ")
    with pytest.raises(ValidationError, match="own"):
        writes.add_event(store, people.alice, _id(ticket), 1, EventKind.RESOLVED, "done")
    noted = writes.add_event(store, people.alice, _id(ticket), 1, EventKind.INTERNAL_NOTE, "Toner?")
    assert noted.version == 2 and noted.status is TicketStatus.NEW
    events = store.ticket(_id(ticket)).events
    assert [(e.kind, e.text) for e in events][-1] == (EventKind.INTERNAL_NOTE, "Toner?")


# --- wait, resume, resolve, reopen -------------------------------------------------------


def test_wait_pauses_resolution_and_resume_moves_the_deadline_out(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    ticket = writes.add_event(store, people.alice, _id(ticket), 1, EventKind.PUBLIC_REPLY, "Hi")
    first_due = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION].due_at
    assert first_due is not None

    ticket = writes.wait_on_customer(store, people.alice, _id(ticket), ticket.version)
    paused = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION]
    assert paused.paused and paused.due_at is None
    with pytest.raises(ValidationError, match="already waiting"):
        writes.wait_on_customer(store, people.alice, _id(ticket), ticket.version)

    clock.advance(hours=1)  # Monday 10:00 EST: one business hour waited
    ticket = writes.resume(store, people.alice, _id(ticket), ticket.version)

    resumed = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION]
    assert ticket.status is TicketStatus.OPEN
    assert resumed.state is ClockState.RUNNING
    assert resumed.due_at == first_due + timedelta(hours=1)
    assert _audit_actions(store, ticket)[-2:] == ["wait_on_customer", "resume"]
    with pytest.raises(ValidationError, match="not waiting"):
        writes.resume(store, people.alice, _id(ticket), ticket.version)


def test_resolve_takes_the_ticket_off_the_queue_and_reopen_brings_it_back(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    clock.advance(minutes=30)
    ticket = writes.resolve(store, people.alice, _id(ticket), 1, "Replaced the fuser")

    assert ticket.status is TicketStatus.RESOLVED and ticket.resolved_at == clock.now
    assert store.load_queue() == []
    assert store.queue_entry(_id(ticket)) is None
    resolution = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION]
    assert resolution.state is ClockState.MET
    with pytest.raises(ValidationError, match="reopen"):
        writes.add_event(
            store, people.alice, _id(ticket), ticket.version, EventKind.PUBLIC_REPLY, "x"
        )
    with pytest.raises(ValidationError, match="reopen it first"):
        writes.escalate(store, people.alice, _id(ticket), ticket.version)

    clock.advance(minutes=30)
    ticket = writes.reopen(store, people.alice, _id(ticket), ticket.version, "Still jams")

    assert ticket.status is TicketStatus.OPEN and ticket.resolved_at is None
    assert [e.ticket_id for e in store.load_queue()] == [_id(ticket)]
    assert store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION].state is ClockState.RUNNING
    assert _audit_actions(store, ticket) == ["create_ticket", "resolve", "reopen"]


# --- priority, category, escalation --------------------------------------------------------


def test_priority_change_recomputes_the_clocks(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids, priority=Priority.NORMAL)
    before = store.ticket_detail(_id(ticket)).clocks[Metric.FIRST_RESPONSE].due_at

    ticket = writes.change_priority(store, people.alice, _id(ticket), 1, Priority.CRITICAL)

    after = store.ticket_detail(_id(ticket)).clocks[Metric.FIRST_RESPONSE]
    assert before == clock.now + timedelta(hours=2)  # Gold normal: 2 h
    assert after.due_at == clock.now + timedelta(minutes=30)  # Gold critical: 30 min
    assert after.target == timedelta(minutes=30)
    entry = store.queue_entry(_id(ticket))
    assert entry is not None and entry.priority is Priority.CRITICAL
    audit = store.audit_log("ticket", _id(ticket))[0]
    assert audit.action == "change_priority"
    assert audit.before == {"priority": "normal", "version": 1}
    assert audit.after == {"priority": "critical", "version": 2}
    with pytest.raises(ValidationError, match="already has priority"):
        writes.change_priority(store, people.alice, _id(ticket), 2, Priority.CRITICAL)


def test_a_response_met_in_time_stays_met_when_the_priority_is_raised(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids, priority=Priority.NORMAL)
    clock.advance(minutes=45)  # inside Gold normal's 2 h, past Gold critical's 30 min
    ticket = writes.add_event(
        store,
        people.alice,
        _id(ticket),
        ticket.version,
        EventKind.PUBLIC_REPLY,
        "Looking at it now.",
    )
    clock.advance(minutes=10)
    ticket = writes.change_priority(
        store, people.alice, _id(ticket), ticket.version, Priority.CRITICAL
    )
    detail = store.ticket_detail(_id(ticket))
    response = detail.clocks[Metric.FIRST_RESPONSE]
    assert response.state is ClockState.MET  # judged by the target it ran under
    assert response.target == timedelta(hours=2)
    resolution = detail.clocks[Metric.RESOLUTION]
    assert resolution.target < timedelta(hours=16)  # running: the new, tighter target


def test_category_change_to_outage_runs_round_the_clock(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    clock.now = datetime(2025, 3, 7, 21, 30, tzinfo=UTC)  # Friday 16:30 in Toronto
    ticket = _open(store, people, desk_ids, priority=Priority.CRITICAL)
    office = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION].due_at
    # Gold critical, 8 business hours: 30 min on Friday, 7.5 h from Monday 08:00 EST
    assert office == datetime(2025, 3, 10, 19, 30, tzinfo=UTC)  # Monday 15:30 EDT

    ticket = writes.change_category(store, people.alice, _id(ticket), 1, " Outage ")

    assert ticket.category == "outage"
    outage = store.ticket_detail(_id(ticket)).clocks[Metric.RESOLUTION].due_at
    assert outage == clock.now + timedelta(hours=4)  # Outage 24x7, critical: 4 h wall time
    entry = store.queue_entry(_id(ticket))
    assert entry is not None and entry.policy_name == "Outage 24x7"
    assert entry.calendar is not None and entry.calendar.is_always_open


def test_escalate_raises_the_level_and_can_hand_over(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _open(store, people, desk_ids)
    ticket = writes.escalate(
        store, people.alice, _id(ticket), 1, reassign_to_id=people.senior, text="Hot"
    )

    assert ticket.escalation_level == 1 and ticket.assignee_id == people.senior
    events = store.ticket(_id(ticket)).events
    assert [(e.kind, e.level, e.assignee_id) for e in events[1:]] == [
        (EventKind.ESCALATED, 1, None),
        (EventKind.ASSIGNED, None, people.senior),
    ]
    with pytest.raises(ValidationError, match="must raise"):
        writes.escalate(store, people.alice, _id(ticket), ticket.version, level=1)
    ticket = writes.escalate(store, people.alice, _id(ticket), ticket.version, level=3)
    assert ticket.escalation_level == 3
    audits = store.audit_log("ticket", _id(ticket))
    assert [a.action for a in audits[:2]] == ["escalate", "escalate"]
    assert audits[1].after == {"assignee_id": people.senior, "escalation_level": 1, "version": 2}


# --- assignment --------------------------------------------------------------------------


def test_technician_takes_a_ticket_but_only_a_dispatcher_hands_out(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _open(store, people, desk_ids)
    [taken] = writes.assign(store, people.bob, {_id(ticket): 1}, people.bob)
    assert taken.assignee_id == people.bob and taken.version == 2
    with pytest.raises(PermissionDeniedError, match="dispatcher or manager"):
        writes.assign(store, people.bob, {_id(ticket): 2}, people.alice)
    [handed] = writes.assign(store, people.dispatcher, {_id(ticket): 2}, people.alice)
    assert handed.assignee_id == people.alice
    entry = store.queue_entry(_id(ticket))
    assert entry is not None and entry.assignee_name == "Alice Tech"
    # a colleague's ticket is not Bob's to take or to unassign (the one rule, every path)
    with pytest.raises(PermissionDeniedError, match="Alice Tech's"):
        writes.assign(store, people.bob, {_id(ticket): 3}, people.bob)
    with pytest.raises(PermissionDeniedError, match="Alice Tech's"):
        writes.assign(store, people.bob, {_id(ticket): 3}, None)
    # Alice hands her own back to the pool (also how a take is undone)
    [back] = writes.assign(store, people.alice, {_id(ticket): 3}, None)
    assert back.assignee_id is None


def test_assign_many_is_one_action_and_all_or_nothing(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    tickets = [_open(store, people, desk_ids, subject=f"PC {n}") for n in range(3)]
    audit_count = len(store.audit_log())

    with pytest.raises(ConflictError) as caught:
        writes.assign(
            store,
            people.dispatcher,
            [(_id(tickets[0]), 1), (_id(tickets[1]), 1), (_id(tickets[2]), 7)],
            people.bob,
        )
    assert tickets[2].number in str(caught.value)
    assert all(e.assignee_id is None for e in store.load_queue())
    assert all(len(store.ticket(_id(t)).events) == 1 for t in tickets)
    assert len(store.audit_log()) == audit_count

    done = writes.assign(store, people.dispatcher, {_id(t): 1 for t in tickets}, people.bob)

    assert [t.assignee_id for t in done] == [people.bob] * 3
    assert len(store.audit_log()) == audit_count + 1
    audit = store.audit_log()[0]
    assert audit.action == "assign" and audit.actor == "Dana Dispatcher"
    assert audit.after == {"assignee_id": {t.number: people.bob for t in tickets}}
    with pytest.raises(ValidationError, match="at least one"):
        writes.assign(store, people.dispatcher, {}, people.bob)


def test_inactive_people_cannot_act_or_take_tickets(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    gone = writes.add_technician(
        store, people.manager, Technician("Gone Tech", Role.TECHNICIAN, 1, "UTC", active=False)
    )
    assert gone.id is not None
    ticket = _open(store, people, desk_ids)
    with pytest.raises(PermissionDeniedError, match="inactive"):
        writes.add_event(store, gone.id, _id(ticket), 1, EventKind.INTERNAL_NOTE, "hello")
    with pytest.raises(ValidationError, match="inactive"):
        writes.assign(store, people.dispatcher, {_id(ticket): 1}, gone.id)
    with pytest.raises(NotFoundError, match="technician"):
        writes.add_event(store, 424_242, _id(ticket), 1, EventKind.INTERNAL_NOTE, "hello")


def test_technicians_are_listed_and_only_managers_add_them(store: Store, people: People) -> None:
    names = [t.name for t in store.technicians()]
    assert names == sorted(names) and "Dana Dispatcher" in names
    with pytest.raises(PermissionDeniedError, match="manager"):
        writes.add_technician(store, people.dispatcher, Technician("New Person"))
    with pytest.raises(ValidationError, match="IANA"):
        writes.add_technician(
            store, people.manager, Technician("New Person", timezone="Mars/Olympus")
        )
    with pytest.raises(ValidationError, match="exists already"):
        writes.add_technician(store, people.manager, Technician("Bob Tech"))
    added = writes.add_technician(store, people.manager, Technician("New Person", Role.DISPATCHER))
    assert added.id is not None and added.role is Role.DISPATCHER
    assert store.audit_log("technician", added.id)[0].actor == "Morgan Manager"


# --- criticism, context, notifications, policies ------------------------------------------


def test_criticism_notes_add_edit_resolve_with_audit(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    note = writes.add_criticism(
        store,
        people.alice,
        CriticismNote(
            desk_ids.acme,
            clock.now,
            FeedbackSource.PHONE,
            Sentiment.NEGATIVE,
            "Nobody called back",
            ticket_id=_id(ticket),
            follow_up_owner_id=people.dispatcher,
        ),
    )
    assert note.id is not None and note.is_open
    entry = store.queue_entry(_id(ticket))
    assert entry is not None and entry.open_negative_criticism == 1

    edited = writes.edit_criticism(
        store,
        people.dispatcher,
        CriticismNote(**{**_note_fields(note), "text": "No call back (2x)"}),
    )
    assert edited.text == "No call back (2x)"
    clock.advance(days=1)
    resolved = writes.resolve_criticism(store, people.dispatcher, note.id)
    assert resolved.resolved_at == clock.now and not resolved.is_open
    entry = store.queue_entry(_id(ticket))
    assert entry is not None and entry.open_negative_criticism == 0
    with pytest.raises(ValidationError, match="resolved already"):
        writes.resolve_criticism(store, people.dispatcher, note.id)

    audits = store.audit_log("criticism", note.id)
    assert [a.action for a in reversed(audits)] == [
        "add_criticism",
        "edit_criticism",
        "resolve_criticism",
    ]
    assert audits[1].before == {"text": "Nobody called back"}
    assert audits[1].after == {"text": "No call back (2x)"}
    assert store.ticket_detail(_id(ticket)).criticism == (resolved,)


def _note_fields(note: CriticismNote) -> dict[str, object]:
    return {name: getattr(note, name) for name in CriticismNote.__slots__}


def test_criticism_refuses_a_ticket_of_another_customer(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    with pytest.raises(ValidationError, match="not a ticket of this customer"):
        writes.add_criticism(
            store,
            people.alice,
            CriticismNote(
                desk_ids.globex,
                clock.now,
                FeedbackSource.EMAIL,
                Sentiment.NEGATIVE,
                "Slow",
                ticket_id=_id(ticket),
            ),
        )
    with pytest.raises(ValidationError, match="customer's words"):
        writes.add_criticism(
            store,
            people.alice,
            CriticismNote(desk_ids.acme, clock.now, FeedbackSource.EMAIL, Sentiment.NEUTRAL, ""),
        )
    assert store.criticism_notes() == []


def test_customer_context_shows_breaches_and_attainment(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    late = _open(store, people, desk_ids, subject="Late")
    on_time = _open(store, people, desk_ids, subject="On time")
    writes.add_event(store, people.alice, _id(on_time), 1, EventKind.PUBLIC_REPLY, "Here")
    clock.advance(hours=2)  # the 1 h response target of "Late" has passed
    writes.add_event(store, people.alice, _id(late), 1, EventKind.PUBLIC_REPLY, "Sorry")
    writes.add_criticism(
        store,
        people.alice,
        CriticismNote(desk_ids.acme, clock.now, FeedbackSource.EMAIL, Sentiment.POSITIVE, "Thx"),
    )

    context = store.customer_context(desk_ids.acme)

    assert context.customer.name == "Acme Corp"
    assert [s.name for s in context.sites] == ["Toronto HQ"]
    assert [c.policy for c in context.contracts] == ["Gold"]
    assert {t.subject for t in context.open_tickets} == {"Late", "On time"}
    [breach] = context.recent_breaches
    assert breach.ticket_number == late.number and breach.metric is Metric.FIRST_RESPONSE
    assert breach.breached_at == late.created_at + timedelta(hours=1)
    response = context.attainment[Metric.FIRST_RESPONSE]
    assert (response.met, response.breached, response.percent) == (1, 1, 50.0)
    assert context.attainment[Metric.RESOLUTION].percent is None
    assert [n.text for n in context.criticism] == ["Thx"]
    with pytest.raises(NotFoundError):
        store.customer_context(987_654)


def test_the_months_breaches_price_the_service_credit(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    """Acme's Gold contract credits 2 % of its 5,000 fee per breached metric, capped at
    10 % a month; the month is Toronto's, where Acme's site is."""
    late = _open(store, people, desk_ids, subject="Late")
    clock.advance(hours=2)  # the 1 h response target has passed
    writes.add_event(store, people.alice, _id(late), 1, EventKind.PUBLIC_REPLY, "Sorry")

    context = store.customer_context(desk_ids.acme)
    assert (context.month, context.month_breaches) == (date(2025, 3, 1), 1)
    credit = load_customer_view(store, desk_ids.acme).credit
    assert credit is not None
    assert (credit.breaches, credit.percent, credit.amount) == (1, 2, 100.0)

    april = datetime(2025, 4, 1, 4, 0, tzinfo=UTC)  # midnight in Toronto (EDT)
    fresh = store.customer_context(desk_ids.acme, april)
    assert (fresh.month, fresh.month_breaches) == (date(2025, 4, 1), 0)
    assert len(fresh.recent_breaches) == 1  # still among the last 90 days
    last_minute = store.customer_context(desk_ids.acme, april - timedelta(minutes=1))
    assert (last_minute.month, last_minute.month_breaches) == (date(2025, 3, 1), 1)


def test_a_breached_update_cycle_keeps_counting_after_the_customer_writes_again(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    """The next-update clock's row holds only its latest cycle; the breach of an earlier
    cycle, recorded on the timeline by the monitor, still counts towards the month."""
    ticket = _open(store, people, desk_ids, subject="Update me")
    tid = _id(ticket)
    version = writes.add_event(store, people.alice, tid, 1, EventKind.PUBLIC_REPLY, "On it").version
    version = writes.add_event(
        store, people.alice, tid, version, EventKind.CUSTOMER_MESSAGE, "Any news?"
    ).version
    cycle = store.ticket_detail(tid).clocks[Metric.NEXT_UPDATE]
    assert cycle.due_at is not None
    clock.now = cycle.due_at + timedelta(minutes=30)
    writes.record_breach(store, tid, Metric.NEXT_UPDATE, cycle.due_at)  # what the monitor does
    version = writes.add_event(
        store, people.alice, tid, version, EventKind.PUBLIC_REPLY, "Late"
    ).version
    assert store.customer_context(desk_ids.acme).month_breaches == 1  # counted once
    clock.advance(minutes=5)
    writes.add_event(
        store, people.alice, tid, version, EventKind.CUSTOMER_MESSAGE, "One more thing"
    )
    latest = store.ticket_detail(tid).clocks[Metric.NEXT_UPDATE]
    assert latest.breached_at is None  # the row moved on to the new cycle...
    assert store.customer_context(desk_ids.acme).month_breaches == 1  # ...the breach stays


def test_notifications_add_list_and_mark_read(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    first = writes.add_notification(
        store,
        Notification(clock.now, "arrival", "New ticket", ticket.subject, ticket_id=_id(ticket)),
    )
    second = writes.add_notification(
        store,
        Notification(
            clock.advance(minutes=30),
            "warning",
            "50% of response time used",
            ticket.number,
            ticket_id=_id(ticket),
            metric=Metric.FIRST_RESPONSE,
            threshold="50%",
        ),
    )
    assert [n.id for n in store.notifications()] == [second.id, first.id]
    assert store.notifications()[0].metric is Metric.FIRST_RESPONSE
    assert first.id is not None

    assert writes.mark_notifications_read(store, people.alice, [first.id]) == 1

    assert [n.id for n in store.notifications(unread_only=True)] == [second.id]
    assert store.audit_log("notification")[0].action == "mark_notifications_read"
    with pytest.raises(TypeError, match="time zone"):
        writes.add_notification(store, Notification(datetime(2025, 1, 1), "arrival", "x", "y"))


def test_each_technician_sees_their_own_notifications_and_everyones(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    """On a shared server every desk records what it told the technician signed in there:
    Alice's desk does not fill Bob's list, and reading hers leaves his unread."""
    ticket = _open(store, people, desk_ids)

    def told(recipient: int | None, title: str) -> Notification:
        return writes.add_notification(store,
            Notification(
                clock.advance(minutes=1), "warning", title, ticket.number,
                ticket_id=_id(ticket), recipient_id=recipient,
            )
        )  # fmt: skip

    everyone = told(None, "Recorded before recipients")
    alices = told(people.alice, "For Alice")
    bobs = told(people.bob, "For Bob")
    assert alices.recipient_id == people.alice

    def titles(recipient: int | None, **kwargs: bool) -> list[str]:
        return [n.title for n in store.notifications(recipient_id=recipient, **kwargs)]

    assert titles(people.alice) == ["For Alice", "Recorded before recipients"]
    assert titles(people.bob) == ["For Bob", "Recorded before recipients"]
    assert titles(None) == ["For Bob", "For Alice", "Recorded before recipients"]
    ids = [n.id for n in (everyone, alices, bobs) if n.id is not None]
    assert writes.mark_notifications_read(store, people.alice, ids) == 2  # not Bob's
    assert titles(people.bob, unread_only=True) == ["For Bob"]
    assert titles(people.alice, unread_only=True) == []
    with pytest.raises(NotFoundError, match="No technician has id 987654"):
        told(987_654, "For nobody")
    assert len(titles(None)) == 3  # nothing half-written


def test_policies_and_calendars_come_from_the_database(store: Store) -> None:
    assert {p.name for p in store.policies()} >= {"Gold", "Standard", "Outage 24x7"}
    assert [c.name for c in store.calendars()] == ["Office hours"]
    gold = next(p for p in store.policies() if p.name == "Gold")
    assert gold.targets[(Priority.CRITICAL, Metric.FIRST_RESPONSE)] == timedelta(minutes=30)
    applied = store.policy_book().apply(
        Priority.HIGH, "outage", None, "Gold", "Europe/Berlin", "Office hours"
    )
    assert applied.policy.name == "Outage 24x7"
    assert store.seed_defaults() is False  # already seeded: nothing changes


def test_the_queue_head_is_the_tickets_that_breach_first(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    low = _open(store, people, desk_ids, priority=Priority.LOW)
    critical = _open(store, people, desk_ids, priority=Priority.CRITICAL)
    normal = _open(store, people, desk_ids, priority=Priority.NORMAL)
    head = store.load_queue_head(2)
    assert [e.ticket_id for e in head] == [_id(critical), _id(normal)]
    assert {e.ticket_id for e in store.load_queue()} == {_id(low), _id(critical), _id(normal)}
    assert store.load_queue_head(0) == []
