"""Build small cases as real workbooks, so tests take the same path a user takes."""
from __future__ import annotations

from pathlib import Path

from model import registry as R
from model.io.template import write_input_workbook
from model.pipeline import solve_workbook


def write_case(path, materials, countries, years, rows, settings=None, stages=R.STAGES) -> Path:
    sets = {"material": list(materials), "country": list(countries), "stage": list(stages),
            "year": list(years)}
    if R.DOMESTIC not in sets["country"]:
        sets["country"].insert(0, R.DOMESTIC)
    return write_input_workbook(path, sets=sets, rows=rows, settings=settings or {"discount_rate": 0.0})


DUAL_TABLES = ("shadow_prices", "marginal_cost")


def solve_case(tmp_path: Path, name="case.xlsx", **kw):
    """Solve a hand-built case on the default (HiGHS) backend, and check that the same model
    solved as a Pyomo model through Pyomo gives the same objective and the same primal tables.
    (Duals of a degenerate LP depend on the path HiGHS takes, and Pyomo hands HiGHS the columns in
    another order; the dual tables are pinned by the hand-worked numbers of each test, and that
    both backends hold the same LP by tests/test_backends.py.)"""
    path = write_case(tmp_path / name, **kw)
    run = solve_workbook(path)
    assert_same_results(run, solve_workbook(path, backend="pyomo"), duals=False)
    return run


def assert_same_results(run, ref, rtol=1e-7, atol=1e-6, duals: bool = True) -> None:
    """Two runs of the same data give the same objective and tables (``duals``: the dual tables too)."""
    import pandas as pd

    assert abs(run.solution.objective - ref.solution.objective) <= rtol * max(1.0, abs(ref.solution.objective))
    assert set(run.results.tables) == set(ref.results.tables)
    for name, df in ref.results.tables.items():
        if not duals and name in DUAL_TABLES:
            continue
        pd.testing.assert_frame_equal(run.results.tables[name], df, check_exact=False, rtol=rtol, atol=atol,
                                      obj=f"table {name}")


def table(run, name, **filters):
    df = run.results[name]
    for k, v in filters.items():
        df = df.loc[df[k] == v]
    return df


def cvar_hand_case() -> dict:
    """The hand-worked CVaR case of tests/test_mpisppy.py and tests/test_mpisppy_bounds.py: one
    material x, 2030-2031, demand 100 t in 2031 only; CN supplies it at 10 EUR/t, 100 t/yr; VOLL
    50 EUR/t; no discounting; stock holding cost 100 EUR/t/yr; scenario 'half' (p 0.3, CN loses
    50 % in 2031) and 'full' (p 0.1, all), nominal p 0.6; lambda 1, alpha 0.8."""
    years = [2030, 2031]
    rows = {
        "materials": [{"material": "x", "voll": 50.0}],
        "demand": [{"material": "x", "year": 2030, "demand": 0.0}, {"material": "x", "year": 2031, "demand": 100.0}],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": 10.0,
                    "available": 100.0} for t in years],
        "stockpile": [{"material": "x", "holding_cost": 100.0}],
        "scenarios": [{"scenario": "half", "probability": 0.3}, {"scenario": "full", "probability": 0.1}],
        "disruptions": [{"scenario": s, "material": "x", "country": "CN", "stage": "processing",
                         "start_year": 2031, "duration": 1.0, "severity": sev} for s, sev in (("half", 0.5), ("full", 1.0))],
    }
    return {"materials": ["x"], "countries": ["CN"], "years": years, "rows": rows,
            "settings": {"discount_rate": 0.0, "stochastic_reports": "no", "risk_weight": 1.0, "cvar_alpha": 0.8}}
