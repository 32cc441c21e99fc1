"""EU capacity of the EU case: committed plants, existing capacity, capex, lead times, end of
life and the upstream origin of refined imports."""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import math  # noqa: E402
from collections import defaultdict  # noqa: E402

from inputs.eu_common import *  # noqa: E402,F401,F403
from inputs.eu_common import _short  # noqa: E402
from inputs.eu_spec import *  # noqa: E402,F401,F403
from inputs.eu_derive import Sourcing, eol_rir, normalise, primary_requirement  # noqa: E402

# Capacity, technology, recycling
# =============================================================================================
def committed_plants(ref: Ref, m: str) -> dict[str, list[tuple[int, float, Num]]]:
    """Plant-level EU capacity of material m by stage: [(first year, t/yr, provenance)]."""
    one = ref.one
    out = defaultdict(list)

    def add(stage, year, value, r, note):
        out[stage].append((year, value, Num(value, [_short(r["source"])], r["confidence"], note)))

    if m == "lithium":
        r = one(parameter="eu_capacity_tpa", material="lithium", country="DE")
        add("processing", 2025, r["value"], r, "AMG Bitterfeld LiOH module 1 (operating since 2024)")
        r = one(parameter="eu_capacity_tpa", material="lithium", country="FI")
        add("processing", 2026, r["value"], r, "Keliber Kokkola refinery (under construction since 2023)")
        r = one(parameter="eu_production_t", material="lithium", country="PT")
        add("extraction", 2025, r["value"], r, "Portuguese lithium mine output 2024 (ceramic grade); 2024 value, held flat to 2025")
        r = one(parameter="nameplate_capacity_tpa", material="lithium", stage="extraction", country="FI")
        y = SPEC[m]["yield_"][0]
        out["extraction"].append((2026, r["value"] / y, Num(r["value"] / y, [_short(r["source"])], "C",
                                  f"Keliber mines feed {r['value']:,.0f} t Li/yr of refined output "
                                  f"(C split) / yield {y} = contained Li mined; under construction")))
    elif m == "ndpr":
        r = one(parameter="eu_capacity_tpa", material="ndpr", country="EE")
        out["processing"].append((2025, r["value"] * 0.3, Num(r["value"] * 0.3, [_short(r["source"])], "C",
                                  f"Neo Silmet {r['value']:,.0f} t/yr all light REE x ~0.3 NdPr share")))
        r = one(parameter="eu_capacity_tpa", material="ndpr", country="FR", year="2026")
        add("processing", 2027, r["value"], r, "Caremag Lacq (financed Mar 2025, start-up end-2026); "
            "part of its feed is recycled magnets")
        r = one(parameter="eu_capacity_tpa", material="ndpr", country="FR", year="2030")
        out["processing"].append((2025, 300.0, Num(300.0, [_short(r["source"])], "C",
                                  "Solvay La Rochelle 'several hundred tonnes in 2025' -> 300 t; the "
                                  "4,500 t target is conditional and left to the model")))
    elif m == "dytb":
        r = one(parameter="eu_capacity_tpa", material="dytb", country="FR")
        add("processing", 2027, r["value"], r, "Caremag Lacq Dy+Tb oxides (start-up end-2026)")
    elif m == "gallium":
        r = one(parameter="eu_capacity_tpa", material="gallium", country="GR")
        out["processing"].append((2027, 5.0, Num(5.0, [_short(r["source"])], "B",
                                  "Metlen pilot output 5-10 t in 2027 (lower end)")))
        out["processing"].append((2028, r["value"] - 5.0, Num(r["value"] - 5.0, [_short(r["source"])],
                                  r["confidence"], "Metlen 50 t/yr from 2028 (FID Jan 2025)")))
        # recovery from alumina refining is EU processing of gallium (sheet byproducts); there is
        # no EU extraction of gallium to credit (monitoring: 'always below 2 %', 2011-2022)
    elif m == "graphite_natural":
        r = one(parameter="eu_capacity_tpa", material="graphite_natural", country="SE")
        out["processing"].append((2027, r["value"], Num(r["value"], [_short(r["source"])], "C",
                                  "Talga Lulea anode refinery, planned 2025/26, taken from 2027 "
                                  "(groundbreaking 2023; t anode material ~ t graphite)")))
        r = one(parameter="world_production_t", material="graphite_natural", country="EU")
        add("extraction", 2025, r["value"], r, "EU mine output 2024 (AT 500 t, DE 170 t); 2024 value, held flat to 2025")
    elif m == "aluminium":
        r = one(parameter="eu_production_t", material="aluminium", country="EU", stage="processing")
        d0 = one(parameter="eu_consumption_t", material="aluminium", year=str(FIRST))["value"]
        alt, _, _ = sourcing_capacity(ref, m, d0)
        f, _ = eol_rir(ref, m)
        # the note avoids the word 'consumption': read output does not move with it (uncertainty.py)
        add("processing", 2025, r["value"], r,
            f"EU primary aluminium output {r['year']} (FACE: 'just over 0.9 million tonnes'), read; "
            "smelters curtailed since 2021 are not counted (their restart is new capacity). Not "
            f"used: the JRC sourcing proxy {alt:,.6g} t/yr (EU-domestic share of primary sourcing "
            f"x the 2025 primary requirement {d0:,.0f} t x (1 - EoL-RIR {f:g})), which describes "
            "2016-2020, before the curtailments")
    elif m == "copper":
        r = one(parameter="eu_production_t", material="copper", country="EU", stage="processing")
        c = one(parameter="eu_consumption_t", material="copper", year=r["year"])
        f, fr = eol_rir(ref, m)
        v = r["value"] - f * c["value"]
        out["processing"].append((2025, v, Num(v, [_short(r["source"]), _short(c["source"]), _short(fr["source"])],
                                  "C", f"EU refined copper output {r['value']:,.0f} t ({r['year']}, "
                                  f"{r['confidence']}: primary + secondary) - EoL-RIR {f:g} x refined "
                                  f"apparent use {c['value']:,.0f} t ({c['year']}) = {v:,.0f} t/yr of primary "
                                  "refining (C: the recycled copper the case counts at its recycling stage "
                                  "is taken to pass through EU refineries; an upper bound if they also refine "
                                  "new scrap); held flat. Not used: the JRC sourcing proxy 0.68 x the primary "
                                  "requirement (2016-2020)")))
    elif m == "magnesium":
        r = one(parameter="eu_capacity_tpa", material="magnesium", country="EU")
        add("processing", 2025, 0.0, r, "no primary magnesium produced in the EU for 20 years")
    elif m == "titanium_metal":
        r = one(parameter="eu_capacity_tpa", material="titanium_metal")
        add("processing", 2025, 0.0, r, "no EU titanium sponge capacity")
    elif m == "cobalt":
        r = one(parameter="supply_share_world", material="cobalt", country="FI", stage="extraction", year=J)
        w = one(parameter="world_production_t", material="cobalt", country="WORLD")
        v = r["value"] * w["value"]
        out["extraction"].append((2025, v, Num(v, [_short(r["source"]), _short(w["source"])], "C",
                                  f"Finland's world mine share {r['value']} (JRC 2016-2020) x world "
                                  f"output {w['value']:,.0f} t (2024): upper end")))
    return out


