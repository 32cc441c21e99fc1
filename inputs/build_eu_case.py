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
* Availability (t/yr) = HEADROOM x w_c(t) x EU demand (refined) or x demand / processing yield
  (ore, contained): a supplier can sell the EU up to 1.5 times its share of EU consumption.
* Price: the incumbent (largest 2025 weight) sells at the reference price; others at up to
  LADDER (10 %) more, linearly in their weight (freight, qualification and contract premia), which
  reproduces today's merit order. Gallium: Chinese refined at the 2024 China price, non-Chinese
  refined at the 2025 ex-China price (both in values.csv): the only explicit non-Chinese premium
  the data support. Ore (contained) is valued at yield x (1 - processing margin) x refined price.
* EU capacity: committed plants (operating, under construction or financed) from the plant rows;
  otherwise JRC EU-domestic share of sourcing x 2025 consumption (processing), EU-domestic share
  of ore sourcing x EU processing / yield (extraction), EoL-RIR x 2025 consumption (recycling).
* Benchmarks (Art. 5): extraction 10 % and processing 40 % on capacity, recycling 25 % on flow
  (a recycling plant without end-of-life feedstock produces nothing), single third country at
  most 65 % at extraction and processing, all from 2030. A benchmark is hard unless the data make
  it physically unreachable for a material in some year 2030-2040 (no EU reserves, lead times,
  build rates, reserves or feedstock); then a material row makes it soft with a penalty of
  PENALTY_X times the reference price per tonne of shortfall, and its note says why.
"""
from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import registry as R  # noqa: E402
from model.io.template import write_input_workbook  # noqa: E402

REFERENCE = ROOT / "data" / "reference" / "values.csv"
OUTPUT = ROOT / "inputs" / "eu_crma.xlsx"
VALUES_CSV = "data/reference/values.csv"

YEARS = list(range(2025, 2041))
FIRST, BENCH_START = YEARS[0], 2030
REST = "RW"
EU27 = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
        "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "EU"}
ALIAS = {"XS": "RS"}  # Eurostat geo code for Serbia -> ISO 3166-1 alpha-2

# ---- global assumptions (grade C, reasoning in the module docstring and docs/data.md) ----------
THRESHOLD = 0.02         # a country is modelled on its own from 2 % of EU sourcing or world output
HEADROOM = 1.5           # a supplier can sell the EU up to 1.5 x its share of EU consumption
NEW_SUPPLIER_YEARS = 5   # world-only suppliers open up linearly over 2026-2030
LADDER = 0.10            # non-incumbent suppliers price up to 10 % above the incumbent
DISCOUNT_RATE = 0.04     # real; between the Better Regulation 3 % and a ~5-7 % industrial WACC
VOLL_X = 10.0            # value of lost load = 10 x reference price
PENALTY_X = 2.0          # soft-benchmark penalty = 2 x reference price per t of shortfall
FOM_SHARE = 0.03         # fixed O&M = 3 %/yr of capex
PROC_VOM = 0.9           # EU processing variable cost = 0.9 x processing margin x price
MINE_VOM = 0.9           # EU mining variable cost = 0.9 x ore value
RECYCLING_VOM = 0.9      # recycling variable cost (scrap purchase + processing) = 0.9 x price
BUILD_SHARE = {"processing": 0.25, "recycling": 0.25, "extraction": 0.10}  # of 2030 demand, per yr
LIFETIME = {"extraction": 20, "processing": 25, "recycling": 15}
COVERAGE_DAYS_FROM = 2027
CONTROLLED = {"lithium", "gallium"}  # controlled-atmosphere storage (values.csv, x3)
EU_LEVELS = {"extraction": 0.10, "processing": 0.40, "recycling": 0.25, "single_country": 0.65}

SSE, ISE = "supply_share_eu", "import_share_eu"
J = "2016-2020"
CRMA = "Regulation (EU) 2024/1252 (Critical Raw Materials Act), Art. 5(1)"
ASSUMPTION = "assumption of the default case (inputs/build_eu_case.py)"
GRADES = ("A", "B", "C")


# =============================================================================================
# Reference data
# =============================================================================================
def _short(source: str) -> str:
    """A readable citation: the document part of a values.csv source string."""
    s = source
    for cut in ("; transcribed", " as compiled", ", as compiled", " (https", ", read in"):
        if cut in s:
            s = s.split(cut)[0]
    return s if len(s) <= 140 else s[:137] + "..."


class Ref:
    """values.csv as rows; every look-up returns the row, so its source and grade travel on."""

    def __init__(self, path=REFERENCE):
        with open(path, newline="", encoding="utf-8") as f:
            self.rows = [dict(r, value=float(r["value"])) for r in csv.DictReader(f)]

    def find(self, **kw) -> list[dict]:
        out = []
        for r in self.rows:
            ok = True
            for k, v in kw.items():
                if k.endswith("__has"):
                    if v.lower() not in r[k[:-5]].lower():
                        ok = False
                elif r[k] != v:
                    ok = False
            if ok:
                out.append(r)
        return out

    def one(self, **kw) -> dict:
        rows = self.find(**kw)
        if len(rows) != 1:
            raise LookupError(f"values.csv: expected one row for {kw}, found {len(rows)}")
        return rows[0]

    def fx(self, year: str) -> dict:
        return self.one(parameter="fx_usd_per_eur", year=year)


class Num:
    """A number with its provenance: value, citations, grade and a derivation text."""

    def __init__(self, value, sources=(), grade="A", note=""):
        self.value = float(value)
        self.sources = list(dict.fromkeys(sources))
        self.grade = grade
        self.note = note

    @classmethod
    def of(cls, row: dict, note="") -> "Num":
        tag = f"{row['parameter']} {row['material'] or '-'} {row['country'] or '-'} {row['year']}"
        return cls(row["value"], [_short(row["source"])], row["confidence"],
                   note or f"values.csv {tag}")


def worst(*grades) -> str:
    return max((g for g in grades if g), key=GRADES.index, default="A")


def sig(x: float, digits: int = 6) -> float:
    """Round to significant digits, so the workbook is the same on every machine."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits}g}")


