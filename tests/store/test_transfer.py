"""Parsing import files into a desk: every error class with its line, and export round trips."""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import EventKind, Priority, TicketStatus, Tier, ValidationError
from desktop_app.interchange import files, json_stream
from desktop_app.interchange.files import (
    InstantRange,
    KnownNames,
    ParsedImport,
    export_tickets_csv,
    export_tickets_json,
    infer_kind,
    parse_csv,
    parse_file,
    parse_json,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)

KNOWN = KnownNames(
    customers={"Acme Corp": Tier.GOLD},
    sites={("Acme Corp", "Toronto HQ")},
    contacts={("Acme Corp", "Wile E.")},
    technicians={"Alice Tech": 3},
    tickets={"TQ-1"},
    calendars={"Office hours"},
)

TICKET_HEADER = (
    "number,customer,subject,category,priority,created_at,status,resolved_at,site,contact,"
    "assignee\n"
)


def _errors(parsed: ParsedImport) -> dict[int, str]:
    return {e.line: e.reason for e in parsed.errors}


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize(
    ("name", "kinds", "records"),
    [
        ("customers.csv", ("customers",), 2),
        ("sites.csv", ("sites",), 3),
        ("contacts.csv", ("contacts",), 2),
        ("tickets.csv", ("tickets",), 2),
        ("desk.json", ("customers", "sites", "contacts", "tickets"), 4),
    ],
)
def test_shipped_samples_are_valid(name: str, kinds: tuple[str, ...], records: int) -> None:
    known = KnownNames(
        customers={"Fjord Fisheries AS": Tier.GOLD, "Prairie Grain Co-op": Tier.BRONZE}
        if name != "customers.csv"
        else {},
        sites={
            ("Fjord Fisheries AS", "Harbour warehouse"),
            ("Prairie Grain Co-op", "Regina elevator"),
        }
        if name == "tickets.csv"
        else set(),
        contacts={
            ("Fjord Fisheries AS", "Ingrid Solberg"),
            ("Prairie Grain Co-op", "Dale Kowalski"),
        }
        if name == "tickets.csv"
        else set(),
    )
    parsed = parse_file(SAMPLES / name, known=known)
    assert parsed.error_lines() == []
    assert parsed.kinds == kinds
    assert parsed.records == parsed.accepted == records


def test_csv_ticket_with_event_rows_becomes_one_ticket_with_its_timeline() -> None:
    parsed = parse_file(
        SAMPLES / "tickets.csv",
        known=KnownNames(
            customers={"Fjord Fisheries AS": Tier.GOLD, "Prairie Grain Co-op": Tier.BRONZE},
            sites={
                ("Fjord Fisheries AS", "Harbour warehouse"),
                ("Prairie Grain Co-op", "Regina elevator"),
            },
            contacts={
                ("Fjord Fisheries AS", "Ingrid Solberg"),
                ("Prairie Grain Co-op", "Dale Kowalski"),
            },
        ),
    )
    first, second = parsed.desk.tickets
    assert first.ticket.number == "TQ-90001"
    assert [e.kind for e in first.ticket.events] == [EventKind.CREATED, EventKind.PUBLIC_REPLY]
    # 06:15 in Berlin (UTC+1) is 05:15 UTC.
    assert first.ticket.created_at == datetime(2025, 3, 12, 5, 15, tzinfo=UTC)
    assert first.ticket.priority is Priority.CRITICAL
    assert second.ticket.status is TicketStatus.RESOLVED
    assert second.ticket.resolved_at == datetime(2025, 3, 10, 16, 40, tzinfo=UTC)
    assert second.ticket.events == ()


def test_customers_sites_and_contacts_are_gathered_per_customer() -> None:
    text = (
        '{"customers": [{"name": "New Co", "tier": "Gold"}],'
        ' "sites": [{"customer": "New Co", "name": "HQ", "timezone": "Europe/Berlin",'
        ' "calendar": "Office hours"},'
        ' {"customer": "Acme Corp", "name": "Depot", "timezone": "America/Toronto",'
        ' "calendar": "24x7"}],'
        ' "contacts": [{"customer": "New Co", "name": "Ann", "email": "ann@new.co"}]}'
    )
    parsed = parse_json(text, known=KNOWN)
    assert parsed.errors == []
    by_name = {entry.customer.name: entry for entry in parsed.desk.customers}
    assert by_name["New Co"].customer.tier is Tier.GOLD
    assert [s.name for s in by_name["New Co"].sites] == ["HQ"]
    assert [c.email for c in by_name["New Co"].contacts] == ["ann@new.co"]
    # A site for a customer already in the database rides on a reference to it.
    assert by_name["Acme Corp"].customer.tier is Tier.GOLD
    assert [s.calendar for s in by_name["Acme Corp"].sites] == ["24x7"]


