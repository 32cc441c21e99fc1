"""The input reader (python-calamine) on cells no spreadsheet program writes but a file can hold:
a raw NaN or a number too large for a double (1e999) named with its sheet, row, column and value;
stray cells in column XFD reported without the reader holding the sheet's whole area in memory."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model.io import read as RD
from tests.test_bad_inputs import _rewrite_part, _sheet_part, assert_issue, edited, put, run_bad

ROOT = Path(__file__).resolve().parent.parent


def _raw_value(tmp_path, sheet, row, column, raw: bytes):
    """The example with the XML of one number cell replaced by ``raw`` (what a program that
    writes XML by hand could leave)."""
    marker = 987654321

    def edit(wb):
        put(wb, sheet, row, column, marker)

    path = edited(tmp_path, edit)
    _rewrite_part(path, _sheet_part(path, sheet),
                  lambda xml: xml.replace(b"<v>%d</v>" % marker, b"<v>" + raw + b"</v>"))
    return path


@pytest.mark.parametrize("raw, found, expected", [
    (b"NaN", "nan", "the cell holds NaN (not a number)"),
    (b"1e999", "inf", "the cell holds a number too large to represent"),
    (b"-1E+999", "-inf", "the cell holds a number too large to represent"),
])
def test_nan_and_overflow_in_a_number_column_name_the_cell(tmp_path, capsys, raw, found, expected):
    path = _raw_value(tmp_path, "demand", 3, "demand", raw)
    err = run_bad(path, tmp_path, capsys)
    line = assert_issue(err, "demand", 3, "demand", found, "expected a finite number in t; " + expected)
    assert "cannot be read" not in err
    assert "(cell C3)" in line


@pytest.mark.parametrize("raw, found", [(b"NaN", "nan"), (b"1e999", "inf")])
def test_nan_and_overflow_in_a_year_column_name_the_cell(tmp_path, capsys, raw, found):
    path = _raw_value(tmp_path, "demand", 4, "year", raw)
    err = run_bad(path, tmp_path, capsys)
    assert_issue(err, "demand", 4, "year", found, "expected a year; the cell holds")
    assert "cannot be read" not in err


def test_nan_in_the_sets_sheet_names_the_cell(tmp_path, capsys):
    path = _raw_value(tmp_path, "sets", 3, "year", b"NaN")
    err = run_bad(path, tmp_path, capsys)
    assert_issue(err, "sets", 3, "year", "nan", "expected a year; the cell holds NaN")


def _xfd_workbook(path: Path, rows: int) -> Path:
    """The example with a value in column XFD on ``rows`` rows of the demand sheet (a file of
    some hundred KB; a dense reader would hold rows x 16,384 cells)."""
    def edit(wb):
        ws = wb["demand"]
        for r in range(1, rows + 1):
            ws.cell(r, 16384).value = r

    return edited(path, edit)


def test_a_value_in_column_xfd_is_named_and_read_in_little_memory(tmp_path, capsys):
    path = _xfd_workbook(tmp_path, 5000)
    assert path.stat().st_size < 400_000
    err = run_bad(path, tmp_path, capsys)
    line = assert_issue(err, "demand", 1, "XFD", "'1'", "a value far outside any input table")
    assert "column XFD is column 16,384" in line and "(cell XFD1)" in line
    # peak memory of a process that only reads the file: far from the gigabytes of a dense read
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    # VmHWM: the peak resident memory of this process image (ru_maxrss would count the pytest
    # process the child was forked from)
    code = textwrap.dedent(f"""
        import re, sys
        sys.path.insert(0, {str(ROOT)!r})
        from model.errors import InputError
        from model.io.read import read_workbook
        try:
            read_workbook({str(path)!r})
        except InputError:
            pass
        status = open("/proc/self/status").read()
        print(int(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1)) * 1024)
    """)
    peak = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip())
    assert peak < 300 * 2**20, f"{peak / 2**20:.0f} MiB"


def test_a_wide_but_sane_sheet_is_read(tmp_path):
    """A note in column AD (30) next to a table is no stray cell: read as usual."""
    def edit(wb):
        wb["demand"].cell(2, 30).value = "checked by hand"

    data = RD.read_workbook(edited(tmp_path, edit))
    assert data.tables["demand"].rows


def test_a_tall_sparse_area_is_refused_before_it_is_loaded(tmp_path, capsys, monkeypatch):
    """Rows x columns beyond MAX_CELLS: refused from the scan, naming the far corner."""
    monkeypatch.setattr(RD, "MAX_CELLS", 10_000)

    def edit(wb):
        wb["demand"].cell(500, 40).value = 1  # column AN, row 500: 20,000 cells

    err = run_bad(edited(tmp_path, edit), tmp_path, capsys)
    line = assert_issue(err, "demand", 500, "AN", "a value", "a value far outside any input table")
    assert re.search(r"\(cell AN500\)", line)


def test_letters_round_trip():
    for n, s in [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")]:
        assert RD._letter(n - 1) == s and RD._column_number(s) == n
