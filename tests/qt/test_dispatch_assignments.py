"""The board's assignment path in the store: many tickets in one audited transaction,
each back to its own previous assignee on undo, every stale ticket named, roles enforced."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import (
    EventKind,
    NotFoundError,
    PermissionDeniedError,
    Role,
    Technician,
    ValidationError,
)
from desktop_app.domain.errors import StaleTicketsError
from desktop_app.store import Store, open_store
from support import writes

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo desk built once; every test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("desk") / "desk.sqlite3"
    s = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    s.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=5))
    s.close()
    return path


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / source.name)
    s = open_store(f"sqlite:///{tmp_path / template.name}", clock=lambda: NOW)
    yield s
    s.close()


def person(store: Store, role: Role) -> Technician:
    return next(t for t in store.technicians() if t.role is role)


def unassign_some(store: Store, n: int) -> list[int]:
    """The demo desk assigns every ticket; a dispatcher hands ``n`` back to the pool."""
    lead = person(store, Role.DISPATCHER)
    chosen = dict(list(tickets(store).items())[-n:])
    writes.assign_tickets(store, lead.id, {t: v for t, (v, _a) in chosen.items()}, None)
    return list(chosen)


def tickets(store: Store) -> dict[int, tuple[int, int | None]]:
    """ticket id -> (version, assignee id) of every open ticket."""
    return {e.ticket_id: (e.version, e.assignee_id) for e in store.load_queue()}


def test_a_drop_of_several_tickets_is_one_audited_transaction(store: Store) -> None:
    lead = person(store, Role.DISPATCHER)
    before = tickets(store)
    target = next(t for t in store.technicians() if t.role is Role.TECHNICIAN)
    chosen = [tid for tid, (_v, a) in before.items() if a != target.id][:3]
    audit_before = len(store.audit_log())

    result = writes.assign_tickets(store, lead.id, {t: before[t][0] for t in chosen}, target.id)

    after = tickets(store)
    assert sorted(result.ticket_ids) == sorted(chosen)
    for tid in chosen:
        assert after[tid] == (before[tid][0] + 1, target.id)
    assert {r.previous_assignee_id for r in result.changed} == {before[t][1] for t in chosen}
    assert all(r.assignee_name == target.name for r in result.changed)
    log = store.audit_log()
    assert len(log) == audit_before + 1
    audit = log[0]
    assert audit.action == "assign" and audit.actor == lead.name and audit.entity_id is None
    numbers = {r.number for r in result.changed}
    assert audit.after == {"assignee_id": dict.fromkeys(numbers, target.id)}
    assert audit.before == {
        "assignee_id": {r.number: r.previous_assignee_id for r in result.changed}
    }
    events = store.ticket_detail(chosen[0]).ticket.events
    assert events[-1].kind is EventKind.ASSIGNED and events[-1].assignee_id == target.id
    # the queue entry the store reads back agrees with what the result says
    entry = store.queue_entry(chosen[0])
    changed = next(r for r in result.changed if r.ticket_id == chosen[0])
    assert entry is not None
    assert (entry.version, entry.assignee_id, entry.assignee_name) == (
        changed.version,
        target.id,
        target.name,
    )


def test_undo_puts_each_ticket_back_to_its_own_assignee_in_one_transaction(
    store: Store,
) -> None:
    lead = person(store, Role.MANAGER)
    unassign_some(store, 2)
    before = tickets(store)
    target = person(store, Role.DISPATCHER)
    chosen = [tid for tid, (_v, a) in before.items() if a != target.id][-12:]
    assert None in {before[t][1] for t in chosen}
    assert len({before[t][1] for t in chosen}) >= 3  # several previous assignees
    result = writes.assign_tickets(store, lead.id, {t: before[t][0] for t in chosen}, target.id)
    audit_before = len(store.audit_log())

    undo = writes.restore_assignees(
        store,
        lead.id,
        {r.ticket_id: (r.version, r.previous_assignee_id) for r in result.changed},
    )

    after = tickets(store)
    for tid in chosen:
        assert after[tid][1] == before[tid][1]
        assert after[tid][0] == before[tid][0] + 2
    assert len(store.audit_log()) == audit_before + 1
    assert store.audit_log()[0].action == "assign"  # the undo is an assignment too
    assert {r.assignee_id for r in undo.changed} == {before[t][1] for t in chosen}


def test_a_conflict_names_every_stale_ticket_and_writes_nothing(store: Store) -> None:
    lead = person(store, Role.DISPATCHER)
    before = tickets(store)
    chosen = list(before)[:5]
    # someone else changes two of them in the meantime
    other = person(store, Role.MANAGER)
    for tid in chosen[1:3]:
        writes.add_event(store, other.id, tid, before[tid][0], EventKind.INTERNAL_NOTE, "checked")
    audit_before = len(store.audit_log())
    target = person(store, Role.TECHNICIAN)

    with pytest.raises(StaleTicketsError) as caught:
        writes.assign_tickets(store, lead.id, {t: before[t][0] for t in chosen}, target.id)

    numbers = [store.ticket(t).number for t in chosen[1:3]]
    assert caught.value.numbers == numbers
    message = str(caught.value)
    assert all(n in message for n in numbers)
    assert other.name in message and "Nothing was assigned" in message
    assert store.ticket(chosen[0]).number not in message
    after = tickets(store)
    assert [after[t][1] for t in chosen] == [before[t][1] for t in chosen]
    assert after[chosen[0]][0] == before[chosen[0]][0]
    assert len(store.audit_log()) == audit_before


def test_a_technician_may_take_unassigned_tickets_only(store: Store) -> None:
    me = person(store, Role.TECHNICIAN)
    unassign_some(store, 3)
    before = tickets(store)
    free = [t for t, (_v, a) in before.items() if a is None][:2]
    theirs = next(t for t, (_v, a) in before.items() if a not in (None, me.id))
    assert free

    taken = writes.assign_tickets(store, me.id, {t: before[t][0] for t in free}, me.id)
    assert [r.assignee_id for r in taken.changed] == [me.id] * len(free)

    with pytest.raises(PermissionDeniedError, match="only take unassigned tickets"):
        writes.assign_tickets(store, me.id, {theirs: before[theirs][0]}, me.id)
    other = next(t for t in store.technicians() if t.id != me.id and t.active)
    free_left = [t for t, (_v, a) in tickets(store).items() if a is None]
    with pytest.raises(PermissionDeniedError, match=me.name):
        writes.assign_tickets(store, me.id, {free_left[0]: before[free_left[0]][0]}, other.id)
    # undoing a take hands the tickets back
    back = writes.restore_assignees(
        store, me.id, {r.ticket_id: (r.version, None) for r in taken.changed}
    )
    assert all(r.assignee_id is None for r in back.changed)
    assert tickets(store)[theirs] == before[theirs]


def test_an_inactive_technician_cannot_take_tickets(store: Store) -> None:
    lead = person(store, Role.DISPATCHER)
    manager = person(store, Role.MANAGER)
    gone = writes.add_technician(
        store, manager.id, Technician("Old Timer", Role.TECHNICIAN, active=False)
    )
    before = tickets(store)
    chosen = list(before)[:2]
    with pytest.raises(ValidationError, match="Old Timer is inactive"):
        writes.assign_tickets(store, lead.id, {t: before[t][0] for t in chosen}, gone.id)
    assert tickets(store) == before


def test_tickets_already_there_are_left_alone(store: Store) -> None:
    lead = person(store, Role.DISPATCHER)
    unassign_some(store, 1)
    before = tickets(store)
    held = next(t for t, (_v, a) in before.items() if a is not None)
    free = next(t for t, (_v, a) in before.items() if a is None)
    assignee = before[held][1]
    result = writes.assign_tickets(
        store, lead.id, {held: before[held][0], free: before[free][0]}, assignee
    )
    assert result.unchanged == (held,)
    assert result.ticket_ids == [free]
    assert tickets(store)[held] == before[held]


def test_bad_requests_say_what_is_wrong(store: Store) -> None:
    lead = person(store, Role.DISPATCHER)
    with pytest.raises(ValidationError, match="at least one ticket"):
        writes.assign_tickets(store, lead.id, {}, None)
    with pytest.raises(NotFoundError, match="99999"):
        writes.assign_tickets(store, lead.id, {99999: 1}, None)
    some = next(iter(tickets(store)))
    with pytest.raises(NotFoundError, match="technician has id 4242"):
        writes.assign_tickets(store, lead.id, {some: tickets(store)[some][0]}, 4242)