def fmt(x: float) -> str:
    """A number for a note: thousands separators, three significant digits below 100."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def row(values: dict, sources, grade: str, note: str) -> dict:
    """A workbook row with its provenance (grade C needs its derivation in the note)."""
    sources = [s for s in dict.fromkeys(sources) if s]
    if grade not in GRADES:
        raise ValueError(grade)
    if not sources:
        raise ValueError(f"row without source: {values}")
    if grade == "C" and not note:
        raise ValueError(f"grade C row without a note: {values}")
    return dict(values, source=" + ".join(sources), confidence=grade, note=note)


# =============================================================================================
# Material specification: what is read where, and the grade C parameters with their reasons
# =============================================================================================
# price: (material id, year, filters) of a price_usd_per_t row; basis 'refined' or 'ore'
# (the row prices the ore/concentrate stage per t contained). factor converts to the model unit.
SPEC = {
    "aluminium": dict(
        name="Aluminium (bauxite -> alumina -> metal), t Al",
        price=dict(material="aluminium", year="2024"), basis="refined",
        yield_=(0.88, "Bayer alumina recovery ~0.90 x smelting ~0.98"), margin=(0.85, "bauxite is "
        "~10-15 % of aluminium's value; alumina refining and smelting energy dominate"),
        capex_p=(7500, "greenfield primary smelter ~6,000 USD per t/yr plus its alumina share"),
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
        capex_e=(0, "gallium in EU bauxite: no separate mining investment; capacity fixed at the "
                 "gallium contained in the Greek bauxite (no new mines for gallium)"), e_lead=0,
        e_max_factor=1.0, capex_r=(400000, "new-scrap recycling ~1 x China price per t/yr"),
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
        capex_p=(10000, "Pidgeon smelter ~3,000-5,000 USD per t/yr in China, x2-3 in the EU with "
                 "environmental controls"),
        capex_e=(500, "dolomite quarry"), e_lead=3, e_max=None,
        capex_r=(1000, "remelting, ~0.4 x price"), eu_feed=True,
    ),
    "manganese": dict(
        name="Manganese (all grades), t Mn", price=dict(material="manganese", year="2024"),
        basis="ore", yield_=(0.85, "ferroalloy/sulphate recovery"), margin=(0.5, "alloy/sulphate "
        "value roughly twice the ore value per t Mn"),
        capex_p=(2000, "ferromanganese / sulphate plant ~1,000-3,000 EUR per t Mn/yr"),
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
        capex_p=(30000, "nickel refinery / HPAL ~2 x price per t Ni/yr"),
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
               "processing": ([(SSE, "cobalt", J), (ISE, "cobalt", "2024")], ("cobalt", J))},
    "copper": {"extraction": ([(SSE, "copper", J)], ("copper", "2024")),
               "processing": ([(SSE, "copper", J), (ISE, "copper", "2024")], ("copper", "2024"))},
    "gallium": {"processing": ([(SSE, "gallium", J), (ISE, "gallium", "2024")], ("gallium", "2024"))},
    "germanium": {"processing": ([(SSE, "germanium", J), (ISE, "germanium", "2024")], ("germanium", J))},
    "lithium": {"extraction": ([(SSE, "lithium", "2022", True)], ("lithium", "2024")),
                "processing": ([(SSE, "lithium", J), (ISE, "lithium", "2024")], ("lithium", J))},
    "magnesium": {"processing": ([(SSE, "magnesium", J), (ISE, "magnesium", "2024")], ("magnesium", "2024"))},
    "manganese": {"extraction": ([(SSE, "manganese", J), (ISE, "manganese", "2024")], ("manganese", "2024")),
                  "processing": ([(SSE, "manganese", J)], ("manganese", J))},
    "graphite_natural": {
        "extraction": ([(SSE, "graphite_natural", J), (ISE, "graphite_natural", "2024")], ("graphite_natural", "2024")),
        "processing": ([(SSE, "graphite_natural", J), (ISE, "graphite_natural", "2024")], ("graphite_natural", "2024"))},
    "nickel": {"extraction": ([(SSE, "nickel", J)], ("nickel", "2024")),
               "processing": ([(SSE, "nickel", J), (ISE, "nickel", "2024")], ("nickel", J))},
    "platinum": {"extraction": ([], ("platinum", "2024")),
                 "processing": ([(ISE, "platinum", "2024")], ("platinum", J))},
    "palladium": {"extraction": ([], ("palladium", "2024")),
                  "processing": ([(ISE, "palladium", "2024")], ("palladium", J))},
    "ndpr": {"extraction": ([], ("ree_total", "2024")),
             "processing": ([(SSE, "ndpr", J), (ISE, "ree_magnet", "2024")], ("ndpr", J))},
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
PROXY_STAGE = {("graphite_natural", "processing"): "extraction"}
# notes on sourcing choices that a reader should see in the supply rows
SHARE_NOTES = {
    ("ndpr", "extraction"): "ore weights from world REE mine output (USGS 2024): JRC's EU 'extraction' "
                            "list for REE reflects compound imports (e.g. Japan), not ore",
    ("dytb", "extraction"): "ore weights from world Dy/Tb mine output (JRC); no EU ore sourcing data",
    ("dytb", "processing"): "EU weights from NdFeB magnet imports 2024 (Dy/Tb enter the EU in magnets)",
    ("ndpr", "processing"): "EU weights: JRC Nd sourcing and NdFeB magnet imports 2024 (magnet making "
                            "is part of the processing stage)",
    ("graphite_natural", "processing"): "no processing-stage sourcing data: processed-graphite "
                                        "imports assumed to follow the flake import pattern",
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


# =============================================================================================
# Derivations
# =============================================================================================
def price_of(ref: Ref, m: str) -> dict:
    """Reference prices (EUR/t, model unit) of material m: {'refined': Num, 'cn': Num|None,
    'noncn': Num|None}. Prices are USD rows converted with the ECB annual mean of their year."""
    spec = SPEC[m]
    if m == "gallium":
        cn = ref.one(material="gallium", parameter="price_usd_per_t", country="CN", year="2024")
        ex = ref.one(material="gallium", parameter="price_usd_per_t", country="", year="2025")
        fcn, fex = ref.fx("2024"), ref.fx("2025")
        pcn = Num(cn["value"] / fcn["value"], [_short(cn["source"]), _short(fcn["source"])],
                  worst(cn["confidence"], fcn["confidence"]),
                  f"China Oct 2024 {cn['value']:,.0f} USD/t / {fcn['value']} USD/EUR (2024)")
        pex = Num(ex["value"] / fex["value"], [_short(ex["source"]), _short(fex["source"])],
                  worst(ex["confidence"], fex["confidence"]),
                  f"ex-China 2025 {ex['value']:,.0f} USD/t / {fex['value']} USD/EUR (2025)")
        return {"refined": pcn, "cn": pcn, "noncn": pex}
    kw = dict(spec["price"])
    r = ref.one(parameter="price_usd_per_t", country="", **kw)
    fx = ref.fx(r["year"])
    value = r["value"] / fx["value"]
    sources = [_short(r["source"]), _short(fx["source"])]
    grade = worst(r["confidence"], fx["confidence"])
    note = f"{r['value']:,.6g} {r['unit']} ({r['year']}) / {fx['value']} USD/EUR"
    if "factor" in spec:
        f, why = spec["factor"]
        if f == "content":
            c = ref.one(**why)
            value /= c["value"]
            note += f" / {c['value']} t Li per t LCE"
        else:
            value *= f
            grade = "C"
            note += f"; per t B: {why}"
    if spec["basis"] == "ore":
        y, mg = spec["yield_"][0], spec["margin"][0]
        value /= y * (1 - mg)
        grade = "C"
        note += (f"; the row prices ore/concentrate per t contained: refined price = ore price / "
                 f"(yield {y} x (1 - margin {mg}))")
    return {"refined": Num(value, sources, grade, note), "cn": None, "noncn": None}


def processing_yield(ref: Ref, m: str) -> Num:
    y = SPEC[m]["yield_"]
    if y[0] == "ref":
        return Num.of(ref.one(**y[1]))
    return Num(y[0], [ASSUMPTION], "C", f"processing yield {y[0]}: {y[1]}")


def geometric(anchors: dict[int, float], rate_after=None, rate_before=None) -> dict[int, float]:
    """Values for YEARS by geometric interpolation between (year, value) anchors."""
    ys = sorted(anchors)
    out = {}
    for t in YEARS:
        if t <= ys[0]:
            r = rate_before
            if r is None:
                r = (anchors[ys[1]] / anchors[ys[0]]) ** (1 / (ys[1] - ys[0])) - 1 if len(ys) > 1 else 0
            out[t] = anchors[ys[0]] * (1 + r) ** (t - ys[0])
        elif t >= ys[-1]:
            r = rate_after
            if r is None:
                r = (anchors[ys[-1]] / anchors[ys[-2]]) ** (1 / (ys[-1] - ys[-2])) - 1 if len(ys) > 1 else 0
            out[t] = anchors[ys[-1]] * (1 + r) ** (t - ys[-1])
        else:
            for a, b in zip(ys, ys[1:]):
                if a <= t <= b:
                    out[t] = anchors[a] * (anchors[b] / anchors[a]) ** ((t - a) / (b - a))
                    break
    return out


def demand_of(ref: Ref, m: str) -> tuple[dict, list, str, str]:
    """EU consumption per year (t): values, sources, grade, derivation."""
    one = ref.one
    cons = lambda **kw: one(parameter="eu_consumption_t", material=m, **kw)  # noqa: E731
    gf = lambda **kw: one(parameter="demand_growth_factor", **kw)  # noqa: E731

    def factor_path(base_row, f_row, base_year=None, note=""):
        by = int(base_year or base_row["year"])
        anchors = {by: base_row["value"], int(f_row["year"]): base_row["value"] * f_row["value"]}
        vals = geometric(anchors)
        src = [_short(base_row["source"]), _short(f_row["source"])]
        rate = f_row["value"] ** (1 / (int(f_row["year"]) - by)) - 1
        return vals, src, "C", (f"{base_row['value']:,.6g} t in {by} (values.csv eu_consumption_t, "
                                f"{base_row['confidence']}) x growth factor {f_row['value']} by "
                                f"{f_row['year']} ({f_row['confidence']}) = {rate:.2%}/yr. {note}").strip()

    def rate_path(base, year, rate, src, why):
        vals = {t: base * (1 + rate) ** (t - year) for t in YEARS}
        return vals, src, "C", f"{base:,.6g} t in {year} ({why}); growth {rate:.1%}/yr assumed"

    if m == "aluminium":
        return factor_path(cons(year="2020"), gf(material="aluminium", country="EU", year="2050"),
                           note="Europe, primary + secondary.")
    if m == "cobalt":
        return factor_path(cons(year="2020"),
                           _pick(ref.find(parameter="demand_growth_factor", material="cobalt",
                                          country="EU", year="2050"), 4.3),
                           note="KU Leuven 18.2 kt (2020) chosen over the JRC-derived ~29 kt (2018): "
                           "same source as the growth factor.")
    if m == "copper":
        base = cons(year="2023")
        f = gf(material="copper", country="EU", year="2050")
        rate = f["value"] ** (1 / 30) - 1
        vals = {t: base["value"] * (1 + rate) ** (t - 2023) for t in YEARS}
        return vals, [_short(base["source"]), _short(f["source"])], "C", (
            f"refined apparent consumption {base['value']:,.0f} t (2023, B) grown at the KU Leuven "
            f"factor {f['value']} 2020->2050 = {rate:.2%}/yr. The ~4.3 Mt 'all uses' figure "
            "(semis/scrap) is not used.")
    if m == "nickel":
        return factor_path(cons(year="2020"), gf(material="nickel", country="EU", year="2050"),
                           note="Chosen over 235 kt class-1 only (2023, a lower bound).")
    if m == "silicon_metal":
        return factor_path(cons(year="2020"), gf(material="silicon_metal", country="EU", year="2050"))
    if m == "lithium":
        base = cons(year="2020")
        a30 = one(parameter="eu_tech_demand_t", material="lithium", year="2030")
        a50 = one(parameter="eu_tech_demand_t", material="lithium", year="2050")
        vals = geometric({2020: base["value"], 2030: a30["value"], 2050: a50["value"]})
        return vals, [_short(base["source"]), _short(a30["source"])], "C", (
            f"anchors: {base['value']:,.0f} t (2020, Imerys-derived, C), JRC 2020 foresight medium "
            f"scenario {a30['value']:,.0f} t (2030) and {a50['value']:,.0f} t (2050) (A; batteries "
            "dominate Li use, so the technology demand is taken as total); geometric interpolation. "
            "Alternatives (x10-x18 by 2030) are higher.")
    if m == "platinum":
        b = one(parameter="eu_consumption_t_excl_investment", material="platinum")
        a30 = one(parameter="eu_demand_t", material="platinum", year="2030")
        a50 = one(parameter="eu_demand_t", material="platinum", year="2050")
        vals = geometric({2023: b["value"], 2030: a30["value"], 2050: a50["value"]})
        return vals, [_short(b["source"]), _short(a30["source"])], "B", (
            f"Johnson Matthey EU+ demand excl. investment {b['value']} t (2023) and the model's "
            f"projection {a30['value']} t (2030), {a50['value']} t (2050), geometric interpolation")
    if m == "gallium":
        b = cons(year="2025")
        return rate_path(b["value"], 2025, 0.03, [_short(b["source"]), ASSUMPTION],
                         "B; 3 %/yr lies between EU industrial growth ~1 % and the JRC 2020 "
                         "foresight growth of gallium in its technologies (2 t 2030 -> 5 t 2050, 4.7 %/yr)")
    if m == "germanium":
        b = cons(year="2024")
        return rate_path(b["value"], 2024, 0.03, [_short(b["source"]), ASSUMPTION],
                         "C lower bound: Comext imports only; 3 %/yr as the JRC 2020 foresight growth "
                         "of germanium in its technologies (5 t 2030 -> 10 t 2050, 3.5 %/yr)")
    if m == "magnesium":
        b = cons(year="2021")
        return rate_path(b["value"], 2021, 0.01, [_short(b["source"]), ASSUMPTION],
                         "B, Europe; 1 %/yr with EU industrial output (no projection in the data)")
    if m == "titanium_metal":
        b = cons(year="2024")
        return rate_path(b["value"], 2024, 0.02, [_short(b["source"]), ASSUMPTION],
                         "C: sponge imports ~ consumption; 2 %/yr for aerospace growth (no projection)")
    if m == "manganese":
        b = cons(year="2024")
        p = one(parameter="eu_domestic_share_of_sourcing", material="manganese", stage="processing")
        y = SPEC[m]["yield_"][0]
        base = b["value"] * y / p["value"]
        return rate_path(base, 2024, 0.01, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"Mn units in imported ore {b['value']:,.0f} t (C) x yield {y} / EU "
                         f"processing share {p['value']} (JRC): the ore feeds the EU's own {p['value']:.0%} "
                         "of processing; 1 %/yr (steel flat, battery grades growing)")
    if m == "tungsten":
        b = one(parameter="eu_sourcing_t", material="tungsten")
        p = one(parameter="eu_domestic_share_of_sourcing", material="tungsten", stage="processing")
        y = SPEC[m]["yield_"][0]
        base = b["value"] * y / p["value"]
        return rate_path(base, 2024, 0.015, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"concentrate sourcing {b['value']:,.0f} t W (C) x yield {y} / EU processing "
                         f"share {p['value']} (JRC); consistent with EU mine output 2,000 t (USGS 2024) "
                         "= 77 % of EU ore sourcing; 1.5 %/yr assumed")
    if m == "boron":
        b = cons(year="2024")
        p = one(parameter="eu_domestic_share_of_sourcing", material="boron", stage="processing")
        cf = one(parameter="content_factor", material="boron")
        base = b["value"] * 0.40 * cf["value"] / p["value"]
        return rate_path(base, 2024, 0.01, [_short(b["source"]), _short(p["source"]), ASSUMPTION],
                         f"natural borates {b['value']:,.0f} t gross (C) x 0.40 t B2O3/t x {cf['value']} "
                         f"t B/t B2O3 feed EU refining, which is {p['value']:.0%} of EU refined sourcing "
                         "(JRC) -> total; 1 %/yr assumed")
    if m == "bismuth":
        w = one(parameter="world_production_t", material="bismuth", country="WORLD")
        be_w = one(parameter="supply_share_world", material="bismuth", country="BE", year=J)
        be_eu = one(parameter="supply_share_eu", material="bismuth", country="BE")
        base = w["value"] * be_w["value"] / be_eu["value"]
        return rate_path(base, 2024, 0.01, [_short(w["source"]), _short(be_w["source"]), ASSUMPTION],
                         f"gap filled: world refinery output {w['value']:,.0f} t (USGS 2024) x Belgium's "
                         f"world share {be_w['value']} / Belgium's share of EU sourcing {be_eu['value']} "
                         "(JRC) = EU sourcing; 1 %/yr assumed (no clean-tech driver)")
    if m == "palladium":
        v = one(parameter="eu_import_value_eur", material="palladium")
        p = one(parameter="price_eur_per_t", material="palladium", year="2024")
        base = v["value"] / p["value"]
        return rate_path(base, 2024, -0.03, [_short(v["source"]), _short(p["source"]), ASSUMPTION],
                         f"gap filled: extra-EU imports of unwrought Pd {v['value']/1e9:.3f} bn EUR (2024) "
                         f"/ price {p['value']/1e6:.2f} MEUR/t; no EU mining; recycled supply and "
                         "re-exports of EU refiners assumed to offset; ~20 % of world demand as a "
                         "cross-check. -3 %/yr: gasoline autocatalysts decline with the 2035 "
                         "zero-emission car rule, without platinum's hydrogen offset")
    if m == "graphite_natural":
        no_p = one(parameter="world_production_t", material="graphite_natural", country="NO")
        no_s = one(parameter="supply_share_eu", material="graphite_natural", country="NO", year=J)
        f = one(parameter="demand_growth_factor", material="graphite_natural", country="WORLD")
        base = no_p["value"] / no_s["value"]
        rate = f["value"] ** (1 / 16) - 1
        vals = {t: base * (1 + rate) ** (t - 2024) for t in YEARS}
        return vals, [_short(no_p["source"]), _short(no_s["source"]), _short(f["source"])], "C", (
            f"gap filled: Norway's mine output {no_p['value']:,.0f} t (USGS 2024) is {no_s['value']:.0%} "
            f"of EU sourcing (JRC) -> {base:,.0f} t (if all Norwegian output goes to the EU; EU mine "
            "output of 670 t being below JRC's 1 % threshold implies > 67,000 t). Growth: IEA APS "
            f"world graphite demand x{f['value']} 2024->2040 = {rate:.1%}/yr")
    if m in ("ndpr", "dytb"):
        mag = one(parameter="eu_consumption_t", material="ree_magnet", year="2024")
        g34 = one(parameter="demand_growth_factor", material="ree_magnet", year="2034")
        g40 = one(parameter="demand_growth_factor", material="ree_magnet", country="WORLD")
        if m == "ndpr":
            content, oxide, what = 0.29, 0.85, "0.29 t NdPr per t NdFeB / 0.85 t metal per t oxide"
        else:
            content, oxide, what = 0.025, 0.87, "0.025 t Dy+Tb per t NdFeB (0-4 %) / 0.87 t metal per t oxide"
        base = mag["value"] * content / oxide
        after = g40["value"] ** (1 / 16) - 1
        vals = geometric({2024: base, 2034: base * g34["value"]}, rate_after=after)
        return vals, [_short(mag["source"]), _short(g34["source"]), _short(g40["source"])], "C", (
            f"{mag['value']:,.0f} t NdFeB demand (2024, B) x {what} = {base:,.0f} t REO; magnet "
            f"demand x{g34['value']} by 2034 (B), then IEA APS world magnet growth {after:.1%}/yr. "
            "Includes NdPr/DyTb in imported magnets (processing includes magnet making).")
    raise KeyError(m)


def _pick(rows, value):
    for r in rows:
        if abs(r["value"] - value) < 1e-9:
            return r
    raise LookupError(value)


def normalise(dist: dict) -> dict:
    tot = sum(dist.values())
    return {k: v / tot for k, v in dist.items()} if tot > 0 else {}


class Sourcing:
    """Country sets, weights, availability and prices of every material and stage."""

    def __init__(self, ref: Ref):
        self.ref = ref
        self.countries = {}       # material -> sorted third countries modelled on their own
        self.eu = {}              # (m, k) -> {c: EU weight} (third countries + RW, sums to 1)
        self.world = {}           # (m, k) -> {c: world weight}
        self.world_all = {}       # (m, k) -> raw world shares {country: share} (incl. EU states)
        self.sources = {}         # (m, k) -> [citations]
        self.grades = {}
        for m in MATERIALS:
            self.countries[m] = self._declared(m)
        for m in MATERIALS:
            for k, (eu_src, w_src) in SHARES[m].items():
                self._stage(m, k, eu_src, w_src)

    @staticmethod
    def _code(c: str) -> str:
        c = ALIAS.get(c, c)
        return "EU" if c in EU27 else c

    def _declared(self, m: str) -> list[str]:
        """Third countries with >= THRESHOLD of EU sourcing or world output at any stage."""
        ids = {m}
        for stages in SHARES[m].values():
            ids |= {s[1] for s in stages[0]} | {stages[1][0]}
        found = set()
        for r in self.ref.rows:
            if r["parameter"] in (SSE, ISE, "supply_share_world") and r["material"] in ids \
                    and r["stage"] in ("extraction", "processing") and r["value"] >= THRESHOLD - 1e-9:
                c = self._code(r["country"])
                if c and c != "EU" and c != REST:
                    found.add(c)
        return sorted(found)

    def _group(self, m: str, raw: dict) -> dict:
        """Raw {country: share} -> third-country distribution over declared countries + RW."""
        third = defaultdict(float)
        for c, s in raw.items():
            code = self._code(c) if c else REST
            if code == "EU":
                continue
            third[code if code in self.countries[m] else REST] += s
        return dict(third)

    def _stage(self, m, k, eu_src, w_src):
        ref = self.ref
        cites, grades = [], []
        wm, wy = w_src
        ks = PROXY_STAGE.get((m, k), k)
        wrows = ref.find(parameter="supply_share_world", material=wm, stage=ks, year=wy)
        if not wrows:
            raise LookupError(f"no world shares {wm} {k} {wy}")
        self.world_all[(m, k)] = {self._code(r["country"]) if r["country"] else REST: 0.0 for r in wrows}
        raw_w = defaultdict(float)
        for r in wrows:
            raw_w[r["country"]] += r["value"]
            cites.append(_short(r["source"]))
            grades.append(r["confidence"])
        eu_world = sum(v for c, v in raw_w.items() if self._code(c) == "EU")
        third_w = self._group(m, raw_w)
        listed = sum(third_w.values())
        third_w[REST] = third_w.get(REST, 0.0) + max(0.0, (1.0 - eu_world) - listed)
        self.world[(m, k)] = normalise(third_w)
        agg = defaultdict(float)
        for c, v in raw_w.items():
            agg[self._code(c) if c else REST] += v
        self.world_all[(m, k)] = dict(agg)

        dists = []
        for src in eu_src:
            param, mid, year = src[:3]
            partial = len(src) > 3 and src[3]
            rows = ref.find(parameter=param, material=mid, stage=ks, year=year)
            if not rows:
                raise LookupError(f"no EU shares {param} {mid} {k} {year}")
            raw = defaultdict(float)
            for r in rows:
                raw[r["country"]] += r["value"]
                cites.append(_short(r["source"]))
                grades.append(r["confidence"])
            dom = sum(v for c, v in raw.items() if self._code(c) == "EU")
            third = self._group(m, raw)
            scale = 1.0 - dom if param == SSE else 1.0
            third = {c: v / scale for c, v in third.items()}
            resid = max(0.0, 1.0 - sum(third.values()))
            if partial:  # split the residual by world shares of the others
                others = {c: v for c, v in self.world[(m, k)].items() if c not in third}
                for c, v in normalise(others).items():
                    third[c] = third.get(c, 0.0) + resid * v
            else:
                third[REST] = third.get(REST, 0.0) + resid
            dists.append(normalise(third))
        if dists:
            keys = sorted({c for d in dists for c in d})
            self.eu[(m, k)] = {c: sum(d.get(c, 0.0) for d in dists) / len(dists) for c in keys}
        else:
            self.eu[(m, k)] = dict(self.world[(m, k)])
        self.sources[(m, k)] = list(dict.fromkeys(cites))
        self.grades[(m, k)] = worst(*grades)

    def weight(self, m, k, c, t) -> float:
        ramp = min(1.0, max(0.0, (t - FIRST) / NEW_SUPPLIER_YEARS))
        return max(self.eu[(m, k)].get(c, 0.0), ramp * self.world[(m, k)].get(c, 0.0))

    def suppliers(self, m, k) -> list[str]:
        cs = {c for c, v in self.eu[(m, k)].items() if v > 1e-6}
        cs |= {c for c, v in self.world[(m, k)].items() if v > 1e-6}
        return sorted(cs, key=lambda c: (c == REST, c))

    def _named(self, m, k) -> dict:
        """Today's weights of the named suppliers (world weights if the EU data name none)."""
        d = {c: v for c, v in self.eu[(m, k)].items() if c != REST and v > 0}
        return d or {c: v for c, v in self.world[(m, k)].items() if c != REST and v > 0}

    def incumbent(self, m, k) -> str:
        d = self._named(m, k)
        return max(sorted(d), key=lambda c: d[c])

    def ladder(self, m, k, c) -> float:
        """Price multiplier: 1 for the incumbent, up to 1 + LADDER for the smallest supplier."""
        if c == REST:  # many small suppliers: the top of the ladder
            return 1.0 + LADDER
        d = self._named(m, k)
        top = max(d.values())
        return 1.0 + LADDER * (1.0 - min(1.0, d.get(c, 0.0) / top))


