"""Baseline assessment: where the EU stands against the CRMA benchmarks today, optimising nothing.

Reads only the input data of a workbook (``ModelData``) and reports, per material, the EU's
extraction, processing and recycling shares of consumption and the largest single third-country
share at the extraction and processing stages, next to the benchmark levels of the workbook's
``benchmarks`` sheet (Regulation (EU) 2024/1252, Art. 5).

"Today" is the first year t0 of the horizon (or the year asked for). Definitions:

* consumption ``D`` = ``demand[m, t0]``.
* EU recycling output ``R = min(recycling capacity, recycling_yield x collection_rate x
  eol_arising)``: existing recyclers, limited by the end-of-life feedstock.
* EU processing output ``P = min(processing capacity, D - R, processing_yield x (extraction
  capacity + first-year ore availability))``: existing refineries run, as far as there is demand
  left and ore to feed them. Their feed is EU-mined ore first (up to the extraction capacity),
  the rest is ore imported from third countries in proportion to each country's first-year
  ``available`` at stage extraction.
* The rest of consumption, ``I = D - R - P``, is imported refined, split over third countries in
  proportion to each country's first-year ``available`` at stage processing. This is the
  definition of today's sourcing split: the supply sheet holds what each country can sell, so
  its first-year availability shares stand in for today's market shares.
* EU shares (on the basis the benchmark uses for the material, capacity unless the benchmarks
  sheet or the settings say flow): extraction = yield x extraction capacity / D (flow: yield x
  EU ore mined / D); processing = processing capacity / D (flow: P / D), with the setting
  processing_counts_recycling + min(recycling capacity, feedstock) / D (flow: (P + R) / D);
  recycling = recycling capacity / D (flow: R / D).
* Third-country shares: at processing, its refined imports / D; at extraction, (the ore it sells
  to EU refineries, in refined equivalent, + its upstream share of every refiner's refined imports
  (sheet upstream; a refiner without rows mines its own ore)) / D. Countries and years without
  supply rows supply nothing. Ids that stand for a group of countries (``groups``, default
  ``RW``, rest of world) take their share but are never reported as the largest single country.
* Two definitions of the single-country share: of consumption (``largest_<stage>_share``: the
  country's tonnes / D) is what the Regulation caps (Art. 5(1)(b): "Union's annual consumption
  ... from a single third country"); of imports (``largest_<stage>_share_of_imports``: the same
  tonnes / all third-country tonnes at the stage) is what trade statistics (Eurostat, Comext) and
  much press coverage quote. They differ by the EU's own output: magnesium's 84 % of consumption is 96 %
  of imports in the default EU case.

Capacity is existing capacity only (sheet capacity_existing, with members' shares of co-product
plants): nothing is built.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from model import registry as R
from model.blocks import benchmarks as BM
from model.build import space_of
from model.data import ModelData
from model.demand import recyclable
from model.errors import OptionError
from model.lp import Expr
from model.reach import counted_capacity

SHARES = ("extraction", "processing", "recycling")
COLUMNS = [
    "material", "year", "demand_t",
    "eu_extraction_share", "extraction_level", "extraction_met",
    "eu_processing_share", "processing_level", "processing_met",
    "eu_recycling_share", "recycling_level", "recycling_met",
    "largest_extraction_country", "largest_extraction_share",
    "largest_processing_country", "largest_processing_share",
    "largest_extraction_share_of_imports", "largest_processing_share_of_imports",
    "single_country_level", "single_country_met", "basis", "note",
]
DEFINITIONS = [l.strip() for l in __doc__.split("\n\n", 2)[2].splitlines() if l.strip()]
TOL = 1e-9


def _existing(data: ModelData, m: str, stage: str, t: int) -> float:
    """Own existing capacity plus the member's share of co-product plants at the stage (the share
    the model's capacity-basis benchmarks count, model/blocks/coproducts.py)."""
    cap = data.table("capacity_existing")
    own = cap.get((m, stage, t), {}).get("capacity", 0.0)
    for (g, mm), rec in data.table("coproducts").items():
        if mm == m and rec["stage"] == stage:
            own += rec["share"] * cap.get((g, stage, t), {}).get("capacity", 0.0)
    return own


def _offers(data: ModelData, m: str, stage: str, t: int) -> dict[str, float]:
    """First-year availability of every third country at a stage (t/yr; unlimited = inf)."""
    out = {}
    for (mm, c, k, tt), rec in data.table("supply").items():
        if mm == m and k == stage and tt == t and c != R.DOMESTIC:
            out[c] = rec["available"]
    return out


