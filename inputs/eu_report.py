"""The headline figures of docs/results-eu.md, computed from the default EU case.

``python inputs/eu_report.py`` solves inputs/eu_crma.xlsx (and the same case without any
benchmark row) and prints: the cost breakdown and the cost of the benchmarks; the benchmarks met
in 2030; the 2030 table (EU share reached and shadow price per material and benchmark); the new
capacity and its capex, undiscounted, next to the EUR 22.5 bn the 47 strategic projects of March
2025 announce; the stock and its value, and the value of 60 days of consumption or of net imports
of all 19 materials, next to Rietveld et al. (2022).

Arguments: an input workbook (default inputs/eu_crma.xlsx) and settings to change for the run,
``name=value`` (e.g. ``python inputs/eu_report.py processing_counts_recycling=yes``: recycled
metal counts toward the processing benchmark, Art. 2(8) of the Regulation).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.data import with_settings  # noqa: E402
from model.errors import InputError  # noqa: E402
from model.pipeline import solve_data  # noqa: E402
from model.validate import load  # noqa: E402

CASE = ROOT / "inputs" / "eu_crma.xlsx"
YEAR = 2030
STAGES = ("extraction", "processing", "recycling")


def _reference_price(data, m, t):
    """The cheapest refined offer of the year (the incumbent's reference price)."""
    return min(rec["price"] for (mm, c, k, tt), rec in data.tables["supply"].items()
               if mm == m and k == "processing" and tt == t)


def report(case=CASE, settings: dict | None = None) -> dict:
    data = load(case)
    if settings:
        data = with_settings(data, **settings)
    run = solve_data(data)
    free = data.copy()
    free.tables["benchmarks"] = {}
    free_run = solve_data(free)
    cs = run.results["cost_summary"]
    comp = cs.groupby("component")["present_value_eur"].sum()
    pen = float(comp.get("benchmark_penalty", 0.0))
    out = dict(objective=run.solution.objective, rows=run.solution.n_rows, cols=run.solution.n_cols,
               penalty=pen, net=run.solution.objective - pen, free=free_run.solution.objective,
               components=comp.to_dict())
    out["benchmark_cost"] = out["net"] - out["free"]
    by_m = cs[cs["component"] != "benchmark_penalty"].groupby("material")["present_value_eur"].sum()
    by_m_free = free_run.results["cost_summary"].groupby("material")["present_value_eur"].sum()
    out["benchmark_cost_by_material"] = (by_m - by_m_free).sort_values(ascending=False).to_dict()
    c = run.results["compliance"]
    c30 = c[c["year"] == YEAR]
    out["met"] = {b: (int(c30[c30["benchmark"] == b]["met"].sum()), int((c30["benchmark"] == b).sum()),
                      sorted(c30[(c30["benchmark"] == b) & ~c30["met"].astype(bool)]["material"]))
                  for b in STAGES + ("single_country",)}
    sp = run.results["shadow_prices"]
    sp30 = sp[sp["year"] == YEAR]
    table = []
    for m in data.materials:
        cells = []
        for b in STAGES:
            r = c30[(c30["material"] == m) & (c30["benchmark"] == b)].iloc[0]
            s = sp30[(sp30["material"] == m) & (sp30["benchmark"] == b)]
            price = float(s["eur_per_t"].max()) if len(s) else 0.0
            soft = (not bool(r["met"])) and r["enforcement"] == "soft"
            cells.append(f"{100 * r['achieved_share']:.0f} % / {price:,.0f}" + (" (p)" if soft else ""))
        for k in ("extraction", "processing"):
            r = c30[(c30["material"] == m) & (c30["benchmark"] == "single_country") & (c30["stage"] == k)].iloc[0]
            s = sp30[(sp30["material"] == m) & (sp30["benchmark"] == "single_country") & (sp30["stage"] == k)
                     & (sp30["country"] == r["largest_country"])]
            price = float(s["eur_per_t"].max()) if len(s) else 0.0
            cells.append(f"{r['largest_country'] or '-'} {100 * r['achieved_share']:.0f} % / {price:,.0f}")
        table.append((m, cells))
    out["table"] = table
    cap = run.results["capacity"]
    tech = data.tables["technology"]
    new = cap.groupby(["material", "stage"])["new_online_tpa"].sum()
    new30 = cap[cap["year"] <= YEAR].groupby(["material", "stage"])["new_online_tpa"].sum()
    out["capex_all"] = sum(v * tech[k]["capex"] for k, v in new.items() if v > 0)
    out["capex_2030"] = sum(v * tech[k]["capex"] for k, v in new30.items() if v > 0)
    out["capex_by"] = sorted(((v * tech[k]["capex"], k, v) for k, v in new.items() if v > 0), reverse=True)
    st = run.results["stock"]
    st = st[(st["scenario"] == st["scenario"].iloc[0]) & (st["year"] == YEAR)]
    out["stock"] = [(r.material, r.stock_target_t, r.stock_target_t * _reference_price(data, r.material, YEAR))
                    for r in st.itertuples() if r.stock_target_t > 1e-6]
    # the same 60 days for all 19 materials, on consumption and on net imports (consumption less
    # EU mine output and recycling in the first year), valued at YEAR's consumption and prices
    alt = {"consumption": {}, "net imports": {}}
    t0 = data.years[0]
    for m in data.materials:
        d0, dy = data.demand(m, t0), data.demand(m, YEAR)
        cap = data.table("capacity_existing")
        own = (cap.get((m, "extraction", t0), {}).get("capacity", 0.0) * data.material(m)["processing_yield"]
               + cap.get((m, "recycling", t0), {}).get("capacity", 0.0))
        value = 60 / 365 * dy * _reference_price(data, m, YEAR)
        alt["consumption"][m] = value
        alt["net imports"][m] = value * max(0.0, 1.0 - own / d0)
    out["stock_alternatives"] = alt
    return out


def main() -> None:
    args = sys.argv[1:]
    settings = dict(a.split("=", 1) for a in args if "=" in a)
    paths = [Path(a) for a in args if "=" not in a]
    try:
        r = report(*(paths[:1] or [CASE]), settings=settings)
    except InputError as exc:  # a bad workbook or setting: the message, not a traceback
        print(exc.report(), file=sys.stderr)
        raise SystemExit(2) from None
    bn = 1e9
    print(f"objective EUR {r['objective'] / bn:,.3f} bn ({r['rows']:,} rows, {r['cols']:,} columns); "
          f"penalties {r['penalty'] / bn:,.3f}; net {r['net'] / bn:,.3f}; without benchmarks "
          f"{r['free'] / bn:,.3f}; cost of the benchmarks EUR {r['benchmark_cost'] / bn:,.2f} bn")
    print("components (present value, bn): " + ", ".join(
        f"{k} {v / bn:,.2f}" for k, v in sorted(r["components"].items(), key=lambda kv: -kv[1])))
    print("cost of the benchmarks by material (bn): " + ", ".join(
        f"{m} {v / bn:.2f}" for m, v in r["benchmark_cost_by_material"].items() if abs(v) >= 0.005e9))
    for b, (n, tot, missed) in r["met"].items():
        print(f"{b} met in {YEAR}: {n} of {tot}" + (f"; missed: {', '.join(missed)}" if missed else ""))
    print("\n| material | extraction >= 10 % | processing >= 40 % | recycling >= 25 % (flow) | "
          "single country <= 65 %, extraction | single country <= 65 %, processing |\n|---|---|---|---|---|---|")
    for m, cells in r["table"]:
        print(f"| {m} | " + " | ".join(cells) + " |")
    print(f"\nnew capacity 2025-2040, undiscounted capex EUR {r['capex_all'] / bn:,.2f} bn "
          f"(online by {YEAR}: EUR {r['capex_2030'] / bn:,.2f} bn); largest items:")
    for v, (m, k), t in r["capex_by"][:8]:
        print(f"  {m} {k}: {t:,.0f} t/yr, EUR {v / bn:,.2f} bn")
    for basis, vals in r["stock_alternatives"].items():
        alcu = vals["aluminium"] + vals["copper"]
        print(f"60 days of {basis} for all {len(vals)} materials, {YEAR}: EUR {sum(vals.values()) / bn:,.2f} bn, "
              f"of which aluminium and copper EUR {alcu / bn:,.2f} bn")
    tot = sum(v for _, _, v in r["stock"])
    print(f"\nstock target {YEAR}: EUR {tot / bn:,.2f} bn at {YEAR} reference prices: " + ", ".join(
        f"{m} {t:,.0f} t (EUR {v / 1e6:,.0f} m)" for m, t, v in r["stock"]))


if __name__ == "__main__":
    main()
