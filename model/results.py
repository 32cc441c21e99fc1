"""Extract a solved model into tidy pandas tables; writers read only these tables.

One extraction for every backend: values by (component, key) from the column values, the row
activities and the row duals of the LP (model/lp.py), whoever solved it. Tables (columns in
docs/results.md): sourcing, capacity, stock, unmet, compliance, costs, cost_summary,
shadow_prices, marginal_cost, scenario_costs, contracts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model import registry as R
from model.blocks import benchmarks as BM
from model.blocks.technologies import technology_tables
from model.lp import gather

TOL = 1e-6


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 else x


def _clean_values(v: np.ndarray) -> np.ndarray:
    """``_clean`` of every element of an array."""
    return np.where(np.abs(v) < 1e-9, 0.0, v)


def _table(data: dict, **kw) -> pd.DataFrame:
    """A result table from its columns (fresh arrays, owned by the table): pandas would otherwise
    copy the columns of one type into one block (some 0.1 s on the largest benchmark instance)."""
    return pd.DataFrame(data, copy=False, **kw)


@dataclass
class Results:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    objective: float = 0.0

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


class Solution:
    """Values of a solved model by (component, key): variables, named expressions, row duals."""

    def __init__(self, mod, x: np.ndarray, row_dual: np.ndarray | None = None):
        self.mod, self.lp = mod, mod.lp
        self.x = np.asarray(x, dtype=float)
        self.row_dual = row_dual

    def var(self, name: str, query=None) -> np.ndarray:
        """Values of variable ``name`` over its index, or at the keys of ``query`` (0 where absent)."""
        v = self.lp.vars.get(name)
        if v is None:
            return np.zeros(0 if query is None else query.n)
        if query is None:
            return self.x[v.start:v.start + v.n]
        return gather(self.x[v.start:v.start + v.n], v.index.find(query))

    def flow(self, name: str, query=None) -> np.ndarray:
        index, expr = self.mod.flows[name]
        val = expr.value(self.x)
        return val if query is None else gather(val, index.find(query))

    def dual(self, name: str) -> np.ndarray:
        con = self.lp.cons.get(name)
        if con is None or self.row_dual is None:
            return np.zeros(0)
        return self.row_dual[con.start:con.start + con.n]


def extract(mod, sol, tables=None) -> Results:
    """The result tables of a solved model (``tables``: the names wanted, all by default); ``sol``
    has ``objective``, ``x`` and ``row_dual``."""
    val = Solution(mod, sol.x, sol.row_dual)
    res = Results(objective=sol.objective)
    want = (lambda name: True) if tables is None else set(tables).__contains__
    makers = {"sourcing": _sourcing, "capacity": _capacity, "stock": _stock, "unmet": _unmet,
              "compliance": _compliance}
    for name, make in makers.items():
        if want(name):
            res.tables[name] = make(mod, val)
    costs = _cost_values(mod, val)
    if want("costs") or want("cost_summary"):
        for name, table in zip(("costs", "cost_summary"), _cost_tables(mod, costs)):
            if want(name):
                res.tables[name] = table
    for name, make in {"shadow_prices": _shadow_prices, "marginal_cost": _marginal_cost}.items():
        if want(name):
            res.tables[name] = make(mod, val)
    if want("scenario_costs"):
        res.tables["scenario_costs"] = _scenario_costs(mod, val, costs)
    if want("contracts"):
        res.tables["contracts"] = _contracts(mod, val)
    if mod.lp.vars["byproduct_recovery"].n and want("byproducts"):
        res.tables["byproducts"] = _byproducts(mod, val)
    if mod.lp.vars["coproduct_surplus"].n and want("coproducts"):
        res.tables["coproducts"] = _coproducts(mod, val)
    if any(want(n) for n in ("demand_source", "demand_by_technology", "substitution", "demand_change")):
        res.tables.update(technology_tables(mod, val))
    return res


def _capacity(mod, val) -> pd.DataFrame:
    data = mod.data
    existing = data.table("capacity_existing")
    index, _ = mod.flows["cap_avail"]
    new_index, _ = mod.flows["cap_new"]
    new = gather(val.flow("cap_new"), new_index.find(index))
    modules = val.var("n_modules", index)
    v = mod.lp.vars["n_modules"]
    is_mod = v.index.find(index) >= 0
    keys = index.keys()
    return _table({
        "material": index.label("m"), "stage": index.label("k"), "year": index.label("t").astype(int),
        "existing_tpa": [existing.get(k, {}).get("capacity", 0.0) for k in keys],
        "new_online_tpa": _clean_values(new),
        "modules": np.where(is_mod, modules, np.nan) if is_mod.any() else [None] * index.n,
        "available_tpa": _clean_values(val.flow("cap_avail"))},
        columns=["material", "stage", "year", "existing_tpa", "new_online_tpa", "modules", "available_tpa"])


def _stock(mod, val) -> pd.DataFrame:
    """Stock path per scenario. Bought and released are netted within a year (buying and
    releasing in the same year is one net movement); released_in_disruption says whether a
    release of more than TOL t happened in a disruption of the material."""
    inv = mod.lp.vars["inventory"]
    idx = inv.index
    out = val.var("stock_out", idx)
    leave = out + val.var("stock_drawdown", idx) + val.var("stock_disposal", idx)
    net = val.var("stock_in") - leave
    return _table({
        "scenario": idx.label("w"), "material": idx.label("m"), "year": idx.label("t").astype(int),
        "stock_target_t": _clean_values(val.var("stock_target", idx.with_dims(("m", "t")))),
        "inventory_t": _clean_values(val.var("inventory")),
        "stock_in_t": _clean_values(np.maximum(0.0, net)), "stock_out_t": _clean_values(np.maximum(0.0, -net)),
        "released_in_disruption": (out > TOL) & (net < -TOL)},
        columns=["scenario", "material", "year", "stock_target_t", "inventory_t", "stock_in_t", "stock_out_t",
                 "released_in_disruption"])


def _unmet(mod, val) -> pd.DataFrame:
    idx = mod.lp.vars["unmet"].index
    return _table({"scenario": idx.label("w"), "material": idx.label("m"), "year": idx.label("t").astype(int),
                         "demand_t": mod.demand()[idx["m"], idx["t"], idx["w"]], "unmet_t": _clean_values(val.var("unmet"))},
                        columns=["scenario", "material", "year", "demand_t", "unmet_t"])


def _cost_values(mod, val) -> np.ndarray:
    c = mod.info["costs"]
    return np.bincount(c["key_of"], weights=c["coefs"] * val.x[c["cols"]], minlength=len(c["const"])) + c["const"]


def _contracts(mod, val) -> pd.DataFrame:
    """Offtake contracts: the first-stage annual volume and what was delivered, per scenario."""
    data = mod.data
    cols = ["contract", "material", "country", "stage", "buyer", "price_eur_per_t", "volume_tpa", "scenario",
            "delivered_t"]
    take_index, take = mod.flows["contract_take"]
    delivered = {}
    for (kid, _, w), v in zip(take_index.keys(), take.value(val.x).tolist()):
        delivered[(kid, w)] = delivered.get((kid, w), 0.0) + v
    volume = val.var("contract_volume")
    rows = []
    for kid, vol in zip(mod.lp.vars["contract_volume"].index.keys(), volume.tolist()):
        rec = data.table("contracts")[kid]
        for w in mod.W:
            rows.append(dict(contract=kid, material=rec["material"], country=rec["country"], stage=rec["stage"],
                             buyer=rec["buyer"], price_eur_per_t=rec["price"], volume_tpa=_clean(vol), scenario=w,
                             delivered_t=_clean(delivered.get((kid, w), 0.0))))
    return pd.DataFrame(rows, columns=cols)


SHADOW_COLUMNS = ["constraint", "benchmark", "basis", "material", "stage", "country", "year", "scenario", "level",
                  "demand_t", "eur_per_t", "eur_per_pp", "binding", "enforcement"]


def _shadow_prices(mod, val) -> pd.DataFrame:
    """Marginal cost of each benchmark row: EUR per tonne (money of its year) and per percentage point.

    The dual of a row in the discounted, probability-weighted objective is divided by that weight,
    and signed so that a positive number is the cost of tightening the benchmark by one tonne.
    """
    parts = []
    for con, meta in mod.info["benchmarks"]:
        idx = con.index
        sign = BM.SENSE["single_country" if con.name == "benchmark_single_country" else "share"][1]
        year = idx.label("t").astype(int)
        scen = idx.label("w") if "w" in idx.dims else np.full(idx.n, "", dtype=object)
        weight = mod.weights(idx)
        dual = val.dual(con.name)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_t = np.where(weight != 0, sign * dual / np.where(weight != 0, weight, 1.0), np.nan)
        per_t = _clean_values(per_t)
        parts.append(_table({
            "constraint": constraint_names(con), "benchmark": meta["benchmark"], "basis": meta["basis"],
            "material": idx.label("m"), "stage": meta["stage"],
            "country": idx.label("c") if "c" in idx.dims else np.full(idx.n, "", dtype=object),
            "year": year, "scenario": scen, "level": meta["level"], "demand_t": meta["demand"],
            "eur_per_t": per_t, "eur_per_pp": _clean_values(per_t * meta["demand"] / 100.0),
            "binding": np.abs(per_t) > 1e-6, "enforcement": meta["enforcement"]}, columns=SHADOW_COLUMNS))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SHADOW_COLUMNS)


def _marginal_cost(mod, val) -> pd.DataFrame:
    """The dual of each balance row: the cost of one more tonne of EU demand, in its year's money."""
    idx = mod.lp.cons["balance"].index
    year = idx.label("t").astype(int)
    scen = idx.label("w")
    weight = mod.weights(idx)
    dual = val.dual("balance")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = np.where(weight != 0, dual / np.where(weight != 0, weight, 1.0), np.nan)
    return _table({"scenario": scen, "material": idx.label("m"), "year": year,
                         "eur_per_t": _clean_values(per_t)}, columns=["scenario", "material", "year", "eur_per_t"])


