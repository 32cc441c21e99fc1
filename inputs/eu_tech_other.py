"""The technologies of the default EU case that the 'other uses' rows held until now (issue 17): grid-storage
batteries, fuel-cell cars, steel, and the end uses known only as a share of a material's use (stainless
steel, superalloys, aluminium-silicon alloys, gallium electronics, germanium fibre and infrared optics).
Each function returns the rows of the sheets products, deployment and intensity, every row with its source,
grade, data year and derivation; inputs/eu_technologies.py calls them.

Read from ``data/reference/technologies.csv``. Rules (grade C; docs/data.md, "Technologies"):

* Grid storage (GWh/yr): 17.2 GWh installed in 2023 and 35.9 GWh in use at the end of 2023 (SolarPower
  Europe, B); before 2023 geometric from 2010 so that the fleet is 35.9 GWh; 2024 = 2023 x 1.30 (the low end
  of SolarPower Europe's 30-40 %/yr). Scenario steps: from 2024 the growth of IEA's world lithium demand for
  grid storage in STEPS (2024 -> 2030, then 2030 -> 2040; A, a world proxy: C). Scenario aps: 35 %/yr (the
  middle of SolarPower Europe's 30-40 %/yr for 2025-2028) to 2028, then IEA APS growth (2024 -> 2030 to 2030,
  2030 -> 2040 after). Chemistry: LFP 80 % of new storage in 2023 (IEA, B) rising linearly to 100 % in 2040
  (C: IEA's world cobalt demand for grid storage is zero in 2040 in every scenario, A); the rest NMC622.
  Intensities BatPaC 5.1 (EV packs, A; taken for stationary packs: C). Lifetime, collection and recovery
  targets as the EV batteries (Busch et al. 2024; Batteries Regulation).
* Fuel-cell cars (vehicles/yr): EU = Germany / 0.30 (Germany's share of Europe's fuel-cell cars, 2016, B;
  held: C): 263 / 0.30 = 877 registrations and 2,364 / 0.30 = 7,880 cars in use in 2023 (B / C); before 2023
  geometric from 2010 to that fleet; 2024 held at 2023 (C). Scenarios: the growth of IEA's world PGM demand
  for hydrogen technologies (electrolysers and fuel cells) in STEPS or APS (A, world proxy: C). Platinum
  45 g per vehicle in 2023 (Johnson Matthey via IPA, B), -2.6 %/yr (the 2x-thrift path 45 -> 23 g by 2050,
  C). Vehicle lifetime of Busch et al. 2024.
* Steel (Mt crude steel/yr): EU-27 129.49 Mt in 2024 (worldsteel, B), held flat 1960-2040 (C); manganese
  6 kg per t (USGS, US unit consumption in 2000, B; for the EU: C); lifetime normal, mean of the four US
  sector lifetimes of Gauffin and Pistorius (2018) 17.75 years (B; unweighted: C), sd 8 (C).
* Share-of-use products (t of material/yr): share x the default case's 2025 consumption, held flat from
  ``SHARE_HISTORY_FROM`` (C), intensity 1 t/t. Gallium electronics: 99 % (ICs 64 % + optoelectronics 35 %,
  USGS, US 2010, B) of consumption less the gallium of the PV rows (the USGS share includes solar cells).
* Recycling of every product without its own figure: collection x efficiency = the material's EoL-RIR today
  (inputs/eu_tech_products._rule), as the 'other uses'; gallium electronics: WEEE collection 40.1 % (Eurostat
  2022, A), efficiency 0 (gallium's EoL-RIR is 0, A).
"""
from __future__ import annotations

from inputs.eu_common import ASSUMPTION, YEARS, _short, row, sig
from inputs.eu_tech_products import _dep_rows, _rule, geo_history

