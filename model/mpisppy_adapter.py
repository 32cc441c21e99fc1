"""The stochastic programme through mpi-sppy: progressive hedging across MPI processes.

The extensive form (model/build.py over all scenarios) is one LP that grows with the number of
scenarios. mpi-sppy decomposes it by scenario instead: ``scenario_creator`` builds the one-scenario
model of each scenario (model/build.py on ``scenario_data``: that scenario's disruptions,
probability 1, with the case's risk weight) and declares its first-stage variables
nonanticipative; progressive hedging (PH) then makes the scenarios agree on them.

First-stage (nonanticipative) variables: ``cap_new_cont``, ``n_modules``, ``stock_target``,
``contract_volume``, ``contract_signed``, ``substitution`` and, for soft capacity-basis
benchmarks, their ``shortfall_*_capacity``; with CVaR also zeta (``cvar_var``, through
``zeta_meur`` = zeta in million EUR).

CVaR (risk_weight lambda > 0, formulation §9). With one scenario of probability 1 the objective
block declares ``cvar_var`` and that scenario's own ``cvar_excess``/``cvar_tail`` row, so the
scenario objective is (1 + lambda) first stage + recourse_w + lambda (zeta + excess_w / (1 - alpha));
with zeta nonanticipative, sum_w p_w obj_w is the extensive form's objective
(``scenario_ef`` checks it).

Bounds that keep the optimum (model/mpisppy_bounds.py, formulation §9.1): every first-stage column
without a finite upper bound gets U / c_j (U the objective of one feasible plan, c_j the column's
cost in the extensive form) and zeta [0, U / lambda]; without them PH's weights W made scenario
subproblems unbounded (the failed solves). They go into the scenario models only.

Scale: the scenario objectives are in million EUR (``OBJ_SCALE``) and zeta is nonanticipative in
million EUR: PH's linearised proximal cuts on a variable of 1e9 EUR (x^2 ~ 1e18) were beyond
HiGHS' precision. The reported bound, incumbent and objectives are in EUR.

The one constraint of the extensive form that links scenarios other than through first-stage
variables is ``stock_coverage`` on an import basis: its row (one per material and year) reads the
imports of the nominal scenario. It is kept in the nominal scenario's model only, which is exactly
the extensive form's row (the stock target is nonanticipative).

Run::

    mpiexec -n 3 python -m model.mpisppy_adapter WORKBOOK      # PH hub + Lagrangian bound + xhat
    python -m model.mpisppy_adapter WORKBOOK                   # one process: PH, then the bounds
    python run.py WORKBOOK --method mpisppy                    # one process, with the result tables

With three or more MPI ranks (a multiple of 3) the hub runs PH and two spokes run a Lagrangian
lower bound (``LagrangianOuterBound``) and an incumbent (``XhatShuffleInnerBound``), through
mpi-sppy's ``WheelSpinner``; when the wheel stops the hub also evaluates x-bar. In one process PH
runs alone and, when it stops, the Lagrangian bound is computed with its last weights W and the
incumbent by fixing the first stage at the PH average (x-bar, integers rounded) and solving every
scenario; with CVaR the incumbent takes the best zeta for that plan (``objective_at``). Either way
the run prints the bound, the incumbent, the relative gap and the number of failed scenario
solves (mpi-sppy's "Solve failed for scenario" lines). Requires the optional extra ``mpi`` (pip
install -e ".[mpi]") and, for more than one process, an MPI library (e.g. Debian's openmpi-bin).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time

import numpy as np
import pyomo.environ as pyo

from model.data import NOMINAL, ModelData
from model.mpisppy_bounds import (  # noqa: F401  (plan_objective: part of this module's API)
    FIRST_STAGE_VARS,
    OBJ_SCALE,
    objective_at,
    ph_setup,
    plan_objective,
    risk_weight,
    scenario_names,
)

DEFAULT_SOLVER = "appsi_highs"


def available() -> tuple[bool, str]:
    """(True, "") when mpi-sppy and mpi4py import, else (False, why)."""
    try:
        import mpisppy  # noqa: F401
        from mpi4py import MPI  # noqa: F401  (fails when no MPI library is installed)
    except ImportError as exc:
        return False, f"{exc.name or exc} is not importable (pip install -e \".[mpi]\"; an MPI library)"
    except RuntimeError as exc:  # mpi4py found no MPI library
        return False, str(exc)
    return True, ""


def _nonants(m) -> list:
    out = []
    for name in FIRST_STAGE_VARS:
        var = getattr(m, name, None)
        if var is not None and len(var):
            out.append(var)
    for var in m.component_objects(pyo.Var, descend_into=True):
        if var.name.startswith("shortfall_") and var.name.endswith("_capacity") and len(var):
            out.append(var)
    if hasattr(m, "zeta_meur"):
        out.append(m.zeta_meur)  # zeta: one value for all scenarios, as in the extensive form
    return out


def scenario_model(data: ModelData, scenario: str, scale: float = OBJ_SCALE, zeta_bounds=(None, None),
                   first_stage_bounds: dict | None = None):
    """The one-scenario Pyomo model of ``scenario``, with mpi-sppy's root node attached.

    The model is built by model/build.py from ``scenario_data`` (the scenario alone, probability
    1) with the case's risk weight kept: the objective block then declares, for this one
    scenario, ``cvar_var`` (zeta) and its own ``cvar_excess``/``cvar_tail`` row, so the objective
    is (1 + lambda) first stage + recourse_w + lambda (zeta + excess_w / (1 - alpha)), and with
    zeta nonanticipative sum_w p_w obj_w is the extensive form's objective. The objective is
    divided by ``scale`` (million EUR); ``m._obj_scale`` holds it. ``zeta_bounds``: bounds on
    zeta that keep the optimum (``zeta_bounds()``); ``first_stage_bounds``: {(variable, key): upper
    bound} on first-stage columns that keep it (model/mpisppy_bounds.py), so that no subproblem is
    unbounded under PH's weights.
    """
    from mpisppy.utils import sputils
    from pyomo.core.expr.numeric_expr import LinearExpression

    from model.backends.pyomo import to_pyomo
    from model.build import build
    from model.stochastic import scenario_data

    one = scenario_data(data, scenario)
    lam = risk_weight(data)
    one.settings["risk_weight"] = lam  # scenario_data is risk neutral; CVaR is kept, per scenario
    b = build(one)
    m = to_pyomo(b)
    if scenario != NOMINAL and hasattr(m, "stock_coverage"):
        stock = data.table("stockpile")
        for idx, con in m.stock_coverage.items():
            if stock[idx[0]]["coverage_basis"] != "consumption":
                con.deactivate()  # the extensive form reads these imports in 'nominal' only
    m.name = scenario  # mpi-sppy names a scenario by its model
    _apply_bounds(b, m, first_stage_bounds or {})
    cost, offset = b.lp.objective
    cost = np.array(cost, dtype=float)
    if lam > 0:
        # zeta and the scenario's excess in million EUR, in a tail row in million EUR: PH's
        # linearised proximal term cuts at x^2, and at zeta ~ 1e9 EUR (x^2 ~ 1e18) HiGHS found its
        # cuts violated by 8192 (a failed solve); and in EUR their objective coefficients (lambda /
        # 1e6 = 5e-7, lambda / (1 - alpha) / 1e6 = 1e-5 in the million-EUR objective) were at
        # HiGHS' dual tolerance: 12 of 12 Lagrangian subproblems of the 12-scenario EU CVaR case
        # came back 'unbounded' (they are not: every column is bounded) or 'unknown'
        lo, hi = zeta_bounds
        info = b.info["cvar"]
        jz, je = info["var"].start, info["excess"].start
        m.zeta_meur = pyo.Var(bounds=(None if lo is None else lo / scale, None if hi is None else hi / scale))
        m.excess_meur = pyo.Var(bounds=(0, None))
        ((_, tail),) = m.cvar_tail.items()
        zeta, excess = m._lp_cols[jz], m._lp_cols[je]
        m.cvar_tail_meur = pyo.Constraint(
            expr=(tail.body + zeta + excess) / scale - m.zeta_meur - m.excess_meur <= pyo.value(tail.upper) / scale)
        tail.deactivate()
        zeta.fix(0.0)  # cvar_var and cvar_excess (EUR) are replaced by zeta_meur and excess_meur
        excess.fix(0.0)
        m._cvar_meur = (float(cost[jz]), float(cost[je]))
        cost[jz] = cost[je] = 0.0
    nz = np.flatnonzero(cost)
    m.total_cost.deactivate()
    expr = LinearExpression(constant=float(offset) / scale, linear_coefs=(cost[nz] / scale).tolist(),
                            linear_vars=[m._lp_cols[j] for j in nz.tolist()])
    if lam > 0:
        expr = expr + m._cvar_meur[0] * m.zeta_meur + m._cvar_meur[1] * m.excess_meur
    m.scaled_cost = pyo.Objective(expr=expr, sense=pyo.minimize)
    # the root node's cost: the first-stage terms of the objective (zeta's too, with CVaR)
    root = (1.0 + lam) / scale * m.first_stage_cost.expr
    if lam > 0:
        root = root + lam * m.zeta_meur
    m.root_cost = pyo.Expression(expr=root)
    sputils.attach_root_node(m, m.root_cost, _nonants(m))
    m._mpisppy_probability = data.probability[scenario]
    m._obj_scale = scale
    m._risk = (lam, float(data.settings.get("cvar_alpha") or 0.95))
    return m


def _apply_bounds(b, m, bounds: dict) -> None:
    """Set the upper bounds ``bounds`` {(variable, key): value} on the Pyomo columns of ``m``."""
    by_var = {}
    for (name, key), ub in bounds.items():
        by_var.setdefault(name, {})[key] = ub
    for name, ubs in by_var.items():
        v = b.lp.vars.get(name)
        if v is None:
            continue
        for i, key in enumerate(v.index.keys()):
            if key in ubs:
                col = m._lp_cols[v.start + i]
                col.setub(min(ubs[key], col.ub) if col.ub is not None else ubs[key])


def recourse_cost(m) -> float:
    """The solved scenario model's recourse cost in EUR (its scenario_cost: the objective less the
    first-stage terms and the CVaR terms)."""
    lam = m._risk[0]
    value = pyo.value(m.scaled_cost) * m._obj_scale - (1.0 + lam) * pyo.value(m.first_stage_cost)
    if lam > 0:
        value -= (m._cvar_meur[0] * pyo.value(m.zeta_meur) + m._cvar_meur[1] * pyo.value(m.excess_meur)) * m._obj_scale
    return value


_DATA_CACHE: dict = {}


def _data(workbook=None, data=None) -> ModelData:
    if data is not None:
        return data
    key = str(workbook)
    if key not in _DATA_CACHE:
        from model.validate import load

        _DATA_CACHE[key] = load(workbook)
    return _DATA_CACHE[key]


def scenario_creator(scenario_name: str, workbook=None, data: ModelData | None = None, zeta_bounds=(None, None),
                     first_stage_bounds: dict | None = None):
    """mpi-sppy's scenario creator: ``scenario_creator_kwargs`` = {"workbook": path} or {"data":
    ModelData}, ``zeta_bounds`` and ``first_stage_bounds``."""
    return scenario_model(_data(workbook, data), scenario_name, zeta_bounds=tuple(zeta_bounds),
                          first_stage_bounds=first_stage_bounds)


def scenario_denouement(rank, scenario_name, scenario):
    pass


# ---- extensive forms -------------------------------------------------------------------------------
def extensive_form(data: ModelData) -> dict:
    """Build and solve the extensive form with the project's HiGHS backend (with the case's risk
    weight): objective, seconds, size."""
    from model.backends.highs import solve
    from model.build import build

    t0 = time.perf_counter()
    b = build(data)
    sol, _ = solve(b)
    return {"objective": sol.objective, "seconds": time.perf_counter() - t0, "rows": sol.n_rows,
            "cols": sol.n_cols, "nnz": sol.n_nonzeros, "highs_s": sol.highs_seconds}


def scenario_ef(data: ModelData, solver: str = DEFAULT_SOLVER, zeta_bounds=(None, None),
                first_stage_bounds: dict | None = None) -> float:
    """The extensive form assembled by mpi-sppy from the scenario models (sputils.create_EF: every
    nonanticipative variable tied across the scenarios), solved; its objective in EUR. Equal to
    ``extensive_form`` when the scenario models decompose the project's model exactly."""
    from mpisppy.utils import sputils

    names = scenario_names(data)
    ef = sputils.create_EF(names, scenario_creator,
                           scenario_creator_kwargs={"data": data, "zeta_bounds": zeta_bounds,
                                                    "first_stage_bounds": first_stage_bounds})
    res = pyo.SolverFactory(solver).solve(ef)
    if str(res.solver.termination_condition) != "optimal":
        raise RuntimeError(f"the scenario models' extensive form ended {res.solver.termination_condition}")
    return pyo.value(ef.EF_Obj) * OBJ_SCALE


