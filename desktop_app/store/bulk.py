"""Bulk import of a whole :class:`~desktop_app.domain.Desk` inside one transaction.

References by name (customer, site, contact, technician, ticket number) are resolved
against the desk itself and what the database holds already. Everything is checked before
the first ticket row is written, and every problem names the record it is about. Rows go
in with executemany-style inserts (``RETURNING`` the new ids in parameter order where later
rows need them), so 100,000 tickets take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desktop_app.domain import (
    Desk,
    DeskTicket,
    EventKind,
    FeedbackSource,
    Metric,
    Priority,
    Role,
    Sentiment,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.store import convert
from desktop_app.store.clocking import (
    PACKED_FIELDS,
    ClockEngine,
    ClockInputs,
    ContractPolicies,
    pack_clocks,
)
from desktop_app.store.schema import (
    CalendarRow,
    ContactRow,
    ContractRow,
    CriticismNoteRow,
    CustomerRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.types import NaiveDatetimeError, require_aware, to_utc_text

if TYPE_CHECKING:
    from desktop_app.store.repository import ImportSummary, Store

_BATCH = 5_000  # rows per executemany: bounded memory, few round trips

# Column order of the driver-level inserts (values converted by the importer itself).
_TICKET_COLUMNS = (
    "number",
    "customer_id",
    "site_id",
    "contact_id",
    "subject",
    "description",
    "category",
    "priority",
    "status",
    "assignee_id",
    "escalation_level",
    "created_at",
    "resolved_at",
    "version",
    "updated_at",
    "updated_by",
)
_EVENT_COLUMNS = (
    "ticket_id",
    "kind",
    "at",
    "author",
    "text",
    "priority",
    "category",
    "assignee_id",
    "level",
    "metric",
)
# a ticket_clocks row: its ticket, then the clock's fields in the order they are packed
_CLOCK_COLUMNS = ("ticket_id", *PACKED_FIELDS)


def _table(row_class: Any) -> Table:
    table: Table = row_class.__table__
    return table


class DeskImporter:
    def __init__(self, session: Session, store: Store, now: datetime) -> None:
        self.session = session
        self.store = store
        self.now = require_aware(now, "import instant")
        self.contracts = ContractPolicies(())  # read once the import's contracts are stored

    # ------------------------------------------------------------------------------------

    def run(self, desk: Desk) -> ImportSummary:
        from desktop_app.store.repository import ImportSummary

        summary = ImportSummary()
        session = self.session
        summary.calendars = self.store._save_calendars(session, desk.calendars)
        summary.policies = self.store._save_policies(session, desk.policies)
        engine = self.store._load_clock_engine(session)  # validates the policy set
        calendar_names = {name for (name,) in session.execute(select(CalendarRow.name))}

        technicians = self._technicians(desk, summary)
        customers = self._customers(desk, summary, calendar_names, engine)
        ticket_ids = self._tickets(desk, summary, customers, technicians, engine)
        self._criticism(desk, summary, customers, technicians, ticket_ids)
        return summary

    # --- people -------------------------------------------------------------------------

    def _technicians(self, desk: Desk, summary: ImportSummary) -> dict[str, int]:
        known = dict(self.session.execute(select(TechnicianRow.name, TechnicianRow.id)).all())
        new: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, tech in enumerate(desk.technicians):
            where = f"Technician {tech.name!r} (technician #{i + 1})"
            if not tech.name.strip():
                raise ValidationError(f"Technician #{i + 1} has no name; name everyone.")
            if tech.name in seen:
                raise ValidationError(f"{where} appears twice in the import; keep one.")
            seen.add(tech.name)
            if tech.name in known:
                continue
            try:
                Role(tech.role)
            except ValueError:
                raise ValidationError(
                    f"{where}: unknown role {tech.role!r}; use technician, dispatcher or manager.",
                    "role",
                ) from None
            _check_zone(tech.timezone, where)
            new.append(convert.technician_to_columns(tech))
        ids = self._insert_returning(_table(TechnicianRow), new)
        known.update({row["name"]: id_ for row, id_ in zip(new, ids, strict=True)})
        summary.technicians = len(new)
        return known

    # --- customers ----------------------------------------------------------------------

    def _customers(
        self,
        desk: Desk,
        summary: ImportSummary,
        calendar_names: set[str],
        engine: ClockEngine,
    ) -> dict[str, _CustomerRefs]:
        session = self.session
        refs: dict[str, _CustomerRefs] = {}
        stored: dict[int, _CustomerRefs] = {}
        for cid, name, tier in session.execute(
            select(CustomerRow.id, CustomerRow.name, CustomerRow.tier)
        ):
            refs[name] = stored[cid] = _CustomerRefs(cid, Tier(tier))
        for sid, cid, name, zone, cal in session.execute(
            select(
                SiteRow.id, SiteRow.customer_id, SiteRow.name, SiteRow.timezone, SiteRow.calendar
            ).order_by(SiteRow.id)
        ):
            stored[cid].sites[name] = (sid, zone, cal)
        for kid, cid, name in session.execute(
            select(ContactRow.id, ContactRow.customer_id, ContactRow.name)
        ):
            stored[cid].contacts[name] = kid
        policies = {p.name for p in engine.policies}

        new_customers = []
        seen: set[str] = set()
        for i, entry in enumerate(desk.customers):
            customer = entry.customer
            where = f"Customer {customer.name!r} (customer #{i + 1})"
            if not customer.name.strip():
                raise ValidationError(f"Customer #{i + 1} has no name; name every customer.")
            if customer.name in seen:
                raise ValidationError(f"{where} appears twice in the import; merge the two.")
            seen.add(customer.name)
            try:
                Tier(customer.tier)
            except ValueError:
                tiers = ", ".join(t.value for t in Tier)
                raise ValidationError(
                    f"{where}: unknown tier {customer.tier!r}; use one of {tiers}.", "tier"
                ) from None
            for site in entry.sites:
                _check_zone(site.timezone, f"{where}, site {site.name!r}")
                if site.calendar not in calendar_names and site.calendar != "24x7":
                    raise ValidationError(
                        f"{where}, site {site.name!r}: calendar {site.calendar!r} does not "
                        f"exist (calendars: {', '.join(sorted(calendar_names)) or 'none'}); "
                        "import the calendar too or pick an existing one.",
                        "calendar",
                    )
            for contract in entry.contracts:
                if contract.policy not in policies:
                    raise ValidationError(
                        f"{where}: the contract names policy {contract.policy!r}, which does "
                        f"not exist (policies: {', '.join(sorted(policies)) or 'none'}).",
                        "policy",
                    )
                if contract.ends_on < contract.starts_on:
                    raise ValidationError(
                        f"{where}: a contract ends ({contract.ends_on}) before it starts "
                        f"({contract.starts_on}); swap the dates.",
                        "ends_on",
                    )
            if customer.name not in refs:
                new_customers.append(
                    {
                        "name": customer.name,
                        "tier": Tier(customer.tier).value,
                        "notes": customer.notes,
                    }
                )
        ids = self._insert_returning(_table(CustomerRow), new_customers)
        for row, id_ in zip(new_customers, ids, strict=True):
            refs[row["name"]] = _CustomerRefs(id_, Tier(row["tier"]), new=True)
        summary.customers = len(new_customers)

        sites: list[dict[str, Any]] = []
        contacts: list[dict[str, Any]] = []
        contracts: list[dict[str, Any]] = []
        for entry in desk.customers:
            ref = refs[entry.customer.name]
            for site in entry.sites:
                if site.name not in ref.sites:
                    sites.append(
                        {
                            "customer_id": ref.id,
                            "name": site.name,
                            "timezone": site.timezone,
                            "calendar": site.calendar,
                        }
                    )
                    ref.sites[site.name] = (0, site.timezone, site.calendar)
            for contact in entry.contacts:
                if contact.name not in ref.contacts:
                    contacts.append(
                        {
                            "customer_id": ref.id,
                            "name": contact.name,
                            "email": contact.email,
                            "phone": contact.phone,
                        }
                    )
                    ref.contacts[contact.name] = 0
            if ref.new:
                contracts.extend(convert.contract_to_columns(c, ref.id) for c in entry.contracts)
        site_ids = self._insert_returning(_table(SiteRow), sites)
        by_id: dict[int, _CustomerRefs] = {ref.id: ref for ref in refs.values()}
        for site_row, site_id in zip(sites, site_ids, strict=True):
            owner = by_id[site_row["customer_id"]]
            owner.sites[site_row["name"]] = (site_id, site_row["timezone"], site_row["calendar"])
        contact_ids = self._insert_returning(_table(ContactRow), contacts)
        for contact_row, contact_id in zip(contacts, contact_ids, strict=True):
            by_id[contact_row["customer_id"]].contacts[contact_row["name"]] = contact_id
        self._insert_many(_table(ContractRow), contracts)
        summary.sites, summary.contacts, summary.contracts = (
            len(sites),
            len(contacts),
            len(contracts),
        )
        # Each ticket runs under the contract in force the day it was opened at its site,
        # by the rule the queue and the desk's own writes follow.
        self.contracts = ContractPolicies.load(session)
        return refs

    # --- tickets ------------------------------------------------------------------------

    def _tickets(
        self,
        desk: Desk,
        summary: ImportSummary,
        customers: dict[str, _CustomerRefs],
        technicians: dict[str, int],
        engine: ClockEngine,
    ) -> dict[str, tuple[int, int]]:
        """Insert the tickets, their timelines and clocks; number -> (id, customer id)."""
        numbers = [d.ticket.number for d in desk.tickets]
        existing = self._existing_numbers(numbers)
        if existing:
            shown = ", ".join(sorted(existing)[:5])
            raise ValidationError(
                f"Ticket {sorted(existing)[0]} is already in the database ({len(existing)} of "
                f"the imported numbers are, e.g. {shown}); renumber them or leave them out.",
                "number",
            )
        # Every instant is formatted once, shared by the columns and the queue's packed
        # clocks (an import repeats many: the clocks' as_of, start times, met instants).
        texts: dict[datetime | None, str] = {None: ""}
        text = _cached_utc_text(texts)
        instant = self._instant_converter(texts)
        now = self.now
        seen: set[str] = set()
        checked = [
            self._ticket_row(i, entry, customers, technicians, seen, instant)
            for i, entry in enumerate(desk.tickets)
        ]
        ticket_rows: list[tuple[Any, ...]] = []
        timelines: list[tuple[TicketEvent, ...]] = []
        clock_sets: list[list[dict[str, Any]]] = []
        for columns, inputs, events, is_open in checked:
            try:
                computed = engine.compute(inputs, events, now)
            except ValidationError as exc:
                raise ValidationError(f"Ticket {columns[0]}: {exc}", exc.field) from exc
            ticket_rows.append(
                (
                    *columns,
                    instant(computed.next_due_at) if is_open else None,
                    pack_clocks(computed.rows, text),
                )
            )
            timelines.append(events)
            clock_sets.append(computed.rows)

        # Plain executemany with values converted once here: SQLAlchemy's per-row parameter
        # processing cost more than SQLite's own work for these three tables.
        first_new_id = self._max_id(_table(TicketRow)) + 1
        self._raw_insert(
            _table(TicketRow), (*_TICKET_COLUMNS, "next_due_at", "queue_clocks"), ticket_rows
        )
        by_number = self._new_ticket_ids(first_new_id)
        ids = [by_number[row[0]] for row in ticket_rows]
        event_rows: list[tuple[Any, ...]] = []
        clock_rows: list[tuple[Any, ...]] = []
        kinds, priorities, metrics = _KINDS, _PRIORITIES, _METRICS
        for ticket_id, events, clocks in zip(ids, timelines, clock_sets, strict=True):
            event_rows.extend(
                (
                    ticket_id,
                    kinds[e.kind],
                    instant(e.at),
                    e.author,
                    e.text,
                    None if e.priority is None else priorities[e.priority],
                    e.category,
                    e.assignee_id,
                    e.level,
                    None if e.metric is None else metrics[e.metric],
                )
                for e in events
            )
            clock_rows.extend(
                (
                    ticket_id,
                    c["metric"],
                    c["state"],
                    c["target_seconds"],
                    instant(c["started_at"]),
                    instant(c["due_at"]),
                    c["elapsed_seconds"],
                    instant(c["breached_at"]),
                    instant(c["met_at"]),
                    c["paused"],
                    instant(c["as_of"]),
                )
                for c in clocks
            )
        self._raw_insert(_table(TicketEventRow), _EVENT_COLUMNS, event_rows)
        self._raw_insert(_table(TicketClockRow), _CLOCK_COLUMNS, clock_rows)
        summary.tickets, summary.events = len(ticket_rows), len(event_rows)
        return {row[0]: (id_, row[1]) for row, id_ in zip(ticket_rows, ids, strict=True)}

    def _instant_converter(
        self, texts: dict[datetime | None, str]
    ) -> Callable[[datetime | None], Any]:
        """Aware instants as the driver takes them: UTC text on SQLite (the UTC type's
        storage form, remembered in ``texts`` as :func:`_cached_utc_text` does), aware UTC
        datetimes on PostgreSQL; ``None`` stays ``None``."""
        if self.session.get_bind().dialect.name == "sqlite":
            known = texts.get

            def to_text(value: datetime | None) -> str | None:
                if value is None:
                    return None
                found = known(value)
                return _remember(texts, value) if found is None else found

            return to_text

        def to_utc(value: datetime | None) -> Any:
            if value is None or value.tzinfo is UTC:
                return value
            return require_aware(value).astimezone(UTC)

        return to_utc

    def _max_id(self, table: Table) -> int:
        return int(self.session.execute(select(func.max(table.c.id))).scalar() or 0)

    def _new_ticket_ids(self, first_id: int) -> dict[str, int]:
        """Number -> id of the tickets just inserted. Ids only grow (SQLite under this
        transaction's write lock, PostgreSQL from its sequence), so ours are at or above
        ``first_id``; numbers are unique, so a concurrent writer's tickets never match."""
        t = _table(TicketRow).c
        return dict(self.session.execute(select(t.number, t.id).where(t.id >= first_id)).all())

    def _raw_insert(
        self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """``INSERT`` through the driver's executemany, or ``COPY`` on PostgreSQL with
        psycopg; values must be driver-ready."""
        if not rows:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            # One stream instead of a statement per row: 73k timeline rows took 2.0 s
            # (0.66 s of it in this process) as executemany, 1.0 s (0.15 s) as COPY.
            sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
            driver = connection.connection.driver_connection
            assert driver is not None
            try:
                with driver.cursor() as cursor, cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except dialect.loaded_dbapi.Error as exc:
                # Raised as SQLAlchemy raises every other write's database error.
                raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error) from exc
            return
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(mark for _ in columns)})"
        )
        for start in range(0, len(rows), _BATCH):
            connection.exec_driver_sql(sql, rows[start : start + _BATCH])

    def _existing_numbers(self, numbers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(numbers), 900):
            chunk = numbers[start : start + 900]
            found.update(
                self.session.scalars(select(TicketRow.number).where(TicketRow.number.in_(chunk)))
            )
        return found

    def _ticket_row(  # noqa: PLR0917 - one ticket and what resolves its names
        self,
        i: int,
        entry: DeskTicket,
        customers: dict[str, _CustomerRefs],
        technicians: dict[str, int],
        seen: set[str],
        instant: Callable[[datetime | None], Any],
    ) -> tuple[tuple[Any, ...], ClockInputs, tuple[TicketEvent, ...], bool]:
        """The ticket's column values in ``_TICKET_COLUMNS`` order (instants converted by
        ``instant``), its policy inputs, its completed timeline and whether it is open."""
        t = entry.ticket
        where = f"Ticket {t.number!r} (ticket #{i + 1})"
        if not t.number.strip():
            raise ValidationError(f"Ticket #{i + 1} has no number; number every ticket.", "number")
        if t.number in seen:
            raise ValidationError(f"{where} appears twice in the import; keep one.", "number")
        seen.add(t.number)
        ref = customers.get(entry.customer)
        if ref is None:
            raise ValidationError(
                f"{where}: customer {entry.customer!r} is neither in the import nor in the "
                "database; add the customer or fix the name.",
                "customer",
            )
        site_id: int | None = None
        zone: str
        calendar: str | None
        if entry.site is not None:
            site = ref.sites.get(entry.site)
            if site is None:
                raise ValidationError(
                    f"{where}: {entry.customer!r} has no site {entry.site!r} (sites: "
                    f"{', '.join(sorted(ref.sites)) or 'none'}).",
                    "site",
                )
            site_id, zone, calendar = site
        else:
            zone, calendar = ref.default_site()
        contact_id: int | None = None
        if entry.contact is not None:
            contact_id = ref.contacts.get(entry.contact)
            if contact_id is None:
                raise ValidationError(
                    f"{where}: {entry.customer!r} has no contact {entry.contact!r}.", "contact"
                )
        assignee_id: int | None = None
        if entry.assignee is not None:
            assignee_id = technicians.get(entry.assignee)
            if assignee_id is None:
                raise ValidationError(
                    f"{where}: assignee {entry.assignee!r} is neither in the import nor in the "
                    "database; add the technician or fix the name.",
                    "assignee",
                )
        priority = _PRIORITY_OF.get(t.priority)
        status = _STATUS_OF.get(t.status)
        if priority is None or status is None:
            try:
                priority = Priority(t.priority)
                status = TicketStatus(t.status)
            except ValueError as exc:
                raise ValidationError(f"{where}: {exc}.", "priority") from None
        if not t.subject.strip():
            raise ValidationError(f"{where} has no subject.", "subject")
        category = t.category.strip().lower()
        if not category:
            raise ValidationError(f"{where} has no category.", "category")
        try:
            created = require_aware(t.created_at, f"creation time of {where}")
            resolved = (
                require_aware(t.resolved_at, f"resolution time of {where}")
                if t.resolved_at is not None
                else None
            )
            for event in t.events:
                if event.at.tzinfo is not UTC:  # UTC has an offset: nothing to check
                    require_aware(event.at, f"time of a {event.kind} event of {where}")
        except NaiveDatetimeError as exc:
            raise ValidationError(str(exc), "at") from None
        events = _complete_timeline(t.events, created, priority, category, status, resolved)
        columns = (
            t.number,
            ref.id,
            site_id,
            contact_id,
            t.subject,
            t.description,
            category,
            priority.value,
            status.value,
            assignee_id,
            t.escalation_level,
            instant(created),
            instant(resolved),
            max(1, t.version),
            instant(self.now),
            "import",
        )
        inputs = ClockInputs(
            priority=priority,
            category=category,
            tier=ref.tier,
            contract_policy=self.contracts.policy(ref.id, created, zone),
            site_zone=zone,
            site_calendar=calendar,
        )
        return columns, inputs, events, status.is_open

    # --- criticism ----------------------------------------------------------------------

    def _criticism(
        self,
        desk: Desk,
        summary: ImportSummary,
        customers: dict[str, _CustomerRefs],
        technicians: dict[str, int],
        ticket_ids: dict[str, tuple[int, int]],
    ) -> None:
        rows = []
        for i, entry in enumerate(desk.criticism):
            note = entry.note
            where = f"Criticism note #{i + 1} ({entry.customer!r})"
            ref = customers.get(entry.customer)
            if ref is None:
                raise ValidationError(
                    f"{where}: customer {entry.customer!r} is neither in the import nor in the "
                    "database.",
                    "customer",
                )
            ticket_id = None
            if entry.ticket_number is not None:
                imported = ticket_ids.get(entry.ticket_number)
                if imported is not None:
                    ticket_id = imported[0] if imported[1] == ref.id else None
                else:
                    ticket_id = self.session.scalar(
                        select(TicketRow.id).where(
                            TicketRow.number == entry.ticket_number,
                            TicketRow.customer_id == ref.id,
                        )
                    )
                if ticket_id is None:
                    raise ValidationError(
                        f"{where}: ticket {entry.ticket_number!r} is not a ticket of "
                        f"{entry.customer!r}.",
                        "ticket_number",
                    )
            owner_id = None
            if entry.follow_up_owner is not None:
                owner_id = technicians.get(entry.follow_up_owner)
                if owner_id is None:
                    raise ValidationError(
                        f"{where}: follow-up owner {entry.follow_up_owner!r} is not a technician.",
                        "follow_up_owner",
                    )
            try:
                source = FeedbackSource(note.source)
                sentiment = Sentiment(note.sentiment)
                require_aware(note.received_at, f"received time of {where}")
                if note.resolved_at is not None:
                    require_aware(note.resolved_at, f"resolved time of {where}")
            except (ValueError, NaiveDatetimeError) as exc:
                raise ValidationError(f"{where}: {exc}") from None
            rows.append(
                {
                    "customer_id": ref.id,
                    "ticket_id": ticket_id,
                    "received_at": note.received_at,
                    "source": source.value,
                    "sentiment": sentiment.value,
                    "text": note.text,
                    "follow_up_owner_id": owner_id,
                    "follow_up_due": note.follow_up_due,
                    "resolved_at": note.resolved_at,
                }
            )
        self._insert_many(_table(CriticismNoteRow), rows)
        summary.criticism = len(rows)

    # --- inserts ------------------------------------------------------------------------

    def _insert_returning(self, table: Table, rows: list[dict[str, Any]]) -> list[int]:
        """Insert rows and return their new ids in the order given."""
        ids: list[int] = []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            ids.extend(self.session.execute(statement, batch).scalars())
        return ids

    def _insert_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        statement = insert(table)
        for start in range(0, len(rows), _BATCH):
            self.session.execute(statement, rows[start : start + _BATCH])


