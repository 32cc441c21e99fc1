"""Technology-driven demand (model/demand.py) and substitution (model/blocks/technologies.py),
through workbooks as a user writes them; every expected number is worked by hand or in closed form.

Base: materials a (refined from CN at 100 EUR/t) and b (at 40 EUR/t), discount rate 0, a product p
(1 t of a per unit) deployed 10 units a year, and a product q (0.5 t of b per unit).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from model.demand import flodym_outflow, pdf, weibull_scale
from model.errors import InputError
from model.validate import load
from tests.helpers import solve_case, write_case

YEARS = list(range(2030, 2036))


def case(products, deployment, intensity, substitution=(), years=YEARS, settings=None, recycling=False):
    rows = {
        "materials": [{"material": "a", "voll": 1e4}, {"material": "b", "voll": 1e4}],
        "demand": [{"material": mm, "year": t, "demand": 0.0} for mm in "ab" for t in years],
        "supply": [{"material": mm, "country": "CN", "stage": "processing", "year": t, "price": pr}
                   for mm, pr in (("a", 100.0), ("b", 40.0)) for t in years],
        "products": list(products), "deployment": list(deployment), "intensity": list(intensity),
        "substitution": list(substitution),
    }
    if recycling:  # free recycling capacity: EU recycling output shows the feedstock bound
        rows["technology"] = [{"material": mm, "stage": "recycling", "variable_om": 1.0} for mm in "ab"]
    return dict(materials=["a", "b"], countries=["CN"], years=years, rows=rows,
                settings={"discount_rate": 0.0, **(settings or {})})


def deploy(product, years, units=10.0, scenario="base"):
    return [{"demand_scenario": scenario, "product": product, "year": t, "deployment": units} for t in years]


P_FIXED = {"product": "p", "lifetime_model": "fixed", "lifetime": 3, "collection_rate": 0.5}
Q_NORMAL = {"product": "q", "lifetime_model": "normal", "lifetime": 3, "lifetime_sd": 1, "collection_rate": 0.8}
I_P = {"product": "p", "material": "a", "intensity": 1.0, "recycling_efficiency": 0.9}
I_Q = {"product": "q", "material": "b", "intensity": 0.5, "recycling_efficiency": 0.9}


def test_fixed_lifetime_shifts_outflow_exactly_by_the_lifetime(tmp_path):
    # one pulse of 7 units in 2031 with intensity 1 t: 7 t demand in 2031, 7 t arising in 2034
    data = load(write_case(tmp_path / "c.xlsx", **case([P_FIXED], deploy("p", [2031], 7.0), [I_P])))
    dem = {t: data.table("demand")[("a", t)] for t in YEARS}
    assert [dem[t]["demand"] for t in YEARS] == [0, 7.0, 0, 0, 0, 0]
    assert [dem[t]["eol_arising"] for t in YEARS] == [0, 0, 0, 0, 7.0, 0]
    assert dem[2034]["collection_rate"] == 0.5


@pytest.mark.parametrize("model, prm", [("normal", dict(lifetime_sd=2.5)), ("weibull", dict(weibull_shape=2.2))])
def test_normal_and_weibull_lifetimes_match_the_closed_form_and_flodym(model, prm):
    mean, n = 8.0, 40
    sd, k = prm.get("lifetime_sd", 0.0), prm.get("weibull_shape", 0.0)
    f = pdf(model, mean, sd, k, n)
    # closed form: a unit deployed at mid-year c is in use at the end of year c + a with S(a + 1/2)
    if model == "normal":
        S = lambda x: 0.5 * math.erfc((x - mean) / (sd * math.sqrt(2)))  # noqa: E731
    else:
        lam = mean / math.gamma(1 + 1 / k)
        assert weibull_scale(mean, k) == pytest.approx(lam, rel=1e-15)
        S = lambda x: math.exp(-(x / lam) ** k) if x > 0 else 1.0  # noqa: E731
    hand = [1 - S(0.5)] + [S(a - 0.5) - S(a + 0.5) for a in range(1, n)]
    assert np.max(np.abs(f - hand)) < 1e-12
    # flodym's inflow-driven stock model: the outflow of a deployment path is its convolution with f
    years = list(range(2000, 2000 + n))
    dep = np.linspace(1.0, 5.0, n)[:, None] ** 1.5
    rec = dict(lifetime_model=model, lifetime=mean, lifetime_sd=sd, weibull_shape=k)
    stock, out = flodym_outflow(years, dep, [rec])
    conv = np.array([sum(dep[c, 0] * f[t - c] for c in range(t + 1)) for t in range(n)])
    assert np.max(np.abs(out.sum(axis=1)[:, 0] - conv)) < 1e-9
    # mass balance: what is in use = what went in - what came out
    assert np.max(np.abs(stock.sum(axis=1)[:, 0] - (np.cumsum(dep[:, 0]) - np.cumsum(conv)))) < 1e-9


def test_history_fills_the_stock_and_intensity_improves_by_cohort(tmp_path):
    # deployment 2026-2035 of 10 units, intensity 1 t in 2030 falling 10 %/yr: a unit keeps the
    # intensity of its year, so what leaves in 2033 (fixed life 3) is the 2030 cohort's 10 x 1 t
    inten = dict(I_P, annual_change=-0.1, base_year=2030)
    rows = deploy("p", range(2030, 2036)) + deploy("p", range(2026, 2030), scenario="all")
    data = load(write_case(tmp_path / "c.xlsx", **case([P_FIXED], rows, [inten])))
    dem = data.table("demand")
    for t in YEARS:
        assert dem[("a", t)]["demand"] == pytest.approx(10 * 0.9 ** (t - 2030), rel=1e-12)
        assert dem[("a", t)]["eol_arising"] == pytest.approx(10 * 0.9 ** (t - 3 - 2030), rel=1e-12)


def test_recycling_feedstock_is_collection_times_efficiency_times_outflow(tmp_path):
    # p: 10 t/yr of a leave use from 2030 on (history from 2027); feedstock 0.5 x 0.9 x 10 = 4.5 t
    # q: normal life, 0.5 t of b; feedstock = 0.8 x 0.9 x 0.5 x 10 x sum_{a} f(a) over its history
    rows = deploy("p", range(2027, 2036)) + deploy("q", range(2020, 2036))
    run = solve_case(tmp_path, **case([P_FIXED, Q_NORMAL], rows, [I_P, I_Q], recycling=True))
    rec = run.results["sourcing"]
    rec = rec[rec["flow"] == "EU recycling output"].groupby(["material", "year"])["value_t"].sum()
    f = pdf("normal", 3, 1, 0, 16)
    for t in YEARS:
        assert rec[("a", t)] == pytest.approx(0.5 * 0.9 * 10.0, rel=1e-9)
        out_b = sum(10 * 0.5 * f[t - c] for c in range(2020, t + 1))
        assert rec[("b", t)] == pytest.approx(0.8 * 0.9 * out_b, rel=1e-9)
    by_tech = run.results["demand_by_technology"].set_index(["product", "year"])
    assert by_tech.loc[("q", 2033), "feedstock_t"] == pytest.approx(0.8 * 0.9 * by_tech.loc[("q", 2033), "eol_arising_t"])
    src = run.results["demand_source"].set_index("material")
    assert src.loc["a", "demand_from"] == "technologies" and src.loc["a", "demand_scenario"] == "base"


@pytest.mark.parametrize("cost, switched", [(79.0, True), (81.0, False)])
def test_substitution_switches_at_its_break_even_cost(tmp_path, cost, switched):
    # replacing a unit of p (1 t of a at 100) by q (0.5 t of b at 40) saves 100 - 20 = 80 EUR;
    # no collection, so end of life has no value: the switch pays below 80 EUR per unit, to max_share
    p = dict(P_FIXED, collection_rate=0.0)
    sub = [{"product": "p", "alternative": "q", "max_share": 0.4, "cost": cost}]
    run = solve_case(tmp_path, **case([p, Q_NORMAL], deploy("p", YEARS), [I_P, I_Q], sub))
    units = run.results["substitution"]["units"]
    assert list(units) == pytest.approx([4.0 if switched else 0.0] * len(YEARS))
    expected = 6 * (10 * 100) + (6 * 4 * (cost - 80) if switched else 0)
    assert run.solution.objective == pytest.approx(expected)
    change = run.results["demand_change"].set_index(["material", "year"])
    assert change.loc[("a", 2032), "demand_t"] == pytest.approx(-4.0 if switched else 0.0)
    assert change.loc[("b", 2032), "demand_t"] == pytest.approx(2.0 if switched else 0.0)


def switch_under_a_cut(tmp_path, **disruption):
    """p -> q (40 %, 150 EUR per unit, no end-of-life value) with a scenario 'cut' (probability 0.5)
    that disrupts the Chinese refined a in every year: (run, value_of_information by measure)."""
    p = dict(P_FIXED, collection_rate=0.0)
    sub = [{"product": "p", "alternative": "q", "max_share": 0.4, "cost": 150.0}]
    kw = case([p, Q_NORMAL], deploy("p", YEARS), [I_P, I_Q], sub)
    kw["rows"]["scenarios"] = [{"scenario": "cut", "probability": 0.5}]
    kw["rows"]["disruptions"] = [{"scenario": "cut", "material": "a", "country": "CN", "stage": "processing",
                                  "start_year": 2030, "duration": 6, **disruption}]
    run = solve_case(tmp_path, **kw)
    return run, run.results["value_of_information"].set_index("measure")["value_eur"]


def test_substitution_under_disruptions_value_of_information(tmp_path):
    # a costs 300 (price x3) in the cut; the switch (cost 150 per unit, saving 100 - 20 = 80 calm,
    # 300 - 20 = 280 cut) is a first-stage plan. RP: switch the 4 units of max_share (expected
    # saving 0.5 x 80 + 0.5 x 280 = 180 > 150). WS: calm alone does not switch, cut alone does;
    # EVPI = 0.5 x (150 - 80) x 4 per year.
    run, voi = switch_under_a_cut(tmp_path, severity=0.0, price_multiplier=3.0)
    assert list(run.results["substitution"]["units"]) == pytest.approx([4.0] * 6)
    assert voi["EVPI"] == pytest.approx(6 * 0.5 * (150 - 80) * 4)


def test_substitution_is_fixed_in_the_eev(tmp_path):
    # no refined a at all in the cut (unmet at 10,000 EUR/t). RP switches the 4 units a year:
    # calm 6 x 100 + 2 x 40 + 4 x 150 = 1,280, cut 6 x 10,000 + 80 + 600 = 60,680. The EV problem
    # (half of an unlimited offer lost: no limit) does not switch; fixed at that, calm costs 1,000
    # and cut 100,000: VSS = 6 x 0.5 x (1,000 + 100,000 - 1,280 - 60,680) = 117,120.
    run, voi = switch_under_a_cut(tmp_path, severity=1.0)
    assert run.solution.objective == pytest.approx(6 * 0.5 * (1280 + 60680))
    assert voi["VSS"] == pytest.approx(6 * 0.5 * (1000 + 100000 - 1280 - 60680))


def test_end_of_life_follows_the_substitution(tmp_path):
    # forced switch (cost -1000: always pays) of 40 % of p (fixed life 3) to q (fixed life 2) from
    # 2031: the outflow of a falls by 4 t in 2034 and 2035, that of b rises 2 t in 2033-2035
    q = dict(Q_NORMAL, lifetime_model="fixed", lifetime=2)
    sub = [{"product": "p", "alternative": "q", "max_share": 0.4, "cost": -1000.0, "start_year": 2031}]
    run = solve_case(tmp_path, **case([P_FIXED, q], deploy("p", YEARS), [I_P, I_Q], sub, recycling=True))
    ch = run.results["demand_change"].set_index(["material", "year"])
    assert [ch.loc[("a", t), "eol_arising_t"] for t in YEARS] == pytest.approx([0, 0, 0, 0, -4, -4])
    assert [ch.loc[("b", t), "eol_arising_t"] for t in YEARS] == pytest.approx([0, 0, 0, 2, 2, 2])
    assert [ch.loc[("b", t), "feedstock_t"] for t in YEARS] == pytest.approx([0, 0, 0, 1.44, 1.44, 1.44])
    rec = run.results["sourcing"]
    rec = rec[rec["flow"] == "EU recycling output"].groupby(["material", "year"])["value_t"].sum()
    assert rec[("a", 2035)] == pytest.approx(0.45 * (10 - 4))  # history-free: only 2032 cohort leaves
    assert rec[("b", 2035)] == pytest.approx(1.44)


def test_substitution_counts_in_the_benchmarks_and_the_stock_rule(tmp_path):
    # EU processing of a: 2 t/yr, nothing to build; the 40 % processing benchmark on 10 t of a needs
    # 4 t. Replacing s units of p by q (no a) lowers consumption to 10 - s: 2 >= 0.4 (10 - s) gives
    # s = 5, bought at 1,000 EUR/unit although each saves only 80 EUR. A 73-day stock rule on a
    # then covers 73/365 x 5 t = 1 t. Cost: 5 t of a at 100 + 2.5 t of b at 40 + 5 x 1,000 + the
    # stock bought at 100 (1 t, no resale at the end of a one-year horizon).
    p = dict(P_FIXED, collection_rate=0.0)
    sub = [{"product": "p", "alternative": "q", "max_share": 0.8, "cost": 1000.0}]
    kw = case([p, Q_NORMAL], deploy("p", [2030]), [I_P, I_Q], sub, years=[2030])
    kw["rows"]["capacity_existing"] = [{"material": "a", "stage": "processing", "year": 2030, "capacity": 2.0}]
    kw["rows"]["benchmarks"] = [{"benchmark": "processing", "material": "a", "level": 0.4, "start_year": 2030}]
    kw["rows"]["stockpile"] = [{"material": "a", "coverage_days": 73.0}]
    run = solve_case(tmp_path, **kw)
    assert run.results["substitution"]["units"].iloc[0] == pytest.approx(5.0)
    assert run.solution.objective == pytest.approx(5 * 100 + 2.5 * 40 + 5 * 1000 + 1 * 100)
    comp = run.results["compliance"].set_index("benchmark").loc["processing"]
    assert comp["achieved_share"] == pytest.approx(0.4) and bool(comp["met"])
    assert run.results["stock"]["stock_target_t"].iloc[0] == pytest.approx(1.0)


def test_baseline_assessment_reads_the_technology_feedstock(tmp_path):
    # recycling capacity 10 t/yr of a; the feedstock is 0.5 x 0.9 x 10 = 4.5 t (not yield x
    # collection x arising of the demand sheet): EU recycling covers 4.5 of 10 t
    from model.analysis.assess import assess

    kw = case([P_FIXED], deploy("p", range(2027, 2036)), [I_P])
    kw["rows"]["capacity_existing"] = [{"material": "a", "stage": "recycling", "year": t, "capacity": 10.0}
                                       for t in YEARS]
    kw["rows"]["benchmarks"] = [{"benchmark": "recycling", "material": "a", "level": 0.25, "start_year": 2030,
                                 "basis": "flow"}]
    row = assess(load(write_case(tmp_path / "c.xlsx", **kw)), 2031).set_index("material").loc["a"]
    assert row["eu_recycling_share"] == pytest.approx(0.45)


# ---- bad input -------------------------------------------------------------------------------
def problems(tmp_path, **kw) -> str:
    with pytest.raises(InputError) as e:
        load(write_case(tmp_path / "bad.xlsx", **kw))
    return str(e.value)


@pytest.mark.parametrize("lifetime", [0, -2])
def test_lifetime_zero_or_negative(tmp_path, lifetime):
    msg = problems(tmp_path, **case([dict(P_FIXED, lifetime=lifetime)], deploy("p", YEARS), [I_P]))
    assert f"sheet 'products', row 2, column 'lifetime' (cell D2): found {lifetime}" in msg
    # 0: the model's own rule; a negative number: the column's range (0 to 100 yr), said at the cell
    assert "lifetime must be more than 0 years" in msg or "expected a number >= 0 in yr" in msg


def test_negative_intensity_and_change(tmp_path):
    msg = problems(tmp_path, **case([P_FIXED], deploy("p", YEARS), [dict(I_P, intensity=-1.0, annual_change=-1.5)]))
    # both caught by the columns' ranges, at the cell (intensity 0 to 1e6 t/unit; change -1 to 1 a year)
    assert "sheet 'intensity', row 2, column 'intensity' (cell C2): found -1" in msg
    assert "expected a number >= 0 in t/unit" in msg
    assert "column 'annual_change' (cell D2): found -1.5; expected a number >= -1 in share/yr" in msg


def test_substitution_share_above_one(tmp_path):
    sub = [{"product": "p", "alternative": "q", "max_share": 1.5}]
    msg = problems(tmp_path, **case([P_FIXED, Q_NORMAL], deploy("p", YEARS), [I_P, I_Q], sub))
    assert "sheet 'substitution', row 2, column 'max_share' (cell C2): found 1.5; expected a share" in msg


def test_scenario_without_deployment(tmp_path):
    rows = deploy("p", YEARS, 0.0, "low") + deploy("p", YEARS, 5.0, "high")
    msg = problems(tmp_path, **case([P_FIXED], rows, [I_P], settings={"demand_scenario": "low"}))
    assert "sheet 'deployment', rows 2-7, column 'demand_scenario': found 'low'; demand scenario low has no deployment" in msg
    msg = problems(tmp_path, **case([P_FIXED], rows, [I_P], settings={"demand_scenario": "hihg"}))
    assert re.search(r"sheet 'settings', row \d+, column 'value' \(cell B\d+\): found 'hihg'; no deployment rows "
                     r"for this demand scenario; the deployment sheet has high, low \(did you mean 'high'\?\)", msg)
    msg = problems(tmp_path, **case([P_FIXED], rows, [I_P]))
    assert "holds the demand scenarios high, low: name the one to use in setting demand_scenario" in msg


def test_substitution_shares_of_one_product_above_one_and_self_replacement(tmp_path):
    sub = [{"product": "p", "alternative": "q", "max_share": 0.7}, {"product": "p", "alternative": "p", "max_share": 0.5}]
    msg = problems(tmp_path, **case([P_FIXED, Q_NORMAL], deploy("p", YEARS), [I_P, I_Q], sub))
    assert "sheet 'substitution', row 3, column 'alternative' (cell B3): found 'p'; a product cannot replace itself" in msg
    assert "sheet 'substitution', rows 2-3, column 'max_share': found shares summing to 1.2; the alternatives of p" in msg


def test_normal_lifetime_without_spread(tmp_path):
    msg = problems(tmp_path, **case([dict(Q_NORMAL, lifetime_sd=0)], deploy("q", YEARS), [I_Q]))
    assert "sheet 'products', row 2, column 'lifetime_sd' (cell E2): found 0.0; a normal lifetime needs" in msg


def test_undeclared_product(tmp_path):
    msg = problems(tmp_path, **case([P_FIXED], deploy("p", YEARS), [I_P, dict(I_P, product="pp")]))
    assert "sheet 'intensity', row 3, column 'product' (cell A3): found 'pp'; unknown product; declare it in " \
           "the products sheet (did you mean 'p'?)" in msg


def test_buyers_need_the_demand_sheet(tmp_path):
    kw = case([P_FIXED], deploy("p", YEARS), [I_P])
    kw["rows"]["buyers"] = [{"buyer": "x", "material": mm, "year": t, "demand": 0.0} for mm in "ab" for t in YEARS]
    msg = problems(tmp_path, **kw)
    assert "sheet 'buyers', column 'material': found 'a'; buyers' demands add up to the demand sheet" in msg


def test_demand_sheet_still_used_when_asked(tmp_path):
    kw = case([P_FIXED], deploy("p", YEARS), [I_P], settings={"demand_source": "demand_sheet"})
    kw["rows"]["demand"] = [{"material": mm, "year": t, "demand": 3.0} for mm in "ab" for t in YEARS]
    data = load(write_case(tmp_path / "c.xlsx", **kw))
    assert data.technologies is None and data.demand("a", 2031) == 3.0


# ---- the EU case with technology-driven demand and both demand scenarios in the second stage --
ROOT = Path(__file__).resolve().parent.parent
EU_CASE = ROOT / "inputs" / "eu_crma.xlsx"
EU_TECH = ROOT / "inputs" / "eu_crma_technologies.xlsx"
# the default case with the demand scenarios steps and aps (p = 0.5 each) in the second stage, its
# share benchmarks soft at the reference price (inputs/build_eu_case.py all_soft)
OBJECTIVE_EU_TECH = 1_324_466_149_872.990
COVERED = {"lithium", "nickel", "cobalt", "manganese", "graphite_natural", "ndpr", "dytb", "silicon_metal",
           "gallium", "germanium", "platinum"}


def _rows(path, sheet):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb[sheet].iter_rows(min_row=2, values_only=True))
    finally:
        wb.close()


def test_eu_case_demand_by_hand_from_its_own_rows():
    """The default case's demand of lithium and ndpr in 2030 is the sum of deployment x intensity
    (x (1 + annual change)^(2030 - base year)) of its rows in the demand scenario steps, and the
    'other uses' row makes 2025 equal to the case's present consumption (the demand sheet)."""
    data = load(EU_CASE)
    assert set(data.technologies.materials) == COVERED and data.technologies.scenario == "steps"
    dep = {(r[0], r[1], r[2]): r[3] for r in _rows(EU_CASE, "deployment")}
    inten = {(r[0], r[1]): (r[2], r[3] or 0.0, r[4]) for r in _rows(EU_CASE, "intensity")}
    sheet = {(r[0], r[1]): r[2] for r in _rows(EU_CASE, "demand")}
    for m in ("lithium", "ndpr"):
        hand = sum(d * inten[(p, m)][0] * (1 + inten[(p, m)][1]) ** (2030 - (inten[(p, m)][2] or 2025))
                   for (s, p, y), d in dep.items() if y == 2030 and s in ("steps", "all") and (p, m) in inten)
        assert data.demand(m, 2030) == pytest.approx(hand, rel=1e-12)
        assert sheet[(m, 2030)] == pytest.approx(hand, rel=1e-5)  # the sheet: 6 significant digits


def test_eu_case_with_demand_scenarios_in_the_second_stage():
    from model.pipeline import solve_workbook

    run = solve_workbook(EU_TECH)
    assert run.solution.objective == pytest.approx(OBJECTIVE_EU_TECH, rel=1e-6)
    assert run.data.probability == {"nominal|steps": 0.5, "nominal|aps": 0.5}
    assert run.method == "extensive form" and "demand scenarios" in run.method_reason
    src = run.results["demand_source"].set_index("material")
    assert set(src.index[src["demand_from"] == "technologies"]) == COVERED
    assert (src.loc[sorted(COVERED), "demand_scenario"] == "steps, aps").all()
    # the second stage carries each scenario's demand: lithium 2030 is higher under aps
    unmet = run.results["unmet"].set_index(["scenario", "material", "year"])["demand_t"]
    by = run.results["demand_by_technology"].groupby(["demand_scenario", "material", "year"])["demand_t"].sum()
    for d in ("steps", "aps"):
        assert unmet[(f"nominal|{d}", "lithium", 2030)] == pytest.approx(by[(d, "lithium", 2030)], rel=1e-12)
    assert by[("aps", "lithium", 2030)] > 1.5 * by[("steps", "lithium", 2030)]
