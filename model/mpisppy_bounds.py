"""Bounds that keep the optimum, for the scenario models of mpi-sppy (model/mpisppy_adapter.py).

Progressive hedging (PH) adds to each scenario's objective a weight W times its first-stage
variables; its Lagrangian bound solves each scenario with W alone. A first-stage column without an
upper bound whose weight exceeds its cost in that scenario (new capacity, stock targets, contract
volumes, shortfalls of soft benchmarks...) makes the scenario subproblem unbounded: a failed solve,
and no bound. Here every first-stage column (and zeta, with CVaR) gets finite bounds that provably
keep the extensive form's optimum (formulation §9.1):

* one feasible plan (``plan_objective``): the first stage of the reference scenario solved alone,
  fixed in every scenario, each scenario solved; its exact objective U >= the optimum;
* when every cost term is nonnegative (nonnegative coefficients on nonnegative columns,
  nonnegative constants; ``_terms_nonnegative``), the optimum OPT >= c_j x_j* for every column j,
  c_j its coefficient in the extensive form's objective, so x_j* <= U / c_j in every optimal
  solution (``first_stage_bounds``). c_j is taken as lambda f_j + sum_w p_w (f_j + r_jw), f_j the
  column's first-stage cost and r_jw its recourse cost in scenario w (a contract's purchases),
  which is at most the extensive form's (1 + lambda) f_j + sum_w p_w r_jw;
* zeta (CVaR): 0 <= zeta* <= U / lambda (``zeta_bounds``).

The bounds go into the scenario models only: the extensive form has no need of them, and its
fingerprints stay as they are. ``tests/test_mpisppy_bounds.py`` checks on every shipped workbook
that the extensive form's optimum with the bounds equals the optimum without them and that no bound
is active at it.
"""
from __future__ import annotations

import numpy as np

from model.data import NOMINAL, ModelData
from model.errors import ModelError

FIRST_STAGE_VARS = ("cap_new_cont", "n_modules", "stock_target", "contract_volume", "contract_signed", "substitution")
OBJ_SCALE = 1e6  # the scenario objectives of mpi-sppy are in million EUR (model/mpisppy_adapter.py)
# a bound U / c_j is widened by this share: rounding must not make it cut the optimum
SLACK = 1e-6


def scenario_names(data: ModelData) -> list[str]:
    """Scenarios with a positive probability (mpi-sppy weighs by probability; p = 0 adds nothing)."""
    return [w for w, p in data.probability.items() if p > 0]


def risk_weight(data: ModelData) -> float:
    return float(data.settings.get("risk_weight") or 0.0)



def objective_at(first_stage: float, recourse: dict, probability: dict, lam: float, alpha: float) -> tuple:
    """(objective, zeta) of a first-stage plan whose scenarios cost ``recourse`` (EUR): expected cost
    + lambda (first stage + CVaR_alpha of the recourse cost), CVaR by Rockafellar-Uryasev with the
    best zeta, which is at one of the scenario costs (the function is piecewise linear, convex)."""
    names = list(recourse)
    c = np.array([recourse[w] for w in names])
    p = np.array([probability[w] for w in names])
    expected = first_stage + float(np.dot(p, c))
    if lam <= 0:
        return expected, None
    ru = [z + float(np.dot(p, np.maximum(c - z, 0.0))) / (1.0 - alpha) for z in c]
    i = int(np.argmin(ru))
    return expected + lam * (first_stage + ru[i]), float(c[i])


def _is_first_stage(name: str) -> bool:
    return name in FIRST_STAGE_VARS or (name.startswith("shortfall_") and name.endswith("_capacity"))