def _split(total: float, offers: dict[str, float]) -> dict[str, float]:
    """Split ``total`` over countries in proportion to their availability (unlimited offers
    share equally among themselves and take everything)."""
    if total <= TOL or not offers:
        return {}
    unlimited = [c for c, a in offers.items() if a == R.UNLIMITED]
    if unlimited:
        return {c: total / len(unlimited) for c in unlimited}
    tot = sum(offers.values())
    return {c: total * a / tot for c, a in offers.items()} if tot > 0 else {}


def _largest(shares: dict[str, float], groups=()) -> tuple[str, float]:
    shares = {c: v for c, v in shares.items() if c not in groups}
    if not shares:
        return "", 0.0
    c = max(sorted(shares), key=lambda x: shares[x])
    return c, shares[c]


GROUPS = ("RW",)


def third_country_supply(data: ModelData, sp, m: str, t: int, refined: dict, ore: dict) -> dict:
    """stage -> {third country: tonnes (refined equivalent) it supplies to EU consumption}, from
    refined imports by refiner and ore (contained) for EU refining by country, measured by
    ``model.blocks.benchmarks.country_supply``, the function the model's 65 % rows use."""
    w = data.scenarios[0]
    flows = []
    for by in (refined, ore):
        index = sp.index(("m", "c", "t", "w"), [(m, c, t, w) for c in by])
        flows.append((index, Expr.constant(index.n, list(by.values()))))
    out = {}
    for stage, (index, expr) in BM.country_supply(data, *flows).items():
        got = {}
        for c, v in zip(index.label("c").tolist(), expr.const.tolist()):
            got[c] = got.get(c, 0.0) + v
        out[stage] = {c: v for c, v in got.items() if v > TOL and c != R.DOMESTIC}
    return out


def assess(data: ModelData, year: int | None = None, groups=GROUPS) -> pd.DataFrame:
    """The baseline table: one row per material (definitions in the module docstring)."""
    t = data.years[0] if year is None else int(year)
    if t not in data.years:
        raise ValueError(f"year {t} is not in the horizon {data.years[0]}-{data.years[-1]}")
    effective = BM.resolve(data)
    sp = space_of(data)
    rows = []
    for m in data.materials:
        mat = data.material(m)
        y = mat["processing_yield"]
        D = data.demand(m, t)
        d = data.table("demand").get((m, t)) or {"eol_arising": 0.0, "collection_rate": 0.0}
        feed_r = recyclable(data, m, d)
        cap = {k: _existing(data, m, k, t) for k in SHARES}
        ore = _offers(data, m, "extraction", t)
        ref = _offers(data, m, "processing", t)
        ore_total = sum(ore.values())
        rec_out = min(cap["recycling"], feed_r, D)
        proc_out = max(0.0, min(cap["processing"], D - rec_out, y * (cap["extraction"] + ore_total)))
        mined = min(cap["extraction"], proc_out / y) if y > 0 else 0.0
        ore_imp = max(0.0, proc_out / y - mined) if y > 0 else 0.0
        imports = max(0.0, D - rec_out - proc_out)
        # what each third country supplies: the benchmarks' own measure, on these flows
        at = third_country_supply(data, sp, m, t, _split(imports, ref), _split(ore_imp, ore))
        at_proc, at_ext = at["processing"], at["extraction"]

        out = dict(material=m, year=t, demand_t=D)
        bases = []
        flows = {"extraction": y * mined, "processing": proc_out, "recycling": rec_out}
        caps = {"extraction": y * cap["extraction"], "processing": cap["processing"],
                "recycling": cap["recycling"]}
        for b in SHARES:
            rec = effective.get((b, m, b))
            basis = BM.basis_of(data, rec, m) if rec else (
                mat["benchmark_basis"] or data.settings["benchmark_basis"])
            bases.append(f"{b[0].upper()}:{basis}")
            counted = (counted_capacity(data, b, m, t, caps) if basis == "capacity"
                       else sum(flows[k] for k in BM.counted_stages(data, b)))
            share = counted / D if D > 0 else float("nan")
            level = rec["level"] if rec else float("nan")
            out[f"eu_{b}_share"] = share
            out[f"{b}_level"] = level
            out[f"{b}_met"] = bool(share >= level - TOL) if rec and D > 0 else None
        for k, shares in (("extraction", at_ext), ("processing", at_proc)):
            c, v = _largest(shares, groups)
            out[f"largest_{k}_country"] = c
            out[f"largest_{k}_share"] = v / D if D > 0 else float("nan")
            third = sum(shares.values())
            out[f"largest_{k}_share_of_imports"] = v / third if third > TOL else float("nan")
        caps_sc = [effective[(b, mm, k)]["level"] for (b, mm, k) in effective
                   if b == "single_country" and mm == m]
        sc_level = min(caps_sc) if caps_sc else float("nan")
        out["single_country_level"] = sc_level
        if caps_sc and D > 0:
            ok = True
            for k in ("extraction", "processing"):
                rec = effective.get(("single_country", m, k))
                if rec is not None and out[f"largest_{k}_share"] > rec["level"] + TOL:
                    ok = False
            out["single_country_met"] = ok
        else:
            out["single_country_met"] = None
        out["basis"] = " ".join(bases)
        out["note"] = byproduct_note(data, m)
        rows.append(out)
    return pd.DataFrame(rows, columns=COLUMNS)


