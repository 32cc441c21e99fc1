"""Uncertain factors of a case and the data transformations that apply a draw of them.

A factor is one source or one derivation step of the input data (the reference price of a
material, its consumption, the capex rule of a stage, a lead time, a supplier's share where two
sources disagree), not one row: every row derived from it moves with it, so that a draw keeps the
case's own arithmetic (a price-derived VOLL moves with the price). The factors are declared in one
table (``inputs/montecarlo_factors.csv``, documented in docs/sensitivity.md), one line each:

* ``factor``: the name; ``{material}`` / ``{stage}`` in it are filled when ``material`` or
  ``stage`` is ``*`` (one factor per material or per stage of the case). A line naming one
  material (or stage) replaces the ``*`` line's factor of the same kind for it;
* ``kind``: what it changes (``KINDS``);
* ``grade``: A, B or C; blank = the grade of the rows it changes (the most frequent ``confidence``,
  the weaker on a tie);
* ``distribution``, ``low``, ``high``: the range stated by the source (two sources that disagree:
  between their values); blank = the default of the grade (``GRADE_RANGES``). For the kinds that
  scale numbers low and high are multipliers; ``lead_time``: years added; ``supplier_share``: the
  share itself (``base`` = the share the case uses); ``setting``: the setting's value.

Everything here is a plain function of the data (model/transform.py's convention); the model does
not change.
"""
from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model import registry as R
from model.data import ModelData
from model.errors import InputError, Issue

# grade -> (distribution, low, high): the range of a number of that grade when its source states none.
# A (read in the named source): +-10 %, the rounding and vintage differences between editions of one
# statistic; B (a secondary source, a compilation or a press figure): +-25 %; C (a rule chosen for
# the case or an order of magnitude): a factor of two either way, log-uniform so that x0.5 and x2
# are as likely.
GRADE_RANGES = {"A": ("uniform", 0.9, 1.1), "B": ("uniform", 0.75, 1.25), "C": ("loguniform", 0.5, 2.0)}
DISTRIBUTIONS = ("uniform", "loguniform", "integer")
KINDS = {
    "price_level": "the material's reference price: spot and tier prices, variable O&M, VOLL, soft-benchmark "
                   "penalties and holding cost x the draw",
    "consumption": "the material's consumption: demand, end-of-life arisings, finite availability, build "
                   "rates and existing capacity derived from consumption x the draw",
    "eol": "the material's end-of-life arisings x the draw",
    "existing_capacity": "existing EU capacity of the stage (and material) x the draw",
    "capex": "capex and fixed O&M of the stage's technologies x the draw",
    "lead_time": "the draw (whole years) added to the stage's lead times (at least 0)",
    "build_rate": "every max_build_per_year x the draw",
    "headroom": "every finite third-country availability x the draw",
    "supplier_share": "the country's share of availability at the stage set to the draw (others renormalised)",
    "setting": "the setting named in column stage set to the draw",
}
SHEETS = {"price_level": ("supply", "tiers", "technology", "materials", "stockpile", "benchmarks"),
          "consumption": ("demand", "supply", "technology", "capacity_existing"), "eol": ("demand",),
          "existing_capacity": ("capacity_existing",), "capex": ("technology",), "lead_time": ("technology",),
          "build_rate": ("technology",), "headroom": ("supply",), "supplier_share": ("supply",), "setting": ()}
COLUMNS = ("factor", "kind", "material", "stage", "country", "grade", "distribution", "low", "high", "base",
           "source", "why")
EU = "EU"


@dataclass
class Factor:
    name: str
    kind: str
    material: str | None = None
    stage: str | None = None
    country: str | None = None
    grade: str = "C"
    distribution: str = "loguniform"
    low: float = 0.5
    high: float = 2.0
    base: float | None = None
    range_from: str = "grade default"
    source: str = ""
    why: str = ""
    rows: int = 0
    extra: dict = field(default_factory=dict)

    def value(self, u: np.ndarray) -> np.ndarray:
        """The quantile function: u in (0, 1) -> the factor's value."""
        u = np.asarray(u, float)
        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        if self.distribution == "loguniform":
            return self.low * (self.high / self.low) ** u
        # integer: low..high, each equally likely
        return np.floor(self.low + u * (self.high - self.low + 1)).clip(self.low, self.high)


def _bad(path, row, column, value, expected) -> InputError:
    return InputError([Issue(file=Path(path).name, sheet=None, row=row, column=column, value=value,
                             expected=expected)])


