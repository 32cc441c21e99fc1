"""Joint purchasing: tiers, contracts, coalition costs, Shapley values and the core, by hand.

Game 1 (one material, 2030): buyers A 60 t, B 40 t, C 30 t. CN offers all-units tiers: 100 EUR/t
from 0 t, 90 from 50 t, 80 from 100 t; JP sells at 95 without tiers. Alone: A 60 x 90 = 5400,
B 40 x 95 (JP) = 3800, C 30 x 95 = 2850 (individual: 12050). Pairs: AB 100 x 80 = 8000,
AC 90 x 90 = 8100, BC 70 x 90 = 6300. Joint ABC 130 x 80 = 10400; savings 1650.
Shapley: A = 5400/3 + (8000-3800)/6 + (8100-2850)/6 + (10400-6300)/3 = 4741.67,
B = 3800/3 + (8000-5400)/6 + (6300-2850)/6 + (10400-8100)/3 = 3041.67,
C = 2850/3 + (8100-5400)/6 + (6300-3800)/6 + (10400-8000)/3 = 2616.67; in the core.
Volume shares of 10400: A 4800, B 3200, C 2400.
"""
import pytest

from model.analysis.coalitions import purchasing_report
from model.validate import load
from tests.helpers import solve_case, table, write_case


def game_case(demands, tiers, jp_price=95.0, cn_available=None):
    rows = {
        "materials": [{"material": "x", "voll": 10_000.0}],
        "demand": [{"material": "x", "year": 2030, "demand": sum(demands.values())}],
        "buyers": [{"buyer": b, "material": "x", "year": 2030, "demand": d} for b, d in demands.items()],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0,
                    "available": cn_available},
                   {"material": "x", "country": "JP", "stage": "processing", "year": 2030, "price": jp_price}],
        "tiers": [{"material": "x", "country": "CN", "stage": "processing", "tier": str(i + 1),
                   "min_volume": lo, "price": p} for i, (lo, p) in enumerate(tiers)],
    }
    return dict(materials=["x"], countries=["CN", "JP"], years=[2030], rows=rows,
                settings={"discount_rate": 0.0, "purchasing_reports": "no"})


TIERS = [(0.0, 100.0), (50.0, 90.0), (100.0, 80.0)]


def test_tiers_apply_to_the_pooled_volume(tmp_path):
    run = solve_case(tmp_path, **game_case({"A": 60.0, "B": 40.0, "C": 30.0}, TIERS))
    assert run.solution.is_mip
    assert run.solution.objective == pytest.approx(130 * 80.0)
    src = table(run, "sourcing").set_index("country")["value_t"]
    assert src["CN"] == pytest.approx(130.0)


def test_three_buyers_savings_shapley_core(tmp_path):
    path = write_case(tmp_path / "g.xlsx", **game_case({"A": 60.0, "B": 40.0, "C": 30.0}, TIERS))
    rep = purchasing_report(load(path)).tables
    costs = rep["coalition_costs"].set_index("coalition")["cost_eur"]
    assert dict(costs) == pytest.approx({"A": 5400, "B": 3800, "C": 2850, "A+B": 8000, "A+C": 8100,
                                          "B+C": 6300, "A+B+C": 10400})
    summary = rep["purchasing_summary"].set_index("item")["value"]
    assert summary["savings of joint over individual"] == pytest.approx(1650.0)
    alloc = rep["allocation"].set_index("buyer")
    assert list(alloc["shapley_eur"]) == pytest.approx([4741.6667, 3041.6667, 2616.6667], rel=1e-6)
    assert list(alloc["volume_share_eur"]) == pytest.approx([4800.0, 3200.0, 2400.0])
    assert list(alloc["savings_shapley_eur"]) == pytest.approx([658.3333, 758.3333, 233.3333], rel=1e-6)
    assert alloc["pays_no_more_than_alone_shapley"].all()
    assert not rep["core_check"]["would_leave"].any()
    plans = rep["plans"].set_index("plan")
    assert plans.loc["joint", "cost_eur"] == pytest.approx(10400.0)
    assert plans.loc["individual: C", "cost_eur"] == pytest.approx(2850.0)


def test_core_check_names_the_coalition_that_would_leave(tmp_path):
    # Three buyers of 50 t; CN: 100 EUR/t, 50 EUR/t from 100 t, 100 EUR/t again from 120 t (a
    # surcharge above 120 t); JP 100. Alone 5000 each; any pair 100 x 50 = 5000; all three
    # 120 x 50 + 30 x 100 (JP) = 9000. Shapley 3000 each: a pair pays 6000 > 5000, so every pair
    # would leave: the core is empty.
    path = write_case(tmp_path / "c.xlsx", **game_case({"A": 50.0, "B": 50.0, "C": 50.0},
                                                       [(0.0, 100.0), (100.0, 50.0), (120.0, 100.0)],
                                                       jp_price=100.0))
    rep = purchasing_report(load(path)).tables
    alloc = rep["allocation"].set_index("buyer")
    assert list(alloc["shapley_eur"]) == pytest.approx([3000.0] * 3)
    core = rep["core_check"].set_index("coalition")
    assert set(core.index[core["would_leave"]]) == {"A+B", "A+C", "B+C"}
    assert core.loc["A+B", "excess_eur"] == pytest.approx(1000.0)
    assert alloc["pays_no_more_than_alone_shapley"].all()  # 3000 <= 5000 alone


