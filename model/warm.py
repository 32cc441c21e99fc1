"""Warm sweeps: build the model once, then re-solve it after changing numbers in place.

A sweep over a benchmark level or a price multiplier changes only right-hand sides or objective
coefficients, not the structure of the model. ``WarmSweep`` builds and compiles the model once
(``model.solve.HighsModel``), and for each point changes the numbers in HiGHS directly:

* a benchmark level: the bounds of that benchmark's rows (rhs = level in year t, with its ramp,
  x demand, computed as ``model.blocks.benchmarks`` computes it);
* a price multiplier on spot offers (supply and tier prices; contracts keep their fixed price):
  the objective coefficients of the matching ``imp_ref`` / ``imp_conc`` / ``tier_volume`` columns.

HiGHS then starts from the previous basis (an LP re-solve is typically a few dual simplex
iterations); a MIP is re-solved by branch and bound, still without rebuilding. The results are
the same as a cold build and solve of the transformed data (``tests/test_warm.py``), and
``docs/performance.md`` has the time per point against a cold build + solve.

Use from a sweep (e.g. ``model/analysis/sweep.py``)::

    from model.warm import WarmSweep

    sweep = WarmSweep(data, benchmark="processing")      # builds and solves once
    sol = sweep.solve_at(0.5)                            # SolveResult: objective, duals, ...
    run = sweep.run_at(0.5)                              # a model.pipeline.Run with all result tables
    sweep.solve_price(1.2, material="gallium", country="CN")  # spot prices x1.2 (level kept)

``WarmSweep(data, benchmark, material=None, stage=None)`` selects the benchmark rows whose level
is swept exactly as ``benchmark.<id>.level`` with ``--material`` / ``--stage`` does in
``model/analysis/sweep.py``: every effective row of benchmark ``<id>`` (of that material / stage)
gets the new level, with its own ramp. ``solve_at`` raises ModelError when the level makes the
model infeasible (also for a hard benchmark that no capacity can meet, as the cold build does).
Price multipliers need a risk-neutral objective (risk_weight = 0): with CVaR the costs are also
matrix coefficients of the ``cvar_tail`` rows.
"""
from __future__ import annotations

import time

import numpy as np
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from model.blocks import benchmarks as BM
from model.blocks.purchasing import tiers_by_offer
from model.build import build
from model.data import ModelData
from model.errors import ModelError
from model.solve import SolveResult, HighsModel, _count, fixed_lp_duals, highs_options


def with_benchmark_level(data: ModelData, benchmark: str, level: float, material=None, stage=None) -> ModelData:
    """A copy of ``data`` with benchmark ``benchmark`` at ``level`` (the cold transformation).

    Every benchmarks-sheet row of that id (and stage, if given) takes the level; with a material,
    only that material, which gets its own copy of the 'all' row when it has none.
    """
    new = data.copy()
    rows = new.tables.setdefault("benchmarks", {})
    keys = [k for k in rows if k[0] == benchmark and (stage is None or k[2] in (stage, ""))]
    if material is not None:
        own = [k for k in keys if k[1] == material]
        if not own and new.material(material)["strategic"]:
            for k in [k for k in keys if k[1] == "all"]:
                rows[(k[0], material, k[2])] = dict(rows[k])
                own.append((k[0], material, k[2]))
        keys = own
    for k in keys:
        rows[k]["level"] = float(level)
    return new


def with_price_multiplier(data: ModelData, multiplier: float, material=None, country=None, stage=None) -> ModelData:
    """A copy of ``data`` with the spot prices (supply and tiers) of the matching offers x multiplier."""
    new = data.copy()
    for sheet in ("supply", "tiers"):
        for key, rec in new.tables.get(sheet, {}).items():
            mm, c, k = key[0], key[1], key[2]
            if (material in (None, mm)) and (country in (None, c)) and (stage in (None, k)):
                rec["price"] = rec["price"] * multiplier
    return new


