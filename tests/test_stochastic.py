"""Disruption scenarios, stock release, CVaR, VSS and EVPI on hand-worked instances.

Common setup: one material, years 2030-2031, demand only in 2031 (S = 100 t), CN the only
supplier at c = 10 EUR/t with 100 t/yr available, holding cost h = 5 EUR/t/yr on the stock target,
no discounting. A stock x bought in 2030 costs (c + h) x; in 2031 the target drops to 0: without a
disruption the stock is drawn down into supply (saving c per tonne), in a disruption it is
released (saving v per tonne of demand that would go unmet, or c where supply remains).
"""
import pytest

from model.stochastic import generate_single_country, value_of_information
from model.validate import load
from tests.helpers import solve_case, table, write_case

S, C, H = 100.0, 10.0, 5.0
YEARS = [2030, 2031]


def case(voll, scenarios, events, settings=None, available=S):
    rows = {
        "materials": [{"material": "x", "voll": voll}],
        "demand": [{"material": "x", "year": 2030, "demand": 0.0},
                   {"material": "x", "year": 2031, "demand": S}],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": C,
                    "available": available} for t in YEARS],
        "stockpile": [{"material": "x", "holding_cost": H}],
        "scenarios": [{"scenario": s, "probability": p} for s, p in scenarios],
        "disruptions": [{"scenario": s, "material": "x", "country": "CN", "stage": "processing",
                         "start_year": 2031, "duration": 1.0, "severity": sev} for s, sev in events],
    }
    return dict(materials=["x"], countries=["CN"], years=YEARS, rows=rows,
                settings={"discount_rate": 0.0, "stochastic_reports": "no", **(settings or {})})


def stock_2030(run):
    st = table(run, "stock", year=2030)
    return st["stock_target_t"].iloc[0]


# Worked check 3. cost(x) = (c + h) x + (1 - p) c (S - x) + p v (S - x): stock S iff
# p (v - c) > h (p v > h plus the purchase cost difference); with p = 0.1: v > 60.
@pytest.mark.parametrize("voll, expected_stock, objective", [
    (100.0, S, (C + H) * S),               # p (v - c) = 9 > 5
    (40.0, 0.0, 0.9 * C * S + 0.1 * 40.0 * S),   # p (v - c) = 3 < 5
    (61.0, S, (C + H) * S),                # just above the threshold
    (59.0, 0.0, 0.9 * C * S + 0.1 * 59.0 * S),   # just below
])
def test_check3_stock_iff_p_v_exceeds_holding_and_purchase_cost(tmp_path, voll, expected_stock, objective):
    run = solve_case(tmp_path, **case(voll, [("cut", 0.1)], [("cut", 1.0)]))
    assert stock_2030(run) == pytest.approx(expected_stock)
    assert run.solution.objective == pytest.approx(objective)
    # the stock is released in the disruption and unmet demand is what it does not cover
    cut = table(run, "stock", scenario="cut", year=2031).iloc[0]
    assert cut["stock_out_t"] == pytest.approx(expected_stock)
    unmet = table(run, "unmet", scenario="cut", year=2031).iloc[0]["unmet_t"]
    assert unmet == pytest.approx(S - expected_stock)
    assert table(run, "unmet", scenario="nominal")["unmet_t"].sum() == pytest.approx(0.0)
    # nominal was added with the probability the others leave
    sc = table(run, "scenario_costs").set_index("scenario")
    assert sc.loc["nominal", "probability"] == pytest.approx(0.9)


def test_critical_fractile_multi_scenario(tmp_path):
    # shortfalls 20 (p 0.2), 50 (p 0.15), 100 (p 0.05), nominal 0.6; v = 100. Every stocked tonne is
    # used (drawn down or released), so the k-th tonne pays iff (v - c) P(shortfall >= k) > h:
    # the critical fractile h / (v - c) = 5/90 = 0.056. P(shortfall >= k) is 0.4 (k <= 20),
    # 0.2 (k <= 50), 0.05 (k <= 100) -> stock 50 t.
    run = solve_case(tmp_path, **case(100.0, [("s20", 0.2), ("s50", 0.15), ("s100", 0.05)],
                                       [("s20", 0.2), ("s50", 0.5), ("s100", 1.0)]))
    assert stock_2030(run) == pytest.approx(50.0)
    rel = table(run, "stock", year=2031).set_index("scenario")["stock_out_t"]
    # in every disruption the whole stock is released (beyond the shortfall it displaces purchases)
    assert rel["s20"] == pytest.approx(50.0) and rel["s100"] == pytest.approx(50.0)
    unmet = table(run, "unmet", year=2031).set_index("scenario")["unmet_t"]
    assert unmet["s100"] == pytest.approx(50.0) and unmet["s50"] == pytest.approx(0.0)


