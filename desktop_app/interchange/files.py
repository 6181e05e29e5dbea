"""Import customers, sites, contacts and tickets from CSV or JSON; export tickets.

Every file is parsed into a :class:`~desktop_app.domain.Desk` first, checking every row;
the store then writes the desk in one transaction (``Store.import_desk``). Bad rows are all
reported, each with its line number and what to do. By default one bad row means nothing is
written; ``skip_bad=True`` writes the good rows and reports the rest. A file that cannot be
read to its end (not text in its encoding, broken JSON, a line longer than any record may
be) is never written, not even in part.

Files
=====

Text: UTF-8 with or without a byte-order mark, or UTF-16 with its byte-order mark (what
spreadsheet programs save as "Unicode text"); any other encoding is named with
``encoding`` (``--encoding cp1252``). The first byte that is not in the encoding is
reported with its line and column.

CSV: comma-separated (a header that holds tabs or semicolons and no commas switches to
that separator, as spreadsheet programs write), a header row naming the columns; one kind
of record per file. The kind comes from the header (``number`` → tickets, ``timezone`` →
sites, ``email``/``phone`` → contacts, ``tier`` → customers) unless given. Columns may come
in any order; unknown columns are an error (a typo would otherwise drop data silently).
Empty cells mean "not given".

JSON: an object whose keys are kinds, each a list of records, e.g.
``{"customers": [...], "sites": [...], "tickets": [...]}`` (kinds are read in the order
customers, sites, contacts, tickets, so a file can bring a customer with its tickets); or a
plain list of records of one kind (given, or inferred from the first record's keys like a
CSV header). Keys are the CSV column names; numbers may be JSON numbers, "not given" may be
``null``. Line numbers point at the line where a record's ``{`` stands. The file is read
record by record (memory holds the records read, not the file). An object with the same
key twice, ``NaN``/``Infinity`` and lists or objects where text belongs are refused.

Limits, the same whatever the database (:data:`FIELD_LIMITS`): a field holds at most as
many characters as its database column (``subject`` 300, ``number`` 32, names 200, …);
``description``, ``notes`` and an event's ``text`` at most :data:`TEXT_LIMIT`; no field
holds a NUL character. A CSV line or a JSON record spans at most :data:`RECORD_LIMIT`
characters.

Instants are ISO 8601 with an offset or ``Z`` (``2025-03-12T09:30:00-05:00``,
``2025-03-12T14:30:00Z``); a time without one is refused, since it is ambiguous. They are
stored in UTC. An instant in the future (beyond :data:`FUTURE_TOLERANCE`) is refused, and
so is one more than :data:`HORIZON_YEARS` years ago unless the import allows old records
(:meth:`InstantRange.around`), as an archive needs.

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
technicians; instants are UTC. A CSV cell that a spreadsheet program would run as a formula
(it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading ``'`` (see :mod:`desktop_app.interchange.cells`) unless ``raw``; importing such a
file keeps the quote, importing a raw export gives back exactly what was exported. The file
is written whole or not at all, readable by its owner only (see
:mod:`desktop_app.interchange.output`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import chain
from operator import attrgetter, gt, itemgetter
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
from desktop_app.interchange.json_stream import JsonProblem, JsonReader
from desktop_app.interchange.output import write_whole
from desktop_app.interchange.text_files import (
    SNIFF_BYTES,
    describe_bad_bytes,
    locate_bad_bytes,
    open_text,
    pick_encoding,
    utf16_without_bom,
)
from desktop_app.memory import gc_paused
from desktop_app.store import Store
from desktop_app.store.queries.interchange import desk_names, tickets_with_timelines

__all__ = [
    "EVENT_COLUMNS",
    "FIELD_LIMITS",
    "FUTURE_TOLERANCE",
    "HORIZON_YEARS",
    "KINDS",
    "RECORD_LIMIT",
    "TEXT_LIMIT",
    "TICKET_COLUMNS",
    "ImportRejectedError",
    "ImportReport",
    "InstantRange",
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

# --------------------------------------------------------------------------- limits

TEXT_LIMIT = 100_000
"""The most characters a free-text field (description, notes, an event's text) holds."""
RECORD_LIMIT = 64 * 1024 * 1024
"""The most characters one CSV line or one JSON record may span: reading stops beyond it."""
FIELD_LIMITS: Mapping[str, int] = {
    # customers, sites, contacts: the sizes of their database columns
    "name": 200,
    "tier": 20,
    "notes": TEXT_LIMIT,
    "customer": 200,
    "timezone": 64,
    "calendar": 100,
    "email": 200,
    "phone": 50,
    # tickets
    "number": 32,
    "subject": 300,
    "description": TEXT_LIMIT,
    "category": 100,
    "priority": 20,
    "status": 30,
    "site": 200,
    "contact": 200,
    "assignee": 100,
    "escalation_level": 20,
    "created_at": 40,
    "resolved_at": 40,
    # events (CSV columns event_<key>); priority, category and assignee as above
    "kind": 30,
    "at": 40,
    "author": 100,
    "text": TEXT_LIMIT,
    "level": 20,
    "metric": 20,
}
"""The most characters each field holds, by key (CSV event columns by their key without
``event_``). Both databases hold exactly these, so SQLite and PostgreSQL accept and refuse
the same files."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _limit(column: str) -> int:
    return FIELD_LIMITS.get(column.removeprefix("event_"), TEXT_LIMIT)


def _field_problem(key: str, value: str) -> str | None:
    """Why ``value`` cannot be stored as ``key`` (too long, a NUL character, half of a
    UTF-16 surrogate pair from a JSON escape), or ``None``."""
    limit = _limit(key)
    if len(value) > limit and len(value.strip()) > limit:
        return f"{key} is {len(value):,} characters long; it may hold at most {limit:,}"
    if "\x00" in value:
        return f"{key} holds a NUL character (\\x00); remove it"
    if not value.isascii() and _SURROGATE.search(value):
        return (
            f"{key} holds an unpaired surrogate escape (\\ud800-\\udfff), which is not a "
            "character; fix the text"
        )
    return None


# --------------------------------------------------------------------------- instants

HORIZON_YEARS = 20
"""By default an import refuses instants more than this many years ago."""
FUTURE_TOLERANCE = timedelta(minutes=5)
"""An instant up to this far ahead of the desk's clock is accepted (clocks drift)."""
OLDEST_EVER = datetime(1970, 1, 1, tzinfo=UTC)
"""No instant before this is accepted, even from an archive."""


@dataclass(frozen=True, slots=True)
class InstantRange:
    """The instants an import accepts, from ``earliest`` to ``latest``, and how to say
    that an instant is too old (``too_old`` names the lower bound and what to do)."""

    earliest: datetime
    latest: datetime
    now: datetime
    too_old: str

    @classmethod
    def around(
        cls,
        now: datetime,
        *,
        oldest: date | datetime | None = None,
        allow_old: bool = False,
    ) -> InstantRange:
        """From :data:`HORIZON_YEARS` years before ``now`` (``oldest`` instead when given;
        1 January 1970 with ``allow_old``) to :data:`FUTURE_TOLERANCE` after it."""
        now = now.astimezone(UTC)
        latest = now + FUTURE_TOLERANCE
        if allow_old:
            return cls(
                OLDEST_EVER,
                latest,
                now,
                "is before 1970-01-01, older than any ticket can be; check the year",
            )
        if oldest is not None:
            earliest = (
                oldest.astimezone(UTC)
                if isinstance(oldest, datetime)
                else datetime(oldest.year, oldest.month, oldest.day, tzinfo=UTC)
            )
            earliest = max(earliest, OLDEST_EVER)
            return cls(
                earliest,
                latest,
                now,
                f"is before {earliest:%Y-%m-%d}, the oldest date this import accepts; check "
                "the year, or give an earlier --oldest date (or --allow-old)",
            )
        try:
            earliest = now.replace(year=now.year - HORIZON_YEARS)
        except ValueError:  # 29 February
            earliest = now.replace(year=now.year - HORIZON_YEARS, day=28)
        return cls(
            earliest,
            latest,
            now,
            f"is more than {HORIZON_YEARS} years ago (before {earliest:%Y-%m-%d}); check the "
            "year, or import an archive of old tickets with --allow-old",
        )

    def problem(self, key: str, value: str, instant: datetime) -> str | None:
        """Why ``instant`` (read from ``value``) is refused, or ``None``."""
        if instant < self.earliest:
            return f"{key} {value!r} {self.too_old}"
        if instant > self.latest:
            return (
                f"{key} {value!r} is in the future (the desk's clock says "
                f"{self.now:%Y-%m-%d %H:%M} UTC); check the date and its offset"
            )
        return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad record: where it is (1-based line of the file, and column where it helps)
    and what is wrong."""

    line: int
    kind: str
    reason: str
    column: int | None = None

    def __str__(self) -> str:
        if self.column is not None:
            return f"line {self.line}, column {self.column}: {self.reason}"
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
    """A file read into a desk of its good records, and the bad ones. ``stopped_at``: the
    line where reading had to stop, when the file could not be read to its end; then nothing
    of it may be written."""

    desk: Desk
    errors: list[RowError]
    kinds: tuple[str, ...]
    records: int = 0  # records read (a CSV ticket with events counts once)
    accepted: int = 0  # records without errors, in the desk
    stopped_at: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unreadable(self) -> bool:
        return self.stopped_at is not None

    def error_lines(self) -> list[str]:
        return [str(error) for error in sorted(self.errors, key=lambda e: e.line)]


class ImportRejectedError(ValidationError):
    """The file has bad rows and ``skip_bad`` was not given, or it cannot be read to its
    end: nothing was written."""

    def __init__(self, path: Path | str, parsed: ParsedImport) -> None:
        count = len(parsed.errors)
        if parsed.stopped_at is not None:
            message = (
                f"{path}: cannot read the file past line {parsed.stopped_at}; nothing was "
                "imported. Fix what is listed and import the file again."
            )
        else:
            message = (
                f"{path}: {count} bad record{'s' if count != 1 else ''}; nothing was "
                "imported. Fix the lines listed, or import the good records only with "
                "--skip-bad."
            )
        super().__init__(message)
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


def _instant(value: str, key: str, accepted: InstantRange) -> datetime:
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
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved past the calendar's end by its offset
        raise _Bad(f"{key} {value!r} is out of range; check the year") from None
    problem = accepted.problem(key, value, instant)
    if problem is not None:
        raise _Bad(problem)
    return instant


_fromisoformat = datetime.fromisoformat


MAX_LEVEL = 99  # escalation levels: a policy has a handful


def _count(value: str, key: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise _Bad(f"{key} {value!r} is not a whole number") from None
    if number < 0:
        raise _Bad(f"{key} {number} is negative; use 0 or more")
    if number > MAX_LEVEL:
        raise _Bad(f"{key} {number} is more than {MAX_LEVEL}; check the number")
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


def _first_time(lines: dict[Any, int], key: Any, line: int, what: str) -> None:
    """Remember that ``key`` is on ``line``; refuse a second record with the same key."""
    first = lines.get(key)
    if first is not None:
        raise _Bad(f"{what} appears twice (first on line {first}); keep one row")
    lines[key] = line


class _NothingYet(list[Any]):
    """The one empty list every parsed customer starts with for its sites, contacts and
    contracts: a million customers would otherwise hold three million empty lists (168 MB).
    Changing it raises, so nothing is ever added to every customer at once; the builder
    gives a customer a list of its own when it first adds to one."""

    __slots__ = ()

    def _refuse(self, *_args: object, **_kwargs: object) -> Any:
        raise TypeError("a parsed customer shares this empty list; assign a new list first")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


_NOTHING_YET = _NothingYet()


def _new_customer(customer: Customer) -> DeskCustomer:
    return DeskCustomer(customer, _NOTHING_YET, _NOTHING_YET, _NOTHING_YET)


class _Builder:
    """Validates records kind by kind and gathers the good ones into a desk."""

    def __init__(self, known: KnownNames, accepted: InstantRange) -> None:
        self.known = known
        self.instants = accepted
        self.desk = Desk()
        self.errors: list[RowError] = []
        self.records = 0
        self.accepted = 0
        # by name, from the file and the database; made when a record first refers to a
        # customer (a file of customers alone never does)
        self._by_name: dict[str, DeskCustomer] | None = None
        # duplicates within the file: customers and tickets by name (the big kinds, kept
        # without a tuple each), the other kinds by (kind, customer, name)
        self.customer_lines: dict[str, int] = {}
        self.ticket_lines: dict[str, int] = {}
        self.first_line: dict[tuple[str, ...], int] = {}
        self.stopped_at: int | None = None
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
        _first_time(self.first_line, key, line, what)

    @property
    def customers(self) -> dict[str, DeskCustomer]:
        if self._by_name is None:
            self._by_name = {entry.customer.name: entry for entry in self.desk.customers}
        return self._by_name

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
        entry = _new_customer(Customer(name=name, tier=tier))  # reused by name when stored
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
        _first_time(self.customer_lines, name, record.line, f"customer {name!r}")
        entry = _new_customer(Customer(name=name, tier=tier, notes=_text(row, "notes")))
        if self._by_name is not None:
            self._by_name[name] = entry
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
        if owner.sites is _NOTHING_YET:
            owner.sites = []
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
        if owner.contacts is _NOTHING_YET:
            owner.contacts = []
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
            created = _instant(_required(row, "created_at"), "created_at", self.instants)
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
                resolved = _instant(resolved_text, "resolved_at", self.instants)
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
        _first_time(self.ticket_lines, number, record.line, f"ticket {number}")
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
            # fromisoformat gives no zone or a fixed offset, which always has a utcoffset.
            if parsed.tzinfo is not None:
                at = parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
        accepted = self.instants
        priority = _PRIORITIES.get(priority_text) if priority_text else None
        metric = _METRICS.get(metric_text) if metric_text else None
        assignee = assignee.strip()
        if (
            kind is None
            or at is None
            or at < accepted.earliest
            or at > accepted.latest
            or (priority is None and priority_text)
            or (metric is None and metric_text)
            or (level_text and not (level_text.isdecimal() and len(level_text) <= 2))
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
            at = _instant(_required(fields, "at"), f"{where}: at", self.instants)
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

    def stop(self, line: int, kind: str | None, reason: str, column: int | None = None) -> None:
        """Reading cannot go on at ``line``: nothing of the file may be written."""
        self.errors.append(RowError(line, kind or "?", reason, column))
        self.stopped_at = line

    def result(self, kinds: tuple[str, ...]) -> ParsedImport:
        return ParsedImport(
            desk=self.desk,
            errors=sorted(self.errors, key=lambda e: e.line),
            kinds=kinds,
            records=self.records,
            accepted=self.accepted,
            stopped_at=self.stopped_at,
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


class _Stop(Exception):
    """The file cannot be read past ``line``."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _delimiter(header: str) -> str:
    """A comma, unless the header holds tabs (a spreadsheet's "Unicode text") or
    semicolons (its CSV where the comma is the decimal sign) and no comma."""
    if "," in header:
        return ","
    if "\t" in header:
        return "\t"
    if ";" in header:
        return ";"
    return ","


class _FieldSizeLimit:
    """Lets the CSV reader take cells up to :data:`RECORD_LIMIT` characters while it runs
    (the limits of the fields are checked afterwards, with their names)."""

    def __enter__(self) -> None:
        self._before = csv.field_size_limit(RECORD_LIMIT)

    def __exit__(self, *_exc: object) -> None:
        csv.field_size_limit(self._before)


def parse_csv(
    source: str | IO[str],
    kind: str | None = None,
    known: KnownNames | None = None,
    *,
    instants: InstantRange | None = None,
) -> ParsedImport:
    """Read one kind of record from CSV text (or an open text file) into a desk."""
    _check_kind(kind)
    stream = io.StringIO(source.removeprefix("\ufeff")) if isinstance(source, str) else source
    builder = _Builder(known or KnownNames(), instants or InstantRange.around(datetime.now(UTC)))
    # Lines are read RECORD_LIMIT characters at most, so a file without line ends cannot
    # fill the memory; a longer line reaches the CSV reader in pieces, one of which is
    # then longer than any row may be (see rows() in _read_csv).
    lines = iter(partial(stream.readline, RECORD_LIMIT), "")
    try:
        with _FieldSizeLimit():
            kinds = _read_csv(lines, kind, builder)
    except _Stop as stop:
        builder.stop(stop.line, kind, stop.reason)
        kinds = (kind,) if kind else ()
    return builder.result(kinds)


def _read_csv(lines: Iterator[str], kind: str | None, builder: _Builder) -> tuple[str, ...]:
    try:
        first = next(lines)
    except StopIteration:
        builder.errors.append(RowError(1, kind or "?", "the file is empty; add a header row"))
        return (kind,) if kind else ()
    reader = csv.reader(chain((first,), lines), delimiter=_delimiter(first))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise _Stop(1, f"the header cannot be read as CSV ({exc})") from None
    if any(len(name) > 100 for name in header):
        raise _Stop(1, "a column name is longer than 100 characters; is this a CSV file?")
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
        return ()
    event_columns = kind == "tickets" and any(c in EVENT_COLUMNS for c in columns)
    problems = _column_problems(kind, columns, events=True)
    if len(set(columns)) != len(columns):
        problems.append("a column name appears twice in the header")
    if problems:
        builder.errors.append(RowError(1, kind, "; ".join(problems)))
        return (kind,)

    width = len(columns)
    limits = tuple(_limit(column) for column in columns)
    # A line longer than RECORD_LIMIT reaches the reader cut at that length: its first
    # piece is a row of about RECORD_LIMIT characters of cells, which no line that fits is.
    longest_row = RECORD_LIMIT - 4 * width - 4

    def rows() -> Iterator[tuple[int, list[str] | str]]:
        """(first line, cells) of each row that is not blank, or (line, what is wrong)."""
        line = reader.line_num + 1
        try:
            for cells in reader:
                start, line = line, reader.line_num + 1
                joined = "".join(cells)
                if not joined or joined.isspace():
                    continue
                if len(joined) > longest_row:
                    raise _Stop(start, _too_long())
                if len(cells) != width:
                    yield start, f"has {len(cells)} cells, the header has {width}"
                    continue
                if "\x00" in joined or any(map(gt, map(len, cells), limits)):
                    problems = [
                        problem
                        for column, cell in zip(columns, cells, strict=True)
                        if (problem := _field_problem(column, cell)) is not None
                    ]
                    if problems:
                        yield start, "; ".join(problems)
                        continue
                if "'" in joined:  # a cell a spreadsheet-safe export quoted
                    yield start, [spreadsheet_text(cell) for cell in cells]
                else:
                    yield start, cells
        except csv.Error as exc:
            raise _Stop(line, _csv_problem(exc)) from None

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
    return (kind,)


def _too_long() -> str:
    return (
        f"the line is longer than {RECORD_LIMIT:,} characters, more than any record may "
        "hold; check the file (is it a CSV file?)"
    )


def _csv_problem(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return (
            f"a cell is longer than {RECORD_LIMIT:,} characters, more than any field may "
            f"hold (at most {TEXT_LIMIT:,}); check the file"
        )
    return f"the CSV cannot be read here ({exc}); check the quotes on this line"


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


_LONGEST_KEY = 100


def _json_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _Bad(f"'{key}' is true/false; give text or a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(f"'{key}' is a number too large to hold; check it")
        return str(value)
    holds = "a list" if isinstance(value, list) else "an object"
    raise _Bad(f"'{key}' holds {holds}; give text or a number")


def _json_record(line: int, value: Any, kind: str, refused: str | None = None) -> _Record:
    if refused is not None:
        return _Record(line, {}, bad=[refused])
    if not isinstance(value, dict):
        return _Record(line, {}, bad=[f"a {kind} record must be an object {{...}}"])
    record = _Record(line, {})
    if not value.keys() <= _JSON_KEYS[kind]:
        if any(len(key) > _LONGEST_KEY for key in value):
            return _Record(line, {}, bad=[f"a key is longer than {_LONGEST_KEY} characters"])
        problems = _column_problems(kind, list(value), events=False)
        record.bad.extend(p for p in problems if p.startswith("unknown"))
    unstorable: list[str] = []  # values that may not be stored at all: nothing else is read
    fields = record.fields
    limit = FIELD_LIMITS.get
    for key, item in value.items():
        if type(item) is str:  # most values: checked inline (a million records)
            text = item
        elif key == "events" and kind == "tickets":
            continue
        else:
            try:
                text = _json_text(item, key)
            except _Bad as problem:
                record.bad.append(str(problem))
                continue
        fields[key] = text
        if len(text) > limit(key, TEXT_LIMIT) or "\x00" in text or not text.isascii():
            problem_text = _field_problem(key, text)
            if problem_text is not None:
                unstorable.append(problem_text)
    if kind == "tickets" and value.get("events") is not None:
        events = value["events"]
        if not isinstance(events, list):
            record.bad.append("'events' must be a list of objects")
        else:
            for index, event in enumerate(events, start=1):
                if not isinstance(event, dict):
                    record.bad.append(f"event #{index} must be an object")
                    continue
                cells: dict[str, str] = {}
                for key, item in event.items():
                    if key not in _EVENT_KEYS:
                        shown = key if len(key) <= _LONGEST_KEY else key[:_LONGEST_KEY] + "…"
                        record.bad.append(
                            f"event #{index}: unknown key {shown!r}; "
                            f"keys are {', '.join(_EVENT_KEYS)}"
                        )
                        continue
                    try:
                        text = cells[key] = _json_text(item, key)
                    except _Bad as problem:
                        record.bad.append(f"event #{index}: {problem}")
                        continue
                    problem_text = _field_problem(key, text)
                    if problem_text is not None:
                        unstorable.append(f"event #{index}: {problem_text}")
                record.events.append((0, tuple(cells.get(k, "") for k in _EVENT_KEYS)))
    if unstorable:
        # Reported alone: the other checks would quote the values back.
        return _Record(line, {}, bad=unstorable)
    return record


# The keys a record of each kind may have (anything else is reported by _column_problems).
_JSON_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset((*required, *optional, *(("events",) if kind == "tickets" else ())))
    for kind, (required, optional) in _COLUMNS.items()
}


class _OutOfOrder(Exception):
    """A kind comes after a kind that refers to it: read the file again, kind by kind."""


def parse_json(
    source: str | IO[str],
    kind: str | None = None,
    known: KnownNames | None = None,
    *,
    instants: InstantRange | None = None,
) -> ParsedImport:
    """Read customers, sites, contacts and tickets from JSON text (or an open text file)
    into a desk, record by record."""
    _check_kind(kind)
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")

        def reader() -> JsonReader:
            return JsonReader(text, record_limit=RECORD_LIMIT)

    else:
        stream = source if source.seekable() else io.StringIO(source.read())
        start = stream.tell()

        def reader() -> JsonReader:
            stream.seek(start)
            return JsonReader(stream, record_limit=RECORD_LIMIT)

    accepted = instants or InstantRange.around(datetime.now(UTC))
    builder = _Builder(known or KnownNames(), accepted)
    kinds: tuple[str, ...] = (kind,) if kind else ()
    try:
        try:
            kinds = _read_json(reader(), kind, builder)
        except _OutOfOrder:
            # Kinds are read customers first, tickets last, whatever the file's order: one
            # pass per kind then (memory still holds one record of the file at a time).
            builder = _Builder(known or KnownNames(), accepted)
            read: list[str] = []
            for name in KINDS:
                read.extend(_read_json(reader(), kind, builder, only=name))
            kinds = tuple(read)
    except JsonProblem as problem:
        builder.stop(problem.line, kind, problem.reason)
    return builder.result(kinds)


def _read_json(
    reader: JsonReader, kind: str | None, builder: _Builder, only: str | None = None
) -> tuple[str, ...]:
    """Read the document into ``builder``: every kind (in the file's order, raising
    :class:`_OutOfOrder` when that is not customers, sites, contacts, tickets), ``kind``
    only when given, and ``only`` alone when given; returns the kinds read."""
    first = reader.peek()
    if first == "[":
        if only is not None:
            return ()
        return _read_json_list(reader, kind, builder)
    if first != "{":
        raise JsonProblem(
            reader.line_at(reader.pos),
            'a JSON import holds an object {"customers": [...], "tickets": [...]} '
            "or a list of records",
        )
    reader.pos += 1
    seen: dict[str, int] = {}
    read: list[str] = []
    if reader.peek() == "}":
        reader.pos += 1
    else:
        while True:
            key_line, key, refused = reader.value()
            if refused is not None or not isinstance(key, str):
                raise JsonProblem(key_line, "expected a key in double quotes")
            shown = key if len(key) <= _LONGEST_KEY else key[:_LONGEST_KEY] + "…"
            reader.expect(":", f"':' after {shown!r}")
            if key not in KINDS:
                raise JsonProblem(
                    key_line, f"unknown key {shown!r}; the keys are {', '.join(KINDS)}"
                )
            if key in seen:
                raise JsonProblem(key_line, f"{key!r} appears twice; merge the lists")
            seen[key] = key_line
            if (kind is None or key == kind) and (only is None or key == only):
                if only is None and any(KINDS.index(k) > KINDS.index(key) for k in read):
                    raise _OutOfOrder
                builder.add(
                    key,
                    (_json_record(line, value, key, why) for line, value, why in reader.items()),
                )
                read.append(key)
            else:
                for _ in reader.items():
                    pass
            if reader.peek() == ",":
                reader.pos += 1
                continue
            reader.expect("}", "',' or '}'")
            break
    if not reader.at_end():
        raise JsonProblem(
            reader.line_at(reader.pos), "unexpected text after the end of the JSON document"
        )
    if kind is not None and kind not in seen:
        builder.errors.append(
            RowError(1, kind, f"the file holds no {kind} (it holds {', '.join(seen)})")
        )
        return (kind,)
    return tuple(k for k in KINDS if k in read)


def _read_json_list(reader: JsonReader, kind: str | None, builder: _Builder) -> tuple[str, ...]:
    items = reader.items()
    first = next(items, None)
    chosen = kind
    if chosen is None and first is not None and isinstance(first[1], dict):
        chosen = infer_kind(first[1])
    if chosen is None:
        raise JsonProblem(
            first[0] if first is not None else 1,
            'cannot tell what the list holds; wrap it as {"tickets": [...]} '
            "(or customers/sites/contacts) or give the kind",
        )
    records = chain((first,), items) if first is not None else items
    builder.add(chosen, (_json_record(line, value, chosen, why) for line, value, why in records))
    if not reader.at_end():
        raise JsonProblem(
            reader.line_at(reader.pos), "unexpected text after the end of the JSON document"
        )
    return (chosen,)


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
    path: Path | str,
    kind: str | None = None,
    known: KnownNames | None = None,
    *,
    encoding: str | None = None,
    instants: InstantRange | None = None,
) -> ParsedImport:
    """Read a .csv or .json import file (see the module documentation) in ``encoding``
    (default: UTF-8, or UTF-16 after its byte-order mark)."""
    path = Path(path)
    fmt = _format_of(path)
    accepted = instants or InstantRange.around(datetime.now(UTC))
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
        chosen = pick_encoding(head, encoding)
        if encoding is None and chosen == "utf-8":
            guess = utf16_without_bom(head)
            if guess is not None:
                return _unreadable(
                    kind,
                    1,
                    "the file looks like UTF-16 text without a byte-order mark; give "
                    f"--encoding {guess}, or save the file as UTF-8",
                )
        # Reading builds a record per row and keeps them all: pause the cyclic collector
        # (see gc_paused), as import_desk does for the write (with a large heap around, as
        # in the application, its passes cost more than the reading).
        with gc_paused(), open_text(path, chosen) as stream:
            if fmt == "csv":
                return parse_csv(stream, kind, known, instants=accepted)
            return parse_json(stream, kind, known, instants=accepted)
    except UnicodeDecodeError:
        bad = locate_bad_bytes(path, chosen)
        if bad is None:  # pragma: no cover - the file changed while it was read
            return _unreadable(kind, 1, f"the file is not {chosen} text; check its encoding")
        return _unreadable(kind, bad.line, describe_bad_bytes(bad, chosen), bad.column)
    except OSError as exc:
        raise ValidationError(
            f"{path}: cannot read the file ({exc.strerror or exc}); check the path and that "
            "you may read it."
        ) from None


def _unreadable(
    kind: str | None, line: int, reason: str, column: int | None = None
) -> ParsedImport:
    return ParsedImport(
        desk=Desk(),
        errors=[RowError(line, kind or "?", reason, column)],
        kinds=(kind,) if kind else (),
        stopped_at=line,
    )


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
    encoding: str | None = None,
    allow_old: bool = False,
    oldest: date | None = None,
) -> ImportReport:
    """Parse ``path`` against what ``store`` holds and write it in one transaction.

    With bad records and ``skip_bad`` false, raises :class:`ImportRejectedError` (nothing
    written); also when the file cannot be read to its end, whatever ``skip_bad``. With
    ``skip_bad``, writes the good records; the report lists the rest. Instants are accepted
    from :data:`HORIZON_YEARS` years ago (``oldest`` when given, 1970 with ``allow_old``)
    up to the store's clock.
    """
    instants = InstantRange.around(store.now(), oldest=oldest, allow_old=allow_old)
    parsed = parse_file(path, kind, known_names(store), encoding=encoding, instants=instants)
    if parsed.errors and (not skip_bad or parsed.unreadable):
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
    (the importer reads both this and fully repeated rows). A cell a spreadsheet program
    would run as a formula gets a leading ``'`` (:func:`spreadsheet_safe`; the importer
    takes it off again) unless ``raw``."""
    names = technician_names or {}
    # "\r\n" (RFC 4180) also makes the writer quote a cell holding a lone "\r", which a
    # "\n" line end leaves bare, so the row would end there when read back.
    csv_writer = csv.writer(stream, lineterminator="\r\n")
    writer = csv_writer if raw else _SpreadsheetSafeWriter(csv_writer)
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


class _SpreadsheetSafeWriter:
    """A CSV writer whose cells cannot run as formulas in a spreadsheet program."""

    def __init__(self, writer: Any) -> None:
        self._writerow = writer.writerow

    def writerow(self, row: Iterable[str]) -> None:
        self._writerow(tuple(map(spreadsheet_safe, row)))


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

    The file appears whole or not at all, readable by its owner only (0600); a full disk
    raises :class:`~desktop_app.domain.DiskFullError` and leaves nothing behind. CSV cells
    that would run as spreadsheet formulas are defused unless ``raw``."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    names = {t.id: t.name for t in store.technicians() if t.id is not None}
    tickets = read_tickets(store)

    def write(stream: IO[str]) -> int:
        if fmt == "csv":
            return export_tickets_csv(tickets, stream, names, raw=raw)
        return export_tickets_json(tickets, stream, names)

    return write_whole(path, write)