# =============================================================================================
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
        add("extraction", 2025, r["value"], r, "Portuguese lithium mine output 2024 (ceramic grade)")
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
        bx = one(parameter="eu_capacity_tpa", material="aluminium", stage="extraction", country="GR")
        ga = bx["value"] * 50e-6
        out["extraction"].append((2025, ga, Num(ga, [_short(bx["source"]), ASSUMPTION], "C",
                                  f"gallium contained in {bx['value']/1e6:.0f} Mt/yr Greek bauxite at "
                                  "~50 g Ga per t (typical 30-80 g/t)")))
    elif m == "graphite_natural":
        r = one(parameter="eu_capacity_tpa", material="graphite_natural", country="SE")
        out["processing"].append((2027, r["value"], Num(r["value"], [_short(r["source"])], "C",
                                  "Talga Lulea anode refinery, planned 2025/26, taken from 2027 "
                                  "(groundbreaking 2023; t anode material ~ t graphite)")))
        r = one(parameter="world_production_t", material="graphite_natural", country="EU")
        add("extraction", 2025, r["value"], r, "EU mine output 2024 (AT 500 t, DE 170 t)")
    elif m == "magnesium":
        r = one(parameter="eu_capacity_tpa", material="magnesium")
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
        out["processing"] = {t: (proc[t], Num(proc[t], src, grade, "plant level: " + note)) for t in YEARS}
    else:
        rows = ref.find(parameter="eu_domestic_share_of_sourcing", material=m, stage="processing")
        share = rows[0]["value"] if rows else 0.0
        src = [_short(rows[0]["source"])] if rows else [ASSUMPTION]
        note = (f"JRC EU-domestic share of processing-stage sourcing {share} x 2025 consumption "
                f"{d0:,.6g} t, held constant (the README's proxy: no plant-level data)") if rows else \
            "no EU processing-stage data: no existing primary capacity assumed (data gap)"
        v = share * d0
        out["processing"] = {t: (v, Num(v, src, "C", note)) for t in YEARS}
    # extraction
    if "extraction" in plants:
        ext = {t: sum(v for (y0, v, _) in plants["extraction"] if t >= y0) for t in YEARS}
        nums = [n for (_, _, n) in plants["extraction"]]
        src = [s for n in nums for s in n.sources]
        note = "; ".join(f"from {y0}: {v:,.6g} t/yr ({n.note})" for (y0, v, n) in plants["extraction"])
        out["extraction"] = {t: (ext[t], Num(ext[t], src, worst(*(n.grade for n in nums)),
                                             "plant level: " + note)) for t in YEARS}
    elif SPEC[m].get("eu_feed"):
        out["extraction"] = {t: (out["processing"][t][0] / y,
                                 Num(out["processing"][t][0] / y, [ASSUMPTION], "C",
                                     "EU smelters run on EU-quarried dolomite/quartz: extraction = "
                                     f"processing capacity / yield {y}")) for t in YEARS}
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
                                               "refining)"))
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
    if kind == "mean":
        rs = [ref.one(**w) for w in what]
        v = sum(r["value"] for r in rs) / len(rs)
        return Num(v, [_short(r["source"]) for r in rs], "C",
                   "mean of " + " and ".join(f"{r['country']} {r['value']:,.0f}" for r in rs)
                   + " EUR per t/yr (brownfield module and full refinery)")
    return Num(kind, [ASSUMPTION], "C", f"order of magnitude: {what}")


