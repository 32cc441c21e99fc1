"""Write inputs/eu_crma.xlsx: the default EU case, all 19 material ids of the CRMA strategic list,
and inputs/eu_crma_disruptions.xlsx: the same case with disruption scenarios.

Every number is read from ``data/reference/values.csv`` (sourced public figures with a grade
A/B/C) or derived from such numbers by a rule stated here; every row of the workbook carries its
``source``, ``confidence`` and, for grade C, the derivation in ``note``. Run from anywhere:
``python inputs/build_eu_case.py [case.xlsx [disruptions.xlsx]]`` (default: both workbooks in
inputs/ relative to the project root).

The disruption scenarios (section at the end; docs/data.md, "Disruption scenarios") are plausible
future events on the pattern of the historical ones in ``data/reference/disruptions.csv``: the
record's severity, duration and price multiplier, a start year in 2027-2032, and a probability
from the frequency of such events in the record (2010-2025). The default case stays
deterministic: the stochastic run takes about a minute (docs/data.md).

Modelling rules (all grade C assumptions unless a source is named; docs/data.md discusses them):

* Units: tonnes of refined / contained element (REE as t oxide), prices EUR/t of the same basis,
  USD converted with the ECB annual mean of the price year (values.csv rows ``fx_usd_per_eur``).
* Countries: per material, every country with >= 2 % of EU sourcing (JRC 2023 Annex 7, Comext
  2024, ECA) or of world output (JRC / USGS) at any stage; the rest is ``RW`` (rest of world,
  which then also holds Rwanda, ISO ``RW``, 1.5 % of world tungsten mining). EU member states are
  the domestic origin ``EU``. Eurostat's ``XS`` (Serbia) is read as ISO ``RS``.
* Sourcing weights per stage: the mean of the EU-sourcing distributions available (each
  renormalised to third countries, residual to RW); world shares (renormalised to non-EU output)
  open up for countries the EU does not buy from today, linearly over 2026-2030 (new supply
  relationships take years). Weight w_c(t) = max(EU weight, ramp(t) x world weight).
* Availability (t/yr) = HEADROOM x w_c(t) x the primary requirement, demand x (1 - EoL-RIR)
  (refined), or / processing yield (ore, contained): the sourcing shares are of primary supply, so
  a supplier can sell the EU up to 1.5 times its share of the EU's primary requirement.
* Price: the incumbent (largest 2025 weight) sells at the reference price; others at up to
  LADDER (10 %) more, linearly in their weight (freight, qualification and contract premia), which
  reproduces today's merit order. Gallium: Chinese refined at the 2024 China price, non-Chinese
  refined at the 2025 ex-China price (both in values.csv): the only explicit non-Chinese premium
  the data support. Ore (contained) is valued at yield x (1 - processing margin) x refined price.
* EU capacity: committed plants (operating, under construction or financed) from the plant rows;
  read EU output (aluminium, copper); otherwise JRC EU-domestic share of sourcing x the 2025
  primary requirement, consumption x (1 - EoL-RIR) (processing), EU-domestic share
  of ore sourcing x EU processing / yield (extraction), EoL-RIR x 2025 consumption (recycling).
* Benchmarks (Art. 5): extraction 10 % and processing 40 % on capacity, recycling 25 % on flow
  (a recycling plant without end-of-life feedstock produces nothing), single third country at
  most 65 % at extraction and processing, all from 2030. A benchmark is hard unless the data make
  it physically unreachable for a material in some year 2030-2040 (no EU reserves, lead times,
  build rates, reserves or feedstock); then a material row makes it soft with a penalty of
  PENALTY_X times the reference price per tonne of shortfall, and its note says why.
"""
from __future__ import annotations
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import registry as R  # noqa: E402
from model.io.template import write_input_workbook  # noqa: E402
from inputs.eu_common import *  # noqa: E402,F401,F403
from inputs.eu_common import _short  # noqa: E402
from inputs.eu_spec import *  # noqa: E402,F401,F403
from inputs.eu_derive import *  # noqa: E402,F401,F403
from inputs.eu_capacity import *  # noqa: E402,F401,F403
from inputs.eu_byproducts import byproduct_rows  # noqa: E402
from inputs.eu_coproducts import coproduct_rows  # noqa: E402
from inputs.eu_disruptions import disruption_rows  # noqa: E402

