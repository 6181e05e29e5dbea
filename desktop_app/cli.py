"""The desk's command line: ``import``, ``export``, ``demo``, ``report`` and ``team`` (no
window).

``desktop-app import FILE [--kind customers|sites|contacts|tickets] [--skip-bad]
[--encoding NAME] [--allow-old | --oldest DATE]``
    Reads customers, sites, contacts or tickets from a .csv or .json file (columns in
    :mod:`desktop_app.interchange.files`) and writes them in one transaction. Every bad record
    is listed with its line number. Without ``--skip-bad`` one bad record means nothing is
    written; with it the good records are written and the bad ones listed. A file that
    cannot be read to its end is never written.
``desktop-app export FILE [--format csv|json] [--raw]``
    Writes every ticket with its timeline; the format follows the extension. The file
    appears whole or not at all, readable by its owner only; CSV cells that a spreadsheet
    would run as formulas get a leading ``'`` unless ``--raw``.
``desktop-app demo [--scale N] [--seed S]``
    Fills the database with the demo desk (12 customers, 8 technicians, ~3,300 tickets);
    ``--scale N`` writes N open tickets and no closed ones, for benchmarks.
``desktop-app report monthly --month 2026-11 --out FILE.csv [--raw]``
    Writes every customer's SLA month as CSV numbers (what the report window exports).
``desktop-app report statement --customer NAME --month 2026-11 --out FILE.pdf``
    Writes one customer's monthly SLA statement as a PDF (drawn offscreen, no display
    needed). A month-end job runs both for the month that has just ended.
``desktop-app team add-login NAME [--login LOGIN] [--password-stdin]``
    On a shared PostgreSQL desk, creates technician NAME's own login (managers only; the
    server checks). The password is hashed here into a SCRAM-SHA-256 verifier: it never
    reaches the server, a log or the screen as text.

CSV cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` …) are
written with a leading quote unless ``--raw`` is given (``export`` and ``report monthly``).

Every command takes ``--database URL`` (a SQLAlchemy URL, or a path to a SQLite file);
without it the desk's own database is used (``DESKTOP_APP_DATABASE_URL``, the settings
file, then the SQLite file in the user data folder).

Exit status: 0 done; 1 bad records, data the database refused, or nothing could be written
(a full disk; with ``--skip-bad``: the good records were written, but some were not);
2 usage: unknown option, missing file, unsupported format, encoding or database URL, an
unknown customer or month, an output file that cannot be written; 3 the database cannot be
opened or failed (the message says which, why and what to do; the details go to the log
file, see ``desktop_app.logs``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from desktop_app.domain import DiskFullError, DomainError, StorageError, ValidationError
from desktop_app.interchange.files import KINDS, ImportRejectedError, ParsedImport

log = logging.getLogger(__name__)

PROG = "desktop-app"
EXIT_OK = 0
EXIT_BAD_DATA = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
_SHOWN_ERRORS = 200  # more than this are counted, not listed


class _UsageError(Exception):
    """Bad command line or unusable file or database; exit status 2."""


_RAW_HELP = (
    "write cells exactly as stored (default: a cell that starts like a spreadsheet formula, "
    "=, +, -, @, gets a leading quote so it cannot run)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Technician Queue command line: import, export, demo data and reports.",
    )
    parser.add_argument("--database", dest="global_database", metavar="URL", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database",
        metavar="URL",
        help="database URL (e.g. sqlite:////path/desk.sqlite3, postgresql+psycopg://user@host/"
        "desk) or a SQLite file path; default: your own desk",
    )

    importing = commands.add_parser(
        "import",
        parents=[database],
        help="import customers, sites, contacts or tickets from a CSV or JSON file",
        description="Import customers, sites, contacts or tickets from FILE (.csv or .json).",
    )
    importing.add_argument("file", metavar="FILE", type=Path)
    importing.add_argument(
        "--kind",
        choices=KINDS,
        help="what the file holds (default: from the CSV header or the JSON keys)",
    )
    importing.add_argument(
        "--skip-bad",
        action="store_true",
        help="write the good records and list the bad ones (default: write nothing if any "
        "record is bad)",
    )
    importing.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's text encoding when it is neither UTF-8 nor UTF-16 with a "
        "byte-order mark, e.g. cp1252 or latin-1",
    )
    old = importing.add_mutually_exclusive_group()
    old.add_argument(
        "--allow-old",
        action="store_true",
        help="accept instants more than 20 years ago (an archive; anything since 1970)",
    )
    old.add_argument(
        "--oldest",
        metavar="DATE",
        type=_date,
        help="refuse instants before DATE (YYYY-MM-DD) instead of 20 years ago",
    )

    exporting = commands.add_parser(
        "export",
        parents=[database],
        help="export every ticket with its events to a CSV or JSON file",
        description="Export every ticket with its events to FILE.",
    )
    exporting.add_argument("file", metavar="FILE", type=Path)
    exporting.add_argument(
        "--format", choices=("csv", "json"), help="default: from the file's extension"
    )
    exporting.add_argument("--raw", action="store_true", help=_RAW_HELP)

    report = commands.add_parser(
        "report",
        help="write the monthly SLA report (CSV) or a customer's statement (PDF)",
        description="Write SLA reports for a month, e.g. from a month-end job.",
    )
    reports = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    monthly = reports.add_parser(
        "monthly",
        parents=[database],
        help="every customer's SLA month as CSV",
        description="Write every customer's SLA month (attainment, breaches, service "
        "credit, availability) as CSV numbers.",
    )
    monthly.add_argument("--month", required=True, help="YEAR-MONTH, e.g. 2026-11")
    monthly.add_argument("--out", required=True, type=Path, metavar="FILE.csv")
    monthly.add_argument("--raw", action="store_true", help=_RAW_HELP)
    statement = reports.add_parser(
        "statement",
        parents=[database],
        help="one customer's monthly SLA statement as PDF",
        description="Write one customer's monthly SLA statement (contract, attainment, "
        "breached tickets, availability, service credit, six months of charts) as a PDF.",
    )
    statement.add_argument("--customer", required=True, metavar="NAME", help="the customer's name")
    statement.add_argument("--month", required=True, help="YEAR-MONTH, e.g. 2026-11")
    statement.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")

    team = commands.add_parser(
        "team",
        help="the people at a shared PostgreSQL desk: their database logins",
        description="The people of a desk on a shared PostgreSQL server.",
    )
    team_commands = team.add_subparsers(dest="team", required=True, metavar="ACTION")
    add_login = team_commands.add_parser(
        "add-login",
        parents=[database],
        help="create a technician's own database login (managers only)",
        description="Create the PostgreSQL login a technician connects with, and give it the "
        "desk's table rights. The server then knows who they are and enforces what their role "
        "may change. The password is asked for twice and never shown; it is hashed here "
        "(SCRAM-SHA-256) and never stored by the desk. Only a manager may do this.",
    )
    add_login.add_argument("name", metavar="NAME", help="the technician's name, as on the desk")
    add_login.add_argument(
        "--login", help="the login name (default: from the technician's name, e.g. ana_costa)"
    )
    add_login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )

    demo = commands.add_parser(
        "demo",
        parents=[database],
        help="fill the database with the demo desk",
        description="Write the demo desk (customers, technicians, tickets) to the database.",
    )
    demo.add_argument(
        "--scale",
        type=int,
        metavar="N",
        help="write N open tickets and no closed ones (benchmarks), e.g. 100000",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    return parser


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; write it like 2010-01-31"
        ) from None


def _database_url(value: str | None) -> str | None:
    if value is None or "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _open(url: str | None) -> Any:
    from desktop_app.store import DatabaseUrlError, open_store

    try:
        return open_store(_database_url(url))
    except DatabaseUrlError as exc:
        raise _UsageError(str(exc)) from exc


def _explained(exc: Exception, database: str | None) -> StorageError | None:
    """A database failure in words (its details logged), or None for anything else."""
    from desktop_app.store import explain
    from desktop_app.store.settings import SettingsError, database_url

    try:
        url: str | None = database_url(_database_url(database))
    except SettingsError:
        url = None
    fault = explain(exc, url)
    if not isinstance(fault, StorageError):
        return None
    log.warning("%s failed: %s", PROG, fault, exc_info=exc)
    return fault


def main(
    argv: Sequence[str],
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one command; returns the exit status (0 ok, 1 bad records, 2 usage)."""
    out = out or sys.stdout
    err = err or sys.stderr
    stdin = stdin or sys.stdin
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return EXIT_OK if not exc.code else EXIT_USAGE
    database = args.database or args.global_database
    _start_logging()
    try:
        if args.command == "import":
            return _import(
                args.file,
                kind=args.kind,
                skip_bad=args.skip_bad,
                encoding=args.encoding,
                allow_old=args.allow_old,
                oldest=args.oldest,
                database=database,
                out=out,
                err=err,
            )
        if args.command == "export":
            return _export(args.file, args.format, args.raw, database, out, err)
        if args.command == "team":
            return _team_add_login(
                args.name,
                login=args.login,
                password_stdin=args.password_stdin,
                database=database,
                out=out,
                err=err,
                stdin=stdin,
            )
        if args.command == "report":
            if args.report == "monthly":
                return _report_monthly(args.month, args.out, database, out, raw=args.raw)
            return _report_statement(args.customer, args.month, args.out, database, out)
        return _demo(args.scale, args.seed, database, out, err)
    except _UsageError as exc:
        print(f"{PROG} {args.command}: {exc}", file=err)
        return EXIT_USAGE
    except Exception as exc:
        fault = _explained(exc, database)
        if fault is None:
            raise
        print(f"{PROG} {args.command}: {fault}", file=err)
        return EXIT_DATABASE