def test_sampled_shapley_close_to_exact(tmp_path):
    from model.analysis.coalitions import Game, shapley_sampled

    path = write_case(tmp_path / "s.xlsx", **game_case({"A": 60.0, "B": 40.0, "C": 30.0}, TIERS))
    data = load(path)
    est, se = shapley_sampled(Game(data, ["A", "B", "C"]), orders=300, seed=1)
    for b, exact in {"A": 4741.6667, "B": 3041.6667, "C": 2616.6667}.items():
        assert abs(est[b] - exact) <= 4 * se[b] + 1e-6
    assert sum(est.values()) == pytest.approx(10400.0)  # every order adds up to c(N)


def test_contract_honoured_under_price_shock_lost_under_disruption(tmp_path):
    # CN spot 100, contract with CN at 110 (up to 50 t/yr), AU 200; demand 100 t/yr, 2030-2031.
    # 2031: 'price' (p 0.3) triples CN's price, 'cut' (p 0.2) removes CN. Per tonne of contract:
    # +10 (2030) + 0.5 x 10 + 0.3 x (110 - 200) = -12 < 0 -> sign for 50 t/yr.
    years = [2030, 2031]
    rows = {
        "materials": [{"material": "x", "voll": 10_000.0}],
        "demand": [{"material": "x", "year": t, "demand": 100.0} for t in years],
        "supply": [{"material": "x", "country": c, "stage": "processing", "year": t, "price": p}
                   for t in years for c, p in (("CN", 100.0), ("AU", 200.0))],
        "contracts": [{"contract": "cn_offtake", "material": "x", "country": "CN", "price": 110.0,
                       "max_take": 50.0, "start_year": 2030, "duration": 5}],
        "scenarios": [{"scenario": "price", "probability": 0.3}, {"scenario": "cut", "probability": 0.2}],
        "disruptions": [
            {"scenario": "price", "material": "x", "country": "CN", "stage": "processing", "start_year": 2031,
             "duration": 1.0, "severity": 0.0, "price_multiplier": 3.0},
            {"scenario": "cut", "material": "x", "country": "CN", "stage": "processing", "start_year": 2031,
             "duration": 1.0, "severity": 1.0}],
    }
    run = solve_case(tmp_path, materials=["x"], countries=["CN", "AU"], years=years, rows=rows,
                     settings={"discount_rate": 0.0, "stochastic_reports": "no"})
    con = table(run, "contracts").set_index("scenario")
    assert con["volume_tpa"].iloc[0] == pytest.approx(50.0)
    take = table(run, "sourcing", flow="contract cn_offtake", year=2031).set_index("scenario")["value_t"]
    assert take["price"] == pytest.approx(50.0)      # honoured at 110 while spot CN costs 300
    assert take["cut"] == pytest.approx(0.0)         # lost with its country
    au = table(run, "sourcing", country="AU", year=2031).set_index("scenario")["value_t"]
    assert au["cut"] == pytest.approx(100.0) and au["price"] == pytest.approx(50.0)
    assert run.solution.objective == pytest.approx(10500 + 0.5 * 10500 + 0.3 * 15500 + 0.2 * 20000)


def test_scarce_offer_is_shared_not_duplicated(tmp_path):
    # CN sells at most 60 t at 50 EUR/t, JP without limit at 100. Two buyers of 60 t each.
    # Each alone gets its share (30 t) of CN's 60 t: 30 x 50 + 30 x 100 = 4500; together
    # 60 x 50 + 60 x 100 = 9000: no tiers, so no savings (an additive game), and none invented
    # by letting each buyer alone take all of CN's volume.
    rows = game_case({"A": 60.0, "B": 60.0}, [])
    rows["rows"]["tiers"] = []
    rows["rows"]["supply"][0].update(price=50.0, available=60.0)
    rows["rows"]["supply"][1].update(price=100.0)
    path = write_case(tmp_path / "a.xlsx", **rows)
    rep = purchasing_report(load(path)).tables
    costs = rep["coalition_costs"].set_index("coalition")["cost_eur"]
    assert dict(costs) == pytest.approx({"A": 4500.0, "B": 4500.0, "A+B": 9000.0})
    summary = rep["purchasing_summary"].set_index("item")["value"]
    assert summary["savings of joint over individual"] == pytest.approx(0.0, abs=1e-6)