# --------------------------------------------------------------------------- error classes


def test_every_bad_ticket_row_is_reported_with_its_line_and_reason() -> None:
    text = (
        TICKET_HEADER
        + "TQ-2,Acme Corp,Printer jam,printing,high,2025-03-10T09:00:00Z,,,"
        + "Toronto HQ,Wile E.,Alice Tech\n"  # line 2: good
        + "TQ-3,Acme Corp,,printing,high,2025-03-10T09:00:00Z,,,,,\n"  # 3: no subject
        + "TQ-4,Acme Corp,Slow PC,hardware,urgent,2025-03-10T09:00:00Z,,,,,\n"  # 4: priority
        + "TQ-5,Acme Corp,Slow PC,hardware,low,2025-03-10 09:00,,,,,\n"  # 5: naive instant
        + "TQ-6,Acme Corp,Slow PC,hardware,low,yesterday,,,,,\n"  # 6: not an instant
        + "TQ-7,Nobody Ltd,Slow PC,hardware,low,2025-03-10T09:00:00Z,,,,,\n"  # 7: customer
        + "TQ-8,Acme Corp,Slow PC,hardware,low,2025-03-10T09:00:00Z,,,Paris,,\n"  # 8: site
        + "TQ-9,Acme Corp,Slow PC,hardware,low,2025-03-10T09:00:00Z,,,,Roadrunner,\n"  # 9
        + "TQ-10,Acme Corp,Slow PC,hardware,low,2025-03-10T09:00:00Z,,,,,Zed\n"  # 10: assignee
        + "TQ-2,Acme Corp,Again,hardware,low,2025-03-10T09:00:00Z,,,,,\n"  # 11: duplicate
        + "TQ-1,Acme Corp,Old,hardware,low,2025-03-10T09:00:00Z,,,,,\n"  # 12: in database
        + "TQ-13,Acme Corp,Done,hardware,low,2025-03-10T09:00:00Z,closed,,,,\n"  # 13
        + "TQ-14,Acme Corp,Done,hardware,low,2025-03-10T09:00:00Z,closed,2025-03-09T09:00:00Z,,,\n"
        + "TQ-15,Acme Corp,Done,hardware,low,2025-03-10T09:00:00Z,pending,,,,\n"  # 15: status
        + "TQ-16,Acme Corp\n"  # 16: short row
    )
    parsed = parse_csv(text, known=KNOWN)
    errors = _errors(parsed)
    assert sorted(errors) == list(range(3, 17))
    assert "'subject' is empty" in errors[3]
    assert "priority 'urgent' is not one of critical, high, normal, low" in errors[4]
    assert "no time zone; add an offset or Z" in errors[5]
    assert "not an ISO 8601 instant" in errors[6]
    assert "customer 'Nobody Ltd' is neither in this file nor in the database" in errors[7]
    assert "no site 'Paris'" in errors[8]
    assert "no contact 'Roadrunner'" in errors[9]
    assert "assignee 'Zed' is not a technician" in errors[10]
    assert "ticket TQ-2 appears twice (first on line 2)" in errors[11]
    assert "TQ-1 is already in the database" in errors[12]
    assert "resolved_at is empty" in errors[13]
    assert "resolved_at is before created_at" in errors[14]
    assert "status 'pending' is not one of" in errors[15]
    assert "has 2 cells, the header has 11" in errors[16]
    assert [t.ticket.number for t in parsed.desk.tickets] == ["TQ-2"]
    assert (parsed.records, parsed.accepted) == (15, 1)


