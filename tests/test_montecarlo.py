"""Monte Carlo sensitivity to the stated ranges (model/uncertainty.py, model/analysis/montecarlo.py,
``python run.py montecarlo``): hand-worked distributions, share met, reproducibility, bad input,
and the EU case's factor table."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from model import uncertainty as U
from model.analysis.montecarlo import LABEL, run_montecarlo
from model.cli import main
from model.errors import InputError
from model.validate import load
from tests.helpers import write_case

ROOT = Path(__file__).resolve().parent.parent
EU_CASE = ROOT / "inputs" / "eu_crma.xlsx"
D = 100.0


def factors_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=U.COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in U.COLUMNS})
    return path


def price_case(tmp_path: Path) -> tuple[Path, Path]:
    """One material x, 2030 only, demand 100 t, refined imports from CN at 100 EUR/t (unlimited),
    discount rate 0, no benchmark: the total cost is 100 t x 100 EUR/t x the price level."""
    rows = {"materials": [{"material": "x", "voll": 10_000.0}],
            "demand": [{"material": "x", "year": 2030, "demand": D}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0}]}
    wb = write_case(tmp_path / "price.xlsx", ["x"], ["CN", "RW"], [2030], rows)
    fc = factors_csv(tmp_path / "factors.csv", [
        {"factor": "price level {material}", "kind": "price_level", "material": "*", "grade": "B",
         "distribution": "uniform", "low": 0.8, "high": 1.2, "source": "test", "why": "hand-worked"}])
    return wb, fc


def threshold_case(tmp_path: Path) -> tuple[Path, Path]:
    """Demand 100 t; existing EU refining 50 t/yr; processing benchmark 40 % soft at 1 EUR/t with no
    technology to build: met exactly when existing capacity x draw >= 40, i.e. draw >= 0.8."""
    rows = {"materials": [{"material": "x", "voll": 10_000.0}],
            "demand": [{"material": "x", "year": 2030, "demand": D}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0}],
            "capacity_existing": [{"material": "x", "stage": "processing", "year": 2030, "capacity": 50.0}],
            "benchmarks": [{"benchmark": "processing", "material": "x", "level": 0.4, "start_year": 2030,
                            "enforcement": "soft", "penalty": 1.0}]}
    wb = write_case(tmp_path / "threshold.xlsx", ["x"], ["CN", "RW"], [2030], rows)
    fc = factors_csv(tmp_path / "factors.csv", [
        {"factor": "existing EU capacity {stage}", "kind": "existing_capacity", "stage": "processing",
         "distribution": "uniform", "low": 0.4, "high": 1.2, "source": "test", "why": "hand-worked"}])
    return wb, fc


def test_linear_price_response_gives_the_hand_distribution(tmp_path):
    """Cost = 10,000 EUR x draw, draw uniform on [0.8, 1.2] (Latin hypercube, N = 100: one draw in
    each slice [0.8 + 0.004 k, 0.8 + 0.004 (k + 1)]). By hand: mean 10,000 within
    0.4 x 10,000 x 1/(2N) = 20; p5 = 10,000 x (0.8 + 0.4 x 0.05) = 8,200 within one slice (40);
    p50 = 10,000 within 40; p95 = 11,800 within 40. Every sample's cost is exactly 10,000 x its draw."""
    wb, fc = price_case(tmp_path)
    mc = run_montecarlo(wb, 100, seed=7, factors_path=fc)
    s = mc.samples
    assert (s["status"] == "optimal").all()
    draw = s["price level x"].to_numpy()
    assert draw.min() >= 0.8 and draw.max() <= 1.2
    assert np.allclose(s["total_cost_eur"], 10_000.0 * draw, rtol=1e-9)
    # one draw per slice of width 0.004
    assert sorted(np.floor((draw - 0.8) / 0.004).astype(int)) == list(range(100))
    d = mc.tables()["distribution"].set_index("measure").loc["total_cost_eur"]
    assert d["mean"] == pytest.approx(10_000.0, abs=20.0)
    assert d["p5"] == pytest.approx(8_200.0, abs=40.0)
    assert d["p50"] == pytest.approx(10_000.0, abs=40.0)
    assert d["p95"] == pytest.approx(11_800.0, abs=40.0)
    assert d["p50"] == pytest.approx(np.quantile(10_000.0 * draw, 0.5), rel=1e-9)
    rc = mc.tables()["rank_correlation"].set_index("factor")
    assert rc.loc["price level x", "rho_total_cost"] == pytest.approx(1.0)