KG_PER_KWH_TO_T_PER_GWH = 1000.0
STORAGE_FROM = 2010
STORAGE_2024_GROWTH = 1.30  # C: the low end of SolarPower Europe's 30-40 %/yr
STORAGE_APS_GROWTH = 1.35   # C: the middle of SolarPower Europe's 30-40 %/yr (2025-2028)
STORAGE_APS_TO = 2028
LFP_FULL_YEAR = 2040        # C: IEA world cobalt demand for grid storage is 0 in 2040
FC_FROM = 2010
STEEL_FROM = 1960
STEEL_SD = 8.0
SHARE_HISTORY_FROM = 1970
G_PER_T = 1e6

# share-of-use products: product -> (material, technologies.csv look-up of the share, lifetime mean, sd,
# lifetime note, description)
SHARES = {
    "stainless_steel_ni": ("nickel", dict(material="nickel", stage="stainless_steel", parameter="demand_share"),
                           30.0, 10.0, "mean 30 years = the middle of 'around 25-35 years' for nickel-containing "
                           "products (B; middle: C), sd 10 (C)", "nickel in stainless steel"),
    "superalloys_co": ("cobalt", dict(material="cobalt", stage="superalloys", parameter="demand_share"),
                       16.0, 5.0, "mean 16 years = the US lifetime of steel in industrial goods (Gauffin and "
                       "Pistorius 2018, B; for superalloy parts: C), sd 5 (C)", "cobalt in superalloys"),
    "aluminium_alloys_si": ("silicon_metal", dict(material="silicon_metal", stage="aluminium_alloys",
                                                  parameter="demand_share", year="2010"),
                            14.0, 5.0, "mean 14 years = the US lifetime of steel in automotive uses (Gauffin and "
                            "Pistorius 2018, B; for aluminium-silicon castings, mostly automotive: C), sd 5 (C)",
                            "silicon metal in aluminium alloys"),
    "fibre_optics_ge": ("germanium", dict(material="germanium", stage="fibre_optics", parameter="demand_share"),
                        25.0, 8.0, "mean 25 years, sd 8 (C: no lifetime of optical fibre in the data)",
                        "germanium in optical fibre"),
    "infrared_optics_ge": ("germanium", dict(material="germanium", stage="infrared_optics",
                                             parameter="demand_share"),
                           15.0, 5.0, "mean 15 years, sd 5 (C: no lifetime of infrared optics in the data)",
                           "germanium in infrared optics"),
}


def _lfp_share(tech, y: int) -> tuple[float, dict]:
    r = tech.one(material="battery_liion", stage="grid_storage", parameter="market_share")
    y0 = int(r["year"])
    s = r["value"] + (1.0 - r["value"]) * min(1.0, max(0.0, (y - y0) / (LFP_FULL_YEAR - y0)))
    return s, r


