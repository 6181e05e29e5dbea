"""import_desk: a whole desk in one transaction, names resolved, bad records named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from store_support import FakeClock, small_desk

from desktop_app.domain import (
    ClockState,
    Contract,
    CriticismNote,
    Customer,
    Desk,
    DeskCriticism,
    DeskCustomer,
    DeskTicket,
    EventKind,
    FeedbackSource,
    Metric,
    Priority,
    Sentiment,
    Site,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.store import Store
from desktop_app.store.bulk import DeskImporter, _utc_text
from desktop_app.store.types import NaiveDatetimeError, to_utc_text
from support import writes


def _ticket(number: str, clock: FakeClock, **kwargs: object) -> Ticket:
    fields: dict[str, object] = {
        "number": number,
        "customer_id": 0,
        "subject": f"Subject {number}",
        "category": "hardware",
        "priority": Priority.HIGH,
        "created_at": clock.now - timedelta(hours=1),
        "status": TicketStatus.OPEN,
    }
    fields.update(kwargs)
    return Ticket(**fields)  # type: ignore[arg-type]


def _desk(clock: FakeClock) -> Desk:
    desk = small_desk()
    start = clock.now - timedelta(hours=1)
    desk.tickets = [
        DeskTicket(
            _ticket(
                "A-1",
                clock,
                events=(
                    TicketEvent(EventKind.CREATED, start, "Wile E.", priority=Priority.HIGH),
                    TicketEvent(EventKind.PUBLIC_REPLY, start + timedelta(minutes=5), "Alice"),
                ),
            ),
            customer="Acme Corp",
            site="Toronto HQ",
            contact="Wile E.",
            assignee="Alice Tech",
        ),
        DeskTicket(
            _ticket(
                "A-2",
                clock,
                status=TicketStatus.RESOLVED,
                resolved_at=clock.now - timedelta(minutes=10),
            ),
            customer="Globex",
        ),
    ]
    desk.criticism = [
        DeskCriticism(
            CriticismNote(0, clock.now, FeedbackSource.SURVEY, Sentiment.NEGATIVE, "Too slow"),
            customer="Acme Corp",
            ticket_number="A-1",
            follow_up_owner="Dana Dispatcher",
        )
    ]
    return desk


def test_import_resolves_names_and_stores_clocks(empty_store: Store, clock: FakeClock) -> None:
    summary = empty_store.import_desk(_desk(clock))

    assert (summary.technicians, summary.customers, summary.sites) == (5, 2, 2)
    assert (summary.tickets, summary.events, summary.criticism) == (2, 4, 1)
    one = empty_store.ticket_by_number("A-1")
    detail = empty_store.ticket_detail(one.id or 0)
    assert detail.customer.name == "Acme Corp" and detail.site is not None
    assert detail.contact is not None and detail.contact.name == "Wile E."
    assert detail.assignee is not None and detail.assignee.name == "Alice Tech"
    assert detail.clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
    # A resolved ticket without a RESOLVED entry gets one at its resolution instant.
    two = empty_store.ticket_by_number("A-2")
    assert [e.kind for e in two.events] == [EventKind.CREATED, EventKind.RESOLVED]
    assert two.events[1].at == clock.now - timedelta(minutes=10)
    assert [e.number for e in empty_store.load_queue()] == ["A-1"]
    [note] = empty_store.criticism_notes()
    assert note.ticket_id == one.id and note.follow_up_owner_id is not None
    [audit] = empty_store.audit_log("desk")[:1]
    assert audit.action == "import_desk" and audit.after is not None
    assert audit.after["imported"]["tickets"] == 2


def test_import_reuses_existing_customers_and_technicians(
    empty_store: Store, clock: FakeClock
) -> None:
    empty_store.import_desk(small_desk())
    desk = Desk(tickets=[DeskTicket(_ticket("B-1", clock), "Acme Corp", assignee="Bob Tech")])
    summary = empty_store.import_desk(desk)
    assert (summary.customers, summary.technicians, summary.tickets) == (0, 0, 1)
    assert len(empty_store.customers()) == 2

    with pytest.raises(ValidationError, match="B-1 is already in the database"):
        empty_store.import_desk(desk)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda d, c: d.tickets.append(DeskTicket(_ticket("X-9", c), "Initech")),
            r"Ticket 'X-9' \(ticket #3\): customer 'Initech' is neither",
        ),
        (
            lambda d, c: d.tickets.append(DeskTicket(_ticket("X-9", c), "Globex", site="Moon")),
            "'Globex' has no site 'Moon'",
        ),
        (
            lambda d, c: d.tickets.append(
                DeskTicket(_ticket("X-9", c), "Globex", assignee="Nobody")
            ),
            "assignee 'Nobody'",
        ),
        (
            lambda d, c: d.tickets.append(
                DeskTicket(_ticket("X-9", c, created_at=datetime(2025, 1, 1)), "Globex")
            ),
            "no time zone",
        ),
        (
            lambda d, c: d.tickets.append(DeskTicket(_ticket("A-1", c), "Globex")),
            "'A-1' .* appears twice",
        ),
        (
            lambda d, c: d.customers.append(
                DeskCustomer(
                    Customer("Initech", Tier.SILVER),
                    sites=[Site(0, "Austin", "America/Austin", "Office hours")],
                )
            ),
            "'America/Austin' is not an IANA time zone",
        ),
        (
            lambda d, c: d.customers.append(
                DeskCustomer(
                    Customer("Initech", Tier.SILVER),
                    sites=[Site(0, "Austin", "America/Chicago", "Night shift")],
                )
            ),
            "calendar 'Night shift' does not exist",
        ),
        (
            lambda d, c: d.criticism.append(
                replace(d.criticism[0], ticket_number="A-2")  # a Globex ticket
            ),
            "ticket 'A-2' is not a ticket of 'Acme Corp'",
        ),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(
    empty_store: Store, clock: FakeClock, spoil, message: str
) -> None:  # type: ignore[no-untyped-def]
    desk = _desk(clock)
    spoil(desk, clock)
    audit_before = len(empty_store.audit_log())

    with pytest.raises(ValidationError, match=message):
        empty_store.import_desk(desk)

    assert empty_store.customers() == [] and empty_store.technicians() == []
    assert empty_store.load_queue() == [] and empty_store.criticism_notes() == []
    assert len(empty_store.audit_log()) == audit_before


def test_instants_in_any_zone_are_stored_as_the_same_utc_instants(
    empty_store: Store, clock: FakeClock
) -> None:
    berlin, toronto = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Toronto")
    start = (clock.now - timedelta(hours=2)).astimezone(berlin).replace(microsecond=250_000)
    reply = (start + timedelta(minutes=7)).astimezone(toronto)
    desk = small_desk()
    desk.tickets = [
        DeskTicket(
            _ticket(
                "Z-1",
                clock,
                created_at=start,
                events=(
                    TicketEvent(EventKind.CREATED, start, priority=Priority.HIGH),
                    TicketEvent(EventKind.PUBLIC_REPLY, reply, "Alice"),
                ),
            ),
            customer="Acme Corp",
        )
    ]
    empty_store.import_desk(desk)

    stored = empty_store.ticket_by_number("Z-1")
    assert stored.created_at == start and stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at.microsecond == 250_000
    assert [e.at for e in stored.events] == [start, reply]
    detail = empty_store.ticket_detail(stored.id or 0)
    assert detail.clocks[Metric.FIRST_RESPONSE].met_at == reply


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2025, 3, 12, 14, 30, tzinfo=UTC),
        datetime(2025, 3, 12, 14, 30, 5, 123_456, tzinfo=UTC),
        datetime(2025, 3, 12, 14, 30, 5, 1, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2025, 3, 30, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=ZoneInfo("America/Toronto")),
        datetime(2025, 3, 12, 9, 30, 0, 500, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_bulk_instant_text_is_the_sqlite_storage_form(instant: datetime) -> None:
    # The bulk import formats instants itself; they must match what the UTC type writes.
    assert _utc_text(instant) == to_utc_text(instant)


def test_bulk_instant_text_refuses_a_naive_instant() -> None:
    with pytest.raises(NaiveDatetimeError, match="has no time zone"):
        _utc_text(datetime(2025, 3, 12, 14, 30))


def test_a_number_taken_while_the_import_was_prepared_is_refused_and_nothing_is_written(
    empty_store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another desk may store the same number between the import's check and its insert;
    # the unique column then refuses the write (PostgreSQL's rows go in through COPY, not
    # through SQLAlchemy, and still raise SQLAlchemy's IntegrityError), the import is
    # prepared again, and that preparation names the number. Nothing is written.
    empty_store.import_desk(small_desk())
    empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("C-1", clock), "Acme Corp")]))
    audit_before = len(empty_store.audit_log())
    checked = DeskImporter._existing_numbers
    calls: list[int] = []

    def misses_it_once(session: Session, numbers: Sequence[str]) -> set[str]:
        calls.append(len(numbers))
        return set() if len(calls) == 1 else checked(session, numbers)

    monkeypatch.setattr(DeskImporter, "_existing_numbers", staticmethod(misses_it_once))
    late = Desk(
        tickets=[
            DeskTicket(_ticket("C-2", clock), "Acme Corp"),
            DeskTicket(_ticket("C-1", clock), "Globex"),
        ]
    )

    with pytest.raises(ValidationError, match="Ticket C-1 is already in the database"):
        empty_store.import_desk(late)

    assert calls == [2, 2]
    assert [e.number for e in empty_store.load_queue()] == ["C-1"]
    assert len(empty_store.audit_log()) == audit_before


def test_a_number_the_database_keeps_refusing_ends_the_import_after_three_preparations(
    empty_store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_store.import_desk(small_desk())
    empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("C-1", clock), "Acme Corp")]))
    monkeypatch.setattr(DeskImporter, "_existing_numbers", staticmethod(lambda s, n: set()))

    with pytest.raises(IntegrityError):
        empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("C-1", clock), "Globex")]))

    assert [e.number for e in empty_store.load_queue()] == ["C-1"]


def test_a_policy_changed_while_the_import_was_prepared_gives_clocks_of_the_new_policy(
    empty_store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clocks are computed before the write lock is taken; if a policy changes in
    # between, the write notices and the import is prepared again with the new targets.
    empty_store.import_desk(small_desk())
    gold = next(p for p in empty_store.policies() if p.name == "Gold")
    longer = replace(
        gold,
        targets={key: target * 2 for key, target in gold.targets.items()},
        id=None,
    )
    prepare = DeskImporter.prepare
    preparations: list[int] = []

    def prepare_while_someone_edits_the_policy(self: DeskImporter, desk: Desk) -> Any:
        prepared = prepare(self, desk)
        preparations.append(1)
        if len(preparations) == 1:
            empty_store.import_desk(Desk(policies=[longer]))
        return prepared

    monkeypatch.setattr(DeskImporter, "prepare", prepare_while_someone_edits_the_policy)
    empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("G-1", clock), "Acme Corp")]))

    assert len(preparations) == 3  # the import, the policy's own import, the import again
    ticket = empty_store.ticket_by_number("G-1")
    clocks = empty_store.ticket_detail(ticket.id or 0).clocks
    assert clocks[Metric.RESOLUTION].target == longer.targets[(Priority.HIGH, Metric.RESOLUTION)]


def test_the_desk_can_write_while_an_import_is_prepared(
    empty_store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Preparing holds no lock: a reply written meanwhile goes in at once, and the import
    # (which does not depend on that ticket) is written without being prepared again.
    empty_store.import_desk(small_desk())
    empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("R-1", clock), "Acme Corp")]))
    alice = next(t.id for t in empty_store.technicians() if t.name == "Alice Tech")
    prepare = DeskImporter.prepare
    preparations: list[int] = []

    def prepare_while_alice_replies(self: DeskImporter, desk: Desk) -> Any:
        prepared = prepare(self, desk)
        preparations.append(1)
        ticket = empty_store.ticket_by_number("R-1")
        assert alice is not None and ticket.id is not None
        writes.add_event(
            empty_store, alice, ticket.id, ticket.version, EventKind.PUBLIC_REPLY, "On it"
        )
        return prepared

    monkeypatch.setattr(DeskImporter, "prepare", prepare_while_alice_replies)
    empty_store.import_desk(Desk(tickets=[DeskTicket(_ticket("R-2", clock), "Globex")]))

    assert len(preparations) == 1
    assert {e.number for e in empty_store.load_queue()} == {"R-1", "R-2"}


def test_the_repeated_hour_at_the_end_of_summer_time_stays_two_instants(
    empty_store: Store, clock: FakeClock
) -> None:
    # 01:30 comes twice in Toronto on 2 November 2025: EDT first, then EST an hour later.
    # Equal wall times of one zone compare equal in Python whatever their fold, so they
    # must not share a remembered UTC text.
    toronto = ZoneInfo("America/Toronto")
    first = datetime(2025, 11, 2, 1, 30, tzinfo=toronto)
    second = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=toronto)
    desk = small_desk()
    desk.tickets = [
        DeskTicket(
            _ticket(
                "F-1",
                clock,
                created_at=first,
                events=(
                    TicketEvent(EventKind.CREATED, first, priority=Priority.HIGH),
                    TicketEvent(EventKind.INTERNAL_NOTE, second, "Alice", "An hour later"),
                ),
            ),
            customer="Acme Corp",
        )
    ]
    empty_store.import_desk(desk)

    stored = empty_store.ticket_by_number("F-1")
    assert [e.at for e in stored.events] == [
        datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
        datetime(2025, 11, 2, 6, 30, tzinfo=UTC),
    ]


def test_an_imported_ticket_runs_under_the_contract_in_force_the_day_it_was_opened(
    empty_store: Store, clock: FakeClock
) -> None:
    # Acme's Gold contract began this year; last year it had Bronze. A ticket opened last
    # year is judged by Bronze, as the queue shows it and as the desk's own writes compute.
    desk = small_desk()
    desk.customers[0].contracts.append(
        Contract(0, "Bronze", Tier.BRONZE, date(2024, 1, 1), date(2024, 12, 31))
    )
    desk.tickets = [
        DeskTicket(_ticket("K-1", clock, created_at=clock.now - timedelta(days=300)), "Acme Corp"),
        DeskTicket(_ticket("K-2", clock), "Acme Corp"),
    ]
    empty_store.import_desk(desk)

    def resolution_target(number: str) -> timedelta:
        ticket = empty_store.ticket_by_number(number)
        return empty_store.ticket_detail(ticket.id or 0).clocks[Metric.RESOLUTION].target

    last_year, this_year = resolution_target("K-1"), resolution_target("K-2")
    assert last_year > this_year  # Bronze allows longer than Gold
    alice = next(t.id for t in empty_store.technicians() if t.name == "Alice Tech")
    for number in ("K-1", "K-2"):
        ticket = empty_store.ticket_by_number(number)
        assert alice is not None and ticket.id is not None
        writes.add_event(
            empty_store, alice, ticket.id, ticket.version, EventKind.INTERNAL_NOTE, "Seen"
        )
    assert (resolution_target("K-1"), resolution_target("K-2")) == (last_year, this_year)


def test_a_contract_keeps_its_currency_and_an_unknown_currency_is_refused(
    empty_store: Store,
) -> None:
    desk = small_desk()
    [contract] = desk.customers[0].contracts
    desk.customers[0].contracts[0] = replace(contract, currency="eur")
    with pytest.raises(ValidationError, match=r"'eur' is not a currency code.*EUR, USD"):
        empty_store.import_desk(desk)
    assert empty_store.customers() == []  # nothing half-written

    desk.customers[0].contracts[0] = replace(contract, currency="CAD", attainment_target=95)
    empty_store.import_desk(desk)
    acme = next(c for c in empty_store.customers() if c.name == "Acme Corp")
    [stored] = empty_store.customer_context(acme.id or 0).contracts
    assert (stored.currency, stored.attainment_target) == ("CAD", 95.0)
