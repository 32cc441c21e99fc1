"""One run from workbook to run folder: load -> build -> solve -> extract -> write.

Outputs are written into a temporary folder beside the final one and moved into place only when
complete, so a failed run leaves no half-written results; a run never overwrites another.
"""
from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from model.data import ModelData
from model.io.write import write_results
from model.solve import BACKENDS, Run, solve_model  # noqa: F401 (BACKENDS: the choices of --backend)
from model.validate import load

PACKAGES = ("pyomo", "highspy", "pandas", "numpy", "openpyxl")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions(packages=PACKAGES) -> dict:
    """Python's and each package's installed version ('not installed' if absent)."""
    out = {"python": platform.python_version()}
    for p in packages:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
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
    return Run(data, results, sol, timings, method=how, method_reason=why)


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
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "case"


def run_case(path, outputs="outputs", argv=None, backend: str = "highs", method: str = "auto") -> Run:
    """Run a workbook and write its run folder ``outputs/<case>-<timestamp>/``."""
    path = Path(path)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    data = load(path)
    read_s = time.perf_counter() - t0
    outputs = Path(outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    case = _slug(str(data.settings.get("case_name") or path.stem))
    stamp = started.strftime("%Y%m%d-%H%M%S")
    final = outputs / f"{case}-{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = outputs / f"{case}-{stamp}-{n}"
    tmp = outputs / f".tmp-{final.name}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        run = solve_data(data, log_file=tmp / "highs.log", backend=backend, method=method)
        run.timings = {"read_s": read_s, **run.timings}
        shutil.copy2(path, tmp / f"input{path.suffix}")
        t1 = time.perf_counter()
        manifest = {
            "case": case,
            "input_file": path.name,
            "input_sha256": sha256(path),
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
                "method": run.method, "method_reason": run.method_reason,
                "input_file": path.name, "input_sha256": manifest["input_sha256"],
                "started_utc": manifest["started_utc"], **{f"time_{k}": round(v, 3) for k, v in run.timings.items()},
                **{f"version_{k}": v for k, v in manifest["versions"].items()},
                **{f"setting_{k}": v for k, v in data.settings.items()}}
        write_results(tmp / "results.xlsx", run.results, info)
        run.timings["write_s"] = time.perf_counter() - t1
        manifest["timings_s"] = {k: round(v, 3) for k, v in run.timings.items()}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    run.folder = final
    return run
