"""Result tables of a direct-backend solve (model/direct.py), computed from HiGHS' column values.

Mirrors ``model/results.py`` table by table (the same columns, rows, order and numbers;
``tests/test_direct.py`` compares every table of both backends), reading values from the array of
column values instead of evaluating Pyomo expressions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from model import registry as R
from model.blocks import benchmarks as BM
from model.direct import FIXED, DirectLP, DirectSolution, Lin, _country_supply_by_origin
from model.results import TOL, Results, _clean, _per_weight


class _Values:
    """Column values as a Python list (fast scalar look-ups), with expression evaluation."""

    def __init__(self, x: np.ndarray):
        self.x = np.asarray(x, dtype=float)
        self.xl = self.x.tolist()

    def col(self, j) -> float:
        return 0.0 if j is None or j == FIXED else self.xl[j]

    def lin(self, e: Lin) -> float:
        xl = self.xl
        v = e.const
        for j, a in zip(e.cols, e.coefs):
            if j != FIXED:
                v += a * xl[j]
        return v

    def pairs(self, cols, coefs) -> float:
        xl = self.xl
        return sum(a * xl[j] for j, a in zip(cols, coefs) if j != FIXED)

    def cols(self, index: dict) -> np.ndarray:
        """Values of a whole variable family, in its key order."""
        if not index:
            return np.zeros(0)
        return self.x[np.fromiter(index.values(), dtype=np.int64, count=len(index))]


def _clean_array(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=float).copy()
    v[np.abs(v) < 1e-9] = 0.0
    return v


def extract_direct(lp: DirectLP, sol, solution: DirectSolution) -> Results:
    val = _Values(solution.x)
    res = Results(objective=sol.objective)
    res.tables["sourcing"] = _sourcing(lp, val)
    res.tables["capacity"] = _capacity(lp, val)
    res.tables["stock"] = _stock(lp, val)
    res.tables["unmet"] = _unmet(lp, val)
    res.tables["compliance"] = _compliance(lp, val)
    res.tables["costs"], res.tables["cost_summary"] = _costs(lp, val)
    res.tables["shadow_prices"] = _shadow_prices(lp, solution.row_dual)
    res.tables["marginal_cost"] = _marginal_cost(lp, solution.row_dual)
    res.tables["scenario_costs"] = _scenario_costs(lp, val)
    res.tables["contracts"] = _contracts(lp, val)
    return res


def _contracts(lp, val) -> pd.DataFrame:
    data = lp.data
    delivered = {}
    for (k, t, w), (j, a) in lp.contract_take.items():
        delivered[(k, w)] = delivered.get((k, w), 0.0) + a * val.col(j)
    rows = []
    vol = lp.cols.get("contract_volume", {})
    for k, j in vol.items():
        rec = data.table("contracts")[k]
        for w in lp.W:
            rows.append(dict(contract=k, material=rec["material"], country=rec["country"], stage=rec["stage"],
                             buyer=rec["buyer"], price_eur_per_t=rec["price"], volume_tpa=_clean(val.col(j)),
                             scenario=w, delivered_t=_clean(delivered.get((k, w), 0.0))))
    return pd.DataFrame(rows, columns=["contract", "material", "country", "stage", "buyer", "price_eur_per_t",
                                       "volume_tpa", "scenario", "delivered_t"])


def _scenario_costs(lp, val) -> pd.DataFrame:
    data = lp.data
    first = val.lin(lp.first_stage_cost)
    scen = {w: val.lin(lp.scenario_cost[w]) for w in lp.W}
    rows = [dict(scenario=w, probability=data.probability[w], first_stage_eur=first, recourse_eur=scen[w],
                 total_eur=first + scen[w]) for w in lp.W]
    expected = first + sum(data.probability[w] * scen[w] for w in lp.W)
    rows.append(dict(scenario="expected", probability=1.0, first_stage_eur=first, recourse_eur=expected - first,
                     total_eur=expected))
    if lp.cvar:
        cvar = val.lin(lp.cvar_expr)
        rows.append(dict(scenario=f"CVaR {data.settings['cvar_alpha']:g}", probability=None, first_stage_eur=first,
                         recourse_eur=cvar - first, total_eur=cvar))
    return pd.DataFrame(rows, columns=["scenario", "probability", "first_stage_eur", "recourse_eur", "total_eur"])


def _frame(keys, cols_of_key, values, scenario_pos, names, const_cols: dict) -> pd.DataFrame:
    """A sourcing block: one row per key, columns picked from the key tuple."""
    if not keys:
        return pd.DataFrame(columns=names)
    parts = list(zip(*keys))
    out = {n: parts[p] for n, p in cols_of_key.items()}
    out.update(const_cols)
    out["value_t"] = values
    return pd.DataFrame(out)[names]


def _sourcing(lp, val) -> pd.DataFrame:
    data = lp.data
    names = ["scenario", "material", "stage", "country", "year", "flow", "value_t"]
    blocks = []
    imp_ref, imp_conc = lp.cols.get("imp_ref", {}), lp.cols.get("imp_conc", {})
    # (m, c, t, w) keys
    blocks.append(_frame(list(imp_ref), {"scenario": 3, "material": 0, "country": 1, "year": 2},
                         val.cols(imp_ref), 3, names, {"stage": "processing", "flow": "refined import"}))
    blocks.append(_frame(list(imp_conc), {"scenario": 3, "material": 0, "country": 1, "year": 2},
                         val.cols(imp_conc), 3, names,
                         {"stage": "extraction", "flow": "ore import for EU refining"}))
    contracts = data.table("contracts")
    rows = []
    for (k, t, w), (j, a) in lp.contract_take.items():
        rec = contracts[k]
        rows.append((w, rec["material"], rec["stage"], rec["country"], t, f"contract {k}", a * val.col(j)))
    blocks.append(pd.DataFrame(rows, columns=names))
    mining = lp.EU_MINING
    blocks.append(_frame(mining, {"scenario": 2, "material": 0, "year": 1},
                         [val.col(lp.eu_mining[i]) for i in mining], 2, names,
                         {"stage": "extraction", "country": R.DOMESTIC, "flow": "EU mining"}))
    proc = lp.EU_PROCESSING
    blocks.append(_frame(proc, {"scenario": 2, "material": 0, "year": 1},
                         [val.lin(lp.eu_processing[i][0]) for i in proc], 2, names,
                         {"stage": "processing", "country": R.DOMESTIC, "flow": "EU processing output"}))
    rec_ = lp.EU_RECYCLING
    blocks.append(_frame(rec_, {"scenario": 2, "material": 0, "year": 1},
                         val.cols({i: lp.eu_recycling[i] for i in rec_}), 2, names,
                         {"stage": "recycling", "country": R.DOMESTIC, "flow": "EU recycling output"}))
    df = pd.concat([b for b in blocks if len(b)], ignore_index=True) if any(len(b) for b in blocks) else \
        pd.DataFrame(columns=names)
    df = df[names]
    df["year"] = df["year"].astype(int)
    df["value_t"] = _clean_array(df["value_t"].to_numpy(dtype=float))
    return df.sort_values(["scenario", "material", "stage", "country", "year"], kind="stable").reset_index(drop=True)


def _capacity(lp, val) -> pd.DataFrame:
    data = lp.data
    existing = data.table("capacity_existing")
    n_mod = lp.cols.get("n_modules", {})
    cap_new = set(lp.CAP_NEW)
    rows = []
    for (mm, k) in sorted(lp.capacity_keys):
        for t in data.years:
            new = val.lin(lp.cap_new[(mm, k, t)]) if (mm, k, t) in cap_new else 0.0
            modules = val.col(n_mod[(mm, k, t)]) if (mm, k, t) in lp.MODULAR else None
            rows.append((mm, k, t, existing.get((mm, k, t), {}).get("capacity", 0.0), _clean(new),
                         modules, _clean(val.lin(lp.cap_avail(mm, k, t)))))
    return pd.DataFrame(rows, columns=["material", "stage", "year", "existing_tpa", "new_online_tpa",
                                       "modules", "available_tpa"])


def _stock(lp, val) -> pd.DataFrame:
    rows = []
    out, draw, disp = lp.stock_out, lp.stock_drawdown, lp.stock_disposal
    col = val.col
    for i in lp.STOCK_TW:
        mm, t, w = i
        o = col(out.get(i))
        d = col(draw.get(i)) + col(disp.get(i))
        net = col(lp.stock_in[i]) - o - d
        rows.append((w, mm, t, _clean(col(lp.stock_target[(mm, t)])), _clean(col(lp.inventory[i])),
                     _clean(max(0.0, net)), _clean(max(0.0, -net)), o > 1e-9 and net < -1e-9))
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "stock_target_t", "inventory_t",
                                       "stock_in_t", "stock_out_t", "released_in_disruption"])


def _unmet(lp, val) -> pd.DataFrame:
    data = lp.data
    rows = [(w, mm, t, data.demand(mm, t), _clean(val.col(lp.unmet[(mm, t, w)]))) for (mm, t, w) in lp.BALANCE]
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "demand_t", "unmet_t"])


def _eu_capacity_value(lp, val, bench, mm, t) -> float:
    v = val.lin(lp.cap_avail(mm, bench, t))
    return lp.data.material(mm)["processing_yield"] * v if bench == "extraction" else v


def _eu_flow_value(lp, val, bench, mm, t, w) -> float:
    if bench == "extraction":
        j = lp.eu_mining.get((mm, t, w))
        return 0.0 if j is None else lp.data.material(mm)["processing_yield"] * val.col(j)
    if bench == "processing":
        e = lp.eu_processing.get((mm, t, w))
        return 0.0 if e is None else val.lin(e[0])
    j = lp.eu_recycling.get((mm, t, w))
    return 0.0 if j is None else val.col(j)


def _compliance(lp, val) -> pd.DataFrame:
    data = lp.data
    effective = BM.resolve(data)
    cache = lp.supply_cache
    rows = []
    for (bench, mm, k), rec in sorted(effective.items()):
        for t in data.years:
            target = BM.level(rec, t)
            d = data.demand(mm, t)
            if target is None or d <= 0:
                continue
            for w in lp.W:
                if bench in BM.SHARE_BENCHMARKS:
                    basis = BM.basis_of(data, rec, mm)
                    cap_share = _eu_capacity_value(lp, val, bench, mm, t) / d
                    flow_share = _eu_flow_value(lp, val, bench, mm, t, w) / d
                    achieved = cap_share if basis == "capacity" else flow_share
                    rows.append(dict(scenario=w, material=mm, year=t, benchmark=bench, stage=k, basis=basis,
                                     target_share=target, achieved_share=_clean(achieved),
                                     capacity_share=_clean(cap_share), flow_share=_clean(flow_share),
                                     met=bool(achieved >= target - TOL),
                                     shortfall_t=_clean(max(0.0, (target - achieved) * d)),
                                     largest_country="", enforcement=rec["enforcement"]))
                else:
                    got = cache.get((mm, t, w))
                    if got is None:
                        got = cache[(mm, t, w)] = _country_supply_by_origin(lp, mm, t, w)
                    by_c = got[0] if k == "processing" else got[1]
                    shares = {}
                    for c in lp.third.get((k, mm), []):
                        e = by_c.get(c)
                        shares[c] = (val.pairs(*e) if e is not None else 0.0) / d
                    top = max(shares, key=lambda c: (shares[c], c)) if shares else ""
                    achieved = shares.get(top, 0.0)
                    rows.append(dict(scenario=w, material=mm, year=t, benchmark=bench, stage=k, basis="flow",
                                     target_share=target, achieved_share=_clean(achieved),
                                     capacity_share=None, flow_share=_clean(achieved),
                                     met=bool(achieved <= target + TOL),
                                     shortfall_t=_clean(max(0.0, (achieved - target) * d)),
                                     largest_country=top, enforcement=rec["enforcement"]))
    cols = ["scenario", "material", "year", "benchmark", "stage", "basis", "target_share", "achieved_share",
            "capacity_share", "flow_share", "met", "shortfall_t", "largest_country", "enforcement"]
    return pd.DataFrame(rows, columns=cols)


def _costs(lp, val):
    rows = []
    for (component, mm, t, w), e in lp.cost_terms.items():
        value = val.lin(e)
        rows.append(dict(scenario=w or "first stage", material=mm, year=t, component=component,
                         cost_eur=_clean(value), discounted_eur=_clean(value * lp.discount(t)),
                         weight=lp.weight(t, w)))
    df = pd.DataFrame(rows, columns=["scenario", "material", "year", "component", "cost_eur",
                                     "discounted_eur", "weight"])
    df = df.sort_values(["scenario", "material", "year", "component"], kind="stable").reset_index(drop=True)
    df["objective_eur"] = df["cost_eur"] * df["weight"]
    summary = (df.groupby(["material", "component"], as_index=False)["objective_eur"].sum()
               .rename(columns={"objective_eur": "present_value_eur"}))
    df = df.drop(columns=["weight", "objective_eur"])
    return df, summary


def _shadow_prices(lp, row_dual: np.ndarray) -> pd.DataFrame:
    duals = np.asarray(row_dual, dtype=float).tolist()
    rows = []
    weight = {}
    for (component, index, r, basis, country, scenario) in lp.benchmark_rows:
        dual = duals[lp.rows[component][index]]
        w = scenario or None
        key = (r["year"], w)
        if key not in weight:
            weight[key] = lp.weight(r["year"], w)
        per_t = _per_weight(dual, weight[key])
        if component == "benchmark_single_country":
            per_t = -per_t
        per_t = _clean(per_t)
        rows.append((f"{component}[{','.join(map(str, index))}]", r["benchmark"], basis, r["material"],
                     r["stage"], country, r["year"], scenario, r["level"], r["demand"], per_t,
                     _clean(per_t * r["demand"] / 100.0), abs(per_t) > 1e-6, r["enforcement"]))
    cols = ["constraint", "benchmark", "basis", "material", "stage", "country", "year", "scenario", "level",
            "demand_t", "eur_per_t", "eur_per_pp", "binding", "enforcement"]
    return pd.DataFrame(rows, columns=cols)


def _marginal_cost(lp, row_dual: np.ndarray) -> pd.DataFrame:
    duals = np.asarray(row_dual, dtype=float).tolist()
    index = lp.rows.get("balance", {})
    rows = [(w, mm, t, _clean(_per_weight(duals[index[(mm, t, w)]], lp.weight(t, w))))
            for (mm, t, w) in lp.BALANCE]
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "eur_per_t"])
