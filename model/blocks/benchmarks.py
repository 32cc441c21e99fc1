"""CRMA benchmarks (Regulation (EU) 2024/1252 Art. 5), formulation §6: everything about them is here.

* EU share benchmarks (extraction >= 10 %, processing >= 40 %, recycling >= 25 % of consumption),
  on a capacity basis (``benchmark_<b>_capacity[m,t]``, first stage: the EU is *able* to produce)
  or a flow basis (``benchmark_<b>_flow[m,t,w]``: actual output in each scenario).
* The single-country cap (``benchmark_single_country[m,k,c,t,w]``): no third country supplies more
  than 65 % of consumption at stage k (groups such as the rest of the world, listed in the setting
  aggregate_countries, are not one country and are not capped).

What each benchmark measures is defined once, here, and used by the model, the results, the
baseline assessment (model/analysis/assess.py) and the explanations: ``eu_share_measure`` (EU
capacity or output at a stage, refined equivalent) and ``country_supply`` (what a third country
supplies at a stage: at the processing stage its refined exports to the EU; at the extraction
stage the ore it mined that reaches the EU, inside refined imports from any refiner (upstream
shares) and as ore refined in the EU). ``SENSE`` gives each family's direction and the sign that
turns its dual into the cost of tightening it. All quantities are in tonnes of refined-material
equivalent. Soft rows add ``shortfall_<name>`` variables at a penalty per tonne.
"""
from __future__ import annotations

import numpy as np

from model import registry as R
from model.errors import ModelError
from model.lp import Expr, Index, stack, union
from model.reach import counted_stages, recycling_feed, unreachable_benchmark

SHARE_BENCHMARKS = ("extraction", "processing", "recycling")
CAP_STAGES = ("extraction", "processing")
# family -> (sense, sign): sign x dual / weight = EUR per tonne of tightening
SENSE = {"share": (">=", 1.0), "single_country": ("<=", -1.0)}


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


def aggregates(data) -> set:
    """Country ids that stand for groups (setting aggregate_countries): not capped as one country."""
    return {c.strip() for c in str(data.settings.get("aggregate_countries") or "").split(",") if c.strip()}


def in_force(data) -> list:
    """Every benchmark row in force: (benchmark, material, stage, year, level, demand, basis, rec),
    in the order of ``resolve`` and the years."""
    out = []
    for (bench, mm, k), rec in resolve(data).items():
        basis = basis_of(data, rec, mm) if bench in SHARE_BENCHMARKS else "flow"
        for t in data.years:
            lv, d = level(rec, t), data.peak_demand(mm, t)
            if lv is not None and d > 0:
                out.append((bench, mm, k, t, lv, d, basis, rec))
    return out


# ---- the quantities the benchmarks measure ------------------------------------------------------
def yields(data) -> np.ndarray:
    """processing_yield per material code."""
    return np.array([data.material(mm)["processing_yield"] for mm in data.materials])


def stage_capacity(mod, stage: str, query: Index) -> Expr:
    """EU capacity of ``stage`` at the (m, t) keys of ``query``, refined equivalent: the material's
    own and its share of co-product plants' (model/blocks/coproducts.py)."""
    from model.blocks.capacity import available

    k = mod.space.code["k"][stage]
    cap = available(mod, stage, query) + mod.flow("coproduct_capacity_share", query.with_dims(("m", "k", "t"), k=k))
    return cap * yields(mod.data)[query["m"]] if stage == "extraction" else cap


