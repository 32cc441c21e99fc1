"""Where the time of one Monte Carlo sample goes (model/analysis/montecarlo.py), default EU case.

For ``N`` samples (default 20, seed 1) prints the mean seconds of: drawing the data (apply the
factors and the hard/soft rule), building the model, handing it to HiGHS and solving it, the
extraction of the compliance table alone, and the five benchmark relaxations solved warm (row bounds
changed in the built LP) against the same five solved cold (the data changed, rebuilt and solved).

Run from the project root: ``python bench/montecarlo.py [N]``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import uncertainty as U
from model.analysis.montecarlo import FAMILIES, default_factors
from model.backends.highs import (
    HighsLP,
    finish,
    highs_options,
)
from model.build import build
from model.data import with_settings
from model.results import Solution, _compliance
from model.validate import load


def main(n: int = 20) -> None:
    base = with_settings(load(ROOT / "inputs" / "eu_crma.xlsx"), stochastic_reports="no", purchasing_reports="no")
    factors = U.read_factors(default_factors(), base)
    draws = U.sample(factors, n, 1)
    t = {k: 0.0 for k in ("draw", "build", "solve", "extract", "relax_warm", "relax_cold")}
    for draw in draws:
        t0 = time.perf_counter()
        data, _ = U.soften_out_of_reach(U.apply(base, factors, draw))
        t1 = time.perf_counter()
        mod = build(data)
        t2 = time.perf_counter()
        hm = HighsLP(mod.lp)
        hm.set_options(highs_options(data.settings))
        sol = finish(mod, hm, hm.run(), 0.0)
        t3 = time.perf_counter()
        _compliance(mod, Solution(mod, sol.x, sol.row_dual))
        t4 = time.perf_counter()
        groups = []
        for fam in FAMILIES + ("all",):
            rows = [con.start + np.flatnonzero((np.asarray(meta["benchmark"]) == fam) | (fam == "all"))
                    for con, meta in mod.info["benchmarks"]]
            groups.append((fam, np.concatenate(rows)))
        for _, r in groups:
            lo, up = hm.row_lower[r].copy(), hm.row_upper[r].copy()
            hm.set_row_bounds(r, np.full(len(r), -np.inf), np.full(len(r), np.inf))
            hm.run()
            hm.set_row_bounds(r, lo, up)
        t5 = time.perf_counter()
        for fam, _ in groups:
            free = data.derived()
            free.tables["benchmarks"] = {k: v for k, v in data.tables["benchmarks"].items()
                                         if fam != "all" and k[0] != fam}
            m2 = build(free)
            h2 = HighsLP(m2.lp)
            h2.set_options(highs_options(free.settings))
            h2.run()
        t6 = time.perf_counter()
        for k, v in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            t[k] += v
    print(f"{n} samples of the default EU case; mean seconds per sample:")
    for k, v in t.items():
        print(f"  {k:<11} {v / n:.3f}")
    per = (t["draw"] + t["build"] + t["solve"] + t["extract"] + t["relax_warm"]) / n
    print(f"  one sample as run (warm relaxations): {per:.3f} s; with cold relaxations instead: "
          f"{per - (t['relax_warm'] - t['relax_cold']) / n:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