def _part_costs(b) -> tuple:
    """(first-stage cost per column, recourse cost per column, first-stage constant, recourse
    constant) of a one-scenario model ``b`` (probability 1, risk neutral), discounted."""
    c = b.info["costs"]
    n = b.lp.n_cols
    first_key = c["w"] < 0
    term_first = first_key[c["key_of"]]
    weight = c["coefs"] * c["discount"][c["key_of"]]
    f = np.bincount(c["cols"][term_first], weights=weight[term_first], minlength=n)
    r = np.bincount(c["cols"][~term_first], weights=weight[~term_first], minlength=n)
    const = c["const"] * c["discount"]
    return f, r, float(const[first_key].sum()), float(const[~first_key].sum())


def _move_revenues(b, v: np.ndarray) -> np.ndarray:
    """Cost per column ``v`` with each negative cost (a revenue, e.g. a co-product's surplus sold)
    moved onto the column that bounds it: for a column s >= 0 of cost -r < 0 and a row
    k s - a y <= 0 (two entries, k > 0, a > 0: ``coproduct_surplus_limit``), -r s >= -r (a / k) y,
    so v.x >= v'.x with v'_s = 0 and v'_y = v_y - r a / k. A lower bound of the cost whatever the
    plan; negative entries stay where no such row exists."""
    neg = np.flatnonzero(v < 0)
    if not len(neg):
        return v
    lower, _, _, row_lower, row_upper = b.lp.bounds()
    start, col, val = b.lp.csr()
    count = np.diff(start)
    two = np.flatnonzero((count == 2) & (row_upper == 0) & ~np.isfinite(row_lower))
    first, second = start[two], start[two] + 1
    out = v.copy()
    for s_at, y_at in ((first, second), (second, first)):
        ok = (val[s_at] > 0) & (val[y_at] < 0) & (out[col[s_at]] < 0) & (lower[col[s_at]] >= 0)
        for si, yi, k, a in zip(col[s_at][ok], col[y_at][ok], val[s_at][ok], -val[y_at][ok]):
            if out[si] < 0:  # one row per revenue column
                out[yi] += out[si] * a / k
                out[si] = 0.0
    return out


def _row_upper(b) -> np.ndarray:
    """Per column, the upper bound its rows imply: a row sum_i a_i x_i <= u with every a_i > 0 on
    columns x_i >= 0 gives x_i <= u / a_i (``build_limit``, ``max_capacity``, ``contract_max_take``...).
    Such a row is in every scenario model: no subproblem is unbounded along its columns."""
    lower, _, _, _, row_upper = b.lp.bounds()
    start, col, val = b.lp.csr()
    row = np.repeat(np.arange(len(start) - 1), np.diff(start))
    bad = np.bincount(row, weights=((val <= 0) | (lower[col] < 0)).astype(float), minlength=len(start) - 1) > 0
    ok = ~bad[row] & np.isfinite(row_upper[row])
    out = np.full(b.lp.n_cols, np.inf)
    np.minimum.at(out, col[ok], row_upper[row[ok]] / val[ok])
    return out


def _terms_nonnegative(b) -> tuple[bool, bool]:
    """(recourse cost >= 0 whatever the plan, first-stage cost >= 0 whatever the plan) of the
    one-scenario model ``b``: per column a nonnegative coefficient (on a nonnegative column where
    it is positive), revenues moved onto the columns that bound them (``_move_revenues``), and a
    nonnegative constant."""
    f, r, f0, r0 = _part_costs(b)
    lower = b.lp.bounds()[0]

    def ok(v, k):
        v = _move_revenues(b, v)
        return bool((v >= 0).all() and (lower[v > 0] >= 0).all() and k >= 0)
    return ok(r, r0), ok(f, f0)


class _Infeasible(Exception):
    pass