# Enum values by member (a StrEnum member and its plain value hash alike, so both find it).
_KINDS: dict[str, str] = {k: k.value for k in EventKind}
_PRIORITIES: dict[str, str] = {p: p.value for p in Priority}
_METRICS: dict[str, str] = {m: m.value for m in Metric}
# Members by member or value: one lookup instead of an enum call per ticket.
_PRIORITY_OF: dict[str, Priority] = {p: p for p in Priority}
_STATUS_OF: dict[str, TicketStatus] = {s: s for s in TicketStatus}
_by_at = attrgetter("at")


def _utc_text(value: datetime) -> str:
    """:func:`~desktop_app.store.types.to_utc_text`, about twice as fast for an instant
    already in UTC (an import's are): ``isoformat`` without arguments, with the
    microseconds it leaves out when they are zero."""
    if value.tzinfo is not UTC:
        return to_utc_text(value)
    text = value.isoformat()
    return text if value.microsecond else f"{text[:19]}.000000{text[19:]}"


def _cached_utc_text(texts: dict[datetime | None, str]) -> Callable[[datetime | None], str]:
    """:func:`_utc_text` remembering its answers in ``texts`` (``""`` for ``None``): an
    import repeats many instants (the clocks' ``as_of``, shared deadlines, start times)."""
    texts.setdefault(None, "")
    known = texts.get

    def text(value: datetime | None) -> str:
        found = known(value)
        if found is None:
            assert value is not None
            return _remember(texts, value)
        return found

    return text


