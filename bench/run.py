"""Benchmark: the speed targets of the single formulation, side by side in one run.

``python bench/run.py`` (from the project root) measures, each in its own process so that peak
memory belongs to one instance:

* the phases of a run (read, build, hand-off to HiGHS, HiGHS, duals, extract, write) on the frozen
  EU workbook (bench/fixtures/eu_crma_frozen.xlsx), on today's default case (inputs/eu_crma.xlsx)
  and on synthetic instances S1..S5 and a MIP (bench/generate.py); the share of the wall clock
  from build to extract spent outside HiGHS, and the whole run (read to written workbook) against
  HiGHS alone;
* ``python run.py`` on the EU case as a user runs it (process start to exit), with the time to
  import the modules a run needs reported apart;
* the 11-scenario EU disruption case with its VSS/EVPI report against the main solve alone;
* a 10-point sweep of the processing benchmark level (``python run.py sweep``) against one run
  (``python run.py``), both end to end.

``--before REV`` runs the same measurements on the code of a git revision (extracted with ``git
archive`` into a temporary folder) and prints both side by side: the ratios say what a change
bought on this machine, whatever else it was doing. ``--quick`` skips S4, S5 and the MIP;
``--json PATH`` writes the raw numbers; ``--doc`` rewrites docs/performance.md from them.
Measure ratios inside one run: other processes share the machine. The phases of S5 and of the
frozen EU case are the best of three runs each.
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
FROZEN = ROOT / "bench" / "fixtures" / "eu_crma_frozen.xlsx"
FROZEN_DISRUPTED = ROOT / "bench" / "fixtures" / "eu_crma_disruptions_frozen.xlsx"
SERIES = [
    ("S1", dict(materials=5, countries=10, years=16, scenarios=2)),
    ("S2", dict(materials=10, countries=20, years=16, scenarios=5)),
    ("S3", dict(materials=20, countries=30, years=16, scenarios=10)),
    ("S4", dict(materials=30, countries=30, years=16, scenarios=20)),
    ("S5", dict(materials=40, countries=40, years=16, scenarios=30)),
    ("MIP", dict(materials=5, countries=10, years=16, scenarios=3, modules=True)),
]

# one run, phase by phase, through the public API every version of the code has
PHASES = r"""
import json, resource, sys, tempfile, time
t0 = time.perf_counter()
from model.data import with_settings
from model.io.write import write_results
from model.pipeline import solve_data
from model.validate import load
out = {"imports_s": time.perf_counter() - t0}
t = time.perf_counter()
data = load(sys.argv[1])
out["read_s"] = time.perf_counter() - t
if sys.argv[2] == "no-reports":
    data = with_settings(data, stochastic_reports="no", purchasing_reports="no")
import inspect
t = time.perf_counter()
# the extensive form: the same LP in every version (later versions would decompose stochastic cases)
kw = {"method": "extensive"} if "method" in inspect.signature(solve_data).parameters else {}
run = solve_data(data, **kw)
out["solve_data_s"] = time.perf_counter() - t
tm, sol = run.timings, run.solution
for k in ("build_s", "solve_s", "extract_s", "vss_evpi_s", "purchasing_s"):
    out[k] = tm.get(k, 0.0)
out["highs_s"] = sol.highs_seconds
out["handoff_s"] = sol.handoff_seconds
out.update(rows=sol.n_rows, cols=sol.n_cols, nnz=sol.n_nonzeros, objective=sol.objective)
t = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    write_results(tmp + "/results.xlsx", run.results, {"case": "bench"})
out["write_s"] = time.perf_counter() - t
out["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps(out))
"""


def _python(code_root: Path, args: list[str], timeout: float = 3600.0) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(code_root), PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, *args], cwd=code_root, env=env, capture_output=True, text=True,
                          timeout=timeout)


def phases(code_root: Path, path: Path, reports: bool = False, repeat: int = 1) -> dict:
    """The phases of one run, each the best (least) of ``repeat`` runs in their own processes (as
    timeit takes the least: what the code needs, less what other processes took from it); the
    shares and ratios are computed from those best times."""
    runs = []
    for _ in range(repeat):
        proc = _python(code_root, ["-c", PHASES, str(path), "reports" if reports else "no-reports"])
        if proc.returncode:
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    r = dict(runs[0])
    for k, v in r.items():
        if k.endswith("_s") or k == "peak_gib":
            r[k] = min(x[k] for x in runs)
    r["repeats"] = repeat
    model = r["build_s"] + r["solve_s"] + r["extract_s"]  # build to extract, without the reports
    r["outside_highs"] = (model - r["highs_s"]) / model if model else float("nan")
    whole = r["read_s"] + model + r["write_s"]
    r["whole_over_highs"] = whole / r["highs_s"] if r["highs_s"] else float("nan")
    return r


def wall(code_root: Path, args: list[str], repeat: int = 3, cpu: list | None = None) -> float:
    """Best of ``repeat`` wall clocks of ``python ARGS`` (process start to exit); with ``cpu`` (a
    list), the processor time (user + system) of each run is appended to it."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = _python(code_root, args)
        elapsed = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0,):
            raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr[-500:]}")
        best = min(best, elapsed)
        if cpu is not None:
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def user_level(code_root: Path, workbook: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cpu = []  # processor time of each run.py: less sensitive than the wall clock to a busy machine
        run_s = wall(code_root, ["run.py", str(workbook), "--quiet", "--outputs", tmp], cpu=cpu)
        bare = wall(code_root, ["-c", "pass"])
        imports = wall(code_root, ["-c", "import model.cli, model.pipeline"]) - bare
        sweep_s = wall(code_root, ["run.py", "sweep", str(workbook), "--param", "benchmark.processing.level",
                                   "--range", "0.3:0.5:10", "-o", str(Path(tmp) / "sweep.xlsx")])  # best of 3, as the run
    return {"run_s": run_s, "run_cpu_s": min(cpu), "python_start_s": bare, "imports_s": imports,
            "sweep10_s": sweep_s, "sweep_over_run": sweep_s / run_s}


def _generator(code_root: Path):
    """write_instance of that version's bench/generate.py, run in its own process on that version's
    code (its workbooks follow its own template)."""
    def write_instance(path, **size):
        args = [str(code_root / "bench" / "generate.py"), str(path)]
        for k, v in size.items():
            args += [f"--{k}"] if v is True else ([] if v is False else [f"--{k}", str(v)])
        proc = _python(code_root, args)
        if proc.returncode:
            raise RuntimeError(proc.stderr[-500:])
        return Path(path)

    return write_instance


def measure(code_root: Path, quick: bool) -> dict:
    write_instance = _generator(code_root)

    out = {"instances": {}}
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("EU (frozen)", FROZEN), ("EU (today)", code_root / "inputs" / "eu_crma.xlsx")]
        for name, size in SERIES:
            if quick and name in ("S4", "S5", "MIP"):
                continue
            cases.append((name, write_instance(Path(tmp) / f"{name}.xlsx", **size)))
        for name, path in cases:
            print(f"  {name} ...", file=sys.stderr, flush=True)
            # best of three where the targets are set and runs are short enough to repeat
            out["instances"][name] = phases(code_root, path, repeat=3 if name in ("S5", "EU (frozen)") else 1)
        print("  EU disruptions with VSS/EVPI ...", file=sys.stderr, flush=True)
        alone = phases(code_root, FROZEN_DISRUPTED)
        full = phases(code_root, FROZEN_DISRUPTED, reports=True)
        out["vss"] = {"main_s": alone.get("solve_data_s"), "with_report_s": full.get("solve_data_s"),
                      "ratio": full.get("solve_data_s", float("nan")) / alone.get("solve_data_s", float("nan"))}
        print("  python run.py and a 10-point sweep ...", file=sys.stderr, flush=True)
        out["user"] = user_level(code_root, FROZEN)
    return out


