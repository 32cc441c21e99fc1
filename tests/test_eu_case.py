"""The default EU case, inputs/eu_crma.xlsx, and the same case with disruption scenarios,
inputs/eu_crma_disruptions.xlsx: provenance of every row, their fingerprints, and that the
committed workbooks are exactly what inputs/build_eu_case.py writes."""
import importlib.util
from pathlib import Path

import openpyxl
import pytest

from model import registry as R
from model.data import NOMINAL, with_settings
from model.pipeline import solve_data, solve_workbook
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "inputs" / "eu_crma.xlsx"
DISRUPTED = ROOT / "inputs" / "eu_crma_disruptions.xlsx"
BUILD = ROOT / "inputs" / "build_eu_case.py"
NOT_PARAMETERS = {R.README_SHEET, R.SETS_SHEET, R.SETTINGS.sheet}

# Fingerprints. Update these numbers (and say why in the commit) when the data or the
# formulation change on purpose.
OBJECTIVE = 1_152_722_052_353.134
N_ROWS = 12_636
N_COLS = 8_051
# eu_crma_disruptions.xlsx: the stochastic programme (RP) over nominal + 10 disruption scenarios
# built on data/reference/disruptions.csv (docs/data.md, "Disruption scenarios")
OBJECTIVE_DISRUPTED = 1_153_388_002_252.524
N_ROWS_DISRUPTED = 127_801
N_COLS_DISRUPTED = 77_706
N_SCENARIOS_DISRUPTED = 11  # nominal + 10


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
def disrupted_sheets():
    return _sheets(DISRUPTED)


@pytest.fixture(scope="module")
def run():
    return solve_workbook(CASE)


@pytest.fixture(scope="module")
def disrupted_run():
    # only the stochastic programme itself: no EV/EEV/wait-and-see solves for VSS and EVPI
    return solve_data(with_settings(load(DISRUPTED), stochastic_reports="no"))


def _check_provenance(sheets) -> dict:
    checked = {}
    for name, rows in sheets.items():
        if name in NOT_PARAMETERS or not rows:
            continue
        header = list(rows[0])
        i_src, i_conf, i_note = (header.index(p) for p in ("source", "confidence", "note"))
        for n, row in enumerate(rows[1:], start=2):
            if all(v is None for v in row):
                continue
            where = f"{name} row {n}"
            assert row[i_src] not in (None, "") and str(row[i_src]).strip(), f"{where}: no source"
            assert row[i_conf] in R.CONFIDENCE_GRADES, f"{where}: confidence {row[i_conf]!r}"
            if row[i_conf] == "C":
                assert row[i_note] not in (None, "") and str(row[i_note]).strip(), f"{where}: C without note"
            checked[name] = checked.get(name, 0) + 1
    return checked


def test_every_parameter_row_has_source_and_grade(case_sheets):
    checked = _check_provenance(case_sheets)
    assert sum(checked.values()) > 1000
    assert "scenarios" not in checked and "disruptions" not in checked  # deterministic default


def test_every_disruption_row_has_source_and_grade(disrupted_sheets):
    checked = _check_provenance(disrupted_sheets)
    assert sum(checked.values()) > 1000
    assert checked["scenarios"] == N_SCENARIOS_DISRUPTED - 1
    assert checked["disruptions"] > checked["scenarios"]
    header = list(disrupted_sheets["scenarios"][0])
    for row in disrupted_sheets["scenarios"][1:]:
        assert "disruptions.csv" in row[header.index("source")]
        assert row[header.index("confidence")] == "C"  # probabilities are derived, never read


def test_fingerprint(run):
    sol = run.solution
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(OBJECTIVE, rel=1e-6)
    assert (sol.n_rows, sol.n_cols) == (N_ROWS, N_COLS)
    assert not sol.is_mip
    assert len(run.data.materials) == 19
    assert run.data.scenarios == [NOMINAL]
    assert run.results["unmet"]["unmet_t"].max() == pytest.approx(0.0, abs=1e-6)


def test_fingerprint_disruptions(disrupted_run):
    sol, data = disrupted_run.solution, disrupted_run.data
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(OBJECTIVE_DISRUPTED, rel=1e-6)
    assert (sol.n_rows, sol.n_cols) == (N_ROWS_DISRUPTED, N_COLS_DISRUPTED)
    assert not sol.is_mip
    assert len(data.scenarios) == N_SCENARIOS_DISRUPTED
    assert sum(data.probability.values()) == pytest.approx(1.0, abs=1e-9)
    assert data.probability[NOMINAL] == pytest.approx(1 / 3, rel=1e-5)
    # the stock and the other offers cover every disruption: no demand is left unmet
    assert disrupted_run.results["unmet"]["unmet_t"].max() == pytest.approx(0.0, abs=1e-6)
    # the stochastic programme costs more than the deterministic case, and every scenario is
    # solved under the same first-stage plan
    costs = disrupted_run.results["scenario_costs"].set_index("scenario")
    assert sol.objective > OBJECTIVE
    assert costs.loc["expected", "total_eur"] == pytest.approx(sol.objective, rel=1e-9)
    assert costs["first_stage_eur"].nunique() == 1


def test_workbooks_are_the_build_script_output(tmp_path, case_sheets, disrupted_sheets):
    spec = importlib.util.spec_from_file_location("build_eu_case", BUILD)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    default, disrupted = mod.main(tmp_path / "eu_crma.xlsx")
    assert disrupted.name == DISRUPTED.name
    technologies = tmp_path / "eu_crma_technologies.xlsx"  # tests/test_technologies.py runs it
    for committed, path in ((case_sheets, default), (disrupted_sheets, disrupted),
                            (_sheets(ROOT / "inputs" / technologies.name), technologies)):
        rebuilt = _sheets(path)
        assert list(rebuilt) == list(committed), path.name
        for name, rows in committed.items():
            assert len(rebuilt[name]) == len(rows), \
                f"{path.name} sheet {name}: {len(rebuilt[name])} vs {len(rows)} rows"
            for n, (a, b) in enumerate(zip(rows, rebuilt[name]), start=1):
                assert a == b, f"{path.name} sheet {name} row {n} differs: workbook {a} vs build script {b}"