# The workbook
# =============================================================================================
def build(ref: Ref | None = None, tech=None):
    """The case's sets, rows, settings and per-material figures; with ``tech`` (model/demand.py
    Technologies of inputs/eu_technologies.py) the demand and end of life of its materials come
    from the technologies."""
    from inputs.eu_technologies import technology_demand, technology_end_of_life

    ref = ref or Ref()
    src = Sourcing(ref)
    rows = defaultdict(list)
    countries = set()
    info = {}  # per material: figures the feasibility checks need
    for m in MATERIALS:
        spec = SPEC[m]
        with ref.track() as used_p:
            prices = price_of(ref, m)
            P = prices["refined"]
        with ref.track() as used_y:
            y = processing_yield(ref, m)
        with ref.track() as used_d:
            d_vals, d_src, d_grade, d_note = demand_of(ref, m)
        by_tech = tech is not None and m in tech.materials
        if by_tech:
            d_vals, d_src, d_grade, d_note = technology_demand(tech, m, d_src)
        with ref.track() as used_r:
            rec = recycling_params(ref, m, d_vals)
        if by_tech:
            technology_end_of_life(rec, tech, m)
        with ref.track() as used_c:
            cap = existing_capacity(ref, m, d_vals, y.value)
        price_year = data_years(used_p)
        mg = spec["margin"][0]
        voll = VOLL_X * P.value
        rows["materials"].append(row(
            dict(material=m, name=spec["name"], strategic=True, voll=sig(voll),
                 processing_yield=sig(y.value), recycling_yield=sig(rec["y"].value)),
            P.sources + y.sources + rec["y"].sources, "C",
            f"voll = {VOLL_X:g} x reference price {P.value:,.6g} EUR/t (C: a tonne not delivered "
            f"stops downstream output worth many times its price); processing yield: {y.note}; "
            f"recycling yield: {rec['y'].note}", data_years(used_p + used_y)))
        # demand, end of life
        for t in YEARS:
            rows["demand"].append(row(
                dict(material=m, year=t, demand=sig(d_vals[t]), eol_arising=sig(rec["eol"][t]),
                     collection_rate=sig(rec["coll"][t], 4)),
                d_src + rec["sources"], worst(d_grade, rec["grade"]),
                f"demand: {d_note} | end of life: {rec['note']}", data_years(used_d + used_r)))
        # supply: shares of the primary requirement (docs/data.md, "Primary and secondary supply")
        prim = {t: primary_requirement(ref, m, d_vals[t]) for t in YEARS}
        f_rir = 1.0 - prim[FIRST].value / d_vals[FIRST]
        for k in SHARES[m]:
            if k == "extraction" and spec.get("byproduct"):
                continue
            sup = src.suppliers(m, k)
            countries.update(c for c in sup)
            inc = src.incumbent(m, k)
            stage_note = SHARE_NOTES.get((m, k), "")
            for c in sup:
                if m == "gallium":
                    base = prices["cn"] if c == "CN" else prices["noncn"]
                    mult = 1.0 if c == "CN" else src.ladder(m, k, c)
                    pnote = ("China price" if c == "CN" else
                             f"ex-China price x ladder {mult:.3f}: the data's non-Chinese premium")
                else:
                    base = P
                    mult = src.ladder(m, k, c)
                    pnote = f"reference price x ladder {mult:.3f} (incumbent {inc})"
                price = base.value * mult
                if k == "extraction":
                    price *= y.value * (1 - mg)
                    pnote += f" x yield {y.value:g} x (1 - margin {mg}) (ore value per t contained)"
                sanction = SANCTIONS.get((m, c, k))
                for t in YEARS:
                    w = src.weight(m, k, c, t)
                    if w <= 1e-9:
                        continue
                    avail = HEADROOM * w * prim[t].value / (y.value if k == "extraction" else 1.0)
                    extra_src, extra_note = [], ""
                    if sanction:
                        if t >= sanction["banned_from"]:
                            continue
                        if t in sanction["quota"] and sanction["quota"][t] < avail:
                            avail = sanction["quota"][t]
                            extra_src = [sanction["source"]]
                            extra_note = f"; capped at {avail:,.0f} t: {sanction['note']}"
                    rows["supply"].append(row(
                        dict(material=m, country=c, stage=k, year=t, available=sig(avail),
                             price=sig(price)),
                        src.sources[(m, k)] + base.sources + extra_src, "C",
                        f"available = {HEADROOM} x weight {w:.4f} x primary requirement (demand x "
                        f"(1 - EoL-RIR {f_rir:.2g}))"
                        + (" / yield" if k == "extraction" else "")
                        + f"; weight = max(EU sourcing {src.eu[(m, k)].get(c, 0):.4f}, ramp x world "
                        f"{src.world_at(m, k, c, t):.4f}); projection: ramp = (year - {FIRST}) / "
                        f"{NEW_SUPPLIER_YEARS} capped at 1 (today's EU pattern held flat, world pattern "
                        f"phased in by {FIRST + NEW_SUPPLIER_YEARS}), "
                        + (f"world share {src.world[(m, k)].get(c, 0):.4f} in the base year, then the "
                           "IEA base case (2030, 2035, 2040) interpolated linearly, "
                           if (m, k) in src.world_proj else "world share held flat, ")
                        + "price held flat in real terms; "
                        f"price = {pnote}; base price: {base.note}"
                        + (f"; {stage_note}" if stage_note else "") + extra_note,
                        f"{src.years[(m, k)]}; price {price_year}"))
        if spec.get("byproduct"):
            # by-product feed (residues, concentrates) for EU refining: origin not in the data
            for t in YEARS:
                rows["supply"].append(row(
                    dict(material=m, country=REST, stage="extraction", year=t,
                         available=sig(HEADROOM * prim[t].value / y.value),
                         price=sig(P.value * y.value * (1 - mg))),
                    P.sources + [ASSUMPTION], "C",
                    "by-product feed (zinc/lead residues, concentrates) for EU refining; origins are "
                    f"not in the data, so all from RW; available {HEADROOM} x primary requirement "
                    f"(demand x (1 - EoL-RIR {f_rir:.2g})) / yield, price = "
                    f"reference x yield x (1 - margin {mg}) (traded by-product feed, no ladder); "
                    "projection: scales with demand, price held flat in real terms", f"price {price_year}"))
            countries.add(REST)
        # existing capacity
        for k, by_year in cap.items():
            for t in YEARS:
                v, num = by_year[t]
                if v > 0:
                    rows["capacity_existing"].append(row(
                        dict(material=m, stage=k, year=t, capacity=sig(v)), num.sources, num.grade,
                        num.note, data_years(used_c)))
        if rec["f0"] > 0:
            v = rec["f0"] * d_vals[FIRST]
            num = Num(v, rec["sources"], "C",
                      f"EoL-RIR {rec['f0']} x 2025 consumption: today's recycling output, held flat")
            cap["recycling"] = {t: (v, num) for t in YEARS}
            for t in YEARS:
                rows["capacity_existing"].append(row(
                    dict(material=m, stage="recycling", year=t, capacity=sig(v)), num.sources, "C",
                    num.note, data_years(used_r)))
        # technology
        techs = {}
        d30 = sig(d_vals[BENCH_START])  # as written in the demand sheet, which the benchmark reads
        for k, key in (("processing", "capex_p"), ("extraction", "capex_e"), ("recycling", "capex_r")):
            with ref.track() as used_t:
                cx = capex_of(ref, m, key)
                if cx is None:
                    continue
                lt = lead_time(ref, k, m)
            unit = 1.0 / sig(y.value) if k == "extraction" else 1.0
            mb = BUILD_SHARE[k] * d30 * unit
            if k == "processing":
                vom, vnote = PROC_VOM * mg * P.value, f"{PROC_VOM} x margin {mg} x price"
            elif k == "extraction":
                vom = MINE_VOM * y.value * (1 - mg) * P.value
                vnote = f"{MINE_VOM} x ore value (yield x (1 - margin) x price)"
            else:
                vom, vnote = RECYCLING_VOM * P.value, f"{RECYCLING_VOM} x price (scrap purchase + processing)"
            rec_row = dict(material=m, stage=k, capex=sig(cx.value), fixed_om=sig(FOM_SHARE * cx.value),
                           variable_om=sig(vom), lifetime=LIFETIME[k], lead_time=int(lt.value),
                           earliest_build_year=FIRST, max_build_per_year=sig_up(mb))
            mnote = ""
            if k == "extraction":
                if "e_max" in spec and spec["e_max"]:
                    rec_row["max_capacity"] = sig(spec["e_max"][0])
                    mnote = f"; max_capacity {spec['e_max'][0]:,.0f} t/yr: {spec['e_max'][1]} (C)"
                elif "e_max_factor" in spec:
                    base_e = cap.get("extraction", {}).get(YEARS[-1], (0.0, None))[0]
                    rec_row["max_capacity"] = sig(spec["e_max_factor"] * base_e)
                    mnote = (f"; max_capacity {spec['e_max_factor']} x existing ({base_e:,.6g} t/yr): "
                             "limited EU reserves (C)")
                if m == "gallium":
                    rec_row["max_build_per_year"] = 0.0
            techs[k] = rec_row
            rows["technology"].append(row(
                rec_row, cx.sources + lt.sources, worst(cx.grade, "C"),
                f"capex: {cx.note}; fixed O&M {FOM_SHARE:.0%}/yr of capex; variable O&M {vnote}; "
                f"lifetime {LIFETIME[k]} yr (C); lead time {lt.note}; max build per year "
                f"{BUILD_SHARE[k]:.0%} of 2030 demand{' / yield' if k == 'extraction' else ''} (C: about "
                f"one to three world-scale plants a year){mnote}", data_years(used_t)))
        # stockpile
        st = ref.one(parameter="storage_cost_share_of_value")
        cov = ref.one(parameter="stock_coverage_days", country="EU")
        cov_kr = ref.one(parameter="stock_coverage_days", country="KR")
        mult = 1.0
        snote = ""
        if m in CONTROLLED:
            c3 = ref.one(parameter="storage_cost_multiplier_controlled")
            mult = c3["value"]
            snote = f" x {mult:g} (controlled storage, {c3['confidence']})"
        hold = st["value"] * mult * P.value
        # stock rule: 60 days of net imports (EU 2021 study, B) for the materials whose largest
        # supplier holds at least the Act's 65 % of the EU's refined imports (concentrated
        # supply), written on the consumption basis: days = 60 x today's net-import share
        named = {c: v for c, v in src.eu[(m, "processing")].items() if c != REST}
        top = max(sorted(named), key=lambda c: named[c]) if named else REST
        d0 = d_vals[FIRST]
        ext0 = cap.get("extraction", {}).get(FIRST, (0.0, None))[0] * y.value / d0
        net = max(0.0, 1.0 - ext0 - rec["f0"])
        chosen = named.get(top, 0.0) >= STOCK_IMPORT_SHARE - 1e-9
        days = round(cov["value"] * net, 1) if chosen else 0.0
        why = (f"{top} holds {named.get(top, 0.0):.0%} of EU refined imports (>= {STOCK_IMPORT_SHARE:.0%}: "
               f"selected); coverage = {cov['value']:g} days of net imports = {cov['value']:g} x "
               f"net-import share {net:.0%} (1 - EU mine output {ext0:.0%} - EU recycling "
               f"{rec['f0']:.0%} of 2025 consumption) = {days:g} days of consumption, held flat"
               if chosen else
               f"not selected: the largest supplier ({top}) holds {named.get(top, 0.0):.0%} of EU "
               f"refined imports, below {STOCK_IMPORT_SHARE:.0%}; no coverage rule (a stock is "
               "held only if it pays)")
        rows["stockpile"].append(row(
            dict(material=m, initial_stock=0.0, holding_cost=sig(hold), coverage_days=days,
                 coverage_basis="consumption", coverage_from_year=COVERAGE_DAYS_FROM),
            [_short(st["source"]), _short(cov["source"]), _short(cov_kr["source"]), ASSUMPTION], "C",
            f"holding = storage {st['value']:.3%}/yr of value{snote} x price {P.value:,.6g} EUR/t; "
            "cost of capital: none added (0 %), because the objective charges the stock purchase at "
            "full price with no resale value at the end of the horizon, which already costs at least "
            f"the {DISCOUNT_RATE:.0%} discount rate on the stock's value. Rule: {why}. Net imports "
            f"as in the EU 2021 study ({cov['value']:g} days of imports) and Korea's practice "
            f"({cov_kr['value']:g} days of imports for rare metals), both B; written on consumption "
            "because the formulation's net_imports basis counts the stock's own purchases as "
            "imports, which lets a plan shrink the rule by timing purchases (a test run bought "
            "2039's and 2040's imports into stock and drew it to zero in 2040). In force from "
            f"{COVERAGE_DAYS_FROM} (C: the 2025 pilot stockpiling needs ~2 years)",
            data_years([st, cov, cov_kr]) + f"; price {price_year}"))
        info[m] = dict(P=P.value, y=y.value, d=d_vals, cap=cap, techs=techs, rec=rec)
        # upstream
        for u in upstream_rows(ref, src, m):
            countries.update((u["country"], u["origin"]))
            rows["upstream"].append(row({k: v for k, v in u.items() if not k.startswith("_")},
                                        u["_src"], u["_grade"], u["_note"], u.get("_year", "")))
    # co-products (inputs/eu_coproducts.py): rare-earth separation, the Kevitsa PGM mine, nickel-cobalt
    # mines; they replace the members' own capacity rows they stand for, before the benchmarks read them
    coproduct_rows(ref, rows, info)
    rows["benchmarks"] = benchmark_rows(ref, info)
    # by-products on their hosts: gallium on alumina, germanium on zinc (inputs/eu_byproducts.py)
    ga_suppliers = {r["country"] for r in rows["supply"] if r["material"] == "gallium"}
    for sheet, extra in byproduct_rows(ga_suppliers).items():
        rows[sheet] = extra
    countries.discard("EU")
    sets = {"material": MATERIALS, "country": ["EU"] + sorted(countries),
            "stage": list(R.STAGES), "year": YEARS}
    settings = {"case_name": "eu_crma", "discount_rate": DISCOUNT_RATE}
    return sets, dict(rows), settings, info


