"""The tables of docs/results-eu.md's Monte Carlo section, printed from a Monte Carlo run folder.

``python bench/montecarlo_tables.py outputs/montecarlo-<case>-<stamp>`` reads the folder's
``montecarlo.xlsx`` (sheets samples, distribution, share_met, rank_correlation), solves the
unperturbed case once more for its base-case column (``model.analysis.montecarlo.solve_sample``)
and prints, in Markdown: the distribution of the costs (EUR bn) beside the base case, the share of
samples meeting each benchmark per material in 2030 with the base case's verdict, the number of
materials meeting each benchmark per sample, the processing count by the drawn refinery lead time,
and the ten largest rank correlations. Sensitivity to the stated ranges, not a probability of the
world.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.analysis.montecarlo import FAMILIES, solve_sample  # noqa: E402
from model.validate import load  # noqa: E402

ROWS = [("total cost (objective)", "total_cost_eur"), ("of which soft-benchmark penalties", "penalties_eur"),
        ("cost net of penalties", "net_cost_eur"), ("**cost of the benchmarks** (all four relaxed)", "cost_benchmarks_eur"),
        ("extraction benchmark", "cost_extraction_eur"), ("processing benchmark", "cost_processing_eur"),
        ("recycling benchmark", "cost_recycling_eur"), ("single-country cap", "cost_single_country_eur")]


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, header=1)


def main(folder: str) -> int:
    book = Path(folder) / "montecarlo.xlsx"
    about = dict(pd.read_excel(book, sheet_name="about", header=1).values)
    case = Path(folder) / "input" / str(about["input"])
    if not case.exists():
        case = ROOT / "inputs" / str(about["input"])
    base = solve_sample(load(case))
    samples = _sheet(book, "samples")
    ok = samples[samples["status"] == "optimal"]
    print(f"{len(ok):,} of {len(samples):,} samples with a solution; seed {about['seed']}; "
          f"{about['seconds for the samples']} s for the samples\n")
    print("| EUR bn, present value 2025 | base case | mean | p5 | p50 | p95 |\n|---|---|---|---|---|---|")
    for label, col in ROWS:
        v = ok[col].astype(float) / 1e9
        cells = [base[col] / 1e9, v.mean(), v.quantile(0.05), v.quantile(0.5), v.quantile(0.95)]
        fmt = "{:,.1f}" if col in ("total_cost_eur", "penalties_eur", "net_cost_eur", "cost_benchmarks_eur") else "{:,.2f}"
        text = [fmt.format(c) for c in cells]
        if col == "cost_benchmarks_eur":
            text = [f"**{t}**" for t in text]
        print(f"| {label} | " + " | ".join(text) + " |")
    share = ok["cost_benchmarks_eur"] / ok["net_cost_eur"] * 100
    print(f"\ncost of the benchmarks: {share.min():.1f}-{share.max():.1f} % of the net cost (median {share.median():.1f} %)")
    mats = sorted({c.split("_", 2)[-1] for c in samples.columns if c.startswith("met_extraction_")})
    print("\n| material | extraction | processing | recycling | single country |\n|---|---|---|---|---|")
    for m in mats:
        cells = []
        for fam in FAMILIES:
            col = f"met_{fam}_{m}"
            pct = 100 * samples[col].astype(bool).mean() if col in samples else float("nan")
            mark = "✓" if base.get(col) else "✗"
            cells.append(f"{pct:.0f} {mark}")
        print(f"| {m} | " + " | ".join(cells) + " |")
    print()
    for fam in FAMILIES:
        cols = [f"met_{fam}_{m}" for m in mats if f"met_{fam}_{m}" in samples]
        n = samples[cols].astype(bool).sum(axis=1)
        nb = sum(bool(base.get(c)) for c in cols)
        print(f"{fam}: mean {n.mean():.1f}, p5 {n.quantile(0.05):.0f}, p50 {n.quantile(0.5):.0f}, "
              f"p95 {n.quantile(0.95):.0f} of {len(cols)} (base {nb})")
    if "lead time processing" in samples:
        cols = [f"met_processing_{m}" for m in mats]
        n = samples[cols].astype(bool).sum(axis=1)
        by = n.groupby(np.round(samples["lead time processing"].astype(float))).mean()
        print("processing met by drawn lead-time shift: " + ", ".join(f"{int(k):+d} y: {v:.1f}" for k, v in by.items()))
    rc = _sheet(book, "rank_correlation").head(10)
    print("\n| factor | total cost | cost of the benchmarks |\n|---|---|---|")
    for _, r in rc.iterrows():
        a, b = float(r["rho_total_cost"]), float(r["rho_cost_of_benchmarks"])
        fa = f"**{a:.2f}**" if abs(a) >= 0.5 else f"{a:.2f}"
        fb = f"**{b:.2f}**" if abs(b) >= 0.5 else f"{b:.2f}"
        print(f"| {r['factor']} | {fa} | {fb} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
