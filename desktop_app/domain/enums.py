"""The words of the desk as enumerations: metrics, priorities, events, states, roles."""

from __future__ import annotations

from enum import StrEnum


class Metric(StrEnum):
    """The three SLA clocks every ticket carries."""

    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return _METRIC_LABELS[self]


_METRIC_LABELS = {
    Metric.FIRST_RESPONSE: "response",
    Metric.NEXT_UPDATE: "update",
    Metric.RESOLUTION: "resolution",
}


class Priority(StrEnum):
    """Ticket priority; ``rank`` 1 is the most urgent."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @property
    def label(self) -> str:
        return f"P{self.rank} {self.value}"


_PRIORITY_RANK = {
    Priority.CRITICAL: 1,
    Priority.HIGH: 2,
    Priority.NORMAL: 3,
    Priority.LOW: 4,
}


class EventKind(StrEnum):
    """What can happen on a ticket's timeline."""

    CREATED = "created"
    CUSTOMER_MESSAGE = "customer_message"
    PUBLIC_REPLY = "public_reply"
    PHONE_CALL = "phone_call"
    INTERNAL_NOTE = "internal_note"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    WAITING_OFF = "waiting_off"
    PRIORITY_CHANGED = "priority_changed"
    CATEGORY_CHANGED = "category_changed"
    POLICY_CHANGED = "policy_changed"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    BREACHED = "breached"
    RESOLVED = "resolved"
    REOPENED = "reopened"

    @property
    def is_response(self) -> bool:
        """A public reply or a logged phone call answers the customer; notes never do."""
        return self in (EventKind.PUBLIC_REPLY, EventKind.PHONE_CALL)


class ClockState(StrEnum):
    """State of one SLA clock at an instant.

    ``INACTIVE`` is a next-update clock with nothing to answer (no customer message is
    waiting for a reply); the other four are the states the product shows.
    """

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    INACTIVE = "inactive"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Role(StrEnum):
    TECHNICIAN = "technician"
    DISPATCHER = "dispatcher"
    MANAGER = "manager"


class Tier(StrEnum):
    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class FeedbackSource(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SURVEY = "survey"
    MEETING = "meeting"
