"""What the benchmarks cost: the same case solved without them (table ``benchmark_cost``).

A run (model/pipeline.py) and a reproduction (model/analysis/compare.py) add it beside their own
solve; the one-page answer (model/summaries.py) reads it.
"""
from __future__ import annotations

import time

import pandas as pd

from model.data import ModelData, with_settings
from model.errors import InputError, ModelError

BENCHMARK_COST_MAX_NONZEROS = 300_000


def benchmark_cost(data: ModelData, objective: float, nonzeros: int = 0) -> pd.DataFrame | None:
    """Table ``benchmark_cost``: the objective with the benchmarks, without them (the
    ``benchmarks`` sheet emptied, every other input the same) and the difference, which is what
    the benchmarks cost. None when the model is larger than BENCHMARK_COST_MAX_NONZEROS or the
    case has no benchmark; a case that cannot be solved without them gets a blank with the
    reason."""
    from model.solve import solve_model

    if not data.tables.get("benchmarks") or nonzeros > BENCHMARK_COST_MAX_NONZEROS:
        return None
    free = with_settings(data, stochastic_reports="no", purchasing_reports="no")
    free.tables["benchmarks"] = {}
    try:
        without = float(solve_model(free)[1].objective)
        note = "the same case with the sheet benchmarks emptied"
    except (ModelError, InputError) as exc:
        without, note = float("nan"), f"not solved without the benchmarks: {exc}"
    rows = [("total cost with the benchmarks", float(objective), "the run's objective (present value)"),
            ("total cost without the benchmarks", without, note),
            ("cost of the benchmarks", float(objective) - without,
             "with less without: what meeting the benchmarks (or paying their penalties) costs")]
    return pd.DataFrame(rows, columns=["measure", "value_eur", "definition"])


def add_benchmark_cost(run) -> None:
    """Add table ``benchmark_cost`` to a run's results (when ``benchmark_cost`` gives one)."""
    t = time.perf_counter()
    table = benchmark_cost(run.data, run.solution.objective, getattr(run.solution, "n_nonzeros", 0))
    if table is not None:
        run.results.tables["benchmark_cost"] = table
        run.timings["benchmark_cost_s"] = time.perf_counter() - t