def sourcing_capacity(ref: Ref, m: str, d0: float) -> tuple[float, list, str]:
    """Existing EU processing from the JRC sourcing shares: EU-domestic share of processing-stage
    (primary) sourcing x the 2025 primary requirement (consumption x (1 - EoL-RIR)): (t/yr,
    sources, derivation). The proxy where no plant-level or production figure is read."""
    rows = latest(ref.find(parameter="eu_domestic_share_of_sourcing", material=m, stage="processing"))
    if not rows:
        return 0.0, [ASSUMPTION], "no EU processing-stage data: no existing primary capacity assumed (data gap)"
    share = rows[0]["value"]
    prim = primary_requirement(ref, m, d0)
    v = share * prim.value
    note = (f"EU-domestic share of processing-stage (primary) sourcing {share} ({rows[0]['year']}, "
            f"{rows[0]['confidence']}; the most recent source) x 2025 {prim.note} = {v:,.6g} t/yr, "
            "held flat (the README's proxy: no plant-level data)")
    return v, [_short(rows[0]["source"])] + prim.sources, note


def existing_capacity(ref: Ref, m: str, demand: dict, y: float) -> dict[str, dict[int, tuple[float, Num]]]:
    """EU capacity by stage and year (t/yr) with provenance."""
    plants = committed_plants(ref, m)
    d0 = demand[FIRST]
    out = {}
    # processing
    if "processing" in plants:
        proc = {t: sum(v for (y0, v, _) in plants["processing"] if t >= y0) for t in YEARS}
        nums = [n for (_, _, n) in plants["processing"]]
        src = [s for n in nums for s in n.sources]
        note = "; ".join(f"from {y0}: {v:,.6g} t/yr ({n.note})" for (y0, v, n) in plants["processing"])
        grade = worst(*(n.grade for n in nums))
        out["processing"] = {t: (proc[t], Num(proc[t], src, grade, "plant level, each plant held flat from its start "
                                                 "year (no retirement in the data): " + note)) for t in YEARS}
    else:
        v, src, note = sourcing_capacity(ref, m, d0)
        out["processing"] = {t: (v, Num(v, src, "C", note)) for t in YEARS}
    # extraction
    if "extraction" in plants:
        ext = {t: sum(v for (y0, v, _) in plants["extraction"] if t >= y0) for t in YEARS}
        nums = [n for (_, _, n) in plants["extraction"]]
        src = [s for n in nums for s in n.sources]
        note = "; ".join(f"from {y0}: {v:,.6g} t/yr ({n.note})" for (y0, v, n) in plants["extraction"])
        out["extraction"] = {t: (ext[t], Num(ext[t], src, worst(*(n.grade for n in nums)),
                                             "plant level, each plant held flat from its start "
                                             "year (no retirement in the data): " + note)) for t in YEARS}
    elif SPEC[m].get("eu_feed"):
        out["extraction"] = {t: (out["processing"][t][0] / y,
                                 Num(out["processing"][t][0] / y, [ASSUMPTION], "C",
                                     "EU smelters run on EU-quarried dolomite/quartz: extraction = "
                                     f"processing capacity / yield {y}, held flat as that "
                                     "capacity is")) for t in YEARS}
    else:
        rows = ref.find(parameter="eu_domestic_share_of_sourcing", material=m, stage="extraction")
        if rows:
            share = rows[0]["value"]
            out["extraction"] = {}
            for t in YEARS:
                v = share * out["processing"][t][0] / y
                out["extraction"][t] = (v, Num(v, [_short(rows[0]["source"])], "C",
                                               f"JRC EU-domestic share of ore sourcing {share} x EU "
                                               f"processing capacity / yield {y} (the ore feeding EU "
                                               "refining), held flat as that capacity is"))
    return out


