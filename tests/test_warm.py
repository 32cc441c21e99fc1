"""A warm re-solve (model/warm.py: build once, change row bounds or costs in HiGHS, re-solve from
the last basis) gives what a cold build and solve of the transformed data gives."""
from pathlib import Path

import pytest

from model.data import with_settings
from model.errors import ModelError
from model.pipeline import solve_data
from model.validate import load
from model.warm import WarmSweep, with_benchmark_level, with_price_multiplier

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example.xlsx"


@pytest.fixture(scope="module")
def data():
    # the example is a MIP (gallium plants in modules): solve to optimality so that warm and cold
    # runs agree to rounding, not only within the default relative gap of 1e-4
    return with_settings(load(EXAMPLE), mip_gap=1e-9, purchasing_reports="no", stochastic_reports="no")


def test_warm_level_sweep_matches_cold_solves(data):
    sweep = WarmSweep(data, benchmark="processing")
    for level in (0.2, 0.45, 0.3):
        warm = sweep.solve_at(level)
        cold = solve_data(with_benchmark_level(data, "processing", level)).solution
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
        assert warm.is_mip and cold.is_mip
    assert [p["value"] for p in sweep.points] == [0.2, 0.45, 0.3]


def test_warm_run_has_the_cold_result_tables(data):
    sweep = WarmSweep(data, benchmark="processing")
    warm = sweep.run_at(0.45)
    cold = solve_data(with_benchmark_level(data, "processing", 0.45))
    w = warm.results["compliance"].set_index(["scenario", "material", "year", "benchmark", "stage"])
    c = cold.results["compliance"].set_index(["scenario", "material", "year", "benchmark", "stage"])
    assert (w["target_share"] - c["target_share"]).abs().max() == pytest.approx(0.0, abs=1e-12)
    assert (w["achieved_share"] - c["achieved_share"]).abs().max() == pytest.approx(0.0, abs=1e-6)
    ws = warm.results["shadow_prices"].set_index("constraint")["eur_per_t"]
    cs = cold.results["shadow_prices"].set_index("constraint")["eur_per_t"]
    assert ws.sort_index().values == pytest.approx(cs.sort_index().values, rel=1e-6, abs=1e-3)


def test_a_sweep_point_extracts_only_the_tables_it_reads(data):
    """run_sweep reads four tables at each point (sweep.POINT_TABLES): a point extracts those, and
    each is the table the full extraction gives, to the last digit."""
    import pandas as pd

    from model.analysis.sweep import POINT_TABLES

    sweep = WarmSweep(data, benchmark="processing")
    some = sweep.run_at(0.45, tables=POINT_TABLES).results.tables
    every = sweep.run_at(0.45).results.tables
    assert set(some) == set(POINT_TABLES) < set(every)
    for name in POINT_TABLES:
        pd.testing.assert_frame_equal(some[name], every[name], check_exact=True)


def test_warm_price_multiplier_matches_cold(data):
    sweep = WarmSweep(data, benchmark="processing")
    warm = sweep.solve_price(1.5, country="CN")
    cold = solve_data(with_price_multiplier(data, 1.5, country="CN")).solution
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    back = sweep.solve_price(1.0)
    assert back.objective == pytest.approx(sweep.base.objective, rel=1e-9)


def test_warm_level_for_one_material_matches_cold(data):
    sweep = WarmSweep(data, benchmark="processing", material="gallium")
    for level in (0.9, 0.1):
        cold = solve_data(with_benchmark_level(data, "processing", level, material="gallium")).solution
        assert sweep.solve_at(level).objective == pytest.approx(cold.objective, rel=1e-9)


def test_warm_infeasible_level_raises_and_the_sweep_goes_on(data):
    lp = with_settings(data, soft_benchmarks="no")
    lp.tables["technology"][("ndpr", "processing")]["max_build_per_year"] = 800.0
    sweep = WarmSweep(lp, benchmark="processing", material="ndpr")
    with pytest.raises(ModelError):
        solve_data(with_benchmark_level(lp, "processing", 0.9, material="ndpr"))
    with pytest.raises(ModelError):
        sweep.solve_at(0.9)
    cold = solve_data(with_benchmark_level(lp, "processing", 0.2, material="ndpr")).solution
    assert sweep.solve_at(0.2).objective == pytest.approx(cold.objective, rel=1e-9)
