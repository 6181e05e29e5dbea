"""Import customers, sites, contacts and tickets from CSV or JSON; export tickets.

Every file is parsed into a :class:`~desktop_app.domain.Desk` first, checking every row;
the store then writes the desk in one transaction (``Store.import_desk``). Bad rows are all
reported, each with its line number and what to do. By default one bad row means nothing is
written; ``skip_bad=True`` writes the good rows and reports the rest.

Files
=====

CSV: UTF-8 (a byte-order mark is fine), comma-separated, a header row naming the columns;
one kind of record per file. The kind comes from the header (``number`` → tickets,
``timezone`` → sites, ``email``/``phone`` → contacts, ``tier`` → customers) unless given.
Columns may come in any order; unknown columns are an error (a typo would otherwise drop
data silently). Empty cells mean "not given".

JSON: an object whose keys are kinds, each a list of records, e.g.
``{"customers": [...], "sites": [...], "tickets": [...]}`` (kinds are read in the order
customers, sites, contacts, tickets, so a file can bring a customer with its tickets); or a
plain list of records of one kind (given, or inferred from the first record's keys like a
CSV header). Keys are the CSV column names; numbers may be JSON numbers, "not given" may be
``null``. Line numbers point at the line where a record's ``{`` stands.

Instants are ISO 8601 with an offset or ``Z`` (``2025-03-12T09:30:00-05:00``,
``2025-03-12T14:30:00Z``); a time without one is refused, since it is ambiguous. They are
stored in UTC.

Record kinds and their columns (``*`` = required)
-------------------------------------------------

customers
    ``name*``, ``tier*`` (platinum, gold, silver, bronze), ``notes``.
sites
    ``customer*`` (a customer in the file or the database), ``name*``, ``timezone*`` (IANA,
    e.g. ``Europe/Berlin``), ``calendar*`` (a calendar name, or ``24x7``).
contacts
    ``customer*``, ``name*``, ``email``, ``phone``.
tickets
    ``number*`` (unique, not yet in the database), ``customer*``, ``subject*``,
    ``category*`` (free text, stored lower case: outage, hardware, software, network, access,
    email, printing, security, …), ``priority*`` (critical, high, normal, low),
    ``created_at*``, ``status`` (new, open, waiting_on_customer, resolved, closed; default
    new), ``resolved_at`` (required when resolved or closed), ``site``, ``contact`` (of that
    customer), ``assignee`` (a technician in the database), ``escalation_level`` (0 or more),
    ``description``.

    A ticket's timeline: in JSON an ``events`` list of objects with the keys below without
    the ``event_`` prefix; in CSV the columns ``event_kind``, ``event_at``,
    ``event_author``, ``event_text``, ``event_priority``, ``event_category``,
    ``event_level``, ``event_metric``, ``event_assignee``, one row per event, the rows of one
    ticket next to each other (ticket columns may be left empty after its first row; if
    repeated they must agree). ``kind`` is one of created, customer_message, public_reply,
    phone_call, internal_note, waiting_on_customer, waiting_off, priority_changed,
    category_changed, policy_changed, assigned, escalated, breached, resolved, reopened;
    ``metric`` one of first_response, next_update, resolution. Without a ``created`` event
    the store adds one at ``created_at`` (and a ``resolved`` one at ``resolved_at``).

Export
======

Tickets with their events, in the same shape the importer reads, so an export can be
imported into another database: CSV has one row per event, the ticket's columns filled on
its first row and only its number on the rows that follow (a ticket without events has one
row with empty event columns); JSON is
``{"tickets": [{..., "events": [...]}]}``. Names stand for customers, sites, contacts and
technicians; instants are UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, Any, TypeVar

from desktop_app.domain import (
    Contact,
    Customer,
    Desk,
    DeskCustomer,
    DeskTicket,
    EventKind,
    Metric,
    Priority,
    Site,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.domain.zones import is_known_zone
from desktop_app.interchange.cells import spreadsheet_safe, spreadsheet_text
from desktop_app.memory import gc_paused
from desktop_app.store import Store
from desktop_app.store.queries.interchange import desk_names, tickets_with_timelines

__all__ = [
    "EVENT_COLUMNS",
    "KINDS",
    "TICKET_COLUMNS",
    "ImportRejectedError",
    "ImportReport",
    "KnownNames",
    "ParsedImport",
    "RowError",
    "export_file",
    "export_tickets_csv",
    "export_tickets_json",
    "import_file",
    "infer_kind",
    "known_names",
    "parse_csv",
    "parse_file",
    "parse_json",
    "read_tickets",
]

KINDS = ("customers", "sites", "contacts", "tickets")

_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required, optional)
    "customers": (("name", "tier"), ("notes",)),
    "sites": (("customer", "name", "timezone", "calendar"), ()),
    "contacts": (("customer", "name"), ("email", "phone")),
    "tickets": (
        ("number", "customer", "subject", "category", "priority", "created_at"),
        (
            "status",
            "resolved_at",
            "site",
            "contact",
            "assignee",
            "escalation_level",
            "description",
        ),
    ),
}
TICKET_COLUMNS = (
    "number",
    "customer",
    "site",
    "contact",
    "subject",
    "description",
    "category",
    "priority",
    "status",
    "assignee",
    "escalation_level",
    "created_at",
    "resolved_at",
)
_EVENT_KEYS = (
    "kind",
    "at",
    "author",
    "text",
    "priority",
    "category",
    "level",
    "metric",
    "assignee",
)
EVENT_COLUMNS = tuple(f"event_{key}" for key in _EVENT_KEYS)
ALWAYS_OPEN = "24x7"
_REPEATABLE = TICKET_COLUMNS[1:]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad record: where it is (1-based line of the file) and what is wrong."""

    line: int
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class KnownNames:
    """What the database holds already, for references and duplicate checks.

    ``customers`` maps a customer's name to its tier; ``sites`` and ``contacts`` hold
    ``(customer, name)`` pairs; ``technicians`` holds names (a mapping name → id also fills
    in the technician of ASSIGNED events); ``calendars`` is ``None`` to accept any calendar
    name.
    """

    customers: Mapping[str, Tier] = field(default_factory=dict)
    sites: Container[tuple[str, str]] = field(default_factory=set)
    contacts: Container[tuple[str, str]] = field(default_factory=set)
    technicians: Container[str] = field(default_factory=set)
    tickets: Container[str] = field(default_factory=set)
    calendars: Container[str] | None = None


