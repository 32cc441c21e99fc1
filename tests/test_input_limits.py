"""Inputs that used to be misread silently or to crash: sheet names outside the contract, settings
and numbers beyond their documented ranges (issue: run integrity, findings 2 and 4)."""
from __future__ import annotations

import math

import openpyxl
import pytest

from model import registry as R
from model.cli import main
from model.validate import extra_sheet_allowed, load, sheet_name_issues
from tests.test_bad_inputs import EXAMPLE, assert_issue, edited, find_row, line_with, put, run_bad


# ---- sheet names ----------------------------------------------------------------------------------
def _rename(old, new):
    def edit(wb):
        wb[old].title = new
    return edit


def _copy(sheet):
    def edit(wb):
        wb.copy_worksheet(wb[sheet])  # Excel and openpyxl call it '<sheet> Copy' / '<sheet> (2)'
        wb[f"{sheet} Copy"].title = f"{sheet} (2)"
    return edit


def _add(name):
    def edit(wb):
        wb.create_sheet(name)
    return edit


@pytest.mark.parametrize("edit, sheet, expected", [
    (_rename("benchmarks", "benchmark"), "benchmark", "unknown sheet name (did you mean 'benchmarks'?)"),
    (_copy("stockpile"), "stockpile (2)", "a copy of sheet 'stockpile' (Excel names a copied sheet like this)"),
    (_rename("stockpile", "st\u043eckpile"), "st\u043eckpile",
     "contains the non-Latin character(s) '\u043e' (CYRILLIC SMALL LETTER O); retype it as 'stockpile'"),
    (_add("Sheet1"), "Sheet1", "a spreadsheet program's name for a new sheet"),
    (_add("my edits"), "my edits", "unknown sheet name"),
], ids=["misspelled", "copied", "cyrillic", "new-sheet", "other"])
def test_a_sheet_outside_the_contract_is_an_error(tmp_path, capsys, edit, sheet, expected):
    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = line_with(err, f"case.xlsx, sheet '{sheet}';", expected)
    assert "sheets of your own are allowed when their names start with 'notes'" in line


@pytest.mark.parametrize("name", ["notes", "Notes 2026", "README (2)", "sources and links", "Workings"])
def test_sheets_users_add_on_purpose_are_allowed(tmp_path, name):
    data = load(edited(tmp_path, _add(name)))
    assert data.materials == load(EXAMPLE).materials


def test_the_shipped_workbooks_and_the_template_pass_the_sheet_check(tmp_path):
    from model.io.template import write_template

    paths = sorted((EXAMPLE.parent).glob("*.xlsx")) + [write_template(tmp_path / "t.xlsx")]
    for p in paths:
        names = openpyxl.load_workbook(p, read_only=True).sheetnames
        assert sheet_name_issues(names, p.name) == [], p
    assert extra_sheet_allowed("NOTES") and not extra_sheet_allowed("no tes")


def test_a_misspelled_sheet_no_longer_changes_the_answer_silently(tmp_path, capsys):
    """Finding 2: 'benchmark' for 'benchmarks' used to run (exit 0) without the benchmarks."""
    path = edited(tmp_path, _rename("benchmarks", "benchmark"))
    assert main([str(path), "--outputs", str(tmp_path / "out"), "-q"]) == 2
    assert not (tmp_path / "out").exists()


# ---- settings ---------------------------------------------------------------------------------
def _setting(name, value):
    row = {}

    def edit(wb):
        ws = wb["settings"]
        try:
            row["n"] = find_row(ws, setting=name)
        except KeyError:
            ws.append([name, value])
            row["n"] = ws.max_row
        put(wb, "settings", row["n"], "value", value)
    return edit, row


@pytest.mark.parametrize("name, value, found, expected", [
    ("base_year", 1, "'1'", "expected a number >= 1900 in year (setting base_year)"),
    ("base_year", 99999, "'99999'", "expected a number <= 2200 in year (setting base_year)"),
    ("case_name", "x" * 300, "'" + "x" * 40 + "...'", "expected at most 80 characters, found 300 (setting case_name)"),
    ("time_limit", "1e30", "'1e30'", "expected a number <= 1e+06 in s (setting time_limit)"),
])
def test_settings_outside_their_range(tmp_path, capsys, name, value, found, expected):
    edit, row = _setting(name, value)
    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "settings", row["n"], "value", found, expected)


def test_a_base_year_far_from_the_horizon_at_a_high_rate_is_refused_before_the_solver(tmp_path, capsys):
    """discount_rate = 1 with base_year 2200 made the cost weights of 2025 about 1e53 (an overflow
    for base year 99999)."""
    edit1, row = _setting("base_year", 2200)
    edit2, _ = _setting("discount_rate", 1)

    def edit(wb):
        edit1(wb)
        edit2(wb)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "settings", row["n"], "value", "2200",
                 "discounting at 1/yr from base year 2200 gives the years 2025-2032 cost weights outside "
                 "1e-06-1e+06")


# ---- numbers too large for the solver ---------------------------------------------------------
@pytest.mark.parametrize("sheet, column, value, expected", [
    ("demand", "demand", 1e21, "expected a number <= 1e+10 in t"),
    ("demand", "demand", 1e308, "expected a number <= 1e+10 in t"),
    ("supply", "price", 1e16, "expected a number <= 1e+10 in EUR/t"),
    ("supply", "available", 1e300, "expected a number <= 1e+10 in t/yr"),
    ("benchmarks", "start_year", 99999, "expected a number <= 2200 in year"),
])
def test_numbers_beyond_their_range_are_caught_at_the_cell(tmp_path, capsys, sheet, column, value, expected):
    def edit(wb):
        put(wb, sheet, 2, column, value)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = assert_issue(err, sheet, 2, column, f"{value:g}" if isinstance(value, float) else str(value), expected)
    assert "(cell " in line


def test_a_year_outside_the_range_in_the_sets_sheet(tmp_path, capsys):
    from tests.helpers import write_case

    rows = {"materials": [{"material": "x", "voll": 10.0}],
            "demand": [{"material": "x", "year": 1, "demand": 1.0}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 1, "price": 1.0}]}
    path = write_case(tmp_path / "case.xlsx", materials=["x"], countries=["CN"], years=[1], rows=rows)
    err = run_bad(path, tmp_path, capsys)
    line_with(err, "sheet 'sets', row 2, column 'year'", "found 1; expected a year from 1900 to 2200")


def test_every_number_and_setting_has_a_documented_range():
    for table in R.TABLES:
        for c in table.columns:
            if c.kind in ("number", "integer"):
                assert c.lo is not None and c.hi is not None and math.isfinite(c.hi), (table.sheet, c.name)
                assert c.hi <= 1e12, (table.sheet, c.name)
    for s in R.SETTING_DEFS:
        if s.kind in ("number", "integer", "text") and s.name != "aggregate_countries":
            assert s.hi is not None, s.name


def test_a_tiny_nonzero_quantity_is_refused(tmp_path, capsys):
    """Found by bench/fuzz.py: demand 5e-324 made the compliance shares infinite."""
    def edit(wb):
        put(wb, "demand", 3, "demand", 5e-324)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "demand", 3, "demand", "5e-324",
                 "expected 0 or a quantity of at least 1e-06 t (smaller numbers are below the solver's tolerances)")