class WarmSweep:
    """One model, built and compiled once, re-solved warm at other benchmark levels or prices.

    Attributes: ``builder`` (the model, whose variables hold the last solution), ``highs`` (the
    compiled ``HighsModel``), ``base`` (the SolveResult of the first, cold, solve), ``timings``
    (build, hand-off and first solve seconds) and ``points`` (one dict per warm solve: value,
    objective, seconds).
    """

    def __init__(self, data: ModelData, benchmark: str = "processing", material=None, stage=None,
                 log_file=None):
        t0 = time.perf_counter()
        self.data = data
        self.benchmark, self.material, self.stage = benchmark, material, stage
        self.builder = b = build(data)
        t1 = time.perf_counter()
        self.highs = hm = HighsModel(b.m)
        hm.set_options(highs_options(b.data.settings, log_file))
        self._counts = _count(b.m)
        self._is_mip = bool(len(hm.integer_cols))
        self._rows = self._benchmark_rows()
        self._constant = self._constant_rows()
        self._base_cost = hm.cost.copy()
        self._price = (1.0, None, None, None)
        self.level = None
        self.base = self._solve()
        self.timings = {"build_s": t1 - t0, "handoff_s": hm.compile_seconds,
                        "first_solve_s": time.perf_counter() - t1}
        self.points: list[dict] = []

    # ---- benchmark rows ------------------------------------------------------------------------
    def _selected(self, bench, mm, k) -> bool:
        return (bench == self.benchmark and self.material in (None, mm)
                and (self.stage is None or k == self.stage))

    def _benchmark_rows(self) -> list[tuple]:
        """(HiGHS row, sense, demand, row constant, effective row, year) of every swept row."""
        b, hm = self.builder, self.highs
        effective = BM.resolve(b.data)
        out = []
        for r in b.benchmark_rows:
            if not self._selected(r["benchmark"], r["material"], r["stage"]):
                continue
            con = getattr(b.m, r["component"])[r["index"]]
            i = hm.row_index(con)
            sense = "<=" if r["component"] == "benchmark_single_country" else ">="
            rec = effective[(r["benchmark"], r["material"], r["stage"])]
            out.append((i, sense, r["demand"], hm.row_constant[i], rec, r["year"], r))
        return out

    def _constant_rows(self) -> list[tuple]:
        """Hard rows the build checked and dropped because their left side is a constant."""
        b = self.builder
        effective = BM.resolve(b.data)
        out = []
        for (bench, mm, k), rec in effective.items():
            if not self._selected(bench, mm, k) or rec["enforcement"] == "soft":
                continue
            for t in b.T:
                d = b.data.demand(mm, t)
                if d <= 0:
                    continue
                info = dict(benchmark=bench, material=mm, stage=k, year=t)
                if bench in BM.SHARE_BENCHMARKS:
                    if BM.basis_of(b.data, rec, mm) == "capacity":
                        lhs = [BM.eu_capacity(b, bench, mm, t)]
                    else:
                        lhs = [BM.eu_flow(b, bench, mm, t, w) for w in b.W]
                    sense = ">="
                else:
                    lhs = [BM.country_supply(b, k, mm, c, t, w)
                           for c in BM.third_countries(b, k, mm) for w in b.W]
                    sense = "<="
                for x in lhs:
                    if isinstance(x, (int, float)):
                        out.append((float(x), sense, d, rec, t, info))
        return out

    def _set_level(self, value: float) -> None:
        hm = self.highs
        for lhs, sense, d, rec, t, info in self._constant:
            lv = BM.level(dict(rec, level=float(value)), t)
            if lv is None:
                continue
            rhs = lv * d
            if not (lhs >= rhs if sense == ">=" else lhs <= rhs):
                raise ModelError(BM._impossible(dict(info, level=lv), rhs))
        if not self._rows:
            return
        idx, lower, upper = [], [], []
        for i, sense, d, k, rec, t, _ in self._rows:
            lv = BM.level(dict(rec, level=float(value)), t)
            rhs = lv * d
            idx.append(i)
            if sense == ">=":
                lower.append(rhs - k)
                upper.append(hm.row_upper[i])
            else:
                lower.append(hm.row_lower[i])
                upper.append(rhs - k)
        hm.set_row_bounds(idx, lower, upper)
        self.level = float(value)

    # ---- prices --------------------------------------------------------------------------------
    def _set_price(self, multiplier: float, material=None, country=None, stage=None) -> None:
        """Objective coefficients of the spot purchases of matching offers, at prices x multiplier."""
        b, hm, data = self.builder, self.highs, self.builder.data
        if float(data.settings.get("risk_weight") or 0.0) > 0:
            raise ModelError("warm price sweeps need risk_weight = 0 (with CVaR, costs are "
                             "also coefficients of the cvar_tail rows); use a cold sweep")
        m = b.m
        supply = data.table("supply")
        tiered = set(getattr(b, "tiered_offers", set()))
        tier_price = tiers_by_offer(data)
        cols, part = [], []

        def add(var, price, t, w, lost_mult):
            j = hm.col_index(var)
            if j is not None:
                cols.append(j)
                part.append(b.weight(t, w) * price * lost_mult)

        for stage_, var, idx in (("processing", m.imp_ref, m.IMP_REF), ("extraction", m.imp_conc, m.IMP_CONC)):
            for (mm, c, t, w) in idx:
                if (mm, c, stage_, t, w) in tiered:
                    continue
                if not ((material in (None, mm)) and (country in (None, c)) and (stage in (None, stage_))):
                    continue
                _, mult = data.disruption.get(w, {}).get((mm, c, stage_, t), (0.0, 1.0))
                add(var[mm, c, t, w], supply[(mm, c, stage_, t)]["price"], t, w, mult)
        if hasattr(m, "TIERS"):
            for (mm, c, k, t, w, j) in m.TIERS:
                if not ((material in (None, mm)) and (country in (None, c)) and (stage in (None, k))):
                    continue
                _, mult = data.disruption.get(w, {}).get((mm, c, k, t), (0.0, 1.0))
                price = tier_price[(mm, c, k)][j - 1][1]
                add(m.tier_volume[mm, c, k, t, w, j], price, t, w, mult)
        cols = np.asarray(cols, dtype=np.int32)
        costs = self._base_cost[cols] + (float(multiplier) - 1.0) * np.asarray(part)
        # reset any earlier price change first
        changed = np.flatnonzero(hm.cost != self._base_cost)
        if len(changed):
            hm.set_costs(changed, self._base_cost[changed])
        if len(cols):
            hm.set_costs(cols, costs)
        self._price = (float(multiplier), material, country, stage)

    # ---- solving -----------------------------------------------------------------------------
    def _solve(self) -> SolveResult:
        hm, b = self.highs, self.builder
        t0 = time.perf_counter()
        tc = hm.run()
        seconds = time.perf_counter() - t0
        sstatus = hm.solution_status()
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded) \
                and not self._is_mip:
            from model.explain import explain

            original, b.data = b.data, self.point_data()
            try:
                raise ModelError(explain(b, hm))
            finally:
                b.data = original
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded,
                  TerminationCondition.unbounded) or sstatus not in (SolutionStatus.optimal,
                                                                     SolutionStatus.feasible):
            raise ModelError(f"No solution at this point ({tc.name}).")
        objective = hm.objective_value()
        bound = hm.objective_bound()
        gap = abs(objective - bound) / max(1e-9, abs(objective)) if self._is_mip and bound is not None else None
        t1 = time.perf_counter()
        if self._is_mip:
            duals = fixed_lp_duals(hm, restore=True)
        else:
            hm.load_vars()
            duals = hm.duals()
        n_rows, n_cols, n_int = self._counts
        return SolveResult(status="optimal" if sstatus == SolutionStatus.optimal else "feasible (limit reached)",
                           termination=tc.name, objective=objective, bound=bound, mip_gap=gap,
                           is_mip=self._is_mip, solve_seconds=seconds,
                           dual_seconds=time.perf_counter() - t1, duals=duals, n_rows=n_rows,
                           n_cols=n_cols, n_integer=n_int, highs_seconds=hm.run_seconds,
                           n_nonzeros=hm.n_nonzeros)

    def solve_at(self, level: float) -> SolveResult:
        """Re-solve with the swept benchmark at ``level`` (a share: 0.4 = 40 %)."""
        t0 = time.perf_counter()
        self._set_level(level)
        sol = self._solve()
        self.points.append({"kind": "level", "value": float(level), "objective": sol.objective,
                            "seconds": time.perf_counter() - t0})
        return sol

    def solve_price(self, multiplier: float, material=None, country=None, stage=None) -> SolveResult:
        """Re-solve with the spot prices of the matching offers x ``multiplier`` (1: as in the data)."""
        t0 = time.perf_counter()
        self._set_price(multiplier, material, country, stage)
        sol = self._solve()
        self.points.append({"kind": "price", "value": float(multiplier), "objective": sol.objective,
                            "seconds": time.perf_counter() - t0})
        return sol

    def point_data(self) -> ModelData:
        """The data of the current point (the transformation a cold sweep would solve)."""
        data = self.data
        if self.level is not None:
            data = with_benchmark_level(data, self.benchmark, self.level, self.material, self.stage)
        mult, mm, c, k = self._price
        if mult != 1.0:
            data = with_price_multiplier(data, mult, mm, c, k)
        return data

    def run_at(self, level: float | None = None):
        """``solve_at(level)`` (or the current point) with every result table, as a ``model.pipeline.Run``."""
        from model.pipeline import Run
        from model.results import extract

        t0 = time.perf_counter()
        sol = self.solve_at(level) if level is not None else self._solve()
        t1 = time.perf_counter()
        b = self.builder
        original, rows = b.data, b.benchmark_rows
        b.data = self.point_data()
        effective = BM.resolve(b.data)
        b.benchmark_rows = [dict(r, level=BM.level(effective[(r["benchmark"], r["material"], r["stage"])],
                                                   r["year"])) for r in rows]
        try:
            results = extract(b, sol)
        finally:
            b.data, b.benchmark_rows = original, rows
        return Run(self.point_data(), results, sol, {"solve_s": t1 - t0, "extract_s": time.perf_counter() - t1})
