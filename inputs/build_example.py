"""Write inputs/example.xlsx: a small two-material case (gallium, NdPr oxide) that solves in seconds.

Figures are rounded from the project's reference data (data/reference/values.csv) where one
exists; the rest are marked confidence C with the reasoning in the note. Run from the project
root: ``python inputs/build_example.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.io.template import write_input_workbook  # noqa: E402

YEARS = list(range(2025, 2033))
USGS_GA = "USGS Mineral Commodity Summaries 2025, gallium"
JRC = "European Commission (2023) Study on the Critical Raw Materials for the EU 2023, Annex 7"
CRMA = "Regulation (EU) 2024/1252 (Critical Raw Materials Act), Art. 5"


def rows():
    r = {}
    r["materials"] = [
        dict(material="gallium", name="Gallium (refined, 4N)", voll=5_000_000, processing_yield=0.9,
             recycling_yield=0.8, source="assumption", confidence="C",
             note="VOLL ~3x the 2025 ex-China price (1.55 MEUR/t); yields are typical hydrometallurgy"),
        dict(material="ndpr", name="NdPr oxide", voll=1_000_000, processing_yield=0.92, recycling_yield=0.9,
             source="assumption", confidence="C", note="VOLL ~10x the NdPr oxide price"),
    ]
    growth = {"gallium": (50, 0.05), "ndpr": (4600, 0.06)}
    r["demand"] = []
    for mat, (base, g) in growth.items():
        for t in YEARS:
            r["demand"].append(dict(
                material=mat, year=t, demand=round(base * (1 + g) ** (t - 2025), 1),
                eol_arising=round(base * 0.6 * (1 + g) ** (t - 2025), 1), collection_rate=0.5,
                source="dnews.gr 2025 (gallium 50 t); Commission/JRC NdFeB figures (ndpr)", confidence="C",
                note=f"base 2025 demand, growth {g:.0%}/yr assumed; EoL arisings 60 % of demand assumed"))
    offers = {
        "gallium": [("CN", "processing", 200, 420_000), ("CA", "processing", 8, 1_500_000),
                    ("JP", "processing", 5, 1_550_000), ("RW", "processing", 10, 1_600_000)],
        "ndpr": [("CN", "processing", 20_000, 60_000), ("MY", "processing", 1500, 75_000),
                 ("VN", "processing", 500, 80_000), ("AU", "extraction", 3000, 40_000),
                 ("RW", "processing", 800, 85_000)],
    }
    r["supply"] = [dict(material=mat, country=c, stage=k, year=t, available=a, price=p,
                        source=USGS_GA if mat == "gallium" else "USGS MCS 2025 (Nd oxide price proxy)",
                        confidence="C", note="price rounded from the reference data; availability assumed")
                   for mat, lst in offers.items() for (c, k, a, p) in lst for t in YEARS]
    r["upstream"] = [
        dict(material="ndpr", country="CN", origin="CN", share=0.7, source=JRC, confidence="C",
             note="China refines imported Myanmar ore; shares assumed for the example"),
        dict(material="ndpr", country="CN", origin="MM", share=0.3, source=JRC, confidence="C"),
        dict(material="ndpr", country="MY", origin="AU", share=1.0, source="Lynas annual report", confidence="B"),
    ]
    r["technology"] = [
        dict(material="gallium", stage="processing", capex=5_910_000, fixed_om=150_000, variable_om=250_000,
             lifetime=20, lead_time=3, max_build_per_year=50, module_size=10,
             source="Metlen Agios Nikolaos 50 t/yr, EUR 295.5m (upper bound, incl. alumina)", confidence="C",
             note="modules of 10 t/yr; O&M assumed"),
        dict(material="gallium", stage="recycling", capex=2_000_000, fixed_om=60_000, variable_om=200_000,
             lifetime=20, lead_time=2, max_build_per_year=10, source="assumption", confidence="C",
             note="new-scrap recycling, a third of primary capex"),
        dict(material="ndpr", stage="processing", capex=30_000, fixed_om=1_500, variable_om=12_000,
             lifetime=25, lead_time=3, max_build_per_year=2000,
             source="Iluka Eneabba / Solvay La Rochelle (reference data)", confidence="C"),
        dict(material="ndpr", stage="recycling", capex=40_000, fixed_om=2_000, variable_om=20_000,
             lifetime=20, lead_time=2, max_build_per_year=500, source="Carester Caremag (reference data)",
             confidence="C"),
        dict(material="ndpr", stage="extraction", capex=25_000, fixed_om=1_000, variable_om=30_000,
             lifetime=25, lead_time=6, max_build_per_year=1000, max_capacity=2000,
             source="assumption", confidence="C", note="EU REE mining (e.g. Norra Karr) is slow to permit"),
    ]
    r["capacity_existing"] = (
        [dict(material="ndpr", stage="processing", year=t, capacity=400, source="Solvay La Rochelle, Neo Silmet",
              confidence="C") for t in YEARS]
        + [dict(material="gallium", stage="processing", year=t, capacity=5 if t >= 2027 else 0,
                source="Metlen pilot 2027", confidence="B") for t in YEARS])
    r["stockpile"] = [
        dict(material="gallium", holding_cost=5_000, coverage_days=60, coverage_basis="imports_from",
             coverage_country="CN", source="RPA 2012 stockpiling cost 0.125 %/yr x3 + 1 % capital (assumed)",
             confidence="C"),
        dict(material="ndpr", holding_cost=600, coverage_days=30, coverage_basis="consumption",
             source="assumption", confidence="C"),
    ]
    r["benchmarks"] = [
        dict(benchmark="extraction", material="all", level=0.10, start_year=2030, ramp_from_year=2027,
             enforcement="soft", penalty=200_000, source=CRMA, confidence="A",
             note="soft: only to the extent EU reserves allow"),
        dict(benchmark="processing", material="all", level=0.40, start_year=2030, ramp_from_year=2027,
             source=CRMA, confidence="A"),
        dict(benchmark="recycling", material="all", level=0.25, start_year=2030, enforcement="soft",
             penalty=2_000_000, source=CRMA, confidence="A", note="soft: feedstock may not allow it"),
        dict(benchmark="single_country", material="all", level=0.65, start_year=2030, source=CRMA,
             confidence="A"),
    ]
    return r


def disruption_rows():
    """Scenarios modelled on real events (data/reference/disruptions.csv), probabilities assumed."""
    src = "data/reference/disruptions.csv (USGS MCS 2025 gallium; MOFCOM 2023/2025 notices)"
    scen = [
        dict(scenario="ga_cn_licence_2028", probability=0.10,
             description="China's gallium export licensing (as from Aug 2023) halves exports for 1 yr",
             source=src, confidence="C", note="probability: about one such episode per decade assumed"),
        dict(scenario="ga_cn_ban_2029", probability=0.05,
             description="China bans gallium exports to the EU for 1.5 yr (cf. the Dec 2024 US ban)",
             source=src, confidence="C", note="probability assumed: half the licence case"),
        dict(scenario="ree_cn_cut_2030", probability=0.08,
             description="China cuts rare-earth (NdPr) exports by 40 % for 1 yr (cf. the 2010 quota cut)",
             source=src, confidence="C", note="probability assumed"),
    ]
    dis = [
        dict(scenario="ga_cn_licence_2028", material="gallium", country="CN", stage="processing",
             start_year=2028.0, duration=1.0, severity=0.5, price_multiplier=1.75, source=src, confidence="B",
             note="severity and price x1.75 as in 2023-24 (USGS)"),
        dict(scenario="ga_cn_ban_2029", material="gallium", country="CN", stage="processing",
             start_year=2029.0, duration=1.5, severity=1.0, price_multiplier=2.5, source=src, confidence="C"),
        dict(scenario="ree_cn_cut_2030", material="ndpr", country="CN", stage="processing",
             start_year=2030.0, duration=1.0, severity=0.4, price_multiplier=3.0, source=src, confidence="B",
             note="2010: export quota -40 %, NdPr prices rose many-fold; x3 for a basket assumed"),
    ]
    return {"scenarios": scen, "disruptions": dis}


def purchasing_rows():
    """Three buyers sharing the example's demand, tiered non-Chinese offers and one offtake contract."""
    shares = {"DE": 0.45, "FR": 0.30, "IT": 0.25}
    note = "illustrative split of EU demand by member state (assumption)"
    buyers = [dict(buyer=b, material=d["material"], year=d["year"], demand=round(d["demand"] * sh, 6),
                   source="assumption", confidence="C", note=note)
              for d in rows()["demand"] for b, sh in shares.items()]
    # round-off: give the last buyer the remainder so that buyers add up to the demand sheet
    total = {}
    for r in buyers:
        total[(r["material"], r["year"])] = total.get((r["material"], r["year"]), 0.0) + r["demand"]
    for r in buyers:
        if r["buyer"] == "IT":
            d = next(x["demand"] for x in rows()["demand"]
                     if (x["material"], x["year"]) == (r["material"], r["year"]))
            r["demand"] = round(r["demand"] + d - total[(r["material"], r["year"])], 6)
    tiers = [
        dict(material="ndpr", country="MY", stage="processing", tier="1", min_volume=0, price=75_000,
             source="assumption", confidence="C", note="list price as in the supply sheet"),
        dict(material="ndpr", country="MY", stage="processing", tier="2", min_volume=600, price=70_000,
             source="assumption", confidence="C", note="-7 % for a volume a single member state rarely reaches"),
        dict(material="ndpr", country="MY", stage="processing", tier="3", min_volume=1200, price=66_000,
             source="assumption", confidence="C", note="-12 % for pooled EU volumes"),
        dict(material="gallium", country="CA", stage="processing", tier="1", min_volume=0, price=1_500_000,
             source="assumption", confidence="C"),
        dict(material="gallium", country="CA", stage="processing", tier="2", min_volume=6, price=1_300_000,
             source="assumption", confidence="C", note="-13 % from 6 t/yr"),
    ]
    contracts = [dict(contract="ga_ca_offtake", material="gallium", country="CA", stage="processing",
                      price=600_000, min_take=2, max_take=5, start_year=2027, duration=6,
                      source="assumption", confidence="C",
                      note="fixed-price offtake in the style of the EU Raw Materials Platform calls; "
                           "priced between the Chinese (420,000) and Canadian (1.3-1.5 M) spot prices: "
                           "the example signs it at its largest take")]
    return {"buyers": buyers, "tiers": tiers, "contracts": contracts}


SETS = {"material": ["gallium", "ndpr"], "country": ["EU", "CN", "CA", "JP", "MY", "VN", "AU", "MM", "RW"],
        "stage": ["extraction", "processing", "recycling"], "year": YEARS}


def main(path=ROOT / "inputs" / "example.xlsx",
         disrupted=ROOT / "inputs" / "example_disruptions.xlsx"):
    write_input_workbook(path, sets=SETS, rows=rows(),
                         settings={"case_name": "example", "discount_rate": 0.05})
    print(f"wrote {path}")
    write_input_workbook(disrupted, sets=SETS, rows={**rows(), **disruption_rows()},
                         settings={"case_name": "example_disruptions", "discount_rate": 0.05})
    print(f"wrote {disrupted}")
    joint = ROOT / "inputs" / "example_purchasing.xlsx"
    write_input_workbook(joint, sets=SETS, rows={**rows(), **purchasing_rows()},
                         settings={"case_name": "example_purchasing", "discount_rate": 0.05})
    print(f"wrote {joint}")


if __name__ == "__main__":
    main()
