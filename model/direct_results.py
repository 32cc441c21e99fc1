"""Result tables of a direct-backend solve (model/direct.py), computed from HiGHS' column values.

Mirrors ``model/results.py`` table by table (the same columns, rows, order and numbers;
``tests/test_direct.py`` compares every table of both backends), reading values from the array of
column values instead of evaluating Pyomo expressions.

Extraction is in two steps. ``plan_tables`` prepares everything that does not depend on the
solution: the key columns of every table, their sort orders, constraint names, weights, and each
reported quantity as a row of a sparse matrix over the columns (``LinBatch``). It reads only the
built LP, so ``model/direct.py`` runs it in a second thread while HiGHS solves (HiGHS releases
Python's lock while it runs). ``extract_direct`` then fills the plan with the solution: gathers,
sparse products and a few small loops.
"""
from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd

from model import registry as R
from model.blocks import benchmarks as BM
from model.direct import FIXED, DirectLP, DirectSolution, Lin, cost_arrays, eu_flow
from model.results import (Results, _clean, _clean_values, compliance_frame, compliance_plan, cost_frames,
                           cost_plan)


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


class LinBatch:
    """Many linear expressions of the columns as one sparse matrix: ``values(x)`` evaluates them all.

    Each expression's constant is its first term (against a column of ones), so that the sum runs
    in the order of ``Lin`` evaluation term by term: the values are the same to the last bit. A
    ``None`` expression is the number 0.
    """

    def __init__(self, lins: list):
        n = self.n = len(lins)
        lengths = np.fromiter((1 if e is None else 1 + len(e.cols) for e in lins), dtype=np.int64, count=n)
        total = int(lengths.sum())
        self.owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
        self.cols = np.fromiter(chain.from_iterable((ONE,) if e is None else chain((ONE,), e.cols) for e in lins),
                                dtype=np.int64, count=total)
        self.coefs = np.fromiter(chain.from_iterable((0.0,) if e is None else chain((e.const,), e.coefs)
                                                     for e in lins), dtype=float, count=total)

    def values(self, xe: np.ndarray) -> np.ndarray:
        """At ``xe = extended(x)``."""
        if not self.n:
            return np.zeros(0)
        return np.bincount(self.owner, weights=self.coefs * xe[self.cols], minlength=self.n)


ONE = -2  # in an extended value vector: the entry 1.0 (constants); FIXED (-1) reads 0.0


def extended(x: np.ndarray) -> np.ndarray:
    """Column values with 1.0 and 0.0 appended: index ONE (-2) reads 1, FIXED (-1) reads 0."""
    return np.concatenate((np.asarray(x, dtype=float), [1.0, 0.0]))


def _index_array(cols) -> np.ndarray:
    return np.fromiter(cols, dtype=np.int64)


def plan_tables(lp: DirectLP) -> dict:
    """Everything of the result tables that does not depend on the solution (see the module)."""
    return dict(sourcing=_plan_sourcing(lp), compliance=_plan_compliance(lp), costs=_plan_costs(lp),
                shadow_prices=_plan_shadow_prices(lp), marginal_cost=_plan_marginal_cost(lp),
                stock=_plan_stock(lp), unmet=_plan_unmet(lp))


def extract_direct(lp: DirectLP, sol, solution: DirectSolution) -> Results:
    """The result tables; ``solution.plan`` is ``plan_tables(lp)`` when the solve prepared it."""
    plan = solution.plan if solution.plan is not None else plan_tables(lp)
    val = _Values(solution.x)
    xe = extended(solution.x)
    res = Results(objective=sol.objective)
    res.tables["sourcing"] = _sourcing(plan["sourcing"], xe)
    res.tables["capacity"] = _capacity(lp, val)
    res.tables["stock"] = _stock(plan["stock"], xe)
    res.tables["unmet"] = _unmet(plan["unmet"], xe)
    res.tables["compliance"] = _compliance(plan["compliance"], xe, solution.activity)
    costs = _cost_values(plan["costs"], val)
    res.tables["costs"], res.tables["cost_summary"] = cost_frames(plan["costs"]["tables"], costs)
    res.tables["shadow_prices"] = _shadow_prices(plan["shadow_prices"], solution.row_dual)
    res.tables["marginal_cost"] = _marginal_cost(plan["marginal_cost"], solution.row_dual)
    res.tables["scenario_costs"] = _scenario_costs(lp, val, plan["costs"], costs)
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


