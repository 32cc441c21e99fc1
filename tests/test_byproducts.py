"""By-products on their hosts (formulation §3.4), hand-worked, through the workbook path.

Base: by-product 'ga' with demand D = 100 t in 2030, imported refined from CN at 1,000 EUR/t
(unlimited) unless stated; host 'alumina' (not a material of the model) with EU throughput
1,000,000 t; content 50 g/t = 5e-5 t/t, recovery 0.8, so EU recovery is at most
1,000,000 x 5e-5 x 0.8 = 40 t. Discount rate 0, one year.
"""
import pytest

from model.errors import InputError, ModelError
from model.validate import load
from tests.helpers import solve_case, table, write_case

D = 100.0
HOST = 1_000_000.0
F = 5e-5 * 0.8  # t of ga per t of host throughput
POTENTIAL = HOST * F  # 40 t


def case(years=(2030,), supply=None, technology=None, byproducts=None, host_output=None, materials=None,
         **rows):
    years = list(years)
    base = {
        "materials": materials or [{"material": "ga", "voll": 100_000.0, "strategic": "no"}],
        "demand": [{"material": "ga", "year": t, "demand": D} for t in years],
        "supply": supply if supply is not None else
        [{"material": "ga", "country": "CN", "stage": "processing", "year": t, "price": 1000.0} for t in years],
        "technology": technology if technology is not None else
        [{"material": "ga", "stage": "processing", "capex": 0.0, "lifetime": 10, "variable_om": 200.0}],
        "byproducts": byproducts if byproducts is not None else
        [{"material": "ga", "host": "alumina", "host_stage": "processing", "content": 5e-5, "recovery": 0.8}],
        "host_output": host_output if host_output is not None else
        [{"host": "alumina", "country": "EU", "year": t, "output": HOST} for t in years],
    }
    base.update(rows)
    mats = [r["material"] for r in base["materials"]]
    return dict(materials=mats, countries=["CN", "JP", "RW"], years=years, rows=base)


def test_recovery_bounded_by_host_content_and_recovery(tmp_path):
    """Recovery at 200 EUR/t beats imports at 1,000: recover the 40 t the host allows, import 60.
    Cost 40 x 200 + 60 x 1,000 = 68,000; one more t of recoverable gallium saves 1,000 - 200."""
    run = solve_case(tmp_path, **case())
    assert run.solution.objective == pytest.approx(40 * 200 + 60 * 1000)
    bp = table(run, "byproducts").iloc[0]
    assert bp["host"] == "alumina"
    assert bp["host_throughput_t"] == pytest.approx(HOST)
    assert bp["potential_t"] == pytest.approx(POTENTIAL)
    assert bp["recovered_t"] == pytest.approx(40.0)
    assert bp["share_of_consumption"] == pytest.approx(0.4)
    assert bp["eur_per_t_host"] == pytest.approx(800.0)
    # recovery is EU processing of the by-product, and counts there
    assert table(run, "sourcing", flow="EU processing output")["value_t"].sum() == pytest.approx(40.0)


def test_recovery_capacity_built_for_the_processing_benchmark(tmp_path):
    """Imports at 100 EUR/t are cheaper than recovering at 200: with a 40 % processing benchmark on a
    capacity basis the EU builds 40 t/yr of recovery capacity (capex 5,000 per t/yr over 10 years:
    500 per t/yr and year) and keeps importing everything: 40 x 500 + 100 x 100 = 30,000, shadow
    price 500 EUR/t. On a flow basis it must also recover 40 t: 40 x 500 + 40 x 200 + 60 x 100 =
    34,000, shadow price 500 + 200 - 100 = 600 EUR/t."""
    tech = [{"material": "ga", "stage": "processing", "capex": 5000.0, "lifetime": 10, "variable_om": 200.0}]
    supply = [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0}]
    for basis, objective, price in (("capacity", 30_000.0, 500.0), ("flow", 34_000.0, 600.0)):
        bench = [{"benchmark": "processing", "material": "ga", "level": 0.4, "start_year": 2030, "basis": basis}]
        run = solve_case(tmp_path, name=f"{basis}.xlsx", **case(supply=supply, technology=tech, benchmarks=bench))
        assert run.solution.objective == pytest.approx(objective)
        assert table(run, "capacity", stage="processing").iloc[0]["new_online_tpa"] == pytest.approx(40.0)
        assert table(run, "shadow_prices", benchmark="processing").iloc[0]["eur_per_t"] == pytest.approx(price)
        recovered = table(run, "byproducts").iloc[0]["recovered_t"]
        assert recovered == pytest.approx(0.0 if basis == "capacity" else 40.0)


