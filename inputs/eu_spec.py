"""What the EU case reads where, per material: prices, yields, margins, capex rules, sourcing
distributions, end-of-life parameters (inputs/build_eu_case.py uses them)."""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from inputs.eu_common import ISE, J, SSE  # noqa: E402

# (the row prices the ore/concentrate stage per t contained). factor converts to the model unit.
SPEC = {
    "aluminium": dict(
        name="Aluminium (bauxite -> alumina -> metal), t Al",
        price=dict(material="aluminium", year="2024"), basis="refined",
        yield_=(0.88, "Bayer alumina recovery ~0.90 x smelting ~0.98"), margin=(0.85, "bauxite is "
        "~10-15 % of aluminium's value; alumina refining and smelting energy dominate"),
        capex_p=("sum", [("ref", dict(parameter="capex_eur_per_tpa", material="aluminium", country="US")),
                         (1955, ("alumina refining share: 1.93 t alumina per t Al; kept from the former "
                                 "7,500 EUR total less a 6,000 USD (5,545 EUR) smelter"))]),
        capex_e=(300, "bauxite mine ~70 EUR per t/yr of bauxite at ~26 % Al"), e_lead=6,
        e_max_factor=1.5, capex_r=(800, "remelting/refining plant, ~0.3 x price"),
    ),
    "bismuth": dict(
        name="Bismuth metal, t Bi", price=dict(material="bismuth", year="2024"), basis="refined",
        yield_=(0.9, "by-product refining recovery"), margin=(0.3, "by-product feed (lead/tungsten "
        "residues) is priced at ~70 % of metal value"),
        capex_p=(20000, "small by-product refinery, ~2 x price per t/yr"),
        capex_r=(10000, "~1 x price per t/yr"), byproduct=True,
    ),
    "boron": dict(
        name="Boron (borates), t B", price=dict(material="boron", year="2024"), basis="refined",
        factor=(1 / (0.40 * 0.3106), "price per t borate product / (0.40 t B2O3 per t product x "
                "0.3106 t B per t B2O3; content factor row, A)"),
        yield_=(0.9, "borate refining recovery"), margin=(0.5, "refined borates (boric acid) sell "
        "at about twice the boron value of concentrate"),
        capex_p=(3000, "boric acid plant, ~0.7 x price per t B/yr"),
        capex_r=(4000, "~1 x price"),
    ),
    "cobalt": dict(
        name="Cobalt (refined, all grades), t Co",
        price=dict(material="cobalt", year="2024", note__has="LME"), basis="refined",
        yield_=(0.9, "hydroxide/matte refining recovery"), margin=(0.25, "cobalt hydroxide "
        "payables ~75 % of the metal price"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="cobalt", stage="processing")),
        capex_e=(100000, "nickel-cobalt by-product mine share, ~4 x price per t Co/yr"), e_lead=6,
        e_max_factor=3.0, capex_r=(25000, "battery hydrometallurgy, ~1 x price per t Co/yr"),
    ),
    "copper": dict(
        name="Copper (refined), t Cu", price=dict(material="copper", year="2024"), basis="refined",
        yield_=(0.97, "smelting and refining recovery"), margin=(0.10, "treatment and refining "
        "charges ~8-10 % of the copper price"),
        capex_p=(6000, "smelter + refinery ~5,000-7,000 USD per t/yr"),
        capex_e=(15000, "greenfield copper mine ~15,000-25,000 USD per t Cu/yr"), e_lead=6,
        e_max_factor=1.5, capex_r=(2000, "secondary smelting, ~0.25 x price"),
    ),
    "gallium": dict(
        name="Gallium (refined, 4N), t Ga", price=None, basis="refined",
        yield_=(0.5, "gallium recovery from Bayer liquor ~30-60 %"), margin=(0.7, "gallium in "
        "bauxite has almost no value before recovery"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="gallium", stage="processing")),
        # no extraction stage: gallium is recovered from alumina refining (sheet byproducts), which
        # is EU processing of gallium; gallium left in bauxite is not credited at any stage
        capex_r=(400000, "new-scrap recycling ~1 x China price per t/yr"),
    ),
    "germanium": dict(
        name="Germanium (refined metal), t Ge",
        price=dict(material="germanium", year="2024", unit="USD/t metal"), basis="refined",
        yield_=(0.8, "recovery from zinc residues/concentrates"), margin=(0.5, "germanium "
        "concentrates priced at ~half the metal"),
        capex_p=(2000000, "small high-value refinery, ~1 x price per t/yr"),
        capex_r=(2000000, "~1 x price per t/yr"), byproduct=True,
    ),
    "lithium": dict(
        name="Lithium (battery grade), t Li", price=dict(material="lithium", year="2024"),
        basis="refined", factor=("content", dict(parameter="content_factor", material="lithium",
                                                  note__has="Li2CO3 (LCE)")),
        yield_=(0.85, "spodumene conversion recovery 85-90 %"), margin=(0.5, "spodumene "
        "concentrate trades at about half of the lithium value of the chemical"),
        capex_p=("mean", [dict(parameter="capex_eur_per_tpa", material="lithium",
                               stage="processing", country="DE"),
                          dict(parameter="capex_eur_per_tpa", material="lithium",
                               stage="processing", country="FI")]),
        capex_e=("ref", dict(parameter="capex_total_eur", material="lithium", stage="extraction",
                             year="2023")), e_lead=6, e_max=(25000, "advanced EU projects (Keliber "
        "2.5, Barroso 4.9, Imerys EMILI ~5.6, Cinovec ~5, Vulcan ~4 kt Li/yr) sum to ~22-25 kt"),
        capex_r=(70000, "battery hydrometallurgy, ~1 x price per t Li/yr"),
    ),
    "magnesium": dict(
        name="Magnesium metal, t Mg", price=dict(material="magnesium", year="2024",
                                                  unit="USD/t metal"), basis="refined",
        yield_=(0.8, "Pidgeon process magnesium recovery ~80 %"), margin=(0.8, "dolomite is "
        "cheap; energy and ferrosilicon dominate"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="magnesium", country="RO")),
        capex_e=(500, "dolomite quarry"), e_lead=3, e_max=None,
        capex_r=(1000, "remelting, ~0.4 x price"), eu_feed=True,
    ),
    "manganese": dict(
        name="Manganese (all grades), t Mn", price=dict(material="manganese", year="2024"),
        basis="ore", yield_=(0.85, "ferroalloy/sulphate recovery"), margin=(0.5, "alloy/sulphate "
        "value roughly twice the ore value per t Mn"),
        capex_p=(2000, "ferromanganese / sulphate plant ~1,000-3,000 EUR per t Mn/yr; the EU's "
                 "battery-grade project (Chvaletice, CZ: 15,367 EUR per t Mn/yr, values.csv, B) is not "
                 "used: most EU manganese is alloy grade"),
        capex_e=(5000, "small EU manganese deposits, ~4 x price per t Mn/yr"), e_lead=6,
        e_max=(20000, "small EU deposits (RO, BG, HU)"), capex_r=(1500, "~1 x price"),
    ),
    "graphite_natural": dict(
        name="Natural graphite (concentrate / processed), t graphite",
        price=dict(material="graphite_natural", year="2024"), basis="ore",
        yield_=(0.9, "purification/shaping recovery"), margin=(0.3, "processed graphite sells "
        "~40 % above flake concentrate (battery-grade anode prices are a data gap)"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="graphite_natural",
                             stage="processing")),
        capex_e=(3000, "graphite mine + concentrator, ~2 x concentrate price per t/yr"), e_lead=6,
        e_max=(30000, "Vittangi (SE) and smaller EU deposits"),
        capex_r=(1500, "~1 x price"),
    ),
    "nickel": dict(
        name="Nickel (all grades), t Ni", price=dict(material="nickel", year="2024"),
        basis="refined", yield_=("ref", dict(parameter="processing_yield", material="nickel")),
        margin=(0.2, "matte/MHP payables ~80 % of LME"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="nickel", stage="processing")),
        capex_e=(40000, "sulphide mine ~2-3 x price per t Ni/yr"), e_lead=6, e_max_factor=1.5,
        capex_r=(15000, "battery/stainless scrap processing, ~1 x price"),
    ),
    "platinum": dict(
        name="Platinum, t Pt", price=dict(material="platinum", year="2024"), basis="refined",
        yield_=(0.95, "PGM refining recovery 95-98 %"), margin=(0.1, "concentrate/matte payables "
        "~85-90 %"), capex_p=(5000000, "PGM refinery ~200 MEUR for ~40 t/yr"),
        capex_r=(2000000, "PGM recycling refinery, ~0.07 x price"),
    ),
    "palladium": dict(
        name="Palladium, t Pd", price=dict(material="palladium", year="2024"), basis="refined",
        yield_=(0.95, "PGM refining recovery 95-98 %"), margin=(0.1, "concentrate/matte payables "
        "~85-90 %"), capex_p=(5000000, "PGM refinery ~200 MEUR for ~40 t/yr"),
        capex_r=(2000000, "PGM recycling refinery, ~0.07 x price"),
    ),
    "ndpr": dict(
        name="NdPr oxide (incl. NdPr in magnets), t REO",
        price=dict(material="ndpr", year="2024"), basis="refined",
        yield_=(0.9, "separation recovery"), margin=(0.3, "mixed REE concentrate payables ~70 % "
        "of separated oxide value"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="ndpr", country="AU")),
        capex_e=(60000, "REE mine + concentrator, same order as separation"), e_lead=8,
        e_max=(2000, "Norra Karr (SE) scale; LKAB Per Geijer not before the late 2030s"),
        capex_r=("ref", dict(parameter="capex_eur_per_tpa", material="dytb", stage="recycling")),
    ),
    "dytb": dict(
        name="Dy+Tb oxide, t REO", price=dict(material="dytb", year="2024"), basis="refined",
        yield_=(0.9, "separation recovery"), margin=(0.3, "as NdPr"),
        capex_p=("ref", dict(parameter="capex_eur_per_tpa", material="dytb", stage="recycling")),
        capex_e=(300000, "heavy-REE mine share, ~1 x price per t/yr"), e_lead=8,
        e_max=(150, "Norra Karr (SE) heavy-REE share"),
        capex_r=("ref", dict(parameter="capex_eur_per_tpa", material="dytb", stage="recycling")),
    ),
    "silicon_metal": dict(
        name="Silicon metal, t Si", price=dict(material="silicon_metal", year="2024"),
        basis="refined", yield_=(0.85, "silicon recovery in submerged-arc furnaces 80-90 %"),
        margin=(0.85, "quartz is cheap; electricity and reductants dominate"),
        capex_p=(5000, "submerged-arc furnace ~1.2-1.5 x price per t/yr"),
        capex_e=(200, "quartz quarry"), e_lead=3, e_max=None,
        capex_r=(3000, "~1 x price"), eu_feed=True,
    ),
    "titanium_metal": dict(
        name="Titanium metal (sponge), t Ti", price=dict(material="titanium_metal", year="2024"),
        basis="refined", yield_=(0.9, "chlorination/Kroll recovery"), margin=(0.8, "ilmenite/"
        "rutile is cheap relative to sponge; Kroll process dominates"),
        capex_p=(40000, "Kroll sponge plant ~3 x price per t/yr"),
        capex_r=(12000, "scrap remelting, ~1 x price"),
    ),
    "tungsten": dict(
        name="Tungsten (W in APT/oxide/metal), t W", price=dict(material="tungsten", year="2024"),
        basis="ore", yield_=(0.9, "APT conversion recovery"), margin=(0.3, "concentrate ~70 % of "
        "APT value per t W"),
        capex_p=(30000, "APT conversion ~1 x price per t W/yr"),
        capex_e=(30000, "underground tungsten mine ~1 x price per t W/yr"), e_lead=6,
        e_max_factor=1.5, capex_r=(40000, "~1 x price"),
    ),
}
MATERIALS = list(SPEC)