def capex_of(ref: Ref, m: str, key: str) -> Num | None:
    spec = SPEC[m].get(key)
    if spec is None:
        return None
    kind, what = spec
    if kind == "ref":
        r = ref.one(**what)
        if r["parameter"] == "capex_total_eur":
            cap = ref.one(parameter="nameplate_capacity_tpa", material=r["material"], stage=r["stage"],
                          country=r["country"])
            v = r["value"] / cap["value"]
            return Num(v, [_short(r["source"]), _short(cap["source"])], "C",
                       f"{r['value']/1e6:,.0f} MEUR ({r['year']}) / {cap['value']:,.0f} t/yr nameplate "
                       f"({r['country']} project; {r['note'][:90]})")
        return Num(r["value"], [_short(r["source"])], r["confidence"],
                   f"values.csv {r['parameter']} {r['material']} {r['country']} {r['year']}: {r['note'][:160]}")
    if kind == "mean":  # the mean of read project figures: arithmetic on them, their worst grade
        rs = [ref.one(**w) for w in what]
        v = sum(r["value"] for r in rs) / len(rs)
        return Num(v, [_short(r["source"]) for r in rs], worst(*(r["confidence"] for r in rs)),
                   "mean of " + " and ".join(f"{r['country']} {r['value']:,.0f} ({r['year']}, {r['confidence']})"
                                             for r in rs)
                   + " EUR per t/yr (brownfield module and full refinery)")
    if kind == "sum":  # a read part plus a stated share (C): the worst grade of the parts
        v, srcs, grades, notes = 0.0, [], [], []
        for part in what:
            if part[0] == "ref":
                r = ref.one(**part[1])
                v += r["value"]
                srcs.append(_short(r["source"]))
                grades.append(r["confidence"])
                notes.append(f"{r['value']:,.0f} ({r['parameter']} {r['country']} {r['year']}, "
                             f"{r['confidence']}: {r['note'][:150]})")
            else:
                v += part[0]
                srcs.append(ASSUMPTION)
                grades.append("C")
                notes.append(f"{part[0]:,.0f} (C: {part[1]})")
        return Num(v, srcs, worst(*grades), " + ".join(notes) + " EUR per t/yr")
    return Num(kind, [ASSUMPTION], "C", f"order of magnitude: {what}")