def test_flow_benchmark_beyond_the_host_is_infeasible_in_words(tmp_path):
    """A 50 % flow-basis processing benchmark needs 50 t; the host allows 40 t of recovery."""
    bench = [{"benchmark": "processing", "material": "ga", "level": 0.5, "start_year": 2030, "basis": "flow"}]
    with pytest.raises(ModelError) as err:
        solve_case(tmp_path, **case(benchmarks=bench))
    assert "byproduct_host_limit" in str(err.value) or "processing" in str(err.value)


def test_modelled_host_couples_the_by_product_to_the_host_flow(tmp_path):
    """Host 'al' is a material of the model: EU recovery of ga <= 1e-4 x EU processing of al. The EU
    refines 100,000 t of al (capacity 100,000 from ore at 50 + 10 against refined imports at 100),
    so ga recovery is at most 10 t; ga imports at 1,000, recovery at 200: recover 10, import 90."""
    materials = [{"material": "ga", "voll": 100_000.0, "strategic": "no"},
                 {"material": "al", "voll": 10_000.0, "strategic": "no", "processing_yield": 1.0}]
    supply = [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "price": 1000.0},
              {"material": "al", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0},
              {"material": "al", "country": "JP", "stage": "extraction", "year": 2030, "price": 50.0}]
    tech = [{"material": "ga", "stage": "processing", "capex": 0.0, "lifetime": 10, "variable_om": 200.0},
            {"material": "al", "stage": "processing", "capex": 0.0, "lifetime": 10, "variable_om": 10.0,
             "max_capacity": 100_000.0}]
    demand = [{"material": "ga", "year": 2030, "demand": D}, {"material": "al", "year": 2030, "demand": 150_000.0}]
    run = solve_case(tmp_path, **case(materials=materials, supply=supply, technology=tech, demand=demand,
                                      byproducts=[{"material": "ga", "host": "al", "content": 1e-4,
                                                   "recovery": 1.0}], host_output=[]))
    bp = table(run, "byproducts").iloc[0]
    assert bp["host_throughput_t"] == pytest.approx(100_000.0)
    assert bp["recovered_t"] == pytest.approx(10.0)
    assert run.solution.objective == pytest.approx(
        10 * 200 + 90 * 1000 + 100_000 * (50 + 10) + 50_000 * 100)