# ---- progressive hedging ---------------------------------------------------------------------------
FAILED = "Solve failed for scenario"  # what mpi-sppy prints for a scenario solve without a solution


class _FailCounter(io.TextIOBase):
    """Passes mpi-sppy's prints through and counts its failed-solve lines."""

    def __init__(self, out):
        self.out, self.failed, self.lines = out, 0, []

    def write(self, s):
        if FAILED in s:
            self.failed += s.count(FAILED)
            self.lines.append(s.strip())
        return self.out.write(s)

    def flush(self):
        self.out.flush()


def _options(solver, rho, max_iterations, rel_gap, time_limit) -> dict:
    # no 'threads' option: HiGHS has one task scheduler per process, and setting threads after an
    # earlier solve in the same process initialised it differently makes HiGHS refuse to run
    return {"solver_name": solver, "defaultPHrho": rho, "PHIterLimit": max_iterations,
            "convthresh": 1e-6, "verbose": False, "display_progress": False, "display_timing": False,
            "solver_options_layers": [],
            "time_limit": time_limit, "rel_gap": rel_gap,
            # HiGHS takes no quadratic objective with integer columns: PH's proximal term is
            # approximated by linear cuts (mpi-sppy's own option), for LPs and MIPs alike
            "linearize_proximal_terms": True, "linearize_binary_proximal_terms": True,
            "proximal_linearization_tolerance": 1e-1}


