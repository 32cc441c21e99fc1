"""Result tables of a direct-backend solve (model/direct.py), computed from HiGHS' column values.

Mirrors ``model/results.py`` table by table (the same columns, rows, order and numbers;
``tests/test_direct.py`` compares every table of both backends), reading values from the array of
column values instead of evaluating Pyomo expressions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from model import registry as R
from model.direct import FIXED, DirectLP, DirectSolution, Lin, cost_arrays
from model.results import Results, _clean, _per_weight, compliance_table, cost_tables


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
    res.tables["compliance"] = _compliance(lp, val, solution.activity)
    costs = _cost_values(lp, val)
    res.tables["costs"], res.tables["cost_summary"] = cost_tables(lp, costs)
    res.tables["shadow_prices"] = _shadow_prices(lp, solution.row_dual)
    res.tables["marginal_cost"] = _marginal_cost(lp, solution.row_dual)
    res.tables["scenario_costs"] = _scenario_costs(lp, val, costs)
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


def _scenario_costs(lp, val, costs: dict) -> pd.DataFrame:
    """Present value per scenario: first stage + recourse; with CVaR, its value in the last row."""
    data = lp.data
    first = 0.0
    scen = {w: 0.0 for w in lp.W}
    for (_, _, t, w), value in costs.items():
        if w is None:
            first += lp.discount(t) * value
        else:
            scen[w] += lp.discount(t) * value
    rows = [dict(scenario=w, probability=data.probability[w], first_stage_eur=first, recourse_eur=scen[w],
                 total_eur=first + scen[w]) for w in lp.W]
    expected = first + sum(data.probability[w] * scen[w] for w in lp.W)
    rows.append(dict(scenario="expected", probability=1.0, first_stage_eur=first, recourse_eur=expected - first,
                     total_eur=expected))
    if lp.cvar:
        cvar_var, excess, alpha = lp.cvar_parts
        cvar = first + val.col(cvar_var) + (1.0 / (1.0 - alpha)) * sum(
            data.probability[w] * val.col(excess[w]) for w in lp.W)
        rows.append(dict(scenario=f"CVaR {data.settings['cvar_alpha']:g}", probability=None, first_stage_eur=first,
                         recourse_eur=cvar - first, total_eur=cvar))
    return pd.DataFrame(rows, columns=["scenario", "probability", "first_stage_eur", "recourse_eur", "total_eur"])


def _block(keys, positions: dict, values, const_cols: dict) -> dict:
    """Columns of one sourcing block: from the key tuples (by position), constants, and values."""
    n = len(keys)
    parts = list(zip(*keys)) if n else []
    out = {name: (list(parts[p]) if n else []) for name, p in positions.items()}
    for name, v in const_cols.items():
        out[name] = [v] * n
    out["value_t"] = np.asarray(values, dtype=float)
    return out


def _sorted_order(df: pd.DataFrame, by: list) -> np.ndarray:
    """The stable order of ``df.sort_values(by, kind='stable')``, computed on integer codes."""
    codes = [pd.factorize(df[c], sort=True)[0] for c in by]
    return np.lexsort(codes[::-1])


def _sourcing(lp, val) -> pd.DataFrame:
    data = lp.data
    names = ["scenario", "material", "stage", "country", "year", "flow", "value_t"]
    mcty = {"scenario": 3, "material": 0, "country": 1, "year": 2}
    mty = {"scenario": 2, "material": 0, "year": 1}
    imp_ref, imp_conc = lp.cols.get("imp_ref", {}), lp.cols.get("imp_conc", {})
    contracts = data.table("contracts")
    take = list(lp.contract_take.items())
    contract_keys = [(contracts[k]["material"], contracts[k]["stage"], contracts[k]["country"], t, w,
                      f"contract {k}") for (k, t, w), _ in take]
    blocks = [
        _block(list(imp_ref), mcty, val.cols(imp_ref), {"stage": "processing", "flow": "refined import"}),
        _block(list(imp_conc), mcty, val.cols(imp_conc),
               {"stage": "extraction", "flow": "ore import for EU refining"}),
        _block(contract_keys, {"material": 0, "stage": 1, "country": 2, "year": 3, "scenario": 4, "flow": 5},
               [a * val.col(j) for _, (j, a) in take], {}),
        _block(lp.EU_MINING, mty, [val.col(lp.eu_mining[i]) for i in lp.EU_MINING],
               {"stage": "extraction", "country": R.DOMESTIC, "flow": "EU mining"}),
        _block(lp.EU_PROCESSING, mty, [val.lin(lp.eu_processing[i][0]) for i in lp.EU_PROCESSING],
               {"stage": "processing", "country": R.DOMESTIC, "flow": "EU processing output"}),
        _block(lp.EU_RECYCLING, mty, val.cols({i: lp.eu_recycling[i] for i in lp.EU_RECYCLING}),
               {"stage": "recycling", "country": R.DOMESTIC, "flow": "EU recycling output"}),
    ]
    columns = {}
    for name in names:
        if name == "value_t":
            columns[name] = np.concatenate([b[name] for b in blocks])
        else:
            columns[name] = [v for b in blocks for v in b[name]]
    df = pd.DataFrame(columns, columns=names)
    df["year"] = df["year"].astype(np.int64)
    df["value_t"] = _clean_array(df["value_t"].to_numpy(dtype=float))
    return df.take(_sorted_order(df, ["scenario", "material", "stage", "country", "year"])).reset_index(drop=True)


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


def _single_country_supply(lp, activity: np.ndarray, val) -> dict:
    """(m, k, c, t, w) -> what country c supplies at stage k: the body of its
    benchmark_single_country row (plus the shortfall of a soft row); rows the block leaves out
    (no supply possible) are 0."""
    act = activity.tolist()
    short = lp.shortfall_col
    out = {}
    for (component, index, _, _, _, _, row) in lp.benchmark_rows:
        if component == "benchmark_single_country":
            j = short.get((component, index))
            out[index] = act[row] + (val.col(j) if j is not None else 0.0)
    return out


def _compliance(lp, val, activity: np.ndarray) -> pd.DataFrame:
    supplied = _single_country_supply(lp, activity, val)
    capacity = {}

    def cap(bench, mm, t):
        if (bench, mm, t) not in capacity:
            capacity[(bench, mm, t)] = _eu_capacity_value(lp, val, bench, mm, t)
        return capacity[(bench, mm, t)]

    return compliance_table(
        lp.data, lp.W, capacity=cap, flow=lambda bench, mm, t, w: _eu_flow_value(lp, val, bench, mm, t, w),
        supply=lambda k, mm, t, w: {c: supplied.get((mm, k, c, t, w), 0.0) for c in lp.third.get((k, mm), [])})


def _cost_values(lp, val) -> dict:
    """(component, material, year, scenario) -> the cost's value at the solution."""
    if not lp.cost_terms:
        return {}
    keys, owner, cols, coefs, const = cost_arrays(lp)
    x = np.append(val.x, 0.0)  # index -1 (a variable fixed at zero) reads 0
    totals = np.bincount(owner, weights=coefs * x[cols], minlength=len(keys)) + const
    return dict(zip(keys, totals.tolist()))