def test_host_disruption_removes_the_by_product_in_the_same_scenario(tmp_path):
    """Scenario 'cut' (p = 0.1) removes all of CN's alumina in 2030: CN's gallium goes with it.
    CN ga is limited by its host: 10,000,000 t alumina x 4e-5 = 400 t (not binding nominally).
    Nominal: recover 40 t at 200, import 60 from CN at 1,000. Cut: CN 0, JP 50 at 3,000, unmet
    10 at VOLL 100,000. Expected cost 0.9 x 68,000 + 0.1 x (40 x 200 + 50 x 3,000 + 10 x 100,000)."""
    supply = [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "price": 1000.0},
              {"material": "ga", "country": "JP", "stage": "processing", "year": 2030, "price": 3000.0,
               "available": 50.0}]
    host = [{"host": "alumina", "country": "EU", "year": 2030, "output": HOST},
            {"host": "alumina", "country": "CN", "year": 2030, "output": 10_000_000.0}]
    scen = [{"scenario": "cut", "probability": 0.1}]
    dis = [{"scenario": "cut", "material": "alumina", "country": "CN", "stage": "processing",
            "start_year": 2030, "duration": 1, "severity": 1.0}]
    run = solve_case(tmp_path, **case(supply=supply, host_output=host, scenarios=scen, disruptions=dis,
                                      settings={"discount_rate": 0.0, "stochastic_reports": "no"}))
    src = table(run, "sourcing", stage="processing")
    cut = src[(src.scenario == "cut") & (src.flow == "refined import")].set_index("country")["value_t"]
    assert cut["CN"] == pytest.approx(0.0) and cut["JP"] == pytest.approx(50.0)
    nominal = src[(src.scenario == "nominal") & (src.flow == "refined import")].set_index("country")["value_t"]
    assert nominal["CN"] == pytest.approx(60.0)
    unmet = table(run, "unmet", scenario="cut")["unmet_t"].sum()
    assert unmet == pytest.approx(10.0)
    assert run.solution.objective == pytest.approx(0.9 * 68_000 + 0.1 * (40 * 200 + 50 * 3000 + 10 * 100_000))


@pytest.mark.parametrize("rows, column, expected", [
    (dict(byproducts=[{"material": "ga", "host": "zinc", "content": 1e-5, "recovery": 0.5}]), "host",
     "the host must be a material of the model or have rows in sheet host_output"),
    (dict(byproducts=[{"material": "ga", "host": "alumina", "content": 5e-5, "recovery": 1.5}]), "recovery",
     "a share between 0 and 1"),
    (dict(byproducts=[{"material": "ga", "host": "ga", "content": 5e-5, "recovery": 0.5}]), "host",
     "a material cannot be its own host"),
])
def test_bad_byproduct_rows_are_named(tmp_path, rows, column, expected):
    path = write_case(tmp_path / "bad.xlsx", **case(**rows))
    with pytest.raises(InputError) as err:
        load(path)
    text = str(err.value)
    assert "byproducts" in text and column in text and expected in text


def test_a_cycle_of_hosts_is_refused(tmp_path):
    materials = [{"material": "ga", "voll": 1.0, "strategic": "no"}, {"material": "al", "voll": 1.0, "strategic": "no"}]
    demand = [{"material": m, "year": 2030, "demand": 1.0} for m in ("ga", "al")]
    rows = [{"material": "ga", "host": "al", "content": 1e-4, "recovery": 1.0},
            {"material": "al", "host": "ga", "content": 1e-4, "recovery": 1.0}]
    path = write_case(tmp_path / "cycle.xlsx", **case(materials=materials, demand=demand, byproducts=rows,
                                                      host_output=[]))
    with pytest.raises(InputError) as err:
        load(path)
    assert "hosts form a cycle" in str(err.value)


# ---- co-products ----------------------------------------------------------------------------
def coproduct_case(basis="flow", sep_tech=None, surplus_value=100.0):
    """A separation plant 'sep' yields 0.8 t NdPr and 0.2 t DyTb per t of output. NdPr: demand 80 t,
    imports at 1,000; DyTb: demand 2 t, imports at 5,000. 40 % processing benchmark on NdPr only."""
    years = [2030]
    materials = [{"material": m, "voll": 100_000.0, "strategic": "no"} for m in ("ndpr", "dytb")]
    demand = [{"material": "ndpr", "year": 2030, "demand": 80.0}, {"material": "dytb", "year": 2030, "demand": 2.0}]
    supply = [{"material": "ndpr", "country": "CN", "stage": "processing", "year": 2030, "price": 1000.0},
              {"material": "dytb", "country": "CN", "stage": "processing", "year": 2030, "price": 5000.0}]
    tech = [sep_tech or {"material": "sep", "stage": "processing", "capex": 0.0, "lifetime": 10,
                         "variable_om": 2000.0}]
    co = [{"group": "sep", "material": "ndpr", "share": 0.8, "stage": "processing"},
          {"group": "sep", "material": "dytb", "share": 0.2, "stage": "processing", "surplus_value": surplus_value}]
    bench = [{"benchmark": "processing", "material": "ndpr", "level": 0.4, "start_year": 2030, "basis": basis}]
    rows = {"materials": materials, "demand": demand, "supply": supply, "technology": tech, "coproducts": co,
            "benchmarks": bench}
    return dict(materials=["ndpr", "dytb"], countries=["CN", "JP", "RW"], years=years, rows=rows)


