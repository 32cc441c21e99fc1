"""A catalogue of bad inputs, each run the way a user runs it.

Every test starts from a valid workbook (a copy of inputs/example.xlsx, edited with openpyxl, or
a case built with ``write_case``), runs it through ``model.cli.main`` and checks that the user
gets exit code 2, one message line naming the sheet, row, column, the value found and what was
expected, no traceback, and no run folder. docs/reliability.md lists the messages.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from model import registry as R
from model.cli import main
from model.errors import InputError
from model.validate import load
from tests.helpers import write_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example.xlsx"
HORIZON = list(range(2025, 2033))  # the example's years


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def edited(tmp_path: Path, edit=None, name: str = "case.xlsx") -> Path:
    """A copy of the example workbook, edited by ``edit(wb)`` (openpyxl, normal mode)."""
    path = tmp_path / name
    shutil.copy(EXAMPLE, path)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def col(ws, name: str) -> int:
    """1-based index of the column whose header is ``name`` (with or without its unit)."""
    for cell in ws[1]:
        if cell.value is not None and re.sub(r"\s*\[.*\]$", "", str(cell.value)) == name:
            return cell.column
    raise KeyError(name)


def find_row(ws, **match) -> int:
    """Sheet row of the first data row whose columns hold the given values."""
    idx = {k: col(ws, k) for k in match}
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(r, idx[k]).value == v for k, v in match.items()):
            return r
    raise KeyError(match)


def put(wb, sheet: str, row: int, column: str, value) -> None:
    ws = wb[sheet]
    ws.cell(row, col(ws, column)).value = value


def letter(wb, sheet: str, column: str) -> str:
    return openpyxl.utils.get_column_letter(col(wb[sheet], column))


def run_bad(path: Path, tmp_path: Path, capsys) -> str:
    """Run the workbook as a user does; check exit code 2, no traceback, no run folder."""
    outputs = tmp_path / "outputs"
    code = main([str(path), "--outputs", str(outputs)])
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert code == 2, text
    assert "Traceback" not in text
    assert "problem(s):" in cap.err
    assert not outputs.exists() or not any(outputs.iterdir()), "a run folder was written"
    assert not list(tmp_path.rglob("results.xlsx"))
    return cap.err


def line_with(err: str, *parts: str) -> str:
    """The one message line that holds every part (so they belong to the same issue)."""
    for line in err.splitlines():
        if all(p in line for p in parts):
            return line
    raise AssertionError(f"no line holds all of {parts!r}:\n{err}")


def where(sheet: str, row, column: str | None = None) -> str:
    text = f"sheet '{sheet}', row {row}" if isinstance(row, int) else f"sheet '{sheet}', rows {row}"
    return text + (f", column '{column}'" if column else "")


def assert_issue(err, sheet, row, column, found, expected, file="case.xlsx"):
    line = line_with(err, f"{file}, {where(sheet, row, column)}", f"found {found}", expected)
    return line


# ---------------------------------------------------------------------------------------------
# the baseline: the unedited copy is valid (otherwise every test below proves nothing)
# ---------------------------------------------------------------------------------------------
def test_the_example_copy_is_valid(tmp_path):
    data = load(edited(tmp_path))
    assert data.materials == ["gallium", "ndpr"] and data.years == HORIZON


# ---------------------------------------------------------------------------------------------
# the file itself
# ---------------------------------------------------------------------------------------------
def test_missing_file(tmp_path, capsys):
    err = run_bad(tmp_path / "nope.xlsx", tmp_path, capsys)
    line_with(err, "nope.xlsx", "the file does not exist", "expected an .xlsx input workbook")


@pytest.mark.parametrize("suffix, content", [
    (".xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
    (".csv", b"material,voll\ngallium,5000000\n"),
    (".ods", None),  # the bytes of a real zip; the suffix alone tells
])
def test_not_an_xlsx_suffix(tmp_path, capsys, suffix, content):
    path = tmp_path / f"case{suffix}"
    if content is None:
        shutil.copy(EXAMPLE, path)
    else:
        path.write_bytes(content)
    err = run_bad(path, tmp_path, capsys)
    line_with(err, f"case{suffix}", f"found a {suffix} file", "save it as .xlsx")


def _truncated(path):
    data = EXAMPLE.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _zip_without_workbook(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")


def _ods_renamed(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")


def _corrupt_workbook_part(path):
    shutil.copy(EXAMPLE, path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = b"<workbook><this is not xml"
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)


def _corrupt_sheet_part(path):
    shutil.copy(EXAMPLE, path)
    _rewrite_part(path, _sheet_part(path, "demand"), lambda xml: xml[:300])  # cut mid-element


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.write_text("material;voll\ngallium;5000000\n", encoding="utf-8"),
     "the file is not one (is it a renamed text, .csv or .xls file?)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
     "an old-style .xls workbook or a password-protected workbook"),
    (lambda p: p.write_bytes(b""), "the file is empty (0 bytes)"),
    (_truncated, "the file is a damaged .xlsx workbook"),
    (_zip_without_workbook, "a zip archive that holds no Excel workbook"),
    (_ods_renamed, "an OpenDocument (.ods) spreadsheet"),
    (_corrupt_workbook_part, "the workbook cannot be opened as .xlsx"),
    (_corrupt_sheet_part, "the workbook cannot be read"),
], ids=["text", "xls-or-encrypted", "empty", "truncated", "zip", "ods", "corrupt-workbook",
        "corrupt-sheet"])
def test_renamed_or_damaged_file_with_xlsx_suffix(tmp_path, capsys, make, expected):
    path = tmp_path / "case.xlsx"
    make(path)
    err = run_bad(path, tmp_path, capsys)
    line_with(err, "case.xlsx", expected)
    with pytest.raises(InputError):
        load(path)


def test_any_unexpected_exception_while_reading_becomes_an_input_error(tmp_path, capsys, monkeypatch):
    import model.io.read as read

    def boom(*a, **k):
        raise RuntimeError("something odd in the file")

    monkeypatch.setattr(read, "_uncached_formulas", boom)
    monkeypatch.setattr(read, "_scan_xml", lambda wb, ws: ([], True))
    err = run_bad(edited(tmp_path), tmp_path, capsys)
    line_with(err, "case.xlsx", "the workbook cannot be read (RuntimeError: something odd in the file)",
              "open it in Excel and save it again")


# ---------------------------------------------------------------------------------------------
# sheets
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sheet", ["materials", "demand", "supply", "sets"])
def test_missing_required_sheet(tmp_path, capsys, sheet):
    err = run_bad(edited(tmp_path, lambda wb: wb.remove(wb[sheet])), tmp_path, capsys)
    line_with(err, "case.xlsx", f"the workbook needs a sheet '{sheet}'", "its sheets are: README, ")


@pytest.mark.parametrize("sheet, renamed", [("materials", "Materials"), ("stockpile", "stock pile")])
def test_misnamed_sheet_is_not_silently_ignored(tmp_path, capsys, sheet, renamed):
    def edit(wb):
        wb[sheet].title = "x"  # openpyxl would turn 'materials' -> 'Materials' into 'Materials1'
        wb["x"].title = renamed

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line_with(err, f"sheet '{renamed}'", f"unknown sheet name; expected '{sheet}'")
    assert "needs a sheet" not in err  # one message, not two


@pytest.mark.parametrize("sheet, state", [("supply", "hidden"), ("sets", "hidden"),
                                          ("demand", "veryHidden")])
def test_hidden_sheet(tmp_path, capsys, sheet, state):
    def edit(wb):
        wb[sheet].sheet_state = state

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    shown = "very hidden" if state == "veryHidden" else "hidden"
    line_with(err, f"case.xlsx, sheet '{sheet}'; the sheet is {shown}", "unhide it")


# ---------------------------------------------------------------------------------------------
# headers
# ---------------------------------------------------------------------------------------------
def test_missing_required_column(tmp_path, capsys):
    def edit(wb):
        wb["supply"].delete_cols(col(wb["supply"], "price"))

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "supply", 1, "price", "the columns 'material', 'country', 'stage', 'year', "
                 "'available [t/yr]'", "a column 'price [EUR/t]' is required")


def test_missing_key_column(tmp_path, capsys):
    def edit(wb):
        wb["demand"].delete_cols(col(wb["demand"], "year"))

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "demand", 1, "year", "the columns 'material', 'demand [t]'",
                 "a column 'year' is required")


@pytest.mark.parametrize("header, hint", [
    ("Price [EUR/t]", "(did you mean 'price [EUR/t]'?)"),
    ("prices [EUR/t]", "(did you mean 'price [EUR/t]'?)"),
])
def test_renamed_header_gets_a_hint(tmp_path, capsys, header, hint):
    def edit(wb):
        put(wb, "supply", 1, "price", header)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = assert_issue(err, "supply", 1, header.split(" ")[0], repr(header), "unknown column " + hint)
    assert "(cell F1)" in line
    assert "is required" not in err  # the hint says it all


def test_renamed_header_without_a_close_match(tmp_path, capsys):
    def edit(wb):
        put(wb, "supply", 1, "price", "cost [EUR/t]")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "supply", 1, "cost", "'cost [EUR/t]'", "unknown column; the sheet's columns are: "
                 "material, country, stage, year, available [t/yr], price [EUR/t]")
    assert_issue(err, "supply", 1, "price", "the columns", "a column 'price [EUR/t]' is required")


def test_unknown_column(tmp_path, capsys):
    def edit(wb):
        ws = wb["supply"]
        ws.cell(1, ws.max_column + 1).value = "comment"

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "supply", 1, "comment", "'comment'",
                 "unknown column; the sheet's columns are: material, country")
    line_with(err, "(and optionally source, confidence, note, data_year)")


@pytest.mark.parametrize("sheet, column, header, expected", [
    ("supply", "price", "price [USD/t]", "column 'price' is in EUR/t: the header should be 'price [EUR/t]'"),
    ("demand", "demand", "demand [kt]", "column 'demand' is in t: the header should be 'demand [t]'"),
    ("materials", "material", "material [t]", "column 'material' takes no unit"),
])
def test_header_with_wrong_unit(tmp_path, capsys, sheet, column, header, expected):
    def edit(wb):
        put(wb, sheet, 1, column, header)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, sheet, 1, column, repr(header), expected)
    assert "is required" not in err


def test_header_unit_spacing_is_harmless(tmp_path):
    def edit(wb):
        put(wb, "technology", 1, "capex", "capex [EUR / (t/yr)]")

    load(edited(tmp_path, edit))


# ---------------------------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("column, value, expected", [
    ("material", "Gallium", "unknown material; declare it in column 'material' of the sets sheet "
                            "(did you mean 'gallium'?)"),
    ("material", "gal lium", "unknown material; declare it in column 'material' of the sets sheet "
                             "(did you mean 'gallium'?)"),
    ("material", "copper", "unknown material; declare it in column 'material' of the sets sheet"),
    ("country", "cn", "unknown country; declare it in column 'country' of the sets sheet "
                      "(did you mean 'CN'?)"),
    ("country", "XX", "unknown country; declare it in column 'country' of the sets sheet"),
    ("stage", "Processing", "unknown stage; declare it in column 'stage' of the sets sheet "
                            "(did you mean 'processing'?)"),
    ("year", 2040, "unknown year; declare it in column 'year' of the sets sheet (the horizon is "
                   "2025-2032)"),
])
def test_unknown_key(tmp_path, capsys, column, value, expected):
    row = {}

    def edit(wb):
        row["n"] = find_row(wb["supply"], material="gallium", country="CN", year=2026)
        put(wb, "supply", row["n"], column, value)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "supply", row["n"], column, repr(value), expected)


@pytest.mark.parametrize("sheet, column, value, expected", [
    ("supply", "country", "CN ", "expected an id without leading or trailing spaces (write 'CN')"),
    ("sets", "material", "gallium ", "expected an id without leading or trailing spaces (write 'gallium')"),
])
def test_key_with_trailing_space(tmp_path, capsys, sheet, column, value, expected):
    row = 3 if sheet == "supply" else 2

    def edit(wb):
        put(wb, sheet, row, column, value)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, sheet, row, column, repr(value), expected)


def test_empty_key_cell(tmp_path, capsys):
    def edit(wb):
        put(wb, "demand", 4, "material", None)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "demand", 4, "material", "a blank cell", "a material is required in every row")


def test_duplicate_key(tmp_path, capsys):
    def edit(wb):
        put(wb, "demand", 3, "year", 2025)  # row 2 is gallium 2025 too

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "demand", 3, "material, year", "'gallium, 2025'",
                 "each key may appear once; this one is also at row 2")


def test_duplicate_set_element(tmp_path, capsys):
    def edit(wb):
        put(wb, "sets", 4, "country", "CN")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "sets", 4, "country", "'CN'", "each country may be declared once (first at row 3)")


def test_eu_as_supply_country(tmp_path, capsys):
    def edit(wb):
        put(wb, "supply", 2, "country", R.DOMESTIC)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "supply", 2, "country", "'EU'", "supply rows are for third countries")


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sheet, column, value, found, expected", [
    ("capacity_existing", "capacity", -5, "-5", "expected a number >= 0 in t/yr"),
    ("supply", "price", -420000, "-420000", "expected a number >= 0 in EUR/t"),
    ("demand", "collection_rate", 1.5, "1.5", "expected a share between 0 and 1"),
    ("materials", "processing_yield", 0, "0", "expected a share above 0 and at most 1"),
    ("demand", "collection_rate", 65, "65",
     "expected a share between 0 and 1; shares are fractions: 65 % is 0.65"),
    ("demand", "collection_rate", "65%", "'65%'",
     "expected a share between 0 and 1; percentages are written as fractions: write 0.65 for 65 %"),
    ("supply", "price", "abc", "'abc'", "expected a number in EUR/t"),
    ("supply", "price", "420000", "'420000'",
     "expected a number in EUR/t, but the cell holds text: store it as a number"),
    ("demand", "demand", "1,5", "'1,5'", "expected a number in t; '1,5' looks like a decimal comma: "
                                         "write 1.5"),
    ("demand", "demand", "1.234,5", "'1.234,5'", "write numbers with a decimal point and without "
                                                 "thousands separators"),
    ("supply", "price", dt.datetime(2024, 1, 5), "the date 2024-01-05",
     "expected a number in EUR/t, not a date or time (the cell is formatted as a date: set its "
     "format to Number)"),
    ("supply", "price", "#N/A", "'#N/A'", "the cell holds the Excel error #N/A"),
    ("supply", "price", True, "TRUE", "expected a number in EUR/t, not TRUE/FALSE"),
    ("technology", "lifetime", 20.5, "20.5", "expected a whole number in yr"),
    ("demand", "year", "2026", "'2026'", "expected a year stored as a number, but the cell holds text"),
    ("supply", "price", None, "a blank cell", "a number in EUR/t is required here"),
    ("materials", "voll", None, "a blank cell", "a number in EUR/t is required here"),
    ("materials", "strategic", "maybe", "'maybe'", "expected yes or no"),
    ("stockpile", "coverage_basis", "Consumption", "'Consumption'",
     "expected one of: consumption, net_imports, imports_from (did you mean 'consumption'?)"),
])
def test_bad_cell(tmp_path, capsys, sheet, column, value, found, expected):
    def edit(wb):
        put(wb, sheet, 3, column, value)

    path = edited(tmp_path, edit)
    err = run_bad(path, tmp_path, capsys)
    line = assert_issue(err, sheet, 3, column, found, expected)
    wb = openpyxl.load_workbook(path)
    assert f"(cell {letter(wb, sheet, column)}3)" in line


def test_issue_fields_name_file_sheet_row_column_and_value(tmp_path):
    def edit(wb):
        put(wb, "supply", 3, "price", -1)

    with pytest.raises(InputError) as exc:
        load(edited(tmp_path, edit))
    (issue,) = exc.value.issues
    assert (issue.file, issue.sheet, issue.row, issue.column, issue.value, issue.cell) == \
        ("case.xlsx", "supply", 3, "price", -1, "F3")
    assert issue.expected == "expected a number >= 0 in EUR/t"


def test_every_problem_is_reported_in_one_pass(tmp_path, capsys):
    def edit(wb):
        put(wb, "supply", 3, "price", -1)
        put(wb, "demand", 5, "demand", "abc")
        put(wb, "materials", 2, "voll", None)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert "The input has 3 problem(s):" in err


# ---------------------------------------------------------------------------------------------
# cross-table rules
# ---------------------------------------------------------------------------------------------
def test_upstream_shares_not_summing_to_one(tmp_path, capsys):
    def edit(wb):
        put(wb, "upstream", find_row(wb["upstream"], country="CN", origin="MM"), "share", 0.2)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "upstream", "2-3", "share", "shares summing to 0.9",
                 "the upstream shares of material ndpr, refiner CN must sum to 1")


@pytest.mark.parametrize("scenarios, rows, found, expected", [
    ([("nominal", 0.5), ("drought", 0.3)], 2, "0.8", "the scenario probabilities must sum to 1"),
    ([("cut", 0.7), ("strike", 0.6)], "2-3", "1.3", "the scenario probabilities must sum to at most 1"),
])
def test_scenario_probabilities_not_summing_to_one(tmp_path, capsys, scenarios, rows, found, expected):
    def edit(wb):
        for i, (s, p) in enumerate(scenarios, start=2):
            put(wb, "scenarios", i, "scenario", s)
            put(wb, "scenarios", i, "probability", p)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "scenarios", rows, "probability", found, expected)


def test_years_not_consecutive(tmp_path, capsys):
    def edit(wb):
        put(wb, "sets", 6, "year", 2030)  # 2025, 2026, 2027, 2028, 2030, 2029, 2031, 2032
        put(wb, "sets", 7, "year", 2029)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "sets", 6, "year", "2030", "years must be consecutive and in increasing order: "
                 "expected 2029 after 2028")

    def edit2(wb):
        put(wb, "sets", 9, "year", 2033)  # 2025 ... 2031, 2033

    err = run_bad(edited(tmp_path, edit2, name="case2.xlsx"), tmp_path, capsys)
    assert_issue(err, "sets", 9, "year", "2033", "years must be consecutive and in increasing order: "
                 "expected 2032 after 2031", file="case2.xlsx")


def test_benchmark_start_year_after_the_horizon(tmp_path, capsys):
    def edit(wb):
        put(wb, "benchmarks", find_row(wb["benchmarks"], benchmark="single_country"), "start_year", 2040)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "benchmarks", 5, "start_year", "2040",
                 "the start year is after the last year of the horizon (2032)")


@pytest.mark.parametrize("ramp", [2030, 2031])
def test_ramp_from_year_not_before_start_year(tmp_path, capsys, ramp):
    def edit(wb):
        put(wb, "benchmarks", find_row(wb["benchmarks"], benchmark="processing"), "ramp_from_year", ramp)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "benchmarks", 3, "ramp_from_year", str(ramp),
                 "the ramp must start before start_year (2030)")


def test_soft_benchmark_without_penalty(tmp_path, capsys):
    def edit(wb):
        put(wb, "benchmarks", find_row(wb["benchmarks"], benchmark="recycling"), "penalty", None)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "benchmarks", 4, "penalty", "0.0", "a soft benchmark needs a penalty > 0 "
                 "(EUR/t of shortfall; a blank penalty is 0)")


# ---------------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------------
def _append_setting(name, value):
    def edit(wb):
        ws = wb["settings"]
        ws.append([name, value])
    return edit


def test_unknown_setting(tmp_path, capsys):
    path = edited(tmp_path, _append_setting("discount", 0.03))
    err = run_bad(path, tmp_path, capsys)
    row = openpyxl.load_workbook(path)["settings"].max_row
    assert_issue(err, "settings", row, "setting", "'discount'",
                 "unknown setting; the settings are: case_name, discount_rate")
    line_with(err, "(did you mean 'discount_rate'?)")


@pytest.mark.parametrize("name, value, found, expected", [
    ("discount_rate", "abc", "'abc'", "expected a number in share/yr (setting discount_rate)"),
    ("discount_rate", 5, "'5'", "expected a number <= 1 in share/yr (setting discount_rate)"),
    ("benchmark_basis", "Flow", "'Flow'", "expected one of: capacity, flow (did you mean 'flow'?)"),
    ("threads", 2.5, "'2.5'", "expected a whole number (setting threads)"),
])
def test_bad_setting_value(tmp_path, capsys, name, value, found, expected):
    row = {}

    def edit(wb):
        row["n"] = find_row(wb["settings"], setting=name)
        put(wb, "settings", row["n"], "value", value)

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "settings", row["n"], "value", found, expected)


def test_setting_given_twice(tmp_path, capsys):
    path = edited(tmp_path, _append_setting("discount_rate", 0.03))
    err = run_bad(path, tmp_path, capsys)
    row = openpyxl.load_workbook(path)["settings"].max_row
    assert_issue(err, "settings", row, "setting", "'discount_rate'",
                 "each setting may appear once; it is also at row 3")


# ---------------------------------------------------------------------------------------------
# what openpyxl's read-only mode does not show: formulas without a cached value, merged cells
# ---------------------------------------------------------------------------------------------
def test_formula_without_a_cached_value(tmp_path, capsys):
    def edit(wb):
        put(wb, "demand", 4, "demand", "=50*1.05^2")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = assert_issue(err, "demand", 4, "demand", "'=50*1.05^2'",
                        "formula without a cached value: open and save the file in Excel")
    assert "(cell C4)" in line


def test_formula_without_a_cached_value_in_the_sets_sheet(tmp_path, capsys):
    def edit(wb):
        put(wb, "sets", 3, "year", "=D2+1")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "sets", 3, "year", "'=D2+1'", "formula without a cached value")


def _sheet_part(path, sheet):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return wb[sheet]._worksheet_path
    finally:
        wb.close()


def _rewrite_part(path, part, change):
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)


def test_formula_with_a_cached_value_is_read_as_its_value(tmp_path):
    """What Excel writes: the formula and its last result. The result is used."""
    path = edited(tmp_path, lambda wb: put(wb, "demand", 4, "demand", "=50*1.05^2"))
    _rewrite_part(path, _sheet_part(path, "demand"),
                  lambda xml: xml.replace(b"<f>50*1.05^2</f><v />", b"<f>50*1.05^2</f><v>55.125</v>"))
    data = load(path)
    assert data.tables["demand"][("gallium", 2027)]["demand"] == 55.125


def test_merged_cells_in_a_table(tmp_path, capsys):
    def edit(wb):
        wb["demand"].merge_cells("E2:E3")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = assert_issue(err, "demand", 2, "collection_rate", "merged cells E2:E3",
                        "merged cells are not allowed in an input table: unmerge E2:E3 and fill every cell")
    assert "(cell E2)" in line


def test_merged_cells_in_the_sets_sheet(tmp_path, capsys):
    def edit(wb):
        wb["sets"].merge_cells("A3:A4")

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    assert_issue(err, "sets", 3, "material", "merged cells A3:A4", "merged cells are not allowed")


# ---------------------------------------------------------------------------------------------
# layout: empty rows are skipped; a wrongly recorded sheet size does not hide rows
# ---------------------------------------------------------------------------------------------
def test_empty_row_inside_a_table_is_skipped(tmp_path, capsys):
    """Chosen behaviour: a fully blank row is harmless and skipped; later rows keep their numbers."""
    original = load(edited(tmp_path, name="original.xlsx"))
    path = edited(tmp_path, lambda wb: wb["demand"].insert_rows(5, amount=2))
    data = load(path)
    assert data.tables["demand"].keys() == original.tables["demand"].keys()
    assert data.rows["demand"][("gallium", 2028)] == 7  # was row 5, below the two blank rows

    def bad(wb):
        wb["demand"].insert_rows(5, amount=2)
        put(wb, "demand", 7, "demand", -1)

    err = run_bad(edited(tmp_path, bad, name="bad.xlsx"), tmp_path, capsys)
    assert_issue(err, "demand", 7, "demand", "-1", "expected a number >= 0 in t", file="bad.xlsx")


def test_row_with_only_a_note_is_not_skipped(tmp_path, capsys):
    def edit(wb):
        ws = wb["demand"]
        ws.cell(ws.max_row + 1, col(ws, "note")).value = "to do: add 2033"

    path = edited(tmp_path, edit)
    err = run_bad(path, tmp_path, capsys)
    assert_issue(err, "demand", 18, "material", "a blank cell", "a material is required in every row")


def test_wrong_recorded_sheet_size_does_not_hide_rows(tmp_path, capsys):
    """Some programs record a wrong sheet size (<dimension>); every row must still be read."""
    def edit(wb):
        put(wb, "demand", 17, "demand", -1)

    path = edited(tmp_path, edit)
    _rewrite_part(path, _sheet_part(path, "demand"),
                  lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C3"/>', xml))
    err = run_bad(path, tmp_path, capsys)
    assert_issue(err, "demand", 17, "demand", "-1", "expected a number >= 0 in t")


def test_required_sheet_with_headers_but_no_rows(tmp_path, capsys):
    path = write_case(tmp_path / "case.xlsx", materials=["ga"], countries=["CN"], years=[2030], rows={
        "materials": [{"material": "ga", "voll": 1e6}],
        "demand": [{"material": "ga", "year": 2030, "demand": 10.0}],
    })
    err = run_bad(path, tmp_path, capsys)
    line_with(err, "case.xlsx, sheet 'supply', row 2: found no data rows",
              "the sheet has column headers but no data rows")


def test_bad_case_built_with_write_case(tmp_path, capsys):
    """The same checks hold for a workbook written from scratch by the template writer."""
    path = write_case(tmp_path / "case.xlsx", materials=["ga"], countries=["CN"], years=[2030], rows={
        "materials": [{"material": "ga", "voll": 1e6}],
        "demand": [{"material": "ga", "year": 2030, "demand": 10.0}],
        "supply": [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030,
                    "price": 100.0, "available": -3}],
    })
    err = run_bad(path, tmp_path, capsys)
    assert_issue(err, "supply", 2, "available", "-3", "expected a number >= 0 in t/yr")


def test_a_settings_change_is_read_as_the_settings_sheet_reads_it():
    """model.data.with_settings (the what-if API, sweeps, python inputs/eu_report.py name=value):
    a number written as text is a number; a choice outside its choices, an out-of-range number and
    an unknown name raise InputError naming the setting, never a change silently ignored (a
    processing_counts_recycling of 'maybe' used to count as 'no')."""
    from model.data import with_settings
    from model.errors import InputError
    from model.validate import load

    data = load(EXAMPLE)
    assert with_settings(data, discount_rate="0.03").settings["discount_rate"] == 0.03
    assert with_settings(data, processing_counts_recycling="yes").settings["processing_counts_recycling"] == "yes"
    for change, words in (({"processing_counts_recycling": "maybe"}, "expected one of: no, yes"),
                          ({"discount_rate": 2.0}, "discount_rate"),
                          ({"discount_rat": 0.03}, "did you mean 'discount_rate'")):
        with pytest.raises(InputError) as err:
            with_settings(data, **change)
        assert words in str(err.value), str(err.value)
