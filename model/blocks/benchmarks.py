"""CRMA benchmarks (Regulation (EU) 2024/1252 Art. 5), formulation §6: everything about them is here.

* EU share benchmarks (extraction >= 10 %, processing >= 40 %, recycling >= 25 % of consumption),
  on a capacity basis (``benchmark_<b>_capacity[m,t]``, first stage: the EU is *able* to produce)
  or a flow basis (``benchmark_<b>_flow[m,t,w]``: actual output in each scenario).
* The single-country cap (``benchmark_single_country[m,k,c,t,w]``): no third country supplies more
  than 65 % of consumption at stage k (groups such as the rest of the world, listed in the setting
  aggregate_countries, are not one country and are not capped). At the processing stage a country's supply is its refined
  exports to the EU; at the extraction stage it is the ore it mined that reaches the EU, inside
  refined imports from any refiner (upstream shares) and as ore refined in the EU.

All quantities are in tonnes of refined-material equivalent: EU mining and ore imports count
with the material's processing yield. Levels, start years, ramps, bases, materials and
hard/soft enforcement are data (sheet ``benchmarks``). Soft rows add ``shortfall_<name>``
variables at a penalty per tonne.
"""
from __future__ import annotations

import pyomo.environ as pyo

from model import registry as R
from model.errors import ModelError
from model.reach import unreachable_benchmark

SHARE_BENCHMARKS = ("extraction", "processing", "recycling")
CAP_STAGES = ("extraction", "processing")


def resolve(data) -> dict:
    """Effective benchmark rows: (benchmark, material, stage) -> row, with overrides applied.

    Precedence, most specific first: (b, m, stage), (b, m, blank), (b, all, stage), (b, all, blank).
    Share benchmarks have stage = the benchmark itself; the single-country cap has one entry per
    capped stage.
    """
    rows = data.table("benchmarks")
    strategic = [mm for mm in data.materials if data.material(mm)["strategic"]]
    out = {}
    for bench in R.BENCHMARK_IDS:
        stages = CAP_STAGES if bench == "single_country" else (bench,)
        for mm in data.materials:
            for k in stages:
                if k not in data.stages:
                    continue
                extra = (k,) if bench == "single_country" else ()
                for cand in [(bench, mm, s) for s in extra + ("",)] + \
                        ([(bench, "all", s) for s in extra + ("",)] if mm in strategic else []):
                    if cand in rows:
                        out[(bench, mm, k)] = rows[cand]
                        break
    return out


def level(rec, t: int) -> float | None:
    """The benchmark level in year t (None: not in force), with the linear ramp-in."""
    start, full = rec["start_year"], rec["level"]
    if t >= start:
        return full
    ramp = rec["ramp_from_year"]
    if ramp is not None and t >= ramp:
        return full * (t - ramp) / (start - ramp)
    return None


def basis_of(data, rec, material: str) -> str:
    return rec["basis"] or data.material(material)["benchmark_basis"] or data.settings["benchmark_basis"]


# ---- the quantities the benchmarks measure (also used by the results) --------------------------
def eu_capacity(b, bench: str, mm: str, t: int):
    """EU capacity able to supply refined material at stage ``bench`` (t/yr, refined equivalent)."""
    cap = b.cap_avail(mm, bench, t)
    if bench == "extraction":
        return b.data.material(mm)["processing_yield"] * cap
    return cap


def eu_flow(b, bench: str, mm: str, t: int, w):
    """EU output at stage ``bench`` (t, refined equivalent) in scenario w."""
    m = b.m
    if bench == "extraction":
        return (b.data.material(mm)["processing_yield"] * m.eu_mining[mm, t, w]
                if (mm, t, w) in m.EU_MINING else 0.0)
    if bench == "processing":
        return m.eu_processing[mm, t, w] if (mm, t, w) in m.EU_PROCESSING else 0.0
    return m.eu_recycling[mm, t, w] if (mm, t, w) in m.EU_RECYCLING else 0.0


def country_supply(b, stage: str, mm: str, c: str, t: int, w):
    """What third country c supplies to EU consumption at ``stage`` (t, refined equivalent)."""
    from model.blocks.sourcing import ore_from, refined_from

    if stage == "processing":
        terms = refined_from(b, mm, c, t, w)
        return sum(terms) if terms else 0.0
    terms = []
    for r, flows in b.refined_by.get((mm, t, w), {}).items():
        share = b.upstream.get((mm, r), {r: 1.0}).get(c, 0.0)
        if share:
            terms.extend(share * x for x in flows)
    y = b.data.material(mm)["processing_yield"]
    terms.extend(y * x for x in ore_from(b, mm, c, t, w))
    return sum(terms) if terms else 0.0


