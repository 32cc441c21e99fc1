"""The technologies of the default EU case besides the EV battery cathodes (inputs/eu_technologies.py):
battery anodes and manganese, permanent magnets in EV traction motors and wind turbines, solar PV and
PEM electrolysers. Each function returns the rows of the sheets products, deployment and intensity of
one technology, every row with its source, grade, data year and derivation.

Read from ``data/reference/technologies.csv`` (IEA Critical Minerals Dataset 2025, JRC 2020 foresight,
PV_ICE, BatPaC 5.1, WindEurope and SolarPower Europe figures, EU targets). Rules (grade C; docs/data.md):

* Two demand scenarios, as for the batteries: ``steps`` (the lower EU path, IEA STEPS growth) and
  ``aps`` (the higher EU path, IEA APS growth). History ('all') is the same in both.
* History of a product whose stock in use is known but not its past deployment: deployment grew
  geometrically into the last known year from ``HISTORY_FROM``, at the rate that puts the known stock in
  use (retirements before then ignored: C).
* Recycling of a product without its own figure: collection x efficiency = the material's end-of-life
  recycling input rate today (collection = EoL-RIR / recycling yield, efficiency = the recycling yield of
  the default case), the rule of the 'other uses' rows.
* EV traction motors are counted by the GWh of EV batteries they drive (the same deployment as the
  batteries): rare earths per GWh = IEA's world demand of the element in EV motors in 2024 over the
  world's 950 GWh of EV batteries in 2024 (both read; the world ratio used for the EU: C).
* Wind: rare earths per GW = the JRC 2020 foresight's EU 2030 demand in wind turbines (medium
  scenario) over the EU 2030 additions of the 2030 target pathway, 30 GW/yr (both read: C). The JRC
  table has Nd, Pr and Dy; terbium is not in it and is left out (a gap: DyTb is Dy only here).
* Solar PV: silicon per GW from PV_ICE (wafer silicon, 1,647 t/GW in 2024 falling 1.43 %/yr; C as
  derived there); gallium and germanium per GW = the JRC 2020 medium 2030 EU demand in PV over PV_ICE's
  EU 2030 additions (C).
* PEM electrolysers: platinum 0.4 t/GW (Clean Hydrogen Partnership PEM KPI table, 0.4 mg Pt per W,
  the 2024 state of the art it targets, B), PEM share 1/3 of EU electrolysers (C: WPIC expects 30-38 %
  of the 2030 world market); nickel of alkaline stacks has no intensity in the data (a gap).
"""
from __future__ import annotations

from inputs.eu_common import ASSUMPTION, FIRST, YEARS, _short, row, sig

HISTORY_FROM = 2000
KG_PER_KWH_TO_T_PER_GWH = 1000.0
GRAPHITE_NATURAL_SHARE = 0.5  # C: no natural / synthetic split of anode graphite in the data
PEM_SHARE = 1.0 / 3.0  # C: WPIC's 30-38 % of the 2030 world electrolyser market
PT_T_PER_GW = 0.4  # 0.4 mg/W, Clean Hydrogen Partnership PEM KPI table (B)
CHP_PEM = ("Clean Hydrogen Partnership, 'Hydrogen production from renewable electricity ... using PEM "
           "electrolysers', KPI table (https://www.clean-hydrogen.europa.eu/hydrogen-production-renewable-"
           "electricity-energy-storage-and-grid-balancing-using-pem-electrolysers_en)")
WPIC = "World Platinum Investment Council (2023), via Mining Weekly 15 Sep 2023 (PEM 30 % of 2030 electrolysers)"
SCENARIO_IEA = {"steps": "IEA2025-STEPS", "aps": "IEA2025-APS"}


def geo_history(stock: float, last: float, last_year: int, first: int = HISTORY_FROM) -> tuple[dict, float]:
    """{year: deployment} from ``first`` to ``last_year``, geometric into ``last`` with the sum ``stock``."""
    from inputs.eu_technologies import _geo_rate

    q = _geo_rate(stock, last, last_year - first + 1)
    return {y: last * q ** (y - last_year) for y in range(first, last_year + 1)}, q