def test_share_met_with_a_threshold_factor(tmp_path):
    """Draw d uniform on [0.4, 1.2], capacity 50 d; met iff 50 d >= 40, d >= 0.8, the middle of the
    range: with a Latin hypercube of N = 40 exactly 20 slices lie above 0.8, share met = 0.5. The
    penalty is 1 EUR/t x shortfall max(0, 40 - 50 d); the plan is the same with the benchmark or
    without it (nothing can be built), so the benchmark's cost net of penalties is 0."""
    wb, fc = threshold_case(tmp_path)
    mc = run_montecarlo(wb, 40, seed=11, factors_path=fc)
    s = mc.samples
    d = s["existing EU capacity processing"].to_numpy()
    assert list(s["met_processing_x"]) == list(d >= 0.8)
    sm = mc.tables()["share_met"].set_index(["benchmark", "material"]).loc[("processing", "x")]
    assert sm["met"] == 20 and sm["share_met"] == pytest.approx(0.5)
    assert np.allclose(s["penalties_eur"], np.maximum(0.0, 40.0 - 50.0 * d), atol=1e-6)
    assert np.allclose(s["cost_processing_eur"], 0.0, atol=1e-6)
    assert np.allclose(s["net_cost_eur"], 10_000.0, atol=1e-6)
    assert np.allclose(s["total_cost_eur"], 10_000.0 + np.maximum(0.0, 40.0 - 50.0 * d), atol=1e-6)


def test_benchmark_cost_by_warm_relaxation_is_the_hand_cost(tmp_path):
    """Hard 40 % processing benchmark on the capacity basis, demand 100 t, one year, discount 0: the
    EU builds 40 t/yr at capex 100 EUR per t/yr over 10 years (annuity 10 EUR per t/yr) and keeps
    importing (tests/test_blocks.py): the benchmark costs 40 x 10 = 400 EUR x the capex draw d,
    uniform on [0.5, 1.5]; total cost 10,000 + 400 d; met in every sample."""
    years = [2030]
    rows = {"materials": [{"material": "x", "voll": 10_000.0}],
            "demand": [{"material": "x", "year": 2030, "demand": D}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0},
                       {"material": "x", "country": "AU", "stage": "extraction", "year": 2030, "price": 90.0}],
            "technology": [{"material": "x", "stage": "processing", "capex": 100.0, "lifetime": 10,
                            "variable_om": 30.0}],
            "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030}]}
    wb = write_case(tmp_path / "capex.xlsx", ["x"], ["AU", "CN", "RW"], years, rows)
    fc = factors_csv(tmp_path / "factors.csv", [
        {"factor": "capex {stage}", "kind": "capex", "stage": "processing", "distribution": "uniform",
         "low": 0.5, "high": 1.5, "source": "test", "why": "hand-worked"}])
    mc = run_montecarlo(wb, 16, seed=1, factors_path=fc)
    s = mc.samples
    d = s["capex processing"].to_numpy()
    assert (s["softened_rows"] == 0).all() and s["met_processing_x"].all()
    assert np.allclose(s["cost_processing_eur"], 400.0 * d, rtol=1e-9)
    assert np.allclose(s["cost_benchmarks_eur"], 400.0 * d, rtol=1e-9)
    assert np.allclose(s["total_cost_eur"], 10_000.0 + 400.0 * d, rtol=1e-9)
    assert mc.base["cost_processing_eur"] == pytest.approx(400.0)


def test_same_seed_same_numbers_and_jobs_do_not_change_them(tmp_path):
    wb, fc = threshold_case(tmp_path)
    a = run_montecarlo(wb, 12, seed=3, factors_path=fc)
    b = run_montecarlo(wb, 12, seed=3, factors_path=fc, jobs=2, chunk=3)
    c = run_montecarlo(wb, 12, seed=4, factors_path=fc)
    assert a.samples.equals(b.samples)
    assert not np.allclose(a.draws, c.draws)