# Lead time = preparation (feasibility, environmental assessment) + permitting + construction,
# years from the build decision to the first year of output (rounded to whole years, as the model
# counts them). Each entry: (kind, preparation, construction, range of the total, evidence).
# Permitting is the Act's Art. 11 limit for strategic projects (27 months extraction, 15 months
# processing and recycling, environmental assessment excluded): a lower bound that only strategic
# projects can count on, so the totals below are the fast end for any other project.
LEAD = {
    "processing": ("refinery", 1.5, 2.4, (4, 7), "construction 2.4 yr: AMG Bitterfeld groundbreaking "
                   "May 2022 -> opening Sep 2024 (Neo Narva 2.3 yr); preparation 1-3 yr (feasibility "
                   "and environmental assessment); Talga Lulea >= 7 yr from its PFS to production"),
    "processing_ree": ("rare-earth separation", 1.5, 3.5, (5, 8), "construction 1.8 yr at Caremag "
                       "(France) to 5 yr at Eneabba (FID Apr 2022 -> commissioning 2027), midpoint"),
    "processing_ga": ("gallium circuit at an operating alumina refinery", 0.5, 3.0, (3, 5),
                      "Metlen: FID Jan 2025 -> pilot 2027 -> full output 2028; brownfield site"),
    "recycling": ("recycling plant", 1.0, 1.8, (3, 5), "construction 1.8 yr: Caremag, funding closed "
                  "Mar 2025 -> start-up end-2026"),
    "extraction": ("mine on an advanced deposit", 2.0, 3.5, (6, 19), "construction 3-4 yr; Barroso "
                   ">= 9 yr from scoping to production; IEA: lithium projects 6-19 yr from feasibility "
                   "study to production; discovery to production 15.7-17.9 yr (S&P, 127 mines): no "
                   "new discovery can produce before the 2040s"),
    "extraction_quarry": ("dolomite/quartz quarry", 1.0, 1.0, (3, 5), "industrial-mineral quarry; "
                          "permit and a year's development"),
    "extraction_ree": ("rare-earth mine", 3.0, 4.0, (8, 15), "no permitted REE deposit in the EU "
                       "(Norra Karr permit revoked 2016; LKAB Per Geijer not before the late 2030s)"),
}


