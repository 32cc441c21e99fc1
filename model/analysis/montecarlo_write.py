"""The run folder of a Monte Carlo (``python run.py montecarlo``): workbook, figures, manifest.

``montecarlo_case`` snapshots the input (model/io/runfolder.py), runs the samples on the copy
(model/analysis/montecarlo.py), writes ``montecarlo.xlsx`` (sheets about, distribution, share_met,
rank_correlation, factors, samples), three PNG figures and ``manifest.json`` (with the seed) into a
temporary folder and publishes it atomically as ``outputs/montecarlo-<case>-<stamp>``. Every sheet
and figure says what the numbers are: sensitivity to the stated ranges, not a probability of the
world.
"""
from __future__ import annotations

import json
import platform
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from model.analysis.montecarlo import FAMILIES, LABEL, YEAR, MonteCarlo, run_montecarlo
from model.io.runfolder import (
    OutputFault,
    fault_text,
    input_snapshot,
    make_tmp,
    publish,
    slug,
)

FIGURES = ("montecarlo_total_cost.png", "montecarlo_tornado.png", "montecarlo_share_met.png")


def montecarlo_case(path, samples: int, seed: int, outputs="outputs", jobs: int | None = None,
                    factors_path=None, factor_names=None, argv=None, quiet: bool = True) -> tuple[MonteCarlo, Path]:
    from model.validate import load

    path = Path(path)
    started = datetime.now(timezone.utc)
    if not path.is_file():
        load(path)  # the reader's message for a missing file, a folder, a wrong suffix
    outputs = Path(outputs)
    with input_snapshot(path) as (copy, digest):
        mc = run_montecarlo(copy, samples, seed, factors_path=factors_path, jobs=jobs,
                            factor_names=factor_names, quiet=quiet)
        case = slug(mc.case)
        stamp = started.strftime("%Y%m%d-%H%M%S")
        tmp = make_tmp(outputs, f"montecarlo-{case}", stamp)
        try:
            shutil.copyfile(copy, tmp / f"input{path.suffix}")
            t0 = time.perf_counter()
            tables = mc.tables()
            write_workbook(tmp / "montecarlo.xlsx", mc, tables, path.name)
            figures = write_figures(tmp, mc, tables)
            manifest = {"command": " ".join(argv if argv is not None else sys.argv), "kind": "montecarlo",
                        "label": LABEL, "case": mc.case, "input_file": path.name,
                        "input_copy": f"input{path.suffix}", "input_sha256": digest,
                        "factors_file": Path(factors_path).name if factors_path else "montecarlo_factors.csv",
                        "samples": samples, "seed": seed, "jobs": jobs or 1,
                        "started_utc": started.isoformat(timespec="seconds"), "platform": platform.platform(),
                        "samples_seconds": round(mc.seconds, 2), "samples_cpu_seconds": round(mc.cpu_seconds, 2), "write_seconds": round(time.perf_counter() - t0, 2),
                        "figures": [f.name for f in figures]}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
            folder = publish(tmp, outputs, f"montecarlo-{case}-{stamp}")
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputFault(fault_text(exc, "write the run folder")) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return mc, folder


def about_table(mc: MonteCarlo, input_name: str) -> pd.DataFrame:
    s = mc.samples
    solved = int((s["status"] == "optimal").sum())
    rows = [("what", f"Monte Carlo: {LABEL}"),
            ("case", mc.case), ("input", input_name), ("samples", len(s)), ("samples with a solution", solved),
            ("seed", mc.seed), ("factors", len(mc.factors)),
            ("sampling", ("Latin hypercube: each factor's range cut in as many equal slices of probability as "
                          "samples, one draw in each, paired at random between factors")),
            ("total_cost_eur", "the objective (present value, EUR), including soft-benchmark penalties"),
            ("penalties_eur", "the soft-benchmark penalties in it (the price of shortfalls, not a cost)"),
            ("net_cost_eur", "total_cost_eur less penalties_eur"),
            ("cost_<family>_eur", ("net_cost_eur less that of the same sample with the family's benchmark rows "
                                   "relaxed (warm re-solve of the same LP)")),
            ("cost_benchmarks_eur", "net_cost_eur less that of the same sample with every benchmark row relaxed"),
            ("met in 2030", (f"the benchmark met for the material in {YEAR} at every stage (compliance table); "
                             "a sample without a solution counts as not met")),
            ("hard or soft", ("the case's rule re-applied to each sample: a benchmark out of physical reach in "
                              "some year 2030-2040 becomes soft at 2 x the reference price per t "
                              "(column softened_rows of sheet samples)")),
            ("base case objective (EUR)", mc.base.get("total_cost_eur")),
            ("base case penalties (EUR)", mc.base.get("penalties_eur")),
            ("base case cost of the benchmarks (EUR)", mc.base.get("cost_benchmarks_eur")),
            ("seconds for the samples", round(mc.seconds, 1)),
            ("processor seconds of the samples (all workers)", round(mc.cpu_seconds, 1))]
    return pd.DataFrame(rows, columns=["item", "value"])