def _rho(scale: float, zeta_rho: float | None = None):
    """rho per nonanticipative variable: ``scale`` x the size of its coefficient in the root cost
    (cost-proportional rho, in the objective's units); variables without a cost there get
    ``scale`` x the smallest positive coefficient; zeta gets ``zeta_rho`` (``ph_setup``)."""
    def setter(scenario):
        from pyomo.repn import generate_standard_repn

        repn = generate_standard_repn(scenario.root_cost.expr, quadratic=False)
        cost = {id(v): abs(c) for v, c in zip(repn.linear_vars, repn.linear_coefs)}
        zeta = getattr(scenario, "zeta_meur", None)
        floor = min((c for i, c in cost.items() if c > 0 and (zeta is None or i != id(zeta))), default=1.0)
        out = []
        for node in scenario._mpisppy_node_list:
            for v in node.nonant_vardata_list:
                if zeta is not None and v is zeta and zeta_rho:
                    out.append((id(v), zeta_rho))
                else:
                    out.append((id(v), scale * max(floor, cost.get(id(v), 0.0))))
        return out
    return setter


# Integer first-stage variables (plants in modules, signed contracts): the Lagrangian bound is
# then not guaranteed. mpi-sppy's linearised proximal term of integer variables stayed in the
# bound's subproblems: on the example with modules and CVaR the bound exceeded the extensive
# form's optimum by 1.9 % (3 MPI processes); results carry ``integer_first_stage``. The EU case's
# first stage is continuous.