def assess_workbook(path, year: int | None = None, groups=GROUPS) -> tuple[pd.DataFrame, ModelData]:
    """Load a workbook (with the usual validation) and assess it."""
    from model.validate import load

    data = load(path)
    if year is not None and year not in data.years:
        raise OptionError(f"--year {year}: expected a year of the horizon of {Path(path).name}, "
                          f"{data.years[0]}-{data.years[-1]}")
    return assess(data, year, groups), data


def write_assessment(table: pd.DataFrame, path, case: str = "") -> Path:
    """Write the table (sheet 'assessment') and the definitions (sheet 'definitions') to .xlsx."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    notes = pd.DataFrame({"definitions": ([f"case: {case}"] if case else []) + DEFINITIONS})
    from model.io.cells import safe_frame

    table = safe_frame(table)  # names from the input are text, never formulas
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        table.to_excel(xw, sheet_name="assessment", index=False)
        notes.to_excel(xw, sheet_name="definitions", index=False)
        ws = xw.sheets["assessment"]
        for j, col in enumerate(table.columns, start=1):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(10, min(28, len(col) + 2))
            if col.endswith("_share") or col.endswith("_level"):
                for i in range(2, len(table) + 2):
                    ws.cell(row=i, column=j).number_format = "0.0%"
        xw.sheets["definitions"].column_dimensions["A"].width = 120
    return path


def byproduct_note(data: ModelData, m: str) -> str:
    """Why a by-product's EU extraction is nil: recovery from its host counts at processing."""
    hosts = [(h, rec) for (b, h), rec in data.table("byproducts").items() if b == m]
    if not hosts:
        return ""
    what = ", ".join(f"{h} ({rec['host_stage']})" for h, rec in hosts)
    return (f"by-product of {what}: EU recovery from the host counts as processing (the JRC's "
            f"convention); {m} left unrecovered in the host is not credited at any stage, so EU "
            f"extraction is 0 unless the workbook gives {m} its own extraction capacity")


def format_table(table: pd.DataFrame) -> str:
    """A compact text table: shares in %, target in brackets, '!' where a benchmark is missed."""
    def pct(x):
        return "   -" if pd.isna(x) else f"{100 * x:4.0f}"

    def flag(ok):
        return " " if ok is None or (isinstance(ok, float) and pd.isna(ok)) or ok else "!"

    def cap_flag(share, level):
        return "!" if not pd.isna(level) and not pd.isna(share) and share > level + TOL else " "

    lines = [f"{'material':17s} {'demand t':>12s}  {'EU extr':>8s} {'EU proc':>8s} {'EU recy':>8s}  "
             f"{'top 3rd country extr':>21s} {'top 3rd country proc':>21s}  {'of imports e/p':>14s}"]
    for r in table.itertuples(index=False):
        ext = f"{r.largest_extraction_country or '-':>3s} {pct(r.largest_extraction_share)}%"
        prc = f"{r.largest_processing_country or '-':>3s} {pct(r.largest_processing_share)}%"
        lines.append(
            f"{r.material:17s} {r.demand_t:12,.0f}  {pct(r.eu_extraction_share)}%{flag(r.extraction_met)}  "
            f"{pct(r.eu_processing_share)}%{flag(r.processing_met)}  {pct(r.eu_recycling_share)}%"
            f"{flag(r.recycling_met)}  {ext:>19s}{cap_flag(r.largest_extraction_share, r.single_country_level)}"
            f" {prc:>20s}{cap_flag(r.largest_processing_share, r.single_country_level)}"
            f"  {pct(r.largest_extraction_share_of_imports)}%/{pct(r.largest_processing_share_of_imports).strip()}"
            f"{'' if pd.isna(r.largest_processing_share_of_imports) else '%'}")
    if len(table):
        first = table.iloc[0]
        lines.append(f"levels: extraction {pct(first.extraction_level).strip()} %, processing "
                     f"{pct(first.processing_level).strip()} %, recycling {pct(first.recycling_level).strip()} "
                     f"%, single third country at most {pct(first.single_country_level).strip()} % "
                     f"(first material's rows); '!' = benchmark level not met today")
        for r in table.itertuples(index=False):
            if r.note:
                lines.append(f"{r.material}: {r.note}")
        lines.append("single-country shares are of consumption, as the Regulation counts them (Art. "
                     "5(1)(b)); 'of imports' = the same country's share of all third-country supply "
                     "at the stage (trade statistics' definition), extraction/processing")
    return "\n".join(lines)