def write_workbook(path: Path, mc: MonteCarlo, tables: dict, input_name: str) -> Path:
    from openpyxl import Workbook

    from model.io.write import write_frame

    wb = Workbook()
    ws = wb.active
    ws.title = "about"
    write_frame(ws, about_table(mc, input_name), note=f"Monte Carlo of {mc.case}: {LABEL}.")
    ws.column_dimensions["B"].width = 100
    notes = {
        "distribution": f"Distribution over the samples ({LABEL}): total cost and what the benchmarks cost, EUR "
                        "present value.",
        "share_met": f"Share of samples in which each benchmark is met for the material in {YEAR} ({LABEL}).",
        "rank_correlation": f"Spearman rank correlation of each factor's draw with the total cost and with the "
                            f"cost of the benchmarks, sorted by the larger in absolute value ({LABEL}).",
        "factors": f"The uncertain factors and their ranges ({LABEL}).",
        "samples": f"One row per sample: each factor's draw, the costs and met/missed in {YEAR} ({LABEL}).",
    }
    for name, note in notes.items():
        write_frame(wb.create_sheet(name), tables[name], note=note)
    wb.save(path)
    return path


def write_figures(folder: Path, mc: MonteCarlo, tables: dict) -> list[Path]:
    """Histogram of the total cost (and of the cost of the benchmarks), tornado of the rank
    correlations, share met per material and benchmark: PNG into ``folder``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # matplotlib is an optional extra
        return []
    from model.io.linechart import OKABE_ITO, figure_style

    out = []
    s = mc.samples
    with plt.rc_context(figure_style()):
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6))
        for ax, col, title, color in ((axes[0], "total_cost_eur", "total cost", OKABE_ITO[4]),
                                      (axes[1], "cost_benchmarks_eur", "cost of the benchmarks", OKABE_ITO[5])):
            v = pd.to_numeric(s.get(col, pd.Series(dtype=float)), errors="coerce").dropna() / 1e9
            if len(v):
                ax.hist(v, bins=min(40, max(5, len(v) // 10)), color=color, alpha=0.85)
                for q, ls in zip(np.quantile(v, (0.05, 0.5, 0.95)), (":", "-", ":")):
                    ax.axvline(q, color="0.2", ls=ls, lw=1)
            ax.set_xlabel(f"{title}, EUR bn (present value)")
            ax.set_ylabel("samples")
        fig.suptitle(f"{mc.case}: {len(s)} samples; lines p5, p50, p95\n{LABEL}", fontsize=9)
        fig.tight_layout()
        out.append(_save(fig, folder / FIGURES[0], plt))

        rc = tables["rank_correlation"].head(15).iloc[::-1]
        fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(rc) + 1.4))
        y = np.arange(len(rc))
        ax.barh(y + 0.2, rc["rho_total_cost"].fillna(0), height=0.4, color=OKABE_ITO[4], label="total cost")
        ax.barh(y - 0.2, rc["rho_cost_of_benchmarks"].fillna(0), height=0.4, color=OKABE_ITO[5],
                label="cost of the benchmarks")
        ax.set_yticks(y, rc["factor"], fontsize=7)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_xlim(-1, 1)
        ax.set_xlabel("Spearman rank correlation with the factor's draw")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        ax.set_title(f"What moves the result most ({LABEL})", fontsize=8)
        fig.tight_layout()
        out.append(_save(fig, folder / FIGURES[1], plt))

        sm = tables["share_met"]
        mats = sorted(sm["material"].unique())
        fig, ax = plt.subplots(figsize=(9.0, 3.8))
        width = 0.8 / max(1, len(FAMILIES))
        x = np.arange(len(mats))
        for i, fam in enumerate(FAMILIES):
            part = sm.loc[sm["benchmark"] == fam].set_index("material")["share_met"]
            ax.bar(x + (i - 1.5) * width, [100 * part.get(m, np.nan) for m in mats], width=width,
                   color=OKABE_ITO[i + 1], label=fam.replace("_", " "))
        ax.set_xticks(x, mats, rotation=45, ha="right", fontsize=7)
        ax.set_ylabel(f"samples meeting it in {YEAR} (%)")
        ax.set_ylim(0, 100)
        ax.legend(frameon=False, fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
        fig.suptitle(f"{mc.case}: share of {len(s)} samples meeting each benchmark in {YEAR} ({LABEL})",
                     fontsize=8)
        fig.tight_layout()
        out.append(_save(fig, folder / FIGURES[2], plt))
    return out


def _save(fig, path: Path, plt) -> Path:
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
