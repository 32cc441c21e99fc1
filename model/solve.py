"""Solve one ModelData: build the model, hand it to a backend, extract the result tables.

The core of every run (model/pipeline.py adds the reports and the run folder; the analyses, such as
joint-purchasing coalitions, call it for each variant of the data).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from model.backends.highs import SolveResult, solve
from model.build import build
from model.data import ModelData
from model.results import Results, extract

@dataclass
class Run:
    data: ModelData
    results: Results
    solution: SolveResult
    timings: dict
    folder: Path | None = None
    method: str = "extensive form"  # or the exact decomposition (model/analysis/decompose.py)
    method_reason: str = ""


BACKENDS = ("highs", "pyomo")
# names earlier versions wrote into run manifests: the same formulation, now built once
BACKEND_ALIASES = {"direct": "highs"}


def solve_model(data: ModelData, log_file=None, backend: str = "highs"):
    """(model, SolveResult, Results, HighsLP or None, timings) of ``data``.

    ``backend``: ``highs`` (default) passes the model's matrix to HiGHS in one call; ``pyomo``
    builds the same model as a Pyomo ConcreteModel (model/backends/pyomo.py) and solves that with
    HiGHS through Pyomo, as a check that both give the same numbers. Either way the tables come
    from one extraction (model/results.py).
    """
    backend = BACKEND_ALIASES.get(backend, backend)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: one of {', '.join(BACKENDS)}")
    timings = {}
    t0 = time.perf_counter()
    mod = build(data)
    timings["build_s"] = time.perf_counter() - t0
    hm = None
    if backend == "highs":
        sol, hm = solve(mod, log_file=log_file)
    else:
        from model.backends.pyomo import solve_pyomo

        sol = solve_pyomo(mod, log_file=log_file)
    timings["solve_s"] = sol.solve_seconds
    timings["duals_s"] = sol.dual_seconds
    t1 = time.perf_counter()
    results = extract(mod, sol)
    timings["extract_s"] = time.perf_counter() - t1
    return mod, sol, results, hm, timings