def max_capacity_path(info_m, stage) -> dict[int, float]:
    """The most capacity the EU can have at a stage in each year (t/yr, as the data allow)."""
    cap = info_m["cap"].get(stage, {})
    tech = info_m["techs"].get(stage)
    out = {}
    for t in YEARS:
        v = cap.get(t, (0.0, None))[0] if cap else 0.0
        if tech:
            online = FIRST + tech["lead_time"]
            n = sum(1 for tt in YEARS if online <= tt <= t and tt < online + tech["lifetime"] + 100)
            v += tech["max_build_per_year"] * n
            if "max_capacity" in tech:
                v = min(v, max(tech["max_capacity"], cap.get(t, (0.0, None))[0] if cap else 0.0))
        out[t] = v + info_m.get("co", {}).get(stage, {}).get(t, 0.0)  # through co-product groups
    return out


def benchmark_rows(ref: Ref, info: dict) -> list[dict]:
    """The four 'all' rows (hard) and a soft row for every material and benchmark the data make
    physically unreachable in some year 2030-2040."""
    params = {b: ref.one(parameter=f"benchmark_{'max_single_country' if b == 'single_country' else b}"
                         + ("_share"), country="EU") for b in EU_LEVELS}
    out = []
    for b, level in EU_LEVELS.items():
        r = params[b]
        assert abs(r["value"] - level) < 1e-12
        rec = dict(benchmark=b, material="all", level=level, start_year=BENCH_START, enforcement="hard")
        note = "hard for every strategic material unless a material row below makes it soft"
        if b == "recycling":
            rec["basis"] = "flow"
            note += ("; flow basis: Art. 5 asks for capacity 'able to produce', and a recycling plant "
                     "without end-of-life feedstock produces nothing, so actual output counts (this case's reading of the article: row graded B)")
        if b == "single_country":
            note += "; stage blank = extraction and processing"
        # level and start year read in Art. 5(1) (values.csv, A); the recycling row's flow basis is
        # this case's reading of 'able to produce', not the Regulation's number: B
        grade = worst(r["confidence"], "B" if b == "recycling" else "A")
        note = f"level {level:.0%} by {BENCH_START} read in Art. 5(1) ({r['confidence']}); " + note
        out.append(row(rec, [_short(r["source"])], grade, note, "2024 (the Regulation)"))
    for m, im in info.items():
        d = im["d"]
        years = [t for t in YEARS if t >= BENCH_START]
        for b in ("extraction", "processing", "recycling"):
            level = EU_LEVELS[b]
            if b == "recycling":
                mx = max_capacity_path(im, "recycling")
                feed = {t: im["rec"]["y"].value * im["rec"]["coll"][t] * im["rec"]["eol"][t] for t in YEARS}
                reach = {t: min(mx[t], feed[t]) for t in YEARS}
                why_t = {t: (f"feedstock {fmt(feed[t])} t = yield x collection x EoL arisings"
                             if feed[t] <= mx[t] else f"buildable capacity {fmt(mx[t])} t") for t in YEARS}
            else:
                mx = max_capacity_path(im, b)
                scale = im["y"] if b == "extraction" else 1.0
                reach = {t: scale * mx[t] for t in YEARS}
                why_t = {t: _why_capacity(im, b, t) for t in YEARS}
            short = [t for t in years if reach[t] < level * d[t] * (1 - 1e-9)]
            if not short:
                continue
            t0 = short[0]
            out.append(row(
                dict(benchmark=b, material=m, level=level, start_year=BENCH_START,
                     basis="flow" if b == "recycling" else "", enforcement="soft",
                     penalty=sig(PENALTY_X * im["P"])),
                [CRMA, ASSUMPTION], "C",
                f"soft: physically out of reach in {len(short)} of {len(years)} years 2030-2040 "
                f"(first {t0}: at most {fmt(reach[t0])} t vs {level:.0%} x {fmt(d[t0])} t = "
                f"{fmt(level * d[t0])} t{' (refined equivalent)' if b == 'extraction' else ''}; "
                f"{why_t[t0]}). Penalty {PENALTY_X:g} x price {fmt(im['P'])} EUR/t per t of "
                "shortfall, above any cost of compliance, so the model complies wherever it can"))
    return out