def _start_logging() -> None:
    """Technical details of failures go to the desk's log file (the messages stay short)."""
    from desktop_app.logs import configure_logging

    try:
        configure_logging()
    except OSError as exc:  # no log folder (read-only home): the command still runs
        log.debug("No log file: %s", exc)


def _print_errors(parsed: ParsedImport, path: Path, err: TextIO) -> None:
    lines = parsed.error_lines()
    for line in lines[:_SHOWN_ERRORS]:
        print(f"{path}:{line}", file=err)
    if len(lines) > _SHOWN_ERRORS:
        print(f"… and {len(lines) - _SHOWN_ERRORS} more bad records", file=err)


def _import(
    path: Path,
    *,
    kind: str | None,
    skip_bad: bool,
    encoding: str | None,
    allow_old: bool,
    oldest: date | None,
    database: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    from desktop_app.interchange.files import import_file
    from desktop_app.interchange.text_files import check_encoding

    if not path.is_file():
        raise _UsageError(f"{path}: no such file; give the path of a .csv or .json file.")
    if path.suffix.lower() not in (".csv", ".json"):
        raise _UsageError(f"{path}: the file must end in .csv or .json.")
    if encoding is not None:
        try:
            check_encoding(encoding)
        except ValidationError as exc:
            raise _UsageError(f"--encoding: {exc}.") from exc
    store = _open(database)
    try:
        report = import_file(
            store,
            path,
            kind=kind,
            skip_bad=skip_bad,
            encoding=encoding,
            allow_old=allow_old,
            oldest=oldest,
        )
    except ImportRejectedError as exc:
        _print_errors(exc.parsed, path, err)
        print(f"{PROG} import: {exc}", file=err)
        return EXIT_BAD_DATA
    except DiskFullError as exc:
        print(f"{PROG} import: {path}: {exc}", file=err)
        return EXIT_BAD_DATA
    except (DomainError, ValueError) as exc:
        print(f"{PROG} import: {path}: nothing was imported: {exc}", file=err)
        return EXIT_BAD_DATA
    finally:
        store.close()
    parsed = report.parsed
    if report.written:
        summary = report.summary
        added = ", ".join(
            f"{getattr(summary, name)} {name}"
            for name in ("customers", "sites", "contacts", "tickets", "events")
            if getattr(summary, name, 0)
        )
        print(f"Imported from {path}: {added or 'nothing new'}.", file=out)
    else:
        print(f"Nothing to import from {path}.", file=out)
    if parsed.errors:
        _print_errors(parsed, path, err)
        print(
            f"{PROG} import: skipped {len(parsed.errors)} bad record(s) listed above; "
            "fix them and import those rows again.",
            file=err,
        )
        return EXIT_BAD_DATA
    return EXIT_OK


def _export(  # noqa: PLR0917 - the command's options
    path: Path, fmt: str | None, raw: bool, database: str | None, out: TextIO, err: TextIO
) -> int:
    from desktop_app.interchange.files import export_file

    if fmt is None and path.suffix.lower() not in (".csv", ".json"):
        raise _UsageError(
            f"{path}: cannot tell the format from the extension; name the file .csv or .json "
            "or give --format csv|json."
        )
    if not path.parent.is_dir():
        raise _UsageError(f"{path.parent}: no such folder; create it first.")
    store = _open(database)
    try:
        count = export_file(store, path, fmt, raw=raw)
    except ValidationError as exc:
        raise _UsageError(str(exc)) from exc
    except DomainError as exc:  # a full disk, a folder that is not writable
        print(f"{PROG} export: {exc}", file=err)
        return EXIT_BAD_DATA
    finally:
        store.close()
    print(f"Exported {count} ticket(s) with their events to {path}.", file=out)
    return EXIT_OK


def _read_password(name: str, *, from_stdin: bool, stdin: TextIO) -> str:
    """The new login's password: one line of standard input, or typed twice (not shown)."""
    if from_stdin:
        password = stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(f"Password for {name}'s login (not shown): ")
        again = getpass.getpass("The same password again: ")
        if password != again:
            raise _UsageError("the two passwords differ; nothing was created. Run it again.")
    if len(password) < 8:
        raise _UsageError(
            "the password is shorter than 8 characters; nothing was created. Choose a longer one."
        )
    return password


def _team_add_login(
    name: str,
    *,
    login: str | None,
    password_stdin: bool,
    database: str | None,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
) -> int:
    from desktop_app.domain import NotFoundError, PermissionDeniedError
    from desktop_app.store.logins import add_login, login_name_for

    login = login or login_name_for(name)
    store = _open(database)
    try:
        if store.backend != "postgresql":
            raise _UsageError(
                "logins are for a desk on a shared PostgreSQL server (give its URL with "
                "--database). On a SQLite desk whoever has the file has the data; people "
                "choose who they are with File → Sign in as…"
            )
        password = _read_password(name, from_stdin=password_stdin, stdin=stdin)
        try:
            technician = add_login(store, name, login, password)
        except NotFoundError as exc:
            raise _UsageError(str(exc)) from exc
        except (PermissionDeniedError, ValidationError) as exc:
            print(f"{PROG} team add-login: nothing was created: {exc}", file=err)
            return EXIT_BAD_DATA
        url = store.url
    finally:
        store.close()
    from sqlalchemy.engine import make_url

    target = make_url(url).set(username=login, password=None)
    print(
        f"Created the login {login!r} for {technician.name} ({technician.role.value}). They "
        f"connect with: desktop-app --database "
        f"{target.render_as_string(hide_password=True)}",
        file=out,
    )
    return EXIT_OK


def _demo(scale: int | None, seed: int, database: str | None, out: TextIO, err: TextIO) -> int:
    from desktop_app.demo import generate_demo_desk

    if scale is not None and scale < 0:
        raise _UsageError("--scale must be 0 or more open tickets.")
    store = _open(database)
    try:
        if scale is None:
            desk = generate_demo_desk(seed, store.now())
        else:
            desk = generate_demo_desk(seed, store.now(), open_tickets=scale, closed_tickets=0)
        try:
            summary = store.import_desk(desk)
        except DiskFullError as exc:
            print(f"{PROG} demo: {exc}", file=err)
            return EXIT_BAD_DATA
        except (DomainError, ValueError) as exc:
            print(
                f"{PROG} demo: nothing was written: {exc} The demo desk needs a database "
                "without demo tickets; give an empty one with --database.",
                file=err,
            )
            return EXIT_BAD_DATA
    finally:
        store.close()
    print(
        f"Wrote the demo desk to {store.url}: {summary.customers} customers, "
        f"{summary.technicians} technicians, {summary.tickets} tickets, "
        f"{summary.events} events, {summary.criticism} criticism notes.",
        file=out,
    )
    return EXIT_OK


def _month(text: str) -> Any:
    from desktop_app.sla.reports import parse_month

    try:
        return parse_month(text)
    except ValidationError as exc:
        raise _UsageError(f"--month: {exc}") from exc


def _report_monthly(
    month_text: str, path: Path, database: str | None, out: TextIO, *, raw: bool
) -> int:
    from desktop_app.interchange.report_csv import ExportError, write_monthly_csv
    from desktop_app.store.queries.reports import monthly_report

    month = _month(month_text)
    if path.suffix.lower() != ".csv":
        raise _UsageError(f"{path}: the monthly report is CSV; name the file .csv.")
    store = _open(database)
    try:
        report = monthly_report(store, month)
    finally:
        store.close()
    try:
        write_monthly_csv(report, path, raw=raw)
    except ExportError as exc:
        raise _UsageError(str(exc)) from exc
    so_far = " (the month so far)" if report.so_far else ""
    print(
        f"Wrote the SLA report for {month:%B %Y}{so_far}: {len(report.rows)} customers to {path}.",
        file=out,
    )
    return EXIT_OK


def _report_statement(
    customer: str, month_text: str, path: Path, database: str | None, out: TextIO
) -> int:
    from desktop_app.domain import NotFoundError
    from desktop_app.interchange.report_csv import ExportError, check_target
    from desktop_app.store.queries.reports import customer_statement, find_customer

    month = _month(month_text)
    if path.suffix.lower() != ".pdf":
        raise _UsageError(f"{path}: the statement is a PDF; name the file .pdf.")
    try:
        check_target(path)  # before the read: a month-end job learns of a bad path at once
    except ExportError as exc:
        raise _UsageError(str(exc)) from exc
    store = _open(database)
    try:
        try:
            statement = customer_statement(store, find_customer(store, customer), month)
        except NotFoundError as exc:
            raise _UsageError(str(exc)) from exc
    finally:
        store.close()
    _drawing_application()
    from desktop_app.views.statement_pdf import write_statement_pdf

    try:
        write_statement_pdf(statement, path)
    except ExportError as exc:
        raise _UsageError(str(exc)) from exc
    quiet = (
        " It was a quiet month: the statement says there is nothing to report." * statement.empty
    )
    print(
        f"Wrote the SLA statement of {statement.customer.name} for {month:%B %Y} to {path}."
        + quiet,
        file=out,
    )
    return EXIT_OK


def _drawing_application() -> Any:
    """A QApplication to draw the statement's charts with, offscreen: a month-end job has
    no display, and nothing is shown anyway."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    return app if app is not None else QApplication([PROG])
