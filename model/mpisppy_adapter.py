"""The stochastic programme through mpi-sppy: progressive hedging across MPI processes.

The extensive form (model/build.py over all scenarios) is one LP that grows with the number of
scenarios. mpi-sppy decomposes it by scenario instead: ``scenario_creator`` builds the one-scenario
model of each scenario (the deterministic model with that scenario's disruption data, probability
1, risk neutral: ``model.stochastic.scenario_data``) and declares its first-stage variables
nonanticipative; progressive hedging (PH) then makes the scenarios agree on them.

First-stage (nonanticipative) variables: ``cap_new_cont``, ``n_modules``, ``stock_target``,
``contract_volume``, ``contract_signed`` and, for soft capacity-basis benchmarks, their
``shortfall_*_capacity`` (first-stage too, though fixed by the capacity). The root node's cost is
``first_stage_cost``. Each scenario model's objective is first-stage cost + that scenario's
recourse cost, so sum_w p_w obj_w is the extensive form's (risk-neutral) objective.

The one constraint of the extensive form that links scenarios other than through first-stage
variables is ``stock_coverage`` on an import basis: its row (one per material and year) reads the
imports of the nominal scenario. It is kept in the nominal scenario's model only, which is exactly
the extensive form's row (the stock target is nonanticipative). CVaR (risk_weight > 0) does not
decompose by scenario: the adapter solves the risk-neutral programme and says so.

Run::

    mpiexec -n 3 python -m model.mpisppy_adapter WORKBOOK      # PH hub + Lagrangian bound + xhat
    python -m model.mpisppy_adapter WORKBOOK                   # one process: PH, then the bounds

With three or more MPI ranks (a multiple of 3) the hub runs PH and two spokes run a Lagrangian
lower bound (``LagrangianOuterBound``) and an incumbent (``XhatShuffleInnerBound``), through
mpi-sppy's ``WheelSpinner``. In one process PH runs alone and, when it stops, the Lagrangian bound
is computed with its last weights W and the incumbent by fixing the first stage at the PH average
(x-bar, integers rounded) and solving every scenario. Either way the run prints the bound, the
incumbent and the relative gap. Requires the optional extra ``mpi`` (pip install -e ".[mpi]") and,
for more than one process, an MPI library (e.g. Debian's openmpi-bin).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import pyomo.environ as pyo

from model.data import NOMINAL, ModelData

FIRST_STAGE_VARS = ("cap_new_cont", "n_modules", "stock_target", "contract_volume", "contract_signed", "substitution")
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


def scenario_names(data: ModelData) -> list[str]:
    """Scenarios with a positive probability (mpi-sppy weighs by probability; p = 0 adds nothing)."""
    return [w for w, p in data.probability.items() if p > 0]


def _nonants(m) -> list:
    out = []
    for name in FIRST_STAGE_VARS:
        var = getattr(m, name, None)
        if var is not None and len(var):
            out.append(var)
    for var in m.component_objects(pyo.Var, descend_into=True):
        if var.name.startswith("shortfall_") and var.name.endswith("_capacity") and len(var):
            out.append(var)
    return out


def scenario_model(data: ModelData, scenario: str):
    """The one-scenario Pyomo model of ``scenario``, with mpi-sppy's root node attached."""
    from mpisppy.utils import sputils

    from model.build import build
    from model.stochastic import scenario_data

    from model.backends.pyomo import to_pyomo

    one = scenario_data(data, scenario)
    b = build(one)
    m = to_pyomo(b)
    if scenario != NOMINAL and hasattr(m, "stock_coverage"):
        stock = data.table("stockpile")
        for idx, con in m.stock_coverage.items():
            if stock[idx[0]]["coverage_basis"] != "consumption":
                con.deactivate()  # the extensive form reads these imports in 'nominal' only
    sputils.attach_root_node(m, m.first_stage_cost, _nonants(m))
    m._mpisppy_probability = data.probability[scenario]
    m._crm_builder = b
    return m


_DATA_CACHE: dict = {}


def _data(workbook=None, data=None) -> ModelData:
    if data is not None:
        return data
    key = str(workbook)
    if key not in _DATA_CACHE:
        from model.stochastic import risk_neutral
        from model.validate import load

        _DATA_CACHE[key] = risk_neutral(load(workbook))
    return _DATA_CACHE[key]


def scenario_creator(scenario_name: str, workbook=None, data: ModelData | None = None):
    """mpi-sppy's scenario creator: ``scenario_creator_kwargs`` = {"workbook": path} or {"data": ModelData}."""
    return scenario_model(_data(workbook, data), scenario_name)


def scenario_denouement(rank, scenario_name, scenario):
    pass


# ---- extensive form (the project's own model) -----------------------------------------------------
def extensive_form(data: ModelData) -> dict:
    """Build and solve the extensive form with the project's HiGHS backend: objective, seconds, size."""
    from model.backends.highs import solve
    from model.build import build
    from model.stochastic import risk_neutral

    t0 = time.perf_counter()
    b = build(risk_neutral(data))
    sol, _ = solve(b)
    return {"objective": sol.objective, "seconds": time.perf_counter() - t0, "rows": sol.n_rows,
            "cols": sol.n_cols, "nnz": sol.n_nonzeros, "highs_s": sol.highs_seconds}