def _why_capacity(im, b, t) -> str:
    tech = im["techs"].get(b)
    ex = im["cap"].get(b, {}).get(t, (0.0, None))[0] if im["cap"].get(b) else 0.0
    groups = im.get("co_groups", {}).get(b)
    via = (f"; co-product group {', '.join(groups)}: at most {fmt(im['co'][b][t])} t/yr as its "
           "share of the group's existing and buildable capacity") if groups else ""
    if tech is None:
        return {"extraction": "no own EU mining option" if groups else
                "no EU reserves or by-product route in the data: no mining option",
                "processing": "no own processing option"}.get(b, "no option") + via
    unit = " contained" if b == "extraction" else ""
    txt = f"existing {fmt(ex)} t/yr{unit}; new capacity online from {FIRST + tech['lead_time']}"
    if "max_capacity" in tech:
        txt += f", at most {fmt(tech['max_capacity'])} t/yr{unit} in total (reserves)"
    else:
        txt += f", at most {fmt(tech['max_build_per_year'])} t/yr{unit} added per year"
    return txt + via


# =============================================================================================


def all_soft(rows: dict) -> list:
    """The benchmark rows with every share benchmark of every material soft: a material without its own
    row gets a copy of the 'all' row, soft at the case's penalty for a benchmark it cannot meet (the
    reference price per tonne short: voll / VOLL_X). For the case with both demand scenarios in the
    second stage: its build limits are sized on the default demand scenario, and the higher one cannot
    meet some hard benchmarks in 2030 (cobalt and dytb processing)."""
    out = {(r["benchmark"], r["material"], r.get("stage", "")): r for r in rows["benchmarks"]}
    for mat in rows["materials"]:
        m = mat["material"]
        for b in ("extraction", "processing", "recycling"):
            base = out.get((b, "all", ""))
            if base is None or out.get((b, m, ""), {}).get("enforcement") == "soft":
                continue
            out[(b, m, "")] = dict(base, material=m, enforcement="soft", penalty=sig(mat["voll"] / VOLL_X),
                                   confidence="C", note=f"soft at the reference price {mat['voll'] / VOLL_X:,.6g} "
                                   "EUR/t short (voll / VOLL_X): the higher demand scenario cannot meet every hard "
                                   "benchmark with the build limits of the default one")
    return list(out.values())


