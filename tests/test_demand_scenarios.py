"""Demand scenarios in the two-stage programme (formulation §15.1), through workbooks as a user
writes them; every expected number is worked by hand below.

Base: one material a, made by product p (1 t of a per unit, fixed life 30 yr: nothing leaves use
in the horizon), one year 2030, discount rate 0. Two demand scenarios of equal probability:
low deploys 100 units (100 t of a), high 200 units (200 t). Refined imports from CN at 100 EUR/t;
EU processing of ore from AU at 90 EUR/t with variable O&M 30 EUR/t (120 EUR/t in all) on
capacity at capex 100 EUR/(t/yr) over 10 years (annuity 10 EUR per t/yr; discount rate 0).
"""
from __future__ import annotations

import pytest

from model.errors import InputError
from model.validate import load
from tests.helpers import solve_case, table, write_case

YEAR = 2030
P = {"product": "p", "lifetime_model": "fixed", "lifetime": 30}
I_P = {"product": "p", "material": "a", "intensity": 1.0}
PROC = {"material": "a", "stage": "processing", "capex": 100.0, "lifetime": 10, "variable_om": 30.0}
HALF = [{"demand_scenario": "low", "probability": 0.5}, {"demand_scenario": "high", "probability": 0.5}]


def case(benchmarks=(), scenarios=(), disruptions=(), demand_scenarios=HALF, supply=None, settings=None):
    rows = {
        "materials": [{"material": "a", "voll": 1e4}],
        "demand": [{"material": "a", "year": YEAR, "demand": 0.0}],
        "supply": supply or [{"material": "a", "country": "CN", "stage": "processing", "year": YEAR, "price": 100.0},
                             {"material": "a", "country": "AU", "stage": "extraction", "year": YEAR, "price": 90.0}],
        "technology": [PROC], "products": [P], "intensity": [I_P],
        "deployment": [{"demand_scenario": d, "product": "p", "year": YEAR, "deployment": u}
                       for d, u in (("low", 100.0), ("high", 200.0))],
        "demand_scenarios": list(demand_scenarios), "benchmarks": list(benchmarks),
        "scenarios": list(scenarios), "disruptions": list(disruptions),
    }
    return dict(materials=["a"], countries=["CN", "AU", "JP"], years=[YEAR], rows=rows,
                settings={"discount_rate": 0.0, **(settings or {})})


def processing(basis, enforcement="hard", penalty=None):
    return [{"benchmark": "processing", "material": "a", "level": 0.4, "start_year": YEAR, "basis": basis,
             "enforcement": enforcement, "penalty": penalty}]


@pytest.mark.parametrize("basis, objective", [
    # capacity basis: one first-stage row on the larger demand, K >= 0.4 x 200 = 80 t/yr (the row
    # for low, K >= 40, is then slack); nothing is refined in the EU (120 > 100):
    # 80 x 10 + 0.5 x 100 x 100 + 0.5 x 200 x 100 = 800 + 5,000 + 10,000 = 15,800
    ("capacity", 15_800.0),
    # flow basis: refine 0.4 x demand in each scenario (40 t low, 80 t high), so K = 80:
    # 800 + 0.5 x (40 x 120 + 60 x 100) + 0.5 x (80 x 120 + 120 x 100) = 800 + 5,400 + 10,800 = 17,000
    ("flow", 17_000.0),
])
def test_two_demand_scenarios_one_capacity_decision(tmp_path, basis, objective):
    run = solve_case(tmp_path, **case(processing(basis)))
    assert run.solution.objective == pytest.approx(objective, rel=1e-9)
    assert sorted(run.data.scenarios) == ["nominal|high", "nominal|low"]
    assert run.data.probability == {"nominal|low": 0.5, "nominal|high": 0.5}
    cap = table(run, "capacity", stage="processing").iloc[0]
    assert cap["new_online_tpa"] == pytest.approx(80.0)
    unmet = table(run, "unmet").set_index("scenario")["demand_t"]
    assert unmet["nominal|low"] == pytest.approx(100.0) and unmet["nominal|high"] == pytest.approx(200.0)
    proc = table(run, "sourcing", flow="EU processing output").groupby("scenario")["value_t"].sum()
    want = {"capacity": (0.0, 0.0), "flow": (40.0, 80.0)}[basis]
    assert (proc.get("nominal|low", 0.0), proc.get("nominal|high", 0.0)) == pytest.approx(want)
    comp = table(run, "compliance", benchmark="processing").set_index("scenario")
    assert bool(comp["met"].all())
    # the capacity row holds in both: achieved 80/100 in low, 80/200 in high
    if basis == "capacity":
        assert comp.loc["nominal|low", "achieved_share"] == pytest.approx(0.8)
        assert comp.loc["nominal|high", "achieved_share"] == pytest.approx(0.4)
    assert run.method == "extensive form" and "demand scenarios" in run.method_reason


