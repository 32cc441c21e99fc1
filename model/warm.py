"""Warm sweeps: build the model once, then re-solve it after changing numbers in place.

A sweep over a benchmark level or a price multiplier changes only right-hand sides or objective
coefficients, not the structure of the model. ``WarmSweep`` builds the model once
(model/build.py), passes it to HiGHS once (``model.backends.highs.HighsLP``), and for each point
changes the numbers in HiGHS directly:

* a benchmark level: the bounds of that benchmark's rows (rhs = level in year t, with its ramp,
  x demand, as model/blocks/benchmarks.py computes it);
* a price multiplier on spot offers (supply and tier prices; contracts keep their fixed price):
  the objective coefficients of the matching purchase terms.

HiGHS then starts from the previous basis (an LP re-solve is typically a few dual simplex
iterations); a MIP is re-solved by branch and bound, still without rebuilding. The results are
the same as a cold build and solve of the transformed data (model/transform.py;
``tests/test_warm.py``).

Use from a sweep (e.g. ``model/analysis/sweep.py``)::

    from model.warm import WarmSweep

    sweep = WarmSweep(data, benchmark="processing")      # builds and solves once
    sol = sweep.solve_at(0.5)                            # SolveResult: objective, values, duals
    run = sweep.run_at(0.5)                              # a model.pipeline.Run with all result tables
    sweep.solve_price(1.2, material="gallium", country="CN")  # spot prices x1.2 (level kept)

``WarmSweep(data, benchmark, material=None, stage=None)`` selects the benchmark rows whose level is
swept exactly as ``benchmark.<id>.level`` with ``--material`` / ``--stage`` does in
model/analysis/sweep.py. ``solve_at`` raises ModelError when the level makes the model infeasible
(also for a hard benchmark that no capacity can meet, as the cold build does). Price multipliers
need a risk-neutral objective (risk_weight = 0): with CVaR the costs are also matrix coefficients
of the ``cvar_tail`` rows.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from model.backends.highs import HighsLP, SolveResult, Status, finish, highs_options
from model.blocks import benchmarks as BM
from model.build import build
from model.data import ModelData
from model.errors import ModelError
from model.transform import soften, with_benchmark_level, with_price_multiplier  # noqa: F401 (re-exported)

SPOT = {"imp_ref": "processing", "imp_conc": "extraction", "tier_volume": None}


class WarmSweep:
    """One model, built and passed to HiGHS once, re-solved warm at other benchmark levels or prices.

    Attributes: ``model`` (the built model), ``highs`` (its ``HighsLP``), ``base`` (the SolveResult
    of the first, cold, solve), ``timings`` (build, hand-off and first solve seconds) and
    ``points`` (one dict per warm solve: value, objective, seconds).
    """

    def __init__(self, data: ModelData, benchmark: str = "processing", material=None, stage=None, log_file=None,
                 solve_first: bool = True):
        t0 = time.perf_counter()
        self.data = data
        self.benchmark, self.material, self.stage = benchmark, material, stage
        self.model = mod = build(data)
        t1 = time.perf_counter()
        self.highs = hm = HighsLP(mod.lp)
        hm.set_options(highs_options(mod.data.settings, log_file))
        self._base_cost = hm.cost.copy()
        self._price = (1.0, None, None, None)
        self.level = None
        self.base = self._solve() if solve_first else None
        self.timings = {"build_s": t1 - t0, "handoff_s": hm.handoff_seconds, "first_solve_s": time.perf_counter() - t1}
        self.points: list[dict] = []

    # ---- benchmark rows ------------------------------------------------------------------------
    def _selected(self, meta, index) -> np.ndarray:
        sel = meta["benchmark"] == self.benchmark
        if self.material is not None:
            sel &= index.label("m") == self.material
        if self.stage is not None:
            sel &= meta["stage"] == self.stage
        return sel

    def _levels(self, value: float, meta, index, sel) -> np.ndarray:
        """The level in force in each selected row's year at full level ``value`` (with its ramp)."""
        effective = BM.resolve(self.model.data)
        out = np.zeros(int(sel.sum()))
        rows = zip(meta["benchmark"][sel], index.label("m")[sel], meta["stage"][sel], index.label("t")[sel])
        for i, (bench, mm, k, t) in enumerate(rows):
            out[i] = BM.level(dict(effective[(bench, mm, k)], level=float(value)), int(t))
        return out

    def _set_level(self, value: float) -> None:
        hm = self.highs
        for _, index, const, sense, meta in self.model.info.get("benchmark_fixed", []):
            sel = self._selected(meta, index)
            if sel.any():
                lv = self._levels(value, meta, index, sel)
                BM.check_fixed(index.take(sel), const[sel], sense, lv * meta["demand"][sel],
                               {key: v[sel] for key, v in meta.items()} | {"level": lv}, self.point_data())
        for con, meta in self.model.info["benchmarks"]:
            sel = self._selected(meta, con.index)
            if not sel.any():
                continue
            rows = con.start + np.flatnonzero(sel)
            rhs = self._levels(value, meta, con.index, sel) * meta["demand"][sel]
            lower, upper = hm.row_lower[rows].copy(), hm.row_upper[rows].copy()
            # the row's constant was moved to its bounds at the build: keep it
            base_rhs = meta["level"][sel] * meta["demand"][sel]
            if con.sense == ">=":
                lower = lower - base_rhs + rhs
            else:
                upper = upper - base_rhs + rhs
            hm.set_row_bounds(rows, lower, upper)
            meta["level"] = meta["level"].copy()
            meta["level"][sel] = rhs / np.where(meta["demand"][sel] != 0, meta["demand"][sel], 1.0)
        self.level = float(value)

    # ---- prices --------------------------------------------------------------------------------
    def _set_price(self, multiplier: float, material=None, country=None, stage=None) -> None:
        """Objective coefficients of the spot purchases of matching offers, at prices x multiplier."""
        mod, hm = self.model, self.highs
        if float(mod.data.settings.get("risk_weight") or 0.0) > 0:
            raise ModelError("warm price sweeps need risk_weight = 0 (with CVaR, costs are "
                             "also coefficients of the cvar_tail rows); use a cold sweep")
        c = mod.info["costs"]
        p = np.array([mod.data.probability[w] for w in mod.W])
        weight = c["discount"] * np.where(c["w"] < 0, 1.0, p[np.maximum(c["w"], 0)])
        purchase = (np.array(c["comps"], dtype=object)[c["comp"]] == "purchases")[c["key_of"]]
        delta = np.zeros(len(hm.cost))
        sp = mod.space
        for name, fixed_stage in SPOT.items():
            v = mod.lp.vars.get(name)
            if v is None or not v.n:
                continue
            term = purchase & (c["cols"] >= v.start) & (c["cols"] < v.start + v.n)
            rel = c["cols"][term] - v.start
            match = np.ones(len(rel), dtype=bool)
            if material is not None:
                match &= v.index["m"][rel] == sp.code["m"].get(material, -1)
            if country is not None:
                match &= v.index["c"][rel] == sp.code["c"].get(country, -1)
            if stage is not None:
                match &= (np.full(len(rel), fixed_stage == stage) if fixed_stage else
                          v.index["k"][rel] == sp.code["k"].get(stage, -1))
            t = np.flatnonzero(term)[match]
            np.add.at(delta, c["cols"][t], (float(multiplier) - 1.0) * c["coefs"][t] * weight[c["key_of"][t]])
        changed = np.flatnonzero((hm.cost != self._base_cost) | (delta != 0))
        if len(changed):
            hm.set_costs(changed, self._base_cost[changed] + delta[changed])
        self._price = (float(multiplier), material, country, stage)

    # ---- solving -----------------------------------------------------------------------------
    def _solve(self) -> SolveResult:
        hm, mod = self.highs, self.model
        t0 = time.perf_counter()
        status = hm.run()
        seconds = time.perf_counter() - t0
        if status in (Status.infeasible, Status.infeasible_or_unbounded):
            if not len(hm.integer_cols):
                from model.explain import explain

                raise ModelError(explain(dataclasses.replace(mod, data=self.point_data()), hm))
            raise ModelError(f"No solution at this point ({status.value}).")
        return finish(mod, hm, status, seconds)

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

    def run_at(self, level: float | None = None, price: tuple | None = None, tables=None):
        """``solve_at(level)``, or ``solve_price(*price)`` (price = (multiplier, material, country,
        stage)), or the current point, with every result table (or the ``tables`` named), as a
        ``model.pipeline.Run``."""
        from model.solve import Run
        from model.results import extract

        t0 = time.perf_counter()
        if level is not None:
            sol = self.solve_at(level)
        elif price is not None:
            sol = self.solve_price(*price)
        else:
            sol = self._solve()
        t1 = time.perf_counter()
        data = self.point_data()
        solved = soften(data) if data.settings.get("soft_benchmarks") == "yes" else data
        results = extract(dataclasses.replace(self.model, data=solved), sol, tables)
        return Run(data, results, sol, {"solve_s": t1 - t0, "extract_s": time.perf_counter() - t1})
