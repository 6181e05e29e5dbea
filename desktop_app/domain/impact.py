"""What a setup change does to the open tickets' SLA clocks: the read model of the preview
shown before a policy, calendar, holiday, contract or site is saved, and of the answer of
the save itself.

The store works it out by running the change in a transaction it rolls back (the preview)
or commits (the save): the same code decides both, so what was shown is what happens.
Closed tickets are never looked at: their verdicts stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Impact", "SetupResult", "TicketMove"]

BIGGEST_MOVES = 5


@dataclass(frozen=True, slots=True)
class TicketMove:
    """One open ticket whose deadline the change moves.

    ``metric``: the clock whose deadline moves most (``None`` when a clock only starts or
    stops counting); ``before``/``after``: that clock's deadline before and after (else the
    ticket's nearest ones; None: no clock counting); ``moved``: seconds it moves (negative:
    earlier); ``state_before``/``state_after``: ``"ok"``, ``"at risk"``, ``"breached"``
    or ``"paused"`` as the queue would show the ticket now."""

    ticket_id: int
    number: str
    subject: str
    customer: str
    before: datetime | None
    after: datetime | None
    moved: float | None
    state_before: str
    state_after: str
    metric: str | None = None  # a Metric value

    @property
    def becomes_at_risk(self) -> bool:
        return self.state_after == "at risk" and self.state_before == "ok"

    @property
    def becomes_breached(self) -> bool:
        return self.state_after == "breached" and self.state_before != "breached"


@dataclass(frozen=True, slots=True)
class Impact:
    """The open tickets a change moves, as of ``at``."""

    at: datetime
    open_tickets: int = 0  # open tickets on the desk
    moves: tuple[TicketMove, ...] = ()  # every open ticket whose deadline changes

    @property
    def changed(self) -> int:
        return len(self.moves)

    @property
    def at_risk(self) -> tuple[TicketMove, ...]:
        return tuple(m for m in self.moves if m.becomes_at_risk)

    @property
    def breached(self) -> tuple[TicketMove, ...]:
        return tuple(m for m in self.moves if m.becomes_breached)

    @property
    def biggest(self) -> tuple[TicketMove, ...]:
        """The moves that shift a deadline most (either way), largest first."""
        sized = [m for m in self.moves if m.moved is not None]
        sized.sort(key=lambda m: (-abs(m.moved or 0.0), m.number))
        return tuple(sized[:BIGGEST_MOVES])

    @property
    def ticket_ids(self) -> frozenset[int]:
        return frozenset(m.ticket_id for m in self.moves)

    def summary(self) -> str:
        """One sentence: ``"12 of 300 open tickets change deadline; 2 become at risk, 1
        becomes breached."``"""
        if not self.moves:
            return (
                f"No open ticket changes deadline (of {self.open_tickets} open); "
                "closed tickets keep their verdicts."
            )
        n = self.changed
        head = f"{n} of {self.open_tickets} open ticket{'s' if self.open_tickets != 1 else ''} "
        head += "changes deadline" if n == 1 else "change deadline"
        risk, breach = len(self.at_risk), len(self.breached)
        tail = []
        if risk:
            tail.append(f"{risk} become{'s' if risk == 1 else ''} at risk")
        if breach:
            tail.append(f"{breach} become{'s' if breach == 1 else ''} breached")
        return head + ("; " + ", ".join(tail) if tail else "") + "."


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What a setup command gives back: the record as saved (with its new version) and
    what it did to the open tickets."""

    record: object
    impact: Impact
    related: tuple[object, ...] = field(default=())  # e.g. a customer's saved sites
