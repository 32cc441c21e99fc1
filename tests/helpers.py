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
    path = write_case(tmp_path / name, **kw)
    return solve_workbook(path)


def table(run, name, **filters):
    df = run.results[name]
    for k, v in filters.items():
        df = df.loc[df[k] == v]
    return df
