"""One run from workbook to run folder: load -> build -> solve -> extract -> write.

Outputs are written into a temporary folder beside the final one and moved into place only when
complete, so a failed run leaves no half-written results; a run never overwrites another
(model/io/runfolder.py).
"""
from __future__ import annotations

import json
import platform
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from model.data import ModelData
from model.errors import ModelError
from model.io.runfolder import (OutputFault, fault_text, input_snapshot, installed_versions, keep_failed_log,
                                make_tmp, publish, slug)
from model.io.runfolder import sha256  # noqa: F401  (model.pipeline.sha256 is used by compare)
from model.io.write import write_results
from model.solve import BACKENDS, Run, solve_model  # noqa: F401 (BACKENDS: the choices of --backend)
from model.validate import load

PACKAGES = ("pyomo", "highspy", "pandas", "numpy", "openpyxl", "flodym")




def versions(packages=PACKAGES) -> dict:
    """Python's and each package's installed version ('not installed' if absent)."""
    out = {"python": platform.python_version()}
    for p, v in installed_versions(packages).items():
        out[p] = v or "not installed"
    return out


def solve_data(data: ModelData, log_file=None, backend: str = "highs", method: str = "auto") -> Run:
    """Build, solve and extract one ModelData, with the reports it asks for (VSS/EVPI, joint
    purchasing); no files written. ``method`` auto: the exact decomposition by material group
    where it applies (model/analysis/decompose.py), else the extensive form (model/solve.py)."""
    from model.analysis.decompose import solve_auto

    mod, sol, results, hm, timings, how, why = solve_auto(data, log_file=log_file, backend=backend, method=method)
    if wants_stochastic_reports(data):
        from model.analysis.decompose import METHOD_DECOMPOSED
        from model.analysis.decompose import value_of_information as by_group
        from model.stochastic import value_of_information

        t2 = time.perf_counter()
        rp = (mod, hm, sol) if hm is not None else None
        voi = by_group(data) if how == METHOD_DECOMPOSED else value_of_information(data, rp=rp)
        results.tables["value_of_information"] = voi.table()
        timings["vss_evpi_s"] = time.perf_counter() - t2
    if wants_purchasing_reports(data):
        from model.analysis.coalitions import purchasing_report

        t3 = time.perf_counter()
        results.tables.update(purchasing_report(data).tables)
        timings["purchasing_s"] = time.perf_counter() - t3
    run = Run(data, results, sol, timings, method=how, method_reason=why)
    run.solved = (mod, hm)  # the solved model, re-solved warm without benchmarks (benchmark_cost)
    return run


def wants_purchasing_reports(data: ModelData) -> bool:
    from model.analysis.coalitions import buyers_of

    mode = data.settings.get("purchasing_reports", "auto")
    n = len(buyers_of(data))
    return n > 1 and (mode == "yes" or (mode == "auto" and n <= 6))


def wants_stochastic_reports(data: ModelData) -> bool:
    mode = data.settings.get("stochastic_reports", "auto")
    n = len(data.scenarios)
    return n > 1 and (mode == "yes" or (mode == "auto" and n <= 50))


def solve_workbook(path, backend: str = "highs", method: str = "auto") -> Run:
    t0 = time.perf_counter()
    data = load(path)
    read_s = time.perf_counter() - t0
    run = solve_data(data, backend=backend, method=method)
    run.timings = {"read_s": read_s, **run.timings}
    return run


def _slug(text: str) -> str:
    return slug(text)


def run_case(path, outputs="outputs", argv=None, backend: str = "highs", method: str = "auto") -> Run:
    """Run a workbook and publish its run folder ``outputs/<case>-<timestamp>/``.

    The input is copied and hashed before it is read, and the model is read from that copy
    (model/io/runfolder.py); the outputs are written into a hidden temporary folder and renamed
    into place only when complete. A run without a solution keeps its HiGHS log beside the run
    folders (the message says where); any other failure leaves nothing.
    """
    path = Path(path)
    started = datetime.now(timezone.utc)
    if not path.is_file():
        load(path)  # the reader's message for a missing file, a folder, a wrong suffix
    outputs = Path(outputs)
    with input_snapshot(path) as (copy, digest):
        t0 = time.perf_counter()
        data = load(copy)
        data.source = path
        read_s = time.perf_counter() - t0
        case = slug(str(data.settings.get("case_name") or path.stem))
        stamp = started.strftime("%Y%m%d-%H%M%S")
        name = f"{case}-{stamp}"
        tmp = make_tmp(outputs, case, stamp)
        try:
            shutil.copyfile(copy, tmp / f"input{path.suffix}")
            run = solve_data(data, log_file=tmp / "highs.log", backend=backend, method=method)
            run.timings = {"read_s": read_s, **run.timings}
            from model.analysis.benchmark_cost import add_benchmark_cost

            add_benchmark_cost(run)  # table benchmark_cost: the same case solved without the benchmarks
            _write_folder(tmp, run, path, digest, case, started, argv, backend)
            run.folder = publish(tmp, outputs, name)
        except ModelError as exc:
            kept = keep_failed_log(tmp, outputs, name)
            shutil.rmtree(tmp, ignore_errors=True)
            if kept is None:
                raise
            raise ModelError(f"{exc} The HiGHS log of this run is kept in {kept}") from exc
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputFault(fault_text(exc, "write the run folder")) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return run


def _write_folder(tmp: Path, run: Run, path: Path, digest: str, case: str, started, argv, backend) -> None:
    """results.xlsx and manifest.json of a solved run, into its temporary folder."""
    data = run.data
    t1 = time.perf_counter()
    manifest = {
        "case": case,
        "input_file": path.name,
        "input_copy": f"input{path.suffix}",
        "input_sha256": digest,
        "started_utc": started.isoformat(timespec="seconds"),
        "command": " ".join(argv if argv is not None else sys.argv),
        "versions": versions(),
        "platform": platform.platform(),
        "settings": {k: v for k, v in data.settings.items()},
        "backend": backend,
        "method": run.method,
        "method_reason": run.method_reason,
        "solver": {"name": "HiGHS", "status": run.solution.status,
                   "termination": run.solution.termination, "objective": run.solution.objective,
                   "mip": run.solution.is_mip, "mip_gap": run.solution.mip_gap,
                   "rows": run.solution.n_rows, "columns": run.solution.n_cols,
                   "integer_columns": run.solution.n_integer,
                   "numerical_warnings": run.solution.warnings},
        "scenarios": data.probability,
    }
    info = {"case": case, "status": run.solution.status, "objective_eur": run.solution.objective,
            "scenarios": len(data.scenarios), "mip": run.solution.is_mip,
            "mip_gap": run.solution.mip_gap, "rows": run.solution.n_rows,
            "columns": run.solution.n_cols, "integer_columns": run.solution.n_integer,
            "numerical_warnings": "; ".join(run.solution.warnings) or "none", "backend": backend,
            "method": run.method, "method_reason": run.method_reason, "input_file": path.name, "input_sha256": digest,
            "started_utc": manifest["started_utc"], **{f"time_{k}": round(v, 3) for k, v in run.timings.items()},
            **{f"version_{k}": v for k, v in manifest["versions"].items()},
            **{f"setting_{k}": v for k, v in data.settings.items()}}
    write_results(tmp / "results.xlsx", run.results, info)
    from model.io.report import write_report

    write_report(tmp / "report.html", run.results, info)  # the one-page answer for a browser
    run.timings["write_s"] = time.perf_counter() - t1
    manifest["timings_s"] = {k: round(v, 3) for k, v in run.timings.items()}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