def add_recycling_counted(mod, query: Index) -> None:
    """What EU recycling counts toward the processing benchmark on the capacity basis, at the (m, t)
    keys of ``query`` (setting processing_counts_recycling): min(recycling capacity, feedstock F)
    with F = ``recycling_feed``. Where the capacity is a number, the minimum is a number
    (``recycling_counted_fixed``); where it can be built, a column ``recycling_counted[m,t]`` in
    [0, F] under the row ``recycling_counted_capacity[m,t]``: recycling_counted <= recycling capacity
    (formulation §6)."""
    feed = _feed(mod, query)
    cap = stage_capacity(mod, "recycling", query)
    fixed = cap.nterms() == 0
    mod.publish("recycling_counted_fixed", query.take(fixed),
                Expr.constant(int(fixed.sum()), np.minimum(cap.const[fixed], feed[fixed])))
    var_index = query.take(~fixed)
    counted = mod.lp.var("recycling_counted", var_index, upper=feed[~fixed])
    mod.lp.con("recycling_counted_capacity", var_index, counted.expr() - cap.take(~fixed), "<=", 0.0)
    mod.publish("recycling_counted", var_index, counted.expr())


def _feed(mod, query: Index) -> np.ndarray:
    return np.array([recycling_feed(mod.data, mm, int(t)) for mm, t in zip(query.label("m"), query.label("t"))])


def eu_share_value(mod, bench: str, basis: str, query: Index, x: np.ndarray) -> np.ndarray:
    """The value of ``eu_share_measure`` in the solution ``x``, for the results: recycling toward
    processing on the capacity basis is min(recycling capacity, feedstock) in full (the column
    recycling_counted need only reach what a binding row needs)."""
    if basis == "capacity" and len(counted_stages(mod.data, bench)) > 1:
        own = stage_capacity(mod, bench, query).value(x)
        return own + np.minimum(stage_capacity(mod, "recycling", query).value(x), _feed(mod, query))
    return eu_share_measure(mod, bench, basis, query)[0].value(x)


def eu_share_measure(mod, bench: str, basis: str, query: Index) -> tuple[Expr, np.ndarray]:
    """What the share benchmark ``bench`` counts at each (m, t) or (m, t, w) key of ``query``: EU
    capacity (refined equivalent: extraction capacity x processing yield) or EU output, summed over
    ``counted_stages`` (recycling toward processing on the capacity basis: ``add_recycling_counted``).
    Returns the expression and a mask of the keys where no variable can enter (the measure is a
    number)."""
    total, number = None, None
    for stage in counted_stages(mod.data, bench):
        if basis == "capacity" and stage != bench:  # recycling toward processing: up to its feedstock
            part = mod.flow("recycling_counted", query) + mod.flow("recycling_counted_fixed", query)
            empty = part.nterms() == 0
        elif basis == "capacity":
            part = stage_capacity(mod, stage, query)
            empty = part.nterms() == 0
        else:
            index, _ = mod.flows["eu_" + stage]
            part, empty = mod.flow("eu_" + stage, query), index.find(query) < 0
        total, number = (part, empty) if total is None else (total + part, number & empty)
    return total, number


