"""Solve layer: owns HiGHS options, termination handling, and the duals of a MIP.

Non-optimal is never silent: infeasible, unbounded and failed solves raise ModelError with a
message in the user's terms. A MIP's shadow prices come from re-solving the LP with the integer
decisions fixed at their optimal values.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from model.errors import ModelError


@dataclass
class SolveResult:
    status: str
    termination: str
    objective: float
    bound: float | None
    mip_gap: float | None
    is_mip: bool
    solve_seconds: float
    dual_seconds: float = 0.0
    duals: dict = field(default_factory=dict)
    n_rows: int = 0
    n_cols: int = 0
    n_integer: int = 0
    warnings: list = field(default_factory=list)


def _solver(settings: dict, log_file=None):
    opt = SolverFactory("highs")
    opts = {"mip_rel_gap": float(settings["mip_gap"]), "random_seed": 0}
    if settings.get("threads"):
        opts["threads"] = int(settings["threads"])
    if log_file is not None:
        opts["log_file"] = str(log_file)
    return opt, dict(time_limit=float(settings["time_limit"]), solver_options=opts,
                     load_solutions=False, raise_exception_on_nonoptimal_result=False)


def _count(model) -> tuple[int, int, int]:
    rows = sum(len(c) for c in model.component_objects(pyo.Constraint, active=True))
    cols = ints = 0
    for v in model.component_data_objects(pyo.Var, active=True):
        if v.fixed:
            continue
        cols += 1
        ints += 0 if v.is_continuous() else 1
    return rows, cols, ints


def solve(builder, log_file=None) -> SolveResult:
    m = builder.m
    settings = builder.data.settings
    opt, kw = _solver(settings, log_file)
    is_mip = any(not v.fixed for var in builder.integer_vars for v in var.values())
    n_rows, n_cols, n_int = _count(m)
    t0 = time.perf_counter()
    res = opt.solve(m, **kw)
    seconds = time.perf_counter() - t0
    tc = res.termination_condition
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible,
              TerminationCondition.infeasibleOrUnbounded) and not is_mip:
        from model.explain import explain

        raise ModelError(explain(builder, opt))
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
        raise ModelError(_explain_mip(builder, settings))
    if tc in (TerminationCondition.unbounded, TerminationCondition.infeasibleOrUnbounded):
        raise ModelError("The model is unbounded or infeasible: check for a negative cost or a "
                         "missing bound.")
    if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
        raise ModelError(f"HiGHS found no solution ({tc.name}) within the time limit of "
                         f"{settings['time_limit']:g} s; raise time_limit in the settings sheet.")
    res.solution_loader.load_vars()
    objective = float(res.incumbent_objective)
    bound = res.objective_bound if res.objective_bound is not None else None
    gap = None
    if is_mip and bound is not None and objective:
        gap = abs(objective - bound) / max(1e-9, abs(objective))
    status = "optimal" if res.solution_status == SolutionStatus.optimal else "feasible (limit reached)"
    out = SolveResult(status=status, termination=tc.name, objective=objective, bound=bound,
                      mip_gap=gap, is_mip=is_mip, solve_seconds=seconds, n_rows=n_rows,
                      n_cols=n_cols, n_integer=n_int)
    from model.numerics import diagnose

    out.warnings = diagnose(getattr(opt, "_solver_model", None)) if hasattr(opt, "_solver_model") else []
    t1 = time.perf_counter()
    out.duals = _duals(builder, opt, kw, res, is_mip)
    out.dual_seconds = time.perf_counter() - t1
    return out


def _explain_mip(builder, settings) -> str:
    """A MIP is infeasible: explain its LP relaxation if that is infeasible too."""
    from model.explain import explain

    m = builder.m
    relaxed = []
    for var in builder.integer_vars:
        for v in var.values():
            relaxed.append((v, v.domain))
            v.domain = pyo.NonNegativeReals if v.lb is None or v.lb >= 0 else pyo.Reals
            if v.ub is None and domain_is_binary(relaxed[-1][1]):
                v.setub(1)
    opt, kw = _solver(settings)
    try:
        res = opt.solve(m, **kw)
        if res.termination_condition in (TerminationCondition.provenInfeasible,
                                         TerminationCondition.infeasibleOrUnbounded):
            return explain(builder, opt)
    finally:
        for v, domain in relaxed:
            v.domain = domain
    return ("The model is infeasible only because plant sizes, contract minimums or volume tiers "
            "must be whole: with them relaxed it is feasible. Check module_size against the "
            "benchmarks and build limits, or make the benchmarks soft.")


def domain_is_binary(domain) -> bool:
    return domain is pyo.Binary


def _duals(builder, opt, kw, res, is_mip) -> dict:
    """Duals of every constraint; for a MIP, from the LP with integers fixed at their values."""
    if not is_mip and not builder.integer_vars:
        return res.solution_loader.get_duals()
    m = builder.m
    fixed = []
    for var in builder.integer_vars:
        for v in var.values():
            fixed.append((v, v.domain, v.fixed))
            value = round(v.value if v.value is not None else 0.0)
            v.domain = pyo.Reals  # so that HiGHS sees an LP, not a MIP with fixed columns
            v.fix(value)
    try:
        lp = opt.solve(m, **kw)
        if lp.solution_status != SolutionStatus.optimal:
            raise ModelError("The LP with the integer builds fixed did not solve to optimality; "
                             "shadow prices are not available.")
        lp.solution_loader.load_vars()
        return lp.solution_loader.get_duals()
    finally:
        for v, domain, was_fixed in fixed:
            if not was_fixed:
                v.unfix()
            v.domain = domain