def test_coproduct_ratio_forces_dytb_with_the_ndpr_the_benchmark_needs(tmp_path):
    """32 t of NdPr from EU processing need 40 t of plant output (2,000 EUR/t), which yields 8 t of
    DyTb: 2 t replace imports, 6 t are surplus sold at 100. Cost 40 x 2,000 + 48 x 1,000 - 6 x 100
    = 127,400. One more t of NdPr required: 1.25 t more output (2,500) less 1,000 of imports less
    0.25 t more DyTb surplus (25) = 1,475 EUR/t."""
    run = solve_case(tmp_path, **coproduct_case())
    assert run.solution.objective == pytest.approx(40 * 2000 + 48 * 1000 - 6 * 100)
    co = table(run, "coproducts").set_index("material")
    assert co.loc["ndpr", "group_output_t"] == pytest.approx(40.0)
    assert co.loc["ndpr", "yield_t"] == pytest.approx(32.0) and co.loc["ndpr", "surplus_t"] == pytest.approx(0.0)
    assert co.loc["dytb", "yield_t"] == pytest.approx(8.0)
    assert co.loc["dytb", "used_t"] == pytest.approx(2.0) and co.loc["dytb", "surplus_t"] == pytest.approx(6.0)
    sp = table(run, "shadow_prices", benchmark="processing").iloc[0]
    assert sp["eur_per_t"] == pytest.approx(2500 - 1000 - 25)
    assert table(run, "unmet")["unmet_t"].sum() == pytest.approx(0.0)
    comp = table(run, "compliance", benchmark="processing").iloc[0]
    assert comp["achieved_share"] == pytest.approx(0.4)


def test_coproduct_capacity_counts_toward_the_capacity_benchmark(tmp_path):
    """Capacity basis: NdPr's capacity is 0.8 x the plant's; 32 t/yr need 40 t/yr of plant at an
    annuity of 1,000 / 10 = 100 per t/yr: 4,000, and nothing is produced (2,000 per t of output is
    dearer than imports). Cost 4,000 + 80 x 1,000 + 2 x 5,000 = 94,000; shadow price 100 / 0.8 = 125."""
    tech = {"material": "sep", "stage": "processing", "capex": 1000.0, "lifetime": 10, "variable_om": 2000.0}
    run = solve_case(tmp_path, **coproduct_case(basis="capacity", sep_tech=tech))
    assert run.solution.objective == pytest.approx(4000 + 80 * 1000 + 2 * 5000)
    assert table(run, "capacity", material="sep").iloc[0]["new_online_tpa"] == pytest.approx(40.0)
    assert table(run, "shadow_prices", benchmark="processing").iloc[0]["eur_per_t"] == pytest.approx(125.0)


def test_coproduct_group_must_not_be_a_material_and_needs_a_plant(tmp_path):
    case_ = coproduct_case()
    case_["rows"]["technology"] = []
    path = write_case(tmp_path / "bad.xlsx", **case_)
    with pytest.raises(InputError) as err:
        load(path)
    assert "coproducts" in str(err.value) and "needs a technology or capacity_existing row" in str(err.value)