def _code_of(rev: str, tmp: Path) -> Path:
    dest = tmp / "code"
    dest.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _fmt(x, unit="") -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    if unit == "%":
        return f"{100 * x:.0f} %"
    if unit == "x":
        return f"{x:.2f}x"
    return f"{x:.2f}"


def table(now: dict, before: dict | None) -> list[str]:
    cols = ["now"] + (["before"] if before else [])
    lines = ["| measure | " + " | ".join(cols) + " | target |", "|---|" + "---:|" * len(cols) + "---|"]

    def row(label, get, unit="", target=""):
        vals = [_fmt(get(now), unit)] + ([_fmt(get(before), unit)] if before else [])
        lines.append(f"| {label} | " + " | ".join(vals) + f" | {target} |")

    for name in now["instances"]:
        g = (lambda n: (lambda r: r["instances"].get(n, {})))(name)
        row(f"{name}: nonzeros", lambda r, g=g: float(g(r).get("nnz", float("nan"))), "")
        row(f"{name}: build / hand-off / HiGHS / extract s", lambda r, g=g: None)
        lines[-1] = (f"| {name}: build, hand-off, HiGHS, extract (s) | " + " | ".join(
            ", ".join(_fmt(g(r).get(k)) for k in ("build_s", "handoff_s", "highs_s", "extract_s"))
            for r in ([now] + ([before] if before else []))) + " | |")
        row(f"{name}: read, write (s)", lambda r, g=g: None)
        lines[-1] = (f"| {name}: read, write (s) | " + " | ".join(
            ", ".join(_fmt(g(r).get(k)) for k in ("read_s", "write_s"))
            for r in ([now] + ([before] if before else []))) + " | |")
        row(f"{name}: outside HiGHS, build to extract", lambda r, g=g: g(r).get("outside_highs"), "%",
            "<= 20 % (S5)" if name == "S5" else "")
        row(f"{name}: whole run / HiGHS", lambda r, g=g: g(r).get("whole_over_highs"), "x",
            "<= 1.6x (S5)" if name == "S5" else "")
    row("EU `python run.py`, process start to exit (s)", lambda r: r["user"]["run_s"], "", "<= 1.5 s")
    row("  its processor time, user + system (s)", lambda r: r["user"].get("run_cpu_s"))
    row("  of which importing the modules (s)", lambda r: r["user"]["imports_s"])
    row("  of which starting Python (s)", lambda r: r["user"]["python_start_s"])
    row("EU disruptions: with VSS/EVPI / main solve", lambda r: r["vss"]["ratio"], "x", "<= 2x")
    row("EU 10-point sweep / one run (end to end)", lambda r: r["user"]["sweep_over_run"], "x", "<= 1.5x")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", help="a git revision to measure beside the working tree")
    ap.add_argument("--quick", action="store_true", help="skip S4, S5 and the MIP instance")
    ap.add_argument("--json", help="write the raw numbers here")
    ap.add_argument("--doc", action="store_true", help="rewrite docs/performance.md")
    args = ap.parse_args(argv)
    print("measuring the working tree ...", file=sys.stderr)
    now = measure(ROOT, args.quick)
    before = None
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            code = _code_of(args.before, Path(tmp))
            print(f"measuring {args.before} ...", file=sys.stderr)
            before = measure(code, args.quick)
    lines = table(now, before)
    print("\n".join(lines))
    report = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "date": time.strftime("%Y-%m-%d %H:%M")},
              "before_rev": args.before, "now": now, "before": before}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    if args.doc:
        from report import write_doc

        write_doc(report, lines, ROOT / "docs" / "performance.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
