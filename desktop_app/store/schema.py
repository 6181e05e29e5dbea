"""The desk's tables as SQLAlchemy 2 typed mappings.

These classes are the store's private row types: the repository converts them to the
domain records explicitly and nothing above ``desktop_app.store`` ever sees one.
Enumerations are stored by value (``"critical"``, ``"first_response"``) so the database
reads well and survives reordering of the Python enums.

The Alembic revisions in ``migrations/versions`` build exactly this schema; a test compares
the migrated database against this metadata so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desktop_app.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDict = dict[str, Any]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads this class attribute)
        datetime: UTCDateTime(),
        date: Date(),
        str: String(200),
        JsonDict: JSON(),
    }


class CalendarRow(Base):
    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    hours: Mapped[JsonDict]  # {"0": [["08:00", "17:00"]], …}
    holidays: Mapped[JsonDict]  # {"dates": ["2025-12-25", …]}
    holiday_region: Mapped[str | None] = mapped_column(String(20))
    # revision 0008: the zone its hours are kept in, and a version for concurrent edits
    zone: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class PolicyRow(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    calendar: Mapped[str | None] = mapped_column(String(100))
    targets: Mapped[JsonDict]  # {"critical/first_response": seconds, …}
    warnings: Mapped[JsonDict]  # {"percents": [50, 75, 90], "lead_seconds": 1800}
    escalation: Mapped[JsonDict]  # {"levels": [{"level": 1, …}, …]}
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # 0008


class TechnicianRow(Base):
    __tablename__ = "technicians"
    __table_args__ = (Index("ux_technicians_login", "login", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    escalation_level: Mapped[int] = mapped_column(Integer, default=1)
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    shift_start: Mapped[str] = mapped_column(String(5))
    shift_end: Mapped[str] = mapped_column(String(5))
    # revision 0008: the weekdays of the shift ("01234" = Monday to Friday), the PostgreSQL
    # login the person connects with, and a version for concurrent edits
    shift_days: Mapped[str] = mapped_column(String(7), server_default="0123456")
    login: Mapped[str | None] = mapped_column(String(63))
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    tier: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # 0008


class SiteRow(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str]
    timezone: Mapped[str] = mapped_column(String(64))
    calendar: Mapped[str] = mapped_column(String(100))
    # revision 0008: where it is, and a version for concurrent edits
    address: Mapped[str] = mapped_column(Text, server_default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str]
    email: Mapped[str] = mapped_column(default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # 0008


class ContractRow(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    policy: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    support_hours: Mapped[float] = mapped_column(Float, default=0.0)
    hours_used: Mapped[float] = mapped_column(Float, default=0.0)
    availability_target: Mapped[float] = mapped_column(Float, default=99.9)
    monthly_fee: Mapped[float] = mapped_column(Float, default=0.0)
    credit_percent_per_breach: Mapped[float] = mapped_column(Float, default=0.0)
    credit_cap_percent: Mapped[float] = mapped_column(Float, default=0.0)
    # revision 0005: the currency of the fee and credits, and the attainment promised
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    attainment_target: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, server_default="1")  # 0008


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_customer_id_status", "customer_id", "status"),
        Index("ix_tickets_status_next_due_at", "status", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"), index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # Optimistic concurrency: every write bumps it and checks the caller's copy.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(100))
    # Earliest deadline of the ticket's running clocks (revision 0002): the queue's sort key.
    next_due_at: Mapped[datetime | None]
    # The queue's copy of the ticket's ticket_clocks rows, packed into one line of text
    # (revision 0003, see desktop_app.store.clocking.pack_clocks): written with the rows in
    # the same transaction, read instead of three joins per ticket when the queue loads.
    queue_clocks: Mapped[str | None] = mapped_column(Text)
    # revision 0008: how it came in (phone, email, walk-in, portal; "" when unknown)
    channel: Mapped[str] = mapped_column(String(20), server_default="")


class TicketEventRow(Base):
    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int | None] = mapped_column(Integer)
    metric: Mapped[str | None] = mapped_column(String(20))


class TicketClockRow(Base):
    """One SLA clock of one ticket as the engine last computed it."""

    __tablename__ = "ticket_clocks"
    __table_args__ = (Index("ix_ticket_clocks_state_due_at", "state", "due_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    target_seconds: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    elapsed_seconds: Mapped[float] = mapped_column(Float)
    breached_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[datetime]


class CriticismNoteRow(Base):
    __tablename__ = "criticism_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))
    sentiment: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    follow_up_owner_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    follow_up_due: Mapped[date | None]
    resolved_at: Mapped[datetime | None]


class AuditRow(Base):
    """Who changed what and when; ``before``/``after`` hold the changed fields only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
        Index("ux_audit_log_command_id", "command_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[JsonDict | None]
    after: Mapped[JsonDict | None]
    # the command this row records (revision 0006): applying it again writes nothing
    command_id: Mapped[str | None] = mapped_column(String(32))


class NotificationRow(Base):
    """The in-app notification list (revision 0002); each for one technician (0004), or
    for everyone when recorded before recipients existed."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_id_created_at", "recipient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    metric: Mapped[str | None] = mapped_column(String(20))
    threshold: Mapped[str | None] = mapped_column(String(50))
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id", ondelete="CASCADE")
    )
