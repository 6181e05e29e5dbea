"""Setup as commands, on SQLite and PostgreSQL: customers with sites, contacts and
contracts, technicians, SLA policies, calendars and holidays, the first set-up; who may
make each change; what each change does to the open tickets' clocks (and to nothing else);
concurrent edits; and a preview that is exactly what the save then does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from store_support import DeskIds, FakeClock, People

from desktop_app.domain import (
    CalendarSpec,
    Contact,
    Contract,
    Customer,
    Metric,
    NotFoundError,
    PermissionDeniedError,
    Priority,
    Role,
    SetupConflictError,
    Site,
    Technician,
    Tier,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.domain.commands import AddTechnician, CreateTicket
from desktop_app.domain.impact import SetupResult
from desktop_app.domain.setup_commands import (
    DeactivateTechnician,
    DeletePolicy,
    EditTechnician,
    SaveCalendar,
    SaveCustomer,
    SavePolicy,
    SetUpDesk,
)
from desktop_app.sla.policy import recommended_calendars, recommended_policies
from desktop_app.store import Store, open_store
from desktop_app.store.previews import preview_new_ticket
from desktop_app.store.queries.audit import audit_log
from desktop_app.store.queries.setup import customer_directory, customer_records, desk_setup
from desktop_app.store.schema import TicketClockRow, TicketRow
from support.writes import create_ticket, resolve


def _policy(store: Store, name: str):  # type: ignore[no-untyped-def]
    return next(p for p in desk_setup(store).policies if p.name == name)


def _calendar(store: Store, name: str) -> CalendarSpec:
    return next(c for c in desk_setup(store).calendars if c.name == name)


def _clock_rows(store: Store, ticket_id: int) -> list[tuple[object, ...]]:
    with store.reading() as session:
        rows = session.execute(
            select(TicketClockRow).where(TicketClockRow.ticket_id == ticket_id)
        ).scalars()
        return sorted(
            (r.metric, r.state, r.target_seconds, r.due_at, r.breached_at, r.met_at, r.as_of)
            for r in rows
        )


def _ticket_row(store: Store, ticket_id: int) -> tuple[object, ...]:
    with store.reading() as session:
        row = session.get(TicketRow, ticket_id)
        assert row is not None
        return (row.version, row.next_due_at, row.queue_clocks)


def _due(store: Store, ticket_id: int, metric: Metric) -> datetime | None:
    entry = store.queue_entry(ticket_id)
    assert entry is not None
    return entry.clocks[metric].due_at


@pytest.fixture
def tickets(store: Store, people: People, desk_ids: DeskIds, clock: FakeClock) -> dict[str, int]:
    """Open tickets of Acme (Toronto) and Globex (Berlin), and one Acme ticket closed."""
    acme_normal = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.acme,
        subject="VPN drops",
        category="network",
        priority=Priority.NORMAL,
        site_id=desk_ids.acme_hq,
    )
    acme_high = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.acme,
        subject="Mail down for one team",
        category="email",
        priority=Priority.HIGH,
    )
    globex = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.globex,
        subject="Printer jam",
        category="hardware",
        priority=Priority.NORMAL,
    )
    closed = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.acme,
        subject="Password reset",
        category="access",
        priority=Priority.NORMAL,
        site_id=desk_ids.acme_hq,
    )
    clock.advance(minutes=20)
    resolve(store, people.alice, closed.id, closed.version, text="Done")  # type: ignore[arg-type]
    ids = {"acme_normal": acme_normal.id, "acme_high": acme_high.id, "globex": globex.id}
    ids["closed"] = closed.id
    return {k: v for k, v in ids.items() if v is not None}


# --------------------------------------------------------------------------- customers


def test_a_new_customer_with_site_contact_and_contract_is_saved_in_one_step(
    store: Store, people: People, clock: FakeClock
) -> None:
    command = SaveCustomer(
        actor_id=people.dispatcher,
        at=clock(),
        customer=Customer("Fjord Fisheries AS", Tier.SILVER, "Boats on satellite links"),
        sites=(Site(0, "Bergen office", "Europe/Oslo", "Office hours", address="Bryggen 1"),),
        contacts=(Contact(0, "Ingrid Berg", "ingrid@fjord.example", "+47 555 0100"),),
        contracts=(Contract(0, "Silver", Tier.SILVER, date(2025, 1, 1), date(2025, 12, 31), 80.0),),
    )
    outcome = store.apply(command)

    result = outcome.result
    assert isinstance(result, SetupResult)
    customer = result.record
    assert isinstance(customer, Customer) and customer.id is not None
    records = customer_records(store, customer.id)
    assert [s.name for s in records.sites] == ["Bergen office"]
    assert records.sites[0].address == "Bryggen 1"
    assert records.sites[0].timezone == "Europe/Oslo"
    assert [c.email for c in records.contacts] == ["ingrid@fjord.example"]
    assert records.contracts[0].support_hours == 80.0
    assert {c.entity for c in outcome.changes.changes} == {
        Entity.CUSTOMER,
        Entity.SITE,
        Entity.CONTACT,
        Entity.CONTRACT,
    }
    assert customer.id in outcome.changes.customer_ids
    entry = audit_log(store, "customer", customer.id)[0]
    assert entry.action == "add_customer" and entry.actor == "Dana Dispatcher"
    assert entry.after is not None and entry.after["customer"]["name"] == "Fjord Fisheries AS"
    card = next(c for c in customer_directory(store) if c.id == customer.id)
    assert card.label == "Fjord Fisheries AS — Bergen office · Ingrid Berg"


def test_a_duplicate_customer_name_is_refused_and_nothing_is_written(
    store: Store, people: People, clock: FakeClock
) -> None:
    before = len(store.customers())
    with pytest.raises(ValidationError, match="exists already") as caught:
        store.apply(
            SaveCustomer(
                actor_id=people.manager,
                at=clock(),
                customer=Customer("  acme corp".strip(), Tier.GOLD),
                sites=(Site(0, "Somewhere", "America/Toronto", "Office hours"),),
            )
        )
    assert caught.value.field == "name"
    assert len(store.customers()) == before


def test_a_bad_site_refuses_the_whole_save_naming_the_field(
    store: Store, people: People, clock: FakeClock
) -> None:
    with pytest.raises(ValidationError, match="does not exist") as caught:
        store.apply(
            SaveCustomer(
                actor_id=people.manager,
                at=clock(),
                customer=Customer("Initech", Tier.BRONZE),
                sites=(
                    Site(0, "Main", "America/Chicago", "Office hours"),
                    Site(0, "Annex", "America/Chicago", "Weekend crew"),
                ),
                contacts=(Contact(0, "Bill L."),),
            )
        )
    assert caught.value.field == "sites.1.calendar"
    assert "Initech" not in {c.name for c in store.customers()}  # nothing half-saved


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"contracts": (Contract(0, "Gold", Tier.GOLD, date(2025, 6, 1), date(2025, 5, 1)),)},
            "contracts.0.ends_on",
            "before it starts",
        ),
        (
            {"sites": (Site(0, "HQ", "Mars/Olympus_Mons", "Office hours"),)},
            "sites.0.timezone",
            "not a time zone",
        ),
        (
            {"contacts": (Contact(0, "Ann", "ann at example.com"),)},
            "contacts.0.email",
            "not an e-mail address",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    change: dict[str, object], field: str, message: str, clock: FakeClock
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        SaveCustomer(actor_id=1, at=clock(), customer=Customer("X", Tier.GOLD), **change)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_technician_may_add_a_contact_but_not_change_a_customer(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    records = customer_records(store, desk_ids.acme)
    store.apply(
        SaveCustomer(
            actor_id=people.alice,
            at=clock(),
            customer=records.customer,
            contacts=(Contact(desk_ids.acme, "Road Runner", "beep@acme.test"),),
        )
    )
    assert "Road Runner" in {c.name for c in customer_records(store, desk_ids.acme).contacts}
    with pytest.raises(PermissionDeniedError, match="dispatcher or manager"):
        store.apply(
            SaveCustomer(
                actor_id=people.alice,
                at=clock(),
                customer=replace(records.customer, tier=Tier.PLATINUM),
            )
        )
    with pytest.raises(PermissionDeniedError):
        store.apply(
            SaveCustomer(
                actor_id=people.alice,
                at=clock(),
                customer=records.customer,
                sites=(replace(records.sites[0], timezone="Europe/Berlin"),),
            )
        )


def test_a_site_moving_zone_moves_just_its_tickets_and_keeps_closed_verdicts(
    store: Store, people: People, desk_ids: DeskIds, tickets: dict[str, int], clock: FakeClock
) -> None:
    records = customer_records(store, desk_ids.acme)
    hq = records.sites[0]
    globex_before = _ticket_row(store, tickets["globex"])
    closed_before = _clock_rows(store, tickets["closed"])
    acme_due = _due(store, tickets["acme_normal"], Metric.RESOLUTION)
    command = SaveCustomer(
        actor_id=people.dispatcher,
        at=clock(),
        customer=records.customer,
        sites=(replace(hq, timezone="Europe/Berlin"),),
    )

    preview = store.rehearse(command).result
    assert isinstance(preview, SetupResult)
    assert _due(store, tickets["acme_normal"], Metric.RESOLUTION) == acme_due  # not written
    outcome = store.apply(command)
    result = outcome.result
    assert isinstance(result, SetupResult)

    moved = {m.ticket_id for m in result.impact.moves}
    # both Acme tickets run at the HQ (one by site, one as the customer's first site)
    assert moved == {tickets["acme_normal"], tickets["acme_high"]}
    assert moved == {m.ticket_id for m in preview.impact.moves}
    assert outcome.changes.ticket_ids == moved
    assert _ticket_row(store, tickets["globex"]) == globex_before
    assert _clock_rows(store, tickets["closed"]) == closed_before
    new_due = _due(store, tickets["acme_normal"], Metric.RESOLUTION)
    assert acme_due is not None and new_due is not None
    # it came in at 15:00 in Berlin, two business hours before closing: the 24 business
    # hours now end on Thursday at 12:00 Berlin time, not Wednesday afternoon in Toronto
    assert new_due == datetime(2025, 3, 6, 11, 0, tzinfo=UTC)
    move = next(m for m in result.impact.moves if m.ticket_id == tickets["acme_normal"])
    assert move.moved == (new_due - acme_due).total_seconds()
    assert move.metric == "resolution" and move.after == new_due and move.before == acme_due
    assert _ticket_row(store, tickets["acme_normal"])[0] == 1  # the ticket's version stays


def test_a_contract_upgrade_applies_from_its_start_date(
    store: Store, people: People, desk_ids: DeskIds, tickets: dict[str, int], clock: FakeClock
) -> None:
    records = customer_records(store, desk_ids.acme)
    before = _due(store, tickets["acme_normal"], Metric.FIRST_RESPONSE)
    tomorrow = clock().date() + timedelta(days=1)
    outcome = store.apply(
        SaveCustomer(
            actor_id=people.manager,
            at=clock(),
            customer=records.customer,
            contracts=(
                replace(records.contracts[0], ends_on=tomorrow - timedelta(days=1)),
                Contract(desk_ids.acme, "Platinum", Tier.PLATINUM, tomorrow, date(2026, 12, 31)),
            ),
        )
    )
    result = outcome.result
    assert isinstance(result, SetupResult)
    assert result.impact.moves == ()  # tickets opened before keep their terms
    assert _due(store, tickets["acme_normal"], Metric.FIRST_RESPONSE) == before

    clock.advance(days=1)
    upgraded = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.acme,
        subject="New after the upgrade",
        category="network",
        priority=Priority.NORMAL,
        site_id=desk_ids.acme_hq,
    )
    entry = store.queue_entry(upgraded.id)  # type: ignore[arg-type]
    assert entry is not None and entry.policy_name == "Platinum"
    old = store.queue_entry(tickets["acme_normal"])
    assert old is not None and old.policy_name == "Gold"


def test_a_changed_site_saved_over_someone_elses_change_is_refused(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    records = customer_records(store, desk_ids.acme)
    hq = records.sites[0]
    store.apply(
        SaveCustomer(
            actor_id=people.dispatcher,
            at=clock(),
            customer=records.customer,
            sites=(replace(hq, address="1 Front St"),),
        )
    )
    with pytest.raises(SetupConflictError, match="changed by Dana Dispatcher") as caught:
        store.apply(
            SaveCustomer(
                actor_id=people.manager,
                at=clock(),
                customer=records.customer,
                sites=(replace(hq, address="2 King St"),),
            )
        )
    assert caught.value.expected_version == 1 and caught.value.actual_version == 2
    assert customer_records(store, desk_ids.acme).sites[0].address == "1 Front St"


# --------------------------------------------------------------------------- policies


def test_a_policy_change_recomputes_exactly_the_tickets_it_moves(
    store: Store, people: People, tickets: dict[str, int], clock: FakeClock
) -> None:
    gold = _policy(store, "Gold")
    targets = dict(gold.targets)
    targets[(Priority.NORMAL, Metric.RESOLUTION)] = timedelta(hours=4)
    command = SavePolicy(actor_id=people.manager, at=clock(), policy=replace(gold, targets=targets))
    globex_before = _ticket_row(store, tickets["globex"])
    high_before = _ticket_row(store, tickets["acme_high"])
    closed_before = _clock_rows(store, tickets["closed"])
    old_due = _due(store, tickets["acme_normal"], Metric.RESOLUTION)

    rehearsed = store.rehearse(command)
    outcome = store.apply(command)

    assert isinstance(rehearsed.result, SetupResult) and isinstance(outcome.result, SetupResult)
    impact = outcome.result.impact
    assert [m.ticket_id for m in impact.moves] == [tickets["acme_normal"]]
    assert rehearsed.result.impact.moves == impact.moves  # the preview is what happened
    assert impact.open_tickets == 3
    assert outcome.changes.ticket_ids == {tickets["acme_normal"]}
    assert Entity.POLICY in outcome.changes.setup
    new_due = _due(store, tickets["acme_normal"], Metric.RESOLUTION)
    assert old_due is not None and new_due is not None
    # 4 business hours from Monday 09:00 in Toronto (14:00 UTC): 13:00 the same day
    assert new_due == datetime(2025, 3, 3, 18, 0, tzinfo=UTC)
    assert impact.moves[0].moved == (new_due - old_due).total_seconds()
    assert _ticket_row(store, tickets["globex"]) == globex_before
    assert _ticket_row(store, tickets["acme_high"]) == high_before
    assert _clock_rows(store, tickets["closed"]) == closed_before
    entry = audit_log(store, "policy", gold.id)[0]
    assert entry.action == "edit_policy"
    assert entry.before is not None and entry.after is not None
    assert entry.before["targets"]["normal/resolution"] == 24 * 3600
    assert entry.after["targets"]["normal/resolution"] == 4 * 3600
    assert entry.after["open_tickets_recomputed"] == 1


def test_a_tighter_target_says_which_tickets_become_at_risk_or_breached(
    store: Store, people: People, tickets: dict[str, int], clock: FakeClock
) -> None:
    # the tickets came in 20 minutes ago
    gold = _policy(store, "Gold")
    targets = dict(gold.targets)
    targets[(Priority.NORMAL, Metric.FIRST_RESPONSE)] = timedelta(minutes=15)  # passed
    targets[(Priority.HIGH, Metric.FIRST_RESPONSE)] = timedelta(minutes=35)  # 57 % gone
    outcome = store.rehearse(
        SavePolicy(actor_id=people.manager, at=clock(), policy=replace(gold, targets=targets))
    )
    assert isinstance(outcome.result, SetupResult)
    impact = outcome.result.impact
    assert [m.ticket_id for m in impact.breached] == [tickets["acme_normal"]]
    assert [m.ticket_id for m in impact.at_risk] == [tickets["acme_high"]]
    assert "2 of 3 open tickets change deadline" in impact.summary()


def test_a_second_save_of_the_same_policy_is_refused_with_who_changed_it(
    store: Store, people: People, clock: FakeClock
) -> None:
    gold = _policy(store, "Gold")
    first = replace(gold, warnings=replace(gold.warnings, percents=(60, 90)))
    second = replace(gold, warnings=replace(gold.warnings, percents=(50,)))
    store.apply(SavePolicy(actor_id=people.dispatcher, at=clock(), policy=first))
    with pytest.raises(SetupConflictError, match="changed by Dana Dispatcher") as caught:
        store.apply(SavePolicy(actor_id=people.manager, at=clock(), policy=second))
    assert "Nothing was saved" in str(caught.value)
    assert _policy(store, "Gold").warnings.percents == (60, 90)


def test_a_policy_set_that_does_not_hold_together_is_refused_by_field(
    store: Store, people: People, clock: FakeClock
) -> None:
    silver = _policy(store, "Silver")
    with pytest.raises(ValidationError, match="both the default for Gold") as caught:
        store.apply(
            SavePolicy(actor_id=people.manager, at=clock(), policy=replace(silver, tier=Tier.GOLD))
        )
    assert caught.value.field == "tier"
    assert _policy(store, "Silver").tier is Tier.SILVER
    zero = dict(silver.targets)
    zero[(Priority.LOW, Metric.NEXT_UPDATE)] = timedelta(0)
    with pytest.raises(ValidationError, match="longer than zero") as caught:
        SavePolicy(actor_id=people.manager, at=clock(), policy=replace(silver, targets=zero))
    assert caught.value.field == "targets.low.next_update"


def test_only_leads_change_policies(store: Store, people: People, clock: FakeClock) -> None:
    gold = _policy(store, "Gold")
    with pytest.raises(PermissionDeniedError, match="Only a dispatcher or manager changes SLA"):
        store.apply(SavePolicy(actor_id=people.alice, at=clock(), policy=gold))


def test_renaming_a_policy_keeps_its_contracts(
    store: Store, people: People, desk_ids: DeskIds, tickets: dict[str, int], clock: FakeClock
) -> None:
    gold = _policy(store, "Gold")
    outcome = store.apply(
        SavePolicy(actor_id=people.manager, at=clock(), policy=replace(gold, name="Gold 2025"))
    )
    assert isinstance(outcome.result, SetupResult) and outcome.result.impact.moves == ()
    assert customer_records(store, desk_ids.acme).contracts[0].policy == "Gold 2025"
    entry = store.queue_entry(tickets["acme_normal"])
    assert entry is not None and entry.policy_name == "Gold 2025"


def test_an_override_policy_removed_hands_its_tickets_back_to_the_tier(
    store: Store, people: People, desk_ids: DeskIds, tickets: dict[str, int], clock: FakeClock
) -> None:
    outage = create_ticket(
        store,
        people.alice,
        customer_id=desk_ids.acme,
        subject="Site down",
        category="outage",
        priority=Priority.CRITICAL,
        site_id=desk_ids.acme_hq,
    )
    assert outage.id is not None
    override = _policy(store, "Outage 24x7")
    assert override.id is not None
    outcome = store.apply(
        DeletePolicy(
            actor_id=people.manager, at=clock(), policy_id=override.id, version=override.version
        )
    )
    assert isinstance(outcome.result, SetupResult)
    assert [m.ticket_id for m in outcome.result.impact.moves] == [outage.id]
    entry = store.queue_entry(outage.id)
    assert entry is not None and entry.policy_name == "Gold"
    gold = _policy(store, "Gold")
    assert gold.id is not None
    with pytest.raises(ValidationError, match="contracts of Acme Corp name the policy"):
        store.apply(
            DeletePolicy(
                actor_id=people.manager, at=clock(), policy_id=gold.id, version=gold.version
            )
        )


# --------------------------------------------------------------------------- calendars


def test_a_holiday_added_tomorrow_moves_the_tickets_running_in_that_calendar(
    store: Store, people: People, tickets: dict[str, int], clock: FakeClock
) -> None:
    office = _calendar(store, "Office hours")
    tomorrow = (clock() + timedelta(days=1)).date()
    before = {k: _due(store, v, Metric.RESOLUTION) for k, v in tickets.items() if k != "closed"}
    closed_before = _clock_rows(store, tickets["closed"])
    outcome = store.apply(
        SaveCalendar(
            actor_id=people.dispatcher,
            at=clock(),
            calendar=replace(office, holidays=(*office.holidays, tomorrow)),
        )
    )
    assert isinstance(outcome.result, SetupResult)
    moved = {m.ticket_id for m in outcome.result.impact.moves}
    assert moved == {tickets["acme_normal"], tickets["acme_high"], tickets["globex"]}
    for key, due in before.items():
        after = _due(store, tickets[key], Metric.RESOLUTION)
        assert due is not None and after is not None
        assert after > due  # a business day later (over a weekend for Globex's)
    normal = _due(store, tickets["acme_normal"], Metric.RESOLUTION)
    assert normal is not None and before["acme_normal"] is not None
    assert normal - before["acme_normal"] == timedelta(days=1)
    assert _clock_rows(store, tickets["closed"]) == closed_before
    assert outcome.changes.ticket_ids == moved
    entry = audit_log(store, "calendar", office.id)[0]
    assert entry.before == {"holidays": {"dates": []}}
    assert entry.after is not None and entry.after["holidays"] == {"dates": [tomorrow.isoformat()]}


def test_overnight_hours_are_kept_and_bad_hours_refused_by_field(
    store: Store, people: People, clock: FakeClock
) -> None:
    night = CalendarSpec(
        "Night desk",
        {0: [("22:00", "24:00")], 1: [("00:00", "06:00"), ("22:00", "24:00")]},
        zone="Europe/Berlin",
    )
    outcome = store.apply(SaveCalendar(actor_id=people.manager, at=clock(), calendar=night))
    assert isinstance(outcome.result, SetupResult)
    saved = _calendar(store, "Night desk")
    assert saved.hours[1] == [("00:00", "06:00"), ("22:00", "24:00")]
    assert saved.zone == "Europe/Berlin" and saved.version == 1
    overlapping = replace(saved, hours={0: [("08:00", "12:00"), ("11:00", "13:00")]})
    with pytest.raises(ValidationError, match="overlap") as caught:
        store.apply(SaveCalendar(actor_id=people.manager, at=clock(), calendar=overlapping))
    assert caught.value.field == "hours"
    with pytest.raises(ValidationError, match="outside the years") as caught:
        SaveCalendar(
            actor_id=people.manager,
            at=clock(),
            calendar=replace(saved, holidays=(date(2525, 12, 25),)),
        )
    assert caught.value.field == "holidays"
    with pytest.raises(ValidationError, match="'XX'") as caught:
        store.apply(
            SaveCalendar(
                actor_id=people.manager,
                at=clock(),
                calendar=replace(saved, holiday_region="XX"),
            )
        )
    assert caught.value.field == "holiday_region"


def test_renaming_a_calendar_keeps_its_sites_and_policies(
    store: Store, people: People, desk_ids: DeskIds, tickets: dict[str, int], clock: FakeClock
) -> None:
    office = _calendar(store, "Office hours")
    outcome = store.apply(
        SaveCalendar(
            actor_id=people.manager, at=clock(), calendar=replace(office, name="Head office")
        )
    )
    assert isinstance(outcome.result, SetupResult) and outcome.result.impact.moves == ()
    assert customer_records(store, desk_ids.acme).sites[0].calendar == "Head office"


# --------------------------------------------------------------------------- technicians


def test_technicians_are_added_edited_and_deactivated_never_deleted(
    store: Store, people: People, clock: FakeClock
) -> None:
    new = store.apply(
        AddTechnician(
            actor_id=people.manager,
            at=clock(),
            technician=Technician(
                "Ana Costa", Role.TECHNICIAN, 1, "Europe/Lisbon", shift_days=(0, 1, 2, 3)
            ),
        )
    ).result
    assert isinstance(new, Technician) and new.id is not None
    assert new.shift_days == (0, 1, 2, 3) and new.version == 1
    edited = store.apply(
        EditTechnician(
            actor_id=people.manager,
            at=clock(),
            technician=replace(new, role=Role.DISPATCHER, escalation_level=2),
        )
    ).result
    assert isinstance(edited, SetupResult)
    assert isinstance(edited.record, Technician) and edited.record.role is Role.DISPATCHER
    with pytest.raises(SetupConflictError, match="changed by Morgan Manager"):
        store.apply(
            EditTechnician(
                actor_id=people.manager, at=clock(), technician=replace(new, timezone="UTC")
            )
        )
    outcome = store.apply(
        DeactivateTechnician(actor_id=people.manager, at=clock(), technician_id=new.id, version=2)
    )
    assert Entity.TECHNICIAN in outcome.changes.setup
    gone = next(t for t in store.technicians() if t.id == new.id)
    assert not gone.active  # still there, with its history
    with pytest.raises(PermissionDeniedError, match="inactive"):
        store.apply(
            SaveCustomer(
                actor_id=new.id,
                at=clock(),
                customer=Customer("Anyone", Tier.BRONZE),
            )
        )


def test_only_a_manager_changes_people_and_the_last_manager_stays(
    store: Store, people: People, clock: FakeClock
) -> None:
    alice = next(t for t in store.technicians() if t.id == people.alice)
    with pytest.raises(PermissionDeniedError, match="Only a manager changes technicians"):
        store.apply(
            EditTechnician(
                actor_id=people.dispatcher, at=clock(), technician=replace(alice, name="Al")
            )
        )
    morgan = next(t for t in store.technicians() if t.id == people.manager)
    with pytest.raises(ValidationError, match="only active manager"):
        store.apply(
            EditTechnician(
                actor_id=people.manager,
                at=clock(),
                technician=replace(morgan, role=Role.DISPATCHER),
            )
        )
    with pytest.raises(ValidationError, match="only active manager"):
        store.apply(
            DeactivateTechnician(
                actor_id=people.manager, at=clock(), technician_id=people.manager, version=1
            )
        )
    with pytest.raises(ValidationError, match="not a time of day") as caught:
        EditTechnician(
            actor_id=people.manager, at=clock(), technician=replace(alice, shift_start="8am")
        )
    assert caught.value.field == "shift_start"
    with pytest.raises(NotFoundError):
        store.apply(
            DeactivateTechnician(actor_id=people.manager, at=clock(), technician_id=999, version=1)
        )


# --------------------------------------------------------------------------- the first set-up


def test_an_empty_desk_is_set_up_in_one_step_and_then_takes_the_sample_import(
    db_url: str, clock: FakeClock
) -> None:
    from pathlib import Path

    from desktop_app.interchange.files import import_file

    clock.now = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)  # after the samples' tickets came in
    store = open_store(db_url, clock=clock)
    try:
        samples = Path(__file__).resolve().parents[2] / "resources" / "samples"
        # the documented samples name these two calendars
        office = recommended_calendars()[0]
        command = SetUpDesk(
            actor_id=None,
            at=clock(),
            calendar=replace(office, name="Toronto office", zone="America/Toronto"),
            policies=tuple(recommended_policies()),
            manager=Technician("Morgan Manager", Role.MANAGER, 3, "America/Toronto"),
        )
        outcome = store.apply(command)
        assert isinstance(outcome.result, SetupResult)
        manager = outcome.result.record
        assert isinstance(manager, Technician) and manager.role is Role.MANAGER
        assert {Entity.TECHNICIAN, Entity.CALENDAR, Entity.POLICY} <= outcome.changes.setup
        with pytest.raises(ValidationError, match="set up already"):
            store.apply(replace(command, command_id="again"))
        store.apply(
            SaveCalendar(
                actor_id=manager.id,
                at=clock(),
                calendar=replace(office, name="Berlin office", zone="Europe/Berlin"),
            )
        )
        for name in ("customers.csv", "sites.csv", "contacts.csv", "tickets.csv", "desk.json"):
            report = import_file(store, samples / name)
            assert report.written, name
        assert len(store.load_queue()) >= 2
    finally:
        store.close()


# --------------------------------------------------------------------------- new tickets


def test_a_new_tickets_preview_is_the_deadlines_it_then_gets(
    store: Store, people: People, desk_ids: DeskIds, clock: FakeClock
) -> None:
    received = clock() - timedelta(minutes=40)  # a call logged after it came in
    preview = preview_new_ticket(
        store, desk_ids.acme, desk_ids.acme_hq, Priority.HIGH, "network", received
    )
    assert preview.terms.applied is not None
    assert "Gold" in preview.terms.explain()
    ticket = store.apply(
        CreateTicket(
            actor_id=people.alice,
            at=received,
            customer_id=desk_ids.acme,
            subject="Switch on fire",
            category="network",
            priority=Priority.HIGH,
            site_id=desk_ids.acme_hq,
            channel="phone",
        )
    ).result
    assert ticket is not None
    entry = store.queue_entry(ticket.id)  # type: ignore[attr-defined]
    assert entry is not None
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        assert entry.clocks[metric].due_at == preview.clocks[metric].due_at
    assert entry.created_at == received
    assert store.ticket(ticket.id).channel == "phone"  # type: ignore[attr-defined]