def read_table(path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise InputError([Issue(file=str(path), expected="the factor table (a CSV file) of the Monte Carlo")])
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise _bad(path, 1, missing[0], None, f"the columns {', '.join(COLUMNS)}")
        return [dict(r, _row=i) for i, r in enumerate(reader, start=2)]


def _matching_rows(data: ModelData, kind: str, material, stage, country) -> list[dict]:
    """The data rows a factor changes (for its grade and to check it changes something)."""
    def keep(key, sheet):
        names = [c.name for c in R.TABLES_BY_SHEET[sheet].keys]
        f = dict(zip(names, key if isinstance(key, tuple) else (key,)))
        return ((material is None or f.get("material") == material) and (stage is None or f.get("stage") == stage)
                and (country is None or f.get("country") == country))

    sheets = {"price_level": ("supply",), "consumption": ("demand",), "eol": ("demand",),
              "existing_capacity": ("capacity_existing",), "capex": ("technology",),
              "lead_time": ("technology",), "build_rate": ("technology",), "headroom": ("supply",),
              "supplier_share": ("supply",)}.get(kind, ())
    return [rec for s in sheets for key, rec in data.tables.get(s, {}).items() if keep(key, s)]


def _grade(rows: list[dict]) -> str:
    count = Counter(str(r.get("confidence") or "C") for r in rows)
    if not count:
        return "C"
    top = max(count.values())
    return max(g for g, n in count.items() if n == top)  # 'C' > 'B' > 'A': the weaker on a tie


def read_factors(path, data: ModelData) -> list[Factor]:
    """The declared factors, expanded over the case's materials and stages and checked against it."""
    out: dict = {}
    specific = []
    for r in read_table(path):
        row = r["_row"]
        kind = r["kind"].strip()
        if kind not in KINDS:
            raise _bad(path, row, "kind", kind, f"one of {', '.join(KINDS)}")
        mat, stg, cty = (r[c].strip() or None for c in ("material", "stage", "country"))
        if mat not in (None, "*") and mat not in data.materials:
            raise _bad(path, row, "material", mat, f"'*' or one of the case's materials: {', '.join(data.materials)}")
        if kind == "setting":
            if stg not in R.SETTINGS_BY_NAME or R.SETTINGS_BY_NAME[stg].kind != "number":
                raise _bad(path, row, "stage", stg, "the name of a numeric setting (e.g. discount_rate)")
        elif stg not in (None, "*") and stg not in data.stages:
            raise _bad(path, row, "stage", stg, f"'*' or one of the case's stages: {', '.join(data.stages)}")
        mats = data.materials if mat == "*" else [mat]
        stgs = list(data.stages) if stg == "*" and kind != "setting" else [stg]
        for m in mats:
            for s in stgs:
                f = _factor(path, row, r, kind, m, s, cty, data)
                key = (kind, m, s, cty)
                if mat != "*" and stg != "*":
                    specific.append(key)
                elif key in specific:
                    continue  # a line for this one material or stage came first
                out[key] = f
    return list(out.values())


def _num(path, row, r, col):
    text = r[col].strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise _bad(path, row, col, text, "a number") from None


def _factor(path, row, r, kind, m, s, cty, data) -> Factor:
    rows = _matching_rows(data, kind, m, s if kind != "setting" else None, cty)
    if kind != "setting" and not rows:
        raise _bad(path, row, "factor", r["factor"], f"rows of the case for kind {kind} "
                   f"(material {m or 'any'}, stage {s or 'any'}, country {cty or 'any'}): none found")
    grade = r["grade"].strip() or _grade(rows)
    if grade not in GRADE_RANGES:
        raise _bad(path, row, "grade", grade, "A, B or C (or blank: the grade of the rows it changes)")
    dist, low, high = GRADE_RANGES[grade]
    stated = r["distribution"].strip()
    lo, hi = _num(path, row, r, "low"), _num(path, row, r, "high")
    range_from = f"grade {grade} default"
    if stated or lo is not None or hi is not None:
        if stated not in DISTRIBUTIONS or lo is None or hi is None:
            raise _bad(path, row, "distribution", stated, f"one of {', '.join(DISTRIBUTIONS)} with low and high, "
                       "or all three blank (the grade's default range)")
        if hi < lo or (stated == "loguniform" and lo <= 0):
            raise _bad(path, row, "high", hi, f"high >= low ({lo:g}) and, for loguniform, low > 0")
        dist, low, high, range_from = stated, lo, hi, "stated in the row"
    if kind in ("setting", "supplier_share", "lead_time") and range_from != "stated in the row":
        raise _bad(path, row, "low", None, f"a stated range for kind {kind} (not a multiplier)")
    base = _num(path, row, r, "base")
    if kind == "supplier_share" and (base is None or not 0 < base <= 1 or not 0 <= low <= high <= 1):
        raise _bad(path, row, "base", base, "the share the case uses (0 < base <= 1) and 0 <= low <= high <= 1")
    name = r["factor"].strip().replace("{material}", m or "").replace("{stage}", s or "")
    return Factor(name, kind, m, s, cty, grade, dist, low, high, base, range_from, r["source"].strip(),
                  r["why"].strip(), len(rows))


def unknown_factor(name: str, factors: list[Factor]) -> InputError:
    return InputError([Issue(file="command line", column="--factor", value=name,
                             expected=f"one of the declared factors: {', '.join(f.name for f in factors)}")])


# ---- sampling ---------------------------------------------------------------------------------
def sample(factors: list[Factor], n: int, seed: int) -> np.ndarray:
    """An n x len(factors) matrix of draws: a Latin hypercube (each factor's range cut in n equal
    slices of probability, one draw in each, the slices paired at random between factors), from
    ``numpy.random.default_rng(seed)``: the same seed gives the same draws."""
    if n < 1:
        raise InputError([Issue(file="command line", column="--samples", value=n, expected="at least 1 sample")])
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(factors)))
    for j, f in enumerate(factors):
        u = (rng.permutation(n) + rng.random(n)) / n
        out[:, j] = f.value(u)
    return out