def lead_time(ref: Ref, stage: str, m: str) -> Num:
    if stage == "processing":
        lt = {"ndpr": 5, "dytb": 5, "gallium": 3}.get(m, 4)
        p = ref.one(parameter="permitting_max_months", stage="processing")
        return Num(lt, [_short(p["source"]), ASSUMPTION], "C",
                   f"{lt} yr: CRMA strategic-project permit <= 15 months plus construction 2.3-2.4 yr "
                   "(AMG Bitterfeld, Neo Narva), 3 yr Metlen, 5 yr Eneabba FID->commissioning")
    if stage == "recycling":
        p = ref.one(parameter="permitting_max_months", stage="recycling")
        return Num(3, [_short(p["source"]), ASSUMPTION], "C",
                   "3 yr: permit <= 15 months plus construction 1.8 yr (Caremag)")
    lt = SPEC[m].get("e_lead", 6)
    p = ref.one(parameter="permitting_max_months", stage="extraction")
    why = {3: "quarry (dolomite/quartz): permit <= 27 months plus ~1 yr",
           6: "advanced deposit: permit <= 27 months plus 3-4 yr construction; Barroso >= 9 yr and "
              "Talga >= 7 yr from studies to production; greenfield mines take 12-16 yr",
           8: "no permitted REE deposit in the EU (Norra Karr permit revoked 2016)",
           0: "no new capacity"}[lt]
    return Num(lt, [_short(p["source"]), ASSUMPTION], "C", f"{lt} yr: {why}")


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
    f0 = 0.0
    if spec["rir"]:
        r = ref.one(parameter="eol_rir", material=spec["rir"][0], year=spec["rir"][1])
        f0 = r["value"]
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
                             _grade=grade, _note=note))
            continue
        pr, er = p.get(r, 0.0), e.get(r, 0.0)
        if pr < THRESHOLD:
            continue
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
        note = (f"derived: {r} refines {pr:.0%} of world output but mines {er:.0%}: own ore "
                f"{own:.0%}, the rest from net ore exporters (mine share minus refinery share, "
                "world data) in proportion")
        for x in sorted(keep):
            rows.append(dict(material=m, country=r, origin=x, share=keep[x], _src=cites, _grade="C",
                             _note=note))
    return rows