# ---- progressive hedging ---------------------------------------------------------------------------
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


def _rho(data: ModelData, scale: float):
    """rho per nonanticipative variable: ``scale`` x the size of its cost coefficient (cost-proportional rho)."""
    def setter(scenario):
        from pyomo.repn import generate_standard_repn

        repn = generate_standard_repn(scenario.first_stage_cost.expr, quadratic=False)
        cost = {id(v): abs(c) for v, c in zip(repn.linear_vars, repn.linear_coefs)}
        out = []
        for node in scenario._mpisppy_node_list:
            for v in node.nonant_vardata_list:
                out.append((id(v), max(1.0, scale * cost.get(id(v), 1.0))))
        return out
    return setter


def run_ph_single(data: ModelData, solver=DEFAULT_SOLVER, rho=0.05, max_iterations=50, rel_gap=1e-3,
                  time_limit=3600.0) -> dict:
    """PH in this process, then the Lagrangian bound at its last W and the x-bar incumbent."""
    from mpisppy.opt.ph import PH

    t0 = time.perf_counter()
    names = scenario_names(data)
    opts = _options(solver, 1.0, max_iterations, rel_gap, time_limit)
    ph = PH(opts, names, scenario_creator, scenario_denouement,
            scenario_creator_kwargs={"data": data}, rho_setter=_rho(data, rho))
    conv, _, trivial = ph.ph_main(finalize=False)
    # Lagrangian bound with the final weights: W on, prox off
    ph._disable_prox()
    ph.solve_loop(solver_options={}, need_solution=True)
    lagrangian = ph.Ebound(False)
    bound = max(trivial, lagrangian)
    # incumbent: the first stage fixed at x-bar (integers rounded), every scenario solved
    import numpy as np

    first = next(iter(ph.local_scenarios.values()))
    xbar = np.array([first._mpisppy_model.xbars[k].value for k in first._mpisppy_data.nonant_indices])
    ph.disable_W_and_prox()
    ph._save_nonants()
    ph._fix_root_nonants(xbar)
    ph.solve_loop(solver_options={}, need_solution=True)
    incumbent = ph.Eobjective(False)
    ph._restore_nonants()
    gap = (incumbent - bound) / abs(incumbent) if incumbent else float("nan")
    return {"mode": "single process", "scenarios": len(names), "iterations": ph._PHIter,
            "bound": bound, "trivial_bound": trivial, "incumbent": incumbent, "rel_gap": gap,
            "seconds": time.perf_counter() - t0, "conv": conv}


def run_ph_mpi(data_or_workbook, solver=DEFAULT_SOLVER, rho=0.05, max_iterations=50, rel_gap=1e-3,
               time_limit=3600.0) -> dict | None:
    """PH hub, Lagrangian spoke and xhat-shuffle spoke on the MPI ranks (a multiple of 3).

    Returns the result dict on rank 0 and None on the others.
    """
    from mpi4py import MPI
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
    cfg.max_solver_threads = 1
    cfg.lagrangian = True
    cfg.xhatshuffle = True
    cfg.linearize_proximal_terms = True  # HiGHS: no quadratic objective with integer columns
    cfg.linearize_binary_proximal_terms = True
    cfg.proximal_linearization_tolerance = 1e-1
    beans = (cfg, scenario_creator, scenario_denouement, names)
    rho_setter = _rho(data, rho)
    hub = vanilla.ph_hub(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter)
    spokes = [vanilla.lagrangian_spoke(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter),
              vanilla.xhatshuffle_spoke(*beans, scenario_creator_kwargs=kwargs)]
    wheel = WheelSpinner(hub, spokes)
    wheel.spin()
    if comm.Get_rank() != 0:
        return None
    inner, outer = wheel.BestInnerBound, wheel.BestOuterBound
    gap = (inner - outer) / abs(inner) if inner not in (None, 0) and abs(inner) != float("inf") else float("nan")
    return {"mode": f"MPI, {comm.Get_size()} ranks", "scenarios": len(names),
            "iterations": getattr(wheel.spcomm.opt, "_PHIter", None), "bound": outer,
            "incumbent": inner, "rel_gap": gap, "seconds": time.perf_counter() - t0}


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
    kw = dict(solver=a.solver, rho=a.rho, max_iterations=a.max_iterations, rel_gap=a.rel_gap,
              time_limit=a.time_limit)
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
    if a.json:
        print(json.dumps(res, default=float))
    else:
        print(f"mpi-sppy PH ({res['mode']}), {res['scenarios']} scenarios, {res['iterations']} iterations, "
              f"{res['seconds']:.1f} s")
        print(f"  bound (Lagrangian): {res['bound']:,.0f} EUR")
        print(f"  incumbent:          {res['incumbent']:,.0f} EUR")
        print(f"  gap:                {res['rel_gap']:.3%}")
        if "ef" in res:
            print(f"  extensive form:     {res['ef']['objective']:,.0f} EUR ({res['ef']['seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
