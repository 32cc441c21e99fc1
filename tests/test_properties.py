"""Property-based tests that check answers, not exit codes: metamorphic relations on random cases
with several materials, years, countries and disruption scenarios (hypothesis).

- every price (every EUR coefficient) multiplied by k multiplies the cost by k;
- permuting the rows of every sheet, and declaring a country that offers nothing, change nothing;
- renaming a material changes only names;
- lowering a benchmark never raises the cost.

Each example is written as a workbook and read back, so the relations hold for what a user runs.
"""
from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from model import registry as R
from model.errors import ModelError
from model.pipeline import solve_data
from model.validate import load
from tests.helpers import write_case

FAST = {"discount_rate": 0.03, "stochastic_reports": "no", "purchasing_reports": "no", "mip_gap": 1e-9}
# no shrinking: every example is a solve, and the first failing one is readable as it is
EXAMPLES = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "10")), deadline=None, derandomize=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


EUR_COLUMNS = {(t.sheet, c.name) for t in R.TABLES for c in t.values
               if c.kind == "number" and c.unit.startswith("EUR")}


@st.composite
def cases(draw):
    """A random valid LP case: 2-3 materials, 2-4 years, 2-3 third countries, 0-2 disruption scenarios."""
    n_m = draw(st.integers(2, 3))
    materials = [f"m{i}" for i in range(n_m)]
    countries = ["CN", "AU", "US"][:draw(st.integers(2, 3))]
    years = list(range(2030, 2030 + draw(st.integers(2, 4))))
    # rounded: a quantity is 0 or at least 1e-6 t (the input contract), and tiny floats are not data
    num = lambda lo, hi: round(draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)), 4)  # noqa: E731
    rows = {k: [] for k in ("materials", "demand", "supply", "technology", "stockpile", "benchmarks",
                            "scenarios", "disruptions", "capacity_existing")}
    for m in materials:
        rows["materials"].append({"material": m, "voll": num(2e3, 1e5), "processing_yield": num(0.5, 1.0),
                                  "recycling_yield": num(0.3, 1.0)})
        for t in years:
            rows["demand"].append({"material": m, "year": t, "demand": num(10, 1000),
                                   "eol_arising": num(0, 300), "collection_rate": num(0, 0.8)})
            for c in countries:
                rows["supply"].append({"material": m, "country": c, "stage": "processing", "year": t,
                                       "price": num(1, 900), "available": num(20, 2000)})
            rows["supply"].append({"material": m, "country": countries[-1], "stage": "extraction", "year": t,
                                   "price": num(1, 300), "available": num(0, 500)})
        rows["technology"].append({"material": m, "stage": "processing", "capex": num(0, 3000),
                                   "fixed_om": num(0, 100), "variable_om": num(0, 200),
                                   "lead_time": draw(st.integers(0, 1))})
        rows["technology"].append({"material": m, "stage": "recycling", "capex": num(0, 3000),
                                   "variable_om": num(0, 200)})
        rows["stockpile"].append({"material": m, "holding_cost": num(0, 50), "coverage_days": num(0, 60)})
        if draw(st.booleans()):
            rows["capacity_existing"].append({"material": m, "stage": "processing", "year": years[0],
                                              "capacity": num(0, 100)})
    rows["benchmarks"] = [
        {"benchmark": "processing", "material": "all", "level": num(0.05, 0.4), "start_year": years[-1],
         "enforcement": "soft", "penalty": num(1e3, 1e5)},
        {"benchmark": "recycling", "material": materials[0], "level": num(0.0, 0.1), "start_year": years[-1]},
        {"benchmark": "single_country", "material": "all", "level": 0.65, "start_year": years[-1],
         "enforcement": "soft", "penalty": num(1e3, 1e5)},
    ]
    for s in range(draw(st.integers(0, 2))):
        name = f"cut{s}"
        rows["scenarios"].append({"scenario": name, "probability": num(0.05, 0.3)})
        rows["disruptions"].append({"scenario": name, "material": "all" if s else materials[0],
                                    "country": countries[s % len(countries)], "stage": "processing",
                                    "start_year": float(years[-1]), "duration": 1.0,
                                    "severity": num(0.2, 1.0), "price_multiplier": num(1.0, 3.0)})
    # distinct costs: hypothesis likes boundary values, and equal costs make optima degenerate (two
    # plans of the same cost), where the relations on tables would compare one plan with another
    n = 0
    for sheet, recs in rows.items():
        for rec in recs:
            for c, v in rec.items():
                if (sheet, c) in EUR_COLUMNS:
                    n += 1
                    rec[c] = v + 0.001 * n
    return dict(materials=materials, countries=countries, years=years, rows=rows)


def _solve(tmp_path, case, name="case.xlsx"):
    path = write_case(tmp_path / name, settings=FAST, **case)
    try:
        return solve_data(load(path))
    except ModelError:
        return None


