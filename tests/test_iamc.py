"""IAMC export: every aggregate adds up, as pyam's ``check_aggregate`` checks it (the variable
equals the sum of the variables exactly one level below it, per model, scenario, region and year,
within pyam's default tolerance), without making pyam a dependency."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.io.export import iamc_long
from model.pipeline import solve_workbook

ROOT = Path(__file__).resolve().parent.parent


def check_aggregate(long: pd.DataFrame, variable: str, rtol=1e-5, atol=1e-8) -> pd.DataFrame:
    """Rows where ``variable`` differs from the sum of its direct components (empty: it adds up),
    the arithmetic of pyam.IamDataFrame.check_aggregate."""
    depth = variable.count("|") + 1
    comp = long.loc[long["variable"].str.startswith(variable + "|")
                    & (long["variable"].str.count(r"\|") == depth)]
    assert len(comp), f"{variable} has no components"
    keys = ["model", "scenario", "region", "unit", "year"]
    total = long.loc[long["variable"] == variable].set_index(keys)["value"]
    summed = comp.groupby(keys)["value"].sum()
    both = pd.concat([total.rename("variable"), summed.rename("components")], axis=1).fillna(0.0)
    bad = ~np.isclose(both["variable"], both["components"], rtol=rtol, atol=atol)
    return both.loc[bad]


@pytest.mark.parametrize("case", ["example.xlsx", "example_disruptions.xlsx", "eu_crma.xlsx"])
def test_cost_aggregates_add_up(case):
    run = solve_workbook(ROOT / "inputs" / case)
    long = iamc_long(run.results.tables, "case")
    assert check_aggregate(long, "Cost").empty
    materials = run.data.materials
    for mm in materials:
        assert check_aggregate(long, f"Cost|{mm}").empty, mm
    # the components are there: Cost|<material> for every material, Cost|<material>|<component>
    variables = set(long["variable"])
    assert {f"Cost|{mm}" for mm in materials} <= variables
    assert any(v.startswith(f"Cost|{materials[0]}|") for v in variables)
    # and the total over the years, discounted and weighted, is the objective of a risk-neutral run
    if case == "example.xlsx":
        costs = run.results["costs"]
        assert long.loc[long["variable"] == "Cost", "value"].sum() == pytest.approx(costs["cost_eur"].sum())


def test_a_broken_aggregate_is_found():
    run = solve_workbook(ROOT / "inputs" / "example.xlsx")
    long = iamc_long(run.results.tables, "case")
    i = long.index[long["variable"] == f"Cost|{run.data.materials[0]}"][0]
    long.loc[i, "value"] *= 1.01
    assert len(check_aggregate(long, "Cost")) == 1
