"""Explicit conversion between table rows and domain records, both ways.

Nothing here touches a session: each function takes a row (an ORM object or a result row
with the same attribute names) or a domain record and returns the other side.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from desktop_app.domain import (
    CalendarSpec,
    Contact,
    Contract,
    CriticismNote,
    Customer,
    EscalationLevel,
    EventKind,
    FeedbackSource,
    Metric,
    Notification,
    Priority,
    Role,
    Sentiment,
    Site,
    SlaPolicy,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    WarningRule,
)
from desktop_app.domain.queue import AuditEntry

# --- calendars and policies (JSON columns) ----------------------------------------------


def calendar_to_columns(spec: CalendarSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "hours": {str(day): [list(span) for span in spans] for day, spans in spec.hours.items()},
        "holidays": {"dates": [day.isoformat() for day in spec.holidays]},
        "holiday_region": spec.holiday_region,
        "zone": spec.zone,
    }


def calendar_from_row(row: Any) -> CalendarSpec:
    hours = {int(day): [(s, e) for s, e in spans] for day, spans in row.hours.items()}
    holidays = tuple(date.fromisoformat(d) for d in row.holidays.get("dates", []))
    return CalendarSpec(
        name=row.name,
        hours=hours,
        holidays=holidays,
        holiday_region=row.holiday_region,
        id=row.id,
        zone=row.zone,
        version=row.version,
    )


def policy_to_columns(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "tier": policy.tier.value if policy.tier else None,
        "category": policy.category,
        "calendar": policy.calendar,
        "targets": {
            f"{priority.value}/{metric.value}": target.total_seconds()
            for (priority, metric), target in policy.targets.items()
        },
        "warnings": {
            "percents": list(policy.warnings.percents),
            "lead_seconds": (
                policy.warnings.lead.total_seconds() if policy.warnings.lead is not None else None
            ),
        },
        "escalation": {
            "levels": [
                {
                    "level": level.level,
                    "notify_dispatchers": level.notify_dispatchers,
                    "reassign_to_id": level.reassign_to_id,
                    "customer_update_due": level.customer_update_due,
                }
                for level in policy.escalation
            ]
        },
    }


def policy_from_row(row: Any) -> SlaPolicy:
    targets: dict[tuple[Priority, Metric], timedelta] = {}
    for key, seconds in row.targets.items():
        priority, metric = key.split("/")
        targets[(Priority(priority), Metric(metric))] = timedelta(seconds=seconds)
    lead = row.warnings.get("lead_seconds")
    warnings = WarningRule(
        percents=tuple(row.warnings.get("percents", ())),
        lead=timedelta(seconds=lead) if lead is not None else None,
    )
    escalation = tuple(
        EscalationLevel(
            level=item["level"],
            notify_dispatchers=item.get("notify_dispatchers", True),
            reassign_to_id=item.get("reassign_to_id"),
            customer_update_due=item.get("customer_update_due", True),
        )
        for item in row.escalation.get("levels", [])
    )
    return SlaPolicy(
        name=row.name,
        targets=targets,
        calendar=row.calendar,
        tier=Tier(row.tier) if row.tier else None,
        category=row.category,
        warnings=warnings,
        escalation=escalation,
        id=row.id,
        version=row.version,
    )


# --- people and customers ---------------------------------------------------------------


def technician_to_columns(tech: Technician) -> dict[str, Any]:
    return {
        "name": tech.name,
        "role": Role(tech.role).value,
        "escalation_level": tech.escalation_level,
        "timezone": tech.timezone,
        "active": tech.active,
        "shift_start": tech.shift_start,
        "shift_end": tech.shift_end,
        "shift_days": "".join(str(d) for d in sorted(tech.shift_days)),
        "login": tech.login,
    }


def technician_from_row(row: Any) -> Technician:
    return Technician(
        name=row.name,
        role=Role(row.role),
        escalation_level=row.escalation_level,
        timezone=row.timezone,
        active=bool(row.active),
        shift_start=row.shift_start,
        shift_end=row.shift_end,
        id=row.id,
        shift_days=tuple(int(d) for d in row.shift_days),
        login=row.login,
        version=row.version,
    )


def customer_from_row(row: Any) -> Customer:
    return Customer(
        name=row.name, tier=Tier(row.tier), notes=row.notes, id=row.id, version=row.version
    )


def site_from_row(row: Any) -> Site:
    return Site(
        customer_id=row.customer_id,
        name=row.name,
        timezone=row.timezone,
        calendar=row.calendar,
        id=row.id,
        address=row.address,
        version=row.version,
    )


def contact_from_row(row: Any) -> Contact:
    return Contact(
        customer_id=row.customer_id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        id=row.id,
        version=row.version,
    )


CONTRACT_FIELDS = (
    "support_hours",
    "hours_used",
    "availability_target",
    "monthly_fee",
    "credit_percent_per_breach",
    "credit_cap_percent",
    "attainment_target",
)


def contract_to_columns(contract: Contract, customer_id: int) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "customer_id": customer_id,
        "policy": contract.policy,
        "tier": Tier(contract.tier).value,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
    }
    for name in CONTRACT_FIELDS:
        columns[name] = float(getattr(contract, name))
    columns["currency"] = contract.currency
    return columns


def contract_from_row(row: Any) -> Contract:
    return Contract(
        customer_id=row.customer_id,
        policy=row.policy,
        tier=Tier(row.tier),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        support_hours=row.support_hours,
        hours_used=row.hours_used,
        availability_target=row.availability_target,
        monthly_fee=row.monthly_fee,
        credit_percent_per_breach=row.credit_percent_per_breach,
        credit_cap_percent=row.credit_cap_percent,
        currency=row.currency,
        attainment_target=row.attainment_target,
        id=row.id,
        version=row.version,
    )


# --- tickets ----------------------------------------------------------------------------


def event_to_columns(event: TicketEvent, ticket_id: int) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "kind": EventKind(event.kind).value,
        "at": event.at,
        "author": event.author,
        "text": event.text,
        "priority": Priority(event.priority).value if event.priority is not None else None,
        "category": event.category,
        "assignee_id": event.assignee_id,
        "level": event.level,
        "metric": Metric(event.metric).value if event.metric is not None else None,
    }


def event_from_row(row: Any) -> TicketEvent:
    return TicketEvent(
        kind=EventKind(row.kind),
        at=row.at,
        author=row.author,
        text=row.text,
        priority=Priority(row.priority) if row.priority is not None else None,
        category=row.category,
        assignee_id=row.assignee_id,
        level=row.level,
        metric=Metric(row.metric) if row.metric is not None else None,
        id=row.id,
    )


def ticket_from_row(row: Any, events: tuple[TicketEvent, ...] = ()) -> Ticket:
    return Ticket(
        number=row.number,
        customer_id=row.customer_id,
        subject=row.subject,
        category=row.category,
        priority=Priority(row.priority),
        created_at=row.created_at,
        site_id=row.site_id,
        contact_id=row.contact_id,
        description=row.description,
        status=TicketStatus(row.status),
        assignee_id=row.assignee_id,
        escalation_level=row.escalation_level,
        resolved_at=row.resolved_at,
        version=row.version,
        events=events,
        id=row.id,
        channel=row.channel,
    )


def ticket_audit_view(row: Any) -> dict[str, Any]:
    """The fields of a ticket an audit row records (JSON-safe)."""
    return {
        "number": row.number,
        "subject": row.subject,
        "category": row.category,
        "priority": row.priority,
        "status": row.status,
        "assignee_id": row.assignee_id,
        "escalation_level": row.escalation_level,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "version": row.version,
    }


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# --- criticism, notifications, audit ------------------------------------------------------


def criticism_from_row(row: Any) -> CriticismNote:
    return CriticismNote(
        customer_id=row.customer_id,
        received_at=row.received_at,
        source=FeedbackSource(row.source),
        sentiment=Sentiment(row.sentiment),
        text=row.text,
        ticket_id=row.ticket_id,
        follow_up_owner_id=row.follow_up_owner_id,
        follow_up_due=row.follow_up_due,
        resolved_at=row.resolved_at,
        id=row.id,
    )


def criticism_audit_view(note: CriticismNote) -> dict[str, Any]:
    return {
        "customer_id": note.customer_id,
        "ticket_id": note.ticket_id,
        "received_at": note.received_at.isoformat(),
        "source": FeedbackSource(note.source).value,
        "sentiment": Sentiment(note.sentiment).value,
        "text": note.text,
        "follow_up_owner_id": note.follow_up_owner_id,
        "follow_up_due": note.follow_up_due.isoformat() if note.follow_up_due else None,
        "resolved_at": note.resolved_at.isoformat() if note.resolved_at else None,
    }


def notification_from_row(row: Any) -> Notification:
    return Notification(
        created_at=row.created_at,
        kind=row.kind,
        title=row.title,
        body=row.body,
        ticket_id=row.ticket_id,
        metric=Metric(row.metric) if row.metric is not None else None,
        threshold=row.threshold,
        read=bool(row.read),
        id=row.id,
        recipient_id=row.recipient_id,
    )


def audit_from_row(row: Any) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        technician_id=row.technician_id,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        id=row.id,
    )