def test_one_row_with_several_problems_lists_them_all() -> None:
    text = TICKET_HEADER + "TQ-2,Acme Corp,,printing,urgent,2025-03-10T09:00,,,,,\n"
    (error,) = parse_csv(text, known=KNOWN).errors
    assert error.line == 2
    assert "subject" in error.reason
    assert "urgent" in error.reason
    assert "add an offset or Z" in error.reason


def test_bad_customers_sites_and_contacts_rows() -> None:
    customers = parse_csv(
        "name,tier\nNew Co,gold\n,gold\nOther,diamond\nNew Co,silver\nAcme Corp,gold\n",
        known=KNOWN,
    )
    errors = _errors(customers)
    assert sorted(errors) == [3, 4, 5, 6]
    assert "'name' is empty" in errors[3]
    assert "tier 'diamond' is not one of platinum, gold, silver, bronze" in errors[4]
    assert "customer 'New Co' appears twice (first on line 2)" in errors[5]
    assert "already in the database" in errors[6]

    sites = parse_csv(
        "customer,name,timezone,calendar\n"
        "Acme Corp,Depot,America/Toronto,Office hours\n"
        "Acme Corp,Moon,Mars/Olympus,Office hours\n"
        "Acme Corp,Lab,Europe/Berlin,Night shift\n"
        "Acme Corp,Toronto HQ,America/Toronto,Office hours\n"
        "Acme Corp,Depot,America/Toronto,24x7\n",
        known=KNOWN,
    )
    errors = _errors(sites)
    assert sorted(errors) == [3, 4, 5, 6]
    assert "'Mars/Olympus' is not an IANA time zone" in errors[3]
    assert "calendar 'Night shift' does not exist" in errors[4]
    assert "already has a site 'Toronto HQ' in the database" in errors[5]
    assert "site 'Depot' of 'Acme Corp' appears twice (first on line 2)" in errors[6]

    contacts = parse_csv(
        "customer,name,email,phone\nAcme Corp,Road Runner,beep,\nAcme Corp,Wile E.,,\n",
        known=KNOWN,
    )
    errors = _errors(contacts)
    assert "'beep' is not an e-mail address" in errors[2]
    assert "already has a contact 'Wile E.'" in errors[3]


def test_header_problems_are_reported_on_line_one() -> None:
    missing = parse_csv("number,customer,subject\nTQ-2,Acme Corp,x\n", known=KNOWN)
    assert _errors(missing)[1].startswith("tickets need the column(s) category, priority")
    typo = parse_csv("name,tier,nots\nNew Co,gold,\n")
    assert "unknown column(s) nots for customers" in _errors(typo)[1]
    unknown = parse_csv("alpha,beta\n1,2\n")
    assert "cannot tell what the file holds" in _errors(unknown)[1]
    empty = parse_csv("")
    assert "the file is empty" in _errors(empty)[1]


def test_event_rows_are_checked_with_their_own_line() -> None:
    header = (
        "number,customer,subject,category,priority,created_at,event_kind,event_at,event_level\n"
    )
    text = (
        header
        + "TQ-2,Acme Corp,Jam,printing,high,2025-03-10T09:00:00Z,created,2025-03-10T09:00:00Z,\n"
        + "TQ-2,,,,,,teleported,2025-03-10T09:05:00Z,\n"  # line 3: kind
        + "TQ-2,,,,,,escalated,2025-03-10T08:00:00Z,1\n"  # line 4: before creation
        + "TQ-2,,,,,,escalated,2025-03-10T10:00:00Z,-1\n"  # line 5: level
        + "TQ-2,Globex,,,,,public_reply,2025-03-10T10:00:00Z,\n"  # line 6: disagrees
        + "TQ-3,Acme Corp,Ok,printing,high,2025-03-10T09:00:00Z,created,2025-03-10T09:00:00Z,\n"
        + "TQ-2,,,,,,public_reply,2025-03-10T11:00:00Z,\n"  # line 8: not together
    )
    parsed = parse_csv(text, known=KNOWN)
    errors = _errors(parsed)
    assert sorted(errors) == [2, 8]
    assert "event on line 3: kind 'teleported' is not one of" in errors[2]
    assert "event on line 4: at 2025-03-10T08:00:00+00:00 is before" in errors[2]
    assert "event on line 5: level -1 is negative" in errors[2]
    assert "line 6 gives customer 'Globex' but line 2 gives 'Acme Corp'" in errors[2]
    assert "continues here after other tickets (it started on line 2)" in errors[8]
    assert [t.ticket.number for t in parsed.desk.tickets] == ["TQ-3"]