def storage_paths(tech) -> tuple[dict, str, dict]:
    """{scenario or 'all': {year: GWh}} of all grid-storage batteries, its note per scenario, and the rows."""
    d23 = tech.pick("historical", parameter="deployment", stage="grid_storage", year="2023", country="EU")
    s23 = tech.pick("historical", parameter="installed_stock", stage="grid_storage", year="2023", country="EU")
    hist, q = geo_history(s23["value"], d23["value"], 2023, STORAGE_FROM)
    d24 = d23["value"] * STORAGE_2024_GROWTH
    hist[2024] = d24
    li = {(s, y): tech.pick(f"IEA2025-{s}" if y != 2024 else "IEA2025-base", parameter="tech_demand",
                            material="lithium", stage="grid_storage", year=str(y), country="WORLD")["value"]
          for s in ("STEPS", "APS") for y in (2024, 2030, 2040)}
    g = {s: ((li[(s, 2030)] / li[(s, 2024)]) ** (1 / 6), (li[(s, 2040)] / li[(s, 2030)]) ** 0.1)
         for s in ("STEPS", "APS")}
    steps = {y: d24 * g["STEPS"][0] ** (y - 2024) if y <= 2030 else
             d24 * g["STEPS"][0] ** 6 * g["STEPS"][1] ** (y - 2030) for y in YEARS}
    a28 = d24 * STORAGE_APS_GROWTH ** (STORAGE_APS_TO - 2024)
    a30 = a28 * g["APS"][0] ** (2030 - STORAGE_APS_TO)
    aps = {y: d24 * STORAGE_APS_GROWTH ** (y - 2024) if y <= STORAGE_APS_TO else
           a28 * g["APS"][0] ** (y - STORAGE_APS_TO) if y <= 2030 else a30 * g["APS"][1] ** (y - 2030) for y in YEARS}
    notes = {
        "all": f"{d23['value']:g} GWh installed in 2023 (SolarPower Europe, B); before: geometric x{q:.4f}/yr back to "
               f"{STORAGE_FROM} so that {s23['value']:g} GWh are in use at the end of 2023 (B; retirements ignored: "
               f"C); 2024 = 2023 x {STORAGE_2024_GROWTH:g} (the low end of SolarPower Europe's 30-40 %/yr: C)",
        "steps": f"scenario steps: from {d24:.2f} GWh (2024) at the growth of IEA world lithium demand for grid storage "
                 f"in STEPS ({li[('STEPS', 2024)]:g} -> {li[('STEPS', 2030)]:g} kt 2024->2030 = "
                 f"{g['STEPS'][0] - 1:.2%}/yr; -> {li[('STEPS', 2040)]:g} kt in 2040 = {g['STEPS'][1] - 1:.2%}/yr; A, "
                 "world proxy: C)",
        "aps": f"scenario aps: from {d24:.2f} GWh (2024) x {STORAGE_APS_GROWTH:g}/yr to {STORAGE_APS_TO} (the middle of "
               f"SolarPower Europe's 30-40 %/yr for 2025-2028: C; {sum(hist.values()) + sum(aps[y] for y in range(2025, 2029)):.0f}"
               f" GWh in use in 2028 against SolarPower Europe's 260 GWh, B), then the growth of IEA world lithium "
               f"demand for grid storage in APS ({g['APS'][0] - 1:.2%}/yr 2024->2030, {g['APS'][1] - 1:.2%}/yr "
               "2030->2040; A, world proxy: C)"}
    return {"all": hist, "steps": steps, "aps": aps}, notes, {"d23": d23, "s23": s23}


def grid_storage(tech, efficiency) -> dict:
    """Grid-storage batteries (LFP and NMC622): lithium, nickel, cobalt, manganese, natural graphite.
    ``efficiency(m)``: the Batteries Regulation's recovery target row of m (inputs/eu_technologies.py)."""
    from inputs.eu_tech_products import GRAPHITE_NATURAL_SHARE

    paths, notes, got = storage_paths(tech)
    life = tech.pick("Busch2024-baseline", parameter="lifetime_mean", stage="ev_battery")
    sd = tech.pick("Busch2024-baseline", parameter="lifetime_sd", stage="ev_battery")
    coll = [r for r in tech.find(parameter="collection_rate", stage="electronics", material="battery_portable")
            if r["year"] == "2030"][0]
    _, lfp = _lfp_share(tech, 2023)
    rows = {"products": [], "deployment": [], "intensity": []}
    srcs = [_short(got["d23"]["source"]), _short(lfp["source"])]
    for p, chem in (("grid_storage_lfp", "ev_battery_lfp"), ("grid_storage_nmc", "ev_battery_nmc622")):
        lfp_part = p.endswith("lfp")
        rows["products"].append(row(
            dict(product=p, unit="GWh", lifetime_model="normal", lifetime=life["value"], lifetime_sd=sd["value"],
                 collection_rate=coll["value"], description=f"stationary (grid, commercial and home) batteries, "
                 f"{'LFP' if lfp_part else 'NMC'} cathode"),
            [_short(life["source"]), _short(coll["source"])], "C",
            f"lifetime normal(mean {life['value']:g}, sd {sd['value']:g}) years: the EV battery lifetime (Busch et al. "
            f"2024, A; for stationary packs: C); collection {coll['value']:g} (the Batteries Regulation's 2030 "
            "portable-battery target, B, as for the EV batteries)", "2024"))

        def share(y, lfp_part=lfp_part):
            s = _lfp_share(tech, y)[0]
            return s if lfp_part else 1.0 - s
        sp = {s: {y: v * share(y) for y, v in path.items()} for s, path in paths.items()}
        rows["deployment"] += _dep_rows(p, sp, srcs, lambda s, lfp_part=lfp_part: (
            f"{notes[s]}; x {'LFP' if lfp_part else 'NMC (1 - LFP)'} share: LFP {lfp['value']:g} of new storage in "
            f"{lfp['year']} (IEA, B), linear to 1 in {LFP_FULL_YEAR} (C: IEA world cobalt demand for grid storage is 0 "
            "in 2040, A); before 2023 held at 2023 (C)"), "2023")
        for m in ("lithium", "nickel", "cobalt", "manganese", "graphite_natural"):
            src_m = "graphite_battery" if m == "graphite_natural" else m
            r = tech.one(parameter="material_intensity", material=src_m, stage=chem)
            if r["value"] == 0:
                continue
            x = GRAPHITE_NATURAL_SHARE if m == "graphite_natural" else 1.0
            eff = efficiency(m)["value"] if m in ("lithium", "nickel", "cobalt") else 0.0
            rows["intensity"].append(row(
                dict(product=p, material=m, intensity=sig(r["value"] * KG_PER_KWH_TO_T_PER_GWH * x), annual_change=0.0,
                     base_year=2024, recycling_efficiency=eff),
                [_short(r["source"])] + ([ASSUMPTION] if x != 1.0 else []), "C",
                f"{r['value']:g} kg {src_m} per kWh ({chem}, BatPaC 5.1, A; an EV pack for a stationary one: C) x 1,000"
                + (f" x natural share {x:g} (C)" if x != 1.0 else "") + " = t per GWh, held flat; recycling efficiency "
                + (f"{eff:g} (Batteries Regulation target from end-2031, B)" if eff else "0 (no recovery target: C)"),
                "2024"))
    return rows


