"""Technology-driven demand of the default EU case: EV batteries by chemistry (lithium, nickel,
cobalt; manganese and natural graphite in inputs/eu_tech_products.py with the magnets, PV and
electrolysers; grid storage, fuel-cell cars, steel and the shares of use in inputs/eu_tech_other.py),
two demand scenarios (steps, aps), and the 'other uses' of each material.

Read from ``data/reference/technologies.csv`` (grades per row) and, for the other uses and their
recycling, from the default case's own demand and end-of-life rules (inputs/eu_derive.py,
inputs/eu_capacity.py). Writes the sheets products, deployment and intensity
(``technology_rows``); ``python inputs/eu_technologies.py`` prints, per demand scenario and
material, the demand by technology in 2030 and 2040 and the first year in which the recyclable
end-of-life feedstock reaches 25 % of consumption (docs/results-eu.md).

Rules (grade C unless a source is named; docs/data.md discusses them):

* EU EV battery deployment (GWh/yr): 124 GWh in 2024 (EU-27; technologies.csv, C: 13 % x IEA's
  950 GWh world); IEA's 185 GWh for 2023 is the region Europe (with the UK and EFTA) and is shown,
  not used. 2030: 443 GWh (scenario steps, Commission estimate c. 2021, B) or 1,000 GWh (scenario
  aps, Link et al. 2025, Europe, B); geometric between 2024 and 2030; after 2030 the growth of
  world lithium demand for EV batteries 2030 -> 2040 in IEA's STEPS (steps) or APS (aps)
  (A, a world proxy for the EU: C).
* History: deployment grew geometrically into 2024 from 2010 at the rate that puts 124 x 5.87 /
  1.448 = 503 GWh in use at the end of 2024 (the BEV fleet 5.87 million over 2024 BEV registrations
  1.448 million, both B, times the 2024 GWh: the batteries in use scale with the fleet).
* Chemistry: LFP 10 % of EU EV batteries (2024, B, a lower bound), held flat; the rest NMC, split
  equally between NMC811 and NMC622 (no EU split in the data). Intensities: BatPaC 5.1 (A; kg per kWh
  x 1,000 = t per GWh), held flat.
* Lifetime: normal, mean 15 years, sd 4 (Busch et al. 2024 baseline, A; their logistic curve is
  taken as normal: C). Collection 73 % (the Batteries Regulation's 2030 target for portable
  batteries, B: a lower bound for EV batteries, as the default case uses). Recycling efficiency:
  the Regulation's material recovery targets from end-2031 (Li 80 %, Co and Ni 95 %, B).
* Other uses: the default case's 2025 consumption of the material minus the 2025 technology inflow,
  held flat (C; 0 where the named technologies exceed the consumption, a data conflict the row's note
  states: manganese), intensity 1 t/t, fixed lifetime 10 years (C), history flat from 2000; collection
  chosen so that collection x the metal's recycling yield = its EoL-RIR (the default case's
  calibration of today's recycling, C).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inputs.eu_common import ASSUMPTION, FIRST, YEARS, Ref, _short, row, sig  # noqa: E402
from inputs.eu_tech_other import conflict_note, fuel_cell, grid_storage, share_products, steel  # noqa: E402
from inputs.eu_tech_products import battery_extra, electrolyser, ev_motor, solar, wind  # noqa: E402

TECH_CSV = ROOT / "data" / "reference" / "technologies.csv"
METALS = ("lithium", "nickel", "cobalt")
# every material whose demand the default case takes from technologies (inputs/eu_tech_products.py)
MATERIALS = ("lithium", "nickel", "cobalt", "manganese", "graphite_natural", "ndpr", "dytb", "silicon_metal",
             "gallium", "germanium", "platinum")
CHEMISTRIES = {"ev_battery_nmc811": None, "ev_battery_nmc622": None, "ev_battery_lfp": None}
# demand scenario -> (EU 2030 battery anchor, IEA scenario whose growth continues it after 2030)
SCENARIOS = {"steps": ("EC-2021-estimate", "IEA2025-STEPS"), "aps": ("Link2025-median", "IEA2025-APS")}
DEFAULT_SCENARIO = "steps"
DEMAND_PROBABILITY = {"steps": 0.5, "aps": 0.5}  # C: no ground to favour either
HISTORY_FROM = 2010
KG_PER_KWH_TO_T_PER_GWH = 1000.0  # 1 GWh = 10^6 kWh; 1 t = 1,000 kg
OTHER_LIFETIME = 10
OTHER_HISTORY_FROM = 2000
LFP_SHARE_NOTE = "LFP 10 % (2024, B, lower bound) held flat; NMC811 and NMC622 45 % each (C: no EU split)"


def _scen(r) -> str:
    return r["note"].split(";")[0].replace("scenario=", "").strip()


class Tech(Ref):
    """technologies.csv, with a look-up by the scenario named first in the note."""

    def __init__(self, path=TECH_CSV):
        super().__init__(path)

    def pick(self, scenario: str, **kw) -> dict:
        rows = [r for r in self.find(**kw) if _scen(r) == scenario]
        if len(rows) != 1:
            raise LookupError(f"technologies.csv: expected one row for {kw}, scenario {scenario}; found {len(rows)}")
        return rows[0]


def _geo_rate(total: float, last: float, n: int) -> float:
    """q such that last x (1 + q^-1 + ... + q^-(n-1)) = total (deployment growing into ``last``)."""
    lo, hi = 1.0 + 1e-9, 10.0
    for _ in range(200):
        q = (lo + hi) / 2
        s = sum(last * q ** -k for k in range(n))
        lo, hi = (q, hi) if s > total else (lo, q)
    return (lo + hi) / 2


def battery_deployment(tech: Tech) -> tuple[dict, dict]:
    """{scenario or 'all': {year: GWh}}, and the provenance (sources, grade, note) per scenario."""
    d24 = tech.pick("historical", parameter="deployment", stage="ev_battery", year="2024", country="EU")
    fleet = tech.pick("historical", parameter="installed_stock", stage="ev_car_bev", year="2024")
    regs = [r for r in tech.find(parameter="deployment", stage="ev_car_bev", year="2024") if "ACEA" in r["source"]][0]
    in_use = d24["value"] * fleet["value"] / regs["value"]
    q = _geo_rate(in_use, d24["value"], 2024 - HISTORY_FROM + 1)
    hist = {y: d24["value"] * q ** (y - 2024) for y in range(HISTORY_FROM, 2025)}
    out = {"all": hist}
    prov = {"all": ([_short(d24["source"]), _short(fleet["source"]), _short(regs["source"])], "C",
                    f"{d24['value']:g} GWh in 2024 (EU-27, {d24['confidence']}); before: geometric, "
                    f"x{q:.4f}/yr back to {HISTORY_FROM}, so that {in_use:,.0f} GWh are in use at the end of "
                    f"2024 = 2024 GWh x BEV fleet {fleet['value']:g} M / 2024 BEV registrations "
                    f"{regs['value']:g} M (both B)")}
    for name, (s30, s_iea) in SCENARIOS.items():
        a30 = tech.pick(s30, parameter="deployment", stage="ev_battery", year="2030")
        l30 = tech.pick(s_iea, parameter="tech_demand", material="lithium", stage="ev_battery", year="2030")
        l40 = tech.pick(s_iea, parameter="tech_demand", material="lithium", stage="ev_battery", year="2040")
        g1 = (a30["value"] / d24["value"]) ** (1 / 6)
        g2 = (l40["value"] / l30["value"]) ** (1 / 10)
        out[name] = {y: d24["value"] * g1 ** (y - 2024) if y <= 2030 else a30["value"] * g2 ** (y - 2030)
                     for y in YEARS}
        prov[name] = ([_short(a30["source"]), _short(l30["source"])], "C",
                      f"scenario {name}: {a30['value']:g} GWh/yr in 2030 ({s30}, {a30['confidence']}); "
                      f"2025-2030 geometric from 2024 ({g1 - 1:.1%}/yr); after 2030 the growth of world "
                      f"lithium demand for EV batteries in IEA {s_iea.split('-')[1]} 2030->2040 "
                      f"({l30['value']:g} -> {l40['value']:g} kt, A) = {g2 - 1:.2%}/yr (world proxy: C)")
    return out, prov


def technology_rows(ref: Ref, demand: dict, recycling: dict) -> dict:
    """The sheets products, deployment and intensity of the battery metals.

    ``demand[m]``: the default case's demand path of metal m ({year: t}); ``recycling[m]``: its
    recycling_params (yield 'y', EoL-RIR 'f0', 'sources')."""
    tech = Tech()
    dep, prov = battery_deployment(tech)
    lfp = tech.pick("historical", parameter="market_share", stage="ev_battery_lfp", country="EU")
    shares = {"ev_battery_lfp": lfp["value"], "ev_battery_nmc811": (1 - lfp["value"]) / 2,
              "ev_battery_nmc622": (1 - lfp["value"]) / 2}
    life = tech.pick("Busch2024-baseline", parameter="lifetime_mean", stage="ev_battery")
    sd = tech.pick("Busch2024-baseline", parameter="lifetime_sd", stage="ev_battery")
    coll = ref.find(parameter="collection_rate", material="battery_portable")
    coll30 = [r for r in coll if r["year"] == "2030"][0]
    rows = {"products": [], "deployment": [], "intensity": []}
    for p, share in shares.items():
        rows["products"].append(row(
            dict(product=p, unit="GWh", lifetime_model="normal", lifetime=life["value"], lifetime_sd=sd["value"],
                 collection_rate=coll30["value"], description=f"EV traction batteries, {p.split('_')[-1].upper()} "
                 "cathode (passenger cars)"),
            [_short(life["source"]), _short(coll30["source"])], "C",
            f"lifetime normal(mean {life['value']:g}, sd {sd['value']:g}) years (Busch et al. 2024 baseline, A; "
            f"logistic taken as normal: C); collection {coll30['value']:g} = the Batteries Regulation's 2030 "
            "portable-battery target (B), a lower bound for EV batteries", "2024"))
        for scen, path in dep.items():
            srcs, grade, note = prov[scen]
            for y, v in path.items():
                if scen != "all" and y < FIRST:
                    continue
                rows["deployment"].append(row(
                    dict(demand_scenario=scen, product=p, year=y, deployment=sig(v * share)),
                    srcs + [_short(lfp["source"])], "C", f"{note}; x chemistry share {share:.2f} ({LFP_SHARE_NOTE})",
                    "2024"))
        for m in METALS:
            r = tech.one(parameter="material_intensity", material=m, stage=p)
            eff = _efficiency(tech, m)
            rows["intensity"].append(row(
                dict(product=p, material=m, intensity=sig(r["value"] * KG_PER_KWH_TO_T_PER_GWH), annual_change=0.0,
                     base_year=2024,
                     recycling_efficiency=eff["value"]),
                [_short(r["source"]), _short(eff["source"])], "B",
                f"{r['value']:g} kg {m} per kWh (BatPaC 5.1, {r['confidence']}) x 1,000 = t per GWh, held flat; "
                f"recycling efficiency {eff['value']:g}: Batteries Regulation recovery target from end-2031 "
                f"({eff['confidence']}; {_efficiency(tech, m, '2027')['value']:g} from end-2027)", "2024"))
    rows["intensity"] += battery_extra(tech, shares)
    for more in (ev_motor(tech, dep, recycling), wind(tech, recycling), solar(tech, recycling),
                 electrolyser(tech, recycling), grid_storage(tech, _efficiency_of(tech)),
                 fuel_cell(tech, recycling), steel(tech, recycling)):
        _add(rows, more)
    # end uses known as a share of use (their gallium share includes the PV rows' solar cells)
    consumption = {m: demand[m][FIRST] for m in MATERIALS}
    _add(rows, share_products(tech, recycling, consumption, inflow_of(rows, FIRST)))
    # other uses of each material: the default case's 2025 consumption minus the 2025 technology inflow;
    # where the named technologies exceed it (a data conflict, docs/data.md), none and the demand follows them
    inflow25 = inflow_of(rows, FIRST)
    for m in MATERIALS:
        rec = recycling[m]
        other = max(0.0, consumption[m] - inflow25[m])
        conflict = conflict_note(m, consumption[m], inflow25[m]) if inflow25[m] > consumption[m] else ""
        p = f"other_uses_{m}"
        c = min(1.0, rec["f0"] / rec["y"].value) if rec["y"].value > 0 else 0.0
        rows["products"].append(row(
            dict(product=p, unit="t", lifetime_model="fixed", lifetime=OTHER_LIFETIME, collection_rate=sig(c, 4),
                 description=f"all other uses of {m} (1 t of {m} per unit)"),
            rec["sources"] + [ASSUMPTION], "C",
            f"lifetime {OTHER_LIFETIME} years fixed (C); collection = EoL-RIR {rec['f0']:g} / recycling yield "
            f"{rec['y'].value:g} (C: today's recycling of the default case)"))
        rows["intensity"].append(row(
            dict(product=p, material=m, intensity=1.0, recycling_efficiency=sig(rec["y"].value)),
            [ASSUMPTION] + rec["y"].sources, "C", "1 t per t; recycling efficiency = the metal's recycling yield"))
        for y in range(OTHER_HISTORY_FROM, YEARS[-1] + 1):
            rows["deployment"].append(row(
                dict(demand_scenario="all", product=p, year=y, deployment=sig(other)),
                [ASSUMPTION], "C", conflict or f"the default case's 2025 consumption {demand[m][FIRST]:,.6g} t minus "
                f"the technology inflow of 2025 ({inflow25[m]:,.6g} t, scenario {DEFAULT_SCENARIO}), held flat "
                f"{OTHER_HISTORY_FROM}-{YEARS[-1]}"))
    return rows


def _add(rows: dict, more: dict) -> None:
    for sheet, rs in more.items():
        rows[sheet] += rs


def inflow_of(rows: dict, year: int, scenario: str = DEFAULT_SCENARIO) -> dict:
    """{material: t} that the products of these rows take in ``year`` (demand scenario ``scenario``)."""
    base = flows(rows, scenario, MATERIALS)
    return {m: float(base.inflow[base.at(year), :, base.materials.index(m)].sum()) for m in MATERIALS}


def _efficiency_of(tech: Tech):
    return lambda m: _efficiency(tech, m)


def _efficiency(tech: Tech, m: str, year: str = "2031") -> dict:
    return tech.pick("EU-BatteriesReg", parameter="recycling_efficiency", material=m, stage="ev_battery", year=year)


def case_inputs(ref: Ref | None = None):
    """(rows of the sheets products, deployment, intensity and demand_scenarios, settings) for the
    default case's technology-driven materials."""
    from inputs.eu_capacity import recycling_params
    from inputs.eu_derive import demand_of

    ref = ref or Ref()
    demand = {m: demand_of(ref, m)[0] for m in MATERIALS}
    recycling = {m: recycling_params(ref, m, demand[m]) for m in MATERIALS}
    rows = technology_rows(ref, demand, recycling)
    rows["demand_scenarios"] = [row(
        dict(demand_scenario=d, probability=p, description=f"EU 2030 EV batteries {SCENARIOS[d][0]}, IEA "
             f"{SCENARIOS[d][1].split('-')[1]} growth after 2030; the other technologies' {d} paths"),
        [ASSUMPTION], "C", "equal probabilities: no ground in the data to favour either") for d, p in
        DEMAND_PROBABILITY.items()]
    return rows, {"demand_scenario": DEFAULT_SCENARIO}


