"""Extract a solved model into tidy pandas tables; writers read only these tables.

Tables (columns in docs/results.md): sourcing, capacity, stock, unmet, compliance, costs,
cost_summary, shadow_prices, marginal_cost, scenario_costs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model import registry as R
from model.blocks import benchmarks as BM

TOL = 1e-6


def _v(x) -> float:
    if isinstance(x, (int, float)):
        return float(x)
    val = pyo.value(x, exception=False)
    return 0.0 if val is None else float(val)


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


def extract(b, sol) -> Results:
    res = Results(objective=sol.objective)
    res.tables["sourcing"] = _sourcing(b)
    res.tables["capacity"] = _capacity(b)
    res.tables["stock"] = _stock(b)
    res.tables["unmet"] = _unmet(b)
    res.tables["compliance"] = _compliance(b)
    res.tables["costs"], res.tables["cost_summary"] = _costs(b)
    res.tables["shadow_prices"] = _shadow_prices(b, sol.duals)
    res.tables["marginal_cost"] = _marginal_cost(b, sol.duals)
    res.tables["scenario_costs"] = _scenario_costs(b)
    res.tables["contracts"] = _contracts(b)
    return res


def _contracts(b) -> pd.DataFrame:
    """Offtake contracts: the first-stage annual volume and what was delivered, per scenario."""
    m, data = b.m, b.data
    rows = []
    delivered = {}
    for (k, t, w) in m.CONTRACT_TAKE:
        delivered[(k, w)] = delivered.get((k, w), 0.0) + _v(m.contract_take[k, t, w])
    for k in m.CONTRACTS:
        rec = data.table("contracts")[k]
        for w in b.W:
            rows.append(dict(contract=k, material=rec["material"], country=rec["country"], stage=rec["stage"],
                             buyer=rec["buyer"], price_eur_per_t=rec["price"],
                             volume_tpa=_clean(_v(m.contract_volume[k])), scenario=w,
                             delivered_t=_clean(delivered.get((k, w), 0.0))))
    return pd.DataFrame(rows, columns=["contract", "material", "country", "stage", "buyer", "price_eur_per_t",
                                       "volume_tpa", "scenario", "delivered_t"])


def _per_weight(value: float, weight: float) -> float:
    """A dual in the weighted objective, per unit of weight (NaN for a zero-probability scenario)."""
    return value / weight if weight else float("nan")


def _scenario_costs(b) -> pd.DataFrame:
    """Present value per scenario: first stage + recourse; with CVaR, its value in the last row."""
    m, data = b.m, b.data
    first = _v(m.first_stage_cost)
    rows = [dict(scenario=w, probability=data.probability[w], first_stage_eur=first,
                 recourse_eur=_v(m.scenario_cost[w]), total_eur=first + _v(m.scenario_cost[w]))
            for w in b.W]
    rows.append(dict(scenario="expected", probability=1.0, first_stage_eur=first,
                     recourse_eur=_v(m.expected_cost) - first, total_eur=_v(m.expected_cost)))
    if hasattr(m, "cvar"):
        rows.append(dict(scenario=f"CVaR {data.settings['cvar_alpha']:g}", probability=None,
                         first_stage_eur=first, recourse_eur=_v(m.cvar) - first, total_eur=_v(m.cvar)))
    return pd.DataFrame(rows, columns=["scenario", "probability", "first_stage_eur", "recourse_eur",
                                       "total_eur"])


def _sourcing(b) -> pd.DataFrame:
    m, data = b.m, b.data
    rows = []
    for (mm, c, t, w) in m.IMP_REF:
        rows.append((w, mm, "processing", c, t, "refined import", _v(m.imp_ref[mm, c, t, w])))
    for (mm, c, t, w) in m.IMP_CONC:
        rows.append((w, mm, "extraction", c, t, "ore import for EU refining", _v(m.imp_conc[mm, c, t, w])))
    for (k, t, w) in m.CONTRACT_TAKE:
        rec = data.table("contracts")[k]
        rows.append((w, rec["material"], rec["stage"], rec["country"], t, f"contract {k}",
                     _v(m.contract_take[k, t, w])))
    for (mm, t, w) in m.EU_MINING:
        rows.append((w, mm, "extraction", R.DOMESTIC, t, "EU mining", _v(m.eu_mining[mm, t, w])))
    for (mm, t, w) in m.EU_PROCESSING:
        rows.append((w, mm, "processing", R.DOMESTIC, t, "EU processing output", _v(m.eu_processing[mm, t, w])))
    for (mm, t, w) in m.EU_RECYCLING:
        rows.append((w, mm, "recycling", R.DOMESTIC, t, "EU recycling output", _v(m.eu_recycling[mm, t, w])))
    df = pd.DataFrame(rows, columns=["scenario", "material", "stage", "country", "year", "flow", "value_t"])
    df["value_t"] = df["value_t"].map(_clean)
    return df.sort_values(["scenario", "material", "stage", "country", "year"], kind="stable").reset_index(drop=True)


def _capacity(b) -> pd.DataFrame:
    m, data = b.m, b.data
    existing = data.table("capacity_existing")
    rows = []
    for (mm, k) in sorted(b.capacity_keys):
        for t in data.years:
            new = _v(m.cap_new[mm, k, t]) if (mm, k, t) in m.CAP_NEW else 0.0
            modules = _v(m.n_modules[mm, k, t]) if (mm, k, t) in m.MODULAR else None
            rows.append((mm, k, t, existing.get((mm, k, t), {}).get("capacity", 0.0), _clean(new),
                         modules, _clean(_v(b.cap_avail(mm, k, t)))))
    return pd.DataFrame(rows, columns=["material", "stage", "year", "existing_tpa", "new_online_tpa",
                                       "modules", "available_tpa"])


def _stock(b) -> pd.DataFrame:
    """Stock path per scenario. Bought and released are netted within a year (buying and
    releasing in the same year is one net movement); released_in_disruption says whether a
    release happened in a disruption of the material."""
    m = b.m
    rows = []
    for (mm, t, w) in m.STOCK_TW:
        out = _v(m.stock_out[mm, t, w]) if (mm, t, w) in m.STOCK_OUT else 0.0
        draw = _v(m.stock_drawdown[mm, t, w]) if (mm, t, w) in m.STOCK_DRAW else 0.0
        disposed = _v(m.stock_disposal[mm, t, w]) if (mm, t, w) in m.STOCK_DISPOSAL else 0.0
        draw += disposed
        net = _v(m.stock_in[mm, t, w]) - out - draw
        rows.append((w, mm, t, _clean(_v(m.stock_target[mm, t])), _clean(_v(m.inventory[mm, t, w])),
                     _clean(max(0.0, net)), _clean(max(0.0, -net)), out > 1e-9 and net < -1e-9))
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "stock_target_t", "inventory_t",
                                       "stock_in_t", "stock_out_t", "released_in_disruption"])


def _unmet(b) -> pd.DataFrame:
    m, data = b.m, b.data
    rows = [(w, mm, t, data.demand(mm, t), _clean(_v(m.unmet[mm, t, w]))) for (mm, t, w) in m.BALANCE]
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "demand_t", "unmet_t"])


def _compliance(b) -> pd.DataFrame:
    """Achieved shares against every benchmark in force, with the largest third-country share."""
    return compliance_table(
        b.data, b.W,
        capacity=lambda bench, mm, t: _v(BM.eu_capacity(b, bench, mm, t)),
        flow=lambda bench, mm, t, w: _v(BM.eu_flow(b, bench, mm, t, w)),
        supply=lambda k, mm, t, w: {c: _v(BM.country_supply(b, k, mm, c, t, w))
                                    for c in BM.third_countries(b, k, mm)})


def compliance_table(data, scenarios, capacity, flow, supply) -> pd.DataFrame:
    """The compliance table from the quantities the benchmarks measure (either backend):
    ``capacity(bench, m, t)``, ``flow(bench, m, t, w)`` (EU, refined equivalent) and
    ``supply(stage, m, t, w)`` -> {third country: what it supplies}."""
    plan = compliance_plan(data, scenarios)
    cap, flw, largest = [], [], []
    for (w, mm, t, bench, k, _, _, d, _) in plan:
        if bench in BM.SHARE_BENCHMARKS:
            cap.append(capacity(bench, mm, t))
            flw.append(flow(bench, mm, t, w))
            largest.append(None)
        else:
            shares = {c: v / d for c, v in supply(k, mm, t, w).items()}
            # the largest share; of equal shares, the last country in name order
            largest.append(max(zip(shares.values(), shares.keys())) if shares else (0.0, ""))
            cap.append(None)
            flw.append(None)
    return compliance_frame(plan, cap, flw, largest)


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


def _costs(b):
    return cost_tables(b, {key: sum(_v(e) for e in exprs) for key, exprs in b.cost_terms.items()})


def cost_tables(b, values: dict):
    """The costs table and its summary from {(component, material, year, scenario): value};
    ``b`` gives the discount factors and weights (a Builder or a DirectLP)."""
    return cost_frames(cost_plan(b, list(values)), np.fromiter(values.values(), dtype=float, count=len(values)))


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


def _shadow_prices(b, duals: dict) -> pd.DataFrame:
    """Marginal cost of each benchmark row: EUR per tonne (money of its year) and per percentage point.

    The dual of a row in the discounted, probability-weighted objective is divided by that weight,
    and signed so that a positive number is the cost of tightening the benchmark by one tonne.
    """
    m = b.m
    rows = []
    for r in b.benchmark_rows:
        con = getattr(m, r["component"])[r["index"]]
        dual = float(duals.get(con, 0.0))
        w = r["scenario"] or None
        per_t = _per_weight(dual, b.weight(r["year"], w))
        if r["component"] == "benchmark_single_country":
            per_t = -per_t
        per_t = _clean(per_t)
        rows.append(dict(constraint=f"{r['component']}[{','.join(map(str, r['index']))}]",
                         benchmark=r["benchmark"], basis=r["basis"], material=r["material"],
                         stage=r["stage"], country=r["country"], year=r["year"], scenario=r["scenario"],
                         level=r["level"], demand_t=r["demand"], eur_per_t=per_t,
                         eur_per_pp=_clean(per_t * r["demand"] / 100.0), binding=abs(per_t) > 1e-6,
                         enforcement=r["enforcement"]))
    cols = ["constraint", "benchmark", "basis", "material", "stage", "country", "year", "scenario", "level",
            "demand_t", "eur_per_t", "eur_per_pp", "binding", "enforcement"]
    return pd.DataFrame(rows, columns=cols)


def _marginal_cost(b, duals: dict) -> pd.DataFrame:
    """The dual of each balance row: the cost of one more tonne of EU demand, in its year's money."""
    m = b.m
    rows = []
    for (mm, t, w) in m.BALANCE:
        dual = float(duals.get(m.balance[mm, t, w], 0.0))
        rows.append((w, mm, t, _clean(_per_weight(dual, b.weight(t, w)))))
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "eur_per_t"])
