"""Exports never carry a live formula (issue 11 point 7), and numbers stay numbers."""

from __future__ import annotations

import csv
import dataclasses
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from server_stub.cli import cli
from server_stub.core.spreadsheet import (
    Percent,
    append_row,
    csv_text,
    from_csv_text,
    inert_text,
)
from server_stub.directory.csv_files import ENTITIES, INSPECTORS, parse_csv, read_csv, render_csv
from server_stub.directory.demo import generate

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
"""Cell texts a spreadsheet program would run as formulas (OWASP's list)."""

AWKWARD = [*HOSTILE, "'=1", "'", "''", "'abc", "+86 631 5201234", "-某 公司", "普通文本", ""]
"""Texts that must come back unchanged from our own CSV."""


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_quoted_in_csv(text: str) -> None:
    assert inert_text(text) == "'" + text
    (cell,), = csv.reader(io.StringIO(csv_text([[text]]), newline=""))
    assert cell == "'" + text


@pytest.mark.parametrize("text", AWKWARD)
def test_quoting_is_undone_exactly(text: str) -> None:
    assert from_csv_text(inert_text(text)) == text


def test_numbers_stay_numbers_in_csv() -> None:
    assert csv_text([[-2, 7, Percent(Decimal("0.125")), "x"]]) == "-2,7,12.5%,x\r\n"


def test_xlsx_text_is_string_cells_and_numbers_are_numbers() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, [*HOSTILE, 3, -4, Percent(Decimal("0.5")), "bell\x07"])
    out = io.BytesIO()
    book.save(out)
    row = next(openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())  # type: ignore[union-attr]
    for cell, text in zip(row, HOSTILE, strict=False):
        # XML reads a carriage return back as a line feed, unless openpyxl parses with lxml
        # (python-docx brings it), which keeps it; what matters is the cell's type.
        assert cell.data_type == "s" and cell.value in (text, text.replace("\r", "\n")), "not a formula"
    numbers = row[len(HOSTILE):len(HOSTILE) + 3]
    assert [(c.value, c.data_type) for c in numbers] == [(3, "n"), (-4, "n"), (0.5, "n")]
    assert numbers[2].number_format == "0.0%"
    assert row[-1].value == "bell\ufffd", "a control character XML cannot hold does not sink the file"


def test_directory_values_round_trip_and_stay_inert() -> None:
    """Every value the importer can hold comes back (it strips surrounding blanks, tab and CR
    included, so those are left out here)."""
    demo = generate(entities=10, seed=3)
    texts = [t for t in AWKWARD if t == t.strip()]
    entities = [dataclasses.replace(e, name=text or "空", address=f"{text}路") for e, text in
                zip(demo.entities, texts, strict=False)]
    inspector = dataclasses.replace(demo.inspectors[0], name="=1+1", badge_no="-0631",
                                    qualifications=("@资质", "=食品"))
    text = render_csv(ENTITIES, entities)
    for cells in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert parse_csv(ENTITIES, text) == entities
    assert parse_csv(INSPECTORS, render_csv(INSPECTORS, [inspector])) == [inspector]


def test_cli_export_is_inert_and_imports_back(tmp_path: Path) -> None:
    data, source, exported = tmp_path / "d", tmp_path / "in.csv", tmp_path / "out.csv"
    entity = generate(entities=1, seed=9).entities[0]
    hostile = dataclasses.replace(entity, name='=HYPERLINK("http://x","y")', address="+86 631 1")
    source.write_text(render_csv(ENTITIES, [hostile]), encoding="utf-8-sig")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "entities", str(source), "--data", str(data)]).exit_code == 0
    assert runner.invoke(cli, ["export", "entities", str(exported), "--data", str(data)]).exit_code == 0
    text = exported.read_text(encoding="utf-8-sig")
    assert '\'=HYPERLINK(""http://x"",""y"")' in text and "'+86 631 1" in text
    assert read_csv(ENTITIES, exported) == [hostile]