# CVaR: nominal p = 0.9, cut 0.1 removes all 100 t; v = 50, alpha = 0.9.
# C_nominal(x) = 1000 + 5 x, C_cut(x) = 5000 - 35 x; E = 1400 + x (risk neutral: x = 0).
# For x <= 100, C_cut >= C_nominal so CVaR_0.9 = C_cut, and E + lambda CVaR has slope
# 1 - 35 lambda: stocking pays for lambda > 1/35, up to x = 100 (= S, where C_cut = C_nominal).
@pytest.mark.parametrize("lam, expected", [(0.0, 0.0), (0.02, 0.0), (0.05, 100.0), (1.0, 100.0)])
def test_cvar_weight_raises_the_stock(tmp_path, lam, expected):
    run = solve_case(tmp_path, **case(50.0, [("cut", 0.1)], [("cut", 1.0)],
                                       settings={"risk_weight": lam, "cvar_alpha": 0.9}))
    assert stock_2030(run) == pytest.approx(expected, rel=1e-6)
    x = expected
    e = 0.9 * (1000 + 5 * x) + 0.1 * (5000 - 35 * x)
    cvar = max(5000 - 35 * x, 1000 + 5 * x)
    assert run.solution.objective == pytest.approx(e + lam * cvar if lam else e)
    if lam:
        sc = table(run, "scenario_costs").set_index("scenario")
        assert sc.loc["CVaR 0.9", "total_eur"] == pytest.approx(cvar)


def test_vss_and_evpi_hand_checked(tmp_path):
    # v = 100, p = 0.1: RP stocks 100 -> 1500. WS: nominal alone 1000 (no stock), cut alone 1500
    # (stock and release), WS = 0.9*1000 + 0.1*1500 = 1050, EVPI = 450. EV: 10 % of CN lost ->
    # stock 10 in 2030, 0 in 2031 -> EV = 150 + 900 = 1050. EEV with targets (10, 0): 150
    # + 0.9 * 900 (draw down 10, buy 90) + 0.1 * (release 10, 90 unmet at 100) = 1860, VSS = 360.
    path = write_case(tmp_path / "v.xlsx", **case(100.0, [("cut", 0.1)], [("cut", 1.0)]))
    voi = value_of_information(load(path))
    assert voi.rp == pytest.approx(1500.0)
    assert voi.ws == pytest.approx(1050.0)
    assert voi.evpi == pytest.approx(450.0)
    assert voi.ev == pytest.approx(1050.0)
    assert voi.eev == pytest.approx(1860.0)
    assert voi.vss == pytest.approx(360.0)
    t = voi.table().set_index("measure")
    assert t.loc["VSS", "value_eur"] == pytest.approx(360.0)


@pytest.mark.parametrize("voll", [40.0, 100.0])
def test_vss_evpi_nonnegative_in_the_stochastic_report(tmp_path, voll):
    kw = case(voll, [("s20", 0.2), ("s100", 0.05)], [("s20", 0.2), ("s100", 1.0)])
    kw["settings"]["stochastic_reports"] = "yes"
    run = solve_case(tmp_path, **kw)
    t = run.results["value_of_information"].set_index("measure")["value_eur"]
    assert t["VSS"] >= -1e-6 and t["EVPI"] >= -1e-6
    assert t["RP"] == pytest.approx(run.solution.objective)


def test_generated_single_country_scenarios(tmp_path):
    path = write_case(tmp_path / "g.xlsx", **case(250.0, [], []))
    data = generate_single_country(load(path), ["x"], ["processing"], severities=(0.5, 1.0),
                                   start_years=[2031], annual_rate={"CN": 0.04})
    assert sorted(data.probability) == sorted(["nominal", "CN-x-processing-2031-0.5x1y",
                                               "CN-x-processing-2031-1x1y"])
    assert data.probability["CN-x-processing-2031-1x1y"] == pytest.approx(0.02)
    assert data.probability["nominal"] == pytest.approx(0.96)
    assert data.disruption["CN-x-processing-2031-0.5x1y"][("x", "CN", "processing", 2031)] == (0.5, 1.0)