# =============================================================================================
# The workbook
# =============================================================================================
def build(ref: Ref | None = None):
    ref = ref or Ref()
    src = Sourcing(ref)
    rows = defaultdict(list)
    countries = set()
    info = {}  # per material: figures the feasibility checks need
    for m in MATERIALS:
        spec = SPEC[m]
        prices = price_of(ref, m)
        P = prices["refined"]
        y = processing_yield(ref, m)
        d_vals, d_src, d_grade, d_note = demand_of(ref, m)
        rec = recycling_params(ref, m, d_vals)
        cap = existing_capacity(ref, m, d_vals, y.value)
        mg = spec["margin"][0]
        voll = VOLL_X * P.value
        rows["materials"].append(row(
            dict(material=m, name=spec["name"], strategic=True, voll=sig(voll),
                 processing_yield=sig(y.value), recycling_yield=sig(rec["y"].value)),
            P.sources + y.sources + rec["y"].sources, "C",
            f"voll = {VOLL_X:g} x reference price {P.value:,.6g} EUR/t (C: a tonne not delivered "
            f"stops downstream output worth many times its price); processing yield: {y.note}; "
            f"recycling yield: {rec['y'].note}"))
        # demand, end of life
        for t in YEARS:
            rows["demand"].append(row(
                dict(material=m, year=t, demand=sig(d_vals[t]), eol_arising=sig(rec["eol"][t]),
                     collection_rate=sig(rec["coll"][t], 4)),
                d_src + rec["sources"], worst(d_grade, rec["grade"]),
                f"demand: {d_note} | end of life: {rec['note']}"))
        # supply
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
                    avail = HEADROOM * w * d_vals[t] / (y.value if k == "extraction" else 1.0)
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
                        f"available = {HEADROOM} x weight {w:.4f} x demand"
                        + (" / yield" if k == "extraction" else "")
                        + f"; weight = max(EU sourcing {src.eu[(m, k)].get(c, 0):.4f}, ramp x world "
                        f"{src.world[(m, k)].get(c, 0):.4f}); price = {pnote}; base price: {base.note}"
                        + (f"; {stage_note}" if stage_note else "") + extra_note))
        if spec.get("byproduct"):
            # by-product feed (residues, concentrates) for EU refining: origin not in the data
            for t in YEARS:
                rows["supply"].append(row(
                    dict(material=m, country=REST, stage="extraction", year=t,
                         available=sig(HEADROOM * d_vals[t] / y.value),
                         price=sig(P.value * y.value * (1 - mg))),
                    P.sources + [ASSUMPTION], "C",
                    "by-product feed (zinc/lead residues, concentrates) for EU refining; origins are "
                    f"not in the data, so all from RW; available {HEADROOM} x demand / yield, price = "
                    f"reference x yield x (1 - margin {mg}) (traded by-product feed, no ladder)"))
            countries.add(REST)
        # existing capacity
        for k, by_year in cap.items():
            for t in YEARS:
                v, num = by_year[t]
                if v > 0:
                    rows["capacity_existing"].append(row(
                        dict(material=m, stage=k, year=t, capacity=sig(v)), num.sources, num.grade,
                        num.note))
        if rec["f0"] > 0:
            v = rec["f0"] * d_vals[FIRST]
            num = Num(v, rec["sources"], "C",
                      f"EoL-RIR {rec['f0']} x 2025 consumption: today's recycling output, held constant")
            cap["recycling"] = {t: (v, num) for t in YEARS}
            for t in YEARS:
                rows["capacity_existing"].append(row(
                    dict(material=m, stage="recycling", year=t, capacity=sig(v)), num.sources, "C",
                    num.note))
        # technology
        techs = {}
        d30 = d_vals[BENCH_START]
        for k, key in (("processing", "capex_p"), ("extraction", "capex_e"), ("recycling", "capex_r")):
            cx = capex_of(ref, m, key)
            if cx is None:
                continue
            lt = lead_time(ref, k, m)
            unit = 1.0 / y.value if k == "extraction" else 1.0
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
                           earliest_build_year=FIRST, max_build_per_year=sig(mb))
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
                f"one to three world-scale plants a year){mnote}"))
        # stockpile
        st = ref.one(parameter="storage_cost_share_of_value")
        cov = ref.one(parameter="stock_coverage_days", country="EU")
        cov_jp = ref.one(parameter="stock_coverage_days", country="JP")
        mult = 1.0
        snote = ""
        if m in CONTROLLED:
            c3 = ref.one(parameter="storage_cost_multiplier_controlled")
            mult = c3["value"]
            snote = f" x {mult:g} (controlled storage, {c3['confidence']})"
        hold = st["value"] * mult * P.value
        rows["stockpile"].append(row(
            dict(material=m, initial_stock=0.0, holding_cost=sig(hold), coverage_days=cov["value"],
                 coverage_basis="consumption", coverage_from_year=COVERAGE_DAYS_FROM),
            [_short(st["source"]), _short(cov["source"]), _short(cov_jp["source"]), ASSUMPTION], "C",
            f"holding = storage {st['value']:.3%}/yr of value{snote} x price {P.value:,.6g} EUR/t; "
            "cost of capital: none added (0 %), because the objective charges the stock purchase at "
            "full price with no resale value at the end of the horizon, which already costs at least "
            f"the {DISCOUNT_RATE:.0%} discount rate on the stock's value; coverage {cov['value']:g} "
            f"days (EU 2021 study: {cov['value']:g} days of imports; Japan: {cov_jp['value']:g} days of "
            "consumption, both B) on consumption (C: a net-imports basis lets the plan shrink the "
            "rule by timing purchases: in a test run the model bought 2040's imports into stock in "
            "2039 and drew it down; consumption is data and also covers the imported ore of EU "
            "refineries), for every strategic material, in force from "
            f"{COVERAGE_DAYS_FROM} (C: the 2025 pilot stockpiling needs ~2 years)"))
        info[m] = dict(P=P.value, y=y.value, d=d_vals, cap=cap, techs=techs, rec=rec)
        # upstream
        for u in upstream_rows(ref, src, m):
            countries.update((u["country"], u["origin"]))
            rows["upstream"].append(row({k: v for k, v in u.items() if not k.startswith("_")},
                                        u["_src"], u["_grade"], u["_note"]))
    rows["benchmarks"] = benchmark_rows(ref, info)
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
        out[t] = v
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
                     "without end-of-life feedstock produces nothing, so actual output counts (C)")
        if b == "single_country":
            note += "; stage blank = extraction and processing"
        out.append(row(rec, [_short(r["source"])], "B", note))
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
    if tech is None:
        return {"extraction": "no EU reserves or by-product route in the data: no mining option",
                "processing": "no processing option"}.get(b, "no option")
    unit = " contained" if b == "extraction" else ""
    txt = f"existing {fmt(ex)} t/yr{unit}; new capacity online from {FIRST + tech['lead_time']}"
    if "max_capacity" in tech:
        txt += f", at most {fmt(tech['max_capacity'])} t/yr{unit} in total (reserves)"
    else:
        txt += f", at most {fmt(tech['max_build_per_year'])} t/yr{unit} added per year"
    return txt


