"""The import/export/demo command line, end to end on a temporary SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.store import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite file holding a small demo desk (for its calendars, people and customers)."""
    path = tmp_path / "desk.sqlite3"
    code, out, err = run("demo", "--database", str(path), "--scale", "25")
    assert code == 0, err
    assert "25 tickets" in out
    return str(path)


def test_samples_import_in_order_and_export_round_trips(database: str, tmp_path: Path) -> None:
    for name in ("customers.csv", "sites.csv", "contacts.csv", "tickets.csv", "desk.json"):
        code, out, err = run("import", str(SAMPLES / name), "--database", database)
        assert (code, err) == (0, ""), name
        assert out.startswith(f"Imported from {SAMPLES / name}:")
    exported = tmp_path / "all.json"
    code, out, _ = run("export", str(exported), "--database", f"sqlite:///{database}")
    assert code == 0
    assert out == f"Exported 28 ticket(s) with their events to {exported}.\n"
    numbers = {t["number"] for t in json.loads(exported.read_text())["tickets"]}
    assert {"TQ-90001", "TQ-90002", "TQ-90101"} <= numbers


def test_a_bad_row_fails_with_status_1_and_writes_nothing(database: str, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("name,tier\nNorth Co,gold\nSouth Co,tin\n")
    code, out, err = run("import", str(path), "--database", database)
    assert code == 1
    assert out == ""
    assert f"{path}:line 3: tier 'tin' is not one of" in err
    assert "nothing was imported" in err
    store = open_store(f"sqlite:///{database}")
    try:
        assert "North Co" not in {c.name for c in store.customers()}
    finally:
        store.close()


def test_skip_bad_writes_the_good_rows_and_still_reports_status_1(
    database: str, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("name,tier\nNorth Co,gold\nSouth Co,tin\n")
    code, out, err = run("--database", database, "import", str(path), "--skip-bad")
    assert code == 1
    assert "1 customers" in out
    assert "skipped 1 bad record(s)" in err
    store = open_store(f"sqlite:///{database}")
    try:
        assert "North Co" in {c.name for c in store.customers()}
    finally:
        store.close()


def test_kind_can_be_given_when_the_header_does_not_tell(database: str, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("customer,name\n")
    code, _, err = run("import", str(path), "--database", database)
    assert code == 1
    assert "cannot tell what the file holds" in err
    code, out, err = run("import", str(path), "--kind", "contacts", "--database", database)
    assert (code, err) == (0, "")
    assert out.startswith("Nothing to import")


def test_csv_export_has_one_row_per_event(database: str, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    code, _, _ = run("export", str(path), "--database", database)
    assert code == 0
    lines = path.read_text().splitlines()
    assert lines[0].startswith("number,customer,site,contact,subject")
    assert len({line.split(",")[0] for line in lines[1:]}) == 25
    assert len(lines) - 1 > 25  # several events per ticket


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("import", "missing.csv"), "no such file"),
        (("export", "out.txt"), "cannot tell the format"),
        (("demo", "--scale", "-5"), "--scale must be 0 or more"),
        (("import", "x.csv", "--database", "oracle://db/desk"), ""),
    ],
)
def test_usage_errors_exit_with_status_2(
    argv: tuple[str, ...], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("name,tier\n")
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert err


def test_unknown_command_and_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transmogrify"]) == 2
    assert main(["import"]) == 2  # FILE missing
    assert main(["export", "x.csv", "--format", "xml"]) == 2
    assert main(["import", "--help"]) == 0
    assert "--skip-bad" in capsys.readouterr().out


def test_demo_twice_is_refused_without_writing(database: str) -> None:
    code, _, err = run("demo", "--database", database, "--scale", "25")
    assert code == 1
    assert "nothing was written" in err


def _this_month() -> str:
    return f"{datetime.now(UTC):%Y-%m}"


def test_report_monthly_writes_the_month_as_numbers(database: str, tmp_path: Path) -> None:
    target = tmp_path / "month.csv"
    code, out, err = run(
        "report", "monthly", "--database", database, "--month", _this_month(), "--out", str(target)
    )
    assert (code, err) == (0, "")
    assert out.startswith("Wrote the SLA report for ") and f"12 customers to {target}" in out
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    for row in rows:
        assert row["Currency"] in {"AUD", "CAD", "EUR"}
        float(row["Service credit"])  # a number, not "5 % · 500.00"
        int(row["Breached metrics"])


def test_report_statement_writes_a_pdf_with_the_customer_month_and_credit(
    database: str, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from desktop_app.sla.reports import parse_month
    from desktop_app.store.queries.reports import monthly_report

    store = open_store(f"sqlite:///{database}")
    try:
        row = monthly_report(store, parse_month(_this_month())).rows[0]
    finally:
        store.close()
    assert row.credit is not None and row.currency is not None
    target = tmp_path / "statement.pdf"
    code, out, err = run(
        "report", "statement", "--database", database, "--customer", row.customer.name.upper(),
        "--month", _this_month(), "--out", str(target),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith(f"Wrote the SLA statement of {row.customer.name} for ")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(target).pages)
    assert f"SLA statement — {row.customer.name}" in text
    assert f"{datetime.now(UTC):%B %Y}" in text
    assert f"Service credit owed: {row.currency} {row.credit.amount:,.2f}" in text


def test_an_empty_month_is_a_statement_that_says_so(database: str, tmp_path: Path) -> None:
    target = tmp_path / "quiet.pdf"
    code, out, err = run(
        "report", "statement", "--database", database, "--customer", "Spreeblick Verlag",
        "--month", "2020-01", "--out", str(target),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "quiet month" in out and target.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["statement", "--customer", "Spreeblik", "--month", "2026-11"],
            "There is no customer called 'Spreeblik'. Did you mean 'Spreeblick Verlag'?",
        ),
        (
            ["statement", "--customer", "Spreeblick Verlag", "--month", "November"],
            "--month: 'November' is not a month; write it as YEAR-MONTH, e.g. 2026-11.",
        ),
        (["monthly", "--month", "2026-13"], "'2026-13' is not a month"),
    ],
)
def test_report_input_errors_say_what_is_wrong(
    database: str, tmp_path: Path, arguments: list[str], message: str
) -> None:
    suffix = ".pdf" if arguments[0] == "statement" else ".csv"
    target = tmp_path / f"out{suffix}"
    code, out, err = run("report", *arguments, "--database", database, "--out", str(target))
    assert (code, out) == (2, "")
    assert message in err
    assert not target.exists()


def test_an_unwritable_report_path_names_the_path_and_why(database: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    for kind, name in (("monthly", "m.csv"), ("statement", "s.pdf")):
        target = blocker / name
        extra = ["--customer", "Spreeblick Verlag"] if kind == "statement" else []
        code, _out, err = run(
            "report", kind, *extra, "--database", database, "--month", "2026-11",
            "--out", str(target),
        )  # fmt: skip
        assert code == 2
        assert f"Cannot write {target}: {blocker} is a file, not a folder." in err


def test_an_archive_of_old_tickets_needs_allow_old(database: str, tmp_path: Path) -> None:
    path = tmp_path / "archive.csv"
    path.write_text(
        "number,customer,subject,category,priority,created_at,status,resolved_at\n"
        "OLD-1,Northwind Logistics,Fax broken,hardware,low,1998-05-04T09:00:00Z,closed,"
        "1998-05-05T09:00:00Z\n"
    )
    code, out, err = run("import", str(path), "--database", database)
    assert code == 1
    assert "line 2: created_at '1998-05-04T09:00:00Z' is more than 20 years ago" in err
    assert "--allow-old" in err
    code, out, err = run("import", str(path), "--oldest", "2000-01-01", "--database", database)
    assert code == 1
    assert "is before 2000-01-01, the oldest date this import accepts" in err
    code, out, err = run("import", str(path), "--allow-old", "--database", database)
    assert (code, err) == (0, "")
    assert "1 tickets" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--encoding", "klingon"), "--encoding: unknown encoding 'klingon'"),
        (("--encoding", "rot13"), "'rot13' is not a text encoding"),
        (("--oldest", "last tuesday"), "'last tuesday' is not a date"),
        (("--allow-old", "--oldest", "2001-01-01"), "not allowed with argument"),
    ],
)
def test_bad_import_options_are_usage_errors(
    argv: tuple[str, ...], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("name,tier\n")
    code, out, err = run("import", str(path), *argv, "--database", str(tmp_path / "d.sqlite3"))
    assert code == 2
    assert out == ""
    assert message in err + capsys.readouterr().err


def test_an_encoding_can_be_named(database: str, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("name,tier\nBäckerei Öz,gold\n".encode("cp1252"))
    code, _, err = run("import", str(path), "--database", database)
    assert code == 1
    assert f"{path}:line 2, column 2: byte 0xE4 is not UTF-8" in err
    code, _, err = run("import", str(path), "--encoding", "cp1252", "--database", database)
    assert (code, err) == (0, "")
    store = open_store(f"sqlite:///{database}")
    try:
        assert "Bäckerei Öz" in {c.name for c in store.customers()}
    finally:
        store.close()