def fuel_cell(tech, recs: dict) -> dict:
    """Fuel-cell cars (platinum), EU registrations in vehicles per year."""
    de_stock = tech.pick("historical", parameter="installed_stock", stage="fuel_cell", country="DE")
    de_reg = tech.pick("historical", parameter="deployment", stage="fuel_cell", country="DE", year="2023")
    de_share = tech.pick("historical", parameter="market_share", stage="fuel_cell", country="DE")
    reg = de_reg["value"] / de_share["value"]
    stock = de_stock["value"] / de_share["value"]
    hist, q = geo_history(stock, reg, 2023, FC_FROM)
    hist[2024] = reg
    pgm = {(s, y): tech.pick(f"IEA2025-{s}" if y != 2024 else "IEA2025-base", parameter="tech_demand",
                             material="pgm", stage="hydrogen_tech", year=str(y))["value"]
           for s in ("STEPS", "APS") for y in (2024, 2030, 2040)}
    paths, growth = {"all": hist}, {}
    for s in ("STEPS", "APS"):
        g1 = (pgm[(s, 2030)] / pgm[(s, 2024)]) ** (1 / 6)
        g2 = (pgm[(s, 2040)] / pgm[(s, 2030)]) ** 0.1
        growth[s.lower()] = (g1, g2)
        paths[s.lower()] = {y: reg * g1 ** (y - 2024) if y <= 2030 else reg * g1 ** 6 * g2 ** (y - 2030) for y in YEARS}
    life = tech.pick("Busch2024-baseline", parameter="lifetime_mean", stage="ev_car_bev")
    sd = tech.pick("Busch2024-baseline", parameter="lifetime_sd", stage="ev_car_bev")
    pt = tech.pick("JM2023-today", parameter="material_intensity", material="platinum", stage="fuel_cell")
    chg = tech.pick("JM2023-2x-thrift", parameter="intensity_change", material="platinum", stage="fuel_cell")
    c, eff, note = _rule(recs["platinum"])
    p = "fuel_cell_car"
    rows = {"products": [row(dict(product=p, unit="vehicles", lifetime_model="normal", lifetime=life["value"],
                                  lifetime_sd=sd["value"], collection_rate=c,
                                  description="fuel-cell electric cars (EU registrations)"),
                             [_short(life["source"])], "C", f"vehicle lifetime normal(mean {life['value']:g}, sd "
                             f"{sd['value']:g}) years (Busch et al. 2024 for BEVs, A; for FCEVs: C); {note}", "2024")]}
    srcs = [_short(de_reg["source"]), _short(de_share["source"]), _short(pt["source"])]
    rows["deployment"] = _dep_rows(p, paths, srcs, lambda s: (
        f"EU = Germany / {de_share['value']:g} (Germany's share of Europe's fuel-cell cars, 2016, B; held: C): "
        f"{de_reg['value']:g} / {de_share['value']:g} = {reg:,.0f} registrations and {de_stock['value']:g} / "
        f"{de_share['value']:g} = {stock:,.0f} cars in use in 2023 (C); before: geometric x{q:.4f}/yr back to "
        f"{FC_FROM}; 2024 held at 2023 (C)" if s == "all" else
        f"scenario {s}: from {reg:,.0f} (2024) at the growth of IEA world PGM demand for hydrogen technologies "
        f"(electrolysers and fuel cells) in {s.upper()}: {growth[s][0] - 1:.2%}/yr 2024->2030, "
        f"{growth[s][1] - 1:.2%}/yr 2030->2040 (A; world proxy and electrolysers included: C)"), "2023")
    rows["intensity"] = [row(dict(product=p, material="platinum", intensity=sig(pt["value"] / G_PER_T),
                                  annual_change=chg["value"], base_year=int(pt["year"]), recycling_efficiency=eff),
                             [_short(pt["source"])], "C", f"{pt['value']:g} g Pt per vehicle in {pt['year']} (weighted "
                             f"average FCEV loading, Johnson Matthey via IPA, B) / 10^6 = t per vehicle; "
                             f"{chg['value']:+.1%}/yr = the 2x-thrift path 45 -> 23 g by 2050 (C); {note}", pt["year"])]
    return rows