def _sort_order(sp, keys: list) -> np.ndarray:
    """Positions that sort rows as their labels sort: ``keys`` = [(dim, codes)], most significant
    first; equal rows keep their order (stable)."""
    if not keys or not len(keys[0][1]):
        return np.zeros(0, dtype=np.int64)
    return np.lexsort([sp.ranks(d)[c] for d, c in reversed(keys)])


def _sourcing(mod, val) -> pd.DataFrame:
    """Flows by scenario, material, stage, country and year: spot imports, contract deliveries and
    EU mining, processing and recycling; sorted by those columns (stable: spot before contract)."""
    lp, sp = mod.lp, mod.space
    k_of = {k: i for i, k in enumerate(sp.labels["k"])}
    eu = sp.code["c"].get(R.DOMESTIC, 0)
    parts = []  # (w, m, k, c, t, flow label codes or one label, values)
    for name, stage, flow in (("imp_ref", "processing", "refined import"),
                              ("imp_conc", "extraction", "ore import for EU refining")):
        ix = lp.vars[name].index
        parts.append((ix["w"], ix["m"], np.full(ix.n, k_of[stage]), ix["c"], ix["t"], flow, val.var(name)))
    take_index, take = mod.flows["contract_take"]
    if take_index.n:
        mck = mod.info["contract_take"]
        label = np.array([f"contract {k}" for k in sp.labels["x"]], dtype=object)[take_index["x"]]
        parts.append((mck["w"], mck["m"], mck["k"], mck["c"], mck["t"], label, take.value(val.x)))
    for name, stage, flow in (("eu_mining", "extraction", "EU mining"),
                              ("eu_processing", "processing", "EU processing output"),
                              ("eu_recycling", "recycling", "EU recycling output")):
        ix, _ = mod.flows[name]
        parts.append((ix["w"], ix["m"], np.full(ix.n, k_of[stage]), np.full(ix.n, eu), ix["t"], flow, val.flow(name)))
    cols = ["scenario", "material", "stage", "country", "year", "flow", "value_t"]
    w, m, k, c, t = (np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(5))
    flow = np.concatenate([np.full(len(p[0]), p[5], dtype=object) if isinstance(p[5], str) else p[5]
                           for p in parts])
    value = np.concatenate([p[6] for p in parts])
    order = _sort_order(sp, [("w", w), ("m", m), ("k", k), ("c", c), ("t", t)])
    w, m, k, c, t, flow, value = (a[order] for a in (w, m, k, c, t, flow, value))
    return _table({"scenario": sp.names("w", w), "material": sp.names("m", m), "stage": sp.names("k", k),
                         "country": sp.names("c", c), "year": sp.names("t", t).astype(int), "flow": flow,
                         "value_t": _clean_values(value)}, columns=cols)