def _evaluate(ph, xhat) -> tuple[dict, float]:
    """The first stage fixed at ``xhat`` (integers rounded) in this rank's scenarios, each solved:
    ({scenario: recourse cost in EUR}, first-stage cost in EUR). The recourse cost does not depend
    on zeta (each scenario minimises it whatever zeta is)."""
    ph.disable_W_and_prox()
    ph._save_nonants()
    ph._fix_root_nonants(xhat)
    ph.solve_loop(solver_options={}, need_solution=True, gripe=True)
    recourse = {k: recourse_cost(s) for k, s in ph.local_scenarios.items()}
    fcost = pyo.value(next(iter(ph.local_scenarios.values())).first_stage_cost)
    ph._restore_nonants()
    return recourse, fcost


def _incumbent(ph, data: ModelData, xhat) -> tuple[float, float | None]:
    """(objective in EUR, zeta) of the first stage fixed at ``xhat`` in every scenario (one
    process): the plan's exact objective with the best zeta (``objective_at``)."""
    recourse, fcost = _evaluate(ph, xhat)
    lam, alpha = next(iter(ph.local_scenarios.values()))._risk
    return objective_at(fcost, recourse, data.probability, lam, alpha)


def _unsolved(ph) -> int:
    """Scenarios of this rank whose last solve left no bound (mpi-sppy keeps a failed scenario's
    previous bound; ``_lagrangian_pass`` sets -infinity before the pass)."""
    return sum(not np.isfinite(float(s._mpisppy_data.outer_bound)) for s in ph.local_scenarios.values())


