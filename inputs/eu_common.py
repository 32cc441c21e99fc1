"""Shared pieces of the EU case build (inputs/build_eu_case.py): paths, years, the grade C
assumptions as named constants, the reference-data reader and the provenance helpers."""
from __future__ import annotations

import csv
import math
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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
HEADROOM = 1.5           # a supplier can sell the EU up to 1.5 x its share of the primary requirement
NEW_SUPPLIER_YEARS = 5   # world-only suppliers open up linearly over 2026-2030
PROJECTION_YEARS = (2030, 2035, 2040)  # years of the IEA base-case projection of world shares
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
STOCK_IMPORT_SHARE = 0.65  # stock rule for materials whose largest supplier has >= 65 % of refined imports
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
        self._used: list[list[dict]] = []

    @contextmanager
    def track(self):
        """Collect every row looked up inside the block (for the data_year column)."""
        used: list[dict] = []
        self._used.append(used)
        try:
            yield used
        finally:
            self._used.remove(used)

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
        for used in self._used:
            used.extend(out)
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


def latest(rows: list[dict]) -> list[dict]:
    """The rows of the most recent year first ('2016-2020' counts as 2020, '2023 study' as 2023)."""
    def year(r):
        digits = "".join(ch if ch.isdigit() else " " for ch in r["year"]).split()
        return max((int(x) for x in digits if len(x) == 4), default=0)
    return sorted(rows, key=year, reverse=True)


def worst(*grades) -> str:
    return max((g for g in grades if g), key=GRADES.index, default="A")


def sig(x: float, digits: int = 6) -> float:
    """Round to significant digits, so the workbook is the same on every machine."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits}g}")


def sig_up(x: float, digits: int = 6) -> float:
    """Round up to significant digits: for upper limits (a build limit rounded down would make a
    target that needs exactly the limit infeasible by a fraction of a tonne)."""
    v = sig(x, digits)
    if v >= x or not math.isfinite(x):
        return v
    e = math.floor(math.log10(abs(x))) - digits + 1
    return sig(v + 10.0 ** e, digits)


def fmt(x: float) -> str:
    """A number for a note: thousands separators, three significant digits below 100."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


LAST_DATA_YEAR = 2026  # later years in values.csv are projection targets, not years of data


def data_years(rows) -> str:
    """The years of the values.csv rows behind a number, most recent first: '2024; 2016-2020'.
    Target years of projections (after LAST_DATA_YEAR) are left out: the note gives the rule."""
    years = []
    for r in latest(list(rows)):
        digits = [int(x) for x in "".join(ch if ch.isdigit() else " " for ch in r["year"]).split()
                  if len(x) == 4]
        y = r["year"]
        if y and digits and max(digits) > LAST_DATA_YEAR:
            if not r["parameter"].endswith("capacity_tpa"):
                continue
            y = f"{y} (planned start)"  # plant rows carry their start year
        if y and y not in years and digits:
            years.append(y)
    return "; ".join(years)


def row(values: dict, sources, grade: str, note: str, data_year: str = "") -> dict:
    """A workbook row with its provenance (grade C needs its derivation in the note)."""
    sources = [s for s in dict.fromkeys(sources) if s]
    if grade not in GRADES:
        raise ValueError(grade)
    if not sources:
        raise ValueError(f"row without source: {values}")
    if grade == "C" and not note:
        raise ValueError(f"grade C row without a note: {values}")
    out = dict(values, source=" + ".join(sources), confidence=grade, note=note)
    if data_year:
        out["data_year"] = data_year
    return out


# =============================================================================================
# Material specification: what is read where, and the grade C parameters with their reasons
# =============================================================================================
# price: (material id, year, filters) of a price_usd_per_t row; basis 'refined' or 'ore'