def path_to(start: float, start_year: int, target: float, target_year: int, after: float = 1.0) -> dict:
    """Geometric from ``start`` (start_year) to ``target`` (target_year), then x ``after`` a year."""
    g = (target / start) ** (1.0 / (target_year - start_year))
    return {y: start * g ** (y - start_year) if y <= target_year else target * after ** (y - target_year)
            for y in YEARS}


def _dep_rows(product: str, paths: dict, srcs: list, note_of, data_year: str = "2024") -> list:
    out = []
    for scen, path in paths.items():
        for y, v in path.items():
            if scen != "all" and y < FIRST:
                continue
            out.append(row(dict(demand_scenario=scen, product=product, year=y, deployment=sig(v)),
                           srcs, "C", note_of(scen), data_year))
    return out


def _sum_text(rows: list) -> str:
    return " + ".join(f"{r['value']:g}" for r in rows)


def _rule(rec: dict) -> tuple[float, float, str]:
    """(collection, efficiency, note) of the recycling rule for a material without its own figures."""
    y = rec["y"].value
    c = min(1.0, rec["f0"] / y) if y > 0 else 0.0
    return sig(c, 4), sig(y), (f"collection x efficiency = today's EoL-RIR {rec['f0']:g} (collection "
                               f"{c:.4g} = {rec['f0']:g} / recycling yield {y:g}; C)")


def battery_extra(tech, shares: dict) -> list:
    """Intensity rows of manganese and natural graphite in the EV battery chemistries (BatPaC 5.1)."""
    out = []
    for p in shares:
        mn = tech.one(parameter="material_intensity", material="manganese", stage=p)
        gr = tech.one(parameter="material_intensity", material="graphite_battery", stage=p)
        out.append(row(dict(product=p, material="manganese", intensity=sig(mn["value"] * KG_PER_KWH_TO_T_PER_GWH),
                            base_year=2024, recycling_efficiency=0.0),
                       [_short(mn["source"])], "B", f"{mn['value']:g} kg Mn per kWh (BatPaC 5.1, A) x 1,000 = t "
                       "per GWh, held flat; recycling efficiency 0 (C: the Batteries Regulation sets no "
                       "manganese recovery target)", "2024"))
        out.append(row(dict(product=p, material="graphite_natural",
                            intensity=sig(gr["value"] * KG_PER_KWH_TO_T_PER_GWH * GRAPHITE_NATURAL_SHARE),
                            base_year=2024, recycling_efficiency=0.0),
                       [_short(gr["source"]), ASSUMPTION], "C", f"{gr['value']:g} kg anode graphite per kWh "
                       f"(BatPaC 5.1, A) x 1,000 x natural share {GRAPHITE_NATURAL_SHARE:g} (C: no natural/"
                       "synthetic split in the data); recycling efficiency 0 (C: no graphite recovery target)",
                       "2024"))
    return out


def ev_motor(tech, battery_paths: dict, recs: dict) -> dict:
    """EV traction motors (NdPr, DyTb), counted by the GWh of EV batteries they drive."""
    w = tech.pick("historical", parameter="deployment", stage="ev_battery", year="2024", country="WORLD")
    life = tech.pick("Busch2024-baseline", parameter="lifetime_mean", stage="ev_car_bev")
    sd = tech.pick("Busch2024-baseline", parameter="lifetime_sd", stage="ev_car_bev")
    p = "ev_motor_pm"
    rows = {"products": [], "deployment": [], "intensity": []}
    rows["products"].append(row(dict(product=p, unit="GWh", lifetime_model="normal", lifetime=life["value"],
                                     lifetime_sd=sd["value"], collection_rate=_rule(recs["ndpr"])[0],
                                     description="permanent-magnet traction motors of EVs, counted by the GWh "
                                     "of EV batteries they drive"),
                                [_short(life["source"])], "C", f"vehicle lifetime normal(mean {life['value']:g}, "
                                f"sd {sd['value']:g}) years (Busch et al. 2024, A; logistic taken as normal: C); "
                                + _rule(recs["ndpr"])[2], "2024"))
    rows["deployment"] = _dep_rows(p, battery_paths, [ASSUMPTION], lambda s: (
        "the EV battery deployment of the demand scenario (inputs/eu_technologies.py, sum of the chemistries): "
        "the motors are counted by the batteries they drive"))
    for m, elems in (("ndpr", ("neodymium", "praseodymium")), ("dytb", ("dysprosium", "terbium"))):
        got = [tech.pick("IEA2025-base", parameter="tech_demand", material=e, stage="ev_motor_pmsm", year="2024")
               for e in elems]
        kt = sum(r["value"] for r in got)
        c, eff, note = _rule(recs[m])
        rows["intensity"].append(row(
            dict(product=p, material=m, intensity=sig(kt * 1000.0 / w["value"]), base_year=2024,
                 recycling_efficiency=eff),
            [_short(got[0]["source"]), _short(w["source"])], "C",
            f"IEA world demand in EV motors 2024 ({_sum_text(got)} kt {'+'.join(elems)}, "
            f"A) x 1,000 / world EV batteries {w['value']:g} GWh (2024, B) = t per GWh, held flat (world ratio for "
            f"the EU: C); {note}", "2024"))
    return rows