# ---- applying a draw --------------------------------------------------------------------------
def _rows(new: ModelData, sheet: str) -> dict:
    """A row-wise copy of one table of ``new`` (installed in it), to change."""
    rows = {k: dict(v) for k, v in new.tables.get(sheet, {}).items()}
    new.tables[sheet] = rows
    return rows


def _times(rec: dict, column: str, x: float) -> None:
    v = rec.get(column)
    if x != 1.0 and v is not None and math.isfinite(v) and v < R.UNLIMITED:
        rec[column] = v * x


# kind -> the multiplier it feeds (one pass per table multiplies each row by the product of its own)
MULTIPLIER = {"price_level": "price", "consumption": "cons", "eol": "eol", "existing_capacity": "cap",
              "capex": "capex", "build_rate": "build", "headroom": "head"}


def apply(data: ModelData, factors: list[Factor], draw) -> ModelData:
    """A copy of ``data`` with every factor at its drawn value: the multipliers of all factors are
    collected first (a factor without a material or stage applies to all), each table is then
    changed in one pass, and the supplier shares come last, so that a share is of the scaled total."""
    new = data.derived()
    for s in sorted({s for f in factors for s in SHEETS[f.kind]} | {"technology"}):
        if s in new.tables:
            _rows(new, s)  # only the tables a factor changes are copied
    T = new.tables
    M: dict = {}
    shift: dict = {}
    for f, x in zip(factors, (float(v) for v in draw)):
        if f.kind in MULTIPLIER:
            key = (MULTIPLIER[f.kind], f.material, f.stage)
            M[key] = M.get(key, 1.0) * x
        elif f.kind == "lead_time":
            shift[(f.material, f.stage)] = shift.get((f.material, f.stage), 0) + round(x)
        elif f.kind == "setting":
            new.settings[f.stage] = x

    def get(name, m, k=None) -> float:
        v = 1.0
        for mm in {m, None}:
            for kk in {k, None}:
                v *= M.get((name, mm, kk), 1.0)
        return v

    for (m, c, k, t), rec in T.get("supply", {}).items():
        _times(rec, "price", get("price", m))
        _times(rec, "available", get("cons", m) * (get("head", m) if c != EU else 1.0))
    for key, rec in T.get("tiers", {}).items():
        _times(rec, "price", get("price", key[0]))
    for (m, k), rec in T.get("technology", {}).items():
        _times(rec, "variable_om", get("price", m))
        _times(rec, "capex", get("capex", m, k))
        _times(rec, "fixed_om", get("capex", m, k))
        _times(rec, "max_build_per_year", get("cons", m) * get("build", m, k))
        add = sum(shift.get((mm, kk), 0) for mm in {m, None} for kk in {k, None})
        if add:
            rec["lead_time"] = max(0, int(rec["lead_time"]) + add)
    for m, rec in T.get("materials", {}).items():
        _times(rec, "voll", get("price", m))
    for m, rec in T.get("stockpile", {}).items():
        _times(rec, "holding_cost", get("price", m))
    for (b, m, k), rec in T.get("benchmarks", {}).items():
        _times(rec, "penalty", get("price", m))
    for (m, t), rec in T.get("demand", {}).items():
        _times(rec, "demand", get("cons", m))
        _times(rec, "eol_arising", get("cons", m) * get("eol", m))
        _times(rec, "feedstock", get("cons", m) * get("eol", m))  # technology-driven (model/demand.py)
    for (m, k, t), rec in T.get("capacity_existing", {}).items():
        _times(rec, "capacity", get("cap", m, k) * (get("cons", m) if _from_consumption(rec) else 1.0))
    for f, x in zip(factors, draw):
        if f.kind == "supplier_share":
            _set_share(T["supply"], f, float(x))
    _reserves_cover_existing(T)
    return new