def test_wait_and_see_keeps_coupled_materials_together(tmp_path):
    """WS splits the case into groups of coupled materials (a by-product with its modelled host);
    it must equal the sum over scenarios of each scenario solved alone with every material."""
    from model.stochastic import _solve, risk_neutral, scenario_data, wait_and_see

    materials = [{"material": "ga", "voll": 100_000.0, "strategic": "no"},
                 {"material": "al", "voll": 10_000.0, "strategic": "no", "processing_yield": 1.0},
                 {"material": "cu", "voll": 10_000.0, "strategic": "no"}]
    supply = [{"material": "ga", "country": "CN", "stage": "processing", "year": 2030, "price": 1000.0},
              {"material": "ga", "country": "JP", "stage": "processing", "year": 2030, "price": 3000.0,
               "available": 50.0},
              {"material": "al", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0},
              {"material": "al", "country": "JP", "stage": "extraction", "year": 2030, "price": 50.0},
              {"material": "cu", "country": "CN", "stage": "processing", "year": 2030, "price": 10.0}]
    tech = [{"material": "ga", "stage": "processing", "capex": 0.0, "lifetime": 10, "variable_om": 200.0},
            {"material": "al", "stage": "processing", "capex": 500.0, "lifetime": 10, "variable_om": 10.0}]
    demand = [{"material": "ga", "year": 2030, "demand": D}, {"material": "al", "year": 2030, "demand": 150_000.0},
              {"material": "cu", "year": 2030, "demand": 10.0}]
    scen = [{"scenario": "cut_al", "probability": 0.1}, {"scenario": "cut_cu", "probability": 0.2}]
    dis = [{"scenario": "cut_al", "material": "al", "country": "CN", "stage": "processing", "start_year": 2030,
            "duration": 1, "severity": 1.0},
           {"scenario": "cut_cu", "material": "cu", "country": "CN", "stage": "processing", "start_year": 2030,
            "duration": 1, "severity": 1.0}]
    case_ = case(materials=materials, supply=supply, technology=tech, demand=demand, scenarios=scen,
                 disruptions=dis, byproducts=[{"material": "ga", "host": "al", "content": 1e-4, "recovery": 1.0}],
                 host_output=[{"host": "al", "country": "CN", "year": 2030, "output": 10_000_000.0}])
    data = risk_neutral(load(write_case(tmp_path / "ws.xlsx", **case_)))
    brute = sum(data.probability[w] * _solve(scenario_data(data, w))[2].objective for w in data.scenarios)
    assert wait_and_see(data) == pytest.approx(brute, rel=1e-12)


def test_extraction_coproduct_counts_as_eu_extraction_of_both_members(tmp_path):
    """A nickel-cobalt mine 'nico' yields 0.96 t Ni and 0.04 t Co per t of output (extraction
    stage), variable O&M 12,000 EUR/t, no capex. Ni: demand 1,000 t, refined imports at 10,000;
    Co: demand 100 t, refined imports at 30,000; EU refining of both: 10,000 t/yr existing, no
    cost, yield 1. Flow benchmark: EU extraction of Co >= 10 % x 100 = 10 t.
    A t of mine output is worth 0.96 x 10,000 + 0.04 x 30,000 = 10,800 < 12,000, so the mine runs
    only for the benchmark: 10 / 0.04 = 250 t of output, which also yields 240 t of Ni.
    Cost 250 x 12,000 + (100 - 10) x 30,000 + (1,000 - 240) x 10,000 = 13,300,000.
    Shadow price: one more t of Co needs 25 t of output (300,000) and saves 24 t of Ni imports
    (240,000) and 1 t of Co imports (30,000): 30,000 EUR/t. Cobalt cannot be mined alone."""
    years = [2030]
    materials = [{"material": m, "voll": 1_000_000.0, "strategic": "no"} for m in ("ni", "co")]
    demand = [{"material": "ni", "year": 2030, "demand": 1000.0}, {"material": "co", "year": 2030, "demand": 100.0}]
    supply = [{"material": "ni", "country": "CN", "stage": "processing", "year": 2030, "price": 10000.0},
              {"material": "co", "country": "CN", "stage": "processing", "year": 2030, "price": 30000.0}]
    tech = [{"material": "nico", "stage": "extraction", "capex": 0.0, "lifetime": 20, "variable_om": 12000.0}]
    cap = [{"material": m, "stage": "processing", "year": 2030, "capacity": 10000.0} for m in ("ni", "co")]
    co = [{"group": "nico", "material": "ni", "share": 0.96, "stage": "extraction"},
          {"group": "nico", "material": "co", "share": 0.04, "stage": "extraction"}]
    bench = [{"benchmark": "extraction", "material": "co", "level": 0.1, "start_year": 2030, "basis": "flow"}]
    rows = {"materials": materials, "demand": demand, "supply": supply, "technology": tech,
            "capacity_existing": cap, "coproducts": co, "benchmarks": bench}
    run = solve_case(tmp_path, materials=["ni", "co"], countries=["CN", "RW"], years=years, rows=rows)
    assert run.solution.objective == pytest.approx(250 * 12000 + 90 * 30000 + 760 * 10000)
    got = table(run, "coproducts").set_index("material")
    assert got.loc["co", "group_output_t"] == pytest.approx(250.0)
    assert got.loc["co", "used_t"] == pytest.approx(10.0) and got.loc["ni", "used_t"] == pytest.approx(240.0)
    assert table(run, "shadow_prices", benchmark="extraction").iloc[0]["eur_per_t"] == pytest.approx(30000.0)
    assert table(run, "compliance", benchmark="extraction").iloc[0]["achieved_share"] == pytest.approx(0.1)