COMPLIANCE_COLUMNS = ["scenario", "material", "year", "benchmark", "stage", "basis", "target_share",
                      "achieved_share", "capacity_share", "flow_share", "met", "shortfall_t", "largest_country",
                      "enforcement"]


def _compliance(mod, val) -> pd.DataFrame:
    """Achieved shares against every benchmark in force, with the largest third-country share,
    per scenario: the same measures as the benchmark rows (model/blocks/benchmarks.py).

    Share benchmark: achieved = capacity / demand (capacity basis) or flow / demand (flow basis),
    met when achieved >= target - TOL, shortfall max(0, (target - achieved) x demand). The 65 %
    cap: achieved = the largest third country's share, met when achieved <= target + TOL, excess
    likewise. Rows by (benchmark, material, stage), year, scenario."""
    data, sp = mod.data, mod.space
    rows = sorted(BM.in_force(data), key=lambda r: (r[0], r[1], r[2]))
    nw = len(mod.W)
    if not rows:
        return pd.DataFrame(columns=COMPLIANCE_COLUMNS)
    bench = np.repeat(np.array([r[0] for r in rows], dtype=object), nw)
    stage = np.repeat(np.array([r[2] for r in rows], dtype=object), nw)
    basis = np.repeat(np.array([r[6] for r in rows], dtype=object), nw)
    target = np.repeat(np.array([r[4] for r in rows], dtype=float), nw)
    enforcement = np.repeat(np.array([r[7]["enforcement"] for r in rows], dtype=object), nw)
    q = sp.index(("m", "t"), [(r[1], r[3]) for r in rows]).repeat("w", np.arange(nw))
    d = mod.demand()[q["m"], q["t"], q["w"]]  # the scenario's consumption (formulation §15.1)
    if "demand_shift" in mod.flows:  # consumption after substitution
        d = d + val.flow("demand_shift", q)
    is_share = bench != "single_country"
    cap, flow = np.zeros(q.n), np.zeros(q.n)
    for b in BM.SHARE_BENCHMARKS:
        sel = np.flatnonzero(bench == b)
        if len(sel):
            qs = q.take(sel)
            cap[sel] = BM.eu_share_value(mod, b, "capacity", qs.with_dims(("m", "t")), val.x)
            flow[sel] = BM.eu_share_value(mod, b, "flow", qs, val.x)
    top = np.zeros(q.n)
    country = np.full(q.n, "", dtype=object)
    supply = BM.country_supply(data, mod.flows["refined"], mod.flows["ore"])
    for k in BM.CAP_STAGES:
        sel = np.flatnonzero(~is_share & (stage == k))
        if len(sel):
            top[sel], country[sel] = _largest(mod, supply[k], q.take(sel), val)
    cap_share, flow_share = cap / d, flow / d
    achieved = np.where(is_share, np.where(basis == "capacity", cap_share, flow_share), top)
    met = np.where(is_share, achieved >= target - TOL, achieved <= target + TOL)
    short = _clean_values(np.maximum(0.0, np.where(is_share, target - achieved, achieved - target) * d))
    cap_col = np.where(is_share, _clean_values(cap_share), np.nan)
    return _table({
        "scenario": q.label("w"), "material": q.label("m"), "year": q.label("t").astype(int), "benchmark": bench,
        "stage": stage, "basis": basis, "target_share": target, "achieved_share": _clean_values(achieved),
        "capacity_share": cap_col, "flow_share": np.where(is_share, _clean_values(flow_share), _clean_values(achieved)),
        "met": met, "shortfall_t": short, "largest_country": np.where(is_share, "", country),
        "enforcement": enforcement}, columns=COMPLIANCE_COLUMNS)


