"""model-spec.md §10, worked checks 1 and 2, through the full workbook path."""
import pytest

from tests.helpers import solve_case, table

D = 1000.0
P1, P2 = 100.0, 140.0


def test_check1_single_country_cap_splits_65_35_with_shadow_price_p2_minus_p1(tmp_path):
    run = solve_case(
        tmp_path, materials=["ga"], countries=["CN", "JP"], years=[2030],
        rows={
            "materials": [{"material": "ga", "voll": 1e6}],
            "demand": [{"material": "ga", "year": 2030, "demand": D}],
            "supply": [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "price": P1},
                       {"material": "ga", "country": "JP", "stage": "processing", "year": 2030, "price": P2}],
            "benchmarks": [{"benchmark": "single_country", "material": "all", "stage": "processing",
                            "level": 0.65, "start_year": 2030}],
        })
    src = table(run, "sourcing", flow="refined import").set_index("country")["value_t"]
    assert src["CN"] == pytest.approx(0.65 * D)
    assert src["JP"] == pytest.approx(0.35 * D)
    sp = table(run, "shadow_prices", country="CN").iloc[0]
    assert sp["eur_per_t"] == pytest.approx(P2 - P1)
    assert sp["eur_per_pp"] == pytest.approx((P2 - P1) * D / 100)
    assert run.solution.objective == pytest.approx(0.65 * D * P1 + 0.35 * D * P2)
    comp = table(run, "compliance", benchmark="single_country").iloc[0]
    assert comp["largest_country"] == "CN" and comp["achieved_share"] == pytest.approx(0.65)
    assert bool(comp["met"])


def test_check2_coverage_60_days_of_consumption(tmp_path):
    h = 12.0
    years = [2026, 2027, 2028]
    run = solve_case(
        tmp_path, materials=["li"], countries=["CL"], years=years,
        rows={
            "materials": [{"material": "li", "voll": 1e6}],
            "demand": [{"material": "li", "year": t, "demand": D} for t in years],
            "supply": [{"material": "li", "country": "CL", "stage": "processing", "year": t, "price": P1}
                       for t in years],
            "stockpile": [{"material": "li", "holding_cost": h, "coverage_days": 60}],
        })
    stock = table(run, "stock")
    assert list(stock["stock_target_t"]) == pytest.approx([D * 60 / 365] * 3)
    assert list(stock["inventory_t"]) == pytest.approx([D * 60 / 365] * 3)
    holding = table(run, "costs", component="holding").set_index("year")["cost_eur"]
    assert list(holding) == pytest.approx([h * D * 60 / 365] * 3)
    # the stock is bought once, in the first year, on top of consumption
    bought = table(run, "sourcing").set_index("year")["value_t"]
    assert list(bought) == pytest.approx([D + D * 60 / 365, D, D])
