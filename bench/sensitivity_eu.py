"""Sensitivity of the default EU case (inputs/eu_crma.xlsx) to its weakest numbers.

Each variant changes the loaded data in Python (``model.validate.load``, then
``data.tables[...]``) and solves it with ``model.pipeline.solve_data``; nothing is written.
Prints one table: total cost (objective, present value 2025, EUR bn), cost net of soft-benchmark
penalties, the change against the base case, the cost of the benchmarks (net cost minus the net
cost of the same variant without any benchmark row) and four 2030 shadow prices (EUR per t).

Run from the project root: ``python bench/sensitivity_eu.py`` (about a minute).
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import registry as R  # noqa: E402
from model.errors import ModelError  # noqa: E402
from model.pipeline import solve_data  # noqa: E402
from model.validate import load  # noqa: E402

CASE = ROOT / "inputs" / "eu_crma.xlsx"
YEAR = 2030
# (label, benchmark, material, stage, country)
SHADOWS = [
    ("Ni processing", "processing", "nickel", "processing", ""),
    ("graphite processing", "processing", "graphite_natural", "processing", ""),
    ("NdPr CN cap (proc.)", "single_country", "ndpr", "processing", "CN"),
    ("Pt ZA cap (extr.)", "single_country", "platinum", "extraction", "ZA"),
]


# ---- variants: functions ModelData -> ModelData ---------------------------------------------
def no_benchmarks(data):
    data.tables["benchmarks"] = {}
    return data


def capex_c(factor):
    def f(data):
        for rec in data.tables["technology"].values():
            if rec.get("confidence") == "C":
                rec["capex"] *= factor
                rec["fixed_om"] *= factor
        return data
    return f


def demand_growth(k):
    """Growth after the first year scaled by k in log terms: D'_t = D_0 (D_t / D_0)^k. Supply
    availability and end-of-life arisings scale with demand, as the build script sets them; for
    the materials whose demand the technologies make, so does their recyclable feedstock."""
    def f(data):
        t0 = data.years[0]
        scale = {}
        for (m, t), rec in data.tables["demand"].items():
            d0 = data.tables["demand"][(m, t0)]["demand"]
            new = d0 * (rec["demand"] / d0) ** k if d0 > 0 else rec["demand"]
            scale[(m, t)] = new / rec["demand"] if rec["demand"] > 0 else 1.0
            rec["demand"] = new
            rec["eol_arising"] *= scale[(m, t)]
            if "feedstock" in rec:  # technology-driven materials: the stock model's feedstock
                rec["feedstock"] *= scale[(m, t)]
        for (m, c, stage, t), rec in data.tables["supply"].items():
            if rec["available"] < R.UNLIMITED:
                rec["available"] *= scale.get((m, t), 1.0)
        return data
    return f


def premium(factor):
    """Scale every third-country price premium over the cheapest offer of the same material,
    stage and year (the 10 % ladder and gallium's ex-China premium)."""
    def f(data):
        low = {}
        for (m, c, stage, t), rec in data.tables["supply"].items():
            key = (m, stage, t)
            low[key] = min(low.get(key, math.inf), rec["price"])
        for (m, c, stage, t), rec in data.tables["supply"].items():
            p0 = low[(m, stage, t)]
            rec["price"] = p0 + factor * (rec["price"] - p0)
        return data
    return f


def availability(factor):
    def f(data):
        for rec in data.tables["supply"].values():
            if rec["available"] < R.UNLIMITED:
                rec["available"] *= factor
        return data
    return f


def lead_times(delta):
    """Every lead time of new capacity longer (shorter) by ``delta`` years."""
    def f(data):
        for rec in data.tables["technology"].values():
            if rec.get("lead_time", 0) > 0:
                rec["lead_time"] = max(1, rec["lead_time"] + delta)
        return data
    return f


def build_rate(factor):
    """Every build limit (max_build_per_year, C: 25 % of 2030 consumption for plants, 10 % for
    mines) times ``factor``."""
    def f(data):
        for rec in data.tables["technology"].values():
            if rec.get("max_build_per_year", R.UNLIMITED) < R.UNLIMITED:
                rec["max_build_per_year"] *= factor
        return data
    return f


def no_stock_rule(data):
    for rec in data.tables["stockpile"].values():
        rec["coverage_days"] = 0.0
    return data


def discount(rate):
    def f(data):
        data.settings["discount_rate"] = rate
        return data
    return f


VARIANTS = [
    ("base case", None),
    ("no CRMA benchmarks", no_benchmarks),
    ("C-grade capex -50 %", capex_c(0.5)),
    ("C-grade capex +50 %", capex_c(1.5)),
    ("demand growth -50 %", demand_growth(0.5)),
    ("demand growth +50 %", demand_growth(1.5)),
    ("supplier price premia -50 %", premium(0.5)),
    ("supplier price premia +50 %", premium(1.5)),
    ("supply headroom 1.5 -> 1.0", availability(1.0 / 1.5)),
    ("discount rate 3 %", discount(0.03)),
    ("discount rate 5 %", discount(0.05)),
    ("lead times -1 yr", lead_times(-1)),
    ("lead times +1 yr", lead_times(+1)),
    ("build limits x0.5", build_rate(0.5)),
    ("build limits x2", build_rate(2.0)),
    ("no stock rule", no_stock_rule),
]


def processing_met(run) -> int:
    """Materials meeting the processing benchmark in the first benchmark year."""
    comp = run.results["compliance"]
    c = comp[(comp["benchmark"] == "processing") & (comp["year"] == YEAR)]
    return int(c["met"].astype(bool).sum())


def shadow(run, bench, material, stage, country):
    sp = run.results["shadow_prices"]
    sel = sp[(sp["benchmark"] == bench) & (sp["material"] == material) & (sp["stage"] == stage)
             & (sp["year"] == YEAR)]
    if country:
        sel = sel[sel["country"] == country]
    if not len(sel):
        return float("nan"), ""
    r = sel.iloc[0]
    comp = run.results["compliance"]
    c = comp[(comp["benchmark"] == bench) & (comp["material"] == material) & (comp["stage"] == stage)
             & (comp["year"] == YEAR)]
    missed = len(c) and not bool(c.iloc[0]["met"]) and (not country or c.iloc[0]["largest_country"] == country)
    return float(r["eur_per_t"]), ("p" if missed else "")


def penalty(run):
    cs = run.results["cost_summary"]
    col = "present_value_eur" if "present_value_eur" in cs else cs.columns[-1]
    return float(cs.loc[cs["component"] == "benchmark_penalty", col].sum())


def violated(run, base_data) -> list[str]:
    """Benchmarks that are hard in the case but missed in 2030-2040 in this run."""
    comp = run.results["compliance"]
    hard = {(b, m): rec["enforcement"] for (b, m, _), rec in base_data.tables["benchmarks"].items()}
    out = []
    for (b, m, k), g in comp[~comp["met"]].groupby(["benchmark", "material", "stage"]):
        if hard.get((b, m), hard.get((b, "all"))) == "hard":
            y0, y1 = g["year"].min(), g["year"].max()
            out.append(f"{b} {m} ({k}) in {y0}" + (f"-{y1}" if y1 != y0 else ""))
    return out


def main() -> None:
    base_data = load(CASE)
    rows, base_net, footnotes = [], None, []
    t0 = time.perf_counter()
    for label, change in VARIANTS:
        data = base_data.copy()
        if change is not None:
            data = change(data)
        note = ""
        try:
            run = solve_data(data)
        except ModelError:
            # out of reach with these data: every hard benchmark soft at a prohibitive penalty
            # (setting soft_benchmarks), so the run reports the cheapest violation
            data.settings["soft_benchmarks"] = "yes"
            try:
                run = solve_data(data)
            except ModelError as exc:
                rows.append((label, None, None, None, [(float("nan"), "")] * len(SHADOWS), str(exc)[:60]))
                continue
            label += " *"
            missed = violated(run, base_data)
            note = "; ".join(missed)
            footnotes.append(f"* {label[:-2]}: infeasible with hard benchmarks; with every hard "
                             f"benchmark soft the cheapest plan misses {note}")
        obj = run.solution.objective
        net = obj - penalty(run)
        if base_net is None:
            base_net = net
        free = base_data.copy()
        if change is not None:
            free = change(free)
        free = no_benchmarks(free)
        bench_cost = net - solve_data(free).solution.objective
        rows.append((label, obj, net, net / base_net - 1, [shadow(run, *s[1:]) for s in SHADOWS],
                     bench_cost, processing_met(run)))
    head = ("| variant | total cost, bn EUR | net of penalties, bn EUR | change (net) | "
            f"cost of the benchmarks, bn EUR | processing met {YEAR} (of 19) | "
            + " | ".join(f"{s[0]} {YEAR}, EUR/t" for s in SHADOWS) + " |")
    print(head)
    print("|" + "---|" * (6 + len(SHADOWS)))
    for label, obj, net, ch, sh, extra, *met in rows:
        if obj is None:
            print(f"| {label} | no solution: {extra} |" + " |" * (4 + len(SHADOWS)))
            continue
        cells = [("-" if math.isnan(v) else f"{v:,.0f}{' (p)' if p else ''}") for v, p in sh]
        print(f"| {label} | {obj / 1e9:,.1f} | {net / 1e9:,.1f} | {100 * ch:+.2f} % | {extra / 1e9:,.1f} | "
              f"{met[0]} | " + " | ".join(cells) + " |")
    print()
    for f in footnotes:
        print(f)
    print(f"(p): the benchmark is missed in that year, so its shadow price is the penalty, not a cost. "
          f"{len(VARIANTS)} variants solved in {time.perf_counter() - t0:.0f} s.")


if __name__ == "__main__":
    main()