def test_event_cells_with_spaces_capitals_and_offsets_read_like_clean_ones() -> None:
    header = (
        "number,customer,subject,category,priority,created_at,event_kind,event_at,"
        "event_author,event_text,event_priority,event_category,event_level,event_metric,"
        "event_assignee\n"
    )
    clean = (
        header
        + "TQ-2,Acme Corp,Jam,printing,high,2025-03-10T09:00:00Z,"
        + "created,2025-03-10T09:00:00Z,Wile E.,Paper jam,high,printing,,,\n"
        + "TQ-2,,,,,,assigned,2025-03-10T09:05:00Z,,,,,,,Alice Tech\n"
        + "TQ-2,,,,,,escalated,2025-03-10T09:10:00Z,,,,,2,,\n"
        + "TQ-2,,,,,,breached,2025-03-10T10:00:00Z,,,,,,first_response,\n"
    )
    messy = (
        header
        + "TQ-2,Acme Corp,Jam,printing,high,2025-03-10T09:00:00Z,"
        + " Created ,2025-03-10T10:00:00+01:00, Wile E. ,Paper jam, HIGH , Printing ,,,\n"
        + "TQ-2, Acme Corp ,Jam,,,,ASSIGNED, 2025-03-10T09:05:00Z ,,,,, ,, Alice Tech \n"
        + "TQ-2,,,,,,escalated,2025-03-10T04:10:00-05:00,,,,, 2 ,,\n"
        + "TQ-2,,,,,,breached,2025-03-10T10:00:00.000000+00:00,,,,,, First_Response ,\n"
    )
    expected = parse_csv(clean, known=KNOWN)
    assert expected.errors == []
    [ticket] = expected.desk.tickets
    assigned, escalated, breached = ticket.ticket.events[1:]
    assert assigned.assignee_id == 3 and escalated.level == 2
    assert breached.metric is not None and breached.metric.value == "first_response"
    assert parse_csv(messy, known=KNOWN).desk.tickets == expected.desk.tickets


def test_event_columns_left_out_of_the_header_read_as_empty() -> None:
    text = (
        "number,customer,subject,category,priority,created_at,event_kind,event_at\n"
        "TQ-2,Acme Corp,Jam,printing,high,2025-03-10T09:00:00Z,created,2025-03-10T09:00:00Z\n"
        "TQ-2,,,,,,public_reply,2025-03-10T09:05:00Z\n"
        "TQ-2,,,,,, , \n"  # no event on this row: the ticket's columns only
    )
    parsed = parse_csv(text, known=KNOWN)
    assert parsed.errors == []
    [entry] = parsed.desk.tickets
    created, reply = entry.ticket.events
    assert (created.author, created.text, created.priority, created.level) == ("", "", None, None)
    assert reply.kind is EventKind.PUBLIC_REPLY and reply.assignee_id is None


def test_json_records_carry_the_line_of_their_opening_brace() -> None:
    text = """{
  "customers": [
    {"name": "New Co", "tier": "gold"},
    {"name": "Bad Co",
     "tier": "tin"}
  ],
  "tickets": [
    {"number": "TQ-2", "customer": "New Co", "subject": "Hi", "category": "email",
     "priority": "low", "created_at": "2025-03-10T09:00:00Z",
     "events": [{"kind": "created", "at": "2025-03-10T09:00:00"}]},
    {"number": "TQ-3", "customer": "Bad Co", "subject": "Hi", "category": "email",
     "priority": "low", "created_at": "2025-03-10T09:00:00Z", "colour": "red"},
    ["not", "an", "object"]
  ]
}
"""
    errors = _errors(parse_json(text, known=KNOWN))
    assert sorted(errors) == [4, 8, 11, 13]
    assert "tier 'tin'" in errors[4]
    assert "add an offset or Z" in errors[8]
    assert "unknown column(s) colour" in errors[11]
    assert "customer 'Bad Co' is neither in this file nor in the database" in errors[11]
    assert "must be an object" in errors[13]


