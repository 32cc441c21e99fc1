"""Benchmark: time and memory of every phase of a run, on the EU case and synthetic instances.

``python bench/run.py`` (from the project root) writes synthetic workbooks (bench/generate.py) into
a temporary folder, runs every instance in its own subprocess (so that peak memory, read from
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end, belongs to that instance alone), and
prints and writes to docs/performance.md, per instance:

* the time of each phase: read and validate, build, hand-off to HiGHS (compiling the Pyomo model
  into HiGHS' arrays), HiGHS itself, loading the solution and duals, extract (result tables), the
  optional reports (coalitions / VSS), write (results.xlsx);
* rows, columns, nonzeros, peak memory (and per nonzero);
* the fitted exponent of build time against nonzeros (log-log least squares);
* the hand-off paths compared on the largest instance: this project's direct compiler
  (model/solve.py), pyomo.contrib.solver 'highs', appsi_highs, and Pyomo's
  LinearStandardFormCompiler (only when scipy is importable; the project does not depend on it);
* warm re-solves (model/warm.py) against a cold build + solve;
* optionally (``--mpisppy``) progressive hedging through mpi-sppy on a 1,000-scenario instance
  against the extensive form (model/mpisppy_adapter.py).

Options: ``--quick`` (small instances only, for a smoke test), ``--no-write-doc``, ``--mpisppy``,
``--json PATH`` (raw numbers). Measure ratios inside one run: other processes share the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PACKAGES = ("pyomo", "highspy", "numpy", "pandas", "openpyxl", "mpi-sppy", "mpi4py", "scipy")

# the scaling series (materials, countries, years, scenarios): nonzeros grow ~ materials x
# offers x years x scenarios
SERIES = [
    ("S1", dict(materials=5, countries=10, years=16, scenarios=2)),
    ("S2", dict(materials=10, countries=20, years=16, scenarios=5)),
    ("S3", dict(materials=20, countries=30, years=16, scenarios=10)),
    ("S4", dict(materials=30, countries=30, years=16, scenarios=20)),
    ("S5", dict(materials=40, countries=40, years=16, scenarios=30)),
]
EXTRA = [
    ("B3", dict(materials=5, countries=10, years=16, scenarios=1, buyers=3)),   # coalition reports
    ("MIP", dict(materials=5, countries=10, years=16, scenarios=3, modules=True)),
]
QUICK = [("S1", SERIES[0][1]), ("S2", SERIES[1][1]), ("Q3", dict(materials=10, countries=20, years=16,
                                                                    scenarios=10)),
         ("Q4", dict(materials=10, countries=20, years=16, scenarios=20))]


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


# ---- one instance, in a subprocess --------------------------------------------------------------
def run_one(path: str, write: bool = True, backend: str = "direct") -> dict:
    """All phases of one workbook (what model.pipeline.run_case does, timed phase by phase).

    ``backend``: ``direct`` (model/direct.py, the default of ``run``) or ``pyomo`` (the reference
    Pyomo blocks). *build* is creating the model (arrays or Pyomo components), *hand-off* turning
    it into HiGHS' arrays and passing them (``passModel``).
    """
    base_rss = _maxrss_bytes()
    t_start = time.perf_counter()
    from model.io.write import write_results
    from model.pipeline import wants_purchasing_reports, wants_stochastic_reports
    from model.validate import load

    imports_s = time.perf_counter() - t_start
    out = {"path": Path(path).name, "imports_s": imports_s, "backend": backend}
    t = time.perf_counter()
    data = load(path)
    out["read_s"] = time.perf_counter() - t
    out.update(materials=len(data.materials), countries=len(data.countries) - 1, years=len(data.years),
               scenarios=len(data.scenarios))
    t_model = time.perf_counter()  # build to extract, on the wall clock
    if backend in ("direct", "direct-serial"):
        from model.direct import no_cyclic_gc, solve_direct
        from model.direct_results import extract_direct

        with no_cyclic_gc():  # as model.pipeline.solve_data runs it
            # direct-serial: the tables prepared after the solve, not beside it (for comparison)
            lp, sol, values, out["build_s"] = solve_direct(data, prepare_tables=backend == "direct")
            t = time.perf_counter()
            results = extract_direct(lp, sol, values)
            # the tables' preparation ran beside HiGHS; waiting for it after the solve is extraction
            out["extract_s"] = time.perf_counter() - t + sol.plan_wait_seconds
            out["plan_s"] = sol.plan_seconds
            out["model_wall_s"] = time.perf_counter() - t_model
            del lp, values
    else:
        from model.build import build
        from model.results import extract
        from model.solve import solve

        t = time.perf_counter()
        b = build(data)
        out["build_s"] = time.perf_counter() - t
        sol = solve(b)
        t = time.perf_counter()
        results = extract(b, sol)
        out["extract_s"] = time.perf_counter() - t
        out["model_wall_s"] = time.perf_counter() - t_model
    out["handoff_s"] = sol.handoff_seconds
    out["highs_s"] = sol.highs_seconds
    out["load_duals_s"] = sol.load_seconds + sol.dual_seconds
    # what no phase above names (status checks, starting the preparing thread, row activities):
    # counted, so that the phases add up to the wall clock from build to extract
    out["other_s"] = max(0.0, out["model_wall_s"] - sum(out[k] for k in ("build_s", "handoff_s", "highs_s",
                                                                          "load_duals_s", "extract_s")))
    out.update(rows=sol.n_rows, cols=sol.n_cols, nnz=sol.n_nonzeros, mip=sol.is_mip, objective=sol.objective)
    t = time.perf_counter()
    if wants_stochastic_reports(data):
        from model.stochastic import value_of_information

        results.tables["value_of_information"] = value_of_information(data).table()
    if wants_purchasing_reports(data):
        from model.analysis.coalitions import purchasing_report

        results.tables.update(purchasing_report(data).tables)
    out["reports_s"] = time.perf_counter() - t
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            write_results(Path(tmp) / "results.xlsx", results, {"case": out["path"]})
            out["write_s"] = time.perf_counter() - t
    else:
        out["write_s"] = float("nan")
    out["peak_rss_bytes"] = _maxrss_bytes()
    out["base_rss_bytes"] = base_rss
    return out


def _run_highs_model(hm, opts: dict):
    """Solve a model/solve.py HighsModel (or the direct backend's): HiGHS' run time, the objective,
    and the duals, after loading the values."""
    hm.set_options(opts)
    hm.run()
    run_s, obj = hm.highs.getRunTime(), hm.objective_value()
    hm.load_vars()
    return run_s, obj, hm.duals()


def run_handoff(path: str, which: str) -> dict:
    """One hand-off path on one workbook: build, pass to HiGHS, solve, load values and duals."""
    import numpy as np
    from model.build import build
    from model.validate import load

    data = load(path)
    opts = {"random_seed": 0}
    if which == "from_data":  # no Pyomo model: arrays from the data (build included in the total)
        from model.direct import DirectHighs, build_direct, no_cyclic_gc

        with no_cyclic_gc():
            t0 = time.perf_counter()
            run_s, obj, duals = _run_highs_model(DirectHighs(build_direct(data)), opts)
            total = time.perf_counter() - t0
        return {"path": which, "total_s": total, "highs_s": run_s, "outside_s": total - run_s,
                "objective": obj, "n_duals": len(duals), "peak_rss_bytes": _maxrss_bytes()}
    b = build(data)
    m = b.m
    t0 = time.perf_counter()
    if which == "direct":
        from model.solve import HighsModel

        run_s, obj, duals = _run_highs_model(HighsModel(m), opts)
    elif which == "contrib_highs":
        from pyomo.common.tee import capture_output
        from pyomo.contrib.solver.common.factory import SolverFactory

        opt = SolverFactory("highs")
        with capture_output(capture_fd=True):
            res = opt.solve(m, load_solutions=False, solver_options=opts)
        run_s, obj = opt._solver_model.getRunTime(), res.incumbent_objective
        res.solution_loader.load_vars()
        duals = res.solution_loader.get_duals()
    elif which == "appsi_highs":
        from pyomo.common.tee import capture_output
        from pyomo.contrib.appsi.solvers import Highs

        opt = Highs()
        opt.config.load_solution = False
        opt.highs_options = opts
        with capture_output(capture_fd=True):
            res = opt.solve(m)
        run_s, obj = opt._solver_model.getRunTime(), res.best_feasible_objective
        res.solution_loader.load_vars()
        duals = res.solution_loader.get_duals()
    elif which == "standard_form":
        import highspy
        from pyomo.common.tee import capture_output
        from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

        sf = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
        A = sf.A.tocsr()
        nr, nc = A.shape
        kind = np.array([r[1] for r in sf.rows])  # mixed form: 0 ==, 1 <=, -1 >=
        lo = np.where(kind == 1, -np.inf, sf.rhs)
        up = np.where(kind == -1, np.inf, sf.rhs)
        cl = np.array([-np.inf if v.lb is None else v.lb for v in sf.columns], float)
        cu = np.array([np.inf if v.ub is None else v.ub for v in sf.columns], float)
        c = np.asarray(sf.c.todense()).ravel()
        with capture_output(capture_fd=True):
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.passModel(nc, nr, A.nnz, 2, 1, float(sf.c_offset[0]), c, cl, cu, lo, up,
                    A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data.astype(float),
                    np.zeros(nc, np.int32))
        h.run()
        run_s, obj = h.getRunTime(), h.getInfo().objective_function_value
        for v, x in zip(sf.columns, h.getSolution().col_value):
            v.set_value(x, skip_validation=True)
        duals = {r[0]: d for r, d in zip(sf.rows, h.getSolution().row_dual)}
    else:
        raise ValueError(which)
    total = time.perf_counter() - t0
    return {"path": which, "total_s": total, "highs_s": run_s, "outside_s": total - run_s,
            "objective": obj, "n_duals": len(duals), "peak_rss_bytes": _maxrss_bytes()}


def run_warm(path: str, levels=(0.3, 0.4, 0.35), benchmark="processing") -> dict:
    """Cold build + solve at each level against warm re-solves of one model (model/warm.py)."""
    from model.build import build
    from model.solve import solve
    from model.validate import load
    from model.warm import WarmSweep, with_benchmark_level

    data = load(path)
    cold = []
    for lv in levels:
        d = with_benchmark_level(data, benchmark, lv)
        t = time.perf_counter()
        sol = solve(build(d))
        cold.append({"level": lv, "seconds": time.perf_counter() - t, "objective": sol.objective})
    from model.direct import no_cyclic_gc, solve_direct

    cold_direct = []
    for lv in levels:
        d = with_benchmark_level(data, benchmark, lv)
        t = time.perf_counter()
        with no_cyclic_gc():
            sol = solve_direct(d)[1]
        cold_direct.append({"level": lv, "seconds": time.perf_counter() - t, "objective": sol.objective})
    t = time.perf_counter()
    sweep = WarmSweep(data, benchmark=benchmark)
    first = time.perf_counter() - t
    warm = []
    for lv in levels:
        t = time.perf_counter()
        sol = sweep.solve_at(lv)
        warm.append({"level": lv, "seconds": time.perf_counter() - t, "objective": sol.objective})
    price = []
    for mult in (1.2, 0.9):
        t = time.perf_counter()
        sol = sweep.solve_price(mult)
        price.append({"multiplier": mult, "seconds": time.perf_counter() - t, "objective": sol.objective})
    return {"path": Path(path).name, "cold": cold, "cold_direct": cold_direct, "warm": warm, "price": price,
            "first_s": first,
            "max_rel_diff": max(abs(w["objective"] - c["objective"]) / abs(c["objective"])
                                for w, c in zip(warm, cold))}


def _subprocess(args: list[str], timeout: float = 3600.0, env_extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve())] + args, capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"]}
    return json.loads(lines[-1])


# ---- the whole benchmark ------------------------------------------------------------------------
def default_case() -> Path:
    for p in (ROOT / "inputs" / "eu_crma.xlsx", ROOT / "inputs" / "example.xlsx"):
        if p.exists():
            return p
    raise FileNotFoundError("no default case")


def fit_exponent(xs, ys) -> float:
    import numpy as np

    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "os": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if names:
            info["processor"] = names[0]
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(kb / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    from model.pipeline import versions

    info.update(versions(PACKAGES))
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--no-write", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="direct", help=argparse.SUPPRESS)
    ap.add_argument("--handoff", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--warm", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="small instances only")
    ap.add_argument("--mpisppy", action="store_true", help="also PH vs EF on 1,000 scenarios")
    ap.add_argument("--mpisppy-scenarios", type=int, default=1000)
    ap.add_argument("--no-write-doc", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results.json"))
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(run_one(a.one, write=not a.no_write, backend=a.backend)))
        return 0
    if a.handoff:
        print(json.dumps(run_handoff(*a.handoff)))
        return 0
    if a.warm:
        print(json.dumps(run_warm(a.warm)))
        return 0

    from bench.generate import write_instance

    report = {"machine": machine(), "instances": [], "reference": [], "handoff": [], "warm": [], "mpisppy": None,
              "started": time.strftime("%Y-%m-%d %H:%M")}
    print(f"machine: {report['machine']}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    cases = [("EU", default_case())]
    for name, size in (QUICK if a.quick else SERIES + EXTRA):
        path = write_instance(tmp / f"{name}.xlsx", **size)
        cases.append((name, path))
    for name, path in cases:
        t = time.perf_counter()
        r = _subprocess(["--one", str(path)])
        r.update(name=name, wall_s=time.perf_counter() - t)
        report["instances"].append(r)
        print(json.dumps(r), flush=True)
    # end to end for the default case, as a user runs it (process start to results written)
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "run.py"), str(cases[0][1]), "--outputs", out,
                               "--quiet"], capture_output=True, text=True, cwd=str(ROOT))
        report["eu_end_to_end_s"] = time.perf_counter() - t
        report["eu_end_to_end_rc"] = proc.returncode
    print(f"EU case end to end: {report['eu_end_to_end_s']:.2f} s (rc {proc.returncode})", flush=True)

    ok = [r for r in report["instances"] if "error" not in r]
    largest = max((r for r in ok if r["name"] != "EU"), key=lambda r: r["nnz"])
    big_path = str(dict(cases)[largest["name"]])
    have_scipy = subprocess.run([sys.executable, "-c", "import scipy.sparse"], capture_output=True).returncode == 0
    # the reference Pyomo backend on the same workbooks, for the side-by-side comparison
    for name, path in cases:
        if name in ("EU", "S3", largest["name"]) or (a.quick and name == "Q3"):
            r = _subprocess(["--one", str(path), "--backend", "pyomo"])
            r["name"] = name
            report["reference"].append(r)
            print(json.dumps(r), flush=True)
    # the same largest case with the tables prepared after the solve instead of beside it: does the
    # preparing thread slow HiGHS down?
    r = _subprocess(["--one", big_path, "--backend", "direct-serial", "--no-write"])
    r["name"] = largest["name"]
    report["serial"] = r
    print(json.dumps(r), flush=True)
    for which in ("from_data", "direct", "contrib_highs", "appsi_highs", "standard_form"):
        if which == "standard_form" and not have_scipy:
            report["handoff"].append({"path": which, "error": ["scipy not installed"]})
            continue
        r = _subprocess(["--handoff", big_path, which])
        r.setdefault("path", which)
        report["handoff"].append(r)
        print(json.dumps(r), flush=True)
    for name, path in cases:
        if name in ("EU", "S3", largest["name"]) or (a.quick and name == "Q3"):
            r = _subprocess(["--warm", str(path)])
            r["name"] = name
            report["warm"].append(r)
            print(json.dumps(r), flush=True)
    if a.mpisppy:
        from bench.mpisppy_bench import run_mpisppy_bench

        report["mpisppy"] = run_mpisppy_bench(tmp, a.mpisppy_scenarios)
        print(json.dumps(report["mpisppy"]), flush=True)
    elif Path(a.json).exists():  # keep the last mpi-sppy measurement
        try:
            report["mpisppy"] = json.loads(Path(a.json).read_text()).get("mpisppy")
        except (OSError, ValueError):
            pass
    Path(a.json).write_text(json.dumps(report, indent=1, default=str))
    if not a.no_write_doc:
        from bench.report import write_doc

        path = write_doc(report, ROOT / "docs" / "performance.md")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