def lead_time(ref: Ref, stage: str, m: str) -> Num:
    """Lead time with its components and range (C: the sum is a rule; the parts are B)."""
    if stage == "extraction" and SPEC[m].get("e_lead", 6) == 0:
        return Num(0, [ASSUMPTION], "C", "0 yr: no new capacity")
    key = stage
    if stage == "processing" and m in ("ndpr", "dytb"):
        key = "processing_ree"
    elif stage == "processing" and m == "gallium":
        key = "processing_ga"
    elif stage == "extraction" and SPEC[m].get("e_lead") == 3:
        key = "extraction_quarry"
    elif stage == "extraction" and m in ("ndpr", "dytb"):
        key = "extraction_ree"
    kind, prep, build, (lo, hi), why = LEAD[key]
    p = ref.one(parameter="permitting_max_months", stage=stage)
    permit = p["value"] / 12
    total = prep + permit + build
    lt = int(math.floor(total + 0.5))
    srcs = [_short(p["source"])]
    for r in ref.find(parameter="lead_time_years"):
        if r["stage"] == stage or (stage == "processing" and r["material"] in ("ree_magnet", "gallium")):
            srcs.append(_short(r["source"]))
    return Num(lt, srcs + [ASSUMPTION], "C",
               f"{lt} yr ({kind}) = preparation {prep:g} + permitting {permit:.2f} (Art. 11 limit "
               f"{p['value']:g} months, strategic projects only: a lower bound) + construction "
               f"{build:g} = {total:.2f} yr, rounded; range {lo}-{hi} yr; {why}")


def recycling_params(ref: Ref, m: str, demand: dict) -> dict:
    """Per year: eol_arising, collection_rate; plus yield, f0 (EoL-RIR) and provenance."""
    spec = RECYCLING[m]
    srcs, notes, grade = [], [], "C"
    # yield
    yv, yref = spec["y"]
    if yref:
        r = ref.one(parameter="recycling_yield", material=yref[0], country="EU", year=yref[1])
        y = Num(r["value"], [_short(r["source"])], r["confidence"],
                f"Batteries Regulation minimum recovery by end-{yref[1]} (applies from the benchmark years)")
    else:
        y = Num(yv, [ASSUMPTION], "C", f"recycling yield {yv}: typical recovery of the recycling route")
    # collection path
    if spec["c"] == "batteries":
        rows = ref.find(parameter="collection_rate", material="battery_portable")
        pts = {int(r["year"]): r["value"] for r in rows}
        ys = sorted(pts)
        coll = {}
        for t in YEARS:
            if t >= ys[-1]:
                coll[t] = pts[ys[-1]]
            else:
                for a, b in zip(ys, ys[1:]):
                    if a <= t <= b:
                        coll[t] = pts[a] + (pts[b] - pts[a]) * (t - a) / (b - a)
                        break
        srcs.append(_short(rows[0]["source"]))
        notes.append("collection = Batteries Regulation portable-battery targets (45 % 2023, 63 % 2027, "
                     "73 % 2030), interpolated, a lower bound for EV batteries")
        c0 = coll[FIRST]
    else:
        c0, c1 = spec["c"]
        coll = {t: c0 + (c1 - c0) * min(1.0, (t - FIRST) / 10) for t in YEARS}
        notes.append(f"collection {c0:.0%} (2025) -> {c1:.0%} (2035), flat after (C: {RECYCLING_WHY[m]})")
    # EoL-RIR and arisings
    f0, r = eol_rir(ref, m)
    if r is not None:
        srcs.append(_short(r["source"]))
        notes.append(f"EoL-RIR {f0} ({r['material']} {r['year']}, {r['confidence']})")
    if "e" in spec:
        e0, e1 = spec["e"]
        if e0 == "returns":
            ret = ref.one(parameter="eol_arising_t", material="battery_liion")
            li = ret["value"] * 0.015
            e0 = li / demand[int(ret["year"])]
            srcs.append(_short(ret["source"]))
            notes.append(f"EoL arisings 2026 = {ret['value']:,.0f} t batteries returned x 1.5 % Li "
                         f"= {li:,.0f} t = {e0:.0%} of consumption, rising to {e1:.0%} by 2040 as "
                         "EV batteries sold in the late 2020s return")
        else:
            notes.append(f"EoL arisings {e0:.0%} -> {e1:.0%} of consumption (C: {RECYCLING_WHY[m]})")
    else:
        e0 = f0 / (y.value * c0)
        e1 = e0 * (1 + spec["e_growth"])
        notes.append(f"EoL arisings calibrated: {f0} / (yield {y.value} x collection {c0:.0%}) = "
                     f"{e0:.0%} of consumption in 2025" + (f", rising to {e1:.0%} by 2040 (longer-lived "
                                                          "products returning)" if spec["e_growth"] else ""))
    eol = {t: demand[t] * (e0 + (e1 - e0) * (t - FIRST) / (YEARS[-1] - FIRST)) for t in YEARS}
    if srcs == []:
        srcs.append(ASSUMPTION)
    return dict(y=y, f0=f0, eol=eol, coll=coll, sources=srcs + y.sources, note="; ".join(notes),
                grade=worst(grade, y.grade))


