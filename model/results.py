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
from model.lp import gather

TOL = 1e-6


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 else x


def _clean_values(v: np.ndarray) -> np.ndarray:
    """``_clean`` of every element of an array."""
    return np.where(np.abs(v) < 1e-9, 0.0, v)


@dataclass
class Results:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    objective: float = 0.0

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _per_weight(value: float, weight: float) -> float:
    """A dual in the weighted objective, per unit of weight (NaN for a zero-probability scenario)."""
    return value / weight if weight else float("nan")


def compliance_plan(data, scenarios) -> list[tuple]:
    """The rows of the compliance table before any value, in its order: (scenario, material,
    year, benchmark, stage, basis, target, demand, enforcement) for every benchmark in force."""
    effective = BM.resolve(data)
    rows = []
    for (bench, mm, k), rec in sorted(effective.items()):
        basis = BM.basis_of(data, rec, mm) if bench in BM.SHARE_BENCHMARKS else "flow"
        for t in data.years:
            target = BM.level(rec, t)
            d = data.demand(mm, t)
            if target is None or d <= 0:
                continue
            rows.extend([(w, mm, t, bench, k, basis, target, d, rec["enforcement"]) for w in scenarios])
    return rows


def compliance_frame(plan: list, capacity, flow, largest) -> pd.DataFrame:
    """The compliance table from its plan and, row by row, the EU capacity and flow (share
    benchmarks) or the (share, country) of the largest third-country supplier (the 65 % cap).

    Share benchmark: achieved = capacity / demand (capacity basis) or flow / demand (flow basis),
    met when achieved >= target - TOL, shortfall max(0, (target - achieved) x demand). The 65 %
    cap: achieved = the largest share, met when achieved <= target + TOL, excess likewise."""
    cols = ["scenario", "material", "year", "benchmark", "stage", "basis", "target_share", "achieved_share",
            "capacity_share", "flow_share", "met", "shortfall_t", "largest_country", "enforcement"]
    if not plan:
        return pd.DataFrame([], columns=cols)
    w, mm, t, bench, k, basis, target, d, enforcement = zip(*plan)
    is_share = [b in BM.SHARE_BENCHMARKS for b in bench]
    share = np.array(is_share, dtype=bool)
    target_a, d_a = np.array(target, dtype=float), np.array(d, dtype=float)
    cap_share = np.array([c if s else 0.0 for c, s in zip(capacity, is_share)], dtype=float) / d_a
    flow_share = np.array([f if s else 0.0 for f, s in zip(flow, is_share)], dtype=float) / d_a
    top = np.array([0.0 if s else x[0] for x, s in zip(largest, is_share)], dtype=float)
    achieved = np.where(share, np.where(np.array([b == "capacity" for b in basis]), cap_share, flow_share), top)
    met = np.where(share, achieved >= target_a - TOL, achieved <= target_a + TOL)
    short = _clean_values(np.maximum(0.0, np.where(share, target_a - achieved, achieved - target_a) * d_a))
    achieved = _clean_values(achieved).tolist()
    cap_col = [c if s else None for c, s in zip(_clean_values(cap_share).tolist(), is_share)]
    flow_col = np.where(share, _clean_values(flow_share), achieved).tolist()
    country = ["" if s else x[1] for x, s in zip(largest, is_share)]
    rows = list(zip(w, mm, t, bench, k, basis, target, achieved, cap_col, flow_col, met.tolist(), short.tolist(),
                    country, enforcement))
    return pd.DataFrame(rows, columns=cols)


