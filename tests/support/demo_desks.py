"""Demo desks for tests that need breaches nobody has handled yet."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import Desk, EventKind


def unhandled_demo_desk(**kwargs: Any) -> Desk:
    """The demo desk as if no desk had been running: its breaches are not yet on the
    tickets' timelines, nor the escalations they caused, so a starting desk finds,
    announces and escalates them."""
    desk = generate_demo_desk(**kwargs)
    for item in desk.tickets:
        events = tuple(
            e
            for e in item.ticket.events
            if e.kind is not EventKind.BREACHED
            and not (e.kind is EventKind.ESCALATED and e.author == "system")
        )
        level = max((e.level or 0 for e in events if e.kind is EventKind.ESCALATED), default=0)
        item.ticket = replace(item.ticket, events=events, escalation_level=level)
    return desk