def test_value_of_the_stochastic_solution_with_demand_scenarios(tmp_path):
    """Soft flow-basis benchmark at 1,000 EUR/t of shortfall.

    RP: K = 80 (a unit of capacity costs 10 and saves 0.5 x (1,000 - 20) in high): 17,000 as above.
    EV: mean demand 150: K = 60, 60 x 10 + 60 x 120 + 90 x 100 = 600 + 7,200 + 9,000 = 16,800.
    EEV: K fixed at 60; low as before 10,800; high 60 x 120 + 140 x 100 + 20 x 1,000 = 41,200:
    600 + 0.5 x 10,800 + 0.5 x 41,200 = 26,600, so VSS = 26,600 - 17,000 = 9,600.
    WS: low alone K = 40: 400 + 10,800 = 11,200; high alone K = 80: 800 + 21,600 = 22,400;
    WS = 16,800, EVPI = 17,000 - 16,800 = 200."""
    run = solve_case(tmp_path, **case(processing("flow", "soft", 1000.0),
                                      settings={"stochastic_reports": "yes"}))
    assert run.solution.objective == pytest.approx(17_000.0, rel=1e-9)
    voi = run.results["value_of_information"].set_index("measure")["value_eur"]
    assert voi["EV"] == pytest.approx(16_800.0, rel=1e-9)
    assert voi["EEV"] == pytest.approx(26_600.0, rel=1e-9)
    assert voi["VSS"] == pytest.approx(9_600.0, rel=1e-9)
    assert voi["WS"] == pytest.approx(16_800.0, rel=1e-9)
    assert voi["EVPI"] == pytest.approx(200.0, rel=1e-9)


def test_product_of_demand_scenarios_and_a_disruption(tmp_path):
    """CN offers at most 300 t at 100 EUR/t, JP any amount at 150. Scenario cut (p = 0.2) halves
    CN's offer; nominal takes 0.8. The product has four scenarios: nominal|low 0.4, nominal|high
    0.4, cut|low 0.1, cut|high 0.1. Costs: 100 x 100 = 10,000 (nominal|low, and cut|low: 150 t
    left is enough), 200 x 100 = 20,000 (nominal|high), 150 x 100 + 50 x 150 = 22,500 (cut|high).
    Expected: 0.4 x 10,000 + 0.4 x 20,000 + 0.1 x 10,000 + 0.1 x 22,500 = 15,250."""
    supply = [{"material": "a", "country": "CN", "stage": "processing", "year": YEAR, "price": 100.0,
               "available": 300.0},
              {"material": "a", "country": "JP", "stage": "processing", "year": YEAR, "price": 150.0}]
    run = solve_case(tmp_path, **case(
        supply=supply, scenarios=[{"scenario": "cut", "probability": 0.2}],
        disruptions=[{"scenario": "cut", "material": "a", "country": "CN", "stage": "processing",
                      "start_year": YEAR, "duration": 1.0, "severity": 0.5}]))
    assert run.data.probability == pytest.approx({"nominal|low": 0.4, "nominal|high": 0.4,
                                                   "cut|low": 0.1, "cut|high": 0.1})
    assert run.solution.objective == pytest.approx(15_250.0, rel=1e-9)
    jp = table(run, "sourcing", country="JP").groupby("scenario")["value_t"].sum()
    assert jp.get("cut|high", 0.0) == pytest.approx(50.0) and jp.drop("cut|high", errors="ignore").sum() == 0


def test_a_scenario_may_name_its_demand_scenario(tmp_path):
    """An explicit list: scenario boom (p = 0.3) carries the high demand, nominal (0.7) the run's
    demand scenario low (setting). No demand_scenarios rows, so no product:
    0.7 x 100 x 100 + 0.3 x 200 x 100 = 7,000 + 6,000 = 13,000."""
    run = solve_case(tmp_path, **case(demand_scenarios=(), settings={"demand_scenario": "low"},
                                      scenarios=[{"scenario": "boom", "probability": 0.3, "demand_scenario": "high"}]))
    assert run.data.demand_of == {"nominal": "low", "boom": "high"}
    assert run.solution.objective == pytest.approx(13_000.0, rel=1e-9)
    by = run.results["demand_by_technology"]
    assert set(by["demand_scenario"]) == {"low", "high"}


def test_demand_scenarios_bad_input_named(tmp_path):
    bad = [{"demand_scenario": "low", "probability": 0.5}, {"demand_scenario": "hihg", "probability": 0.4}]
    with pytest.raises(InputError) as err:
        load(write_case(tmp_path / "c.xlsx", **case(demand_scenarios=bad)))
    msg = str(err.value)
    assert "sheet 'demand_scenarios'" in msg and "'hihg'" in msg and "did you mean 'high'" in msg
    assert "the demand scenario probabilities must sum to 1 (they sum to 0.9)" in msg


def test_demand_scenarios_need_technology_demand(tmp_path):
    """With demand_source = demand_sheet no material takes its demand from the technologies, so
    demand scenarios have nothing to change: a message, not a run that silently ignores them."""
    with pytest.raises(InputError) as err:
        load(write_case(tmp_path / "c.xlsx", **case(settings={"demand_source": "demand_sheet"})))
    assert "the scenarios carry demand scenarios, but no material takes its demand from the technologies" in str(err.value)