def _scenario_costs(lp, val, plan: dict, costs: np.ndarray) -> pd.DataFrame:
    """Present value per scenario: first stage + recourse; with CVaR, its value in the last row."""
    data = lp.data
    # discounted values added up key by key, in key order: total[s] for scenario s, total[-1] the
    # first stage
    total = [0.0] * (len(lp.W) + 1)
    for s, v in zip(plan["scenario"], (costs * plan["tables"]["discount"]).tolist()):
        total[s] += v
    first = total[-1]
    scen = dict(zip(lp.W, total))
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


def _plan_sourcing(lp) -> dict:
    """The sourcing table's rows in their order, and where each row's value comes from."""
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
        _block(list(imp_ref), mcty, {"stage": "processing", "flow": "refined import"}),
        _block(list(imp_conc), mcty, {"stage": "extraction", "flow": "ore import for EU refining"}),
        _block(contract_keys, {"material": 0, "stage": 1, "country": 2, "year": 3, "scenario": 4, "flow": 5}, {}),
        _block(lp.EU_MINING, mty, {"stage": "extraction", "country": R.DOMESTIC, "flow": "EU mining"}),
        _block(lp.EU_PROCESSING, mty, {"stage": "processing", "country": R.DOMESTIC, "flow": "EU processing output"}),
        _block(lp.EU_RECYCLING, mty, {"stage": "recycling", "country": R.DOMESTIC, "flow": "EU recycling output"}),
    ]
    # the value of each row, block by block: a column, or an expression (LinBatch)
    sources = [_index_array(imp_ref.values()), _index_array(imp_conc.values()),
               LinBatch([Lin([j], [a]) for _, (j, a) in take]),
               _index_array(lp.eu_mining[i] for i in lp.EU_MINING),
               LinBatch([lp.eu_processing[i][0] for i in lp.EU_PROCESSING]),
               _index_array(lp.eu_recycling[i] for i in lp.EU_RECYCLING)]
    columns = {name: [v for b in blocks for v in b[name]] for name in names[:-1]}
    columns["value_t"] = np.zeros(sum(len(b["year"]) for b in blocks))
    df = pd.DataFrame(columns, columns=names)
    df["year"] = df["year"].astype(np.int64)
    order = _sorted_order(df, ["scenario", "material", "stage", "country", "year"])
    return dict(frame=df.take(order).reset_index(drop=True), order=order, sources=sources)


def _block(keys, positions: dict, const_cols: dict) -> dict:
    """Key columns of one sourcing block: from the key tuples (by position), and constants."""
    n = len(keys)
    parts = list(zip(*keys)) if n else []
    out = {name: (list(parts[p]) if n else []) for name, p in positions.items()}
    for name, v in const_cols.items():
        out[name] = [v] * n
    return out


def _sorted_order(df: pd.DataFrame, by: list) -> np.ndarray:
    """The stable order of ``df.sort_values(by, kind='stable')``, computed on integer codes."""
    codes = [pd.factorize(df[c], sort=True)[0] for c in by]
    return np.lexsort(codes[::-1])


def _sourcing(plan, xe) -> pd.DataFrame:
    value = np.concatenate([src.values(xe) if isinstance(src, LinBatch) else xe[src] for src in plan["sources"]])
    df = plan["frame"]
    df["value_t"] = _clean_values(value[plan["order"]])
    return df


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


STOCK_COLUMNS = ["scenario", "material", "year", "stock_target_t", "inventory_t", "stock_in_t", "stock_out_t",
                 "released_in_disruption"]


def _plan_stock(lp) -> dict:
    """The stock table's keys, and the columns it reads per (m, t, w) (FIXED where there is none)."""
    def cols(index, keys):
        return _index_array(index.get(i, FIXED) for i in keys)

    keys = lp.STOCK_TW
    return dict(keys=keys, out=cols(lp.stock_out, keys), draw=cols(lp.stock_drawdown, keys),
                disposal=cols(lp.stock_disposal, keys), stock_in=cols(lp.stock_in, keys),
                inventory=cols(lp.inventory, keys), target=cols(lp.stock_target, [(mm, t) for (mm, t, _) in keys]))


