"""The HiGHS backend: the LP (model/lp.py) passed to highspy in one call, solved, read back.

Owns HiGHS options (time limit, gap, threads, log file), termination handling (non-optimal is
never silent: infeasible runs are explained from HiGHS' IIS by model/explain.py), and the duals of
a MIP (the LP re-solved with the integer columns fixed at their optimal values). ``HighsLP`` also
serves warm re-solves: row bounds, costs and column bounds are changed in place and HiGHS starts
from the previous basis.
"""
from __future__ import annotations

import enum
import os
import time
from dataclasses import dataclass, field

import numpy as np

from model.errors import ModelError
from model.numerics import scaling_warnings, solution_warnings


def _highspy():
    import highspy

    return highspy


class Status(enum.Enum):
    optimal = "optimal"
    infeasible = "infeasible"
    unbounded = "unbounded"
    infeasible_or_unbounded = "infeasible or unbounded"
    time_limit = "time limit"
    iteration_limit = "iteration limit"
    objective_limit = "objective limit"
    error = "error"
    unknown = "unknown"


_STATUS = {
    "kOptimal": Status.optimal, "kInfeasible": Status.infeasible, "kUnbounded": Status.unbounded,
    "kUnboundedOrInfeasible": Status.infeasible_or_unbounded, "kTimeLimit": Status.time_limit,
    "kIterationLimit": Status.iteration_limit, "kSolutionLimit": Status.iteration_limit,
    "kObjectiveBound": Status.objective_limit, "kObjectiveTarget": Status.objective_limit,
    "kLoadError": Status.error, "kModelError": Status.error, "kPresolveError": Status.error,
    "kSolveError": Status.error, "kPostsolveError": Status.error,
}


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
    n_rows: int = 0
    n_cols: int = 0
    n_integer: int = 0
    n_nonzeros: int = 0
    warnings: list = field(default_factory=list)
    handoff_seconds: float = 0.0  # the matrix built and passed to HiGHS
    highs_seconds: float = 0.0  # HiGHS' own run time
    x: np.ndarray | None = None  # column values
    row_dual: np.ndarray | None = None  # row duals (of the LP with integers fixed, for a MIP)
    row_value: np.ndarray | None = None  # row activities


def highs_options(settings: dict, log_file=None) -> dict:
    opts = {"mip_rel_gap": float(settings["mip_gap"]), "random_seed": 0,
            "time_limit": float(settings["time_limit"])}
    if settings.get("threads"):
        opts["threads"] = int(settings["threads"])
    if log_file is not None:
        opts["log_file"] = str(log_file)
    return opts


class HighsLP:
    """One LP in a ``highspy.Highs``: solve, read values and duals, change numbers in place."""

    def __init__(self, lp):
        hs = _highspy()
        t0 = time.perf_counter()
        self.lp = lp
        col_lower, col_upper, integrality, row_lower, row_upper = lp.bounds()
        start, index, value = lp.csr()
        cost, offset = lp.objective
        self.cost = np.asarray(cost, float).copy()
        self.offset = float(offset)
        self.col_lower, self.col_upper = col_lower.copy(), col_upper.copy()
        self.row_lower, self.row_upper = row_lower.copy(), row_upper.copy()
        self.integrality = integrality
        self.integer_cols = np.flatnonzero(integrality).astype(np.int32)
        self.n_nonzeros = int(len(value))
        devnull = os.open(os.devnull, os.O_WRONLY)  # highspy prints a banner when created
        saved = os.dup(1)
        try:
            os.dup2(devnull, 1)
            h = hs.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        h.setOptionValue("log_to_console", False)
        status = h.passModel(lp.n_cols, lp.n_rows, len(value), int(hs.MatrixFormat.kRowwise),
                             int(hs.ObjSense.kMinimize), self.offset, self.cost, self.col_lower, self.col_upper,
                             self.row_lower, self.row_upper, start[:-1].astype(np.int32), index.astype(np.int32),
                             value, integrality)
        if status == hs.HighsStatus.kError:
            raise ModelError("HiGHS rejected the model (see the HiGHS log).")
        self.highs = h
        self.run_seconds = 0.0
        self.model_warnings = scaling_warnings(value, self.cost, self.row_lower, self.row_upper)
        self.handoff_seconds = time.perf_counter() - t0

    def set_options(self, options: dict) -> None:
        for key, val in options.items():
            self.highs.setOptionValue(key, val)

    def run(self) -> Status:
        t0 = time.perf_counter()
        self.highs.run()
        self.run_seconds = time.perf_counter() - t0
        return _STATUS.get(self.highs.getModelStatus().name, Status.unknown)

    def has_solution(self) -> bool:
        return self.highs.getInfo().primal_solution_status == 2

    def optimal(self) -> bool:
        return self.highs.getModelStatus() == _highspy().HighsModelStatus.kOptimal

    def objective_value(self) -> float:
        return float(self.highs.getInfo().objective_function_value)

    def objective_bound(self) -> float | None:
        info = self.highs.getInfo()
        if info.mip_node_count == -1:
            return float(info.objective_function_value) if self.has_solution() and self.optimal() else None
        return float(info.mip_dual_bound)

    def col_values(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value, dtype=float).copy()

    def row_values(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().row_value, dtype=float).copy()

    def duals(self) -> np.ndarray:
        sol = self.highs.getSolution()
        if not sol.dual_valid:
            raise ModelError("HiGHS returned no duals; shadow prices are not available.")
        return np.asarray(sol.row_dual, dtype=float).copy()

    # ---- in-place changes (warm re-solves) ------------------------------------------------------
    def set_row_bounds(self, rows, lower, upper) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        lower, upper = np.asarray(lower, float), np.asarray(upper, float)
        self.row_lower[rows], self.row_upper[rows] = lower, upper
        self.highs.changeRowsBounds(len(rows), rows, lower, upper)

    def set_costs(self, cols, costs) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        costs = np.asarray(costs, float)
        self.cost[cols] = costs
        self.highs.changeColsCost(len(cols), cols, costs)

    def set_col_bounds(self, cols, lower, upper) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self.highs.changeColsBounds(len(cols), cols, np.asarray(lower, float), np.asarray(upper, float))

    def set_integrality(self, cols, integer: bool) -> None:
        hs = _highspy()
        cols = np.asarray(cols, dtype=np.int32)
        kind = hs.HighsVarType.kInteger if integer else hs.HighsVarType.kContinuous
        self.highs.changeColsIntegrality(len(cols), cols, np.array([kind] * len(cols)))

    def iis_rows(self) -> list[int]:
        """Rows of HiGHS' irreducible infeasible subset of the last (infeasible) LP, or []."""
        h = self.highs
        h.setOptionValue("output_flag", False)
        h.setOptionValue("iis_strategy", 2)  # from the LP (elasticity filter)
        _, iis = h.getIis()
        if not getattr(iis, "valid_", False):
            return []
        return [int(i) for i in iis.row_index_]