def _largest(mod, supply, q, val):
    """(shares, countries): the largest capped third-country supplier at each (m, t, w) of ``q``;
    of equal shares the last country in name order (flows below TOL t count as 0); (0, "") where
    the material has none or none supplies anything (no country is named as the largest at 0 %)."""
    sp = mod.space
    index, expr = supply
    groups = BM.aggregates(mod.data)
    names = sp.labels["c"]
    capped = np.array([c != R.DOMESTIC and c not in groups for c in names], dtype=bool)
    by_name = np.argsort(sp.ranks("c"))  # columns in name order
    d = mod.demand()[q["m"], q["t"], q["w"]]
    table = np.full((q.n, len(names)), -np.inf)
    # every third country of the material counts, with 0 where it supplies nothing at (t, w)
    third = np.zeros((sp.size("m"), len(names)), dtype=bool)
    third[index["m"], index["c"]] = True
    third &= capped[None, :]
    table[third[q["m"]]] = 0.0
    row = q.find(index.with_dims(("m", "t", "w")))
    ok = (row >= 0) & capped[index["c"]]
    tonnes = expr.value(val.x)[ok]
    # flows below TOL (a gram) are solver noise: they count as none, so that the tie-break decides
    table[row[ok], index["c"][ok]] = np.where(np.abs(tonnes) < TOL, 0.0, tonnes) / d[row[ok]]
    ordered = table[:, by_name]
    last = ordered.shape[1] - 1 - np.argmax(ordered[:, ::-1] == ordered.max(axis=1, keepdims=True), axis=1)
    share = ordered[np.arange(q.n), last]
    none = share <= 0.0  # -inf: no third country; 0: none supplies anything
    return np.where(none, 0.0, share), np.where(none, "", np.array(names, dtype=object)[by_name[last]])


