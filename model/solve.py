"""Solve layer: owns HiGHS options, termination handling, and the duals of a MIP.

Non-optimal is never silent: infeasible, unbounded and failed solves raise ModelError with a
message in the user's terms. A MIP's shadow prices come from re-solving the LP with the integer
decisions fixed at their optimal values.

Hand-off to HiGHS (``HighsModel``): every active constraint is compiled straight into a row-wise
sparse matrix (numpy arrays) from its Pyomo expression, once, and passed to ``highspy.Highs``
with one ``passModel`` call. This replaced ``pyomo.contrib.solver``'s 'highs' interface, which
builds the same matrix through ``generate_standard_repn`` and per-row bookkeeping and took 3-4 x
longer (docs/performance.md has the measurements of every path tried). The compiled model keeps
the maps both ways (row <-> constraint, column <-> variable), so that it also serves

* duals keyed by the Pyomo constraint, as before;
* the infeasibility report: ``_solver_model`` (the highspy.Highs) and
  ``_solver_con_to_pyomo_con_map`` (row -> constraint) are the names ``model/explain.py`` reads;
* warm re-solves (``model/warm.py``): row bounds and costs are changed in place and HiGHS starts
  from the previous basis.

Each row keeps Pyomo's own orientation (``ConstraintData.to_bounded_expression``: the side with
variables is the body, or ``lhs - rhs`` when both sides have variables), so duals have the signs
they had. Fixed variables are constants (as in every Pyomo writer), not columns.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.common.numeric_types import native_numeric_types, native_types
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.core.base.expression import ExpressionData, ScalarExpression
from pyomo.core.base.objective import ObjectiveData, ScalarObjective
from pyomo.core.base.var import ScalarVar, VarData
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    LinearExpression,
    MonomialTermExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression

from model.errors import ModelError
from model.numerics import scaling_warnings, solution_warnings

try:  # highspy is a dependency of the project; imported lazily only for a clearer message
    import highspy
except ImportError as exc:  # pragma: no cover
    raise ImportError("highspy is required: pip install -e .") from exc

INF = highspy.kHighsInf


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
    # parts of solve_seconds: compiling the model into HiGHS' arrays, and HiGHS' own run time
    handoff_seconds: float = 0.0
    highs_seconds: float = 0.0
    load_seconds: float = 0.0
    n_nonzeros: int = 0
    # direct backend: waiting, after the solve, for the result tables' preparation that ran
    # beside HiGHS (model/direct.py solve_direct)
    plan_wait_seconds: float = 0.0
    plan_seconds: float = 0.0  # the preparation's own time, in its thread


# ---- compiling Pyomo expressions into sparse rows ------------------------------------------------
_VARS = (VarData, ScalarVar)
_NAMED = (ExpressionData, ScalarExpression, ObjectiveData, ScalarObjective)
_SUMS = (LinearExpression, SumExpression)


class _Linearizer:
    """Linear coefficients of Pyomo expressions, with a column per (unfixed) variable.

    A specialised walker for the node types the model blocks create (sums, monomials, named
    expressions such as ``cap_new`` and ``eu_processing``, which are compiled once and cached);
    anything else goes through ``pyomo.repn.linear.LinearRepnVisitor``.
    """

    def __init__(self):
        self.col: dict[int, int] = {}  # id(var) -> column
        self.vars: list = []
        self.cache: dict[int, tuple] = {}  # id(named expression) -> (constant, {col: coef})
        self._visitor = None

    def column(self, v) -> int:
        j = self.col.get(id(v))
        if j is None:
            j = self.col[id(v)] = len(self.vars)
            self.vars.append(v)
        return j

    def _fallback(self, e, acc, mult) -> float:
        from pyomo.repn.linear import LinearRepnVisitor

        if self._visitor is None:
            self._visitor = LinearRepnVisitor({})
        repn = self._visitor.walk_expression(e)
        if repn.nonlinear is not None:
            raise ModelError(f"The model has a nonlinear expression, which HiGHS cannot take: {e}")
        var_map = self._visitor.var_map
        for vid, c in repn.linear.items():
            j = self.column(var_map[vid])
            acc[j] = acc.get(j, 0.0) + mult * c
        return mult * repn.constant

    def add(self, e, acc: dict, mult: float = 1.0) -> float:
        """Add ``mult * e`` into acc (column -> coefficient) and return its constant part."""
        cls = e.__class__
        if cls is MonomialTermExpression:
            c, v = e._args_
            if c.__class__ not in native_numeric_types:
                c = pyo.value(c)
            if v.fixed:
                return mult * c * v.value
            vid = id(v)
            j = self.col.get(vid)
            if j is None:
                j = self.col[vid] = len(self.vars)
                self.vars.append(v)
            acc[j] = acc.get(j, 0.0) + mult * c
            return 0.0
        if cls in _VARS:
            if e.fixed:
                return mult * e.value
            vid = id(e)
            j = self.col.get(vid)
            if j is None:
                j = self.col[vid] = len(self.vars)
                self.vars.append(e)
            acc[j] = acc.get(j, 0.0) + mult
            return 0.0
        if cls in _SUMS:
            const = 0.0
            add = self.add
            for a in e.args:
                const += add(a, acc, mult)
            return const
        if cls in native_numeric_types:
            return mult * e
        if cls in _NAMED:
            hit = self.cache.get(id(e))
            if hit is None:
                sub: dict = {}
                k = self.add(e.expr, sub, 1.0) if e.expr is not None else 0.0
                hit = self.cache[id(e)] = (k, sub)
            k, sub = hit
            for j, c in sub.items():
                acc[j] = acc.get(j, 0.0) + mult * c
            return mult * k
        if cls is NegationExpression:
            return self.add(e._args_[0], acc, -mult)
        if cls is ProductExpression:
            a, b = e._args_
            if a.__class__ in native_numeric_types:
                return self.add(b, acc, mult * a)
            if b.__class__ in native_numeric_types:
                return self.add(a, acc, mult * b)
        elif cls is DivisionExpression:
            a, b = e._args_
            if b.__class__ in native_numeric_types:
                return self.add(a, acc, mult / b)
        if not e.is_potentially_variable():
            return mult * pyo.value(e)
        return self._fallback(e, acc, mult)


def _constant(x) -> bool:
    return x.__class__ in native_types or not x.is_potentially_variable()


def _bound(x) -> float:
    return float(x if x.__class__ in native_numeric_types else pyo.value(x))


class HighsModel:
    """A Pyomo model compiled into a ``highspy.Highs``, with the maps back to Pyomo.

    ``rows[i]`` is the ConstraintData of HiGHS row i and ``cols[j]`` the VarData of column j;
    ``row_of`` / ``col_of`` map id(component data) back to the index. Options are set with
    ``set_options``; ``run`` solves (warm, from the last basis, after a change of bounds or
    costs) and returns the termination condition.
    """

    def __init__(self, model):
        t0 = time.perf_counter()
        lin = _Linearizer()
        starts, index, value = [0], [], []
        lower, upper, consts = [], [], []
        rows = []
        extend_i, extend_v = index.extend, value.extend
        for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
            expr = con.expr
            cls = expr.__class__
            acc: dict = {}
            if cls is InequalityExpression or cls is EqualityExpression:
                if cls is InequalityExpression and expr._strict:
                    raise ModelError(f"Constraint {con.name} is a strict inequality, which a solver "
                                     "cannot take.")
                lhs, rhs = expr._args_
                eq = cls is EqualityExpression
                if _constant(rhs):
                    k = lin.add(lhs, acc)
                    ub = _bound(rhs)
                    lb = ub if eq else -INF
                elif _constant(lhs):
                    k = lin.add(rhs, acc)
                    lb = _bound(lhs)
                    ub = lb if eq else INF
                else:
                    k = lin.add(lhs, acc) + lin.add(rhs, acc, -1.0)
                    lb, ub = (0.0 if eq else -INF), 0.0
            else:
                lb, body, ub = con.to_bounded_expression(True)
                k = lin.add(body, acc) if body is not None else 0.0
                lb = -INF if lb is None else lb
                ub = INF if ub is None else ub
            rows.append(con)
            if acc:
                extend_i(acc.keys())
                extend_v(acc.values())
            starts.append(len(index))
            lower.append(lb - k)
            upper.append(ub - k)
            consts.append(k)
        objectives = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
        if len(objectives) != 1:
            raise ModelError(f"The model needs exactly one active objective, it has {len(objectives)}.")
        self.objective = obj = objectives[0]
        cost_acc: dict = {}
        offset = lin.add(obj.expr, cost_acc)
        self.rows = rows
        self.cols = cols = lin.vars
        n, m = len(cols), len(rows)
        self.row_of = {id(c): i for i, c in enumerate(rows)}
        self.col_of = lin.col
        cost = np.zeros(n)
        if cost_acc:
            cost[np.fromiter(cost_acc.keys(), np.int32, len(cost_acc))] = np.fromiter(
                cost_acc.values(), float, len(cost_acc))
        col_lower = np.empty(n)
        col_upper = np.empty(n)
        integrality = np.zeros(n, dtype=np.int32)
        for j, v in enumerate(cols):
            lb, ub = v.bounds
            col_lower[j] = -INF if lb is None else lb
            col_upper[j] = INF if ub is None else ub
            if not v.is_continuous():
                integrality[j] = 1
        a_index = np.array(index, dtype=np.int32)
        a_value = np.array(value, dtype=float)
        bounds = np.array(starts, dtype=np.int64)
        keep = a_value != 0.0
        if not keep.all():  # drop explicit zeros (terms that cancelled), as Pyomo's writers do
            row_id = np.repeat(np.arange(m), np.diff(bounds))
            a_index, a_value = a_index[keep], a_value[keep]
            bounds = np.concatenate(([0], np.cumsum(np.bincount(row_id[keep], minlength=m))))
        a_start = bounds[:-1].astype(np.int32)
        self.row_lower = np.array(lower, dtype=float)
        self.row_upper = np.array(upper, dtype=float)
        self.row_constant = np.array(consts, dtype=float)  # constant of each row's body, moved to its bounds
        self.cost = cost
        self.offset = float(offset)
        self.col_lower, self.col_upper = col_lower, col_upper
        self.integrality = integrality
        self.integer_cols = np.flatnonzero(integrality).astype(np.int32)
        self.n_nonzeros = int(len(a_value))
        sense = highspy.ObjSense.kMaximize if obj.sense == pyo.maximize else highspy.ObjSense.kMinimize
        self.sign = -1.0 if obj.sense == pyo.maximize else 1.0
        self._pass(a_start, a_index, a_value, sense)
        self.compile_seconds = time.perf_counter() - t0

    def _pass(self, a_start, a_index, a_value, sense=highspy.ObjSense.kMinimize) -> None:
        """A new ``highspy.Highs`` with this model (row-wise matrix, the bounds, costs and
        integrality set on ``self``) passed in one ``passModel`` call."""
        with capture_output(capture_fd=True):  # highspy prints a banner when created
            h = highspy.Highs()
        h.setOptionValue("log_to_console", False)
        status = h.passModel(len(self.col_lower), len(self.row_lower), len(a_value),
                             int(highspy.MatrixFormat.kRowwise), int(sense), self.offset, self.cost,
                             self.col_lower, self.col_upper, self.row_lower, self.row_upper,
                             a_start, a_index, a_value, self.integrality)
        if status == highspy.HighsStatus.kError:
            raise ModelError("HiGHS rejected the model (see the HiGHS log).")
        self.highs = h
        self.run_seconds = 0.0
        # read here from the arrays passed, not copied back out of HiGHS after the solve
        self.model_warnings = scaling_warnings(a_value, self.cost, self.row_lower, self.row_upper)

    # names model/explain.py reads (as on pyomo.contrib.solver's persistent HiGHS interface)
    @property
    def _solver_model(self):
        return self.highs

    @property
    def _solver_con_to_pyomo_con_map(self):
        return dict(enumerate(self.rows))

    def set_options(self, options: dict) -> None:
        for key, val in options.items():
            self.highs.setOptionValue(key, val)

    def run(self) -> TerminationCondition:
        h = self.highs
        t0 = time.perf_counter()
        h.run()
        self.run_seconds = time.perf_counter() - t0
        return _termination(h.getModelStatus())

    # ---- results --------------------------------------------------------------------------------
    def solution_status(self) -> SolutionStatus:
        h = self.highs
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            return SolutionStatus.optimal
        if h.getInfo().primal_solution_status == 2:
            return SolutionStatus.feasible
        return SolutionStatus.noSolution

    def objective_value(self) -> float:
        return float(self.highs.getInfo().objective_function_value)

    def objective_bound(self) -> float | None:
        info = self.highs.getInfo()
        if info.mip_node_count == -1:
            ok = (info.primal_solution_status == 2
                  and self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal)
            return float(info.objective_function_value) if ok else None
        return float(info.mip_dual_bound)

    def col_values(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().col_value)

    def load_vars(self) -> None:
        for v, x in zip(self.cols, self.col_values().tolist()):
            v.set_value(x, skip_validation=True)

    def duals(self) -> dict:
        sol = self.highs.getSolution()
        if not sol.dual_valid:
            raise ModelError("HiGHS returned no duals; shadow prices are not available.")
        return dict(zip(self.rows, np.asarray(sol.row_dual).tolist()))

    # ---- in-place changes (warm re-solves) --------------------------------------------------------
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
        cols = np.asarray(cols, dtype=np.int32)
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        self.highs.changeColsIntegrality(len(cols), cols, np.array([kind] * len(cols)))

    def row_index(self, con) -> int:
        return self.row_of[id(con)]

    def col_index(self, var) -> int | None:
        return self.col_of.get(id(var))


_STATUS = {
    "kNotset": TerminationCondition.unknown,
    "kLoadError": TerminationCondition.error,
    "kModelError": TerminationCondition.error,
    "kPresolveError": TerminationCondition.error,
    "kSolveError": TerminationCondition.error,
    "kPostsolveError": TerminationCondition.error,
    "kModelEmpty": TerminationCondition.unknown,
    "kOptimal": TerminationCondition.convergenceCriteriaSatisfied,
    "kInfeasible": TerminationCondition.provenInfeasible,
    "kUnboundedOrInfeasible": TerminationCondition.infeasibleOrUnbounded,
    "kUnbounded": TerminationCondition.unbounded,
    "kObjectiveBound": TerminationCondition.objectiveLimit,
    "kObjectiveTarget": TerminationCondition.objectiveLimit,
    "kTimeLimit": TerminationCondition.maxTimeLimit,
    "kIterationLimit": TerminationCondition.iterationLimit,
    "kSolutionLimit": TerminationCondition.iterationLimit,
    "kUnknown": TerminationCondition.unknown,
}


def _termination(status) -> TerminationCondition:
    return _STATUS.get(status.name, TerminationCondition.unknown)


# ---- the solve --------------------------------------------------------------------------------
def highs_options(settings: dict, log_file=None) -> dict:
    opts = {"mip_rel_gap": float(settings["mip_gap"]), "random_seed": 0,
            "time_limit": float(settings["time_limit"])}
    if settings.get("threads"):
        opts["threads"] = int(settings["threads"])
    if log_file is not None:
        opts["log_file"] = str(log_file)
    return opts


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
    is_mip = any(not v.fixed for var in builder.integer_vars for v in var.values())
    n_rows, n_cols, n_int = _count(m)
    t0 = time.perf_counter()
    hm = HighsModel(m)
    hm.set_options(highs_options(settings, log_file))
    tc = hm.run()
    seconds = time.perf_counter() - t0
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible,
              TerminationCondition.infeasibleOrUnbounded) and not is_mip:
        from model.explain import explain

        raise ModelError(explain(builder, hm))
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
        raise ModelError(_explain_mip(builder, hm))
    return finish(hm, tc, settings, is_mip, seconds, (n_rows, n_cols, n_int))


def finish(hm: HighsModel, tc, settings: dict, is_mip: bool, seconds: float, counts) -> SolveResult:
    """After ``hm.run()`` (infeasibility already explained): check the status, load the values,
    and compute the duals (for a MIP, from the LP with the integers fixed). Shared by the Pyomo
    and the direct backend (model/direct.py)."""
    if tc in (TerminationCondition.unbounded, TerminationCondition.infeasibleOrUnbounded):
        raise ModelError("The model is unbounded or infeasible: check for a negative cost or a "
                         "missing bound.")
    sstatus = hm.solution_status()
    if sstatus not in (SolutionStatus.optimal, SolutionStatus.feasible):
        raise ModelError(f"HiGHS found no solution ({tc.name}) within the time limit of "
                         f"{settings['time_limit']:g} s; raise time_limit in the settings sheet.")
    t1 = time.perf_counter()
    hm.load_vars()
    load_s = time.perf_counter() - t1
    objective = hm.objective_value()
    bound = hm.objective_bound()
    gap = None
    if is_mip and bound is not None and objective:
        gap = abs(objective - bound) / max(1e-9, abs(objective))
    status = "optimal" if sstatus == SolutionStatus.optimal else "feasible (limit reached)"
    n_rows, n_cols, n_int = counts
    out = SolveResult(status=status, termination=tc.name, objective=objective, bound=bound,
                      mip_gap=gap, is_mip=is_mip, solve_seconds=seconds, n_rows=n_rows,
                      n_cols=n_cols, n_integer=n_int, handoff_seconds=hm.compile_seconds,
                      highs_seconds=hm.run_seconds, load_seconds=load_s, n_nonzeros=hm.n_nonzeros)
    out.warnings = hm.model_warnings + solution_warnings(hm.highs)
    t2 = time.perf_counter()
    out.duals = fixed_lp_duals(hm) if len(hm.integer_cols) else hm.duals()
    out.dual_seconds = time.perf_counter() - t2
    return out


def _explain_mip(builder, hm: HighsModel) -> str:
    """A MIP is infeasible: explain its LP relaxation if that is infeasible too."""
    from model.explain import explain

    cols = hm.integer_cols
    hm.set_integrality(cols, integer=False)
    try:
        tc = hm.run()
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            return explain(builder, hm)
    finally:
        hm.set_integrality(cols, integer=True)
    return ("The model is infeasible only because plant sizes, contract minimums or volume tiers "
            "must be whole: with them relaxed it is feasible. Check module_size against the "
            "benchmarks and build limits, or make the benchmarks soft.")


def fixed_lp_duals(hm: HighsModel, restore: bool = True) -> dict:
    """Duals of the LP with every integer column fixed at its (rounded) value in the last solution.

    Loads the LP's primal values into the Pyomo variables. With ``restore`` the integer columns
    get back their bounds and integrality afterwards (for a later warm re-solve).
    """
    cols = hm.integer_cols
    raw = hm.col_values()[cols]
    hm.set_integrality(cols, integer=False)  # HiGHS sees an LP, not a MIP with fixed columns
    try:
        # rounded first; if the MIP's solution leaned on HiGHS's integrality tolerance (3.0000008
        # modules) the rounded values may be infeasible, and the values HiGHS found are used as they are
        for values in (np.round(raw), raw):
            hm.set_col_bounds(cols, values, values)
            hm.run()
            if hm.solution_status() == SolutionStatus.optimal:
                break
        else:
            raise ModelError("The LP with the integer builds fixed did not solve to optimality; "
                             "shadow prices are not available.")
        hm.load_vars()
        return hm.duals()
    finally:
        if restore:
            hm.set_col_bounds(cols, hm.col_lower[cols], hm.col_upper[cols])
            hm.set_integrality(cols, integer=True)
