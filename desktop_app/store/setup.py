"""Setup commands: customers (with sites, contacts, contracts), technicians, SLA policies,
business calendars and holidays, and the first set-up of an empty desk.

Each handler runs in one :class:`~desktop_app.store.uow.UnitOfWork`: it checks who may
make the change (:func:`~desktop_app.domain.permissions.setup_refusal`), the version the
editor read (someone else's newer save is refused and named), and the rest of the desk
(names, calendars and policies that must exist, the policy set as a whole). Where the
change can move SLA clocks it reads the desk's clock world before and after the change and
recomputes, in the same transaction, exactly the open tickets it moves
(:mod:`desktop_app.store.impact`); the change set lists them, so the queue, the board and
the SLA monitor move just those. A preview is the same handler run in a transaction that
is rolled back (``uow.rehearsal``): the clocks are computed but not written.

Closed tickets keep the verdicts they had. Audit rows hold the record before and after
and how many open tickets were recomputed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    Contact,
    Contract,
    Customer,
    NotFoundError,
    PermissionDeniedError,
    Role,
    SetupConflictError,
    Site,
    SlaPolicy,
    Technician,
    ValidationError,
)
from desktop_app.domain.changes import Entity
from desktop_app.domain.impact import Impact, SetupResult
from desktop_app.domain.permissions import setup_refusal
from desktop_app.domain.setup_commands import (
    DeactivateTechnician,
    DeletePolicy,
    EditTechnician,
    SaveCalendar,
    SaveCustomer,
    SavePolicy,
    SetUpDesk,
    check_technician,
)
from desktop_app.memory import gc_paused
from desktop_app.sla.calendar import BusinessCalendar
from desktop_app.sla.credits import check_currency
from desktop_app.sla.policy import ALWAYS_OPEN
from desktop_app.store import convert
from desktop_app.store.impact import ClockWorld, assess, write_recomputed
from desktop_app.store.schema import (
    AuditRow,
    CalendarRow,
    ContactRow,
    ContractRow,
    CustomerRow,
    PolicyRow,
    SiteRow,
    TechnicianRow,
)
from desktop_app.store.uow import UnitOfWork

__all__ = [
    "deactivate_technician",
    "delete_policy",
    "edit_technician",
    "save_calendar",
    "save_customer",
    "save_policy",
    "set_up_desk",
]


# --------------------------------------------------------------------------- helpers

_H = TypeVar("_H", bound=Callable[..., Any])


def _collector_paused(handler: _H) -> _H:
    """Run a handler with the cyclic collector paused: recomputing a large desk builds tens
    of thousands of short-lived records, and a collection they set off would walk the whole
    heap (the GUI's queue too) holding the interpreter, a frozen window meanwhile."""

    @functools.wraps(handler)
    def paused(*args: Any, **kwargs: Any) -> Any:
        with gc_paused():
            return handler(*args, **kwargs)

    return paused  # type: ignore[return-value]


def _require(uow: UnitOfWork, what: str) -> None:
    refusal = setup_refusal(uow.actor_record, what)
    if refusal is not None:
        raise PermissionDeniedError(str(refusal))


def _last_change(session: Session, entity: str, entity_id: int) -> tuple[str | None, str | None]:
    """Who last changed a record, and when (from its audit rows)."""
    row = session.execute(
        select(AuditRow.actor, AuditRow.at)
        .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
        .order_by(AuditRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, None
    return row.actor, row.at.isoformat(timespec="minutes")


def _locked(session: Session, row_type: Any, record_id: int, what: str) -> Any:
    row = session.execute(
        select(row_type).where(row_type.id == record_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(
            f"{what} (id {record_id}) no longer exists; close the editor and open it again."
        )
    return row


def _check_version(
    session: Session, row: Any, expected: int, what: str, audit: tuple[str, int]
) -> None:
    if row.version != expected:
        by, at = _last_change(session, *audit)
        raise SetupConflictError(what, expected, row.version, changed_by=by, changed_at=at)


def _same_name(session: Session, row_type: Any, name: str, *where: Any) -> Any:
    """A row of ``row_type`` with ``name`` (ignoring case and surrounding spaces)."""
    query = select(row_type).where(func.lower(row_type.name) == name.strip().lower(), *where)
    return session.execute(query).scalars().first()


def _finish(
    uow: UnitOfWork,
    before: ClockWorld,
    record: tuple[str, int | None],
    audit_before: dict[str, Any] | None,
    audit_after: dict[str, Any] | None,
) -> Impact:
    """Recompute what the change moved (unless rehearsing), audit it, list the tickets."""
    session = uow.session
    session.flush()
    after = ClockWorld.load(session)
    assessment = assess(session, before, after, uow.now)
    if not uow.rehearsal:
        write_recomputed(session, assessment.recomputed)
    recorded = dict(audit_after) if audit_after is not None else {}
    recorded["open_tickets_recomputed"] = len(assessment.recomputed)
    uow.record(*record, audit_before, recorded)
    for item in assessment.recomputed:
        uow.changed(
            Entity.TICKET,
            item.ticket_id,
            uow.name,
            ticket_id=item.ticket_id,
            customer_id=item.customer_id,
        )
    return assessment.impact


def _hours_problem(calendar: CalendarSpec) -> None:
    """The SLA engine's own check of the hours and the holiday region."""
    try:
        BusinessCalendar(
            calendar.zone or "UTC",
            calendar.hours,
            calendar.holidays,
            holiday_region=calendar.holiday_region or None,
        )
    except ValueError as exc:
        text = str(exc)
        field = "holiday_region" if "holiday" in text.lower() else "hours"
        raise ValidationError(f"Calendar {calendar.name!r}: {text}", field) from None


# --------------------------------------------------------------------------- customers


def _customer_audit(customer: Customer) -> dict[str, Any]:
    return {"name": customer.name, "tier": customer.tier.value, "notes": customer.notes}


def _site_audit(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "timezone": site.timezone,
        "calendar": site.calendar,
        "address": site.address,
    }


def _contact_audit(contact: Contact) -> dict[str, Any]:
    return {"name": contact.name, "email": contact.email, "phone": contact.phone}


def _contract_audit(contract: Contract) -> dict[str, Any]:
    columns = convert.contract_to_columns(contract, contract.customer_id)
    columns.pop("customer_id")
    columns["starts_on"] = contract.starts_on.isoformat()
    columns["ends_on"] = contract.ends_on.isoformat()
    return columns


def _calendar_names(session: Session) -> set[str]:
    return set(session.scalars(select(CalendarRow.name))) | {ALWAYS_OPEN}


@_collector_paused
def save_customer(uow: UnitOfWork, cmd: SaveCustomer) -> SetupResult:
    """Add or change a customer with the sites, contacts and contracts given; see the
    command. Refused whole when any part is refused."""
    session = uow.session
    customer = cmd.customer
    before_world = ClockWorld.load(session, strict=False)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    label = f"customer {customer.name!r}"

    clash = _same_name(
        session,
        CustomerRow,
        customer.name,
        *((CustomerRow.id != customer.id,) if customer.id is not None else ()),
    )
    if clash is not None:
        raise ValidationError(
            f"A customer named {clash.name!r} exists already; open it to change it, or give "
            "this one another name.",
            "name",
        )
    if customer.id is None:
        _require(uow, "customer")
        row = CustomerRow(
            name=customer.name, tier=customer.tier.value, notes=customer.notes, version=1
        )
        session.add(row)
        session.flush()
        after["customer"] = _customer_audit(customer)
    else:
        row = _locked(session, CustomerRow, customer.id, label.capitalize())
        old = convert.customer_from_row(row)
        if _customer_audit(old) != _customer_audit(customer):
            _require(uow, "customer")
            _check_version(session, row, customer.version, label, ("customer", row.id))
            before["customer"], after["customer"] = convert.changed_fields(
                _customer_audit(old), _customer_audit(customer)
            )
            row.name, row.tier, row.notes = customer.name, customer.tier.value, customer.notes
            row.version += 1
    customer_id: int = row.id
    uow.changed(Entity.CUSTOMER, customer_id, customer_id=customer_id)

    calendars = _calendar_names(session) if cmd.sites else set()
    policies = set(session.scalars(select(PolicyRow.name))) if cmd.contracts else set()
    parts = (
        _Part(
            "site",
            SiteRow,
            lambda site, i: _check_site(site, i, calendars),
            _site_audit,
            _site_audit,
            convert.site_from_row,
            Entity.SITE,
        ),
        _Part(
            "contact",
            ContactRow,
            lambda _contact, _i: None,
            _contact_audit,
            _contact_audit,
            convert.contact_from_row,
            Entity.CONTACT,
        ),
        _Part(
            "contract",
            ContractRow,
            lambda contract, i: _check_contract(contract, i, policies),
            _contract_audit,
            _contract_columns,
            convert.contract_from_row,
            Entity.CONTRACT,
        ),
    )
    saved: list[object] = []
    for part, records in zip(parts, (cmd.sites, cmd.contacts, cmd.contracts), strict=True):
        saved.extend(
            _save_parts(
                uow, part, records, customer_id=customer_id, label=label, audit=(before, after)
            )
        )
    impact = _finish(uow, before_world, ("customer", customer_id), before or None, after)
    return SetupResult(convert.customer_from_row(row), impact, tuple(saved))


def _check_site(site: Site, index: int, calendars: set[str]) -> None:
    if site.calendar not in calendars:
        known = ", ".join(sorted(calendars))
        raise ValidationError(
            f"Site {site.name!r} names the calendar {site.calendar!r}, which does not exist; "
            f"pick one of {known}, or add that calendar first.",
            f"sites.{index}.calendar",
        )


def _check_contract(contract: Contract, index: int, policies: set[str]) -> None:
    if contract.policy not in policies:
        known = ", ".join(sorted(policies)) or "none yet"
        raise ValidationError(
            f"The contract names the SLA policy {contract.policy!r}, which does not exist; "
            f"pick one of {known}.",
            f"contracts.{index}.policy",
        )
    try:
        check_currency(contract.currency)
    except ValidationError as exc:
        raise ValidationError(str(exc), f"contracts.{index}.currency") from None


@dataclass(frozen=True, slots=True)
class _Part:
    """How one kind of a customer's records is checked, audited, stored and read back."""

    kind: str
    row_type: Any
    check: Callable[[Any, int], None]
    audit_view: Callable[[Any], dict[str, Any]]
    columns: Callable[[Any], dict[str, Any]]
    from_row: Callable[[Any], Any]
    entity: Entity


def _contract_columns(contract: Contract) -> dict[str, Any]:
    columns = convert.contract_to_columns(contract, contract.customer_id)
    columns.pop("customer_id")
    return columns


def _save_parts(
    uow: UnitOfWork,
    part: _Part,
    records: Sequence[Any],
    *,
    customer_id: int,
    label: str,
    audit: tuple[dict[str, Any], dict[str, Any]],
) -> list[Any]:
    """Add or change a customer's sites, contacts or contracts."""
    session = uow.session
    kind, row_type, columns, from_row = part.kind, part.row_type, part.columns, part.from_row
    audit_view = part.audit_view
    before, after = audit
    saved: list[Any] = []
    plural = f"{kind}s"
    for i, record in enumerate(records):
        prefix = f"{plural}.{i}"
        part.check(record, i)
        if kind != "contract":
            existing = _same_name(
                session,
                row_type,
                record.name,
                row_type.customer_id == customer_id,
                *((row_type.id != record.id,) if record.id is not None else ()),
            )
            if existing is not None:
                raise ValidationError(
                    f"{label.capitalize()} has a {kind} named {existing.name!r} already; "
                    f"give this {kind} another name.",
                    f"{prefix}.name",
                )
        if record.id is None:
            _require(uow, kind)
            row = row_type(customer_id=customer_id, version=1, **columns(record))
            session.add(row)
            session.flush()
            after.setdefault(plural, []).append({"added": audit_view(record)})
        else:
            row = _locked(session, row_type, record.id, f"This {kind}")
            if row.customer_id != customer_id:
                raise ValidationError(
                    f"This {kind} belongs to another customer; it stays with them.",
                    f"{prefix}.name",
                )
            old = audit_view(from_row(row))
            new = audit_view(replace(record, customer_id=customer_id))
            if old != new:
                _require(uow, kind)
                _check_version(
                    session, row, record.version, _part_label(kind, old), ("customer", customer_id)
                )
                was, now = convert.changed_fields(old, new)
                before.setdefault(plural, []).append({"id": row.id, **was})
                after.setdefault(plural, []).append({"id": row.id, **now})
                for key, value in columns(record).items():
                    setattr(row, key, value)
                row.version += 1
        session.flush()
        uow.changed(part.entity, row.id, customer_id=customer_id)
        saved.append(from_row(row))
    return saved


def _part_label(kind: str, audit: dict[str, Any]) -> str:
    if "name" in audit:
        return f"the {kind} {audit['name']!r}"
    return f"the contract ({audit['policy']}, from {audit['starts_on']})"


# --------------------------------------------------------------------------- technicians


def _technician_audit(technician: Technician) -> dict[str, Any]:
    columns = convert.technician_to_columns(technician)
    columns.pop("login", None)
    return columns


def _active_managers(session: Session, *, besides: int | None = None) -> int:
    query = select(func.count()).where(
        TechnicianRow.role == Role.MANAGER.value, TechnicianRow.active.is_(True)
    )
    if besides is not None:
        query = query.where(TechnicianRow.id != besides)
    return int(session.scalar(query) or 0)


@_collector_paused
def edit_technician(uow: UnitOfWork, cmd: EditTechnician) -> SetupResult:
    """Change a person's name, role, zone, shift or escalation level; reactivate them.
    Their database login is theirs (``desktop-app team add-login``) and stays."""
    _require(uow, "technician")
    session = uow.session
    technician = cmd.technician
    assert technician.id is not None  # the command checks it
    check_technician(technician)
    row = _locked(session, TechnicianRow, technician.id, "This technician")
    old = convert.technician_from_row(row)
    _check_version(
        session, row, technician.version, f"technician {old.name!r}", ("technician", row.id)
    )
    clash = _same_name(session, TechnicianRow, technician.name, TechnicianRow.id != row.id)
    if clash is not None:
        raise ValidationError(
            f"A technician named {clash.name!r} exists already; pick another name.", "name"
        )
    was_manager = old.role is Role.MANAGER and old.active
    stays_manager = Role(technician.role) is Role.MANAGER and technician.active
    if was_manager and not stays_manager and not _active_managers(session, besides=row.id):
        raise ValidationError(
            f"{old.name} is the desk's only active manager; make someone else a manager "
            "first, so someone can still add people and change their rights.",
            "role",
        )
    new = replace(technician, login=old.login)
    before, after = convert.changed_fields(_technician_audit(old), _technician_audit(new))
    for key, value in convert.technician_to_columns(new).items():
        setattr(row, key, value)
    row.version += 1
    session.flush()
    uow.record("technician", row.id, before, after)
    uow.changed(Entity.TECHNICIAN, row.id)
    return SetupResult(convert.technician_from_row(row), Impact(uow.now))


@_collector_paused
def deactivate_technician(uow: UnitOfWork, cmd: DeactivateTechnician) -> SetupResult:
    """Take a person off the desk; their history (tickets, audit rows) stays theirs."""
    _require(uow, "technician")
    session = uow.session
    row = _locked(session, TechnicianRow, cmd.technician_id, "This technician")
    _check_version(session, row, cmd.version, f"technician {row.name!r}", ("technician", row.id))
    if not row.active:
        raise ValidationError(f"{row.name} is inactive already.", "active")
    if row.role == Role.MANAGER.value and not _active_managers(session, besides=row.id):
        raise ValidationError(
            f"{row.name} is the desk's only active manager; make someone else a manager "
            "before taking them off the desk.",
            "active",
        )
    row.active = False
    row.version += 1
    session.flush()
    uow.record("technician", row.id, {"active": True}, {"active": False})
    uow.changed(Entity.TECHNICIAN, row.id)
    return SetupResult(convert.technician_from_row(row), Impact(uow.now))


# --------------------------------------------------------------------------- policies


def _policy_audit(policy: SlaPolicy) -> dict[str, Any]:
    return convert.policy_to_columns(policy)


@_collector_paused
def save_policy(uow: UnitOfWork, cmd: SavePolicy) -> SetupResult:
    """Add or change an SLA policy; a renamed policy keeps its contracts."""
    _require(uow, "policy")
    session = uow.session
    policy = cmd.policy
    before_world = ClockWorld.load(session, strict=False)
    clash = _same_name(
        session,
        PolicyRow,
        policy.name,
        *((PolicyRow.id != policy.id,) if policy.id is not None else ()),
    )
    if clash is not None:
        raise ValidationError(
            f"A policy named {clash.name!r} exists already; give this one another name.", "name"
        )
    _check_policy_calendar(session, policy)
    columns = convert.policy_to_columns(policy)
    audit_before: dict[str, Any] | None = None
    if policy.id is None:
        row = PolicyRow(**columns, version=1)
        session.add(row)
        audit_after: dict[str, Any] = _policy_audit(policy)
    else:
        row = _locked(session, PolicyRow, policy.id, f"The policy {policy.name!r}")
        old = convert.policy_from_row(row)
        _check_version(
            session, row, policy.version, f"the SLA policy {old.name!r}", ("policy", row.id)
        )
        audit_before, audit_after = convert.changed_fields(
            _policy_audit(old), _policy_audit(policy)
        )
        if old.name != policy.name:
            session.execute(
                update(ContractRow)
                .where(ContractRow.policy == old.name)
                .values(policy=policy.name, version=ContractRow.version + 1)
            )
        for key, value in columns.items():
            setattr(row, key, value)
        row.version += 1
    session.flush()
    impact = _finish(uow, before_world, ("policy", row.id), audit_before, audit_after)
    uow.changed(Entity.POLICY, row.id)
    return SetupResult(convert.policy_from_row(row), impact)


def _check_policy_calendar(session: Session, policy: SlaPolicy) -> None:
    if policy.calendar is not None and policy.calendar not in _calendar_names(session):
        raise ValidationError(
            f"Policy {policy.name!r} runs in the calendar {policy.calendar!r}, which does not "
            "exist; pick an existing calendar, 24x7, or the site's own calendar.",
            "calendar",
        )


@_collector_paused
def delete_policy(uow: UnitOfWork, cmd: DeletePolicy) -> SetupResult:
    """Remove a policy that no contract names."""
    _require(uow, "policy")
    session = uow.session
    before_world = ClockWorld.load(session, strict=False)
    row = _locked(session, PolicyRow, cmd.policy_id, "This policy")
    _check_version(session, row, cmd.version, f"the SLA policy {row.name!r}", ("policy", row.id))
    holders = sorted(
        set(
            session.scalars(
                select(CustomerRow.name)
                .join(ContractRow, ContractRow.customer_id == CustomerRow.id)
                .where(ContractRow.policy == row.name)
            )
        )
    )
    if holders:
        listed = ", ".join(holders[:5]) + (" …" if len(holders) > 5 else "")
        raise ValidationError(
            f"The contracts of {listed} name the policy {row.name!r}; give them another "
            "policy before removing it.",
            "name",
        )
    audit_before = _policy_audit(convert.policy_from_row(row))
    policy_id = row.id
    session.delete(row)
    impact = _finish(uow, before_world, ("policy", policy_id), audit_before, None)
    uow.changed(Entity.POLICY, policy_id, "delete_policy")
    return SetupResult(None, impact)


# --------------------------------------------------------------------------- calendars


def _calendar_audit(calendar: CalendarSpec) -> dict[str, Any]:
    return convert.calendar_to_columns(calendar)


@_collector_paused
def save_calendar(uow: UnitOfWork, cmd: SaveCalendar) -> SetupResult:
    """Add or change a business calendar (hours, zone, holidays); a renamed calendar keeps
    its sites and policies."""
    _require(uow, "calendar")
    session = uow.session
    calendar = cmd.calendar
    _hours_problem(calendar)
    before_world = ClockWorld.load(session, strict=False)
    clash = _same_name(
        session,
        CalendarRow,
        calendar.name,
        *((CalendarRow.id != calendar.id,) if calendar.id is not None else ()),
    )
    if clash is not None:
        raise ValidationError(
            f"A calendar named {clash.name!r} exists already; give this one another name.",
            "name",
        )
    columns = convert.calendar_to_columns(calendar)
    audit_before: dict[str, Any] | None = None
    if calendar.id is None:
        row = CalendarRow(**columns, version=1)
        session.add(row)
        audit_after: dict[str, Any] = _calendar_audit(calendar)
    else:
        row = _locked(session, CalendarRow, calendar.id, f"The calendar {calendar.name!r}")
        old = convert.calendar_from_row(row)
        _check_version(
            session, row, calendar.version, f"the calendar {old.name!r}", ("calendar", row.id)
        )
        audit_before, audit_after = convert.changed_fields(
            _calendar_audit(old), _calendar_audit(calendar)
        )
        if old.name != calendar.name:
            session.execute(
                update(SiteRow)
                .where(SiteRow.calendar == old.name)
                .values(calendar=calendar.name, version=SiteRow.version + 1)
            )
            session.execute(
                update(PolicyRow)
                .where(PolicyRow.calendar == old.name)
                .values(calendar=calendar.name, version=PolicyRow.version + 1)
            )
        for key, value in columns.items():
            setattr(row, key, value)
        row.version += 1
    session.flush()
    impact = _finish(uow, before_world, ("calendar", row.id), audit_before, audit_after)
    uow.changed(Entity.CALENDAR, row.id)
    return SetupResult(convert.calendar_from_row(row), impact)


# --------------------------------------------------------------------------- first set-up


@_collector_paused
def set_up_desk(uow: UnitOfWork, cmd: SetUpDesk) -> SetupResult:
    """An empty desk's first calendar, its policies and its first manager, in one go."""
    session = uow.session
    people = session.scalar(select(func.count()).select_from(TechnicianRow)) or 0
    if people:
        raise ValidationError(
            f"This desk is set up already ({people} people work at it); a manager changes "
            "its calendars and policies in the Setup menu.",
        )
    _hours_problem(cmd.calendar)
    before_world = ClockWorld.load(session, strict=False)
    from desktop_app.store.catalog import save_calendars, save_policies

    save_calendars(session, [replace(cmd.calendar, id=None)])
    save_policies(session, [replace(p, id=None) for p in cmd.policies])
    for policy in cmd.policies:
        _check_policy_calendar(session, policy)
    manager = replace(cmd.manager, id=None, active=True, login=_own_login(session))
    row = TechnicianRow(**convert.technician_to_columns(manager), version=1)
    session.add(row)
    session.flush()
    uow.changed(Entity.TECHNICIAN, row.id)
    for calendar_id in session.scalars(select(CalendarRow.id)):
        uow.changed(Entity.CALENDAR, calendar_id)
    for policy_id in session.scalars(select(PolicyRow.id)):
        uow.changed(Entity.POLICY, policy_id)
    impact = _finish(
        uow,
        before_world,
        ("desk", None),
        None,
        {
            "calendar": cmd.calendar.name,
            "policies": [p.name for p in cmd.policies],
            "manager": manager.name,
        },
    )
    return SetupResult(convert.technician_from_row(row), impact)


def _own_login(session: Session) -> str | None:
    """On PostgreSQL, the login setting the desk up becomes the first manager's (unless a
    technician has it already); SQLite has no logins."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    login = session.scalar(select(func.session_user()))
    taken = session.scalar(select(TechnicianRow.id).where(TechnicianRow.login == login))
    return None if taken is not None else login