def _lagrangian_pass(ph, **kwargs) -> int:
    """Solve this rank's scenarios with the current weights, a failed subproblem's bound counted as
    -infinity (so that ``Ebound`` is -infinity: no valid Lagrangian bound from these weights, rather
    than one holding the scenario's bound of an earlier pass); returns how many failed here."""
    for s in ph.local_scenarios.values():
        s._mpisppy_data.outer_bound = -float("inf")
    ph.solve_loop(solver_options=kwargs.pop("solver_options", {}), gripe=True,
                  **{"need_solution": False, **kwargs})
    return _unsolved(ph)


def run_ph_single(data: ModelData, solver=DEFAULT_SOLVER, rho=0.05, max_iterations=50, rel_gap=1e-3,
                  time_limit=3600.0) -> dict:
    """PH in this process, then the Lagrangian bound at its last W and the incumbent at x-bar."""
    from mpisppy.opt.ph import PH

    t0 = time.perf_counter()
    names = scenario_names(data)
    setup = ph_setup(data)
    bounds = setup["zeta_bounds"]
    opts = _options(solver, 1.0, max_iterations, rel_gap, time_limit)
    _robust_solves()
    retried = RETRIED["solves"]
    counter = _FailCounter(sys.stdout)
    with contextlib.redirect_stdout(counter):
        ph = PH(opts, names, scenario_creator, scenario_denouement,
                scenario_creator_kwargs={"data": data, "zeta_bounds": bounds,
                                         "first_stage_bounds": setup["first_stage_bounds"]},
                rho_setter=_rho(rho, setup["zeta_rho"]))
        conv, _, trivial = ph.ph_main(finalize=False)
        # Lagrangian bound with the final weights: W on, prox off. Every first-stage column is
        # bounded (model/mpisppy_bounds.py), so no subproblem should be unbounded; one that fails
        # anyway makes L(W) -infinity (``_lagrangian_pass``), and the bound is the trivial one
        # (each scenario alone, iteration 0)
        ph._disable_prox()
        before = counter.failed
        unsolved = _lagrangian_pass(ph)
        lagrangian = ph.Ebound(False) * OBJ_SCALE
        bound = max(trivial * OBJ_SCALE, lagrangian)
        first = next(iter(ph.local_scenarios.values()))
        xbar = np.array([first._mpisppy_model.xbars[k].value for k in first._mpisppy_data.nonant_indices])
        incumbent, zeta = _incumbent(ph, data, xbar)
    plan = {}
    for value, v in zip(xbar, first._mpisppy_data.nonant_indices.values()):
        if v.parent_component().name != "zeta_meur":
            value = round(value) if v.is_integer() or v.is_binary() else max(0.0, value) if v.lb == 0 else value
            plan.setdefault(v.parent_component().name, {})[v.index()] = float(value)
    gap = (incumbent - bound) / abs(incumbent) if incumbent else float("nan")
    return {"mode": "single process", "scenarios": len(names), "iterations": ph._PHIter,
            "risk_weight": risk_weight(data), "bound": bound, "trivial_bound": trivial * OBJ_SCALE,
            "incumbent": incumbent, "zeta": zeta, "zeta_bounds": bounds, "rel_gap": gap,
            "lagrangian": lagrangian, "lagrangian_unsolved": unsolved,
            "failed_solves_ph": before, "first_stage_bounds": len(setup["first_stage_bounds"]),
            "unbounded_columns": len(setup["unbounded"]),
            "integer_first_stage": any(not v.is_continuous() for v in first._mpisppy_data.nonant_indices.values()),
            "failed_solves": counter.failed, "retried_solves": RETRIED["solves"] - retried,
            "seconds": time.perf_counter() - t0, "conv": conv, "plan": plan}


SPOKE_PAUSE_S = 0.01
RETRIED = {"solves": 0}  # further runs of failed scenario solves (this process)


PRESOLVE_RETRIES = ("off", "on")  # HiGHS' presolve in the second and third run of a failed solve


FRESH_TRIES = ({"solver": "ipm"}, {}, {"presolve": "off"})  # HiGHS options of the new instances


