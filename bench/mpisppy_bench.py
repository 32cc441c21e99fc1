"""Progressive hedging (mpi-sppy, 3 MPI processes) against the extensive form on many scenarios.

Called by ``python bench/run.py --mpisppy``; also on its own: ``python bench/mpisppy_bench.py
[N_SCENARIOS]``. The instance is a small synthetic case (3 materials, 8 countries, 10 years) with
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


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--ef":
        print(json.dumps(run_ef(argv[1])))
        return 0
    n = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run_mpisppy_bench(Path(tmp), n), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