# ---- the default EU case's co-products (inputs/eu_coproducts.py) ----------------------------
def _ref(**kw) -> float:
    import csv
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "data" / "reference" / "byproducts.csv"
    with open(path, newline="", encoding="utf-8") as f:
        got = [r for r in csv.DictReader(f) if all(r[k] == v for k, v in kw.items())]
    assert len(got) == 1, kw
    return float(got[0]["value"])


@pytest.fixture(scope="module")
def eu_case():
    from pathlib import Path
    return load(Path(__file__).resolve().parent.parent / "inputs" / "eu_crma.xlsx")


def test_default_case_coproduct_ratios_are_the_read_numbers(eu_case):
    """Norra Karr PEA: 721 t NdPr, 248 t Dy, 36 t Tb oxide a year -> NdPr 721/1,005 = 0.7174,
    Dy/Tb 284/1,005 = 0.2826 (heavy feed); Pulawy on Songwe Hill: 2,000 t NdPr + 50 t Dy/Tb ->
    Dy/Tb 50/2,050 = 0.0244 (light feed); Kevitsa 2015: 31,899 oz Pt, 25,196 oz Pd -> Pt 0.5587, Pd 0.4413;
    Terrafame: 170,000 t NiSO4.6H2O x 0.2233 = 37,960 t Ni, 7,400 t CoSO4.7H2O x 0.2097 = 1,551 t Co
    -> Co 1,551 / 39,511 = 0.0393 (Co:Ni 0.0409)."""
    co = eu_case.table("coproducts")
    nd, dy, tb = (_ref(material=m, country="SE", parameter="nameplate_capacity_tpa")
                  for m in ("ndpr", "dysprosium", "terbium"))
    assert (nd, dy, tb) == (721, 248, 36)
    for g in ("ree_separation_heavy", "ree_mine"):
        assert co[(g, "ndpr")]["share"] == pytest.approx(721 / 1005, abs=1e-4)
        assert co[(g, "dytb")]["share"] == pytest.approx(284 / 1005, abs=1e-4)
    pl = (_ref(material="ndpr", country="PL", parameter="nameplate_capacity_tpa"),
          _ref(material="dytb", country="PL", parameter="nameplate_capacity_tpa"))
    assert pl == (2000, 50)
    assert co[("ree_separation_light", "dytb")]["share"] == pytest.approx(50 / 2050, abs=1e-4)
    assert co[("ree_separation_heavy", "ndpr")]["stage"] == "processing" and co[("ree_mine", "ndpr")]["stage"] == "extraction"
    assert co[("pgm_kevitsa", "platinum")]["share"] == pytest.approx(31899 / (31899 + 25196), abs=1e-4)
    ni, cobalt = 170000 * 58.6934 / 262.85, 7400 * 58.9332 / 281.10
    assert (round(ni), round(cobalt)) == (37960, 1551)
    assert co[("nickel_cobalt_mine", "cobalt")]["share"] == pytest.approx(cobalt / (ni + cobalt), abs=1e-4)
    for g in ("ree_separation_light", "ree_separation_heavy", "ree_mine", "pgm_kevitsa", "nickel_cobalt_mine"):
        assert sum(r["share"] for (gg, _), r in co.items() if gg == g) == pytest.approx(1.0, abs=2e-4)