def _fresh_solve(s) -> bool:
    """The last tries for a scenario model ``s`` whose solves failed: new HiGHS instances (nothing
    kept from the failed runs), by interior point with crossover (when the model has no integer
    column), then cold with HiGHS' defaults, then cold without presolve (``FRESH_TRIES``). On
    success the solution is loaded and mpi-sppy's bounds of the scenario are set as its own solve
    would set them."""
    integer = any(not v.is_continuous() for v in s.component_data_objects(pyo.Var, active=True))
    for options in FRESH_TRIES:
        if integer and options.get("solver") == "ipm":
            continue
        opt = pyo.SolverFactory(DEFAULT_SOLVER)
        for key, value in options.items():
            opt.options[key] = value
        try:
            res = opt.solve(s, load_solutions=False)
        except Exception:  # noqa: BLE001, S112  (a solver error is a failed try)
            continue
        if str(res.solver.termination_condition) != "optimal":
            continue
        opt.load_vars()
        s._mpisppy_data.outer_bound = res.problem.lower_bound
        s._mpisppy_data.inner_bound = res.problem.upper_bound
        s._mpisppy_data.solution_available = True
        return True
    return False


def _robust_solves() -> None:
    """A scenario solve of mpi-sppy (PH, the Lagrangian pass, the spokes, the incumbent) that ends
    without a solution is run again, with HiGHS' presolve off, then on (``PRESOLVE_RETRIES``),
    before it counts as failed. On the 12-scenario EU CVaR case (3 PH iterations and the final
    Lagrangian pass, ``bench/decomposition.py cvar 12 3 1``) HiGHS with its default presolve
    called 11 of 12 Lagrangian subproblems unbounded although every column is bounded (the same
    models without presolve: optimal); with presolve off first, 13 runs failed and all 13 solved
    with presolve on; with the default first and presolve off second, 2 failed twice. Each retry
    starts from where the failed run left the solver. mpi-sppy prints 'Solve failed' (counted by
    ``_FailCounter``) only when the last run fails too; ``RETRIED`` counts the further runs. The
    110-scenario case (``bench/decomposition.py cvar 110 3 1``) still had 12 solves that failed
    all three runs (152 further runs in all); with a new HiGHS instance by interior point as a
    fourth run, 1 (164 further runs); the last tries are now new instances by interior point, cold
    with the defaults and cold without presolve (``_fresh_solve``)."""
    from mpisppy.spopt import SPOpt

    if getattr(SPOpt.solve_one, "_robust", False):
        return
    solve = SPOpt.solve_one

    def robust(self, solver_options, k, s, *args, gripe=False, **kwargs):
        options = s._solver_plugin.options
        seconds = solve(self, solver_options, k, s, *args, gripe=False, **kwargs)
        try:
            for presolve in PRESOLVE_RETRIES:
                if getattr(s._mpisppy_data, "solution_available", False):
                    break
                RETRIED["solves"] += 1
                options["presolve"] = presolve
                seconds += solve(self, solver_options, k, s, *args, gripe=False, **kwargs)
        finally:
            options["presolve"] = "choose"
        if not getattr(s._mpisppy_data, "solution_available", False):
            RETRIED["solves"] += 1
            if not _fresh_solve(s) and gripe:
                print(f"[{self._get_cylinder_name()}] {FAILED} {s.name} (after {len(PRESOLVE_RETRIES)} "
                      f"further runs and {len(FRESH_TRIES)} new solver instances)")
        return seconds

    robust._robust = True
    SPOpt.solve_one = robust


def _pace_spokes() -> None:
    """The spokes poll the hub's one-sided MPI window for its kill signal in a tight loop, each
    time under a shared lock; the hub needs the exclusive lock to publish its x-bar and W. With more
    processes than free cores the hub waited minutes per iteration for it (py-spy: the hub in
    ``SPWindow.put``, both spokes in ``SPWindow.get``). A pause of ``SPOKE_PAUSE_S`` before each
    poll lets the hub take the lock; it is nothing against a spoke's scenario solves."""
    from mpisppy.cylinders.spoke import Spoke

    if getattr(Spoke.got_kill_signal, "_paced", False):
        return
    poll = Spoke.got_kill_signal

    def paced(self):
        time.sleep(SPOKE_PAUSE_S)
        return poll(self)

    paced._paced = True
    Spoke.got_kill_signal = paced


