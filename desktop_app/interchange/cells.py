"""Cells written to CSV files that a spreadsheet program may open.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheet programs as a formula, so a customer's text such as ``=HYPERLINK(…)`` would
run when a manager opens the export. Such cells are written with a leading single quote
(the OWASP recipe for CSV injection); the quote shows in the cell and nothing runs.
Numbers written as numbers (``-3``, ``-0.5``) are left alone: they are data, not formulas.
Reading such a file back, :func:`spreadsheet_text` takes the quote off again, as a
spreadsheet program does, so an exported file imports unchanged.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "spreadsheet_safe", "spreadsheet_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as it may be written to a CSV file without running as a formula."""
    if cell.startswith(FORMULA_STARTS) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def spreadsheet_text(cell: str) -> str:
    """The text of a cell written by :func:`spreadsheet_safe` (the leading quote off)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
