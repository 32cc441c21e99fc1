"""The exact decomposition against the extensive form, and the engines that run its parts.

    python bench/decomposition.py engines [WORKBOOK]      serial / processes / dask (2 workers)
    python bench/decomposition.py systematic [N_EF]       the USGS-style scenario set of the EU case:
                                                          decomposed at full size; the extensive form
                                                          at N_EF scenarios (largest that fits), both
                                                          decomposed and extensive at that size
    python bench/decomposition.py cvar [N [ITERATIONS [RANKS]]]
                                                          CVaR (lambda 0.5) on N scenarios of the
                                                          systematic set (default 110): the extensive
                                                          form against mpi-sppy (PH, Lagrangian bound,
                                                          incumbent; one process, or RANKS = 3 MPI
                                                          processes), side by side

Each measurement runs in its own process (peak memory = that process's maximum resident set).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_gib() -> float:
    """This process's peak resident memory (the workers report their own: PartResult.peak_gib)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def _child(args: list) -> dict:
    out = subprocess.run([sys.executable, __file__, "_one", *args], check=False, capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def systematic_eu(limit=None, events: bool = True, spread: bool = False):
    """The systematic set of the default EU case (model/stochastic.py, generate_systematic): rates
    from data/reference/disruptions.csv, the multi-material events of inputs/eu_crma_disruptions.xlsx.
    ``limit``: only ``limit`` scenarios, 'nominal' taking the probability of the others: the first
    ones, or with ``spread`` 'nominal', every multi-material event and single-country scenarios
    evenly spaced through the set (so that every material is disrupted in some scenario)."""
    from model.stochastic import generate_systematic, record_rates
    from model.validate import load

    base = load(ROOT / "inputs" / "eu_crma.xlsx")
    record = load(ROOT / "inputs" / "eu_crma_disruptions.xlsx") if events else None
    data = generate_systematic(base, record_rates(ROOT / "data" / "reference" / "disruptions.csv", base.countries),
                               events=record)
    if limit is not None and limit < len(data.scenarios):
        keep = data.scenarios[:limit]
        if spread:
            multi = [w for w in data.scenarios if len({k[0] for k in data.disruption.get(w, {})}) > 1]
            single = [w for w in data.scenarios if w != "nominal" and w not in multi]
            n = max(0, limit - 1 - len(multi))
            picks = [single[int(i * len(single) / n)] for i in range(n)] if n else []
            keep = ["nominal", *multi[:limit - 1], *picks]
        prob = {w: data.probability[w] for w in keep}
        prob["nominal"] += 1.0 - sum(prob.values())
        data.probability = prob
        data.disruption = {w: data.disruption[w] for w in keep}
        # the tables too, so that the subset can be written as a workbook (write_model_data)
        scen = {w: dict(data.tables["scenarios"][w], probability=prob[w]) for w in keep
                if w in data.tables["scenarios"]}  # 'nominal' takes what the others leave
        dis = {k: rec for k, rec in data.tables["disruptions"].items() if k[0] in prob}
        data = data.derived(scenarios=scen, disruptions=dis)
    return data


def cvar_workbook(path, n: int = 110, risk_weight: float = 0.5) -> Path:
    """The CVaR bench case as a workbook: the systematic set, ``n`` scenarios spread over it
    (``systematic_eu(n, spread=True)``), with ``risk_weight`` (lambda) on CVaR at the case's alpha."""
    from model.data import with_settings
    from model.io.template import write_model_data

    data = with_settings(systematic_eu(limit=n, spread=True), risk_weight=risk_weight)
    return write_model_data(path, data)


def one(kind: str, source: str, engine: str, n: str) -> dict:
    """One measurement: ``kind`` ef or dec, on a workbook or the systematic set (first n scenarios)."""
    from model.data import with_settings

    t0 = time.perf_counter()
    if source in ("systematic", "single-country"):
        data = systematic_eu(limit=int(n) if n != "all" else None, events=source == "systematic")
    else:
        from model.validate import load

        data = load(source)
    data = with_settings(data, stochastic_reports="no")
    read = time.perf_counter() - t0
    t1 = time.perf_counter()
    if kind == "ef":
        from model.backends.highs import solve
        from model.build import build

        mod = build(data)
        sol, _ = solve(mod)
        objective, parts, rows = sol.objective, 1, mod.lp.n_rows
    else:
        from model.analysis.decompose import probe_groups, solve_parts, split

        groups = probe_groups(data)
        ps = split(data, groups)
        res = solve_parts(ps, engine=engine)
        objective, parts, rows = sum(r.objective for r in res), len(ps), sum(r.n_rows for r in res)
        assert all(r.status == "optimal" for r in res)
        worker = max((r.peak_gib or 0.0) for r in res)
    solve_s = time.perf_counter() - t1
    own = peak_gib()
    return {"kind": kind, "engine": engine, "scenarios": len(data.scenarios), "objective": objective, "parts": parts,
                "rows": rows, "read_s": read, "solve_s": solve_s, "peak_gib": max(own, worker) if kind == "dec" else own,
                "main_gib": own, "worker_gib": worker if kind == "dec" else 0.0,
                "total_gib": own + (worker * min(2, parts) if kind == "dec" and engine != "serial" else 0.0)}


def engines(workbook: str) -> None:
    print(f"{Path(workbook).name}: extensive form against the decomposition on each engine (own process each)")
    ef = _child(["ef", workbook, "-", "0"])
    print(f"  extensive form       {ef['solve_s']:7.2f} s  objective {ef['objective']:,.2f}  peak {ef['peak_gib']:.2f} GiB")
    for engine in ("serial", "processes", "dask"):
        r = _child(["dec", workbook, engine, "0"])
        if "error" in r:
            print(f"  decomposed, {engine:9s} failed: {r['error']}")
            continue
        rel = abs(r["objective"] - ef["objective"]) / abs(ef["objective"])
        print(f"  decomposed, {engine:9s} {r['solve_s']:7.2f} s  {r['parts']} parts  relative difference {rel:.1e}"
              f"  peak {r['peak_gib']:.2f} GiB")


def systematic(n_ef: int) -> None:
    for source in ("single-country", "systematic"):
        _full(source)
    _side_by_side(n_ef)


def _full(source: str) -> None:
    full = _child(["dec", source, "processes", "all"])
    what = "single-country events only" if source == "single-country" else "with the multi-material events"
    print(f"systematic set, {what}, all {full['scenarios']:,} scenarios, exact decomposition (2 local processes): "
          f"{full['read_s']:.2f} s to generate, {full['solve_s']:.2f} s to solve, {full['parts']} parts, "
          f"peak {full['main_gib']:.2f} GiB main process + {full['worker_gib']:.2f} GiB per worker "
          f"(at most {full['total_gib']:.2f} GiB together), objective {full['objective']:,.2f}, gap 0 (exact)")


def _side_by_side(n_ef: int) -> None:
    ef = _child(["ef", "systematic", "-", str(n_ef)])
    dec = _child(["dec", "systematic", "processes", str(n_ef)])
    if "error" in ef:
        print(f"extensive form at {n_ef} scenarios failed: {ef['error']}")
        return
    rel = abs(dec["objective"] - ef["objective"]) / abs(ef["objective"])
    print(f"first {ef['scenarios']:,} scenarios: extensive form {ef['solve_s']:.2f} s, peak {ef['peak_gib']:.2f} GiB, "
          f"{ef['rows']:,} rows; decomposed {dec['solve_s']:.2f} s, peak {dec['peak_gib']:.2f} GiB; "
          f"objective relative difference {rel:.1e}; time ratio {ef['solve_s'] / dec['solve_s']:.1f}")


def _mpisppy_child(path: str, iterations: int, ranks: int) -> dict:
    """mpi-sppy on a workbook in its own process(es): ``python -m model.mpisppy_adapter --json``."""
    import os

    cmd = [sys.executable, "-m", "model.mpisppy_adapter", path, "--json", "--max-iterations", str(iterations),
           "--rel-gap", "0.001"]
    if ranks > 1:
        cmd = ["mpiexec", "-n", str(ranks), *cmd]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, env=env)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (out.stderr or out.stdout).strip()[-800:]}
    res = json.loads(lines[-1])
    res["wall_s"] = time.perf_counter() - t0
    return res