def _close(a: float, b: float, rel=1e-6) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@EXAMPLES
@given(case=cases(), k=st.sampled_from([0.001, 0.5, 3.0, 1000.0]))
def test_every_price_times_k_multiplies_the_cost_by_k(tmp_path_factory, case, k):
    tmp = tmp_path_factory.mktemp("k")
    base = _solve(tmp, case)
    assert base is not None, "the generated cases are feasible"
    scaled = {sheet: [{c: (v * k if (sheet, c) in EUR_COLUMNS else v) for c, v in rec.items()} for rec in recs]
              for sheet, recs in case["rows"].items()}
    run = _solve(tmp, dict(case, rows=scaled), "scaled.xlsx")
    assert _close(run.solution.objective, k * base.solution.objective), (run.solution.objective, base.solution.objective)
    a = base.results["cost_summary"].set_index(["material", "component"])["present_value_eur"]
    b = run.results["cost_summary"].set_index(["material", "component"])["present_value_eur"]
    assert ((b - k * a).abs() <= 1e-6 * max(1.0, abs(k * base.solution.objective))).all()


@EXAMPLES
@given(case=cases(), seed=st.integers(0, 10**6))
def test_permuting_rows_and_adding_an_unused_country_change_nothing(tmp_path_factory, case, seed):
    tmp = tmp_path_factory.mktemp("p")
    base = _solve(tmp, case)
    rng = random.Random(seed)
    shuffled = {sheet: rng.sample(recs, len(recs)) for sheet, recs in case["rows"].items()}
    other = dict(case, rows=shuffled, countries=case["countries"] + ["ZZ"],
                 materials=rng.sample(case["materials"], len(case["materials"])))
    run = _solve(tmp, other, "shuffled.xlsx")
    assert _close(run.solution.objective, base.solution.objective, 1e-7)
    for name in ("cost_summary", "unmet"):
        keys = [c for c in ("scenario", "material", "year", "component") if c in base.results[name].columns]
        a = base.results[name].sort_values(keys).reset_index(drop=True)
        b = run.results[name].sort_values(keys).reset_index(drop=True)
        assert list(a[keys].itertuples(index=False)) == list(b[keys].itertuples(index=False))
        num = [c for c in a.columns if c not in keys and a[c].dtype.kind == "f"]
        scale = max(1.0, abs(base.solution.objective))
        assert ((a[num] - b[num]).abs() <= 1e-6 * scale).all().all(), name


@EXAMPLES
@given(case=cases(), new=st.sampled_from(["zz_last", "a_first", "Gallium-2", "m1x"]))
def test_renaming_a_material_changes_only_names(tmp_path_factory, case, new):
    tmp = tmp_path_factory.mktemp("r")
    base = _solve(tmp, case)
    old = case["materials"][0]
    ren = lambda v: new if v == old else v  # noqa: E731
    rows = {sheet: [{c: (ren(v) if c == "material" else v) for c, v in rec.items()} for rec in recs]
            for sheet, recs in case["rows"].items()}
    run = _solve(tmp, dict(case, rows=rows, materials=[ren(m) for m in case["materials"]]), "renamed.xlsx")
    assert _close(run.solution.objective, base.solution.objective, 1e-7)
    for name in ("cost_summary", "unmet", "compliance"):
        a = base.results[name].copy()
        b = run.results[name].copy()
        b["material"] = b["material"].map(lambda v: old if v == new else v)
        assert new not in set(a["material"])
        keys = [c for c in ("scenario", "material", "year", "benchmark", "stage", "component") if c in a.columns]
        a = a.sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
        assert list(a.columns) == list(b.columns)
        for c in a.columns:
            if a[c].dtype.kind == "f":
                bad = (a[c] - b[c]).abs() > 1e-6 * max(1.0, abs(base.solution.objective))
                assert not bad.any(), (name, c, a.loc[bad].head(3).to_dict("records"), b.loc[bad, c].head(3).tolist())
            else:
                assert list(a[c]) == list(b[c]), (name, c)


@EXAMPLES
@given(case=cases(), factor=st.floats(0.0, 0.99), which=st.integers(0, 2))
def test_lowering_a_benchmark_never_raises_the_cost(tmp_path_factory, case, factor, which):
    tmp = tmp_path_factory.mktemp("b")
    base = _solve(tmp, case)
    rows = dict(case["rows"])
    rows["benchmarks"] = [dict(rec) for rec in rows["benchmarks"]]
    rec = rows["benchmarks"][which]
    if rec["benchmark"] == "single_country":
        rec["level"] = 1.0 - factor * (1.0 - rec["level"])  # a cap is lowered in force by raising it
    else:
        rec["level"] *= factor
    run = _solve(tmp, dict(case, rows=rows), "lower.xlsx")
    assert run is not None
    assert run.solution.objective <= base.solution.objective + 1e-7 * max(1.0, abs(base.solution.objective))


def test_the_generated_cases_have_several_materials_years_and_scenarios():
    """The strategy reaches the shapes the relations are meant for (not a one-material case)."""
    seen = set()

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(case=cases())
    def record(case):
        seen.add((len(case["materials"]), len(case["years"]), len(case["rows"]["scenarios"])))

    record()
    assert any(m >= 2 and y >= 3 and s >= 1 for m, y, s in seen)
    assert max(m for m, _, _ in seen) == 3 and max(y for _, y, _ in seen) == 4
