"""The monthly SLA report as a CSV file a spreadsheet can compute with.

Counts, percentages and amounts are numbers in columns of their own (the screen's
"94 % (32/34)" is three columns here), money has its currency in a column beside it, and
a figure that does not exist (no clock decided, no contract) is an empty cell. Text cells
go through :func:`~desktop_app.interchange.cells.spreadsheet_safe` unless ``raw``, so a
customer called ``=HYPERLINK(…)`` never runs as a formula.

Percentages are rounded *down* (to two decimals, three for availability), so 249 of 250
clocks in time never reads as 100 and 99.8996 % availability never as a 99.9 % target met.

The file is written to a temporary file beside the target and renamed over it at the
end: an export that fails leaves no half-written file, and an old file stays whole.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from desktop_app.domain import Metric
from desktop_app.interchange.cells import spreadsheet_safe
from desktop_app.sla.reports import CustomerMonth, MonthlyReport

__all__ = [
    "MONTHLY_COLUMNS",
    "ExportError",
    "check_target",
    "monthly_rows",
    "write_csv",
    "write_monthly_csv",
]

MONTHLY_COLUMNS = (
    "Month",
    "Customer",
    "Tier",
    "Contract policy",
    "Time zone",
    "Opened",
    "First response met",
    "First response breached",
    "First response %",
    "Resolution met",
    "Resolution breached",
    "Resolution %",
    "Attainment target %",
    "Breached metrics",
    "Breached response",
    "Breached update",
    "Breached resolution",
    "Currency",
    "Monthly fee",
    "Service credit %",
    "Service credit",
    "Credit cap %",
    "Cap reached",
    "Availability %",
    "Availability target %",
    "Below availability target",
    "Downtime minutes",
    "Recurring breaches",
)

Cell = str | int | float


class ExportError(OSError):
    """The file could not be written; the message names the path and why."""


def floor_to(value: float, digits: int) -> float:
    """``value`` rounded down to ``digits`` decimals."""
    scale = 10.0**digits
    return math.floor(value * scale + 1e-9) / scale


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _optional(value: float | None, digits: int) -> Cell:
    return "" if value is None else floor_to(value, digits)


def monthly_row(row: CustomerMonth, month: str) -> list[Cell]:
    """One customer's month in :data:`MONTHLY_COLUMNS` order."""
    contract = row.contract
    credit = row.credit
    availability = row.availability
    return [
        month,
        row.customer.name,
        row.customer.tier.value.title(),
        contract.policy if contract is not None else "",
        row.zone,
        row.opened,
        row.first_response.met,
        row.first_response.breached,
        _optional(row.first_response.percent, 2),
        row.resolution.met,
        row.resolution.breached,
        _optional(row.resolution.percent, 2),
        _optional(row.attainment_target, 2),
        row.breached,
        row.breaches.get(Metric.FIRST_RESPONSE, 0),
        row.breaches.get(Metric.NEXT_UPDATE, 0),
        row.breaches.get(Metric.RESOLUTION, 0),
        row.currency or "",
        round(contract.monthly_fee, 2) if contract is not None else "",
        round(credit.percent, 4) if credit is not None else "",
        credit.amount if credit is not None else "",
        round(contract.credit_cap_percent, 4) if credit is not None and contract else "",
        _yes(credit.capped) if credit is not None else "",
        _optional(availability.percent, 3),
        _optional(availability.target, 3),
        _yes(availability.missed) if availability.target is not None else "",
        round(availability.downtime_seconds / 60, 1),
        "; ".join(f"{category} ({n})" for category, n in row.recurring),
    ]


def monthly_rows(report: MonthlyReport) -> list[list[Cell]]:
    """Every row of the report, header excluded, in the report's order."""
    month = f"{report.month:%Y-%m}"
    return [monthly_row(row, month) for row in report.rows]


def _cells(row: Iterable[Cell], raw: bool) -> list[Cell]:
    if raw:
        return list(row)
    return [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in row]


def check_target(path: str | Path) -> Path:
    """``path`` as a file that can be created: its folder exists and it is no folder."""
    target = Path(path)
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"Cannot write {target}: {folder} is a file, not a folder.")
    if not folder.is_dir():
        raise ExportError(
            f"Cannot write {target}: the folder {folder} does not exist. Create it or choose "
            "another folder."
        )
    if target.is_dir():
        raise ExportError(f"Cannot write {target}: it is a folder; give a file name.")
    return target


def write_csv(
    path: str | Path,
    header: Sequence[str],
    rows: Iterable[Iterable[Cell]],
    *,
    raw: bool = False,
) -> Path:
    """Write ``header`` and ``rows`` to ``path`` whole or not at all; returns the path.
    Raises :class:`ExportError` naming the path and the reason."""
    target = check_target(path)
    folder = target.parent
    handle: IO[str] | None = None
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        handle = os.fdopen(fd, "w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(_cells(header, raw))
        for row in rows:
            writer.writerow(_cells(row, raw))
        handle.close()
        handle = None
        # mkstemp's file is private; a report is for sharing, or keeps the mode it had
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(
            f"Cannot write {target}: {reason}. Choose a folder you can write to, or close the "
            "file if another program has it open."
        ) from exc
    finally:
        if handle is not None:
            handle.close()
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return target


def write_monthly_csv(report: MonthlyReport, path: str | Path, *, raw: bool = False) -> Path:
    """The monthly report as CSV at ``path`` (see the module docstring)."""
    return write_csv(path, MONTHLY_COLUMNS, monthly_rows(report), raw=raw)
