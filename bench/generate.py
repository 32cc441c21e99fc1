"""Synthetic but realistic instances for the benchmark (``bench/run.py``).

An instance is described by its size: materials, countries, years, scenarios, buyers. The data
follow the shape of the default EU case (``inputs/build_eu_case.py``) so that the model has the
same structure, only more of it:

* demand grows 2-8 %/yr from 50-50,000 t; end-of-life arisings are 30-70 % of demand, half
  collected;
* each material has a dominant refiner (60-80 % of world refining, the cheapest) and a handful of
  smaller refiners and miners drawn from the country list; availability is 1.5 x a country's
  share of EU demand (as HEADROOM in the EU case), prices rise up to 10 % above the incumbent's;
* refiners process ore from several origins (upstream shares), so the single-country cap at the
  extraction stage reaches through refined imports;
* the EU has existing processing capacity for two thirds of the materials, and technology rows
  for processing, recycling (all materials) and mining (a third, with a 6-year lead time and a
  reserve limit); optional module sizes make the model a MIP;
* a strategic stock for every material with a coverage rule (30-90 days of consumption, of net
  imports or of imports from the dominant refiner);
* the four CRMA benchmarks from 2030 with a ramp from 2027 (extraction and recycling soft with a
  penalty, processing on capacity and the single-country cap hard);
* scenarios are single-country disruptions (the dominant refiner, or a miner) of one material,
  severity 30-100 %, 1-2 years, price x1.5-3, probability 0.2-2 % each; ``nominal`` takes the
  rest;
* buyers split the demand in fixed shares (member states), for the joint-purchasing reports.

Everything is drawn from ``random.Random(seed)``: the same size and seed give the same workbook.

Use ``instance_rows(**size)`` for the sheets as dicts, ``write_instance(path, **size)`` for a
workbook (through ``model.io.template.write_input_workbook``, so that reading it takes the user's
path), and ``model_data(**size)`` for a validated ``ModelData`` (written to a temporary workbook
and loaded).
"""
from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import registry as R  # noqa: E402
from model.io.template import write_input_workbook  # noqa: E402

FIRST_YEAR = 2025
BENCH_START, RAMP_FROM = 2030, 2027


def _countries(n: int) -> list[str]:
    """Third-country ids C001.. (n of them); the EU is added by the caller."""
    return [f"C{i:03d}" for i in range(1, n + 1)]