def test_json_structure_errors_name_the_line() -> None:
    broken = parse_json('{\n  "customers": [\n    {"name": "A", "tier": "gold"\n  ]\n}\n')
    (error,) = broken.errors
    assert error.line == 3
    assert "not valid JSON" in error.reason
    unknown_key = parse_json('{\n  "clients": []\n}')
    assert "unknown key 'clients'" in _errors(unknown_key)[2]
    scalar = parse_json("42")
    assert "holds an object" in _errors(scalar)[1]


def test_a_plain_json_list_is_read_as_the_kind_its_keys_show() -> None:
    parsed = parse_json('[{"name": "New Co", "tier": "bronze"}]')
    assert parsed.kinds == ("customers",)
    assert parsed.desk.customers[0].customer.tier is Tier.BRONZE
    forced = parse_json('{"customers": [{"name": "X", "tier": "gold"}], "tickets": []}', "tickets")
    assert forced.kinds == ("tickets",)
    assert forced.desk.customers == []


def test_kind_inference_from_headers() -> None:
    assert infer_kind(["number", "customer"]) == "tickets"
    assert infer_kind(["customer", "name", "timezone", "calendar"]) == "sites"
    assert infer_kind(["customer", "name", "email"]) == "contacts"
    assert infer_kind(["Name", "Tier"]) == "customers"
    assert infer_kind(["foo"]) is None


def test_unknown_kind_and_extension_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Unknown record kind 'clients'"):
        parse_csv("name,tier\n", kind="clients")
    text_file = tmp_path / "desk.txt"
    text_file.write_text("name,tier\n")
    with pytest.raises(ValidationError, match=r"name the file \.csv or \.json"):
        parse_file(text_file)
    (tmp_path / "x.csv").write_text("name,tier\n")
    with pytest.raises(ValidationError, match="unknown encoding 'klingon'"):
        parse_file(tmp_path / "x.csv", encoding="klingon")


def test_a_byte_order_mark_and_multi_line_cells_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        '\ufeffname,tier,notes\n"New Co",gold,"two\nlines"\nBad,tin,\n', encoding="utf-8"
    )
    parsed = parse_file(path)
    assert parsed.desk.customers[0].customer.notes == "two\nlines"
    assert _errors(parsed).keys() == {4}


# --------------------------------------------------------------------------- round trips