def cost_plan(b, keys: list) -> dict:
    """What the cost tables need before any value: for the (component, material, year, scenario)
    keys, the table's key columns in its order, and each key's discount factor and weight."""
    cols = ["scenario", "material", "year", "component"]
    if not keys:
        return dict(frame=pd.DataFrame(columns=cols), order=np.zeros(0, dtype=np.int64), discount=np.zeros(0),
                    weight=np.zeros(0))
    component, mm, year, scen = (list(x) for x in zip(*keys))
    factor = {t: b.discount(t) for t in set(year)}
    weights = {key: b.weight(*key) for key in set(zip(year, scen))}
    df = pd.DataFrame({"scenario": [w or "first stage" for w in scen], "material": mm, "year": year,
                       "component": component}, columns=cols)
    order = df.sort_values(cols, kind="stable").index.to_numpy()
    return dict(frame=df.take(order).reset_index(drop=True), order=order,
                discount=np.array([factor[t] for t in year]),
                weight=np.array([weights[key] for key in zip(year, scen)], dtype=float))


def cost_frames(plan: dict, value: np.ndarray):
    """The costs table and its summary from the plan and the value of each key (in its order)."""
    df = plan["frame"].copy()
    order = plan["order"]
    value = np.asarray(value, dtype=float)
    df["cost_eur"] = _clean_values(value)[order] if len(order) else []
    df["discounted_eur"] = _clean_values(value * plan["discount"])[order] if len(order) else []
    # expected present value by material and component (what the objective adds up)
    df["objective_eur"] = df["cost_eur"] * plan["weight"][order]
    summary = (df.groupby(["material", "component"], as_index=False)["objective_eur"].sum()
               .rename(columns={"objective_eur": "present_value_eur"}))
    return df.drop(columns=["objective_eur"]), summary


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


def extract(mod, sol) -> Results:
    """All result tables of a solved model; ``sol`` has ``objective``, ``x`` and ``row_dual``."""
    val = Solution(mod, sol.x, sol.row_dual)
    res = Results(objective=sol.objective)
    res.tables["sourcing"] = _sourcing(mod, val)
    res.tables["capacity"] = _capacity(mod, val)
    res.tables["stock"] = _stock(mod, val)
    res.tables["unmet"] = _unmet(mod, val)
    res.tables["compliance"] = _compliance(mod, val)
    costs = _cost_values(mod, val)
    res.tables["costs"], res.tables["cost_summary"] = cost_frames(cost_plan(mod, mod.info["costs"]["keys"]), costs)
    res.tables["shadow_prices"] = _shadow_prices(mod, val)
    res.tables["marginal_cost"] = _marginal_cost(mod, val)
    res.tables["scenario_costs"] = _scenario_costs(mod, val, costs)
    res.tables["contracts"] = _contracts(mod, val)
    return res


def _labels(index, *dims) -> dict:
    return {d: index.label(d) for d in dims}


def _sourcing(mod, val) -> pd.DataFrame:
    lp = mod.lp
    parts = []

    def add(index, stage, country, flow, values):
        n = index.n
        parts.append(pd.DataFrame({
            "scenario": index.label("w"), "material": index.label("m"),
            "stage": stage if not isinstance(stage, str) else np.full(n, stage, dtype=object),
            "country": country, "year": index.label("t"),
            "flow": flow if not isinstance(flow, str) else np.full(n, flow, dtype=object),
            "value_t": values}))

    for name, stage, flow in (("imp_ref", "processing", "refined import"),
                              ("imp_conc", "extraction", "ore import for EU refining")):
        v = lp.vars[name]
        add(v.index, stage, v.index.label("c"), flow, val.var(name))
    take_index, take = mod.flows["contract_take"]
    if take_index.n:
        mck = mod.info["contract_take"]
        add(mck, mck.label("k"), mck.label("c"), np.array([f"contract {k}" for k in take_index.label("x")],
                                                            dtype=object), take.value(val.x))
    for name, flow in (("eu_mining", "EU mining"), ("eu_processing", "EU processing output"),
                       ("eu_recycling", "EU recycling output")):
        index, _ = mod.flows[name]
        stage = {"eu_mining": "extraction", "eu_processing": "processing", "eu_recycling": "recycling"}[name]
        add(index, stage, np.full(index.n, R.DOMESTIC, dtype=object), flow, val.flow(name))
    cols = ["scenario", "material", "stage", "country", "year", "flow", "value_t"]
    df = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    df["year"] = df["year"].astype(int)
    df["value_t"] = _clean_values(df["value_t"].to_numpy(dtype=float))
    return df.sort_values(["scenario", "material", "stage", "country", "year"], kind="stable").reset_index(drop=True)


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
    return pd.DataFrame({
        "material": index.label("m"), "stage": index.label("k"), "year": index.label("t").astype(int),
        "existing_tpa": [existing.get(k, {}).get("capacity", 0.0) for k in keys],
        "new_online_tpa": _clean_values(new),
        "modules": np.where(is_mod, modules, np.nan) if is_mod.any() else [None] * index.n,
        "available_tpa": _clean_values(val.flow("cap_avail"))},
        columns=["material", "stage", "year", "existing_tpa", "new_online_tpa", "modules", "available_tpa"])