def _stock(plan, xe) -> pd.DataFrame:
    """net = stock_in - out - (drawdown + disposal): put in max(0, net), taken out max(0, -net);
    released in a disruption where out > 0 and net < 0."""
    keys = plan["keys"]
    if not keys:
        return pd.DataFrame([], columns=STOCK_COLUMNS)
    o = xe[plan["out"]]
    net = xe[plan["stock_in"]] - o - (xe[plan["draw"]] + xe[plan["disposal"]])
    mm, t, w = zip(*keys)
    rows = zip(w, mm, t, _clean_values(xe[plan["target"]]).tolist(), _clean_values(xe[plan["inventory"]]).tolist(),
               _clean_values(np.maximum(0.0, net)).tolist(), _clean_values(np.maximum(0.0, -net)).tolist(),
               ((o > 1e-9) & (net < -1e-9)).tolist())
    return pd.DataFrame(list(rows), columns=STOCK_COLUMNS)


def _plan_unmet(lp) -> dict:
    data = lp.data
    return dict(keys=[(w, mm, t, data.demand(mm, t)) for (mm, t, w) in lp.BALANCE],
                cols=_index_array(lp.unmet[i] for i in lp.BALANCE))


def _unmet(plan, xe) -> pd.DataFrame:
    value = _clean_values(xe[plan["cols"]]).tolist()
    rows = [key + (v,) for key, v in zip(plan["keys"], value)]
    return pd.DataFrame(rows, columns=["scenario", "material", "year", "demand_t", "unmet_t"])


def _plan_compliance(lp) -> dict:
    """The compliance table's rows (``results.compliance_plan``) and what each one measures: EU
    capacity and flow (share benchmarks) as expressions, and for the 65 % cap, each third
    country's benchmark_single_country row."""
    data = lp.data
    rows = compliance_plan(data, lp.W)
    cap, cap_factor, flow = [], [], []
    single = {}  # (material, stage, year, scenario) -> row of the table
    for n, (w, mm, t, bench, k, _, _, _, _) in enumerate(rows):
        if bench in BM.SHARE_BENCHMARKS:
            y = data.material(mm)["processing_yield"] if bench == "extraction" else 1.0
            cap.append(lp.cap_avail(mm, bench, t))
            cap_factor.append(y)
            flow.append(eu_flow(lp, bench, mm, t, w))
        else:
            cap.append(None)
            cap_factor.append(0.0)
            flow.append(None)
            single[(mm, k, t, w)] = n
    # every country's supply is its row's body (plus a soft row's shortfall); countries without a
    # row (no supply possible) supply 0
    rank = {key: {c: r for r, c in enumerate(countries)} for key, countries in lp.third.items()}
    group, ranks, lp_rows, short = [], [], [], []
    with_row = {}
    for (component, index, _, _, c, _, row) in lp.benchmark_rows:
        if component != "benchmark_single_country":
            continue
        mm, k, _, t, w = index
        g = single[(mm, k, t, w)]
        group.append(g)
        ranks.append(rank[(k, mm)][c])
        lp_rows.append(row)
        short.append(lp.shortfall_col.get((component, index), FIXED))
        with_row.setdefault(g, set()).add(c)
    # the last country in name order without a row: it supplies 0 (-1: none)
    zero_rank = {}
    for (mm, k, t, w), g in single.items():
        countries, have = lp.third.get((k, mm), []), with_row.get(g, ())
        zero_rank[g] = next((r for r in range(len(countries) - 1, -1, -1) if countries[r] not in have), -1)
    return dict(rows=rows, cap=LinBatch(cap), cap_factor=np.array(cap_factor), flow=LinBatch(flow),
                single=single, zero_rank=zero_rank,
                group=np.array(group, dtype=np.int64), rank=np.array(ranks, dtype=np.int64),
                row=np.array(lp_rows, dtype=np.int64), short=np.array(short, dtype=np.int64),
                demand=np.array([r[7] for r in rows], dtype=float), third=lp.third)


def _compliance(plan, xe, activity: np.ndarray) -> pd.DataFrame:
    cap = (plan["cap"].values(xe) * plan["cap_factor"]).tolist()
    flow = plan["flow"].values(xe).tolist()
    largest = _largest_suppliers(plan, xe, activity)
    return compliance_frame(plan["rows"], cap, flow, largest)


def _largest_suppliers(plan, xe, activity) -> list:
    """Row by row of the compliance table: (share, country) of the largest third-country supplier
    (the 65 % cap; of equal shares, the last country in name order, as results.compliance_table
    takes it), None on share-benchmark rows."""
    out = [None] * len(plan["rows"])
    group = plan["group"]
    best = {}
    if len(group):
        value = np.asarray(activity, dtype=float)[plan["row"]] + xe[plan["short"]]
        share = value / plan["demand"][group]
        order = np.lexsort((plan["rank"], share, group))
        last = order[np.r_[group[order][1:] != group[order][:-1], True]]
        best = dict(zip(group[last].tolist(), zip(share[last].tolist(), plan["rank"][last].tolist())))
    third, zero_rank = plan["third"], plan["zero_rank"]
    for (mm, k, t, w), g in plan["single"].items():
        countries = third.get((k, mm), [])
        z = zero_rank[g]
        got = best.get(g)
        if got is None or (z >= 0 and (got[0] < 0.0 or (got[0] == 0.0 and z > got[1]))):
            out[g] = (0.0, countries[z]) if z >= 0 else (0.0, "")
        else:
            out[g] = (got[0], countries[got[1]])
    return out