def solve(mod, log_file=None, hm: HighsLP | None = None) -> tuple[SolveResult, HighsLP]:
    """Solve a built model (model/build.py) with HiGHS: values, duals and status, or a ModelError
    in the user's terms."""
    settings = mod.data.settings
    t0 = time.perf_counter()
    if hm is None:
        hm = HighsLP(mod.lp)
    hm.set_options(highs_options(settings, log_file))
    status = hm.run()
    seconds = time.perf_counter() - t0
    is_mip = bool(len(hm.integer_cols))
    if status in (Status.infeasible, Status.infeasible_or_unbounded):
        from model.explain import explain

        if is_mip:
            raise ModelError(_explain_mip(mod, hm))
        raise ModelError(explain(mod, hm))
    return finish(mod, hm, status, seconds), hm


def finish(mod, hm: HighsLP, status: Status, seconds: float) -> SolveResult:
    """After ``hm.run()`` (infeasibility already explained): check the status, read the values,
    and compute the duals (for a MIP, from the LP with the integers fixed)."""
    settings = mod.data.settings
    if status in (Status.unbounded, Status.infeasible_or_unbounded):
        raise ModelError("The model is unbounded or infeasible: check for a negative cost or a "
                         "missing bound.")
    if not hm.has_solution():
        raise ModelError(f"HiGHS found no solution ({status.value}) within the time limit of "
                         f"{settings['time_limit']:g} s; raise time_limit in the settings sheet.")
    is_mip = bool(len(hm.integer_cols))
    objective, bound = hm.objective_value(), hm.objective_bound()
    gap = abs(objective - bound) / max(1e-9, abs(objective)) if is_mip and bound is not None and objective else None
    out = SolveResult(status="optimal" if hm.optimal() else "feasible (limit reached)", termination=status.name,
                      objective=objective, bound=bound, mip_gap=gap, is_mip=is_mip, solve_seconds=seconds,
                      n_rows=mod.lp.n_rows, n_cols=mod.lp.n_cols, n_integer=len(hm.integer_cols),
                      n_nonzeros=hm.n_nonzeros, handoff_seconds=hm.handoff_seconds, highs_seconds=hm.run_seconds)
    out.warnings = hm.model_warnings + solution_warnings(hm.highs)
    t2 = time.perf_counter()
    if is_mip:  # the values are those of the LP with the integers fixed, as its duals
        out.row_dual, out.row_value = fixed_lp_duals(hm)
    else:
        out.row_dual, out.row_value = hm.duals(), hm.row_values()
    out.x = hm.col_values()
    out.dual_seconds = time.perf_counter() - t2
    return out


def _explain_mip(mod, hm: HighsLP) -> str:
    """A MIP is infeasible: explain its LP relaxation if that is infeasible too."""
    from model.explain import explain

    cols = hm.integer_cols
    hm.set_integrality(cols, integer=False)
    try:
        if hm.run() in (Status.infeasible, Status.infeasible_or_unbounded):
            return explain(mod, hm)
    finally:
        hm.set_integrality(cols, integer=True)
    return ("The model is infeasible only because plant sizes, contract minimums or volume tiers "
            "must be whole: with them relaxed it is feasible. Check module_size against the "
            "benchmarks and build limits, or make the benchmarks soft.")


def fixed_lp_duals(hm: HighsLP, restore: bool = True):
    """(row duals, row activities) of the LP with every integer column fixed at its (rounded)
    value in the last solution. With ``restore`` the integer columns get back their bounds and
    integrality afterwards (for a later warm re-solve)."""
    cols = hm.integer_cols
    raw = hm.col_values()[cols]
    hm.set_integrality(cols, integer=False)  # HiGHS sees an LP, not a MIP with fixed columns
    try:
        # rounded first; if the MIP's solution leaned on HiGHS's integrality tolerance (3.0000008
        # modules) the rounded values may be infeasible, and the values HiGHS found are used as they are
        for values in (np.round(raw), raw):
            hm.set_col_bounds(cols, values, values)
            hm.run()
            if hm.optimal():
                break
        else:
            raise ModelError("The LP with the integer builds fixed did not solve to optimality; "
                             "shadow prices are not available.")
        return hm.duals(), hm.row_values()
    finally:
        if restore:
            hm.set_col_bounds(cols, hm.col_lower[cols], hm.col_upper[cols])
            hm.set_integrality(cols, integer=True)