def _stock(mod, val) -> pd.DataFrame:
    """Stock path per scenario. Bought and released are netted within a year (buying and
    releasing in the same year is one net movement); released_in_disruption says whether a
    release happened in a disruption of the material."""
    inv = mod.lp.vars["inventory"]
    idx = inv.index
    out = val.var("stock_out", idx)
    leave = out + val.var("stock_drawdown", idx) + val.var("stock_disposal", idx)
    net = val.var("stock_in") - leave
    return pd.DataFrame({
        "scenario": idx.label("w"), "material": idx.label("m"), "year": idx.label("t").astype(int),
        "stock_target_t": _clean_values(val.var("stock_target", idx.with_dims(("m", "t")))),
        "inventory_t": _clean_values(val.var("inventory")),
        "stock_in_t": _clean_values(np.maximum(0.0, net)), "stock_out_t": _clean_values(np.maximum(0.0, -net)),
        "released_in_disruption": (out > 1e-9) & (net < -1e-9)},
        columns=["scenario", "material", "year", "stock_target_t", "inventory_t", "stock_in_t", "stock_out_t",
                 "released_in_disruption"])


def _unmet(mod, val) -> pd.DataFrame:
    idx = mod.lp.vars["unmet"].index
    return pd.DataFrame({"scenario": idx.label("w"), "material": idx.label("m"), "year": idx.label("t").astype(int),
                         "demand_t": mod.demand()[idx["m"], idx["t"]], "unmet_t": _clean_values(val.var("unmet"))},
                        columns=["scenario", "material", "year", "demand_t", "unmet_t"])


def _compliance(mod, val) -> pd.DataFrame:
    """Achieved shares against every benchmark in force, with the largest third-country share:
    the same measures as the benchmark rows (model/blocks/benchmarks.py)."""
    data, sp = mod.data, mod.space
    plan = compliance_plan(data, mod.W)
    if not plan:
        return compliance_frame(plan, [], [], [])
    w, mm, t, bench, k = (list(x) for x in list(zip(*plan))[:5])
    q = sp.index(("m", "t", "w"), list(zip(mm, t, w)))
    is_share = np.array([b in BM.SHARE_BENCHMARKS for b in bench], dtype=bool)
    cap, flow = np.zeros(q.n), np.zeros(q.n)
    for b in BM.SHARE_BENCHMARKS:
        sel = np.flatnonzero(np.array(bench, dtype=object) == b)
        if not len(sel):
            continue
        qs = q.take(sel)
        e, _ = BM.eu_share_measure(mod, b, "capacity", qs.with_dims(("m", "t")))
        cap[sel] = e.value(val.x)
        flow[sel] = BM.eu_share_measure(mod, b, "flow", qs)[0].value(val.x)
    largest = [None] * q.n
    supply = BM.country_supply(data, mod.flows["refined"], mod.flows["ore"])
    for stage in BM.CAP_STAGES:
        sel = np.flatnonzero(~is_share & (np.array(k, dtype=object) == stage))
        if len(sel):
            for i, best in zip(sel.tolist(), _largest(mod, supply[stage], q.take(sel), val)):
                largest[i] = best
    return compliance_frame(plan, cap.tolist(), flow.tolist(), largest)