def plan_objective(data: ModelData, plan_scenario: str | None = None, attempts: int = 5) -> dict:
    """The exact objective (EUR) of one feasible plan: the first stage of ``plan_scenario`` (default
    the reference scenario) solved alone, fixed in every scenario (integers rounded), each scenario
    solved by the project's HiGHS backend one at a time; CVaR with its best zeta (``objective_at``).
    An upper bound on the optimum; ``zeta_bounds`` uses it. When the plan has no solution in some
    scenario, that scenario's own plan is tried next (at most ``attempts`` plans)."""
    names = scenario_names(data)
    ref = plan_scenario or (NOMINAL if NOMINAL in names else names[0])
    tried = []
    for _ in range(attempts):
        tried.append(ref)
        try:
            return _plan_objective(data, ref, names)
        except _Infeasible as exc:
            ref = exc.args[0]
            if ref in tried:
                break
    raise ModelError(f"no plan among those of scenarios {', '.join(tried)} has a solution in every "
                     "scenario: no upper bound on zeta for mpi-sppy")


def _plan_objective(data: ModelData, ref: str, names: list) -> dict:
    from model.backends.highs import HighsLP, Status, highs_options, solve
    from model.build import build
    from model.stochastic import scenario_data

    b0 = build(scenario_data(data, ref))
    sol, _ = solve(b0)
    integer = b0.lp.bounds()[2]
    plan = {}
    for name, v in b0.lp.vars.items():
        if _is_first_stage(name) and v.n:
            x = sol.x[v.start:v.start + v.n]
            plan[name] = dict(zip(v.index.keys(), np.round(x) if integer[v.start] else x))
    c = b0.info["costs"]
    first = c["w"] < 0
    term = first[c["key_of"]]
    fcost = float(np.dot(c["coefs"][term] * c["discount"][c["key_of"]][term], sol.x[c["cols"][term]])
                  + np.dot(c["const"][first], c["discount"][first]))
    recourse, nonneg, first_nonneg = {}, *_terms_nonnegative(b0)
    coef = {}  # (name, key) -> sum_w p_w (first-stage + recourse coefficient), discounted
    stock = data.table("stockpile")
    for w in names:
        b = build(scenario_data(data, w))
        rec_ok, first_ok = _terms_nonnegative(b)
        nonneg, first_nonneg = nonneg and rec_ok, first_nonneg and first_ok
        cost = b.lp.objective[0]
        for name, v in b.lp.vars.items():
            if _is_first_stage(name) and v.n:
                for key, a in zip(v.index.keys(), cost[v.start:v.start + v.n]):
                    coef[(name, key)] = coef.get((name, key), 0.0) + data.probability[w] * float(a)
        hm = HighsLP(b.lp)
        hm.set_options(highs_options(b.data.settings, None))
        for name, values in plan.items():
            v = b.lp.vars[name]
            keys = v.index.keys()
            cols = v.start + np.array([i for i, k in enumerate(keys) if k in values], dtype=np.int64)
            x = np.array([values[k] for k in keys if k in values])
            hm.set_col_bounds(cols, x, x)
        con = b.lp.cons.get("stock_coverage")
        if w != NOMINAL and con is not None and con.n:
            rows = np.array([con.start + i for i, k in enumerate(con.index.keys())
                             if stock[k[0]]["coverage_basis"] != "consumption"], dtype=np.int64)
            if len(rows):
                hm.set_row_bounds(rows, np.full(len(rows), -np.inf), np.full(len(rows), np.inf))
        if hm.run() != Status.optimal:
            raise _Infeasible(w)
        recourse[w] = hm.objective_value() - fcost
    lam, alpha = risk_weight(data), float(data.settings.get("cvar_alpha") or 0.95)
    objective, zeta = objective_at(fcost, recourse, data.probability, lam, alpha)
    f = _part_costs(b0)[0]
    lower, upper, integer = b0.lp.bounds()[:3]
    upper = np.minimum(upper, _row_upper(b0))
    columns = {}  # (name, key) -> (extensive-form cost lower bound c_j, upper bound, integer)
    for name, v in b0.lp.vars.items():
        if _is_first_stage(name) and v.n:
            for i, key in enumerate(v.index.keys()):
                j = v.start + i
                columns[(name, key)] = (coef.get((name, key), 0.0) + lam * float(f[j]), float(upper[j]),
                                        bool(integer[j]), float(lower[j]))
    return {"objective": objective, "zeta": zeta, "first_stage": fcost, "recourse": recourse,
            "recourse_nonnegative": nonneg, "costs_nonnegative": nonneg and first_nonneg,
            "columns": columns, "plan_scenario": ref}