# Sourcing distributions per stage: EU sources (parameter, material id, year, partial) and the
# world source (material id, year). 'partial' = the source names only the top supplier (ECA);
# its residual is split in proportion to world shares.
SHARES = {
    "aluminium": {"extraction": ([(SSE, "aluminium", J), (ISE, "aluminium", "2024")], ("aluminium", J)),
                  "processing": ([(SSE, "aluminium", J)], ("aluminium", "2024"))},
    "bismuth": {"processing": ([(SSE, "bismuth", J)], ("bismuth", "2024"))},
    "boron": {"extraction": ([(SSE, "boron", J), (ISE, "boron", "2024")], ("boron", J)),
              "processing": ([(SSE, "boron", J)], ("boron", J))},
    "cobalt": {"extraction": ([(SSE, "cobalt", "2022", True)], ("cobalt", "2024")),
               "processing": ([(SSE, "cobalt", J), (ISE, "cobalt", "2024")], ("cobalt", "2024"))},
    "copper": {"extraction": ([(SSE, "copper", J)], ("copper", "2024")),
               "processing": ([(SSE, "copper", J), (ISE, "copper", "2024")], ("copper", "2024"))},
    "gallium": {"processing": ([(SSE, "gallium", J), (ISE, "gallium", "2024")], ("gallium", "2024"))},
    "germanium": {"processing": ([(SSE, "germanium", "2026", True)], ("germanium", J))},
    "lithium": {"extraction": ([(SSE, "lithium", "2022", True)], ("lithium", "2024")),
                "processing": ([(SSE, "lithium", J), (ISE, "lithium", "2024")], ("lithium", "2024"))},
    "magnesium": {"processing": ([(SSE, "magnesium", J), (ISE, "magnesium", "2024")], ("magnesium", "2024"))},
    "manganese": {"extraction": ([(SSE, "manganese", J), (ISE, "manganese", "2024")], ("manganese", "2024")),
                  "processing": ([(SSE, "manganese", J)], ("manganese", J))},
    "graphite_natural": {
        "extraction": ([(SSE, "graphite_natural", J), (ISE, "graphite_natural", "2024")], ("graphite_natural", "2024")),
        "processing": ([(SSE, "graphite_natural", J), (ISE, "graphite_natural", "2024")], ("graphite_battery", "2024"))},
    "nickel": {"extraction": ([(SSE, "nickel", J)], ("nickel", "2024")),
               "processing": ([(SSE, "nickel", J), (ISE, "nickel", "2024")], ("nickel", "2024"))},
    "platinum": {"extraction": ([], ("platinum", "2024")),
                 "processing": ([(ISE, "platinum", "2024")], ("platinum", J))},
    "palladium": {"extraction": ([], ("palladium", "2024")),
                  "processing": ([(ISE, "palladium", "2024")], ("palladium", J))},
    "ndpr": {"extraction": ([], ("ree_total", "2024")),
             "processing": ([(SSE, "ndpr", J), (ISE, "ree_magnet", "2024")], ("ndpr", "2024"))},
    "dytb": {"extraction": ([], ("dytb", J)),
             "processing": ([(ISE, "ree_magnet", "2024")], ("dytb", J))},
    "silicon_metal": {"processing": ([(SSE, "silicon_metal", J), (ISE, "silicon_metal", "2024")], ("silicon_metal", "2024"))},
    "titanium_metal": {"extraction": ([(SSE, "titanium_metal", J)], ("titanium_metal", J)),
                       "processing": ([(SSE, "titanium_metal", J), (ISE, "titanium_metal", "2024")], ("titanium_metal", "2024"))},
    "tungsten": {"extraction": ([(SSE, "tungsten", J)], ("tungsten", "2024")),
                 "processing": ([(SSE, "tungsten", J), (ISE, "tungsten", "2024")], ("tungsten", J))},
}
# Trade restrictions in force (not in values.csv; source named, grade B): the 16th EU sanctions
# package (24 Feb 2025) bans Russian primary aluminium after a one-year quota of 275,000 t.
SANCTIONS = {
    ("aluminium", "RU", "processing"): dict(
        quota={2025: 275000.0}, banned_from=2026,
        source="EU 16th sanctions package against Russia, adopted 24 Feb 2025 (Hannes Snellman, 'The "
               "EU's 16th Sanctions Package: What Is New?', 26 Feb 2025)",
        note="import ban on Russian primary aluminium after a one-year transition quota of "
             "275,000 t (about 80 % of 2024 imports from Russia)"),
}
# stages whose shares are read at another stage (no data at their own)
PROXY_STAGE = {("graphite_natural", "processing"): "extraction"}  # EU sourcing only; world shares are read at their own stage when they exist
# notes on sourcing choices that a reader should see in the supply rows
SHARE_NOTES = {
    ("ndpr", "extraction"): "ore weights from world REE mine output (USGS 2024): JRC's EU 'extraction' "
                            "list for REE reflects compound imports (e.g. Japan), not ore",
    ("dytb", "extraction"): "ore weights from world Dy/Tb mine output (JRC); no EU ore sourcing data",
    ("dytb", "processing"): "EU weights from NdFeB magnet imports 2024 (Dy/Tb enter the EU in magnets)",
    ("ndpr", "processing"): "EU weights: JRC Nd sourcing and NdFeB magnet imports 2024 (magnet making "
                            "is part of the processing stage); world weights: IEA 2024 magnet "
                            "rare-earth refining (China 91 %)",
    ("graphite_natural", "processing"): "EU weights: no processing-stage sourcing data, so the flake "
                                        "sourcing pattern (JRC 2016-2020, Comext 2024; ECA 2026: China "
                                        "40 %): most EU natural graphite (refractories, foundries) is "
                                        "used as flake; battery anode material, a subset the data do not "
                                        "split, is ~100 % Chinese (industry, 2023). World weights: IEA "
                                        "battery-grade graphite refining 2024 (China 96 %)",
    ("germanium", "processing"): "EU weights: ECA 04/2026 (China 45 %, Belgium 32 % = EU), the "
                                 "residual 23 % split by world refinery shares of the other "
                                 "countries (JRC 2016-2020); JRC 2023 (China 83 %, 2016-2020) and "
                                 "Comext 2024 (China 89 % of extra-EU imports) are older or of "
                                 "imports only (docs/data.md)",
    ("cobalt", "processing"): "world refinery weights: IEA 2024 (China 78 %)",
    ("lithium", "processing"): "world refinery weights: IEA 2024 (China 70 %)",
    ("nickel", "processing"): "world refinery weights: IEA 2024 (Indonesia 43 %, China 31 %)",
    ("platinum", "extraction"): "concentrate/matte weights from world mine output (no EU data)",
    ("palladium", "extraction"): "concentrate/matte weights from world mine output (no EU data)",
    ("cobalt", "extraction"): "ECA 2023: 68 % of EU cobalt from the DRC; the rest split by world "
                              "mine shares 2024",
    ("lithium", "extraction"): "ECA 2023: 87 % of EU raw lithium from Australia; the rest split by "
                               "world mine shares 2024",
}