def _constraint_names(components, indexes) -> list[str]:
    """'component[i1,i2,...]' for each row, as Pyomo names them (index parts are text or years)."""
    out = []
    for c, i in zip(components, indexes):
        n = len(i)
        if n == 5:
            a, b, d, e, f = i
            out.append(f"{c}[{a},{b},{d},{e},{f}]")
        elif n == 3:
            a, b, d = i
            out.append(f"{c}[{a},{b},{d}]")
        elif n == 2:
            a, b = i
            out.append(f"{c}[{a},{b}]")
        else:
            out.append(f"{c}[{','.join(map(str, i))}]")
    return out


def _shadow_prices(lp, row_dual: np.ndarray) -> pd.DataFrame:
    cols = ["constraint", "benchmark", "basis", "material", "stage", "country", "year", "scenario", "level",
            "demand_t", "eur_per_t", "eur_per_pp", "binding", "enforcement"]
    if not lp.benchmark_rows:
        return pd.DataFrame(columns=cols)
    component, index, info, basis, country, scenario, row = zip(*lp.benchmark_rows)
    # the rows of one (benchmark, material, stage, year) share their info: gather by code
    codes, infos = {}, []
    for r in info:
        if id(r) not in codes:
            codes[id(r)] = len(infos)
            infos.append(r)
    code = np.fromiter((codes[id(r)] for r in info), dtype=np.int64, count=len(info))

    def column(name, dtype=object):
        return np.array([r[name] for r in infos], dtype=dtype)[code]

    year = column("year", np.int64)
    demand = column("demand", float)
    w_codes = {w: n for n, w in enumerate(lp.W)}
    scen = np.fromiter((w_codes.get(w, -1) for w in scenario), dtype=np.int64, count=len(scenario))
    years = sorted(set(year.tolist()))
    # weight of (year, scenario); scenario "" (capacity rows, first stage) is the last column
    table = np.array([[lp.weight(t, w) for w in lp.W] + [lp.weight(t, None)] for t in years])
    weight = table[np.searchsorted(years, year), np.where(scen < 0, len(lp.W), scen)]
    dual = np.asarray(row_dual, dtype=float)[np.asarray(row, dtype=np.int64)]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = np.where(weight != 0, dual / np.where(weight != 0, weight, 1.0), np.nan)
    per_t = np.where(np.asarray(component) == "benchmark_single_country", -per_t, per_t)
    per_t = _clean_array(per_t)
    with np.errstate(invalid="ignore"):
        binding = np.abs(per_t) > 1e-6
    return pd.DataFrame({
        "constraint": _constraint_names(component, index),
        "benchmark": column("benchmark"), "basis": list(basis),
        "material": column("material"), "stage": column("stage"),
        "country": list(country), "year": year, "scenario": list(scenario),
        "level": column("level", float), "demand_t": demand, "eur_per_t": per_t,
        "eur_per_pp": _clean_array(per_t * demand / 100.0), "binding": binding,
        "enforcement": column("enforcement")}, columns=cols)


def _marginal_cost(lp, row_dual: np.ndarray) -> pd.DataFrame:
    duals = np.asarray(row_dual, dtype=float).tolist()
    index = lp.balance_row
    rows = [(w, mm, t, _clean(_per_weight(duals[index[(mm, t, w)]], lp.weight(t, w))))
            for (mm, t, w) in lp.BALANCE]
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "eur_per_t"])