def _known_for(desk_customers, technicians) -> KnownNames:  # type: ignore[no-untyped-def]
    return KnownNames(
        customers={c.customer.name: c.customer.tier for c in desk_customers},
        sites={(c.customer.name, s.name) for c in desk_customers for s in c.sites},
        contacts={(c.customer.name, k.name) for c in desk_customers for k in c.contacts},
        technicians={t.name for t in technicians},
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_parse_gives_the_same_tickets(fmt: str) -> None:
    desk = generate_demo_desk(seed=11, now=NOW, open_tickets=60, closed_tickets=140)
    stream = io.StringIO()
    export = export_tickets_csv if fmt == "csv" else export_tickets_json
    assert export(desk.tickets, stream) == 200
    text = stream.getvalue()
    known = _known_for(desk.customers, desk.technicians)
    parsed = parse_csv(text, known=known) if fmt == "csv" else parse_json(text, known=known)
    assert parsed.errors == []
    assert parsed.desk.tickets == desk.tickets


def test_json_export_nests_events_in_each_ticket() -> None:
    desk = generate_demo_desk(seed=11, now=NOW, open_tickets=2, closed_tickets=1)
    stream = io.StringIO()
    export_tickets_json(desk.tickets, stream)
    document = json.loads(stream.getvalue())
    first = document["tickets"][0]
    assert first["number"] == desk.tickets[0].ticket.number
    assert first["events"][0]["kind"] == "created"
    assert first["created_at"].endswith("Z")
    assert len(first["events"]) == len(desk.tickets[0].ticket.events)


def test_a_formula_in_a_ticket_is_exported_inert_and_imported_back_unchanged() -> None:
    known = KnownNames(
        customers={"Fjord Fisheries AS": Tier.GOLD, "Prairie Grain Co-op": Tier.BRONZE},
        sites={
            ("Fjord Fisheries AS", "Harbour warehouse"),
            ("Prairie Grain Co-op", "Regina elevator"),
        },
        contacts={
            ("Fjord Fisheries AS", "Ingrid Solberg"),
            ("Prairie Grain Co-op", "Dale Kowalski"),
        },
    )
    parsed = parse_file(SAMPLES / "tickets.csv", known=known)
    first = parsed.desk.tickets[0]
    evil = '=HYPERLINK("http://x","open me")'
    tickets = [replace(first, ticket=replace(first.ticket, subject=evil)), *parsed.desk.tickets[1:]]
    safe, raw = io.StringIO(), io.StringIO()
    export_tickets_csv(tickets, safe)
    export_tickets_csv(tickets, raw, raw=True)
    assert f"'{evil}" not in raw.getvalue()
    safe_subjects = [row["subject"] for row in csv.DictReader(io.StringIO(safe.getvalue()))]
    assert safe_subjects[0] == f"'{evil}"  # a spreadsheet shows the text, runs nothing
    again = parse_csv(safe.getvalue(), known=known)
    assert again.errors == []
    assert again.desk.tickets[0].ticket.subject == evil
    assert [t.ticket.number for t in again.desk.tickets] == [t.ticket.number for t in tickets]


# --------------------------------------------------------------------------- encodings

CUSTOMERS = "name,tier,notes\nMüller GmbH,gold,Grüße\nŁódź Sp. z o.o.,silver,\n"


def _names(parsed: ParsedImport) -> list[str]:
    return [entry.customer.name for entry in parsed.desk.customers]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
    ids=["utf-8", "utf-8 with a mark", "utf-16-le with a mark", "utf-16-be with a mark"],
)
def test_utf8_and_utf16_with_a_mark_are_read_without_being_named(
    encoding: str, prefix: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(prefix + CUSTOMERS.encode(encoding))
    parsed = parse_file(path)
    assert parsed.errors == []
    assert _names(parsed) == ["Müller GmbH", "Łódź Sp. z o.o."]
    assert parsed.desk.customers[0].customer.notes == "Grüße"


def test_a_spreadsheets_unicode_text_is_read(tmp_path: Path) -> None:
    # "Unicode text": UTF-16 little-endian with its mark, tab-separated, CRLF line ends.
    path = tmp_path / "customers.csv"
    text = CUSTOMERS.replace(",", "\t").replace("\n", "\r\n")
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    parsed = parse_file(path)
    assert parsed.errors == []
    assert _names(parsed) == ["Müller GmbH", "Łódź Sp. z o.o."]


def test_semicolon_separated_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('name;tier;notes\nSüd AG;gold;"a; b"\n', encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.errors == []
    assert parsed.desk.customers[0].customer.notes == "a; b"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_another_encoding_is_refused_at_its_first_bad_byte_until_named(
    encoding: str, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    text = "name,tier,notes\nNorth Co,gold,\nSouth Co,silver,“quoted” by Müller\n"
    path.write_bytes(
        text.encode("cp1252")
        if encoding == "cp1252"
        else text.replace("“", '"').replace("”", '"').encode("latin-1")
    )

    refused = parse_file(path)

    [error] = refused.errors
    assert (error.line, error.column) == (3, 17 if encoding == "cp1252" else 30)
    assert refused.stopped_at == 3 and refused.unreadable
    assert str(error).startswith("line 3, column ")
    assert "is not UTF-8" in error.reason
    assert "--encoding cp1252" in error.reason
    assert refused.desk.customers == []

    named = parse_file(path, encoding=encoding)
    assert named.errors == []
    assert named.desk.customers[1].customer.notes.endswith("by Müller")


def test_the_first_bad_byte_is_found_past_the_first_megabyte(tmp_path: Path) -> None:
    # Line and column are counted over the whole file, across the chunks it is read in,
    # with CRLF, CR and LF line ends each ending one line.
    rows = [f"Customer {i:06d},bronze,{'n' * 40}" for i in range(30_000)]
    head = "name,tier,notes\r\n" + "\r\n".join(rows[:15_000]) + "\r"
    tail = "\n".join(rows[15_000:]) + "\n"
    path = tmp_path / "customers.csv"
    path.write_bytes(head.encode() + b"\n" + tail.encode() + b"Bad \xff row,gold,\n")
    assert path.stat().st_size > 1_500_000

    [error] = parse_file(path).errors

    assert (error.line, error.column) == (30_002, 5)
    assert "byte 0xFF is not UTF-8" in error.reason


def test_utf16_without_its_mark_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(CUSTOMERS.encode("utf-16-be"))
    [error] = parse_file(path).errors
    assert "give --encoding utf-16-be" in error.reason
    assert _names(parse_file(path, encoding="utf-16-be")) == ["Müller GmbH", "Łódź Sp. z o.o."]


def test_a_utf16_file_cut_in_the_middle_of_a_character_names_the_place(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + CUSTOMERS.encode("utf-16-le") + b"A")
    [error] = parse_file(path).errors
    assert error.line == 4
    assert "cannot be read as utf-16" in error.reason


# --------------------------------------------------------------------------- limits


def test_a_line_longer_than_any_record_stops_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "RECORD_LIMIT", 10_000)
    path = tmp_path / "customers.csv"
    path.write_text("name,tier,notes\nNorth Co,gold,\nSouth Co,gold," + "n" * 20_000 + "\n")

    parsed = parse_file(path)

    assert parsed.stopped_at == 3
    assert "the line is longer than 10,000 characters" in _errors(parsed)[3]


def test_a_quoted_cell_spanning_lines_beyond_the_limit_stops_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(files, "RECORD_LIMIT", 10_000)
    text = 'name,tier,notes\nNorth Co,gold,"' + ("x" * 900 + "\n") * 20 + '"\n'
    parsed = parse_csv(text)
    assert parsed.stopped_at == 2
    assert "a cell is longer than 10,000 characters" in _errors(parsed)[2]


def test_field_limits_match_the_database_columns() -> None:
    # The importer refuses exactly what PostgreSQL would refuse for its column sizes.
    from desktop_app.store.schema import (
        ContactRow,
        CustomerRow,
        SiteRow,
        TechnicianRow,
        TicketEventRow,
        TicketRow,
    )

    def size(row: Any, column: str) -> int:
        return int(row.__table__.c[column].type.length)

    assert files.FIELD_LIMITS["number"] == size(TicketRow, "number")
    assert files.FIELD_LIMITS["subject"] == size(TicketRow, "subject")
    assert files.FIELD_LIMITS["category"] == size(TicketRow, "category")
    assert files.FIELD_LIMITS["name"] <= min(
        size(CustomerRow, "name"), size(SiteRow, "name"), size(ContactRow, "name")
    )
    assert files.FIELD_LIMITS["customer"] == size(CustomerRow, "name")
    assert files.FIELD_LIMITS["site"] == size(SiteRow, "name")
    assert files.FIELD_LIMITS["contact"] == size(ContactRow, "name")
    assert files.FIELD_LIMITS["email"] == size(ContactRow, "email")
    assert files.FIELD_LIMITS["phone"] == size(ContactRow, "phone")
    assert files.FIELD_LIMITS["timezone"] == size(SiteRow, "timezone")
    assert files.FIELD_LIMITS["calendar"] == size(SiteRow, "calendar")
    assert files.FIELD_LIMITS["assignee"] == size(TechnicianRow, "name")
    assert files.FIELD_LIMITS["author"] == size(TicketEventRow, "author")
    assert files.FIELD_LIMITS["kind"] == size(TicketEventRow, "kind")


# --------------------------------------------------------------------------- instants

CLOCK = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)


def _created(when: str, **window: Any) -> ParsedImport:
    return parse_csv(
        TICKET_HEADER + f"TQ-7,Acme Corp,Printer,hardware,high,{when},,,,,\n",
        known=KNOWN,
        instants=InstantRange.around(CLOCK, **window),
    )


def test_instants_in_the_future_are_refused_beyond_five_minutes() -> None:
    assert _created("2025-03-12T15:34:59Z").errors == []
    [error] = _created("2025-03-12T15:35:01Z").errors
    assert error.reason == (
        "created_at '2025-03-12T15:35:01Z' is in the future (the desk's clock says "
        "2025-03-12 15:30 UTC); check the date and its offset"
    )
    # the offset counts: 10:35 in Toronto is 15:35 UTC
    assert _created("2025-03-12T10:36:00-05:00").errors != []


def test_instants_older_than_twenty_years_need_allow_old() -> None:
    assert _created("2005-03-12T15:31:00Z").errors == []
    [error] = _created("1900-01-01T00:00:00Z").errors
    assert error.reason == (
        "created_at '1900-01-01T00:00:00Z' is more than 20 years ago (before 2005-03-12); "
        "check the year, or import an archive of old tickets with --allow-old"
    )
    assert _created("1990-06-01T00:00:00Z", allow_old=True).errors == []
    [before_1970] = _created("1969-12-31T23:59:59Z", allow_old=True).errors
    assert "is before 1970-01-01, older than any ticket can be" in before_1970.reason


def test_the_oldest_date_can_be_given() -> None:
    assert _created("2015-01-01T00:00:00Z", oldest=date(2014, 1, 1)).errors == []
    [error] = _created("2013-12-31T00:00:00Z", oldest=date(2014, 1, 1)).errors
    assert "is before 2014-01-01, the oldest date this import accepts" in error.reason


def test_an_event_in_the_future_is_refused_with_its_line() -> None:
    text = (
        TICKET_HEADER.rstrip("\n")
        + ",event_kind,event_at\n"
        + "TQ-7,Acme Corp,Printer,hardware,high,2025-03-12T09:00:00Z,,,,,,created,"
        + "2025-03-12T09:00:00Z\n"
        + "TQ-7,,,,,,,,,,,public_reply,2026-03-12T09:00:00Z\n"
    )
    parsed = parse_csv(text, known=KNOWN, instants=InstantRange.around(CLOCK))
    [error] = parsed.errors
    assert error.line == 2
    assert "event on line 3: at '2026-03-12T09:00:00Z' is in the future" in error.reason


# --------------------------------------------------------------------------- JSON, streamed


def test_json_is_read_in_chunks_with_the_same_result_and_lines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    desk = generate_demo_desk(seed=11, now=NOW, open_tickets=30, closed_tickets=30)
    stream = io.StringIO()
    export_tickets_json(desk.tickets, stream)
    text = stream.getvalue()
    known = _known_for(desk.customers, desk.technicians)
    path = tmp_path / "tickets.json"
    path.write_text(text, encoding="utf-8")
    whole = parse_json(text, known=known)

    monkeypatch.setattr(json_stream, "_CHUNK", 97)  # records and numbers cut everywhere
    chunked = parse_file(path, known=known, instants=InstantRange.around(NOW))

    assert chunked.errors == whole.errors == []
    assert chunked.desk.tickets == whole.desk.tickets == desk.tickets


def test_json_errors_keep_their_lines_when_read_in_chunks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(json_stream, "_CHUNK", 16)
    path = tmp_path / "customers.json"
    path.write_text(
        '{"customers": [\n'
        + "".join(f'  {{"name": "C{i}", "tier": "gold"}},\n' for i in range(50))
        + '  {"name": "Bad", "tier": "tin"},\n'
        + '  {"name": "Twice", "tier": "gold", "tier": "silver"},\n'
        + '  {"name": "Last", "tier": "bronze"}\n]}\n'
    )
    parsed = parse_file(path)
    assert {e.line: e.reason for e in parsed.errors} == {
        52: "tier 'tin' is not one of platinum, gold, silver, bronze",
        53: "the key 'tier' appears twice in one object; keep one",
    }
    assert len(parsed.desk.customers) == 51


def test_json_kinds_in_any_order_are_read_customers_first() -> None:
    text = json.dumps(
        {
            "tickets": [
                {
                    "number": "TQ-9",
                    "customer": "New Co",
                    "subject": "Hi",
                    "category": "email",
                    "priority": "low",
                    "created_at": "2025-03-10T09:00:00Z",
                    "site": "Depot",
                }
            ],
            "sites": [
                {"customer": "New Co", "name": "Depot", "timezone": "UTC", "calendar": "24x7"}
            ],
            "customers": [{"name": "New Co", "tier": "gold"}],
        },
        indent=1,
    )
    parsed = parse_json(text)
    assert parsed.errors == []
    assert parsed.kinds == ("customers", "sites", "tickets")
    assert parsed.desk.tickets[0].site == "Depot"
