"""The desk's setup as commands: customers with their sites, contacts and contracts, the
people on the desk, SLA policies, business calendars and holidays, and the first set-up.

Like every command they are data (JSON round trip, an instant, an actor). A saved record
carries the ``version`` its editor read: the store refuses a save over someone else's
newer one and names who made it. A record whose ``id`` is ``None`` is new.

The checks here need nothing but the command (the editors run them as the user types, so
a bad entry is refused next to its field before anything is sent); the store checks the
rest (unknown calendars, duplicate names, the whole policy set) in the same transaction
that writes. ``ValidationError.field`` names the entry: ``"name"``, ``"sites.0.timezone"``,
``"contracts.1.ends_on"``, ``"targets.critical.first_response"`` …
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop_app.domain.commands import COMMAND_TYPES, Command
from desktop_app.domain.enums import Metric, Priority, Role, Tier
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.model import (
    CalendarSpec,
    Contact,
    Contract,
    Customer,
    Site,
    SlaPolicy,
    Technician,
)

__all__ = [
    "FIRST_HOLIDAY_YEAR",
    "LAST_HOLIDAY_YEAR",
    "SETUP_COMMANDS",
    "DeactivateTechnician",
    "DeletePolicy",
    "EditTechnician",
    "SaveCalendar",
    "SaveCustomer",
    "SavePolicy",
    "SetUpDesk",
    "check_calendar",
    "check_contact",
    "check_contract",
    "check_customer",
    "check_policy",
    "check_site",
    "check_technician",
    "check_zone",
]

# The years a business calendar can count in (its tables never grow past them).
FIRST_HOLIDAY_YEAR = 1900
LAST_HOLIDAY_YEAR = 2400

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_NAME_CHARS = 200


def _prefixed(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def check_zone(zone: str, what: str, field: str = "timezone") -> None:
    """``zone`` is an IANA time zone name, or a ValidationError naming ``what``."""
    try:
        if not zone or zone != zone.strip():
            raise ValueError(zone)
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            f"{what}: {zone!r} is not a time zone; pick one from the list or type a name "
            "like 'Europe/Berlin' or 'America/Toronto'.",
            field,
        ) from None


def _check_name(name: str, what: str, field: str) -> None:
    if not name.strip():
        raise ValidationError(f"{what} needs a name.", field)
    if name != name.strip():
        raise ValidationError(f"{what} {name!r} starts or ends with spaces; take them off.", field)
    if len(name) > _NAME_CHARS:
        raise ValidationError(
            f"{what} has a name of {len(name)} characters; keep it to {_NAME_CHARS}.", field
        )


def check_customer(customer: Customer) -> None:
    _check_name(customer.name, "A customer", "name")
    Tier(customer.tier)


def check_site(site: Site, prefix: str = "") -> None:
    _check_name(site.name, "A site", _prefixed(prefix, "name"))
    check_zone(site.timezone, f"Site {site.name!r}", _prefixed(prefix, "timezone"))
    if not site.calendar.strip():
        raise ValidationError(
            f"Site {site.name!r} needs a business calendar (its opening hours and holidays); "
            "pick one, or '24x7' for round the clock.",
            _prefixed(prefix, "calendar"),
        )


def check_contact(contact: Contact, prefix: str = "") -> None:
    _check_name(contact.name, "A contact", _prefixed(prefix, "name"))
    email = contact.email.strip()
    if email and (
        " " in email or email.count("@") != 1 or not all(email.split("@")) or "." not in email
    ):
        raise ValidationError(
            f"{email!r} is not an e-mail address; write it like 'name@example.com', or "
            "leave it empty.",
            _prefixed(prefix, "email"),
        )


def _percent(value: float, what: str, field: str, *, above_zero: bool = False) -> None:
    low_ok = value > 0 if above_zero else value >= 0
    if not (low_ok and value <= 100):
        bound = "above 0" if above_zero else "from 0"
        raise ValidationError(f"{what} is {value:g} %; give a share {bound} to 100 %.", field)


def check_contract(contract: Contract, prefix: str = "") -> None:
    def field(name: str) -> str:
        return _prefixed(prefix, name)

    if not contract.policy.strip():
        raise ValidationError("A contract names the SLA policy it promises.", field("policy"))
    Tier(contract.tier)
    if contract.ends_on < contract.starts_on:
        raise ValidationError(
            f"The contract ends on {contract.ends_on:%d %b %Y}, before it starts "
            f"({contract.starts_on:%d %b %Y}); move the end after the start.",
            field("ends_on"),
        )
    if contract.support_hours < 0:
        raise ValidationError(
            "The support-hours allowance cannot be negative; give 0 for unlimited.",
            field("support_hours"),
        )
    if contract.hours_used < 0:
        raise ValidationError("The hours used cannot be negative.", field("hours_used"))
    if contract.monthly_fee < 0:
        raise ValidationError("The monthly fee cannot be negative.", field("monthly_fee"))
    _percent(
        contract.credit_percent_per_breach,
        "The service credit per breached metric",
        field("credit_percent_per_breach"),
    )
    _percent(contract.credit_cap_percent, "The credit cap", field("credit_cap_percent"))
    _percent(
        contract.availability_target,
        "The availability target",
        field("availability_target"),
        above_zero=True,
    )
    _percent(contract.attainment_target, "The attainment target", field("attainment_target"))
    if not _CURRENCY.match(contract.currency):
        raise ValidationError(
            f"{contract.currency!r} is not a currency code; use three capital letters such as "
            "EUR, USD or CAD.",
            field("currency"),
        )


def check_technician(technician: Technician) -> None:
    _check_name(technician.name, "A technician", "name")
    Role(technician.role)
    check_zone(technician.timezone, f"Technician {technician.name!r}")
    for name in ("shift_start", "shift_end"):
        value = getattr(technician, name)
        if not _TIME.match(value):
            raise ValidationError(
                f"{value!r} is not a time of day; write it as HH:MM, e.g. 08:30.", name
            )
    days = technician.shift_days
    if not days or any(not 0 <= d <= 6 for d in days) or len(set(days)) != len(days):
        raise ValidationError(
            "Pick the days of the shift (at least one, Monday to Sunday).", "shift_days"
        )
    if not 1 <= technician.escalation_level <= 9:
        raise ValidationError(
            f"Escalation level {technician.escalation_level} is out of range; 1 is a "
            "technician, 2 and above are the seniors a breach is handed to (up to 9).",
            "escalation_level",
        )
    if technician.login is not None and not re.match(r"^[a-z_][a-z0-9_]{0,62}$", technician.login):
        raise ValidationError(
            f"{technician.login!r} is not a database login name; use lower-case letters, "
            "digits and underscores (e.g. 'alice').",
            "login",
        )


def check_policy(policy: SlaPolicy) -> None:
    """A target for every metric and priority, each longer than zero; sane warnings."""
    _check_name(policy.name, "A policy", "name")
    for priority in Priority:
        for metric in Metric:
            target = policy.targets.get((priority, metric))
            where = f"targets.{priority.value}.{metric.value}"
            if target is None:
                raise ValidationError(
                    f"Policy {policy.name!r} has no {metric.label} target for {priority.label}; "
                    "fill in every cell of the grid.",
                    where,
                )
            if target <= timedelta(0):
                raise ValidationError(
                    f"Policy {policy.name!r}: the {metric.label} target for {priority.label} "
                    "must be longer than zero (e.g. 30 min, 4 h, 2 d).",
                    where,
                )
    for percent in policy.warnings.percents:
        if not 0 < percent < 100:
            raise ValidationError(
                f"A warning at {percent} % of the target cannot fire before the breach; give "
                "percents between 1 and 99.",
                "warnings.percents",
            )
    lead = policy.warnings.lead
    if lead is not None and lead <= timedelta(0):
        raise ValidationError(
            "The warning before a breach must come some minutes before it (e.g. 30), or "
            "leave it empty for none.",
            "warnings.lead",
        )
    levels = [level.level for level in policy.escalation]
    if any(level < 1 for level in levels) or len(set(levels)) != len(levels):
        raise ValidationError(
            f"Escalation levels {levels}: number them 1, 2, 3 … without repeats.", "escalation"
        )


def check_calendar(calendar: CalendarSpec) -> None:
    """What a calendar needs besides valid hours (the SLA engine checks those)."""
    _check_name(calendar.name, "A calendar", "name")
    if calendar.name == "24x7":
        raise ValidationError(
            "'24x7' is the name of round-the-clock service; give the calendar another name.",
            "name",
        )
    if calendar.zone is not None:
        check_zone(calendar.zone, f"Calendar {calendar.name!r}", "zone")
    for day in calendar.holidays:
        if not FIRST_HOLIDAY_YEAR <= day.year <= LAST_HOLIDAY_YEAR:
            raise ValidationError(
                f"The holiday {day.isoformat()} lies outside the years a calendar counts in "
                f"({FIRST_HOLIDAY_YEAR}–{LAST_HOLIDAY_YEAR}); check the year.",
                "holidays",
            )
    seen: set[date] = set()
    for day in calendar.holidays:
        if day in seen:
            raise ValidationError(
                f"The holiday {day.isoformat()} is listed twice; keep it once.", "holidays"
            )
        seen.add(day)


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveCustomer(Command):
    """Add a customer (``customer.id`` None) or change one, with the sites, contacts and
    contracts given (each new or changed); those not given stay as they are. All of it in
    one transaction, or nothing."""

    name: ClassVar[str] = "save_customer"

    customer: Customer
    sites: tuple[Site, ...] = ()
    contacts: tuple[Contact, ...] = ()
    contracts: tuple[Contract, ...] = ()

    @property
    def audit_name(self) -> str:
        return "add_customer" if self.customer.id is None else "edit_customer"

    def validate(self) -> None:
        check_customer(self.customer)
        for kind, records in (("sites", self.sites), ("contacts", self.contacts)):
            names = [r.name.strip().casefold() for r in records]
            for i, name in enumerate(names):
                if name in names[:i]:
                    raise ValidationError(
                        f"Two {kind} are named {records[i].name!r}; give each its own name.",
                        f"{kind}.{i}.name",
                    )
        for i, site in enumerate(self.sites):
            check_site(site, f"sites.{i}")
        for i, contact in enumerate(self.contacts):
            check_contact(contact, f"contacts.{i}")
        for i, contract in enumerate(self.contracts):
            check_contract(contract, f"contracts.{i}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EditTechnician(Command):
    """Change a person's name, role, zone, shift or escalation level (or reactivate them)."""

    name: ClassVar[str] = "edit_technician"
    technician: Technician

    def validate(self) -> None:
        if self.technician.id is None:
            raise ValidationError("Only a saved technician can be edited (it has no id).")
        check_technician(self.technician)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeactivateTechnician(Command):
    """Take a person off the desk: they keep their history but take no new tickets and
    cannot sign in; a technician with a history is never deleted."""

    name: ClassVar[str] = "deactivate_technician"
    technician_id: int
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SavePolicy(Command):
    """Add an SLA policy (``policy.id`` None) or change one; the open tickets it moves get
    their clocks recomputed in the same transaction."""

    name: ClassVar[str] = "save_policy"
    policy: SlaPolicy

    @property
    def audit_name(self) -> str:
        return "add_policy" if self.policy.id is None else "edit_policy"

    def validate(self) -> None:
        check_policy(self.policy)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletePolicy(Command):
    """Remove a policy no contract names (a category override that is no longer wanted)."""

    name: ClassVar[str] = "delete_policy"
    policy_id: int
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveCalendar(Command):
    """Add a business calendar (``calendar.id`` None) or change its hours, zone or
    holidays; the open tickets it moves get their clocks recomputed."""

    name: ClassVar[str] = "save_calendar"
    calendar: CalendarSpec

    @property
    def audit_name(self) -> str:
        return "add_calendar" if self.calendar.id is None else "edit_calendar"

    def validate(self) -> None:
        check_calendar(self.calendar)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetUpDesk(Command):
    """The first start of an empty desk: its first calendar, a policy per tier (and the
    fallback), and the person setting it up as its first manager."""

    name: ClassVar[str] = "set_up_desk"
    calendar: CalendarSpec
    policies: tuple[SlaPolicy, ...]
    manager: Technician

    def validate(self) -> None:
        check_calendar(self.calendar)
        if not self.policies:
            raise ValidationError("A desk needs at least one SLA policy.", "policies")
        for policy in self.policies:
            check_policy(policy)
        if Role(self.manager.role) is not Role.MANAGER:
            raise ValidationError("The person setting up the desk is its first manager.")
        check_technician(self.manager)


SETUP_COMMANDS: tuple[type[Command], ...] = (
    SaveCustomer,
    EditTechnician,
    DeactivateTechnician,
    SavePolicy,
    DeletePolicy,
    SaveCalendar,
    SetUpDesk,
)

COMMAND_TYPES.update({cls.name: cls for cls in SETUP_COMMANDS})