def _remember(texts: dict[datetime | None, str], value: datetime) -> str:
    """The UTC text of ``value``, kept in ``texts`` when ``value`` is in UTC: two equal UTC
    datetimes are one instant, but two equal wall times of one zone may be an hour apart
    (Python compares them without their fold)."""
    found = _utc_text(value)
    if value.tzinfo is UTC:
        texts[value] = found
    return found


class _CustomerRefs:
    """What tickets of one customer may refer to by name."""

    __slots__ = ("contacts", "id", "new", "sites", "tier")

    def __init__(self, id_: int, tier: Tier, *, new: bool = False) -> None:
        self.id = id_
        self.tier = tier
        self.new = new
        self.sites: dict[str, tuple[int, str, str]] = {}
        self.contacts: dict[str, int] = {}

    def default_site(self) -> tuple[str, str | None]:
        """Zone and calendar for a ticket without a site: the customer's first site."""
        for _, zone, calendar in self.sites.values():
            return zone, calendar
        return "UTC", None


def _complete_timeline(  # noqa: PLR0917 - the ticket's facts, all positional-only in use
    events: Sequence[TicketEvent],
    created: datetime,
    priority: Priority,
    category: str,
    status: TicketStatus,
    resolved: datetime | None,
) -> tuple[TicketEvent, ...]:
    """The imported timeline, plus the CREATED (and RESOLVED) entries a file may omit."""
    timeline = list(events)
    if not any(e.kind is EventKind.CREATED for e in timeline):
        timeline.insert(
            0, TicketEvent(EventKind.CREATED, created, priority=priority, category=category)
        )
    if (
        not status.is_open
        and resolved is not None
        and not any(e.kind is EventKind.RESOLVED for e in timeline)
    ):
        timeline.append(TicketEvent(EventKind.RESOLVED, resolved))
    timeline.sort(key=_by_at)
    return tuple(replace(e, id=None) if e.id is not None else e for e in timeline)


def _check_zone(zone: str, where: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{where}: {zone!r} is not an IANA time zone; use a name like 'Europe/Berlin'.",
            "timezone",
        ) from None