def cvar(n: int, iterations: int, ranks: int) -> None:
    """CVaR on ``n`` scenarios of the systematic set, extensive form and mpi-sppy side by side."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = str(cvar_workbook(Path(tmp) / f"cvar{n}.xlsx", n))
        ef = _child(["ef", path, "-", "0"])
        ph = _mpisppy_child(path, iterations, ranks)
    print(f"CVaR (lambda 0.5, alpha 0.95) on {n} scenarios of the systematic EU set:")
    if "error" in ef:
        print(f"  extensive form failed: {ef['error']}")
    else:
        print(f"  extensive form       {ef['solve_s']:8.1f} s  objective {ef['objective']:,.0f} EUR  "
              f"peak {ef['peak_gib']:.2f} GiB  {ef['rows']:,} rows")
    if "error" in ph:
        print(f"  mpi-sppy failed: {ph['error']}")
        return
    print(f"  mpi-sppy PH ({ph['mode']}) {ph['wall_s']:8.1f} s  {ph['iterations']} iterations  "
          f"bound {ph['bound']:,.0f}  incumbent {ph['incumbent']:,.0f}  gap {ph['rel_gap']:.3%}  "
          f"failed solves {ph['failed_solves']} ({ph.get('retried_solves', 0)} further runs of solves that failed first)  peak {ph['peak_rss_bytes_rank0'] / 2 ** 30:.2f} GiB (rank 0)")
    if "lagrangian_unsolved" in ph:
        print(f"    of the failed solves: {ph['failed_solves_ph']} in PH iterations, {ph['lagrangian_unsolved']} "
              f"in the final Lagrangian pass; trivial bound {ph['trivial_bound']:,.0f}, Lagrangian "
              f"{ph['lagrangian']:,.0f}")
    if "first_stage_bounds" in ph:
        print(f"    first-stage columns bounded to keep the optimum: {ph['first_stage_bounds']:,}; left unbounded: "
              f"{ph['unbounded_columns']:,}")
    if "error" not in ef:
        inside = ph["bound"] <= ef["objective"] * (1 + 1e-9) and ef["objective"] <= ph["incumbent"] * (1 + 1e-9)
        print(f"  extensive form's optimum between bound and incumbent: {'yes' if inside else 'NO'}; "
              f"incumbent above it by {(ph['incumbent'] - ef['objective']) / ef['objective']:.3%}")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "engines"
    if cmd == "_one":
        print(json.dumps(one(*sys.argv[2:6])))
    elif cmd == "engines":
        engines(sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "inputs" / "eu_crma_disruptions.xlsx"))
    elif cmd == "systematic":
        systematic(int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    elif cmd == "cvar":
        args = [int(a) for a in sys.argv[2:5]]
        cvar(*(args + [110, 3, 1][len(args):]))
    else:
        raise SystemExit(__doc__)