def steel(tech, recs: dict) -> dict:
    """EU crude steel (manganese), Mt per year held flat."""
    d24 = tech.pick("historical", parameter="deployment", stage="steel_crude", country="EU", year="2024")
    mn = tech.pick("none", parameter="material_intensity", material="manganese", stage="steel_crude")
    lives = [tech.pick("historical", parameter="lifetime_mean", stage=s)
             for s in ("steel_construction", "steel_industrial_goods", "steel_consumer_goods", "steel_automotive")]
    mean = sum(r["value"] for r in lives) / len(lives)
    c, eff, note = _rule(recs["manganese"])
    p = "steel"
    rows = {"products": [row(dict(product=p, unit="Mt", lifetime_model="normal", lifetime=mean, lifetime_sd=STEEL_SD,
                                  collection_rate=c, description="crude steel made in the EU (Mt)"),
                             [_short(lives[0]["source"])], "C",
                             f"lifetime normal, mean {mean:g} years = the unweighted mean of the US scrapped lifetimes "
                             f"of steel in construction, industrial goods, consumer goods and automotive "
                             f"({' + '.join(format(r['value'], 'g') for r in lives)}) / 4 (Gauffin and Pistorius 2018, B; "
                             f"unweighted: C), sd {STEEL_SD:g} (C); {note}", "2014")]}
    flat = {y: d24["value"] for y in range(STEEL_FROM, YEARS[-1] + 1)}
    rows["deployment"] = _dep_rows(p, {"all": flat}, [_short(d24["source"])], lambda s: (
        f"EU-27 crude steel {d24['value']:g} Mt in 2024 (worldsteel, B), held flat {STEEL_FROM}-{YEARS[-1]} (C)"), "2024")
    rows["intensity"] = [row(dict(product=p, material="manganese", intensity=sig(mn["value"] * 1000.0),
                                  base_year=2024, recycling_efficiency=eff),
                             [_short(mn["source"])], "C", f"{mn['value']:g} kg Mn per t raw steel (US unit consumption "
                             f"as ferroalloys and metal, {mn['year']}, B; for the EU: C) x 1,000 = t Mn per Mt, held "
                             f"flat; {note}", mn["year"])]
    return rows