# =============================================================================================
# Upstream origins of refined imports
# =============================================================================================
# Refiners whose ore origin is known from the companies rather than from world shares (the
# generic rule would send Norway's nickel matte to Indonesia, the largest net ore exporter).
KNOWN_UPSTREAM = {
    ("ndpr", "MY"): ("AU", "Lynas Rare Earths annual reports (Mt Weld, AU concentrate refined at "
                     "Kuantan, MY)", "B", "Lynas' Malaysian refinery processes Mt Weld (Australia) "
                     "concentrate"),
    ("nickel", "NO"): ("CA", "Glencore Nikkelverk (Kristiansand) company information", "C",
                       "Nikkelverk refines matte mainly from Glencore's Canadian mines (Sudbury, "
                       "Raglan); other feeds ignored (C)"),
    ("cobalt", "NO"): ("CA", "Glencore Nikkelverk (Kristiansand) company information", "C",
                       "cobalt is a co-product of the Canadian nickel matte refined at Nikkelverk; "
                       "other feeds ignored (C)"),
    ("aluminium", "MZ"): ("AU", ("South32, Worsley Alumina (https://www.south32.net/our-business/alumina, "
                                 "read 2026)"), "B",
                          ("Mozambique mines almost no bauxite: Mozal smelts alumina shipped from "
                           "South32's Worsley refinery (Western Australia), which refines bauxite "
                           "mined at Boddington (AU); 'approximately 60 per cent of the production "
                           "from our Worsley Alumina operation is shipped to our aluminium smelters "
                           "in South Africa and Mozambique'")),
    ("aluminium", "NO"): ("BR", ("Norsk Hydro: Alunorte (Para, BR) and Paragominas bauxite "
                                 "(https://www.hydro.com/en-US/media/news/2018/alunorte-to-resume-"
                                 "production-at-half-capacity/; Hydro 2008: 'around 80 percent of its "
                                 "total alumina needs covered through equity holdings', Alunorte)"), "C",
                          ("Norway mines no bauxite: Hydro's Norwegian smelters run mainly on equity "
                           "alumina from Alunorte (BR), fed by Hydro's Paragominas mine and MRN (BR); "
                           "bought-in alumina (about 20 %) ignored (C)")),
}
KNOWN_YEAR = {("aluminium", "MZ"): "2024", ("aluminium", "NO"): "2008; 2018"}
# Refiners that mine none of the material (absent from the world mine shares the case reads, and
# known not to mine it): their ore comes from the net ore exporters like any other refiner's that
# mines less than it refines. Without a row here a refiner too small to pass THRESHOLD in the world
# refinery shares was credited with its own ore (Iceland's aluminium read as Icelandic bauxite).
NO_OWN_ORE = {
    ("aluminium", "IS"): "Iceland mines no bauxite: its three smelters run on imported alumina "
                         "(1.65 Mt in 2016; largest exporters Australia, the USA and Brazil: "
                         "https://www.alcircle.com/news/iceland-imports-about-1-65-million-tonnes-of-"
                         "alumina-to-feed-its-smelters-australia-tops-the-exporter-list-28278)",
    ("boron", "GB"): "the United Kingdom mines no borates (absent from the world mine shares)",
    ("cobalt", "GB"): "the United Kingdom mines no cobalt (absent from the world mine shares)",
    ("lithium", "CH"): "Switzerland mines no lithium (absent from the world mine shares)",
    ("lithium", "GB"): "the United Kingdom mines no lithium (absent from the world mine shares)",
    ("nickel", "GB"): "the United Kingdom mines no nickel (the Clydach refinery treats imported "
                      "intermediates; absent from the world mine shares)",
    ("platinum", "CH"): "Switzerland mines no PGMs (its refiners treat imported metal)",
    ("platinum", "GB"): "the United Kingdom mines no PGMs (its refiners treat imported material)",
    ("platinum", "JP"): "Japan mines no PGMs (absent from the world mine shares)",
    ("palladium", "CH"): "Switzerland mines no PGMs (its refiners treat imported metal)",
    ("palladium", "GB"): "the United Kingdom mines no PGMs (its refiners treat imported material)",
    ("ndpr", "JP"): "Japan mines no rare earths (absent from the world mine shares)",
    ("titanium_metal", "CH"): "Switzerland mines no titanium minerals (absent from the world mine "
                              "shares)",
    ("tungsten", "GB"): "the United Kingdom mines no tungsten since Drakelands (Hemerdon) closed in "
                        "2018 (absent from the world mine shares)",
}


