"""Commands are data: every type round-trips through JSON exactly, bad JSON is refused by
name, and undo/redo are pure functions of a command and what it changed."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from desktop_app.domain import (
    CalendarSpec,
    Contact,
    Contract,
    CriticismNote,
    Customer,
    EventKind,
    FeedbackSource,
    Metric,
    Notification,
    Priority,
    Role,
    Sentiment,
    Site,
    Technician,
    Ticket,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.domain.commands import (
    COMMAND_TYPES,
    AddCriticism,
    AddEvent,
    AddNotification,
    AddTechnician,
    ChangeCategory,
    ChangePriority,
    Command,
    CommandFormatError,
    CreateTicket,
    EditCriticism,
    Escalate,
    MarkNotificationsRead,
    Move,
    Reassign,
    RecordBreach,
    Reopen,
    Resolve,
    ResolveCriticism,
    Resume,
    WaitOnCustomer,
    from_json,
    inverse,
    rebase,
    to_json,
)
from desktop_app.domain.setup_commands import (
    DeactivateTechnician,
    DeletePolicy,
    EditTechnician,
    SaveCalendar,
    SaveCustomer,
    SavePolicy,
    SetUpDesk,
)
from desktop_app.sla.policy import recommended_policies

# an instant with an offset other than UTC, to show the offset survives
AT = datetime(2026, 3, 9, 10, 5, 7, 123456, tzinfo=timezone(timedelta(hours=-4)))
NOTE = CriticismNote(
    customer_id=3,
    received_at=datetime(2026, 3, 8, 9, 0, tzinfo=UTC),
    source=FeedbackSource.PHONE,
    sentiment=Sentiment.NEGATIVE,
    text="Nobody called back — «again»",
    ticket_id=12,
    follow_up_owner_id=4,
    follow_up_due=date(2026, 3, 12),
    id=7,
)

SAMPLES: list[Command] = [
    AddEvent(actor_id=1, at=AT, ticket_id=5, version=3, kind=EventKind.PHONE_CALL, text="Hi"),
    WaitOnCustomer(actor_id=1, at=AT, ticket_id=5, version=3, text="Need logs"),
    Resume(actor_id=1, at=AT, ticket_id=5, version=4),
    Resolve(actor_id=1, at=AT, ticket_id=5, version=4, text="Fixed"),
    Reopen(actor_id=2, at=AT, ticket_id=5, version=5),
    ChangePriority(actor_id=1, at=AT, ticket_id=5, version=3, priority=Priority.CRITICAL),
    ChangeCategory(actor_id=1, at=AT, ticket_id=5, version=3, category="outage"),
    Escalate(actor_id=None, at=AT, ticket_id=5, version=3, level=2, reassign_to_id=9, text="x"),
    RecordBreach(actor_id=None, at=AT, ticket_id=5, metric=Metric.NEXT_UPDATE),
    Reassign(actor_id=2, at=AT, moves=(Move(5, 3, 9), Move(6, 1, None))),
    CreateTicket(
        actor_id=1,
        at=AT,
        customer_id=3,
        subject="Printer on fire",
        category="hardware",
        priority=Priority.HIGH,
        site_id=2,
        contact_id=None,
        description="Smoke\nand flames",
        assignee_id=1,
        channel="phone",
    ),
    AddCriticism(actor_id=1, at=AT, note=NOTE),
    EditCriticism(actor_id=1, at=AT, note=NOTE),
    ResolveCriticism(actor_id=1, at=AT, note_id=7),
    AddNotification(
        actor_id=None,
        at=AT,
        notification=Notification(
            created_at=AT,
            kind="breach",
            title="Breached",
            body="TQ-1",
            ticket_id=5,
            metric=Metric.RESOLUTION,
            recipient_id=1,
        ),
    ),
    MarkNotificationsRead(actor_id=1, at=AT, notification_ids=(3, 4, 9)),
    AddTechnician(
        actor_id=8,
        at=AT,
        technician=Technician(
            "Ana Costa", Role.DISPATCHER, 2, "America/Toronto", shift_end="18:00"
        ),
    ),
    SaveCustomer(
        actor_id=8,
        at=AT,
        customer=Customer("Fjord Fisheries AS", Tier.GOLD, "Boats", id=4, version=2),
        sites=(
            Site(4, "Bergen office", "Europe/Oslo", "Office hours", address="Bryggen 1"),
            Site(4, "Harbour", "Europe/Oslo", "24x7", id=9, version=3),
        ),
        contacts=(Contact(4, "Ingrid Berg", "ingrid@fjord.example", "+47 555 0100"),),
        contracts=(
            Contract(
                4,
                "Gold",
                Tier.GOLD,
                date(2026, 1, 1),
                date(2026, 12, 31),
                support_hours=120.0,
                credit_percent_per_breach=2.5,
                credit_cap_percent=20.0,
                currency="NOK",
            ),
        ),
    ),
    EditTechnician(
        actor_id=8,
        at=AT,
        technician=Technician(
            "Ana Costa",
            Role.DISPATCHER,
            2,
            "Europe/Berlin",
            id=3,
            shift_days=(0, 1, 2, 3),
            login="ana",
            version=4,
        ),
    ),
    DeactivateTechnician(actor_id=8, at=AT, technician_id=3, version=5),
    SavePolicy(actor_id=8, at=AT, policy=replace(recommended_policies()[5], id=6, version=2)),
    DeletePolicy(actor_id=8, at=AT, policy_id=6, version=3),
    SaveCalendar(
        actor_id=8,
        at=AT,
        calendar=CalendarSpec(
            "Night desk",
            {0: [("22:00", "24:00")], 1: [("00:00", "06:00")]},
            holidays=(date(2026, 12, 25), date(2026, 12, 26)),
            holiday_region="CA-ON",
            id=2,
            zone="America/Toronto",
            version=7,
        ),
    ),
    SetUpDesk(
        actor_id=None,
        at=AT,
        calendar=CalendarSpec("Office hours", {0: [("08:00", "17:00")]}, zone="Europe/Oslo"),
        policies=tuple(recommended_policies()),
        manager=Technician("Morgan", Role.MANAGER, 2, "Europe/Oslo", shift_days=(0, 1, 2, 3, 4)),
    ),
]


def test_every_command_type_has_a_sample() -> None:
    assert {type(c) for c in SAMPLES} == set(COMMAND_TYPES.values())


@pytest.mark.parametrize("command", SAMPLES, ids=lambda c: type(c).__name__)
def test_every_command_round_trips_through_json_exactly(command: Command) -> None:
    text = json.dumps(to_json(command))
    back = from_json(json.loads(text))
    assert back == command
    assert type(back) is type(command)
    for f in fields(command):  # same values and the same types (enums stay enums)
        assert type(getattr(back, f.name)) is type(getattr(command, f.name))
    assert back.at.utcoffset() == timedelta(hours=-4)


def test_unknown_types_and_newer_formats_are_refused_by_name() -> None:
    data = to_json(SAMPLES[0])
    with pytest.raises(CommandFormatError, match=r"'frobnicate'.*newer version"):
        from_json({**data, "type": "frobnicate"})
    with pytest.raises(CommandFormatError, match="'add_event' is written in format 2"):
        from_json({**data, "format": 2})
    with pytest.raises(CommandFormatError, match=r"unknown field.*colour"):
        from_json({**data, "fields": {**data["fields"], "colour": "red"}})
    with pytest.raises(CommandFormatError, match=r"field 'priority'.*'urgent'"):
        bad = to_json(SAMPLES[5])
        from_json({**bad, "fields": {**bad["fields"], "priority": "urgent"}})
    with pytest.raises(CommandFormatError, match="'at' is missing"):
        fields_without_at = {k: v for k, v in data["fields"].items() if k != "at"}
        from_json({**data, "fields": fields_without_at})


def test_commands_refuse_what_they_can_tell_alone() -> None:
    with pytest.raises(ValidationError, match="one-line summary"):
        AddEvent(actor_id=1, at=AT, ticket_id=1, version=1, kind=EventKind.PHONE_CALL, text=" ")
    with pytest.raises(ValidationError, match="resolve"):
        AddEvent(actor_id=1, at=AT, ticket_id=1, version=1, kind=EventKind.RESOLVED, text="x")
    with pytest.raises(ValidationError, match="no time zone"):
        Resolve(actor_id=1, at=datetime(2026, 3, 9, 10), ticket_id=1, version=1)
    with pytest.raises(ValidationError, match="Unknown priority 'urgent'"):
        ChangePriority(actor_id=1, at=AT, ticket_id=1, version=1, priority="urgent")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="twice"):
        Reassign(actor_id=1, at=AT, moves=(Move(1, 1, 2), Move(1, 1, 3)))
    with pytest.raises(ValidationError, match="at least one"):
        Reassign(actor_id=1, at=AT, moves=())


def _ticket(version: int, **kw: object) -> Ticket:
    values: dict[str, object] = {
        "number": "TQ-000005",
        "customer_id": 3,
        "subject": "s",
        "category": "hardware",
        "priority": Priority.NORMAL,
        "created_at": AT,
        "version": version,
        "id": 5,
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


def test_undo_is_the_inverse_at_the_version_the_command_left() -> None:
    later = AT + timedelta(hours=1)
    wait = WaitOnCustomer(actor_id=1, at=AT, ticket_id=5, version=3)
    back = inverse(wait, {5: _ticket(3)}, {5: _ticket(4)}, at=later)
    assert back == Resume(actor_id=1, at=later, ticket_id=5, version=4, command_id=back.command_id)

    change = ChangePriority(actor_id=1, at=AT, ticket_id=5, version=3, priority=Priority.HIGH)
    back = inverse(change, {5: _ticket(3)}, {5: _ticket(4, priority=Priority.HIGH)}, at=later)
    assert isinstance(back, ChangePriority) and back.priority is Priority.NORMAL

    resolve = Resolve(actor_id=1, at=AT, ticket_id=5, version=3)
    back = inverse(
        resolve, {5: _ticket(3)}, {5: _ticket(4, status=TicketStatus.RESOLVED)}, at=later
    )
    assert isinstance(back, Reopen) and back.version == 4

    moves = Reassign(actor_id=2, at=AT, moves=(Move(5, 3, 9), Move(6, 1, 9)))
    before = {5: _ticket(3, assignee_id=1), 6: _ticket(1, id=6, assignee_id=None)}
    after = {5: _ticket(4, assignee_id=9), 6: _ticket(2, id=6, assignee_id=9)}
    back = inverse(moves, before, after, at=later)
    assert isinstance(back, Reassign)
    assert back.moves == (Move(5, 4, 1), Move(6, 2, None))  # each to its own, at its version

    reply = AddEvent(
        actor_id=1, at=AT, ticket_id=5, version=3, kind=EventKind.PUBLIC_REPLY, text="x"
    )
    assert inverse(reply, {5: _ticket(3)}, {5: _ticket(4)}, at=later) is None  # sent is sent


def test_redo_is_the_same_change_for_new_versions_as_a_new_execution() -> None:
    moves = Reassign(actor_id=2, at=AT, moves=(Move(5, 3, 9), Move(6, 1, 9)))
    again = rebase(moves, {5: 7, 6: 4}, at=AT + timedelta(hours=2))
    assert again.moves == (Move(5, 7, 9), Move(6, 4, 9))
    assert again.command_id != moves.command_id and again.at == AT + timedelta(hours=2)
    retry = rebase(Resolve(actor_id=1, at=AT, ticket_id=5, version=3), {5: 4}, new_id=False)
    assert retry.version == 4 and retry.at == AT