def main(path=OUTPUT, disrupted=None, technologies=None) -> tuple[Path, Path]:
    """Write the default case to ``path`` (technology-driven demand, inputs/eu_technologies.py, in the
    default demand scenario), the same case with the disruption scenarios to ``disrupted`` (default:
    ``<path stem>_disruptions.xlsx`` beside it) and with both demand scenarios in the second stage
    (sheet demand_scenarios) to ``technologies`` (default: ``<path stem>_technologies.xlsx``)."""
    from inputs.eu_technologies import case_inputs, flows

    path = Path(path)
    disrupted = Path(disrupted) if disrupted else path.with_name(f"{path.stem}_disruptions{path.suffix}")
    technologies = Path(technologies) if technologies else path.with_name(f"{path.stem}_technologies{path.suffix}")
    tech, tech_settings = case_inputs()
    dist = tech.pop("demand_scenarios")
    sets, rows, settings, _ = build(tech=flows(tech))
    rows = {**rows, **tech}
    settings = {**settings, **tech_settings}
    out = write_input_workbook(path, sets=sets, rows=rows, settings=settings)
    scen = disruption_rows(rows["supply"])
    out2 = write_input_workbook(disrupted, sets=sets, rows={**rows, **scen},
                                settings={**settings, "case_name": "eu_crma_disruptions"})
    bench = all_soft(rows)  # soft share benchmarks at the case's penalty in the two-stage demand case
    out3 = write_input_workbook(technologies, sets=sets, rows={**rows, "benchmarks": bench, "demand_scenarios": dist},
                                settings={**settings, "case_name": "eu_crma_technologies"})
    n = sum(len(v) for v in rows.values())
    covered = ", ".join(sorted({r["material"] for r in tech["intensity"]}))
    for o, extra in ((out, f", demand of {covered} from technologies ({sum(len(v) for v in tech.values())} "
                           f"technology rows, demand scenario {tech_settings['demand_scenario']})"),
                     (out2, f", {len(scen['scenarios'])} disruption scenarios ({len(scen['disruptions'])} "
                            "disruption rows)"),
                     (out3, f", the demand scenarios {', '.join(r['demand_scenario'] for r in dist)} in the "
                            "second stage")):
        try:
            shown = Path(o).resolve().relative_to(ROOT)
        except ValueError:
            shown = Path(o).name
        print(f"wrote {shown}: {len(sets['material'])} materials, {len(sets['country'])} countries, "
              f"{n:,} rows{extra}")
    return Path(out), Path(out2)


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:4]))