def _reserves_cover_existing(T: dict) -> None:
    """A technology's max_capacity (reserves, sites) is at least the existing capacity of its
    material and stage: the case writes reserves as 1.5-3 x today's output, so a draw that raises
    today's output cannot leave existing plants above the reserves (an infeasible model)."""
    most: dict = {}
    for (m, k, _t), rec in T.get("capacity_existing", {}).items():
        most[(m, k)] = max(most.get((m, k), 0.0), rec["capacity"])
    for key, rec in T.get("technology", {}).items():
        if rec["max_capacity"] < R.UNLIMITED and most.get(key, 0.0) > rec["max_capacity"]:
            rec["max_capacity"] = most[key]


def _set_share(rows: dict, f: Factor, share: float) -> None:
    """Country f.country's availability at (f.material, f.stage) x share / base in each year, the
    other suppliers' scaled so that the total of the year is unchanged (shares sum to 1)."""
    years: dict = {}
    for key, rec in rows.items():
        if key[0] == f.material and key[2] == f.stage and rec["available"] < R.UNLIMITED:
            years.setdefault(key[3], []).append(key)
    for keys in years.values():
        total = sum(rows[k]["available"] for k in keys)
        own = [k for k in keys if k[1] == f.country]
        if not own or total <= 0:
            continue
        old = sum(rows[k]["available"] for k in own)
        new_own = min(total, old * share / f.base)
        rest = total - old
        for k in keys:
            if k in own:
                rows[k]["available"] *= new_own / old if old > 0 else 0.0
            elif rest > 0:
                rows[k]["available"] *= (total - new_own) / rest


def _from_consumption(rec: dict) -> bool:
    """Existing capacity written as a share of consumption (or derived from such a capacity), not
    plant data: it moves with consumption."""
    note = str(rec.get("note") or "")
    return "consumption" in note or "EU processing capacity" in note


# ---- the case's hard/soft rule, re-applied to a draw --------------------------------------------
SOFT_PENALTY_X_VOLL = 0.2  # the case: penalty = 2 x reference price = 0.2 x VOLL (10 x price)


def soften_out_of_reach(data: ModelData, last_year: int = 2040) -> tuple[ModelData, list[tuple]]:
    """The default case's rule (docs/data.md, "Hard or soft"): an EU-share benchmark stays hard for
    a material unless the data make it physically out of reach in some year from its start to
    ``last_year``; then a material row makes it soft at a penalty of 2 x the reference price per t
    (0.2 x VOLL). Reach: existing capacity + the build rate x years online (capped by reserves,
    model/reach.py), x the processing yield for extraction; for a flow-basis benchmark also the
    feedstock (recycling yield x collection x end-of-life arisings). Returns the data and the
    (benchmark, material) pairs made soft."""
    from model.blocks import benchmarks as BM
    from model.reach import reachable

    effective = BM.resolve(data)
    added = []
    bench_rows = None
    for (b, m, k), rec in effective.items():
        if b == "single_country" or rec["enforcement"] != "hard":
            continue
        mat = data.material(m)
        years = [t for t in data.years if BM.level(rec, t) and t <= last_year]
        basis = rec.get("basis") or mat.get("benchmark_basis") or data.settings.get("benchmark_basis") or "capacity"
        for t in years:
            reach = reachable(data, m, k, t)[0]
            if b == "extraction":
                reach *= mat["processing_yield"]
            d = data.table("demand").get((m, t))
            if d is None:
                continue
            if b == "recycling" and basis == "flow":
                reach = min(reach, mat["recycling_yield"] * d["collection_rate"] * d["eol_arising"])
            if reach < BM.level(rec, t) * d["demand"] * (1 - 1e-9):
                if bench_rows is None:
                    data = data.derived()
                    bench_rows = _rows(data, "benchmarks")
                bench_rows[(b, m, "")] = dict(rec, enforcement="soft", penalty=SOFT_PENALTY_X_VOLL * mat["voll"],
                                              confidence="C", note="soft: out of reach in this sample")
                added.append((b, m))
                break
    return data, added
