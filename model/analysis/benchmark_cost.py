"""What the benchmarks cost: the same case solved without them (table ``benchmark_cost``).

A run (model/pipeline.py) and a reproduction (model/analysis/compare.py) add it beside their own
solve; the one-page answer (model/summaries.py) reads it.

When the run's solved HiGHS model is at hand (an LP of the extensive form), the case without its
benchmarks is that model with every benchmark row relaxed in place (bounds -inf..inf, as the Monte
Carlo samples do in model/analysis/montecarlo.py) and re-solved from the run's basis: no second
build, no second hand-off, a few simplex iterations. It is the same LP optimum as the cold build
of the data with the sheet emptied: a row left free binds nothing, a soft row's shortfall column
then costs its penalty (>= 0) for nothing and is zero, and a hard row with no column
(``benchmark_fixed``) was never in the matrix. The bounds are restored afterwards. A MIP (whose
branch and bound may stop at another incumbent within the gap), a case solved by parts, or a
relaxed model HiGHS does not solve to optimality goes the cold way, so its note is the cold
solve's.
"""
from __future__ import annotations

import time

import pandas as pd

from model.data import ModelData, with_settings
from model.errors import InputError, ModelError

BENCHMARK_COST_MAX_NONZEROS = 300_000


def _warm_without(mod, hm) -> float | None:
    """The optimum of the solved LP ``hm`` (of model ``mod``) with every benchmark row relaxed in
    place, or None (a MIP, no benchmark row, not optimal): then the caller solves it cold."""
    import numpy as np

    from model.backends.highs import Status

    if mod is None or hm is None or len(hm.integer_cols):
        return None
    rows = [con.start + np.arange(con.index.n) for con, _ in mod.info.get("benchmarks", [])]
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    lower, upper = hm.row_lower[rows].copy(), hm.row_upper[rows].copy()
    hm.set_row_bounds(rows, np.full(len(rows), -np.inf), np.full(len(rows), np.inf))
    try:
        ok = hm.run() == Status.optimal and hm.has_solution()
        return float(hm.objective_value()) if ok else None
    finally:
        hm.set_row_bounds(rows, lower, upper)


def benchmark_cost(data: ModelData, objective: float, nonzeros: int = 0, solved=None,
                   penalties: float = 0.0) -> pd.DataFrame | None:
    """Table ``benchmark_cost``: the objective with the benchmarks, without them (the
    ``benchmarks`` sheet emptied, every other input the same) and the difference, which is what
    the benchmarks cost. ``penalties``: the soft-benchmark penalties inside the objective (the
    price of shortfalls the case allows, not a cost of any resource); when there are some, the
    cost of the benchmarks is counted net of them (with less penalties less without: what
    complying costs, as docs/results-eu.md and the Monte Carlo count it) and the gross difference
    is a row of its own. None when the model is larger than BENCHMARK_COST_MAX_NONZEROS or the
    case has no benchmark; a case that cannot be solved without them gets a blank with the
    reason. ``solved``: the run's (model, HighsLP) when at hand, re-solved warm (see above)."""
    from model.solve import solve_model

    if not data.tables.get("benchmarks") or nonzeros > BENCHMARK_COST_MAX_NONZEROS:
        return None
    free = with_settings(data, stochastic_reports="no", purchasing_reports="no")
    free.tables["benchmarks"] = {}
    note = "the same case with the sheet benchmarks emptied"
    without = _warm_without(*solved) if solved is not None else None
    try:
        if without is None:
            without = float(solve_model(free)[1].objective)
    except (ModelError, InputError) as exc:
        without, note = float("nan"), f"not solved without the benchmarks: {exc}"
    rows = [("total cost with the benchmarks", float(objective), "the run's objective (present value)"),
            ("total cost without the benchmarks", without, note)]
    if penalties > 0:
        rows += [("soft-benchmark penalties", float(penalties),
                  "inside the total cost with the benchmarks: the price of the shortfalls the soft rows allow "
                  "(not a cost of any resource)"),
                 ("cost of the benchmarks", float(objective) - float(penalties) - without,
                  "with less penalties less without: what complying with the benchmarks costs"),
                 ("cost of the benchmarks with their penalties", float(objective) - without,
                  "with less without: complying plus the penalties of the shortfalls")]
    else:
        rows.append(("cost of the benchmarks", float(objective) - without,
                     "with less without: what meeting the benchmarks costs"))
    return pd.DataFrame(rows, columns=["measure", "value_eur", "definition"])


def add_benchmark_cost(run) -> None:
    """Add table ``benchmark_cost`` to a run's results (when ``benchmark_cost`` gives one)."""
    t = time.perf_counter()
    table = benchmark_cost(run.data, run.solution.objective, getattr(run.solution, "n_nonzeros", 0),
                           getattr(run, "solved", None), _penalties(run))
    if table is not None:
        run.results.tables["benchmark_cost"] = table
        run.timings["benchmark_cost_s"] = time.perf_counter() - t


def _penalties(run) -> float:
    """The soft-benchmark penalties inside a risk-neutral run's objective (table cost_summary,
    component benchmark_penalty); 0 for a risk-weighted objective, whose CVaR term is not a sum of
    components (its benchmark cost stays the gross difference, as its definition says)."""
    if float(run.data.settings.get("risk_weight") or 0.0) > 0:
        return 0.0
    cs = run.results.tables.get("cost_summary")
    if cs is None or not len(cs):
        return 0.0
    return float(cs.loc[cs["component"] == "benchmark_penalty", "present_value_eur"].sum())