# =============================================================================================
# Disruption scenarios (inputs/eu_crma_disruptions.xlsx), built on data/reference/disruptions.csv
# =============================================================================================
DISRUPTIONS_REF = ROOT / "data" / "reference" / "disruptions.csv"
DISRUPTIONS_CSV = "data/reference/disruptions.csv"
RECORD = (2010, 2025)                      # the historical record in disruptions.csv
RECORD_YEARS = RECORD[1] - RECORD[0] + 1   # 16 years
START_YEARS = 1      # a scenario fixes its start year, so it stands for one start year (C)
MAJOR_IMPORTERS = 3  # US, Japan, EU: the buyers China's targeted bans hit (2010, 2024)

# Kinds of event: (events in the record 2010-2025 that reach the EU, which ones). The annual rate
# of a kind is events / RECORD_YEARS; a scenario's probability is that rate x START_YEARS, split
# equally over the scenarios of the kind (formulation §11: scenarios are mutually exclusive).
KINDS = {
    "cn_ree": (2, "China's rare-earth export quota cut of 2010 and its licensing of heavy rare earths "
                  "and magnets of 4 Apr 2025 (the Oct 2025 controls were suspended before they took "
                  "effect; the 2010 embargo on Japan is a targeted ban, counted under cn_targeted)"),
    "cn_ga_ge": (1, "China's gallium and germanium export licensing of 1 Aug 2023"),
    "cn_targeted": (2 / MAJOR_IMPORTERS, "China's bans aimed at one major importer: rare earths to "
                    "Japan (Sep-Nov 2010) and gallium/germanium/antimony to the US (Dec 2024), 2 "
                    "events, of which the EU, one of three major importers, carries a third"),
    "cn_graphite": (1, "China's graphite export permits of 1 Dec 2023 (the Oct 2025 anode controls "
                       "were suspended before they took effect)"),
    "cn_magnesium": (1, "China's magnesium output cuts of Sep 2021 (power-consumption curbs)"),
    "cn_tungsten": (1, "China's tungsten and bismuth export controls of 4 Feb 2025"),
    "cd_cobalt": (1, "the DRC's cobalt export suspension of 22 Feb 2025 and the quotas that "
                     "followed it (one event)"),
    "id_nickel": (2, "Indonesia's nickel ore export bans of Jan 2014 and Jan 2020"),
    "ru_war": (1, "Russia's invasion of Ukraine (Feb 2022): the LME nickel squeeze and the "
                  "sanctions that followed (the EU ban on Russian aluminium, Feb 2025)"),
}

