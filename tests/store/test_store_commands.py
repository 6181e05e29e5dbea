"""The one write path: commands carry their own instant and id, the store applies each
once, and every write says what it changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from store_support import DeskIds, FakeClock, People

from desktop_app.domain import (
    ClockState,
    CriticismNote,
    EventKind,
    FeedbackSource,
    Metric,
    Notification,
    Priority,
    Sentiment,
    Technician,
    Ticket,
    TicketStatus,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.domain.commands import (
    AddCriticism,
    AddEvent,
    AddNotification,
    AddTechnician,
    CreateTicket,
    Reassign,
    Resolve,
    from_json,
    to_json,
)
from desktop_app.store import Store


def _open(store: Store, people: People, ids: DeskIds, at: datetime | None = None) -> Ticket:
    command = CreateTicket(
        actor_id=people.alice,
        at=at or store.now(),
        customer_id=ids.acme,
        subject="Printer on fire",
        category="hardware",
        priority=Priority.HIGH,
        site_id=ids.acme_hq,
    )
    ticket = store.apply(command).result
    assert isinstance(ticket, Ticket) and ticket.id is not None
    return ticket


def test_a_command_happens_at_its_own_instant_not_when_it_is_applied(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    opened_at = clock.now
    ticket = _open(store, people, desk_ids)
    assert ticket.id is not None
    # the reply was given 20 minutes after the ticket came in, but reaches the store 6 hours
    # later (a laptop's outbox): the first response was met in time, at 09:20
    replied_at = opened_at + timedelta(minutes=20)
    clock.advance(hours=6)
    reply = AddEvent(
        actor_id=people.alice,
        at=replied_at,
        ticket_id=ticket.id,
        version=ticket.version,
        kind=EventKind.PUBLIC_REPLY,
        text="On my way",
    )
    replied = store.apply(reply).result
    assert isinstance(replied, Ticket)
    events = store.ticket(ticket.id).events
    assert events[-1].kind is EventKind.PUBLIC_REPLY and events[-1].at == replied_at
    response = store.ticket_detail(ticket.id).clocks[Metric.FIRST_RESPONSE]
    assert response.state is ClockState.MET and response.met_at == replied_at

    resolved_at = opened_at + timedelta(hours=1)
    resolve = Resolve(
        actor_id=people.alice, at=resolved_at, ticket_id=ticket.id, version=replied.version
    )
    done = store.apply(resolve).result
    assert isinstance(done, Ticket)
    assert done.resolved_at == resolved_at and done.status is TicketStatus.RESOLVED
    audit = store.audit_log("ticket", ticket.id)[0]
    assert audit.action == "resolve" and audit.at == clock.now  # applied now, happened then


def test_instants_in_the_future_or_before_the_ticket_are_refused(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    ticket = _open(store, people, desk_ids)
    assert ticket.id is not None
    audits = len(store.audit_log())
    for at, words in (
        (clock.now + timedelta(hours=3), "in the future"),
        (clock.now - timedelta(days=1), "before ticket"),
    ):
        with pytest.raises(ValidationError, match=words):
            store.apply(
                Resolve(actor_id=people.alice, at=at, ticket_id=ticket.id, version=ticket.version)
            )
    with pytest.raises(ValidationError, match="in the future"):
        _open(store, people, desk_ids, at=clock.now + timedelta(days=2))
    assert len(store.audit_log()) == audits  # nothing was written
    assert store.ticket(ticket.id).version == ticket.version


def test_the_same_command_applied_twice_is_written_once(
    store: Store, people: People, desk_ids: DeskIds
) -> None:
    ticket = _open(store, people, desk_ids)
    assert ticket.id is not None
    reply = AddEvent(
        actor_id=people.alice,
        at=store.now(),
        ticket_id=ticket.id,
        version=ticket.version,
        kind=EventKind.PUBLIC_REPLY,
        text="Sent once, whatever the network did",
    )
    first = store.apply(reply)
    # the same command again (an outbox replayed, or the desk retrying after it lost the
    # answer), even read back from JSON: nothing new, and no conflict with itself
    again = store.apply(from_json(to_json(reply)))
    assert not first.replayed and again.replayed
    assert again.changes.ticket_ids == {ticket.id}  # the screens read it again…
    assert isinstance(again.result, Ticket) and again.result.version == ticket.version + 1
    replies = [e for e in store.ticket(ticket.id).events if e.kind is EventKind.PUBLIC_REPLY]
    assert len(replies) == 1  # …but nothing was written twice
    assert store.command_applied(reply.command_id)
    actions = [a.action for a in store.audit_log("ticket", ticket.id)]
    assert actions.count("add_public_reply") == 1


def test_every_write_says_what_it_changed(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    store.drain_changes()
    first = _open(store, people, desk_ids)
    second = _open(store, people, desk_ids)
    assert first.id is not None and second.id is not None
    created = store.drain_changes()
    assert created.ticket_ids == {first.id, second.id}
    assert created.customer_ids == {desk_ids.acme} and created.actor == "Alice Tech"

    outcome = store.apply(
        Reassign.to(
            {first.id: first.version, second.id: second.version},
            people.bob,
            actor_id=people.dispatcher,
            at=clock.now,
        )
    )
    assert outcome.changes.ticket_ids == {first.id, second.id}
    assert outcome.changes.kinds_for(first.id) == ("assign",)
    assert {t.assignee_id for t in outcome.after.values()} == {people.bob}
    assert {t.assignee_id for t in outcome.before.values()} == {None}

    closed = store.apply(
        Resolve(actor_id=people.bob, at=clock.now, ticket_id=first.id, version=first.version + 1)
    )
    assert closed.changes.closed_ticket_ids == {first.id}

    # a criticism note changes its customer and the badge of the customer's open tickets
    note = CriticismNote(
        customer_id=desk_ids.acme,
        received_at=clock.now,
        source=FeedbackSource.PHONE,
        sentiment=Sentiment.NEGATIVE,
        text="Still waiting",
    )
    noted = store.apply(AddCriticism(actor_id=people.alice, at=clock.now, note=note))
    assert noted.changes.customer_ids == {desk_ids.acme}
    assert second.id in noted.changes.ticket_ids and first.id not in noted.changes.ticket_ids
    assert len(noted.changes.criticism_ids) == 1

    told = store.apply(
        AddNotification(
            actor_id=None,
            at=clock.now,
            notification=Notification(clock.now, "warning", "At risk", "TQ", first.id),
        )
    )
    assert told.changes.notification_ids == {told.result.id}  # type: ignore[attr-defined]

    hired = store.apply(
        AddTechnician(actor_id=people.manager, at=clock.now, technician=Technician("New Hire"))
    )
    assert hired.changes.setup == {Entity.TECHNICIAN}
    # the desk service reports everything since its last look in one change set
    everything = store.drain_changes()
    assert {first.id, second.id} <= everything.ticket_ids
    assert Entity.TECHNICIAN in everything.setup


def test_a_command_id_is_on_its_audit_row(store: Store, people: People, desk_ids: DeskIds) -> None:
    ticket = _open(store, people, desk_ids)
    assert ticket.id is not None
    command = Resolve(
        actor_id=people.alice,
        at=store.now(),
        ticket_id=ticket.id,
        version=ticket.version,
    )
    assert not store.command_applied(command.command_id)
    store.apply(command)
    assert store.command_applied(command.command_id)
