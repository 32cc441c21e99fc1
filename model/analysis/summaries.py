"""Readable summaries of the tidy result tables, shared by the results workbook, the comparison
workbook and the research exports. Pure pandas: the input is ``{table name: DataFrame}`` as
``model.results`` makes it or as ``model.io.write.read_results`` reads it back from results.xlsx.
"""
from __future__ import annotations

import math

import pandas as pd

EU_PROCESSING, EU_RECYCLING, STOCK_RELEASE = "EU processing", "EU recycling", "stock release"
SHARE_BENCHMARKS = ("extraction", "processing", "recycling")
STATUS_MET, STATUS_PARTLY, STATUS_MISSED = "met", "partly missed", "MISSED"
STATUS_LEGEND = ("met: met in every year and scenario; partly missed: missed only while the level "
                 "ramps up or only in some disruption scenarios; MISSED: missed at the full level")


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x == ""


def scenarios(tables: dict) -> list[str]:
    """Scenario ids in the order of the scenario_costs table (without 'expected' and CVaR)."""
    sc = tables.get("scenario_costs")
    if sc is not None and len(sc):
        return [str(s) for s, p in zip(sc["scenario"], sc["probability"])
                if s != "expected" and not str(s).startswith("CVaR") and not _blank(p)]
    for name in ("unmet", "sourcing", "stock"):
        df = tables.get(name)
        if df is not None and len(df):
            return list(dict.fromkeys(df["scenario"].astype(str)))
    return ["nominal"]


def probabilities(tables: dict) -> dict[str, float]:
    sc = tables.get("scenario_costs")
    if sc is None or not len(sc):
        return {s: 1.0 for s in scenarios(tables)[:1]}
    return {str(s): float(p) for s, p in zip(sc["scenario"], sc["probability"])
            if s != "expected" and not str(s).startswith("CVaR") and not _blank(p)}


def main_scenario(tables: dict) -> str:
    """The scenario figures show: 'nominal' (no disruption) when there is one, else the first."""
    sc = scenarios(tables)
    return "nominal" if "nominal" in sc else sc[0]


def expected(df: pd.DataFrame, keys: list[str], values: list[str], probs: dict[str, float]) -> pd.DataFrame:
    """Probability-weighted sum over scenarios of ``values`` by ``keys``."""
    if not len(df):
        return pd.DataFrame(columns=keys + values)
    w = df["scenario"].astype(str).map(probs).fillna(0.0)
    out = df[keys].copy()
    for v in values:
        out[v] = df[v].astype(float) * w
    return out.groupby(keys, as_index=False, sort=False)[values].sum()


def refined_supply(tables: dict, scenario: str | None = None, probs: dict | None = None,
                   include_stock: bool = False) -> pd.DataFrame:
    """Refined material reaching the EU by origin: material, year, origin, value_t.

    Origins are the third countries (refined imports, contracts included), 'EU processing' (from
    EU-mined or imported ore) and 'EU recycling', and with ``include_stock`` 'stock release' (net
    release from the strategic stock). Ore imports are inputs to EU processing and are not counted
    again. One scenario, or the probability-weighted expectation when ``probs`` is given.
    """
    src = tables["sourcing"]
    flow = src["flow"].astype(str)
    keep = (flow.isin(["refined import", "EU processing output", "EU recycling output"])
            | (flow.str.startswith("contract") & (src["stage"] == "processing")))
    df = src.loc[keep, ["scenario", "material", "year", "country", "flow", "value_t"]].copy()
    df["origin"] = df["country"].astype(str)
    df.loc[df["flow"] == "EU processing output", "origin"] = EU_PROCESSING
    df.loc[df["flow"] == "EU recycling output", "origin"] = EU_RECYCLING
    stock = tables.get("stock")
    if include_stock and stock is not None and len(stock):
        rel = stock[["scenario", "material", "year"]].copy()
        rel["origin"], rel["value_t"] = STOCK_RELEASE, stock["stock_out_t"].astype(float)
        df = pd.concat([df, rel], ignore_index=True)
    if probs is not None:
        return expected(df, ["material", "year", "origin"], ["value_t"], probs)
    scenario = scenario or main_scenario(tables)
    df = df.loc[df["scenario"].astype(str) == scenario]
    return df.groupby(["material", "year", "origin"], as_index=False, sort=False)["value_t"].sum()


def origin_order(supply: pd.DataFrame) -> list[str]:
    """Origins with EU first, then third countries by total volume (largest first)."""
    tot = supply.groupby("origin")["value_t"].sum()
    third = sorted([o for o in tot.index if o not in (EU_PROCESSING, EU_RECYCLING, STOCK_RELEASE)],
                   key=lambda o: (-tot[o], o))
    return [o for o in (EU_PROCESSING, EU_RECYCLING, STOCK_RELEASE) if o in tot.index] + third


def supply_shares(tables: dict, probs: dict | None = None) -> pd.DataFrame:
    """Share of each origin in refined supply per material and year (expected over scenarios)."""
    sup = refined_supply(tables, probs=probs if probs is not None else probabilities(tables))
    tot = sup.groupby(["material", "year"])["value_t"].transform("sum")
    sup["share"] = (sup["value_t"] / tot.where(tot > 0)).fillna(0.0)
    return sup


