"""Disruption scenarios, stock release, CVaR, VSS and EVPI on hand-worked instances.

Common setup: one material, years 2030-2031, demand only in 2031 (S = 100 t), CN the only
supplier at c = 10 EUR/t with 100 t/yr available, holding cost h = 5 EUR/t/yr, no discounting.
A stock x bought in 2030 costs c + h in 2030; in a scenario without disruption it cannot be
released (a strategic stock is not a trading stock), so it is held (h) again in 2031 and all of
2031's demand is bought; in a disruption it is released in 2031.
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


# Worked check 3. cost(x) = (c + h) x + (1 - p)(c S + h x) + p v (S - x): stock S iff
# p v > c + h + (1 - p) h, i.e. with p = 0.1: v > 195.
@pytest.mark.parametrize("voll, expected_stock, objective", [
    (250.0, S, (C + H) * S + 0.9 * (C * S + H * S)),    # p v = 25 > 19.5
    (150.0, 0.0, 0.9 * C * S + 0.1 * 150.0 * S),         # p v = 15 < 19.5
    (200.0, S, (C + H) * S + 0.9 * (C * S + H * S)),    # p v = 20 > 19.5, just above
    (190.0, 0.0, 0.9 * C * S + 0.1 * 190.0 * S),         # p v = 19 < 19.5, just below
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
    # shortfalls 20 (p 0.2), 50 (p 0.15), 100 (p 0.05), nominal 0.6; v = 100.
    # Marginal cost of the k-th tonne: c + h + 0.6 h = 18. Its marginal value: v P(shortfall >= k)
    # + c P(disrupted, shortfall < k). k <= 20: 0.4 v = 40; 20 < k <= 50: 0.2 v + 0.2 c = 22;
    # k > 50: 0.05 v + 0.35 c = 8.5 -> stock 50 t (the critical fractile (18 - 0.4 c)/(v - c) = 0.156).
    run = solve_case(tmp_path, **case(100.0, [("s20", 0.2), ("s50", 0.15), ("s100", 0.05)],
                                       [("s20", 0.2), ("s50", 0.5), ("s100", 1.0)]))
    assert stock_2030(run) == pytest.approx(50.0)
    rel = table(run, "stock", year=2031).set_index("scenario")["stock_out_t"]
    # in every disruption the whole stock is released (beyond the shortfall it displaces purchases)
    assert rel["s20"] == pytest.approx(50.0) and rel["s100"] == pytest.approx(50.0)
    unmet = table(run, "unmet", year=2031).set_index("scenario")["unmet_t"]
    assert unmet["s100"] == pytest.approx(50.0) and unmet["s50"] == pytest.approx(0.0)


# CVaR: nominal p = 0.9, cut 0.1 removes all 100 t; v = 150, alpha = 0.9.
# C_nominal(x) = 1000 + 20 x, C_cut(x) = 15000 - 135 x; E = 2400 + 4.5 x (risk neutral: x = 0).
# For x <= 14000/155, CVaR_0.9 = C_cut, so E + lambda CVaR has slope 4.5 - 135 lambda: stocking
# pays for lambda > 1/30, up to x = 14000/155 = 90.32 where C_cut = C_nominal.
@pytest.mark.parametrize("lam, expected", [(0.0, 0.0), (0.02, 0.0), (0.1, 14000 / 155), (1.0, 14000 / 155)])
def test_cvar_weight_raises_the_stock(tmp_path, lam, expected):
    run = solve_case(tmp_path, **case(150.0, [("cut", 0.1)], [("cut", 1.0)],
                                       settings={"risk_weight": lam, "cvar_alpha": 0.9}))
    assert stock_2030(run) == pytest.approx(expected, rel=1e-6)
    x = expected
    e = 0.9 * (1000 + 20 * x) + 0.1 * (15000 - 135 * x)
    cvar = max(15000 - 135 * x, 1000 + 20 * x)
    assert run.solution.objective == pytest.approx(e + lam * cvar if lam else e)
    if lam:
        sc = table(run, "scenario_costs").set_index("scenario")
        assert sc.loc["CVaR 0.9", "total_eur"] == pytest.approx(cvar)


def test_vss_and_evpi_hand_checked(tmp_path):
    # v = 250, p = 0.1: RP stocks 100 -> 2850. WS: nominal alone 1000, cut alone 1500 (stock and
    # release), WS = 0.9*1000 + 0.1*1500 = 1050, EVPI = 1800. EV: 10 % of CN lost -> stock 10;
    # EEV = 10 (c+h) + 0.9 (1000 + 10 h) + 0.1 (10 released, 90 unmet at 250) = 3345, VSS = 495.
    path = write_case(tmp_path / "v.xlsx", **case(250.0, [("cut", 0.1)], [("cut", 1.0)]))
    voi = value_of_information(load(path))
    assert voi.rp == pytest.approx(2850.0)
    assert voi.ws == pytest.approx(1050.0)
    assert voi.evpi == pytest.approx(1800.0)
    assert voi.ev == pytest.approx(1050.0)  # EV: 15*10 + 10*90 = 1050
    assert voi.eev == pytest.approx(3345.0)
    assert voi.vss == pytest.approx(495.0)
    t = voi.table().set_index("measure")
    assert t.loc["VSS", "value_eur"] == pytest.approx(495.0)


@pytest.mark.parametrize("voll", [150.0, 250.0])
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
