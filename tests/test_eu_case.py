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
OBJECTIVE = 1_159_925_954_036.073
N_ROWS = 12_536
N_COLS = 8_142
# eu_crma_disruptions.xlsx: the stochastic programme (RP) over nominal + 10 disruption scenarios
# built on data/reference/disruptions.csv (docs/data.md, "Disruption scenarios")
OBJECTIVE_DISRUPTED = 1_160_615_153_979.360
N_ROWS_DISRUPTED = 126_371
N_COLS_DISRUPTED = 78_117
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


def test_germanium_processing_price_is_eleven_years_of_the_marginal_plant(run):
    """docs/results-eu.md, "Why germanium's price is EUR 829,009/t", redone from the workbook's rows.

    Hand calculation (data of inputs/eu_crma.xlsx): recovery from zinc is at its host bound in every
    year, so the marginal germanium plant refines imported feed. A t/yr of it costs a year
    capex 2,000,000 x crf(4 %, 25 yr) 0.064012 = 128,024 plus fixed O&M 60,000, and each tonne it
    refines saves the cheapest refined import (CN, 1,940,670) less 1 / yield 0.8 = 1.25 t of feed at
    776,268 (RW ore) less variable O&M 873,302: 97,033. Net 90,991 EUR per t/yr and year. Germanium
    demand is flat (15.45 t, technology-driven: PV + other uses held flat), so the plant online in 2030
    meets 40 % in every later year: only the 2030 row binds, and its price carries 2030-2040 discounted
    to 2030: 90,991 x sum_{k=0..10} 1.04^-k = 90,991 x 9.1109 = 829,009."""
    from model.blocks.capacity import crf

    data, res = run.data, run.results
    rate = data.settings["discount_rate"]
    tech = data.tables["technology"][("germanium", "processing")]
    offers = {(c, k): rec["price"] for (m, c, k, t), rec in data.tables["supply"].items()
              if m == "germanium" and t == 2030}
    feed = min(p for (c, k), p in offers.items() if k == "extraction")
    refined = min(p for (c, k), p in offers.items() if k == "processing")
    saving = refined - feed / data.material("germanium")["processing_yield"] - tech["variable_om"]
    net = tech["capex"] * crf(rate, tech["lifetime"]) + tech["fixed_om"] - saving
    assert net == pytest.approx(90_991, abs=1)
    years = [t for t in data.years if t >= 2030]
    sp = res["shadow_prices"]
    rows = sp[(sp["material"] == "germanium") & (sp["benchmark"] == "processing")].set_index("year")
    assert rows.loc[2030, "eur_per_t"] == pytest.approx(net * sum((1 + rate) ** -(t - 2030) for t in years), rel=1e-4)
    assert rows.loc[2030, "eur_per_t"] == pytest.approx(829_009, abs=1)
    assert rows.loc[years[1:], "eur_per_t"].abs().max() == pytest.approx(0.0, abs=1e-6)
    demand = [data.tables["demand"][("germanium", t)]["demand"] for t in data.years]
    assert max(demand) - min(demand) < 1e-6 * max(demand)  # flat: why no later row binds
    host = res["byproducts"]
    ge = host[host["material"] == "germanium"]
    assert (ge["recovered_t"] - ge["potential_t"]).abs().max() < 1e-6  # recovery at the host bound