def test_cli_generates_scenarios_that_run(tmp_path):
    from pathlib import Path

    from model.cli import main

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "gen.xlsx"
    assert main(["scenarios", str(root / "inputs" / "example.xlsx"), "-o", str(out), "--materials", "gallium",
                 "--countries", "CN", "--severities", "0.5,1", "--start-years", "2028,2030",
                 "--rate", "0.05"]) == 0
    data = load(out)
    # 2 start years x 2 severities = 4 scenarios of 0.05 / 2 each; nominal keeps 0.9
    assert len(data.scenarios) == 5
    assert data.probability["nominal"] == pytest.approx(0.9)
    assert data.disruption["CN-gallium-processing-2028-0.5x1y"][("gallium", "CN", "processing", 2028)] == (0.5, 1.0)


def test_price_only_shock_allows_no_release_and_release_is_capped_by_lost_supply(tmp_path):
    # 'price' doubles CN's price in 2031 without removing supply: no release exists there, so the
    # stock cannot be used to dodge the price. 'cut' removes 30 % of CN's 100 t: at most 30 t released.
    rows = case(100.0, [("price", 0.2), ("cut", 0.2)], [("cut", 0.3)])["rows"]
    rows["disruptions"].append({"scenario": "price", "material": "x", "country": "CN", "stage": "processing",
                                "start_year": 2031, "duration": 1.0, "severity": 0.0, "price_multiplier": 2.0})
    rows["stockpile"][0]["coverage_days"] = 365.0  # hold 100 t in both years
    rows["demand"][0]["demand"] = 100.0
    run = solve_case(tmp_path, materials=["x"], countries=["CN"], years=YEARS, rows=rows,
                     settings={"discount_rate": 0.0, "stochastic_reports": "no"})
    st = table(run, "stock", year=2030).set_index("scenario")
    assert st.loc["price", "stock_out_t"] == pytest.approx(0.0)
    # in the last year the stock must be whole at the end: the cut's 30 t release is bought back
    # within 2031 where supply allows, so nothing is gained over nominal
    sc = table(run, "scenario_costs").set_index("scenario")["total_eur"]
    assert sc["price"] >= sc["nominal"] - 1e-6 and sc["cut"] >= sc["nominal"] - 1e-6


def test_release_covers_a_mid_horizon_cut_and_is_replenished(tmp_path):
    # three years, demand 100 t/yr, CN 100 t/yr at 10; 'cut' removes 40 % of CN in 2031 (p 0.1).
    # Coverage 0; v = 1000: the stock held at the end of 2030 covers the 40 t cut in 2031, is bought
    # back in 2032 (when CN is whole again), and the horizon ends with the stock whole.
    years = [2030, 2031, 2032]
    rows = {
        "materials": [{"material": "x", "voll": 1000.0}],
        "demand": [{"material": "x", "year": t, "demand": 100.0} for t in years],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": C,
                    "available": 140.0 if t == 2030 else 100.0} for t in years],
        "stockpile": [{"material": "x", "holding_cost": H}],
        "scenarios": [{"scenario": "cut", "probability": 0.1}],
        "disruptions": [{"scenario": "cut", "material": "x", "country": "CN", "stage": "processing",
                         "start_year": 2031, "duration": 1.0, "severity": 0.4}],
    }
    run = solve_case(tmp_path, materials=["x"], countries=["CN"], years=years, rows=rows,
                     settings={"discount_rate": 0.0, "stochastic_reports": "no"})
    st = table(run, "stock", scenario="cut").set_index("year")
    assert st.loc[2030, "stock_target_t"] == pytest.approx(40.0)
    assert st.loc[2031, "stock_out_t"] == pytest.approx(40.0)
    assert table(run, "unmet")["unmet_t"].sum() == pytest.approx(0.0)


def test_eev_stays_feasible_when_the_ev_plan_lowers_a_stock_target(tmp_path):
    # a mid-horizon cut (p 0.1) of all CN supply in 2031: the EV plan holds a stock in 2030 and
    # lowers its target afterwards; with the nominal scenario unable to release, the lowered target
    # is met by disposal (at no value), so EEV and VSS exist and VSS >= 0.
    years = [2030, 2031, 2032]
    rows = {
        "materials": [{"material": "x", "voll": 1000.0}],
        "demand": [{"material": "x", "year": t, "demand": 100.0} for t in years],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": C,
                    "available": 200.0} for t in years],
        "stockpile": [{"material": "x", "holding_cost": H}],
        "scenarios": [{"scenario": "cut", "probability": 0.1}],
        "disruptions": [{"scenario": "cut", "material": "x", "country": "CN", "stage": "processing",
                         "start_year": 2031, "duration": 1.0, "severity": 1.0}],
    }
    path = write_case(tmp_path / "e.xlsx", materials=["x"], countries=["CN"], years=years, rows=rows)
    voi = value_of_information(load(path))
    assert voi.eev is not None
    assert voi.vss >= -1e-6 and voi.evpi >= -1e-6