def instance_rows(materials=5, countries=10, years=16, scenarios=1, buyers=0, seed=0, modules=False,
                  refiners=6, miners=4, case_name=None) -> tuple[dict, dict, dict]:
    """(sets, rows, settings) of one synthetic instance, for ``write_input_workbook``.

    ``scenarios`` counts all scenarios including ``nominal`` (1: deterministic). ``refiners`` and
    ``miners`` are the third countries per material offering refined material and ore (capped by
    ``countries``). ``modules``: EU processing in whole plants (a MIP).
    """
    rng = random.Random(seed)
    mats = [f"m{i:03d}" for i in range(1, materials + 1)]
    third = _countries(countries)
    yrs = list(range(FIRST_YEAR, FIRST_YEAR + years))
    sets = {"material": mats, "country": [R.DOMESTIC] + third, "stage": list(R.STAGES), "year": yrs}
    rows: dict[str, list] = {k: [] for k in ("materials", "demand", "supply", "upstream", "technology",
                                             "capacity_existing", "stockpile", "benchmarks", "scenarios",
                                             "disruptions", "buyers")}
    src = dict(source="bench/generate.py (synthetic)", confidence="C")
    dominant, offers = {}, {}
    for i, mm in enumerate(mats):
        price = 10 ** rng.uniform(4.0, 6.3)  # 10 kEUR/t .. 2 MEUR/t
        d0 = 10 ** rng.uniform(1.7, 4.7)     # 50 .. 50,000 t
        g = rng.uniform(0.02, 0.08)
        y_p = round(rng.uniform(0.85, 0.97), 3)
        rows["materials"].append(dict(material=mm, voll=round(10 * price), processing_yield=y_p,
                                      recycling_yield=round(rng.uniform(0.7, 0.95), 3), **src))
        demand = {t: round(d0 * (1 + g) ** (t - FIRST_YEAR), 3) for t in yrs}
        eol = rng.uniform(0.3, 0.7)
        for t in yrs:
            rows["demand"].append(dict(material=mm, year=t, demand=demand[t],
                                       eol_arising=round(eol * demand[t], 3), collection_rate=0.5, **src))
        ref = rng.sample(third, min(refiners, len(third)))
        ore = rng.sample(third, min(miners, len(third)))
        dominant[mm] = ref[0]
        # world shares: the dominant refiner 60-80 %, the rest split at random
        top = rng.uniform(0.6, 0.8)
        rest = [rng.random() + 0.1 for _ in ref[1:]]
        shares = {ref[0]: top, **{c: (1 - top) * r / sum(rest) for c, r in zip(ref[1:], rest)}} \
            if rest else {ref[0]: 1.0}
        offers[mm] = {"processing": ref, "extraction": ore}
        for c in ref:
            premium = 1.0 + 0.10 * (1.0 - shares[c] / top)
            for t in yrs:
                rows["supply"].append(dict(material=mm, country=c, stage="processing", year=t,
                                           available=round(1.5 * shares[c] * demand[t], 3),
                                           price=round(price * premium, 2), **src))
        ore_price = 0.6 * y_p * price
        for j, c in enumerate(ore):
            for t in yrs:
                rows["supply"].append(dict(material=mm, country=c, stage="extraction", year=t,
                                           available=round(0.4 * demand[t] / y_p / (j + 1), 3),
                                           price=round(ore_price * (1 + 0.03 * j), 2), **src))
        # the dominant refiner processes ore from itself and two or three miners
        origins = [ref[0]] + [c for c in ore[:3] if c != ref[0]]
        w = [rng.random() + 0.2 for _ in origins]
        parts = [round(x / sum(w), 6) for x in w]
        parts[-1] = round(1.0 - sum(parts[:-1]), 6)
        for o, s in zip(origins, parts):
            rows["upstream"].append(dict(material=mm, country=ref[0], origin=o, share=s, **src))
        # EU capacity
        cap30 = demand[min(BENCH_START, yrs[-1])]
        proc_mod = round(0.07 * cap30, 3) if modules else None
        rows["technology"].append(dict(
            material=mm, stage="processing", capex=round(2.5 * price), fixed_om=round(0.075 * price),
            variable_om=round(0.25 * price), lifetime=25, lead_time=3,
            max_build_per_year=round(0.25 * cap30, 3), module_size=proc_mod, **src))
        rows["technology"].append(dict(
            material=mm, stage="recycling", capex=round(1.5 * price), fixed_om=round(0.045 * price),
            variable_om=round(0.6 * price), lifetime=15, lead_time=2,
            max_build_per_year=round(0.25 * cap30, 3), **src))
        if i % 3 == 0:
            rows["technology"].append(dict(
                material=mm, stage="extraction", capex=round(1.0 * price), fixed_om=round(0.03 * price),
                variable_om=round(0.5 * price), lifetime=20, lead_time=6,
                max_build_per_year=round(0.10 * cap30, 3), max_capacity=round(0.3 * cap30, 3), **src))
        if i % 3 != 2:
            base = rng.uniform(0.05, 0.2) * demand[yrs[0]]
            for t in yrs:
                rows["capacity_existing"].append(dict(material=mm, stage="processing", year=t,
                                                      capacity=round(base, 3), **src))
        basis = ("consumption", "net_imports", "imports_from")[i % 3]
        rows["stockpile"].append(dict(
            material=mm, holding_cost=round(0.02 * price, 2), coverage_days=30 + 30 * (i % 3),
            coverage_basis=basis, coverage_country=ref[0] if basis == "imports_from" else None,
            coverage_from_year=min(2027, yrs[-1]), max_stock=round(0.5 * demand[yrs[-1]], 3), **src))
    last = yrs[-1]
    start = min(BENCH_START, last)
    ramp = RAMP_FROM if RAMP_FROM < start and RAMP_FROM >= yrs[0] else None
    crma = dict(source="Regulation (EU) 2024/1252, Art. 5", confidence="A")
    rows["benchmarks"] = [
        dict(benchmark="extraction", material="all", level=0.10, start_year=start, ramp_from_year=ramp,
             enforcement="soft", penalty=1e6, **crma),
        dict(benchmark="processing", material="all", level=0.40, start_year=start, ramp_from_year=ramp,
             basis="capacity", **crma),
        dict(benchmark="recycling", material="all", level=0.25, start_year=start, basis="flow",
             enforcement="soft", penalty=1e6, **crma),
        dict(benchmark="single_country", material="all", level=0.65, start_year=start, **crma),
    ]
    # scenarios: single-country disruptions
    n_events = max(0, scenarios - 1)
    if n_events:
        rows["scenarios"].append(dict(scenario="nominal", probability=None, description="no disruption"))
        probs = [rng.uniform(0.002, 0.02) for _ in range(n_events)]
        scale = min(1.0, 0.5 / sum(probs))  # disruptions hold at most half of the probability
        probs = [round(p * scale, 8) for p in probs]
        rows["scenarios"][0]["probability"] = round(1.0 - sum(probs), 8)
        for j in range(n_events):
            mm = rng.choice(mats)
            stage = "processing" if rng.random() < 0.75 else "extraction"
            c = dominant[mm] if stage == "processing" else rng.choice(offers[mm]["extraction"])
            s = f"s{j + 1:04d}"
            rows["scenarios"].append(dict(scenario=s, probability=probs[j],
                                          description=f"{c} cuts {mm} ({stage})"))
            rows["disruptions"].append(dict(
                scenario=s, material=mm, country=c, stage=stage,
                start_year=float(rng.randint(yrs[0], last)) + rng.choice((0.0, 0.5)),
                duration=rng.choice((1.0, 1.5, 2.0)), severity=rng.choice((0.3, 0.5, 1.0)),
                price_multiplier=rng.choice((1.5, 2.0, 3.0)), **src))
    # buyers: member states with fixed shares of every demand row; the last takes the remainder
    if buyers:
        w = [rng.random() + 0.5 for _ in range(buyers)]
        shares = [x / sum(w) for x in w]
        for d in rows["demand"]:
            acc = 0.0
            for j in range(buyers):
                v = round(d["demand"] * shares[j], 6) if j < buyers - 1 else round(d["demand"] - acc, 6)
                acc += v
                rows["buyers"].append(dict(buyer=f"B{j + 1:02d}", material=d["material"], year=d["year"],
                                           demand=v, **src))
    rows = {k: v for k, v in rows.items() if v}
    name = case_name or f"bench_m{materials}_c{countries}_t{years}_w{scenarios}_b{buyers}"
    settings = {"case_name": name, "discount_rate": 0.04, "stochastic_reports": "no",
                "purchasing_reports": "yes" if buyers > 1 else "no"}
    return sets, rows, settings


def write_instance(path, **size) -> Path:
    """Write the workbook of one synthetic instance (see ``instance_rows`` for the sizes)."""
    sets, rows, settings = instance_rows(**size)
    return write_input_workbook(path, sets=sets, rows=rows, settings=settings)


def model_data(**size):
    """A validated ModelData of one synthetic instance (through a temporary workbook)."""
    from model.validate import load

    with tempfile.TemporaryDirectory() as tmp:
        path = write_instance(Path(tmp) / "instance.xlsx", **size)
        return load(path)


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="write a synthetic instance workbook")
    p.add_argument("path")
    for k, v in (("materials", 5), ("countries", 10), ("years", 16), ("scenarios", 1), ("buyers", 0),
                 ("seed", 0)):
        p.add_argument(f"--{k}", type=int, default=v)
    p.add_argument("--modules", action="store_true")
    a = p.parse_args(argv)
    path = write_instance(a.path, materials=a.materials, countries=a.countries, years=a.years,
                          scenarios=a.scenarios, buyers=a.buyers, seed=a.seed, modules=a.modules)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