@dataclass(slots=True)
class ParsedImport:
    """A file read into a desk of its good records, and the bad ones."""

    desk: Desk
    errors: list[RowError]
    kinds: tuple[str, ...]
    records: int = 0  # records read (a CSV ticket with events counts once)
    accepted: int = 0  # records without errors, in the desk

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [str(error) for error in sorted(self.errors, key=lambda e: e.line)]


class ImportRejectedError(ValidationError):
    """The file has bad rows and ``skip_bad`` was not given: nothing was written."""

    def __init__(self, path: Path | str, parsed: ParsedImport) -> None:
        count = len(parsed.errors)
        super().__init__(
            f"{path}: {count} bad record{'s' if count != 1 else ''}; nothing was imported. "
            "Fix the lines listed, or import the good records only with --skip-bad."
        )
        self.parsed = parsed


@dataclass(slots=True)
class ImportReport:
    """What :func:`import_file` did."""

    parsed: ParsedImport
    written: bool
    summary: Any = None  # the store's ImportSummary when written


# --------------------------------------------------------------------------- field parsing


_E = TypeVar("_E", Tier, Priority, TicketStatus, EventKind, Metric)


class _Bad(Exception):
    """A reason a record is bad; collected, never escapes this module."""


def _text(row: Mapping[str, str], key: str) -> str:
    return row.get(key, "").strip()


def _required(row: Mapping[str, str], key: str) -> str:
    value = _text(row, key)
    if not value:
        raise _Bad(f"'{key}' is empty; every record needs one")
    return value


def _given(row: Mapping[str, str], key: str, problems: list[str]) -> str | None:
    """Like :func:`_required`, adding the problem to ``problems`` instead of raising."""
    value = row.get(key, "").strip()
    if value:
        return value
    problems.append(f"'{key}' is empty; every record needs one")
    return None


_ENUM_MEMBERS: dict[type[Any], dict[str, Any]] = {}


def _enum(enum: type[_E], value: str, key: str) -> _E:
    # A dictionary per enum: an import reads one or two enum fields per CSV row.
    members = _ENUM_MEMBERS.get(enum)
    if members is None:
        members = _ENUM_MEMBERS[enum] = {m.value: m for m in enum}
    member = members.get(value) or members.get(value.strip().lower())
    if member is None:
        allowed = ", ".join(member.value for member in enum)
        raise _Bad(f"{key} {value!r} is not one of {allowed}")
    found: _E = member
    return found


