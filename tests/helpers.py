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


def solve_case(tmp_path: Path, name="case.xlsx", **kw):
    """Solve a hand-built case on the default (direct) backend, and check that the reference
    Pyomo backend gives the same objective and the same result tables."""
    path = write_case(tmp_path / name, **kw)
    run = solve_workbook(path)
    assert_same_results(run, solve_workbook(path, backend="pyomo"))
    return run


def assert_same_results(run, ref, rtol=1e-7, atol=1e-6) -> None:
    """Two runs of the same data (e.g. the two backends) give the same objective and tables."""
    import pandas as pd

    assert abs(run.solution.objective - ref.solution.objective) <= rtol * max(1.0, abs(ref.solution.objective))
    assert set(run.results.tables) == set(ref.results.tables)
    for name, df in ref.results.tables.items():
        pd.testing.assert_frame_equal(run.results.tables[name], df, check_exact=False, rtol=rtol, atol=atol,
                                      obj=f"table {name}")


def table(run, name, **filters):
    df = run.results[name]
    for k, v in filters.items():
        df = df.loc[df[k] == v]
    return df