def upstream_rows(ref: Ref, src: Sourcing, m: str) -> list[dict]:
    """Refiner -> mining-country shares, derived from world mine and refinery shares (C)."""
    if "extraction" not in SHARES[m] or "processing" not in SHARES[m]:
        return []
    e = src.world_all[(m, "extraction")]
    p = src.world_all[(m, "processing")]
    cites = src.sources[(m, "extraction")][:1] + src.sources[(m, "processing")][:1]
    declared = set(src.countries[m])

    def agg(d):
        out = defaultdict(float)
        for c, v in d.items():
            if c == "EU":
                continue
            out[c if c in declared else REST] += v
        return out

    e, p = agg(e), agg(p)
    rows = []
    for r in src.suppliers(m, "processing"):
        if r == REST:
            continue
        if (m, r) in KNOWN_UPSTREAM:
            origin, source, grade, note = KNOWN_UPSTREAM[(m, r)]
            rows.append(dict(material=m, country=r, origin=origin, share=1.0, _src=[source],
                             _grade=grade, _note=note, _year=KNOWN_YEAR.get((m, r), "")))
            continue
        pr, er = p.get(r, 0.0), e.get(r, 0.0)
        if (m, r) in NO_OWN_ORE:
            own = 0.0
        elif pr < THRESHOLD:
            continue
        else:
            own = min(1.0, er / pr)
        if own >= 0.95:
            continue
        net = {x: max(0.0, e.get(x, 0.0) - p.get(x, 0.0)) for x in set(e) | set(p) if x != r}
        net = {x: v for x, v in net.items() if v > 0}
        if not net:
            continue
        shares = {x: (1 - own) * v for x, v in normalise(net).items()}
        if own > 0:
            shares[r] = own
        keep = {x: round(v, 4) for x, v in shares.items() if v >= 0.005}
        keep = {x: v for x, v in keep.items() if v > 0}
        drop = 1.0 - sum(keep.values())
        largest = max(sorted(keep), key=lambda x: keep[x])
        keep[largest] = round(keep[largest] + drop, 6)
        if (m, r) in NO_OWN_ORE:
            note = (f"derived: {NO_OWN_ORE[(m, r)]}: own ore 0 %, all from net ore exporters (mine "
                    "share minus refinery share, world data) in proportion")
        else:
            note = (f"derived: {r} refines {pr:.0%} of world output but mines {er:.0%}: own ore "
                    f"{own:.0%}, the rest from net ore exporters (mine share minus refinery share, "
                    "world data) in proportion")
        year = (f"mine shares {SHARES[m]['extraction'][1][1]}; refinery shares "
                f"{SHARES[m]['processing'][1][1]}")
        for x in sorted(keep):
            rows.append(dict(material=m, country=r, origin=x, share=keep[x], _src=cites, _grade="C",
                             _note=note, _year=year))
    return rows


# =============================================================================================
