"""The default EU case, inputs/eu_crma.xlsx: provenance of every row, its fingerprint, and that the
committed workbook is exactly what inputs/build_eu_case.py writes."""
import importlib.util
from pathlib import Path

import openpyxl
import pytest

from model import registry as R
from model.pipeline import solve_workbook

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "inputs" / "eu_crma.xlsx"
BUILD = ROOT / "inputs" / "build_eu_case.py"
NOT_PARAMETERS = {R.README_SHEET, R.SETS_SHEET, R.SETTINGS.sheet}

# Fingerprint of the default case. Update these three numbers (and say why in the commit) when
# the data or the formulation change on purpose.
OBJECTIVE = 1_092_437_451_859.6482
N_ROWS = 12_741  # RW exempt from the single-country cap (setting aggregate_countries)
N_COLS = 7_843


def _sheets(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.fixture(scope="module")
def case_sheets():
    return _sheets(CASE)


@pytest.fixture(scope="module")
def run():
    return solve_workbook(CASE)


def test_every_parameter_row_has_source_and_grade(case_sheets):
    checked = 0
    for name, rows in case_sheets.items():
        if name in NOT_PARAMETERS or not rows:
            continue
        header = list(rows[0])
        i_src, i_conf, i_note = (header.index(p) for p in R.PROVENANCE)
        for n, row in enumerate(rows[1:], start=2):
            if all(v is None for v in row):
                continue
            where = f"{name} row {n}"
            assert row[i_src] not in (None, "") and str(row[i_src]).strip(), f"{where}: no source"
            assert row[i_conf] in R.CONFIDENCE_GRADES, f"{where}: confidence {row[i_conf]!r}"
            if row[i_conf] == "C":
                assert row[i_note] not in (None, "") and str(row[i_note]).strip(), f"{where}: C without note"
            checked += 1
    assert checked > 1000


def test_fingerprint(run):
    sol = run.solution
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(OBJECTIVE, rel=1e-6)
    assert (sol.n_rows, sol.n_cols) == (N_ROWS, N_COLS)
    assert not sol.is_mip
    assert len(run.data.materials) == 19
    assert run.results["unmet"]["unmet_t"].max() == pytest.approx(0.0, abs=1e-6)


def test_workbook_is_the_build_script_output(tmp_path, case_sheets):
    spec = importlib.util.spec_from_file_location("build_eu_case", BUILD)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rebuilt = _sheets(mod.main(tmp_path / "eu_crma.xlsx"))
    assert list(rebuilt) == list(case_sheets)
    for name, rows in case_sheets.items():
        assert len(rebuilt[name]) == len(rows), f"sheet {name}: {len(rebuilt[name])} vs {len(rows)} rows"
        for n, (a, b) in enumerate(zip(rows, rebuilt[name]), start=1):
            assert a == b, f"sheet {name} row {n} differs: workbook {a} vs build script {b}"
