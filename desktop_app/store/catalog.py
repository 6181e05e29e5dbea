"""The catalog: technicians, customers, SLA policies and business calendars.

Reads the screens and the SLA engine need, and the setup changes (as commands). Policies and
calendars are known to people by name: saving one of an existing name replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    Customer,
    PermissionDeniedError,
    SlaPolicy,
    Technician,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.domain.commands import AddTechnician
from desktop_app.domain.permissions import may_add_technicians
from desktop_app.domain.setup_commands import check_technician
from desktop_app.domain.zones import is_known_zone
from desktop_app.store import convert
from desktop_app.store.clocking import ClockEngine
from desktop_app.store.schema import CalendarRow, CustomerRow, PolicyRow, TechnicianRow
from desktop_app.store.uow import UnitOfWork

__all__ = [
    "add_technician",
    "check_zone",
    "customers",
    "load_clock_engine",
    "save_calendars",
    "save_policies",
    "seed_defaults",
    "technicians",
]


def technicians(session: Session, *, active_only: bool = False) -> list[Technician]:
    query = select(TechnicianRow).order_by(TechnicianRow.name)
    if active_only:
        query = query.where(TechnicianRow.active.is_(True))
    return [convert.technician_from_row(r) for r in session.scalars(query)]


def customers(session: Session) -> list[Customer]:
    rows = session.scalars(select(CustomerRow).order_by(CustomerRow.name))
    return [convert.customer_from_row(r) for r in rows]


def load_clock_engine(session: Session) -> ClockEngine:
    """Policies and calendars as stored (validates the policy set)."""
    policies = [
        convert.policy_from_row(r) for r in session.scalars(select(PolicyRow).order_by("id"))
    ]
    calendars = [
        convert.calendar_from_row(r) for r in session.scalars(select(CalendarRow).order_by("id"))
    ]
    return ClockEngine(policies, calendars)


def save_calendars(session: Session, calendars: Sequence[CalendarSpec]) -> int:
    return _save_by_name(
        session, CalendarRow, [(c.name, convert.calendar_to_columns(c)) for c in calendars]
    )


def save_policies(session: Session, policies: Sequence[SlaPolicy]) -> int:
    return _save_by_name(
        session, PolicyRow, [(p.name, convert.policy_to_columns(p)) for p in policies]
    )


def seed_defaults(uow: UnitOfWork) -> bool:
    """Give a new database the standard calendars and the default policy set; nothing
    (False) when any calendar or policy exists already."""
    from desktop_app.sla.policy import recommended_calendars, recommended_policies

    session = uow.session
    if session.scalar(select(func.count()).select_from(CalendarRow)) or session.scalar(
        select(func.count()).select_from(PolicyRow)
    ):
        uow.record("desk", None, None, {"seeded": False})
        return False
    calendars = recommended_calendars()
    policies = recommended_policies()
    save_calendars(session, calendars)
    save_policies(session, policies)
    uow.record(
        "desk",
        None,
        None,
        {"calendars": [c.name for c in calendars], "policies": [p.name for p in policies]},
    )
    for calendar_id in session.scalars(select(CalendarRow.id)):
        uow.changed(Entity.CALENDAR, calendar_id)
    for policy_id in session.scalars(select(PolicyRow.id)):
        uow.changed(Entity.POLICY, policy_id)
    return True


def add_technician(uow: UnitOfWork, cmd: AddTechnician) -> Technician:
    """Add a person to the desk; a manager does this (the very first one needs nobody)."""
    technician = cmd.technician
    session = uow.session
    existing = technicians(session)
    if not may_add_technicians(uow.actor_record, existing):
        raise PermissionDeniedError(
            f"Only a manager may add technicians; {uow.actor_name} may not."
        )
    check_zone(technician.timezone, f"technician {technician.name!r}")
    check_technician(technician)
    if any(t.name.casefold() == technician.name.strip().casefold() for t in existing):
        raise ValidationError(
            f"A technician named {technician.name!r} exists already; pick another name.",
            field="name",
        )
    # a login is given with `desktop-app team add-login`, which also creates it
    technician = replace(technician, login=None)
    row = TechnicianRow(**convert.technician_to_columns(technician), version=1)
    session.add(row)
    session.flush()
    uow.record("technician", row.id, None, convert.technician_to_columns(technician))
    uow.changed(Entity.TECHNICIAN, row.id)
    return convert.technician_from_row(row)


def check_zone(zone: str, what: str) -> None:
    if not is_known_zone(zone):
        raise ValidationError(
            f"{what}: {zone!r} is not an IANA time zone; use a name like 'Europe/Berlin'.",
            "timezone",
        )


def _save_by_name(
    session: Session, row_type: Any, records: Sequence[tuple[str, dict[str, Any]]]
) -> int:
    """Insert each named record, or update the stored one of that name; returns how many
    were new."""
    existing = {r.name: r for r in session.scalars(select(row_type))}
    added = 0
    for name, columns in records:
        row = existing.get(name)
        if row is None:
            session.add(row_type(**columns))
            added += 1
        else:
            for key, value in columns.items():
                setattr(row, key, value)
            row.version += 1  # whoever has it open in an editor is told on saving
    session.flush()
    return added
