"""Progressive hedging (mpi-sppy, 3 MPI processes) against the extensive form on many scenarios.

Called by ``python bench/run.py --mpisppy``; also on its own: ``python bench/mpisppy_bench.py
[N_SCENARIOS]``; ``python bench/mpisppy_bench.py --profile [N_SCENARIOS [ITERATIONS]]`` shows where
PH's time goes (in one process, under cProfile). The instance is a small synthetic case (3 materials, 8 countries, 10 years) with
N single-country disruption scenarios (bench/generate.py). The extensive form is built and solved
by the project (model/build.py, model/solve.py) in one process; PH runs as
``mpiexec -n 3 python -m model.mpisppy_adapter`` (hub, Lagrangian bound, incumbent). Each side
reports wall time and peak memory (of the one process, or of rank 0).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZE = dict(materials=3, countries=8, years=10, seed=1)


def run_ef(path: str) -> dict:
    from model.mpisppy_adapter import extensive_form
    from model.stochastic import risk_neutral
    from model.validate import load

    t0 = time.perf_counter()
    data = risk_neutral(load(path))
    read_s = time.perf_counter() - t0
    out = extensive_form(data)
    out.update(read_s=read_s, peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return out


def run_mpisppy_bench(tmp: Path, n_scenarios: int = 1000, max_iterations: int = 40, rel_gap: float = 1e-3,
                      time_limit: float = 1800.0) -> dict:
    from bench.generate import write_instance

    path = write_instance(Path(tmp) / f"ph{n_scenarios}.xlsx", scenarios=n_scenarios, **SIZE)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    out = {"instance": dict(SIZE, scenarios=n_scenarios)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--ef", str(path)],
                          capture_output=True, text=True, env=env, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    out["ef"] = json.loads(lines[-1]) if lines else {"error": proc.stderr[-500:]}
    out["ef"]["wall_s"] = time.perf_counter() - t
    print(json.dumps(out["ef"]), flush=True)
    if shutil.which("mpiexec") is None:
        out["ph"] = {"error": "no mpiexec"}
        return out
    t = time.perf_counter()
    cmd = ["mpiexec", "-n", "3", sys.executable, "-m", "model.mpisppy_adapter", str(path), "--json",
           "--max-iterations", str(max_iterations), "--rel-gap", str(rel_gap), "--time-limit", str(time_limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    out["ph"] = json.loads(lines[-1]) if lines else {"error": (proc.stderr or proc.stdout)[-800:]}
    out["ph"]["wall_s"] = time.perf_counter() - t
    return out


# where PH's time goes: cumulative seconds of these functions over the total, under cProfile
PROFILE_PARTS = {
    "linearised proximal term (mpi-sppy's cuts and their scipy projections)": ("phbase.py", "_update_prox_approx"),
    "appsi re-synchronising the model with HiGHS": ("appsi/base.py", "update"),
    "HiGHS' runs": ("~", "<built-in method highspy._core.run>"),
}


def profile_ph(n_scenarios: int = 30, iterations: int = 5) -> dict:
    """PH in one process (``model.mpisppy_adapter.run_ph_single``) under cProfile: the share of
    the run spent in each part of ``PROFILE_PARTS``."""
    import cProfile
    import pstats

    from bench.generate import write_instance
    from model.mpisppy_adapter import run_ph_single
    from model.stochastic import risk_neutral
    from model.validate import load

    with tempfile.TemporaryDirectory() as tmp:
        data = risk_neutral(load(write_instance(Path(tmp) / "ph.xlsx", scenarios=n_scenarios, **SIZE)))
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(run_ph_single, data, max_iterations=iterations)
    total = time.perf_counter() - t0
    stats = pstats.Stats(prof).stats  # (file, line, function) -> (calls, calls, tottime, cumtime, callers)
    out = {"scenarios": n_scenarios, "iterations": iterations, "profiled_s": total}
    for part, (where, func) in PROFILE_PARTS.items():
        cum = max((v[3] for (f, _, name), v in stats.items() if name == func and where in f.replace("\\", "/")),
                  default=0.0)
        out[part] = cum / total
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--ef":
        print(json.dumps(run_ef(argv[1])))
        return 0
    if argv and argv[0] == "--profile":  # --profile [N_SCENARIOS [ITERATIONS]]
        print(json.dumps(profile_ph(*map(int, argv[1:3])), indent=1))
        return 0
    n = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run_mpisppy_bench(Path(tmp), n), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