def _cost_tables(mod, value: np.ndarray):
    """The costs table (per scenario or 'first stage', material, year, component: cost in its
    year's money, discounted) and its summary (expected present value by material and component,
    what the objective adds up)."""
    c, sp = mod.info["costs"], mod.space
    cols = ["scenario", "material", "year", "component"]
    if not len(c["comp"]):
        return (pd.DataFrame(columns=cols + ["cost_eur", "discounted_eur"]),
                pd.DataFrame(columns=["material", "component", "present_value_eur"]))
    comps = np.array(c["comps"], dtype=object)
    scen = np.array(["first stage"] + list(sp.labels["w"]), dtype=object)[c["w"] + 1]
    # sorted as the labels sort ('first stage' among the scenario names), then material, year, component
    srank = np.argsort(np.argsort(scen.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((np.argsort(np.argsort(comps.astype(str)))[c["comp"]], sp.ranks("t")[c["t"]],
                        sp.ranks("m")[c["m"]], srank))
    p = np.array([mod.data.probability[w] for w in mod.W])
    weight = c["discount"] * np.where(c["w"] < 0, 1.0, p[np.maximum(c["w"], 0)])
    df = _table({"scenario": scen[order], "material": sp.names("m", c["m"][order]),
                       "year": sp.names("t", c["t"][order]).astype(int), "component": comps[c["comp"][order]],
                       "cost_eur": _clean_values(value)[order],
                       "discounted_eur": _clean_values(value * c["discount"])[order]}, columns=cols + [
                           "cost_eur", "discounted_eur"])
    summary = (df.assign(present_value_eur=value[order] * weight[order])
               .groupby(["material", "component"], as_index=False)["present_value_eur"].sum())
    return df, summary


SCENARIO_COST_COLUMNS = ["scenario", "probability", "first_stage_eur", "recourse_eur", "total_eur"]


def scenario_cost_rows(data, scenarios, first: float, recourse) -> list[dict]:
    """The rows of table scenario_costs: per scenario first stage + recourse (present values),
    then their probability-weighted 'expected' row."""
    expected = first + float(np.dot([data.probability[w] for w in scenarios], recourse))
    rows = [dict(scenario=w, probability=data.probability[w], first_stage_eur=first, recourse_eur=float(r),
                 total_eur=first + float(r)) for w, r in zip(scenarios, np.asarray(recourse, float).tolist())]
    rows.append(dict(scenario="expected", probability=1.0, first_stage_eur=first, recourse_eur=expected - first,
                     total_eur=expected))
    return rows


def _scenario_costs(mod, val, costs: np.ndarray) -> pd.DataFrame:
    """Present value per scenario: first stage + recourse; with CVaR, its value in the last row."""
    data, c = mod.data, mod.info["costs"]
    pv = costs * c["discount"]
    first = float(pv[c["w"] < 0].sum())
    rec = np.bincount(c["w"][c["w"] >= 0], weights=pv[c["w"] >= 0], minlength=len(mod.W))
    p = np.array([data.probability[w] for w in mod.W])
    rows = scenario_cost_rows(data, mod.W, first, rec)
    cvar = mod.info.get("cvar")
    if cvar:
        value = first + val.var("cvar_var")[0] + float(np.dot(p, val.var("cvar_excess"))) / (1.0 - cvar["alpha"])
        rows.append(dict(scenario=f"CVaR {data.settings['cvar_alpha']:g}", probability=None, first_stage_eur=first,
                         recourse_eur=value - first, total_eur=value))
    return pd.DataFrame(rows, columns=SCENARIO_COST_COLUMNS)


def constraint_names(con) -> list[str]:
    """'component[i1,i2,...]' for each row of a constraint family, as in docs/formulation.md. The
    text of each distinct leading and trailing half of the keys is made once, then joined."""
    idx, sp = con.index, con.index.space
    dims = idx.dims
    if not dims:
        return [f"{con.name}[None]"] * idx.n
    half = (len(dims) + 1) // 2

    def part(ds, prefix, suffix):
        if not ds:
            return [prefix + suffix], np.zeros(idx.n, dtype=np.int64)
        _, first, inv = np.unique(idx.combined(ds), return_index=True, return_inverse=True)
        labels = [sp.labels[d] for d in ds]
        text = [prefix + ",".join(str(lab[idx[d][r]]) for lab, d in zip(labels, ds)) + suffix for r in first.tolist()]
        return text, inv.ravel()

    left, li = part(dims[:half], con.name + "[", "," if len(dims) > half else "]")
    right, ri = part(dims[half:], "", "]") if len(dims) > half else ([""], np.zeros(idx.n, dtype=np.int64))
    return [left[a] + right[b] for a, b in zip(li.tolist(), ri.tolist())]


def _byproducts(mod, val) -> pd.DataFrame:
    """EU by-product recovery per scenario, by-product, host and year: the host throughput it rides
    on, the most it could recover (content x recovery x throughput), what it recovers, the share of
    consumption that is (what it delivers toward the processing benchmark), and shadow prices: of
    the host bound (EUR per t of by-product the host would let recover) and of the by-product's
    processing capacity (EUR per t/yr of recovery capacity in that year)."""
    from model.blocks.byproducts import byproduct_rows

    idx = mod.lp.vars["byproduct_recovery"].index
    factor = {(b, h): r["content"] * r["recovery"] for b, h, r in byproduct_rows(mod.data)}
    f = np.array([factor[k] for k in zip(idx.label("m").tolist(), idx.label("h").tolist())])
    recovered = val.var("byproduct_recovery")
    throughput = val.flow("byproduct_host_throughput")
    potential = throughput * f
    weight = mod.weights(idx)
    with np.errstate(divide="ignore", invalid="ignore"):
        host_price = np.where(weight != 0, -val.dual("byproduct_host_limit") / weight, np.nan)
        cap = mod.lp.cons.get("processing_capacity")
        cap_price = np.full(idx.n, np.nan)
        if cap is not None:
            pos = cap.index.find(idx.with_dims(("m", "t", "w")))
            dual = val.dual("processing_capacity")
            cap_price = np.where((pos >= 0) & (weight != 0), -gather(dual, pos) / weight, np.nan)
    d = mod.demand()[idx["m"], idx["t"], idx["w"]]
    return _table({
        "scenario": idx.label("w"), "material": idx.label("m"), "host": idx.label("h"),
        "year": idx.label("t").astype(int), "host_throughput_t": _clean_values(throughput),
        "potential_t": _clean_values(potential), "recovered_t": _clean_values(recovered),
        "share_of_consumption": _clean_values(np.divide(recovered, d, out=np.zeros_like(d), where=d > 0)),
        "eur_per_t_host": _clean_values(host_price), "eur_per_tpa_recovery_capacity": _clean_values(cap_price)},
        columns=["scenario", "material", "host", "year", "host_throughput_t", "potential_t", "recovered_t",
                 "share_of_consumption", "eur_per_t_host", "eur_per_tpa_recovery_capacity"])



def _coproducts(mod, val) -> pd.DataFrame:
    """Co-product plants per scenario, group, member and year: the group's output, what it yields of
    the member (share x output), the surplus not used in the EU (sold at surplus_value or disposed
    of) and what the EU uses."""
    S = mod.lp.vars["coproduct_surplus"].index
    output = val.var("coproduct_output", S.with_dims(("m", "t", "w"), m=S["g"]))
    yielded = val.flow("coproduct_yield")
    surplus = val.var("coproduct_surplus")
    return _table({
        "scenario": S.label("w"), "group": S.label("g"), "material": S.label("m"), "year": S.label("t").astype(int),
        "group_output_t": _clean_values(output), "yield_t": _clean_values(yielded),
        "surplus_t": _clean_values(surplus), "used_t": _clean_values(yielded - surplus)},
        columns=["scenario", "group", "material", "year", "group_output_t", "yield_t", "surplus_t", "used_t"])