def country_supply(data, refined: tuple, ore: tuple) -> dict:
    """stage -> (Index over (m, c, t, w), Expr): what each third country supplies to EU consumption
    at the processing and extraction stages, from ``refined`` and ``ore`` = (Index over (m, c, t, w),
    Expr) of refined imports and ore for EU refining by country. Works on model expressions and on
    constant expressions (numbers) alike."""
    from model.blocks.sourcing import upstream_shares

    ref_index, ref = refined
    ore_index, ore_e = ore
    sp = ref_index.space
    up = upstream_shares(data)
    # extraction: each refiner's imports to its ore origins (upstream shares; own ore by default)
    pair = ref_index["m"] * sp.size("c") + ref_index["c"]
    uniq, inv = np.unique(pair, return_inverse=True)
    lists = []
    for code in uniq.tolist():
        mm, r = sp.labels["m"][code // sp.size("c")], sp.labels["c"][code % sp.size("c")]
        lists.append([(sp.code["c"][o], s) for o, s in up.get((mm, r), {r: 1.0}).items() if s])
    count = np.array([len(x) for x in lists], dtype=np.int64)
    flat = np.array([x for lst in lists for x in lst], dtype=float).reshape(-1, 2)
    rep = count[inv]
    rows = np.repeat(np.arange(ref_index.n), rep)
    at = np.repeat((np.cumsum(count) - count)[inv], rep) + np.arange(len(rows)) - np.repeat(np.cumsum(rep) - rep, rep)
    origin, share = flat[at, 0].astype(np.int64), flat[at, 1]
    to = ref_index.take(rows).with_dims(("m", "c", "t", "w"), c=origin)
    y = yields(data)
    index = union(to, ore_index)
    ext = ref.spread(rows, index.find(to), index.n, share) + \
        (ore_e * y[ore_index["m"]]).regroup(index.find(ore_index), index.n)
    return {"processing": (ref_index, ref), "extraction": (index, ext)}


# ---- constraints --------------------------------------------------------------------------------
def add_benchmarks(mod) -> None:
    data, sp = mod.data, mod.space
    rows = in_force(data)
    nw = len(mod.W)
    mod.info["benchmarks"] = []
    counted = [r for r in rows if r[0] == "processing" and r[6] == "capacity"
               and len(counted_stages(data, "processing")) > 1]
    if counted:
        add_recycling_counted(mod, sp.index(("m", "t"), [(r[1], r[3]) for r in counted]))
    for bench in SHARE_BENCHMARKS:
        for basis in ("capacity", "flow"):
            sel = [r for r in rows if r[0] == bench and r[6] == basis]
            if not sel:
                continue
            idx = sp.index(("m", "t"), [(r[1], r[3]) for r in sel])
            meta = _meta(sel)
            if basis == "flow":  # one row per scenario, on the scenario's consumption (§15.1)
                idx = idx.repeat("w", np.arange(nw))
                meta = {key: np.repeat(v, nw) for key, v in meta.items()}
                meta["demand"] = mod.demand()[idx["m"], idx["t"], idx["w"]]
            lhs, number = eu_share_measure(mod, bench, basis, idx)
            _family(mod, f"benchmark_{bench}_{basis}", idx, lhs, ">=", number, meta)
    supply = country_supply(data, mod.flows["refined"], mod.flows["ore"])
    groups = aggregates(data)
    capped = np.array([c != R.DOMESTIC and c not in groups for c in sp.labels["c"]], dtype=bool)
    parts = []
    for k in CAP_STAGES:
        sel = [r for r in rows if r[0] == "single_country" and r[2] == k]
        if not sel:
            continue
        index, expr = supply[k]
        where = {(r[1], r[3]): i for i, r in enumerate(sel)}
        at = np.full((sp.size("m"), sp.size("t")), -1, dtype=np.int64)
        for (mm, t), i in where.items():
            at[sp.code["m"][mm], sp.code["t"][t]] = i
        meta = _meta(sel)
        soft = meta["enforcement"] == "soft"
        row = at[index["m"], index["t"]]
        demand = mod.demand()  # the cap is a share of the scenario's consumption (§15.1)
        # a hard row with no possible supply (0 <= cap) always holds and is left out
        keep = (row >= 0) & capped[index["c"]] & (expr.nterms() > 0) & ~soft[np.maximum(row, 0)]
        parts.append((index.take(keep).with_dims(("m", "k", "c", "t", "w"), k=sp.code["k"][k]),
                      expr.take(keep), _per_scenario(meta, row[keep], demand, index.take(keep))))
        if soft.any():  # soft rows for every capped third country and scenario, supply or not
            keys = [(r[1], k, c, r[3], w) for r, is_soft in zip(sel, soft) if is_soft
                    for c in third_countries(index, capped, r[1]) for w in mod.W]
            six = sp.index(("m", "k", "c", "t", "w"), keys)
            pos = index.find(six.with_dims(("m", "c", "t", "w")))
            srow = at[six["m"], six["t"]]
            parts.append((six, expr.take(pos), _per_scenario(meta, srow, demand, six)))
    if parts:
        index, expr = stack(*[(p[0], p[1]) for p in parts])
        meta = {key: np.concatenate([p[2][key] for p in parts]) for key in parts[0][2]}
        _family(mod, "benchmark_single_country", index, expr, "<=", np.zeros(index.n, dtype=bool), meta)


def third_countries(index: Index, capped: np.ndarray, material: str) -> list:
    """Capped third countries with any supply of ``material`` in a supply index, sorted."""
    sp = index.space
    mine = index["m"] == sp.code["m"][material]
    return sorted(sp.labels["c"][c] for c in np.unique(index["c"][mine]) if capped[c])


def _per_scenario(meta: dict, row: np.ndarray, demand: np.ndarray, index: Index) -> dict:
    """The rows ``row`` of ``meta`` at the keys of ``index`` (with a scenario), each with the
    consumption of its scenario (formulation §15.1)."""
    out = {key: v[row] for key, v in meta.items()}
    out["demand"] = demand[index["m"], index["t"], index["w"]]
    return out


def _meta(sel) -> dict:
    return dict(benchmark=np.array([r[0] for r in sel], dtype=object),
                stage=np.array([r[2] for r in sel], dtype=object),
                level=np.array([r[4] for r in sel], dtype=float), demand=np.array([r[5] for r in sel], dtype=float),
                basis=np.array([r[6] for r in sel], dtype=object),
                enforcement=np.array([r[7]["enforcement"] for r in sel], dtype=object),
                penalty=np.array([r[7]["penalty"] or 0.0 for r in sel], dtype=float))


def _family(mod, name, index, lhs, sense, number, meta) -> None:
    """One benchmark family: rows lhs >= rhs (shares) or lhs <= rhs (the cap), rhs = level x demand;
    soft rows with a shortfall column at a penalty; hard rows with no variable checked here."""
    lp = mod.lp
    rhs = meta["level"] * meta["demand"]
    if "demand_shift" in mod.flows:  # substitution changes consumption (model/blocks/technologies.py)
        shift = mod.flow("demand_shift", index) * meta["level"]
        lhs, number = lhs - shift, number & (shift.nterms() == 0)
    soft = meta["enforcement"] == "soft"
    fixed = number & ~soft
    if fixed.any():  # kept aside: a warm sweep re-checks them at another level (model/warm.py)
        mod.info.setdefault("benchmark_fixed", []).append(
            (name, index.take(fixed), lhs.const[fixed], sense, {key: v[fixed] for key, v in meta.items()}))
        check_fixed(index.take(fixed), lhs.const[fixed], sense, rhs[fixed], {key: v[fixed] for key, v in meta.items()},
                    mod.data)
    keep = ~fixed
    index, lhs, rhs, soft = index.take(keep), lhs.take(keep), rhs[keep], soft[keep]
    meta = {key: v[keep] for key, v in meta.items()}
    if soft.any():
        short = lp.var(f"shortfall_{name[len('benchmark_'):]}", index.take(soft))
        lhs = lhs + short.at(index, 1.0 if sense == ">=" else -1.0)
        cost_index = index.take(soft)
        lp.cost("benchmark_penalty", cost_index if "w" in index.dims else cost_index.with_dims(("m", "t")),
                short.expr(meta["penalty"][soft]))
    con = lp.con(name, index, lhs, sense, rhs)
    mod.info["benchmarks"].append((con, meta))


def check_fixed(index, value, sense, rhs, meta, data=None) -> None:
    """Hard rows whose measure is a number (no variable can enter): a ModelError in words if one
    does not hold (with ``data``: what capacity can exist by then, and why)."""
    ok = value >= rhs if sense == ">=" else value <= rhs
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = bad[0]
        raise ModelError(_impossible(dict(benchmark=meta["benchmark"][i], material=index.label("m")[i],
                                          year=int(index.label("t")[i]), level=meta["level"][i],
                                          basis=meta["basis"][i]), rhs[i], data))


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
