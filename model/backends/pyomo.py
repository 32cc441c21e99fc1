"""The Pyomo backend: the one model (model/lp.py) as a Pyomo ConcreteModel.

Every variable family becomes a ``pyo.Var`` and every constraint family a ``pyo.Constraint`` of
the same name, indexed by the same keys, with the same bounds, coefficients and objective; nothing
is declared here that the blocks did not declare. The Pyomo model is what mpi-sppy takes
(model/mpisppy_adapter.py), what a notebook user inspects, and where a user extends the model in
Pyomo (docs/formulation.md §14 shows how). ``solve_pyomo`` solves it with HiGHS through Pyomo and
returns values and duals in the LP's order, so that model/results.py reads them as it reads the
direct hand-off's.
"""
from __future__ import annotations

import time

import numpy as np

from model.errors import ModelError


def _keys(index) -> list:
    return index.keys()


def to_pyomo(mod):
    """A ConcreteModel with the model's named variables, constraints and objective.

    Returns the model; ``model._lp_cols`` (list of VarData in LP column order) and
    ``model._lp_rows`` (list of ConstraintData in LP row order) map it back to the LP.
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    lp = mod.lp
    m = pyo.ConcreteModel(name=str(mod.data.settings.get("case_name") or "case"))
    col_lower, col_upper, integer, row_lower, row_upper = lp.bounds()
    cols = [None] * lp.n_cols

    def bound(x):
        return None if not np.isfinite(x) else float(x)

    for name, v in lp.vars.items():
        j0 = v.start
        domain = pyo.Integers if v.n and integer[j0] else pyo.Reals
        if not v.index.dims:  # a variable without index (cvar_var)
            pv = pyo.Var(domain=domain, bounds=(bound(col_lower[j0]), bound(col_upper[j0])))
            setattr(m, name, pv)
            cols[j0] = pv
            continue
        keys = _keys(v.index)
        pos = {k: j0 + i for i, k in enumerate(keys)}
        pv = pyo.Var(keys, domain=domain, dense=True,
                     bounds=lambda _, *k, pos=pos: (bound(col_lower[pos[k if len(k) > 1 else k[0]]]),
                                                    bound(col_upper[pos[k if len(k) > 1 else k[0]]])))
        setattr(m, name, pv)
        for k, vd in zip(keys, pv.values()):
            cols[pos[k]] = vd
    start, index, value = lp.csr()
    index, value = index.tolist(), value.tolist()
    rows = [None] * lp.n_rows
    for name, con in lp.cons.items():
        keys = _keys(con.index)
        r0 = con.start
        exprs = {}
        for i, k in enumerate(keys):
            r = r0 + i
            a, b = int(start[r]), int(start[r + 1])
            body = LinearExpression(constant=0.0, linear_coefs=value[a:b], linear_vars=[cols[j] for j in index[a:b]])
            exprs[k] = (bound(row_lower[r]), body, bound(row_upper[r]))
        pc = pyo.Constraint(keys, rule=lambda _, *k, e=exprs: e[k if len(k) > 1 else k[0]])
        setattr(m, name, pc)
        for i, cd in enumerate(pc.values()):
            rows[r0 + i] = cd
    cost, offset = lp.objective
    nz = np.flatnonzero(cost)
    m.total_cost = pyo.Objective(expr=LinearExpression(constant=float(offset), linear_coefs=cost[nz].tolist(),
                                                       linear_vars=[cols[j] for j in nz.tolist()]),
                                 sense=pyo.minimize)
    # first_stage_cost: the discounted first-stage costs (mpi-sppy's first-stage objective)
    c = mod.info["costs"]
    first = c["w"] < 0
    term = first[c["key_of"]]
    fcost = np.bincount(c["cols"][term], weights=(c["coefs"] * c["discount"][c["key_of"]])[term], minlength=lp.n_cols)
    nz = np.flatnonzero(fcost)
    m.first_stage_cost = pyo.Expression(expr=LinearExpression(
        constant=float(np.dot(c["const"][first], c["discount"][first])), linear_coefs=fcost[nz].tolist(),
        linear_vars=[cols[j] for j in nz.tolist()]))
    m._lp_cols, m._lp_rows = cols, rows
    return m


def solve_pyomo(mod, log_file=None):
    """Solve the Pyomo model with HiGHS through Pyomo (pyomo.contrib.solver 'highs'); a
    SolveResult with values and duals in the LP's column and row order."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import TerminationCondition

    from model.backends.highs import SolveResult, highs_options

    t0 = time.perf_counter()
    m = to_pyomo(mod)
    build_s = time.perf_counter() - t0
    opt = SolverFactory("highs")
    options = highs_options(mod.data.settings, log_file)
    res = opt.solve(m, solver_options=options, raise_exception_on_nonoptimal_result=False, load_solutions=False)
    seconds = time.perf_counter() - t0
    if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
        raise ModelError(f"HiGHS (through Pyomo) ended with {res.termination_condition.name}; "
                         "solve with the default backend for an explanation.")
    res.solution_loader.load_vars()
    objective = float(res.incumbent_objective)
    integers = [v for v in m._lp_cols if not v.is_continuous()]
    if integers:  # duals of the LP with the integer decisions fixed at their values
        for v in integers:
            v.domain = pyo.Reals  # an LP, not a MIP with fixed columns
            v.fix(round(v.value))
        res = opt.solve(m, solver_options=options, raise_exception_on_nonoptimal_result=False,
                        load_solutions=False)
        res.solution_loader.load_vars()
        for v in integers:
            v.unfix()
            v.domain = pyo.Integers
    x = np.array([v.value if v.value is not None else 0.0 for v in m._lp_cols])
    duals = res.solution_loader.get_duals()
    row_dual = np.array([duals.get(c, 0.0) for c in m._lp_rows])
    return SolveResult(status="optimal", termination=res.termination_condition.name,
                       objective=objective, bound=None, mip_gap=None, is_mip=bool(integers),
                       solve_seconds=seconds, n_rows=mod.lp.n_rows, n_cols=mod.lp.n_cols,
                       handoff_seconds=build_s, x=x, row_dual=row_dual)