# End of life: eol_rir row (material id, year) or None; recycling yield; collection rate path
# (2025 -> 2035, flat after); EoL arisings as a share of consumption (2025 -> 2040). When the
# EoL-RIR is positive, the 2025 arisings are calibrated so that yield x collection x arisings
# reproduces it.
RECYCLING = {
    "aluminium": dict(rir=("aluminium", "2023 study"), y=(0.9, None), c=(0.70, 0.85), e_growth=0.0),
    "bismuth": dict(rir=("bismuth", "2020 study"), y=(0.5, None), c=(0.0, 0.3), e=(0.05, 0.05)),
    "boron": dict(rir=("boron", "2023 study"), y=(0.5, None), c=(0.10, 0.20), e_growth=0.0),
    "cobalt": dict(rir=("cobalt", "2023 study"), y=(None, ("cobalt", "2031")), c=(0.60, 0.80), e_growth=0.2),
    "copper": dict(rir=("copper", "2022"), y=(0.95, None), c=(0.60, 0.75), e_growth=0.0),
    "gallium": dict(rir=("gallium", "2023 study"), y=(0.8, None), c=(0.0, 0.2), e=(0.05, 0.05)),
    "germanium": dict(rir=("germanium", "2023 study"), y=(0.8, None), c=(0.125, 0.30), e_growth=0.0),
    "lithium": dict(rir=None, y=(None, ("lithium", "2031")), c="batteries", e=("returns", 0.35)),
    "magnesium": dict(rir=("magnesium", "2023 study"), y=(0.9, None), c=(0.50, 0.60), e_growth=0.0),
    "manganese": dict(rir=("manganese", "2023 study"), y=(0.5, None), c=(0.60, 0.70), e_growth=0.0),
    "graphite_natural": dict(rir=("graphite_natural", "2023 study"), y=(0.5, None), c=(0.30, 0.50),
                             e_growth=0.5),
    "nickel": dict(rir=("nickel", "2023 study"), y=(None, ("nickel", "2031")), c=(0.60, 0.80), e_growth=0.2),
    "platinum": dict(rir=("platinum", "2023 study"), y=(0.95, None), c=(0.55, 0.75), e_growth=0.2),
    "palladium": dict(rir=("palladium", "2023 study"), y=(0.95, None), c=(0.55, 0.75), e_growth=0.6),
    "ndpr": dict(rir=("ree_magnet", "2023 study"), y=(0.9, None), c=(0.05, 0.50), e_growth=0.4),
    "dytb": dict(rir=("ree_magnet", "2023 study"), y=(0.9, None), c=(0.05, 0.50), e_growth=0.4),
    "silicon_metal": dict(rir=("silicon_metal", "2023 study"), y=(0.5, None), c=(0.0, 0.2), e=(0.10, 0.15)),
    "titanium_metal": dict(rir=("titanium_metal", "2023 study"), y=(0.9, None), c=(0.60, 0.75), e_growth=0.0),
    "tungsten": dict(rir=("tungsten", "2023 study"), y=(0.95, None), c=(0.70, 0.80), e_growth=0.0),
}
RECYCLING_WHY = {
    "aluminium": "collection of EoL aluminium ~70 % today (building, transport), rising with the "
                 "ELV and packaging rules",
    "bismuth": "dissipative uses (pharmaceuticals, pigments, alloys): little to collect",
    "boron": "dissipative uses (glass, ceramics, fertiliser): little to collect",
    "cobalt": "superalloy and hard-metal scrap well collected; EV batteries returning from the 2030s",
    "copper": "EoL copper collection ~60 %; Commission monitoring: EoL-RIR > 25 % in 2022",
    "gallium": "EoL gallium (LEDs, chips) not recovered today; only new scrap is recycled",
    "germanium": "fibre-optic and IR-optics scrap; Umicore recycles mainly new scrap",
    "lithium": "EV/industrial battery returns; collection follows the Batteries Regulation "
               "targets for portable batteries as a lower bound",
    "magnesium": "magnesium is mostly dissolved in aluminium alloys and recycled with them",
    "manganese": "manganese in steel scrap is largely oxidised and lost in recycling",
    "graphite_natural": "refractory and anode graphite recycling is nascent",
    "nickel": "stainless-steel scrap well collected; batteries returning from the 2030s",
    "platinum": "autocatalyst collection 50-60 % (industrial catalysts ~95 %)",
    "palladium": "autocatalyst collection 50-60 %; Pd returns from cars sold when demand was higher",
    "ndpr": "magnets in EoL motors and wind turbines are rarely separated today",
    "dytb": "magnets in EoL motors and wind turbines are rarely separated today",
    "silicon_metal": "silicon dissolves in aluminium alloys and silicones; PV scrap from the 2030s",
    "titanium_metal": "aerospace titanium scrap is collected and remelted",
    "tungsten": "hard-metal scrap is well collected (~45 % of European W supply is recycled)",
}