def _largest(mod, supply, q, val) -> list:
    """(share, country) of the largest capped third-country supplier at each (m, t, w) of ``q``; of
    equal shares the last country in name order; (0, "") where the material has no such country."""
    sp = mod.space
    index, expr = supply
    groups = BM.aggregates(mod.data)
    capped = np.array([c != R.DOMESTIC and c not in groups for c in sp.labels["c"]], dtype=bool)
    names = sp.labels["c"]
    by_name = np.argsort(np.array(names, dtype=object), kind="stable")  # columns in name order
    rank = np.empty(len(names), dtype=np.int64)
    rank[by_name] = np.arange(len(names))
    value = expr.value(val.x)
    d = mod.demand()[q["m"], q["t"]]
    table = np.full((q.n, len(names)), -np.inf)
    # every third country of the material counts, with 0 where it supplies nothing at (t, w)
    third = np.zeros((sp.size("m"), len(names)), dtype=bool)
    third[index["m"], index["c"]] = True
    third &= capped[None, :]
    table[np.where(third[q["m"]])] = 0.0
    row = q.find(index.with_dims(("m", "t", "w")))
    ok = (row >= 0) & capped[index["c"]]
    table[row[ok], index["c"][ok]] = value[ok] / d[row[ok]]
    ordered = table[:, by_name]
    last = ordered.shape[1] - 1 - np.argmax(ordered[:, ::-1] == ordered.max(axis=1, keepdims=True), axis=1)
    share = ordered[np.arange(q.n), last]
    country = np.array(names, dtype=object)[by_name[last]]
    none = share == -np.inf
    return list(zip(np.where(none, 0.0, share).tolist(), np.where(none, "", country).tolist()))


def _cost_values(mod, val) -> np.ndarray:
    c = mod.info["costs"]
    return np.bincount(c["key_of"], weights=c["coefs"] * val.x[c["cols"]], minlength=len(c["keys"])) + c["const"]


def _scenario_costs(mod, val, costs: np.ndarray) -> pd.DataFrame:
    """Present value per scenario: first stage + recourse; with CVaR, its value in the last row."""
    data = mod.data
    keys = mod.info["costs"]["keys"]
    disc = mod.info["costs"]["discount"]
    scen = np.array([w for (_, _, _, w) in keys], dtype=object)
    pv = costs * disc
    first = float(pv[scen == None].sum()) if len(keys) else 0.0  # noqa: E711
    rec = {w: float(pv[scen == w].sum()) for w in mod.W}
    expected = first + sum(data.probability[w] * rec[w] for w in mod.W)
    rows = [dict(scenario=w, probability=data.probability[w], first_stage_eur=first, recourse_eur=rec[w],
                 total_eur=first + rec[w]) for w in mod.W]
    rows.append(dict(scenario="expected", probability=1.0, first_stage_eur=first, recourse_eur=expected - first,
                     total_eur=expected))
    cvar = mod.info.get("cvar")
    if cvar:
        p = np.array([data.probability[w] for w in mod.W])
        value = first + val.var("cvar_var")[0] + float(np.dot(p, val.var("cvar_excess"))) / (1.0 - cvar["alpha"])
        rows.append(dict(scenario=f"CVaR {data.settings['cvar_alpha']:g}", probability=None, first_stage_eur=first,
                         recourse_eur=value - first, total_eur=value))
    return pd.DataFrame(rows, columns=["scenario", "probability", "first_stage_eur", "recourse_eur", "total_eur"])


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


def constraint_names(con) -> list[str]:
    """'component[i1,i2,...]' for each row of a constraint family, as in docs/formulation.md."""
    idx = con.index
    parts = [idx.label(d).astype(str) for d in idx.dims]
    out = np.full(idx.n, con.name + "[", dtype=object)
    for i, p in enumerate(parts):
        out = out + (p if i == 0 else "," + p.astype(object))
    return (out + "]").tolist()


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
        parts.append(pd.DataFrame({
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
    return pd.DataFrame({"scenario": scen, "material": idx.label("m"), "year": year,
                         "eur_per_t": _clean_values(per_t)}, columns=["scenario", "material", "year", "eur_per_t"])
