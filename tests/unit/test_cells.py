"""CSV cells a spreadsheet would run as formulas are written inert."""

from __future__ import annotations

import pytest

from desktop_app.interchange.cells import spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain text", "plain text"),
        ("", ""),
        ("-3", "-3"),
        ("-0.5", "-0.5"),
        ("+1e3", "+1e3"),
        ("a=b", "a=b"),
    ],
)
def test_formula_cells_are_quoted_and_numbers_kept(cell: str, written: str) -> None:
    assert spreadsheet_safe(cell) == written