# One scenario = one plausible future event on the pattern of a historical one. Each event row
# refers to a row of disruptions.csv (ref: column filters) and takes its duration, severity and
# price multiplier unless 'override' says otherwise ('why' gives the reason). 'countries' lose
# 'severity' of their offers at 'stages'; the price multiplier applies, for the event's duration,
# to every third-country offer of the material at both stages (severity-0 rows; see
# disruption_rows), except the countries in 'exclude'.
# Open-ended events end at the start of the last model year: a disruption that covers the final
# year would let that scenario use up its stock without replacing it (the stock has no value
# after the horizon, formulation §5), a gain that is an artifact of the horizon.
LAST_START = float(YEARS[-1])
SCENARIOS = [
    dict(scenario="cn_graphite_licence_2027", kind="cn_graphite",
         description="China's export permits on natural graphite (as from 1 Dec 2023) cut its flake "
                     "and processed-graphite exports by 25 % for a year; no price spike",
         events=[dict(ref=dict(material="graphite_natural", start_year="2023.92"),
                      materials=("graphite_natural",), countries=("CN",),
                      stages=("extraction", "processing"), start=2027.92, grade="A",
                      why="permits on flake (ore stage here) and spherical graphite (processing "
                          "stage); exports -25 % over 8 months; prices fell in 2024 (x1)")]),
    dict(scenario="cn_gallium_germanium_licence_2028", kind="cn_ga_ge",
         description="China's export licensing of gallium and germanium (as from 1 Aug 2023): its "
                     "exports -50 % (Ga) and -55 % (Ge) for 2.5 years, prices x1.75 (Ga, China) "
                     "and x2.27 (Ge)",
         events=[dict(ref=dict(material="gallium", start_year="2023.58"), materials=("gallium",),
                      countries=("CN",), stages=("processing",), start=2028.58, grade="C",
                      why="severity 0.5 is the record's C-level reading; x1.75 is the Chinese "
                          "price (USGS), so it applies to China's offer only: non-Chinese offers "
                          "are already at the 2025 ex-China price, 4 x China's, which carries the "
                          "premium of China's controls"),
                 dict(ref=dict(material="germanium", start_year="2023.58"), materials=("germanium",),
                      countries=("CN",), stages=("processing",), start=2028.58, grade="B",
                      why="Chinese Ge metal exports -55 % y/y Jan-Aug 2024 (USGS); fob China x2.27 "
                          "(Argus)")]),
    dict(scenario="cd_cobalt_ban_2029", kind="cd_cobalt",
         description="The DRC suspends cobalt exports for 8 months (as from 22 Feb 2025; refined "
                     "cobalt x1.6), then caps them at 44 % of its output for two years (as the "
                     "2026-27 quotas)",
         events=[dict(ref=dict(material="cobalt", start_year="2025.14"), materials=("cobalt",),
                      countries=("CD",), stages=("extraction", "processing"), start=2029.14,
                      grade="B", why="the suspension covered all cobalt exports (hydroxide, the "
                                     "ore stage here, and metal)"),
                 dict(ref=dict(material="cobalt", start_year="2026"), materials=("cobalt",),
                      countries=("CD",), stages=("extraction", "processing"), start=2030.0,
                      override=dict(price=1.0), grade="C",
                      why="quota 96,600 t/yr vs ~220,000 t mined: severity 0.56 (derived in the "
                          "record); starts 0.86 yr after the suspension, as in 2025-26; price "
                          "during the quotas not sourced: x1")]),
    dict(scenario="cn_magnesium_2029", kind="cn_magnesium",
         description="Chinese magnesium output halted or halved for a quarter (as from Sep 2021 "
                     "under power curbs), prices x5",
         events=[dict(ref=dict(material="magnesium", start_year="2021"), materials=("magnesium",),
                      countries=("CN",), stages=("processing",), start=2029.67, grade="C",
                      why="from September (.67) for a quarter, as Sep-Nov 2021 (EU stocks were "
                          "expected to run out by end Nov 2021); severity 0.5 is the record's "
                          "C-level reading of 'halted or reduced drastically'")]),
    dict(scenario="cn_gallium_germanium_ban_2029", kind="cn_targeted",
         description="China bans gallium and germanium exports to the EU for a year, as it did to "
                     "the US in Dec 2024",
         events=[dict(ref=dict(material="gallium;germanium;antimony", start_year="2024.92"),
                      materials=("gallium",), countries=("CN",), stages=("processing",),
                      start=2029.92, override=dict(duration=1.0, price=1.0), grade="C",
                      why="a ban: severity 1 (A); duration 1 yr as the record's plausible Ga/Ge "
                          "rows (C); no price row: non-Chinese offers are already at the 2025 "
                          "ex-China price"),
                 dict(ref=dict(material="gallium;germanium;antimony", start_year="2024.92"),
                      materials=("germanium",), countries=("CN",), stages=("processing",),
                      start=2029.92, override=dict(duration=1.0, price=2.27), grade="C",
                      why="a ban: severity 1 (A); duration 1 yr as the record's plausible Ge row "
                          "(C); price x2.27 as in the 2023-24 licensing (Argus)")]),
    dict(scenario="cn_ree_quota_2030", kind="cn_ree",
         description="China cuts rare-earth exports by 40 % for 1.5 years (as its 2010 export "
                     "quota), rare-earth prices x9",
         events=[dict(ref=dict(material="ree_total", start_year="2010", duration_years="1.5"),
                      materials=("ndpr", "dytb"), countries=("CN",),
                      stages=("extraction", "processing"), start=2030.0, override=dict(price=9.0),
                      grade="B",
                      why="the quota covered every rare-earth export, so both stages (the case's "
                          "Chinese REE 'ore' offer stands for compounds China exports); price x9 = "
                          "Chinese export unit value Jul 2010-Feb 2011 (a basket of what importers "
                          "paid), not the record's x26 (Dy oxide peak), since the model applies the "
                          "multiplier to every tonne for the whole 1.5 years")]),
    dict(scenario="cn_hree_magnet_licence_2031", kind="cn_ree",
         description="China licenses exports of heavy rare earths and magnets (as from 4 Apr "
                     "2025): half its Dy/Tb and magnet exports lost for a year; price effect not "
                     "sourced",
         events=[dict(ref=dict(material="dytb;ree_magnet", start_year="2025.26"), materials=("dytb",),
                      countries=("CN",), stages=("extraction", "processing"), start=2031.26,
                      override=dict(price=1.0), grade="C",
                      why="Dy, Tb and their compounds at both stages; severity 0.5 and duration are "
                          "the record's C-level placeholders; price not sourced: x1"),
                 dict(ref=dict(material="dytb;ree_magnet", start_year="2025.26"), materials=("ndpr",),
                      countries=("CN",), stages=("processing",), start=2031.26,
                      override=dict(price=1.0), grade="C",
                      why="magnets (NdFeB with Dy/Tb) are in NdPr's processing stage here; severity "
                          "and duration are the record's C-level placeholders; price not sourced: "
                          "x1")]),
    dict(scenario="id_nickel_ban_2031", kind="id_nickel",
         description="Indonesia bans nickel exports for three years (as its ore ban of Jan 2014, "
                     "extended to intermediates and refined nickel); nickel x1.47 for two months "
                     "(as Jul-Aug 2019)",
         events=[dict(ref=dict(material="nickel", start_year="2014.0"), materials=("nickel",),
                      countries=("ID",), stages=("extraction", "processing"), start=2031.0,
                      override=dict(severity=1.0, price=1.0), grade="C",
                      why="a ban: severity 1 for 3 yr as 2014-17 (the record leaves severity and "
                          "price blank); Indonesia's ore ban of 2020 is in force, so a new ban "
                          "would reach intermediates and refined nickel"),
                 dict(ref=dict(material="nickel", start_year="2020.0"), materials=("nickel",),
                      countries=(), stages=(), start=2031.0, override=dict(duration=0.17),
                      exclude=("ID",), grade="C",
                      why="LME 3M nickel +47 % Jul -> end Aug 2019 on the ban's announcement: x1.47 "
                          "for two months (0.17 yr)")]),
    dict(scenario="cn_tungsten_licence_2031", kind="cn_tungsten",
         description="China licenses tungsten and bismuth exports (as from 4 Feb 2025): 30 % of "
                     "its exports lost for a year, tungsten (APT) x2.3",
         events=[dict(ref=dict(material="tungsten;bismuth", start_year="2025.1"),
                      materials=("tungsten",), countries=("CN",), stages=("processing",),
                      start=2031.1, grade="C",
                      why="APT, oxides, carbides: processing stage; APT +130 % by Nov 2025; severity "
                          "0.3 is the record's C-level placeholder (licensing delays, not a ban)"),
                 dict(ref=dict(material="tungsten;bismuth", start_year="2025.1"),
                      materials=("bismuth",), countries=("CN",), stages=("processing",),
                      start=2031.1, override=dict(price=1.0), grade="C",
                      why="severity 0.3 as for tungsten (C placeholder); the x2.3 is the APT price: "
                          "bismuth's price effect is not sourced, x1")]),
    dict(scenario="ru_supply_loss_2032", kind="ru_war",
         description="A new war shock with Russia (as Feb 2022): Russian nickel, PGMs and titanium "
                     "are lost to the EU from Feb 2032 to the end of 2039 (sanctions, as the EU's "
                     "ban on Russian aluminium); nickel x2.5 for days (LME squeeze), PGMs and titanium "
                     "x1.5 for a year",
         events=[dict(ref=dict(material="platinum;palladium", country="RU", start_year=""),
                      materials=("nickel", "palladium", "platinum", "titanium_metal"),
                      countries=("RU",), stages=("extraction", "processing"), start=2032.15,
                      override=dict(severity=1.0, duration=LAST_START - 2032.15, price=1.0),
                      extra_source=SANCTIONS[("aluminium", "RU", "processing")]["source"],
                      grade="C",
                      why="from 24 Feb (.15) to the start of 2040, the last model year, as an EU "
                          "ban of the kind already imposed on Russian aluminium (no end date; "
                          "ending it before the last year keeps the model from using up the stock "
                          "in 2040 without replacing it); severity 1, not the record's world-share "
                          "reading (0.4), because the offer is Russia's sales to the EU"),
                 dict(ref=dict(material="nickel", start_year="2022.17"), materials=("nickel",),
                      countries=(), stages=(), start=2032.17, exclude=("RU",), grade="C",
                      why="LME nickel squeeze of 7-8 Mar 2022: x2.5 for 0.05 yr (the record's "
                          "C-level reading)"),
                 dict(ref=dict(material="platinum;palladium", country="RU", start_year=""),
                      materials=("palladium", "platinum"), countries=(), stages=(),
                      start=2032.15, override=dict(severity=0.0), exclude=("RU",), grade="C",
                      why="x1.5 for a year: the record's placeholder for PGM sanctions"),
                 dict(ref=dict(material="titanium_metal", country="KZ;RU", start_year=""),
                      materials=("titanium_metal",), countries=(), stages=(), start=2032.15,
                      override=dict(severity=0.0), exclude=("RU",), grade="C",
                      why="x1.5 for a year: the record's placeholder for a loss of Russian "
                          "(and Kazakh) sponge; Kazakhstan stays available here")]),
]