def _plan_costs(lp) -> dict:
    keys, owner, cols, coefs, const = cost_arrays(lp) if lp.cost_terms else ([], None, None, None, None)
    position = lp.position
    scenario = [-1 if w is None else position[w] for (_, _, _, w) in keys]  # -1: the first stage
    return dict(keys=keys, owner=owner, cols=cols, coefs=coefs, const=const, tables=cost_plan(lp, keys),
                scenario=scenario)


def _cost_values(plan, val) -> np.ndarray:
    """The value of each cost (component, material, year, scenario) at the solution, in key order."""
    if not plan["keys"]:
        return np.zeros(0)
    x = np.append(val.x, 0.0)  # index -1 (a variable fixed at zero) reads 0
    return np.bincount(plan["owner"], weights=plan["coefs"] * x[plan["cols"]], minlength=len(plan["keys"])) + \
        plan["const"]


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


SHADOW_COLUMNS = ["constraint", "benchmark", "basis", "material", "stage", "country", "year", "scenario", "level",
                  "demand_t", "eur_per_t", "eur_per_pp", "binding", "enforcement"]


def _plan_shadow_prices(lp) -> dict:
    """The shadow-price table without its prices, and each benchmark row's LP row, weight and sign."""
    if not lp.benchmark_rows:
        return dict(frame=None)
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
    sign = np.where(np.asarray(component) == "benchmark_single_country", -1.0, 1.0)
    n = len(row)
    frame = pd.DataFrame({
        "constraint": _constraint_names(component, index),
        "benchmark": column("benchmark"), "basis": list(basis),
        "material": column("material"), "stage": column("stage"),
        "country": list(country), "year": year, "scenario": list(scenario),
        "level": column("level", float), "demand_t": demand, "eur_per_t": np.zeros(n),
        "eur_per_pp": np.zeros(n), "binding": np.zeros(n, dtype=bool),
        "enforcement": column("enforcement")}, columns=SHADOW_COLUMNS)
    return dict(frame=frame, row=np.asarray(row, dtype=np.int64), weight=weight, sign=sign, demand=demand)


def _shadow_prices(plan, row_dual: np.ndarray) -> pd.DataFrame:
    if plan["frame"] is None:
        return pd.DataFrame(columns=SHADOW_COLUMNS)
    weight = plan["weight"]
    dual = np.asarray(row_dual, dtype=float)[plan["row"]]
    per_t = _per_weight_values(dual, weight)
    per_t = _clean_values(np.where(plan["sign"] < 0, -per_t, per_t))
    df = plan["frame"]
    df["eur_per_t"] = per_t
    df["eur_per_pp"] = _clean_values(per_t * plan["demand"] / 100.0)
    with np.errstate(invalid="ignore"):
        df["binding"] = np.abs(per_t) > 1e-6
    return df


def _per_weight_values(dual: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """results._per_weight of every element: the dual per unit of weight, NaN where the weight is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight != 0, dual / np.where(weight != 0, weight, 1.0), np.nan)


def _plan_marginal_cost(lp) -> dict:
    index = lp.balance_row
    keys = lp.BALANCE
    frame = pd.DataFrame([(w, mm, t, 0.0) for (mm, t, w) in keys],
                         columns=["scenario", "material", "year", "eur_per_t"])
    return dict(frame=frame, row=np.fromiter((index[i] for i in keys), dtype=np.int64, count=len(keys)),
                weight=np.array([lp.weight(t, w) for (mm, t, w) in keys], dtype=float))


def _marginal_cost(plan, row_dual: np.ndarray) -> pd.DataFrame:
    """The dual of each balance row per unit of its weight (results._per_weight: NaN at weight 0)."""
    weight = plan["weight"]
    dual = np.asarray(row_dual, dtype=float)[plan["row"]]
    per_t = _per_weight_values(dual, weight)
    df = plan["frame"]
    df["eur_per_t"] = _clean_values(per_t)
    return df