def wind(tech, recs: dict) -> dict:
    """Wind turbines (NdPr, DyTb): EU additions in GW, history from the installed stock."""
    d24 = tech.pick("historical", parameter="deployment", stage="wind_all", year="2024", country="EU")
    stock = tech.pick("historical", parameter="installed_stock", stage="wind_all", year="2024", country="EU")
    hist, q = geo_history(stock["value"], d24["value"], 2024)
    lo = tech.pick("WindEurope-2025-outlook", parameter="deployment", stage="wind_all", year="2030")
    hi = tech.pick("EU-2030-target-pathway", parameter="deployment", stage="wind_all", year="2030")
    life = [r for r in tech.find(parameter="lifetime_mean", stage="wind_all") if r["value"] == 25.0][0]
    paths = {"all": hist, "steps": path_to(d24["value"], 2024, lo["value"], 2030),
             "aps": path_to(d24["value"], 2024, hi["value"], 2030)}
    p = "wind_turbine"
    c, eff, note = _rule(recs["ndpr"])
    rows = {"products": [row(dict(product=p, unit="GW", lifetime_model="normal", lifetime=life["value"],
                                  lifetime_sd=5.0, collection_rate=c, description="wind turbines (EU additions, "
                                  "onshore and offshore, all drive trains)"),
                             [_short(life["source"])], "C", f"lifetime {life['value']:g} years ({life['confidence']}; "
                             f"designed for 20-25, extendable), sd 5 (C); {note}", "2023")]}
    srcs = [_short(d24["source"]), _short(stock["source"]), _short(lo["source"]), _short(hi["source"])]
    anchor = {"steps": lo, "aps": hi}
    rows["deployment"] = _dep_rows(p, paths, srcs, lambda s: (
        f"{d24['value']:g} GW in 2024 (B); before: geometric x{q:.4f}/yr back to {HISTORY_FROM} so that "
        f"{stock['value']:g} GW are in use in 2024 (B; retirements ignored: C)" if s == "all" else
        f"scenario {s}: geometric from {d24['value']:g} GW (2024) to {anchor[s]['value']:g} GW/yr in 2030 "
        f"({anchor[s]['note'].split(';')[0]}), flat after 2030 (C)"))
    rows["intensity"] = []
    per_gw = hi["value"]
    for m, elems in (("ndpr", ("neodymium", "praseodymium")), ("dytb", ("dysprosium",))):
        got = [tech.pick("JRC2020-medium (MDS)", parameter="tech_demand", material=e, stage="wind_all", year="2030",
                         country="EU") for e in elems]
        t = sum(r["value"] for r in got)
        rows["intensity"].append(row(
            dict(product=p, material=m, intensity=sig(t / per_gw), base_year=2030, recycling_efficiency=eff),
            [_short(got[0]["source"]), _short(hi["source"])], "C",
            f"JRC 2020 foresight, EU 2030 demand in wind, medium ({_sum_text(got)} t "
            f"{'+'.join(elems)}, A) / EU 2030 additions {per_gw:g} GW/yr (target pathway, B) = t per GW, held flat"
            + ("; terbium is not in the JRC table (gap)" if m == "dytb" else "") + f"; {note}", "2020"))
    return rows