class Record:
    """data/reference/disruptions.csv as rows (strings), found by column filters."""

    def __init__(self, path=DISRUPTIONS_REF):
        with open(path, newline="", encoding="utf-8") as f:
            self.rows = list(csv.DictReader(f))

    def one(self, **kw) -> dict:
        rows = [r for r in self.rows if all(r[k] == v for k, v in kw.items())]
        if len(rows) != 1:
            raise LookupError(f"disruptions.csv: expected one row for {kw}, found {len(rows)}")
        return rows[0]


def _event_values(rec: dict, event: dict) -> dict:
    """Duration, severity and price multiplier of an event: the record's, unless overridden."""
    cols = {"duration": "duration_years", "severity": "severity_share_lost",
            "price": "price_multiplier"}
    out = {}
    for k, col in cols.items():
        if k in event.get("override", {}):
            out[k] = float(event["override"][k])
        elif rec[col].strip():
            out[k] = float(rec[col])
        elif k == "severity" and not event["countries"]:
            out[k] = 0.0
        else:
            raise ValueError(f"{event['ref']}: {col} is blank in the record; give an override")
    return out


def probability_of(scenario: dict) -> tuple[float, str]:
    """A scenario's probability and its arithmetic."""
    kind = scenario["kind"]
    n, which = KINDS[kind]
    split = sum(1 for s in SCENARIOS if s["kind"] == kind)
    rate = n / RECORD_YEARS
    p = rate * START_YEARS / split
    events = f"2 events x 1/{MAJOR_IMPORTERS}" if kind == "cn_targeted" else \
        f"{n:g} event{'' if n == 1 else 's'}"
    note = (f"kind {kind}: {which}; rate = {events} / {RECORD_YEARS} yr ({RECORD[0]}-{RECORD[1]}) "
            f"= {rate:.4f} per yr; x {START_YEARS} start year (the scenario fixes its start year)"
            + (f"; / {split} scenarios of this kind" if split > 1 else "") + f" = {p:.4f}")
    return p, note


def disruption_rows(supply_rows: list[dict]) -> dict[str, list[dict]]:
    """The scenarios and disruptions sheets."""
    record = Record()
    offers = defaultdict(set)  # (m, k) -> countries with an offer
    years_of = defaultdict(set)  # (m, c, k) -> years with an offer
    for r in supply_rows:
        offers[(r["material"], r["stage"])].add(r["country"])
        years_of[(r["material"], r["country"], r["stage"])].add(r["year"])

    def offered(m, c, k, start, dur):
        return any(start < t + 1 and start + dur > t for t in years_of.get((m, c, k), ()))

    scen_rows, dis_rows, keys = [], [], set()
    for s in SCENARIOS:
        p, pnote = probability_of(s)
        cites = []
        for ev in s["events"]:
            rec = record.one(**ev["ref"])
            v = _event_values(rec, ev)
            src = [f"{DISRUPTIONS_CSV}: {_short(rec['source'])}"] + (
                [ev["extra_source"]] if ev.get("extra_source") else [])
            cites += src
            what = (f"record row {rec['material']} {rec['country'] or '-'} {rec['stage'] or '-'} "
                    f"{rec['start_year'] or 'plausible'}")
            hit = {(m, c, k) for m in ev["materials"] for c in ev["countries"] for k in ev["stages"]}
            for (m, c, k) in sorted(hit):
                if not offered(m, c, k, ev["start"], v["duration"]):
                    continue
                key = (s["scenario"], m, c, k, ev["start"])
                assert key not in keys, key
                keys.add(key)
                dis_rows.append(row(
                    dict(scenario=s["scenario"], material=m, country=c, stage=k,
                         start_year=ev["start"], duration=sig(v["duration"]),
                         severity=v["severity"], price_multiplier=v["price"]),
                    src, ev["grade"], f"{what}: {ev['why']}"))
            if abs(v["price"] - 1.0) < 1e-12:
                continue
            for m in ev["materials"]:
                if m == "gallium":
                    continue  # non-Chinese gallium is priced ex-China: the premium is in the price
                for k in ("extraction", "processing"):
                    for c in sorted(offers.get((m, k), ())):
                        if (m, c, k) in hit or c in ev.get("exclude", ()) \
                                or not offered(m, c, k, ev["start"], v["duration"]):
                            continue
                        key = (s["scenario"], m, c, k, ev["start"])
                        assert key not in keys, key
                        keys.add(key)
                        dis_rows.append(row(
                            dict(scenario=s["scenario"], material=m, country=c, stage=k,
                                 start_year=ev["start"], duration=sig(v["duration"]),
                                 severity=0.0, price_multiplier=v["price"]),
                            src + [ASSUMPTION], "C",
                            f"market price: the {what} multiplier x{v['price']:g} ({ev['why']}) is "
                            "a market price, so it applies to every third-country offer of the "
                            "material, ore included (ore is priced as a share of the refined "
                            "price in this case); EU production costs do not change"))
        scen_rows.append(row(dict(scenario=s["scenario"], probability=sig(p),
                                  description=s["description"]),
                             [DISRUPTIONS_CSV] + cites, "C", pnote))
    return {"scenarios": scen_rows, "disruptions": dis_rows}


def main(path=OUTPUT, disrupted=None) -> tuple[Path, Path]:
    """Write the default case to ``path`` and the same case with the disruption scenarios to
    ``disrupted`` (default: ``<path stem>_disruptions.xlsx`` beside it)."""
    path = Path(path)
    disrupted = Path(disrupted) if disrupted else path.with_name(f"{path.stem}_disruptions{path.suffix}")
    sets, rows, settings, _ = build()
    out = write_input_workbook(path, sets=sets, rows=rows, settings=settings)
    scen = disruption_rows(rows["supply"])
    out2 = write_input_workbook(disrupted, sets=sets, rows={**rows, **scen},
                                settings={**settings, "case_name": "eu_crma_disruptions"})
    n = sum(len(v) for v in rows.values())
    for o, extra in ((out, ""), (out2, f", {len(scen['scenarios'])} disruption scenarios "
                                       f"({len(scen['disruptions'])} disruption rows)")):
        try:
            shown = Path(o).resolve().relative_to(ROOT)
        except ValueError:
            shown = Path(o).name
        print(f"wrote {shown}: {len(sets['material'])} materials, {len(sets['country'])} countries, "
              f"{n:,} rows{extra}")
    return Path(out), Path(out2)


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:3]))