def _beyond(tech, k: int):
    """The first year the recyclable feedstock of material k reaches 25 % of its demand."""
    feed, tot = tech.feedstock[:, k], tech.inflow[:, :, k].sum(axis=1)
    got = [y for i, y in enumerate(tech.years) if y >= 2025 and tot[i] > 0 and feed[i] >= 0.25 * tot[i]]
    return got[0] if got else None


def _first(data, part, total, tech):
    """The first horizon year with part >= 25 % of total (None: none)."""
    got = [t for t in data.years if part[tech.at(t)] >= 0.25 * total[tech.at(t)]]
    return got[0] if got else None


BEYOND = 2070  # the report's look past the horizon: deployment held at its last level (C)


def extended(data, last: int = BEYOND):
    """The data with the years to ``last`` and every product's deployment held at its level of the
    horizon's last year after it (for the report only: when the benchmark would become reachable)."""
    dep = data.table_copy("deployment")
    end = data.years[-1]
    for (s, p, y), rec in list(dep.items()):
        if y == end:
            for t in range(end + 1, last + 1):
                dep[(s, p, t)] = dict(rec)
    new = data.derived(deployment=dep)
    new.years = list(range(data.years[0], last + 1))
    return new


def report(path) -> str:
    """The two tables of docs/results-eu.md, "Technology-driven demand": demand by technology in 2030
    and 2040 per demand scenario (t), and per material the recyclable feedstock as a share of
    consumption, the first year it reaches 25 % (by the horizon, and with deployment held at its last
    level to ``BEYOND``) and the scrap of the named products (all but 'other uses') over their sales in 2040."""
    from model.demand import demand_scenarios, technology_flows
    from model.validate import load

    data = load(path)
    scens = sorted(demand_scenarios(data), key=lambda s: s != DEFAULT_SCENARIO)  # the run's first
    tech = {s: technology_flows(data, s) for s in scens}
    far = {s: technology_flows(extended(data), s) for s in scens}
    t0 = tech[scens[0]]
    cols = [(s, y) for s in scens for y in (2030, 2040)]
    lines = ["| material | technology | " + " | ".join(f"{s} {y}" for s, y in cols) + " |",
             "|---|---|" + "---:|" * len(cols)]
    rec = ["", "| material | feedstock / consumption 2030 (" + " / ".join(scens) + ") | 2040 | 25 % first reached by "
           f"{data.years[-1]} | ... deployment held after {data.years[-1]} | named products' scrap / sales 2040 |",
           "|---|---:|---:|---|---|---:|"]
    for k, m in enumerate(t0.materials):
        for j, p in enumerate(t0.products):
            if t0.intensity[:, j, k].any():
                name = "other uses" if p.startswith("other_uses") else p
                lines.append(f"| {m} | {name} | " + " | ".join(
                    f"{tech[s].inflow[tech[s].at(y), j, k]:,.0f}" for s, y in cols) + " |")
        lines.append(f"| **{m}** | **total** | " + " | ".join(
            f"**{tech[s].inflow[tech[s].at(y), :, k].sum():,.0f}**" for s, y in cols) + " |")
        cells = {"f30": [], "f40": [], "by": [], "beyond": [], "scrap": []}
        for s in scens:
            t = tech[s]
            tot = t.inflow[:, :, k].sum(axis=1)
            feed = t.feedstock[:, k]
            new = [j for j, p in enumerate(t.products) if not p.startswith("other_uses")]
            i30, i40 = t.at(2030), t.at(2040)
            cells["f30"].append(f"{feed[i30] / tot[i30]:.1%}")
            cells["f40"].append(f"{feed[i40] / tot[i40]:.1%}")
            cells["by"].append(str(_first(data, feed, tot, t) or "none"))
            cells["beyond"].append(str(_beyond(far[s], k) or f"none by {BEYOND}"))
            sales = t.inflow[i40, new, k].sum()
            cells["scrap"].append(f"{t.outflow[i40, new, k].sum() / sales:.1%}" if sales > 0 else "-")
        rec.append(f"| {m} | " + " | ".join(" / ".join(v) for v in cells.values()) + " |")
    return "\n".join(lines + rec)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "inputs" / "eu_crma.xlsx"))