def solar(tech, recs: dict) -> dict:
    """Solar PV (silicon metal, gallium, germanium): EU additions in GW(dc)."""
    d24 = tech.pick("historical", parameter="deployment", stage="solar_pv", year="2024", country="EU")
    stock = tech.pick("historical", parameter="installed_stock", stage="solar_pv", year="2024", country="EU")
    hist, q = geo_history(stock["value"], d24["value"], 2024)
    trend = tech.pick("SPE-2025-current-trends", parameter="installed_stock", stage="solar_pv", year="2030")
    target = tech.pick("EU-REPowerEU-target", parameter="installed_stock", stage="solar_pv", year="2030")
    ice = {y: tech.pick("PV_ICE-EU-baseline", parameter="deployment", stage="solar_pv_csi", year=str(y))
           for y in (2030, 2040)}
    lo = (trend["value"] - stock["value"]) / 6.0
    hi_avg = (target["value"] - stock["value"]) / 6.0
    after = (ice[2040]["value"] / ice[2030]["value"]) ** 0.1
    paths = {"all": hist, "steps": {y: lo for y in YEARS},
             "aps": {y: hi_avg if y <= 2030 else hi_avg * after ** (y - 2030) for y in YEARS}}
    life = tech.pick("PV_ICE-EU-baseline", parameter="lifetime_mean", stage="solar_pv_csi")
    coll = tech.pick("PV_ICE-EU-baseline", parameter="collection_rate", stage="solar_pv_csi", year="2030")
    p = "solar_pv"
    rows = {"products": [row(dict(product=p, unit="GW", lifetime_model="weibull", lifetime=life["value"],
                                  weibull_shape=7.31, collection_rate=coll["value"],
                                  description="solar PV modules (EU additions, GW dc)"),
                             [_short(life["source"])], "C", f"Weibull, mean {life['value']:g} years, shape 7.31 "
                             f"(PV_ICE t50/t90, C as derived there); collection {coll['value']:g} (PV_ICE from "
                             "2030, A)", "2024")]}
    srcs = [_short(d24["source"]), _short(stock["source"]), _short(trend["source"]), _short(target["source"])]
    rows["deployment"] = _dep_rows(p, paths, srcs, lambda s: (
        f"{d24['value']:g} GW in 2024 (B); before: geometric x{q:.4f}/yr back to {HISTORY_FROM} so that "
        f"{stock['value']:g} GW are in use in 2024 (B; retirements ignored: C)" if s == "all" else
        f"scenario steps: ({trend['value']:g} GW in 2030, SolarPower Europe current trends, B - {stock['value']:g} "
        f"GW in 2024) / 6 = {lo:.1f} GW/yr, flat (C)" if s == "steps" else
        f"scenario aps: ({target['value']:g} GW in 2030, REPowerEU target, B - {stock['value']:g} GW in 2024) / 6 "
        f"= {hi_avg:.1f} GW/yr to 2030, then the growth of PV_ICE's EU additions 2030->2040 "
        f"({ice[2030]['value']:g} -> {ice[2040]['value']:g} GW/yr, A) = {after - 1:.2%}/yr (C)"))
    si = tech.find(parameter="material_intensity", material="silicon_metal", stage="solar_pv_csi", unit="kg Si per MW")
    si24 = [r for r in si if r["year"] == "2024"][0]
    chg = tech.one(parameter="intensity_change", material="silicon_metal", stage="solar_pv_csi")
    eff = tech.one(parameter="recycling_efficiency", material="silicon_metal", stage="solar_pv_csi")
    rows["intensity"] = [row(
        dict(product=p, material="silicon_metal", intensity=sig(si24["value"]), annual_change=chg["value"],
             base_year=2024, recycling_efficiency=eff["value"]),
        [_short(si24["source"])], "C", f"{si24['value']:g} kg Si per MW = t per GW (PV_ICE wafer silicon 2024, "
        f"C as derived there: 365.653 g/m2 / 22.21 % efficiency), {chg['value']:+.2%}/yr; silicon metal lost to "
        f"kerf and polysilicon refining not counted (a lower bound); recycling efficiency {eff['value']:g} (PV_ICE, "
        "A)", "2024")]
    for m in ("gallium", "germanium"):
        j = tech.pick("JRC2020-medium (MDS)", parameter="tech_demand", material=m, stage="solar_pv", year="2030",
                      country="EU")
        rows["intensity"].append(row(
            dict(product=p, material=m, intensity=sig(j["value"] / ice[2030]["value"]), base_year=2030,
                 recycling_efficiency=0.0),
            [_short(j["source"]), _short(ice[2030]["source"])], "C",
            f"JRC 2020 foresight, EU 2030 demand in PV, medium ({j['value']:g} t, A) / PV_ICE EU 2030 additions "
            f"{ice[2030]['value']:g} GW/yr (A) = t per GW, held flat; not recovered (C)", "2020"))
    return rows