def test_bad_input_gives_a_clean_message(tmp_path, capsys):
    wb, fc = price_case(tmp_path)
    out = str(tmp_path / "out")
    assert main(["montecarlo", str(wb), "--samples", "0", "--factors", str(fc), "--outputs", out, "-q"]) == 2
    err = capsys.readouterr().err
    assert "--samples" in err and "at least 1" in err and "Traceback" not in err
    assert main(["montecarlo", str(wb), "--samples", "5", "--seed", "-3", "--factors", str(fc), "--outputs", out,
                 "-q"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "-3" in err and "Traceback" not in err
    assert main(["montecarlo", str(wb), "--samples", "5", "--factors", str(fc), "--factor", "capex of mines",
                 "--outputs", out, "-q"]) == 2
    err = capsys.readouterr().err
    assert "capex of mines" in err and "price level x" in err and "Traceback" not in err
    bad = factors_csv(tmp_path / "bad.csv", [{"factor": "f", "kind": "prices", "material": "x"}])
    assert main(["montecarlo", str(wb), "--samples", "5", "--factors", str(bad), "--outputs", out, "-q"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 2" in err and "kind" in err and "price_level" in err
    with pytest.raises(InputError):
        U.read_factors(factors_csv(tmp_path / "none.csv", [{"factor": "f", "kind": "capex", "stage": "processing"}]),
                       load(wb))  # no technology row: the factor would change nothing
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_command_writes_a_labelled_run_folder(tmp_path, capsys):
    wb, fc = threshold_case(tmp_path)
    out = tmp_path / "out"
    assert main(["montecarlo", str(wb), "--samples", "20", "--seed", "5", "--factors", str(fc),
                 "--outputs", str(out), "-q"]) == 0
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["samples"] == 20 and manifest["label"] == LABEL
    wbk = openpyxl.load_workbook(folder / "montecarlo.xlsx", read_only=True)
    assert wbk.sheetnames == ["about", "distribution", "share_met", "rank_correlation", "factors", "samples"]
    for ws in wbk.worksheets:
        assert LABEL in str(next(ws.iter_rows(max_row=1, values_only=True))[0])
    rows = list(wbk["share_met"].iter_rows(values_only=True))
    head = rows[1]
    rec = dict(zip(head, rows[2]))
    assert rec["benchmark"] == "processing" and rec["share_met"] == pytest.approx(0.5)
    for name in ("montecarlo_total_cost.png", "montecarlo_tornado.png", "montecarlo_share_met.png"):
        assert (folder / name).stat().st_size > 1000


# ---- the default EU case ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eu():
    return load(EU_CASE)


def test_eu_factor_table_reads_and_every_factor_changes_rows(eu):
    factors = U.read_factors(ROOT / "inputs" / "montecarlo_factors.csv", eu)
    names = [f.name for f in factors]
    assert len(names) == len(set(names))
    assert all(f.rows > 0 for f in factors if f.kind != "setting")
    by = {f.name: f for f in factors}
    # a row stated for one material replaces the grade default of the '*' line
    assert (by["consumption nickel"].low, by["consumption nickel"].high) == (0.5875, 1.0)
    assert by["consumption nickel"].range_from == "stated in the row"
    assert by["consumption bismuth"].range_from == "grade C default"
    # a read (B) consumption figure is drawn over the B range (issue 18: aluminium was drawn at C)
    assert (by["consumption aluminium"].low, by["consumption aluminium"].high) == (0.75, 1.25)
    assert (by["germanium China share"].low, by["germanium China share"].high) == (0.45, 0.83)


def test_eu_rule_keeps_the_case_as_built(eu):
    """The hard/soft rule re-applied to the unperturbed case adds no soft row (the build script
    made the same choice), and a draw at every factor's neutral value leaves the data's numbers."""
    _, added = U.soften_out_of_reach(eu)
    assert added == []


def test_supplier_share_keeps_totals(eu):
    """Germanium China at 83 % instead of 45 %: China's availability x 83/45 in each year, the
    others scaled so that each year's total at the processing stage is unchanged."""
    f = [x for x in U.read_factors(ROOT / "inputs" / "montecarlo_factors.csv", eu) if x.name == "germanium China share"]
    new = U.apply(eu, f, [0.83])
    for t in (2025, 2030, 2040):
        keys = [k for k in eu.tables["supply"] if k[0] == "germanium" and k[2] == "processing" and k[3] == t]
        old_total = sum(eu.tables["supply"][k]["available"] for k in keys)
        new_total = sum(new.tables["supply"][k]["available"] for k in keys)
        assert new_total == pytest.approx(old_total, rel=1e-12)
        cn = ("germanium", "CN", "processing", t)
        assert new.tables["supply"][cn]["available"] == pytest.approx(
            min(old_total, eu.tables["supply"][cn]["available"] * 0.83 / 0.45))
    assert eu.tables["supply"][("germanium", "CN", "processing", 2030)]["available"] == pytest.approx(20.3376)  # the case's row (2030 headroom on technology-driven demand)


def test_eu_samples_solve(eu, tmp_path):
    mc = run_montecarlo(EU_CASE, 4, seed=2)
    assert (mc.samples["status"] == "optimal").all()
    assert mc.base["total_cost_eur"] == pytest.approx(1.1599260e12, rel=1e-6)  # OBJECTIVE of tests/test_eu_case.py
    assert (mc.samples["cost_benchmarks_eur"] > 0).all()


def test_eol_and_consumption_draws_reach_the_technology_feedstock(eu):
    """For a material whose demand the technologies make (lithium in the EU case), the recyclable
    feedstock is the stock model's outflow x collection x efficiency (model/demand.py), not
    eol_arising x collection. Consumption x 1.5 and end-of-life arisings x 2 must multiply it by
    1.5 x 2 = 3 in every year, as they multiply eol_arising; otherwise the draw would not reach the
    model at all for these materials."""
    from model.demand import recyclable

    factors = [U.Factor(name="c", kind="consumption", material="lithium", stage=None, country=None,
                        grade="C", distribution="uniform", low=1.5, high=1.5, base=None, rows=1,
                        range_from="test"),
               U.Factor(name="e", kind="eol", material="lithium", stage=None, country=None,
                        grade="C", distribution="uniform", low=2.0, high=2.0, base=None, rows=1,
                        range_from="test")]
    new = U.apply(eu, factors, [1.5, 2.0])
    for t in (2025, 2030, 2040):
        old_rec, new_rec = eu.tables["demand"][("lithium", t)], new.tables["demand"][("lithium", t)]
        assert "feedstock" in old_rec
        assert recyclable(new, "lithium", new_rec) == pytest.approx(3.0 * recyclable(eu, "lithium", old_rec), rel=1e-12)
        assert new_rec["demand"] == pytest.approx(1.5 * old_rec["demand"], rel=1e-12)
