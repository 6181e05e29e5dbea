"""Who may do what: the one place the desk's rules about people live.

Every path asks here — *Take*, the board's drops, *Assign to…*, the escalation hand-over,
undo and redo, and the store that applies them — so a technician meets the same answer
wherever they try.

Assignment, for a technician (dispatchers and managers move any ticket; the desk itself,
escalating on a breach, too):

* **take** an unassigned ticket for themself;
* **hand back** a ticket they hold to *Unassigned* (which is also the undo of a take);
* **hand over** a ticket they hold (or an unassigned one) to someone more senior when
  escalating it;
* nothing else: a colleague's ticket, or giving a ticket to a colleague, is for a
  dispatcher or manager (they see the whole desk).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop_app.domain.enums import Role
from desktop_app.domain.model import Technician

__all__ = [
    "LEADS",
    "SETUP_EDITORS",
    "Refusal",
    "assignment_refusal",
    "is_lead",
    "may_add_technicians",
    "may_assign",
    "setup_refusal",
]

LEADS = frozenset({Role.DISPATCHER, Role.MANAGER})

# Who changes which part of the desk's setup. Everyone logs tickets and keeps contacts
# current (a caller gives a new number); customers, sites, contracts, SLA policies and
# business calendars move deadlines, so dispatchers and managers change them; the people
# on the desk, and their logins, are the manager's.
SETUP_EDITORS: dict[str, frozenset[Role]] = {
    "contact": frozenset(Role),
    "customer": LEADS,
    "site": LEADS,
    "contract": LEADS,
    "policy": LEADS,
    "calendar": LEADS,
    "technician": frozenset({Role.MANAGER}),
}

_SETUP_WORDS = {
    "contact": "contacts",
    "customer": "customers",
    "site": "sites",
    "contract": "contracts",
    "policy": "SLA policies",
    "calendar": "business calendars and holidays",
    "technician": "technicians",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why something is not allowed, in words the person can act on."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def is_lead(person: Technician | None) -> bool:
    return person is not None and Role(person.role) in LEADS


def assignment_refusal(
    actor: Technician | None,
    current_id: int | None,
    target: Technician | None,
    *,
    ticket: str = "this ticket",
    current_name: str | None = None,
    handover: bool = False,
) -> Refusal | None:
    """``None`` when ``actor`` may move a ticket held by ``current_id`` (``None``:
    unassigned) to ``target`` (``None``: unassigned); else why not.

    ``actor`` ``None`` is the desk itself. ``handover``: the move is part of escalating
    the ticket."""
    target_id = target.id if target is not None else None
    if actor is None or is_lead(actor) or target_id == current_id:
        return None
    me = actor.id
    if target_id == me and current_id is None:
        return None  # take an unassigned ticket
    if current_id == me and target_id is None:
        return None  # hand it back
    if (
        handover
        and current_id in (me, None)
        and target is not None
        and target.escalation_level > actor.escalation_level
    ):
        return None  # escalate a ticket of theirs (or nobody's) to someone more senior
    holder = current_name or ("someone else" if current_id is not None else "nobody")
    if target_id == me:
        return Refusal(
            f"{ticket} is {holder}'s; a technician may only take unassigned tickets. Ask a "
            "dispatcher or manager to move it to you."
        )
    if current_id is not None and current_id != me:
        return Refusal(
            f"{ticket} is {holder}'s; only a dispatcher or manager moves a colleague's tickets."
        )
    if handover:
        return Refusal(
            f"{actor.name} may hand {ticket} over only to someone more senior (escalation "
            f"level above {actor.escalation_level}); ask a dispatcher for anyone else."
        )
    return Refusal(
        f"Only a dispatcher or manager gives tickets to others; {actor.name} may take "
        f"{ticket} or hand it back to Unassigned."
    )


def may_assign(
    actor: Technician | None,
    current_id: int | None,
    target: Technician | None,
    *,
    handover: bool = False,
) -> bool:
    return assignment_refusal(actor, current_id, target, handover=handover) is None


def may_add_technicians(actor: Technician | None, existing: Iterable[Technician]) -> bool:
    """A manager adds people; the very first person of a new desk needs nobody."""
    if not any(True for _ in existing):
        return True
    return actor is not None and Role(actor.role) is Role.MANAGER


def setup_refusal(actor: Technician | None, what: str) -> Refusal | None:
    """``None`` when ``actor`` may change records of kind ``what`` (a key of
    :data:`SETUP_EDITORS`); else why not. ``actor`` ``None`` is the desk itself (an import,
    the first set-up)."""
    allowed = SETUP_EDITORS[what]
    if actor is None or Role(actor.role) in allowed:
        return None
    if allowed == frozenset({Role.MANAGER}):
        whom = "a manager"
    else:
        whom = "a dispatcher or manager"
    return Refusal(
        f"Only {whom} changes {_SETUP_WORDS[what]}; {actor.name} is a "
        f"{Role(actor.role).value}. Ask {whom} to make this change."
    )