def electrolyser(tech, recs: dict) -> dict:
    """PEM electrolysers (platinum): EU additions in GW, a third of all electrolysers."""
    s22 = tech.pick("historical", parameter="installed_stock", stage="electrolyser_all", year="2022", country="EU")
    lo = tech.pick("EU-H2-Strategy-2020", parameter="installed_stock", stage="electrolyser_all", year="2030")
    hi = tech.pick("REPowerEU-10Mt", parameter="installed_stock", stage="electrolyser_all", year="2030")
    g = (lo["value"] / s22["value"]) ** (1 / 8)

    def stock(y):  # all electrolysers in use at the end of year y, history (C)
        return s22["value"] * g ** (y - 2022)

    hist = {y: PEM_SHARE * (stock(y) - stock(y - 1)) for y in range(2010, 2025)}
    out = {"all": hist}
    for s, tgt in (("steps", lo), ("aps", hi)):
        h = (tgt["value"] / stock(2024)) ** (1 / 6)
        last = PEM_SHARE * (stock(2024) * h ** 6 - stock(2024) * h ** 5)
        out[s] = {y: PEM_SHARE * (stock(2024) * h ** (y - 2024) - stock(2024) * h ** (y - 2025)) if y <= 2030 else last
                  for y in YEARS}
    life = [r for r in tech.find(parameter="lifetime_mean", stage="electrolyser_pem", unit="years (system)")
            if r["value"] == 20.0][0]
    c, eff, note = _rule(recs["platinum"])
    p = "electrolyser_pem"
    rows = {"products": [row(dict(product=p, unit="GW", lifetime_model="fixed", lifetime=life["value"],
                                  collection_rate=c, description="PEM water electrolysers (EU additions, GW)"),
                             [_short(life["source"])], "C", f"system lifetime {life['value']:g} years fixed (the upper "
                             f"end of 10-20 years, B; fixed: C); {note}", "2020")]}
    srcs = [_short(s22["source"]), _short(lo["source"]), _short(hi["source"]), WPIC]
    rows["deployment"] = _dep_rows(p, out, srcs, data_year="2022", note_of=lambda s: (
        f"PEM share {PEM_SHARE:.3g} (C) x the growth of the EU electrolyser stock: {s22['value']:g} GW in 2022 (B), "
        f"geometric x{g:.4f}/yr (the rate to {lo['value']:g} GW in 2030) back to 2010 (C)" if s == "all" else
        f"PEM share {PEM_SHARE:.3g} (C) x additions of a stock growing geometrically from 2024 to "
        f"{(lo if s == 'steps' else hi)['value']:g} GW in 2030 ({(lo if s == 'steps' else hi)['note'].split(';')[0]}), "
        "additions flat after 2030 (C)"))
    rows["intensity"] = [row(dict(product=p, material="platinum", intensity=PT_T_PER_GW, base_year=2024,
                                  recycling_efficiency=eff),
                             [CHP_PEM], "B", f"0.4 mg Pt per W = {PT_T_PER_GW:g} t per GW (the KPI table's 2024 "
                             "figure; 0.7 in 2020, 0.1 targeted for 2030: thrifting not modelled, an upper bound), "
                             f"held flat; {note}", "2024")]
    return rows