def _instant(value: str, key: str) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(
            f"{key} {value!r} is not an ISO 8601 instant; write it like 2025-03-12T09:30:00Z"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _Bad(
            f"{key} {value!r} has no time zone; add an offset or Z "
            f"(e.g. {text}Z for UTC or {text}-05:00)"
        )
    return parsed.astimezone(UTC)


_fromisoformat = datetime.fromisoformat


def _count(value: str, key: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise _Bad(f"{key} {value!r} is not a whole number") from None
    if number < 0:
        raise _Bad(f"{key} {number} is negative; use 0 or more")
    return number


def _zone(value: str) -> str:
    if not is_known_zone(value):
        raise _Bad(
            f"timezone {value!r} is not an IANA time zone; use a name like 'Europe/Berlin' "
            "or 'America/Toronto'"
        )
    return value


# Members by their exact value: what an export writes, found with one lookup per field.
_EVENT_KINDS: dict[str, EventKind] = {m.value: m for m in EventKind}
_PRIORITIES: dict[str, Priority] = {m.value: m for m in Priority}
_METRICS: dict[str, Metric] = {m.value: m for m in Metric}
_at = attrgetter("at")


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class _Record:
    """One record of the file, its fields as text (JSON values are turned into text)."""

    line: int
    fields: dict[str, str]
    # (line, the event's values in _EVENT_KEYS order, "" where not given)
    events: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # problems found while reading


class _Builder:
    """Validates records kind by kind and gathers the good ones into a desk."""

    def __init__(self, known: KnownNames) -> None:
        self.known = known
        self.desk = Desk()
        self.errors: list[RowError] = []
        self.records = 0
        self.accepted = 0
        self.customers: dict[str, DeskCustomer] = {}  # by name, file and database
        self.first_line: dict[tuple[str, ...], int] = {}  # duplicates within the file
        self.sites: set[tuple[str, str]] = set()
        self.contacts: set[tuple[str, str]] = set()
        technicians = known.technicians
        self._technician_ids: Mapping[str, int] = (
            technicians if isinstance(technicians, Mapping) else {}
        )

    def add(self, kind: str, records: Iterable[_Record]) -> None:
        handler: Callable[[_Record], None] = getattr(self, f"_{kind}")
        for record in records:
            self.records += 1
            try:
                # A ticket's own checks add to what reading found; other kinds stop here.
                if record.bad and (kind != "tickets" or not record.fields):
                    raise _Bad("; ".join(record.bad))
                handler(record)
            except _Bad as problem:
                self.errors.append(RowError(record.line, kind, str(problem)))
            else:
                self.accepted += 1

    def _duplicate(self, key: tuple[str, ...], line: int, what: str) -> None:
        first = self.first_line.get(key)
        if first is not None:
            raise _Bad(f"{what} appears twice (first on line {first}); keep one row")
        self.first_line[key] = line

    def _owner(self, name: str) -> DeskCustomer:
        entry = self.customers.get(name)
        if entry is not None:
            return entry
        tier = self.known.customers.get(name)
        if tier is None:
            raise _Bad(
                f"customer {name!r} is neither in this file nor in the database; "
                "import the customer first or correct the name"
            )
        entry = DeskCustomer(Customer(name=name, tier=tier))  # reused by name when stored
        self.customers[name] = entry
        self.desk.customers.append(entry)
        return entry

    def _customers(self, record: _Record) -> None:
        row = record.fields
        name = _required(row, "name")
        tier = _enum(Tier, _required(row, "tier"), "tier")
        if name in self.known.customers:
            raise _Bad(
                f"customer {name!r} is already in the database; leave the row out "
                "(existing customers are kept as they are)"
            )
        self._duplicate(("customer", name), record.line, f"customer {name!r}")
        entry = DeskCustomer(Customer(name=name, tier=tier, notes=_text(row, "notes")))
        self.customers[name] = entry
        self.desk.customers.append(entry)

    def _sites(self, record: _Record) -> None:
        row = record.fields
        customer = _required(row, "customer")
        name = _required(row, "name")
        zone = _zone(_required(row, "timezone"))
        calendar = _required(row, "calendar")
        calendars = self.known.calendars
        if calendars is not None and calendar != ALWAYS_OPEN and calendar not in calendars:
            raise _Bad(
                f"calendar {calendar!r} does not exist; use an existing calendar's name "
                f"or {ALWAYS_OPEN!r}"
            )
        owner = self._owner(customer)
        if (customer, name) in self.known.sites:
            raise _Bad(f"{customer!r} already has a site {name!r} in the database")
        self._duplicate(("site", customer, name), record.line, f"site {name!r} of {customer!r}")
        owner.sites.append(Site(customer_id=0, name=name, timezone=zone, calendar=calendar))
        self.sites.add((customer, name))

    def _contacts(self, record: _Record) -> None:
        row = record.fields
        customer = _required(row, "customer")
        name = _required(row, "name")
        email = _text(row, "email")
        if email and ("@" not in email or " " in email):
            raise _Bad(f"email {email!r} is not an e-mail address (name@example.com)")
        owner = self._owner(customer)
        if (customer, name) in self.known.contacts:
            raise _Bad(f"{customer!r} already has a contact {name!r} in the database")
        self._duplicate(
            ("contact", customer, name), record.line, f"contact {name!r} of {customer!r}"
        )
        owner.contacts.append(
            Contact(customer_id=0, name=name, email=email, phone=_text(row, "phone"))
        )
        self.contacts.add((customer, name))

    def _has_site(self, customer: str, site: str) -> bool:
        return (customer, site) in self.sites or (customer, site) in self.known.sites

    def _has_contact(self, customer: str, contact: str) -> bool:
        return (customer, contact) in self.contacts or (customer, contact) in self.known.contacts

    def _tickets(self, record: _Record) -> None:
        # Every check runs and every problem is kept, in the order the columns are read; a
        # clean value costs one lookup (this runs once per ticket of a 10,000-ticket file).
        row = record.fields
        problems: list[str] = list(record.bad)
        number = _given(row, "number", problems)
        customer = _given(row, "customer", problems)
        subject = _given(row, "subject", problems)
        category = _given(row, "category", problems)
        if category is not None:
            category = category.lower()
        priority: Priority | None = None
        created: datetime | None = None
        status: TicketStatus | None = TicketStatus.NEW
        resolved: datetime | None = None
        level: int | None = 0
        try:
            priority = _enum(Priority, _required(row, "priority"), "priority")
        except _Bad as problem:
            problems.append(str(problem))
        try:
            created = _instant(_required(row, "created_at"), "created_at")
        except _Bad as problem:
            problems.append(str(problem))
        status_text = _text(row, "status")
        if status_text:
            try:
                status = _enum(TicketStatus, status_text, "status")
            except _Bad as problem:
                problems.append(str(problem))
                status = None
        resolved_text = _text(row, "resolved_at")
        if resolved_text:
            try:
                resolved = _instant(resolved_text, "resolved_at")
            except _Bad as problem:
                problems.append(str(problem))
        level_text = _text(row, "escalation_level")
        if level_text:
            try:
                level = _count(level_text, "escalation_level")
            except _Bad as problem:
                problems.append(str(problem))
                level = None
        if status is not None and not status.is_open and not resolved_text:
            problems.append(f"status is {status.value} but resolved_at is empty; give both")
        if status is not None and status.is_open and resolved_text:
            problems.append(
                f"status is {status.value} but resolved_at is given; "
                "use status resolved or closed, or leave resolved_at empty"
            )
        if created is not None and resolved is not None and resolved < created:
            problems.append("resolved_at is before created_at; correct one of them")
        if number is not None and number in self.known.tickets:
            problems.append(f"ticket {number} is already in the database; renumber or leave out")
        if customer is not None:
            try:
                self._owner(customer)
            except _Bad as problem:
                problems.append(str(problem))
        site = _text(row, "site") or None
        if site is not None and customer in self.customers and not self._has_site(customer, site):
            problems.append(f"{customer!r} has no site {site!r} in this file or the database")
        contact = _text(row, "contact") or None
        if (
            contact is not None
            and customer in self.customers
            and not self._has_contact(customer, contact)
        ):
            problems.append(f"{customer!r} has no contact {contact!r} in this file or the database")
        assignee = _text(row, "assignee") or None
        if assignee is not None and assignee not in self.known.technicians:
            problems.append(
                f"assignee {assignee!r} is not a technician in the database; "
                "add the technician first or correct the name"
            )
        events = [
            event
            for line, cells in record.events
            if (event := self._event(line, cells, created, problems)) is not None
        ]
        if problems:
            raise _Bad("; ".join(problems))
        assert number is not None and customer is not None
        self._duplicate(("ticket", number), record.line, f"ticket {number}")
        assert subject is not None and category is not None and priority is not None
        assert created is not None and status is not None and level is not None
        events.sort(key=_at)
        ticket = Ticket(
            number=number,
            customer_id=0,
            subject=subject,
            category=category,
            priority=priority,
            created_at=created,
            description=_text(row, "description"),
            status=status,
            escalation_level=level,
            resolved_at=resolved,
            events=tuple(events),
        )
        self.desk.tickets.append(
            DeskTicket(ticket, customer=customer, site=site, contact=contact, assignee=assignee)
        )

    def _event(
        self,
        line: int,
        cells: tuple[str, ...],
        created: datetime | None,
        problems: list[str],
    ) -> TicketEvent | None:
        """The event in ``cells`` (values in :data:`_EVENT_KEYS` order), or None with its
        problems added to ``problems``.

        A clean event (values as an export writes them) is read here with one lookup per
        field; anything else is left to :meth:`_checked_event`, which words the problem."""
        (
            kind_text,
            at_text,
            author,
            text,
            priority_text,
            category,
            level_text,
            metric_text,
            assignee,
        ) = cells
        kind = _EVENT_KINDS.get(kind_text)
        at: datetime | None = None
        try:
            parsed = _fromisoformat(at_text)
        except ValueError:
            pass
        else:
            # fromisoformat gives no zone or a fixed offset, which always has a utcoffset.
            if parsed.tzinfo is not None:
                at = parsed.astimezone(UTC)
        priority = _PRIORITIES.get(priority_text) if priority_text else None
        metric = _METRICS.get(metric_text) if metric_text else None
        assignee = assignee.strip()
        if (
            kind is None
            or at is None
            or (priority is None and priority_text)
            or (metric is None and metric_text)
            or (level_text and not level_text.isdecimal())
            or (assignee and assignee not in self.known.technicians)
            or (created is not None and at < created)
        ):
            return self._checked_event(
                line, dict(zip(_EVENT_KEYS, cells, strict=True)), created, problems
            )
        return TicketEvent(
            kind,
            at,
            author.strip(),
            text,
            priority,
            category.strip().lower() or None,
            self._technician_ids.get(assignee) if assignee else None,
            int(level_text) if level_text else None,
            metric,
        )

    def _checked_event(
        self,
        line: int,
        fields: Mapping[str, str],
        created: datetime | None,
        problems: list[str],
    ) -> TicketEvent | None:
        where = f"event on line {line}" if line else "event"
        try:
            kind = _enum(EventKind, _required(fields, "kind"), f"{where}: kind")
            at = _instant(_required(fields, "at"), f"{where}: at")
            priority_text = _text(fields, "priority")
            priority = (
                _enum(Priority, priority_text, f"{where}: priority") if priority_text else None
            )
            metric_text = _text(fields, "metric")
            metric = _enum(Metric, metric_text, f"{where}: metric") if metric_text else None
            level_text = _text(fields, "level")
            level = _count(level_text, f"{where}: level") if level_text else None
            assignee = _text(fields, "assignee") or None
            assignee_id: int | None = None
            if assignee is not None:
                if assignee not in self.known.technicians:
                    raise _Bad(
                        f"{where}: assignee {assignee!r} is not a technician in the database"
                    )
                if isinstance(self.known.technicians, Mapping):
                    assignee_id = self.known.technicians.get(assignee)
        except _Bad as problem:
            problems.append(str(problem))
            return None
        if created is not None and at < created:
            problems.append(f"{where}: at {at.isoformat()} is before the ticket's created_at")
            return None
        return TicketEvent(
            kind=kind,
            at=at,
            author=_text(fields, "author"),
            text=fields.get("text", ""),
            priority=priority,
            category=_text(fields, "category").lower() or None,
            assignee_id=assignee_id,
            level=level,
            metric=metric,
        )

    def result(self, kinds: tuple[str, ...]) -> ParsedImport:
        return ParsedImport(
            desk=self.desk,
            errors=sorted(self.errors, key=lambda e: e.line),
            kinds=kinds,
            records=self.records,
            accepted=self.accepted,
        )


# --------------------------------------------------------------------------- kinds


def infer_kind(keys: Collection[str]) -> str | None:
    """The record kind a CSV header or a JSON record's keys describe, if recognisable."""
    names = {key.strip().lower() for key in keys}
    if "number" in names:
        return "tickets"
    if "timezone" in names:
        return "sites"
    if "email" in names or "phone" in names:
        return "contacts"
    if "tier" in names:
        return "customers"
    return None


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise ValidationError(
            f"Unknown record kind {kind!r}; use one of {', '.join(KINDS)}.", field="kind"
        )


def _column_problems(kind: str, columns: Collection[str], *, events: bool) -> list[str]:
    required, optional = _COLUMNS[kind]
    allowed = set(required) | set(optional)
    if kind == "tickets":
        allowed |= set(EVENT_COLUMNS) if events else {"events"}
    missing = [c for c in required if c not in columns]
    unknown = sorted(c for c in columns if c not in allowed)
    problems = []
    if missing:
        problems.append(f"{kind} need the column(s) {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown column(s) {', '.join(unknown)} for {kind}; "
            f"the columns are {', '.join((*required, *optional))}"
        )
    return problems


# --------------------------------------------------------------------------- CSV


def parse_csv(
    source: str | IO[str], kind: str | None = None, known: KnownNames | None = None
) -> ParsedImport:
    """Read one kind of record from CSV text (or an open text file) into a desk."""
    _check_kind(kind)
    stream = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.reader(stream)
    builder = _Builder(known or KnownNames())
    try:
        header = next(reader)
    except StopIteration:
        builder.errors.append(RowError(1, kind or "?", "the file is empty; add a header row"))
        return builder.result((kind,) if kind else ())
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    columns = [name.strip().lower() for name in header]
    kind = kind or infer_kind(columns)
    if kind is None:
        builder.errors.append(
            RowError(
                1,
                "?",
                "cannot tell what the file holds from its header; name the columns as "
                "documented or give the kind (--kind customers|sites|contacts|tickets)",
            )
        )
        return builder.result(())
    event_columns = kind == "tickets" and any(c in EVENT_COLUMNS for c in columns)
    problems = _column_problems(kind, columns, events=True)
    if len(set(columns)) != len(columns):
        problems.append("a column name appears twice in the header")
    if problems:
        builder.errors.append(RowError(1, kind, "; ".join(problems)))
        return builder.result((kind,))

    width = len(columns)

    def rows() -> Iterator[tuple[int, list[str] | str]]:
        """(first line, cells) of each row that is not blank, or (line, what is wrong)."""
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            joined = "".join(cells)
            if not joined or joined.isspace():
                continue
            if len(cells) != width:
                yield start, f"has {len(cells)} cells, the header has {width}"
                continue
            if "'" in joined:  # a cell a spreadsheet-safe export quoted
                yield start, [spreadsheet_text(cell) for cell in cells]
            else:
                yield start, cells

    records: Iterable[_Record]
    if kind != "tickets" or not event_columns:
        records = (
            _Record(line, {}, bad=[cells])
            if isinstance(cells, str)
            else _Record(line, dict(zip(columns, cells, strict=True)))
            for line, cells in rows()
        )
    else:
        records = _csv_tickets_with_events(rows(), columns)
    builder.add(kind, records)
    return builder.result((kind,))


def _csv_tickets_with_events(
    rows: Iterable[tuple[int, list[str] | str]], columns: Sequence[str]
) -> Iterator[_Record]:
    """Group consecutive rows of one ticket number into a record with its events."""
    # Cells are picked by position; a column the header lacks reads an empty cell appended
    # to every row, so each pick is one C call instead of a dictionary per row.
    position = {name: index for index, name in enumerate(columns)}
    absent = len(columns)
    ticket_cells = itemgetter(*(position.get(c, absent) for c in TICKET_COLUMNS))
    repeated_cells = itemgetter(*(position.get(c, absent) for c in _REPEATABLE))
    event_cells = itemgetter(*(position.get(c, absent) for c in EVENT_COLUMNS))
    number_at = position["number"]
    current: _Record | None = None
    current_number = ""
    finished: dict[str, int] = {}
    for line, cells in rows:
        if isinstance(cells, str):
            yield _Record(line, {}, bad=[cells])
            continue
        cells.append("")
        number = cells[number_at].strip()
        event: tuple[str, ...] = event_cells(cells)
        has_event = any(event) and not "".join(event).isspace()
        if current is not None and number and number == current_number:
            repeated: tuple[str, ...] = repeated_cells(cells)
            if any(repeated):  # a continuation row may leave the ticket's columns empty
                for column, cell in zip(_REPEATABLE, repeated, strict=True):
                    value = cell.strip()
                    if value and value != current.fields[column].strip():
                        current.bad.append(
                            f"line {line} gives {column} {value!r} but line {current.line} "
                            f"gives {current.fields[column]!r} for the same ticket"
                        )
            if has_event:
                current.events.append((line, event))
            continue
        if current is not None:
            finished[current_number] = current.line
            yield current
        current = _Record(line, dict(zip(TICKET_COLUMNS, ticket_cells(cells), strict=True)))
        current_number = number
        if number in finished:
            current.bad.append(
                f"ticket {number} continues here after other tickets (it started on line "
                f"{finished[number]}); keep the rows of one ticket together"
            )
        if has_event:
            current.events.append((line, event))
    if current is not None:
        yield current


# --------------------------------------------------------------------------- JSON


class _JsonScanner:
    """Walks a JSON document's top level by hand so each record keeps its line number;
    each record itself is decoded by the standard decoder."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()
        self.pos = 0
        self._line_pos = 0
        self._line = 1

    def line_at(self, pos: int) -> int:
        # Positions only grow, so counting newlines incrementally keeps this linear.
        if pos < self._line_pos:
            self._line_pos, self._line = 0, 1
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_space(self) -> str:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos] in " \t\r\n":
            self.pos += 1
        return text[self.pos] if self.pos < n else ""

    def expect(self, char: str, what: str) -> None:
        found = self.skip_space()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise _Bad(f"expected {what} but found {shown}")
        self.pos += 1

    def value(self) -> tuple[int, Any]:
        self.skip_space()
        start = self.pos
        try:
            value, self.pos = self.decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            raise _Bad(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        return self.line_at(start), value

    def array_items(self) -> Iterator[tuple[int, Any]]:
        self.expect("[", "a list '['")
        if self.skip_space() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.skip_space() == ",":
                self.pos += 1
                continue
            self.expect("]", "',' or ']' after a record")
            return


def _json_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _Bad(f"'{key}' is true/false; give text or a number")
    if isinstance(value, str | int | float):
        return str(value)
    raise _Bad(f"'{key}' holds a {type(value).__name__}; give text or a number")


def _json_record(line: int, value: Any, kind: str) -> _Record:
    if not isinstance(value, dict):
        return _Record(line, {}, bad=[f"a {kind} record must be an object {{...}}"])
    record = _Record(line, {})
    problems = _column_problems(kind, [k for k in value if value[k] is not None], events=False)
    unknown = [p for p in problems if p.startswith("unknown")]
    record.bad.extend(unknown)
    for key, item in value.items():
        if key == "events" and kind == "tickets":
            continue
        try:
            record.fields[key] = _json_text(item, key)
        except _Bad as problem:
            record.bad.append(str(problem))
    if kind == "tickets" and value.get("events") is not None:
        events = value["events"]
        if not isinstance(events, list):
            record.bad.append("'events' must be a list of objects")
        else:
            for index, event in enumerate(events, start=1):
                if not isinstance(event, dict):
                    record.bad.append(f"event #{index} must be an object")
                    continue
                fields: dict[str, str] = {}
                for key, item in event.items():
                    if key not in _EVENT_KEYS:
                        record.bad.append(
                            f"event #{index}: unknown key {key!r}; "
                            f"keys are {', '.join(_EVENT_KEYS)}"
                        )
                        continue
                    try:
                        fields[key] = _json_text(item, key)
                    except _Bad as problem:
                        record.bad.append(f"event #{index}: {problem}")
                record.events.append((0, tuple(fields.get(k, "") for k in _EVENT_KEYS)))
    return record


def parse_json(text: str, kind: str | None = None, known: KnownNames | None = None) -> ParsedImport:
    """Read customers, sites, contacts and tickets from JSON text into a desk."""
    _check_kind(kind)
    builder = _Builder(known or KnownNames())
    scanner = _JsonScanner(text.removeprefix("\ufeff"))
    groups: dict[str, list[_Record]] = {}
    try:
        first = scanner.skip_space()
        if first == "[":
            items = list(scanner.array_items())
            chosen = kind
            if chosen is None and items and isinstance(items[0][1], dict):
                chosen = infer_kind(items[0][1])
            if chosen is None:
                raise _Bad(
                    'cannot tell what the list holds; wrap it as {"tickets": [...]} '
                    "(or customers/sites/contacts) or give the kind"
                )
            groups[chosen] = [_json_record(line, value, chosen) for line, value in items]
        elif first == "{":
            scanner.pos += 1
            if scanner.skip_space() == "}":
                scanner.pos += 1
            else:
                while True:
                    key_line, key = scanner.value()
                    if not isinstance(key, str):
                        raise _Bad("expected a key in double quotes")
                    scanner.expect(":", f"':' after {key!r}")
                    if key not in KINDS:
                        raise _Bad(
                            f"line {key_line}: unknown key {key!r}; the keys are {', '.join(KINDS)}"
                        )
                    if key in groups:
                        raise _Bad(f"line {key_line}: {key!r} appears twice; merge the lists")
                    groups[key] = [_json_record(ln, v, key) for ln, v in scanner.array_items()]
                    if scanner.skip_space() == ",":
                        scanner.pos += 1
                        continue
                    scanner.expect("}", "',' or '}'")
                    break
        else:
            raise _Bad(
                'a JSON import holds an object {"customers": [...], "tickets": [...]} '
                "or a list of records"
            )
        if scanner.skip_space():
            raise _Bad("unexpected text after the end of the JSON document")
    except _Bad as problem:
        reason = str(problem)
        line = scanner.line_at(scanner.pos)
        if reason.startswith("line "):
            line_text, _, reason = reason.partition(": ")
            line = int(line_text.removeprefix("line "))
        builder.errors.append(RowError(line, kind or "?", reason))
        return builder.result(tuple(groups))
    if kind is not None:
        if kind not in groups:
            builder.errors.append(
                RowError(1, kind, f"the file holds no {kind} (it holds {', '.join(groups)})")
            )
            return builder.result((kind,))
        groups = {kind: groups[kind]}
    ordered = tuple(k for k in KINDS if k in groups)
    for name in ordered:
        builder.add(name, groups[name])
    return builder.result(ordered)


# --------------------------------------------------------------------------- files


def _format_of(path: Path, given: str | None = None) -> str:
    fmt = (given or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json"):
        raise ValidationError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            "name the file .csv or .json (or give --format csv|json).",
            field="format",
        )
    return fmt


def parse_file(
    path: Path | str, kind: str | None = None, known: KnownNames | None = None
) -> ParsedImport:
    """Read a .csv or .json import file (see the module documentation)."""
    path = Path(path)
    fmt = _format_of(path)
    # Reading builds a record per row and keeps them all: pause the cyclic collector (see
    # gc_paused), as import_desk does for the write (with a large heap around, as in the
    # application, its passes cost more than the reading).
    try:
        with gc_paused(), path.open(encoding="utf-8-sig", newline="") as stream:
            if fmt == "csv":
                return parse_csv(stream, kind, known)
            return parse_json(stream.read(), kind, known)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8."
        ) from None


# --------------------------------------------------------------------------- the store


def known_names(store: Store) -> KnownNames:
    """What ``store`` already holds, read in one transaction."""
    names = desk_names(store)
    return KnownNames(
        customers=names.customers,
        sites=names.sites,
        contacts=names.contacts,
        technicians=names.technicians,
        tickets=names.tickets,
        calendars=names.calendars,
    )


def import_file(
    store: Store,
    path: Path | str,
    *,
    kind: str | None = None,
    skip_bad: bool = False,
    actor_id: int | None = None,
) -> ImportReport:
    """Parse ``path`` against what ``store`` holds and write it in one transaction.

    With bad records and ``skip_bad`` false, raises :class:`ImportRejectedError` (nothing
    written). With ``skip_bad``, writes the good records; the report lists the rest.
    """
    parsed = parse_file(path, kind, known_names(store))
    if parsed.errors and not skip_bad:
        raise ImportRejectedError(path, parsed)
    desk = parsed.desk
    if not (desk.customers or desk.tickets):
        return ImportReport(parsed, written=False)
    summary = store.import_desk(desk, actor_id=actor_id)
    return ImportReport(parsed, written=True, summary=summary)


def read_tickets(store: Store) -> list[DeskTicket]:
    """Every ticket in ``store`` with its timeline, references by name, in number order."""
    return tickets_with_timelines(store)


# --------------------------------------------------------------------------- export


def _utc(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else ""


def _ticket_fields(entry: DeskTicket) -> dict[str, str]:
    t = entry.ticket
    return {
        "number": t.number,
        "customer": entry.customer,
        "site": entry.site or "",
        "contact": entry.contact or "",
        "subject": t.subject,
        "description": t.description,
        "category": t.category,
        "priority": t.priority.value,
        "status": t.status.value,
        "assignee": entry.assignee or "",
        "escalation_level": str(t.escalation_level),
        "created_at": _utc(t.created_at),
        "resolved_at": _utc(t.resolved_at),
    }


def _event_fields(event: TicketEvent, technician_names: Mapping[int, str]) -> dict[str, str]:
    return {
        "kind": event.kind.value,
        "at": _utc(event.at),
        "author": event.author,
        "text": event.text,
        "priority": event.priority.value if event.priority is not None else "",
        "category": event.category or "",
        "level": str(event.level) if event.level is not None else "",
        "metric": event.metric.value if event.metric is not None else "",
        "assignee": technician_names.get(event.assignee_id, "")
        if event.assignee_id is not None
        else "",
    }


def export_tickets_csv(
    tickets: Iterable[DeskTicket],
    stream: IO[str],
    technician_names: Mapping[int, str] | None = None,
    *,
    raw: bool = False,
) -> int:
    """Write one row per event; returns the number of tickets.

    The first row of a ticket carries all its columns, the following rows only its number
    (the importer reads both this and fully repeated rows). Cells that a spreadsheet would
    run as a formula are quoted (:func:`~desktop_app.interchange.cells.spreadsheet_safe`;
    the importer takes the quote off again) unless ``raw``."""
    names = technician_names or {}
    writer: Any = csv.writer(stream, lineterminator="\n")
    if not raw:
        writer = _SafeWriter(writer)
    writer.writerow((*TICKET_COLUMNS, *EVENT_COLUMNS))
    count = 0
    blank = ("",) * len(EVENT_COLUMNS)
    # The ticket's columns on its first row only; later rows carry just the number.
    continued = ("",) * (len(TICKET_COLUMNS) - 1)
    for entry in tickets:
        count += 1
        ticket = tuple(_ticket_fields(entry).values())
        if not entry.ticket.events:
            writer.writerow((*ticket, *blank))
        for index, event in enumerate(entry.ticket.events):
            columns = ticket if index == 0 else (ticket[0], *continued)
            writer.writerow((*columns, *_event_fields(event, names).values()))
    return count


class _SafeWriter:
    """A csv writer whose text cells go through ``spreadsheet_safe``."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(
            [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row]
        )


def export_tickets_json(
    tickets: Iterable[DeskTicket],
    stream: IO[str],
    technician_names: Mapping[int, str] | None = None,
) -> int:
    """Write ``{"tickets": [{..., "events": [...]}]}``; returns the number of tickets."""
    names = technician_names or {}
    items = []
    for entry in tickets:
        record: dict[str, Any] = {
            key: value for key, value in _ticket_fields(entry).items() if value != ""
        }
        record["escalation_level"] = entry.ticket.escalation_level
        record["events"] = [
            {
                key: (int(value) if key == "level" else value)
                for key, value in _event_fields(event, names).items()
                if value != "" or key == "text"
            }
            for event in entry.ticket.events
        ]
        items.append(record)
    json.dump({"tickets": items}, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return len(items)


def export_file(
    store: Store, path: Path | str, fmt: str | None = None, *, raw: bool = False
) -> int:
    """Export every ticket of ``store`` with its events to ``path``; returns the count.
    CSV cells are spreadsheet-safe unless ``raw`` (see :func:`export_tickets_csv`)."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    names = {t.id: t.name for t in store.technicians() if t.id is not None}
    tickets = read_tickets(store)
    with path.open("w", encoding="utf-8", newline="") as stream:
        if fmt == "csv":
            return export_tickets_csv(tickets, stream, names, raw=raw)
        return export_tickets_json(tickets, stream, names)
