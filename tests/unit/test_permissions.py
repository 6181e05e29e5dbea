"""The one assignment rule, as a table: who acts × who holds the ticket × where it goes."""

from __future__ import annotations

import pytest

from desktop_app.domain import Role, Technician
from desktop_app.domain.permissions import assignment_refusal, may_add_technicians, may_assign

ME = Technician("Tess Tech", Role.TECHNICIAN, escalation_level=1, id=1)
PEER = Technician("Paul Peer", Role.TECHNICIAN, escalation_level=1, id=2)
SENIOR = Technician("Sue Senior", Role.TECHNICIAN, escalation_level=2, id=3)
DISPATCHER = Technician("Dan Dispatcher", Role.DISPATCHER, id=4)
MANAGER = Technician("Mia Manager", Role.MANAGER, id=5)

# (actor, current holder id, target, handover) -> allowed
TABLE = [
    # a technician
    (ME, None, ME, False, True),  # takes an unassigned ticket
    (ME, PEER.id, ME, False, False),  # not a colleague's
    (ME, ME.id, None, False, True),  # hands their own back (undo of a take)
    (ME, PEER.id, None, False, False),  # not a colleague's back to the pool
    (ME, ME.id, PEER, False, False),  # gives nothing to a colleague
    (ME, None, PEER, False, False),
    (ME, ME.id, ME, False, True),  # already theirs: nothing moves
    (ME, ME.id, SENIOR, True, True),  # escalates their own to someone more senior
    (ME, None, SENIOR, True, True),  # ... or an unassigned one
    (ME, ME.id, PEER, True, False),  # not to a peer
    (ME, PEER.id, SENIOR, True, False),  # not a colleague's
    (ME, ME.id, SENIOR, False, False),  # only as part of an escalation
    # dispatchers and managers move anything
    (DISPATCHER, PEER.id, ME, False, True),
    (DISPATCHER, PEER.id, None, False, True),
    (MANAGER, None, PEER, False, True),
    (MANAGER, ME.id, DISPATCHER, False, True),
    # the desk itself (escalation on breach)
    (None, PEER.id, SENIOR, True, True),
    (None, None, PEER, False, True),
]


@pytest.mark.parametrize(("actor", "current", "target", "handover", "allowed"), TABLE)
def test_the_assignment_rule(
    actor: Technician | None,
    current: int | None,
    target: Technician | None,
    handover: bool,
    allowed: bool,
) -> None:
    assert may_assign(actor, current, target, handover=handover) is allowed


def test_a_refusal_says_why_and_what_to_do() -> None:
    refusal = assignment_refusal(ME, PEER.id, ME, ticket="TQ-7", current_name=PEER.name)
    assert refusal is not None
    assert "TQ-7 is Paul Peer's" in str(refusal) and "dispatcher or manager" in str(refusal)
    refusal = assignment_refusal(ME, ME.id, PEER, ticket="TQ-7")
    assert refusal is not None and "take TQ-7 or hand it back" in str(refusal)
    refusal = assignment_refusal(ME, ME.id, PEER, ticket="TQ-7", handover=True)
    assert refusal is not None and "more senior" in str(refusal)


def test_only_a_manager_adds_people_except_the_very_first() -> None:
    assert may_add_technicians(None, [])
    assert may_add_technicians(MANAGER, [MANAGER])
    assert not may_add_technicians(DISPATCHER, [MANAGER])
    assert not may_add_technicians(None, [MANAGER])
