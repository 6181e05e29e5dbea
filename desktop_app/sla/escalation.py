"""What a breach does to a ticket's escalation, by its policy (plain Python).

The one rule the desk follows when a clock breaches (``services.escalation``) and the demo
desk follows when it writes the history of a desk that was running: the level rises one
step per breach up to the policy's highest, and the timeline says so in these words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from desktop_app.domain import EscalationLevel, Metric

__all__ = ["CUSTOMER_UPDATE_DUE", "SAME_BREACH", "breach_escalation_text", "level_for"]

#: The words that flag a ticket's escalation event as "customer update due".
CUSTOMER_UPDATE_DUE = "customer update due"
#: A breach event this close to the breach instant is the same breach (stored precision).
SAME_BREACH = timedelta(seconds=1)


def level_for(levels: Iterable[EscalationLevel], current: int) -> tuple[int, EscalationLevel]:
    """The level a breach raises a ticket at ``current`` to, and that level's actions.

    One level up per breach, never past the policy's highest level; at the top (or with a
    policy without levels) the level stays and the top level's actions (or the defaults:
    notify the dispatchers, customer update due) apply again.
    """
    by_level = {level.level: level for level in levels}
    if not by_level:
        return current, EscalationLevel(level=max(current, 0))
    top = max(by_level)
    if current + 1 <= top:
        wanted = current + 1
        return wanted, by_level.get(wanted, EscalationLevel(level=wanted))
    return current, by_level[top]


def breach_escalation_text(metric: Metric, at: datetime, level: int, update_due: bool) -> str:
    """The timeline text of an escalation caused by the breach of ``metric`` at ``at``."""
    text = (
        f"{metric.label.capitalize()} SLA breached at {at:%Y-%m-%d %H:%M} UTC; "
        f"escalated to level {level}"
    )
    return f"{text}; {CUSTOMER_UPDATE_DUE}" if update_due else text