def share_products(tech, recs: dict, consumption: dict, inflow25: dict) -> dict:
    """The end uses known as a share of a material's use: share x the 2025 consumption, held flat.
    ``consumption[m]``: the default case's 2025 consumption; ``inflow25[m]``: the 2025 inflow of the other
    technologies (for gallium, whose USGS share includes the solar cells of the PV rows)."""
    rows = {"products": [], "deployment": [], "intensity": []}

    def add(p, m, share, srcs, share_note, mean, sd, life_note, desc, coll_eff=None, data_year="2015"):
        c, eff, note = coll_eff or _rule(recs[m])
        rows["products"].append(row(
            dict(product=p, unit="t", lifetime_model="normal", lifetime=mean, lifetime_sd=sd, collection_rate=c,
                 description=f"{desc} (1 t of {m} per unit)"),
            srcs + [ASSUMPTION], "C", f"lifetime normal: {life_note}; {note}", data_year))
        rows["intensity"].append(row(
            dict(product=p, material=m, intensity=1.0, recycling_efficiency=eff), [ASSUMPTION], "C",
            f"1 t per t; {note}"))
        rows["deployment"] += _dep_rows(p, {"all": {y: share for y in range(SHARE_HISTORY_FROM, YEARS[-1] + 1)}},
                                        srcs + [ASSUMPTION], lambda s: share_note, data_year)

    for p, (m, look, mean, sd, life_note, desc) in SHARES.items():
        r = tech.one(**look)
        v = sig(r["value"] * consumption[m])
        add(p, m, v, [_short(r["source"])], f"{r['value']:g} of {m} use ({r['confidence']}, {r['year'] or 'n.d.'}; a "
            f"world or US share for the EU: C) x the default case's 2025 consumption {consumption[m]:,.6g} t = "
            f"{v:,.6g} t/yr, held flat {SHARE_HISTORY_FROM}-{YEARS[-1]} (C)", mean, sd, life_note, desc,
            data_year=r["year"] or "2020")
    ic = tech.one(material="gallium", stage="electronics_ic", parameter="demand_share")
    opto = tech.one(material="gallium", stage="electronics_opto", parameter="demand_share")
    life = tech.one(stage="electronics", parameter="lifetime_mean")
    weee = [r for r in tech.find(parameter="collection_rate", stage="electronics", year="2022")
            if r["confidence"] == "A" and "Eurostat" in r["source"]][0]
    share = ic["value"] + opto["value"]
    v = sig(share * consumption["gallium"] - inflow25["gallium"])
    add("electronics_ga", "gallium", v, [_short(ic["source"]), _short(weee["source"])],
        f"({ic['value']:g} integrated circuits + {opto['value']:g} optoelectronics) of US gallium use (USGS, 2010, B; for "
        f"the EU: C) x the default case's 2025 consumption {consumption['gallium']:,.6g} t - the gallium of the PV rows in "
        f"2025 ({inflow25['gallium']:,.4g} t: the USGS optoelectronics include solar cells) = {v:,.6g} t/yr, held flat "
        f"{SHARE_HISTORY_FROM}-{YEARS[-1]} (C)", life["value"], 2.0,
        f"mean {life['value']:g} years (personal computers, Babbitt et al. 2009, B; for all gallium electronics: C), "
        "sd 2 (C)", "gallium in integrated circuits and optoelectronics",
        coll_eff=(weee["value"], 0.0, f"collection {weee['value']:g} = the EU WEEE collection rate 2022 (Eurostat, A); "
                  "recycling efficiency 0 (gallium's EoL-RIR is 0, A: none recovered from end-of-life electronics)"),
        data_year="2010")
    return rows


def conflict_note(m: str, consumption: float, named: float) -> str:
    """The text of a material whose named technologies exceed its 2025 consumption (docs/data.md)."""
    return (f"data conflict: the named technologies of {m} take {named:,.6g} t in 2025, more than the default case's "
            f"2025 consumption {consumption:,.6g} t (by {named - consumption:,.6g} t, {named / consumption - 1:.1%}); "
            "'other uses' is 0 and the demand follows the technologies (docs/data.md)")