def third_countries(b, stage: str, mm: str) -> list[str]:
    """Third countries that can supply material mm at ``stage`` (directly or upstream).

    Computed once per build for all materials and cached on the builder (``b.refined_by`` and
    ``b.ore_by`` are complete once sourcing has run); the build and the results call this once
    per (material, stage, year, scenario).
    """
    cache = getattr(b, "_third_countries", None)
    if cache is None or cache[0] != (len(b.refined_by), len(b.ore_by)):
        refiners, miners = {}, {}
        for (m2, t, w), by_c in b.refined_by.items():
            refiners.setdefault(m2, set()).update(by_c)
        for (m2, t, w), by_c in b.ore_by.items():
            miners.setdefault(m2, set()).update(by_c)
        found = {}
        for m2 in set(refiners) | set(miners):
            ref = refiners.get(m2, set())
            ext = set(miners.get(m2, set()))
            for r in ref:
                ext |= set(b.upstream.get((m2, r), {r: 1.0}))
            groups = aggregates(b.data)
            found[("processing", m2)] = sorted(c for c in ref if c != R.DOMESTIC and c not in groups)
            found[("extraction", m2)] = sorted(c for c in ext if c != R.DOMESTIC and c not in groups)
        cache = ((len(b.refined_by), len(b.ore_by)), found)
        b._third_countries = cache
    key = ("processing" if stage == "processing" else "extraction", mm)
    return list(cache[1].get(key, []))


def aggregates(data) -> set:
    """Country ids that stand for groups (setting aggregate_countries): not capped as one country."""
    return {c.strip() for c in str(data.settings.get("aggregate_countries") or "").split(",") if c.strip()}


# ---- constraints --------------------------------------------------------------------------------
def add_benchmarks(b) -> None:
    data, m = b.data, b.m
    effective = resolve(data)
    b.benchmark_rows = []  # one dict per benchmark constraint row, for the results

    groups: dict[str, dict] = {}  # component name -> {index: (lhs, sense, rhs, row)}

    def put(name, index, lhs, sense, rhs, info):
        groups.setdefault(name, {})[index] = (lhs, sense, rhs, info)

    for (bench, mm, k), rec in effective.items():
        demand = {t: data.demand(mm, t) for t in b.T}
        for t in b.T:
            lv = level(rec, t)
            if lv is None or demand[t] <= 0:
                continue
            rhs = lv * demand[t]
            info = dict(benchmark=bench, material=mm, stage=k, year=t, level=lv, demand=demand[t],
                        enforcement=rec["enforcement"], penalty=rec["penalty"])
            if bench in SHARE_BENCHMARKS:
                basis = basis_of(data, rec, mm)
                if basis == "capacity":
                    put(f"benchmark_{bench}_capacity", (mm, t), eu_capacity(b, bench, mm, t), ">=", rhs,
                        dict(info, basis="capacity", country="", scenario=""))
                else:
                    for w in b.W:
                        put(f"benchmark_{bench}_flow", (mm, t, w), eu_flow(b, bench, mm, t, w), ">=", rhs,
                            dict(info, basis="flow", country="", scenario=w))
            else:
                for c in third_countries(b, k, mm):
                    for w in b.W:
                        put("benchmark_single_country", (mm, k, c, t, w),
                            country_supply(b, k, mm, c, t, w), "<=", rhs,
                            dict(info, basis="flow", country=c, scenario=w))

    for name, rows in groups.items():
        index = list(rows)
        dim = len(index[0])
        soft = [i for i in index if rows[i][3]["enforcement"] == "soft"]
        short = None
        if soft:
            setattr(m, f"SHORTFALL_{name}", pyo.Set(initialize=soft, dimen=dim, ordered=True))
            short = pyo.Var(getattr(m, f"SHORTFALL_{name}"), within=pyo.NonNegativeReals)
            setattr(m, f"shortfall_{name[len('benchmark_'):]}", short)
        soft_set = set(soft)
        cons = {}
        for i in index:
            lhs, sense, rhs, info = rows[i]
            slack = short[i] if i in soft_set else 0.0
            if isinstance(lhs, (int, float)) and i not in soft_set:
                ok = lhs >= rhs if sense == ">=" else lhs <= rhs
                if not ok:
                    raise ModelError(_impossible(info, rhs, data))
                continue
            cons[i] = (lhs + slack >= rhs) if sense == ">=" else (lhs - slack <= rhs)
            b.benchmark_rows.append(dict(info, component=name, index=i))
            if i in soft_set:
                w = info["scenario"] or None
                b.add_cost("benchmark_penalty", info["material"], info["year"], w,
                           info["penalty"] * short[i])
        setattr(m, f"IDX_{name}", pyo.Set(initialize=list(cons), dimen=dim, ordered=True))
        setattr(m, name, pyo.Constraint(getattr(m, f"IDX_{name}"), rule=lambda _, *i, c=cons: c[i]))


def _impossible(info, rhs, data=None) -> str:
    if data is not None and info["benchmark"] in SHARE_BENCHMARKS:
        return unreachable_benchmark(data, info["benchmark"], info.get("basis") or "capacity",
                                     info["material"], info["year"], info["level"])
    what = {"extraction": "EU extraction", "processing": "EU processing",
            "recycling": "EU recycling"}.get(info["benchmark"], info["benchmark"])
    return (f"The {info['level']:.0%} {info['benchmark']} benchmark for {info['material']} in "
            f"{info['year']} needs {rhs:,.1f} t/yr of {what}, but the input allows none: add a "
            f"technology row (sheet technology, stage {info['benchmark']}) or existing capacity, "
            f"or make the benchmark soft.")