def flows(rows: dict, scenario: str = DEFAULT_SCENARIO, materials=MATERIALS):
    """model/demand.py's Technologies of these sheets in one demand scenario (the same computation
    as a run of the workbook: the build uses it to size the case for the technology demand)."""
    from model import registry as R
    from model.data import ModelData
    from model.demand import technology_flows

    tables = {}
    for table in (R.PRODUCTS, R.DEPLOYMENT, R.INTENSITY):
        out = {}
        for rec in rows[table.sheet]:
            key = tuple(rec[c.name] for c in table.keys)
            out[key[0] if len(key) == 1 else key] = {c.name: rec.get(c.name, None if c.required else c.default)
                                                     for c in table.values}
        tables[table.sheet] = out
    settings = {s.name: s.default for s in R.SETTING_DEFS}
    settings.update(demand_scenario=scenario)
    return technology_flows(ModelData(materials=list(materials), countries=[], stages=[], years=list(YEARS),
                                      settings=settings, tables=tables))


def technology_demand(tech, m: str, sources: list) -> tuple[dict, list, str, str]:
    """The demand path of metal m in the default demand scenario (values, sources, grade, note),
    as inputs/eu_derive.demand_of returns it."""
    k = tech.materials.index(m)
    vals = {t: sig(float(tech.inflow[tech.at(t), :, k].sum())) for t in YEARS}  # as the demand sheet holds them
    parts = [p for j, p in enumerate(tech.products) if tech.intensity[:, j, k].any()]
    return vals, sources + [_short(Tech().rows[0]["source"]), ASSUMPTION], "C", (
        f"technology-driven (inputs/eu_technologies.py, demand scenario {tech.scenario}): deployment x "
        f"intensity of {', '.join(parts)}; projection: the deployment paths of the deployment sheet (geometric "
        "growth to 2030 anchors, then IEA growth or held flat); the run computes the same from the sheets "
        "products, deployment and intensity")


def technology_end_of_life(rec: dict, tech, m: str) -> None:
    """Replace the end-of-life rule of recycling_params by the outflow of the stock model: eol =
    outflow, collection = feedstock / (recycling yield x outflow), so that the demand sheet gives
    the same feedstock as the technologies."""
    k = tech.materials.index(m)
    y = rec["y"].value
    for t in YEARS:
        out = float(tech.outflow[tech.at(t), :, k].sum())
        rec["eol"][t] = out
        c = float(tech.feedstock[tech.at(t), k]) / (y * out) if out > 0 else 0.0
        if c > 1 + 1e-9:
            raise ValueError(f"{m} {t}: the technologies recover more than yield x arisings")
        rec["coll"][t] = min(1.0, c)
    rec["grade"] = "C"
    rec["note"] = (f"end of life: outflow of the stock in use (lifetimes of each product, inputs/eu_technologies.py); "
                   "collection = sum of collection x efficiency x outflow over the products / (recycling yield x "
                   f"outflow); today's recycling as before: {rec['note']}")