def _guard_lagrangian() -> None:
    """The Lagrangian spoke's bound is sum_w p_w (each scenario's bound); mpi-sppy keeps a scenario's
    bound of an earlier pass when its solve fails, so a bound with a failed subproblem would look
    valid. Before each pass every scenario's bound is set to -infinity: a failed subproblem makes
    the pass's bound -infinity, which the hub ignores (it keeps the best bound so far)."""
    from mpisppy.cylinders.lagrangian_bounder import _LagrangianMixin

    if getattr(_LagrangianMixin.lagrangian, "_guarded", False):
        return
    solve = _LagrangianMixin.lagrangian

    def guarded(self, *args, **kwargs):
        for s in self.opt.local_scenarios.values():
            s._mpisppy_data.outer_bound = -float("inf")
        return solve(self, *args, **kwargs)

    guarded._guarded = True
    _LagrangianMixin.lagrangian = guarded


def run_ph_mpi(data_or_workbook, solver=DEFAULT_SOLVER, rho=0.05, max_iterations=50, rel_gap=1e-3,
               time_limit=3600.0) -> dict | None:
    """PH hub, Lagrangian spoke and xhat-shuffle spoke on the MPI ranks (a multiple of 3); when the
    wheel stops, the hub also evaluates x-bar exactly (``_incumbent``: with CVaR, the best zeta for
    that plan), and the better of the two incumbents is reported.

    Returns the result dict on rank 0 and None on the others.
    """
    from mpi4py import MPI
    from mpisppy.cylinders.hub import Hub
    from mpisppy.spin_the_wheel import WheelSpinner
    from mpisppy.utils import cfg_vanilla as vanilla
    from mpisppy.utils import config

    comm = MPI.COMM_WORLD
    t0 = time.perf_counter()
    if isinstance(data_or_workbook, ModelData):
        data, kwargs = data_or_workbook, {"data": data_or_workbook}
    else:
        data, kwargs = _data(data_or_workbook), {"workbook": str(data_or_workbook)}
    names = scenario_names(data)
    setup = comm.bcast(ph_setup(data) if comm.Get_rank() == 0 else None, root=0)
    kwargs["zeta_bounds"] = setup["zeta_bounds"]
    kwargs["first_stage_bounds"] = setup["first_stage_bounds"]
    cfg = config.Config()
    cfg.popular_args()
    cfg.two_sided_args()
    cfg.ph_args()
    cfg.lagrangian_args()
    cfg.xhatshuffle_args()
    cfg.solver_name = solver
    cfg.default_rho = 1.0
    cfg.max_iterations = max_iterations
    cfg.rel_gap = rel_gap
    cfg.abs_gap = 0.0
    cfg.time_limit = time_limit
    # no 'threads' option (max_solver_threads): after any earlier HiGHS run in the process (here
    # ph_setup's on rank 0) HiGHS refuses to run with another thread count, and appsi reports
    # status unknown: every scenario solve of the hub failed ("Solve failed ... status unknown")
    cfg.max_solver_threads = None
    cfg.lagrangian = True
    cfg.xhatshuffle = True
    cfg.linearize_proximal_terms = True  # HiGHS: no quadratic objective with integer columns
    cfg.linearize_binary_proximal_terms = True
    cfg.proximal_linearization_tolerance = 1e-1
    _pace_spokes()
    _guard_lagrangian()
    _robust_solves()
    beans = (cfg, scenario_creator, scenario_denouement, names)
    rho_setter = _rho(rho, setup["zeta_rho"])
    counter = _FailCounter(sys.stdout)
    with contextlib.redirect_stdout(counter):
        hub = vanilla.ph_hub(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter)
        spokes = [vanilla.lagrangian_spoke(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter),
                  vanilla.xhatshuffle_spoke(*beans, scenario_creator_kwargs=kwargs)]
        wheel = WheelSpinner(hub, spokes)
        wheel.spin()
        xbar_incumbent, zeta, integer = None, None, None
        if isinstance(wheel.spcomm, Hub):  # the hub's ranks: x-bar, evaluated exactly
            ph = wheel.spcomm.opt
            first = next(iter(ph.local_scenarios.values()))
            integer = any(not v.is_continuous() for v in first._mpisppy_data.nonant_indices.values())
            xbar = np.array([first._mpisppy_model.xbars[k].value for k in first._mpisppy_data.nonant_indices])
            recourse, fcost = _evaluate(ph, xbar)
            merged = {}
            for part in ph.mpicomm.allgather(recourse):
                merged.update(part)
            lam, alpha = first._risk
            xbar_incumbent, zeta = objective_at(fcost, merged, data.probability, lam, alpha)
    failed = comm.allreduce(counter.failed, op=MPI.SUM)
    retried = comm.allreduce(RETRIED["solves"], op=MPI.SUM)
    iterations = comm.bcast(getattr(wheel.spcomm.opt, "_PHIter", None) if comm.Get_rank() == 0 else None, root=0)
    if comm.Get_rank() != 0:
        return None
    inner, outer = wheel.BestInnerBound * OBJ_SCALE, wheel.BestOuterBound * OBJ_SCALE
    incumbent = min(inner, xbar_incumbent) if xbar_incumbent is not None else inner
    gap = (incumbent - outer) / abs(incumbent) if incumbent and abs(incumbent) != float("inf") else float("nan")
    return {"mode": f"MPI, {comm.Get_size()} ranks", "scenarios": len(names), "iterations": iterations,
            "risk_weight": risk_weight(data), "bound": outer, "incumbent": incumbent,
            "integer_first_stage": integer,
            "xhat_shuffle_incumbent": inner, "xbar_incumbent": xbar_incumbent, "zeta": zeta,
            "zeta_bounds": setup["zeta_bounds"], "rel_gap": gap, "failed_solves": failed, "retried_solves": retried,
            "first_stage_bounds": len(setup["first_stage_bounds"]), "unbounded_columns": len(setup["unbounded"]),
            "seconds": time.perf_counter() - t0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Solve a workbook's stochastic programme with mpi-sppy "
                                             "(progressive hedging, Lagrangian bound, incumbent).")
    ap.add_argument("workbook")
    ap.add_argument("--solver", default=DEFAULT_SOLVER)
    ap.add_argument("--rho", type=float, default=0.05,
                    help="PH penalty as a multiple of each first-stage variable's cost coefficient")
    ap.add_argument("--max-iterations", type=int, default=50)
    ap.add_argument("--rel-gap", type=float, default=1e-3, help="stop when (incumbent - bound) / incumbent is below")
    ap.add_argument("--time-limit", type=float, default=3600.0)
    ap.add_argument("--ef", action="store_true", help="also solve the extensive form and compare")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON line")
    a = ap.parse_args(argv)
    ok, why = available()
    if not ok:
        print(f"mpi-sppy is not available: {why}", file=sys.stderr)
        return 2
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    kw = {"solver": a.solver, "rho": a.rho, "max_iterations": a.max_iterations, "rel_gap": a.rel_gap,
              "time_limit": a.time_limit}
    if comm.Get_size() == 1:
        res = run_ph_single(_data(a.workbook), **kw)
    else:
        if comm.Get_size() % 3:
            if comm.Get_rank() == 0:
                print("run with a multiple of 3 MPI processes (hub, Lagrangian bound, incumbent)",
                      file=sys.stderr)
            return 2
        res = run_ph_mpi(a.workbook, **kw)
    if res is None:
        return 0
    import resource

    res["peak_rss_bytes_rank0"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if a.ef:
        res["ef"] = extensive_form(_data(a.workbook))
    res.pop("plan", None)  # keyed by tuples: for --method mpisppy (model/analysis/decompose.py), not JSON
    if a.json:
        print(json.dumps(res, default=float))
    else:
        print(f"mpi-sppy PH ({res['mode']}), {res['scenarios']} scenarios, {res['iterations']} iterations, "
              f"{res['seconds']:.1f} s")
        print(f"  bound (Lagrangian): {res['bound']:,.0f} EUR")
        print(f"  incumbent:          {res['incumbent']:,.0f} EUR")
        print(f"  gap:                {res['rel_gap']:.3%}")
        print(f"  failed solves:      {res['failed_solves']} ({res.get('retried_solves', 0)} further runs of "
              "solves that failed first)")
        if res.get("integer_first_stage"):
            print("  note: integer first-stage variables: the Lagrangian bound is not guaranteed "
                  "(docs/decomposition.md)")
        if res.get("risk_weight"):
            print(f"  CVaR: lambda {res['risk_weight']:g}, zeta at the incumbent {res['zeta']:,.0f} EUR")
        if "ef" in res:
            print(f"  extensive form:     {res['ef']['objective']:,.0f} EUR ({res['ef']['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