def year_ranges(years) -> str:
    """[2028, 2029, 2030, 2032] -> '2028-2030, 2032'."""
    ys = sorted({int(y) for y in years})
    parts, i = [], 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        parts.append(str(ys[i]) if i == j else f"{ys[i]}-{ys[j]}")
        i = j + 1
    return ", ".join(parts)


def compliance_status(compliance: pd.DataFrame) -> pd.DataFrame:
    """One row per material, benchmark and stage with a traffic-light status.

    target and achieved are those of the last year, achieved in the worst scenario (lowest share
    for the EU share benchmarks, highest third-country share for single_country).
    """
    cols = ["material", "benchmark", "stage", "enforcement", "final_year", "target_share",
            "achieved_share", "largest_country", "years_missed", "status"]
    if compliance is None or not len(compliance):
        return pd.DataFrame(columns=cols)
    rows = []
    n_scen = compliance["scenario"].astype(str).nunique()
    for (mm, bench, stage), g in compliance.groupby(["material", "benchmark", "stage"], sort=False):
        last = int(g["year"].max())
        gl = g.loc[g["year"] == last]
        cap = bench == "single_country"
        worst = gl.loc[gl["achieved_share"].idxmax() if cap else gl["achieved_share"].idxmin()]
        met = g["met"].astype(bool)
        full = g["target_share"].astype(float) >= float(gl["target_share"].max()) - 1e-9 if not cap else True
        missed = g.loc[~met]
        if not len(missed):
            status = STATUS_MET
        else:
            at_full = g.loc[~met & full]
            # MISSED: some year at the full level is missed in every scenario
            per_year = at_full.groupby("year")["scenario"].nunique()
            status = STATUS_MISSED if (per_year >= n_scen).any() else STATUS_PARTLY
        country = worst.get("largest_country")
        rows.append(dict(material=mm, benchmark=bench, stage=stage, enforcement=g["enforcement"].iloc[0],
                         final_year=last, target_share=float(worst["target_share"]),
                         achieved_share=float(worst["achieved_share"]),
                         largest_country="" if _blank(country) else str(country),
                         years_missed=year_ranges(missed["year"]), status=status))
    return pd.DataFrame(rows, columns=cols)


def benchmark_costs(shadow_prices: pd.DataFrame, top: int | None = 10) -> pd.DataFrame:
    """The most expensive benchmarks: binding rows grouped by benchmark, stage, material, country.

    max_eur_per_pp is the highest cost of one more percentage point of the benchmark in one year
    (money of that year); years_binding lists the years in which it binds.
    """
    cols = ["benchmark", "stage", "material", "country", "enforcement", "years_binding",
            "max_eur_per_t", "max_eur_per_pp", "year_of_max"]
    if shadow_prices is None or not len(shadow_prices):
        return pd.DataFrame(columns=cols)
    sp = shadow_prices.loc[shadow_prices["binding"].astype(bool)].copy()
    if not len(sp):
        return pd.DataFrame(columns=cols)
    sp["country"] = sp["country"].map(lambda c: "" if _blank(c) else str(c))
    rows = []
    for (bench, stage, mm, c), g in sp.groupby(["benchmark", "stage", "material", "country"], sort=False):
        i = g["eur_per_pp"].astype(float).idxmax()
        rows.append(dict(benchmark=bench, stage=stage, material=mm, country=c,
                         enforcement=g["enforcement"].iloc[0],
                         years_binding=year_ranges(g["year"]), max_eur_per_t=float(g.loc[i, "eur_per_t"]),
                         max_eur_per_pp=float(g.loc[i, "eur_per_pp"]), year_of_max=int(g.loc[i, "year"])))
    out = pd.DataFrame(rows, columns=cols).sort_values("max_eur_per_pp", ascending=False, kind="stable")
    return (out.head(top) if top else out).reset_index(drop=True)


def cost_pivot(cost_summary: pd.DataFrame) -> pd.DataFrame:
    """Present value by material (rows) and component (columns, ``<component>_eur``), with a total
    column and a total row (its last cell is the total cost)."""
    if cost_summary is None or not len(cost_summary):
        return pd.DataFrame(columns=["material", "total_eur"])
    p = cost_summary.pivot_table(index="material", columns="component", values="present_value_eur",
                                 aggfunc="sum", fill_value=0.0, sort=False)
    p["total"] = p.sum(axis=1)
    p.loc["total"] = p.sum(axis=0)
    p = p.reset_index()
    p.columns = ["material"] + [f"{c}_eur" for c in p.columns[1:]]
    return p


def benchmark_paths(compliance: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Achieved share and target per material, benchmark label and year in one scenario."""
    c = compliance.loc[compliance["scenario"].astype(str) == scenario].copy()
    c["label"] = [b if b in SHARE_BENCHMARKS else f"largest country ({s})"
                  for b, s in zip(c["benchmark"], c["stage"])]
    return c[["material", "label", "benchmark", "stage", "year", "target_share", "achieved_share"]]
