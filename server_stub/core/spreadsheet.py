"""Every spreadsheet the platform writes, CSV or .xlsx, goes through here: no cell is a formula.

Text in an export comes from people (plan names, directory values imported from anyone's CSV), and
a spreadsheet program runs a cell beginning with ``=``, ``+``, ``-`` or ``@`` (tab and carriage
return too, in some) as a formula: ``=HYPERLINK("http://…","…")`` in an entity's name would
become a live link in the supervisor's Excel. So, after OWASP's CSV-injection rule:

- in CSV, a text cell beginning with one of those characters gets a leading ``'``; so does one
  beginning with ``'`` itself, which makes the rule reversible: :func:`from_csv_text` drops exactly
  the one quote :func:`inert_text` added, and the project's own importer gives back the value that
  was exported (a phone number ``+86 …`` or a name ``-某`` round-trips);
- in .xlsx, text is written as a string cell (``data_type`` ``"s"``), never a formula, unchanged;
- numbers stay numbers: counts are ``int`` and rates :class:`Percent`, written as numbers in
  .xlsx (a rate formatted ``0.0%``) and as digits in CSV, never quoted;
- dates stay dates: a ``date`` or a naive ``datetime`` (China wall-clock time: Excel has no
  zones) is a date cell in .xlsx, formatted ``yyyy-mm-dd`` (``yyyy-mm-dd hh:mm``), ISO text in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a cell as a formula (OWASP)."""

QUOTE = "'"
_ESCAPED = (*FORMULA_TRIGGERS, QUOTE)


@dataclass(frozen=True)
class Percent:
    """A rate (a fraction: 0.125 is 12.5 %): a number in .xlsx, ``12.5%`` in CSV."""

    fraction: Decimal


Cell = str | int | Percent | dt.date
"""What an export row holds: text, a count, a rate or a date (a ``datetime`` is a ``date``)."""

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def inert_text(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet program runs as a formula."""
    return QUOTE + text if text.startswith(_ESCAPED) else text


def from_csv_text(cell: str) -> str:
    """A CSV cell as :func:`inert_text` was given it: one leading quote before a formula
    character or another quote is dropped; any other cell is returned unchanged."""
    return cell[1:] if cell.startswith(QUOTE) and cell[1:].startswith(_ESCAPED) else cell


def _csv_cell(value: Cell) -> str:
    if isinstance(value, Percent):
        return f"{value.fraction * 100:.1f}%"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return inert_text(value)


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV text (CRLF line ends, no BOM) of ``rows``, every text cell inert."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def append_row(sheet: Worksheet, row: Sequence[Cell]) -> None:
    """Add ``row`` below the last row of ``sheet``: text as string cells (openpyxl would make any
    ``str`` beginning with ``=`` a formula), counts and rates as numbers.

    Characters XML cannot hold (control characters other than tab, newline and carriage return)
    would make openpyxl refuse the whole file; they are written as U+FFFD instead.
    """
    sheet.append([value.fraction if isinstance(value, Percent)
                  else ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str)
                  else value for value in row])
    for cell, value in zip(sheet[sheet.max_row], row, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
        elif isinstance(value, Percent):
            cell.number_format = "0.0%"
        elif isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                raise ValueError("a spreadsheet time is wall-clock time: convert it first")
            cell.number_format = TIME_FORMAT
        elif isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