def test_default_case_cannot_build_one_coproduct_without_the_other(eu_case):
    """No own NdPr or Dy/Tb separation or mining plant and no own cobalt mine: those capacities
    exist only as co-product groups; nickel keeps a nickel-only mine option, its existing
    capacity less Terrafame's 37,960 t Ni; Kevitsa runs (1.776 t/yr Pt + Pd to 2034) but cannot
    grow (max_build_per_year 0)."""
    tech, cap = eu_case.table("technology"), eu_case.table("capacity_existing")
    for m, k in (("ndpr", "processing"), ("dytb", "processing"), ("ndpr", "extraction"),
                 ("dytb", "extraction"), ("cobalt", "extraction")):
        assert (m, k) not in tech, (m, k)
    assert not any(m == "cobalt" and k == "extraction" for (m, k, _) in cap)
    assert ("nickel", "extraction") in tech
    assert cap[("nickel_cobalt_mine", "extraction", 2030)]["capacity"] == pytest.approx(39511.8, abs=0.1)
    assert "less Terrafame's 37,960 t Ni" in cap[("nickel", "extraction", 2030)]["note"]
    assert cap[("pgm_kevitsa", "extraction", 2034)]["capacity"] == pytest.approx((31899 + 25196) / 32150.7466, rel=1e-5)
    assert ("pgm_kevitsa", "extraction", 2035) not in cap
    assert tech[("pgm_kevitsa", "extraction")]["max_build_per_year"] == 0.0
    assert tech[("ree_mine", "extraction")]["max_capacity"] == pytest.approx(1005.0)


def test_default_case_run_yields_cobalt_with_nickel():
    """`python run.py`: Terrafame's 39,511.8 t/yr of Ni + Co yields 1,551 t Co and 37,959 t Ni in
    2030 (39,511.8 x 0.03926 and x 0.9607), all used in the EU; Kevitsa yields 1.776 x 0.5587 =
    0.992 t Pt in 2030 and nothing from 2035; the cobalt extraction benchmark is out of reach:
    at most 0.9 (yield) x 1,551 = 1,396 t refined equivalent in 2030 vs 10 % x 29,596 t."""
    from pathlib import Path

    from model.pipeline import solve_workbook
    eu = Path(__file__).resolve().parent.parent / "inputs" / "eu_crma.xlsx"
    run = solve_workbook(eu)
    co = table(run, "coproducts")
    at = co.set_index(["group", "material", "year"])
    assert at.loc[("nickel_cobalt_mine", "cobalt", 2030), "yield_t"] == pytest.approx(39511.8 * 0.03926, rel=1e-4)
    assert at.loc[("nickel_cobalt_mine", "nickel", 2030), "used_t"] == pytest.approx(39511.8 * 0.9607, rel=1e-4)
    assert at.loc[("pgm_kevitsa", "platinum", 2030), "yield_t"] == pytest.approx(1.77586 * 0.5587, rel=1e-4)
    assert at.loc[("pgm_kevitsa", "platinum", 2035), "group_output_t"] == pytest.approx(0.0, abs=1e-9)
    bench = load(eu).table("benchmarks")[("extraction", "cobalt", "")]
    assert bench["enforcement"] == "soft" and "at most 1,396 t vs 10% x 58,062 t" in bench["note"]