def zeta_bounds(data: ModelData, plan: dict | None = None) -> tuple[float | None, float | None]:
    """Bounds on zeta that keep the extensive form's optimum, so that no PH subproblem is
    unbounded in zeta (a free zeta under PH's weights and a linearised proximal term made HiGHS
    report 'infeasible or unbounded': the failed scenario solves).

    With nonnegative recourse costs, zeta* = VaR_alpha of the optimal plan's scenario costs is
    >= 0, and lambda zeta* <= lambda CVaR <= optimum <= the objective of any plan (``plan_objective``),
    so 0 <= zeta* <= that objective / lambda. (None, None) when risk neutral."""
    lam = risk_weight(data)
    if lam <= 0:
        return None, None
    plan = plan or plan_objective(data)
    return (0.0 if plan["recourse_nonnegative"] else None), plan["objective"] / lam


def first_stage_bounds(data: ModelData, plan: dict | None = None) -> dict:
    """Upper bounds that keep the optimum on the first-stage columns: {(variable, key): bound} for
    every column whose bound U / c_j (module docstring; widened by ``SLACK``, rounded down for an
    integer column) is below its declared upper bound; U is the objective of a feasible plan
    (``plan_objective``), c_j the column's cost in the extensive form (a lower bound of it).
    Empty when some cost term can be negative (the argument needs all of them >= 0). Columns
    without a cost and without an upper bound stay unbounded: ``unbounded_columns``."""
    plan = plan or plan_objective(data)
    if not plan["costs_nonnegative"] or plan["objective"] <= 0:
        return {}
    u = plan["objective"] * (1.0 + SLACK)
    out = {}
    for col, (c, upper, integer, lower) in plan["columns"].items():
        if c > 0 and lower >= 0:
            ub = u / c
            ub = float(np.floor(ub)) if integer else ub
            if ub < upper:
                out[col] = max(ub, lower)
    return out


def unbounded_columns(plan: dict, bounds: dict) -> list:
    """First-stage columns left without a finite upper bound, declared or implied by a row of
    positive entries (no cost to bound them by)."""
    return [col for col, (_, upper, _, _) in plan["columns"].items() if col not in bounds and not np.isfinite(upper)]


def ph_setup(data: ModelData) -> dict:
    """What PH needs before it starts, from one feasible plan (``plan_objective``):
    ``first_stage_bounds`` and ``unbounded`` (first-stage columns left without one); with CVaR
    ``zeta_bounds`` and ``zeta_rho``, the PH penalty on zeta (million EUR): at the optimum a
    scenario's weight on zeta is -lambda (cost below zeta*) or lambda alpha / (1 - alpha) (above),
    and PH's first step moves it by rho (zeta_w - zeta-bar), with zeta_w = the scenario's cost at
    first, so rho = lambda / (1 - alpha) / the mean absolute deviation of the plan's scenario costs
    takes it there in about one step; ``plan``: the plan's objective (an upper bound)."""
    plan = plan_objective(data)
    bounds = first_stage_bounds(data, plan)
    out = {"first_stage_bounds": bounds, "unbounded": unbounded_columns(plan, bounds), "plan": plan["objective"],
           "zeta_bounds": (None, None), "zeta_rho": None}
    lam = risk_weight(data)
    if lam <= 0:
        return out
    alpha = float(data.settings.get("cvar_alpha") or 0.95)
    c = np.array([plan["recourse"][w] for w in scenario_names(data)]) / OBJ_SCALE
    p = np.array([data.probability[w] for w in scenario_names(data)])
    spread = float(np.dot(p, np.abs(c - np.dot(p, c))))
    out.update(zeta_bounds=zeta_bounds(data, plan), zeta_rho=lam / (1.0 - alpha) / max(spread, 1e-6))
    return out
