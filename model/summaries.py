"""Readable summaries of the tidy result tables (the one-page answer, statuses over the horizon,
supply by origin, cost pivots), shared by the results workbook, report.html, the console, the
comparison workbook and the research exports. Pure pandas: the input is ``{table name: DataFrame}``
as ``model.results`` makes it or as ``model.io.write.read_results`` reads it back from results.xlsx.
It sits between the result tables and the writers: the writers (``model.io``) import it, and it
imports nothing of the model.
"""
from __future__ import annotations

import math
import re

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
    src, stock = tables["sourcing"], tables.get("stock")
    if probs is None:  # one scenario: its rows first (the other scenarios' are never looked at)
        scenario = scenario or main_scenario(tables)
        src = src.loc[src["scenario"].astype(str) == scenario]
        if stock is not None and len(stock):
            stock = stock.loc[stock["scenario"].astype(str) == scenario]
    flow = src["flow"].astype(str)
    keep = (flow.isin(["refined import", "EU processing output", "EU recycling output"])
            | (flow.str.startswith("contract") & (src["stage"] == "processing")))
    df = src.loc[keep, ["scenario", "material", "year", "country", "flow", "value_t"]].copy()
    df["origin"] = df["country"].astype(str)
    df.loc[df["flow"] == "EU processing output", "origin"] = EU_PROCESSING
    df.loc[df["flow"] == "EU recycling output", "origin"] = EU_RECYCLING
    if include_stock and stock is not None and len(stock):
        rel = stock[["scenario", "material", "year"]].copy()
        rel["origin"], rel["value_t"] = STOCK_RELEASE, stock["stock_out_t"].astype(float)
        df = pd.concat([df, rel], ignore_index=True)
    if probs is not None:
        return expected(df, ["material", "year", "origin"], ["value_t"], probs)
    return df.groupby(["material", "year", "origin"], as_index=False, sort=False)["value_t"].sum()


OTHER_COUNTRIES = "other countries"  # the third countries beyond the largest few, in figures
NAMED_SUPPLIERS = 6  # third countries a figure names (a distinct colour each)


def origin_order(supply: pd.DataFrame) -> list[str]:
    """Origins with EU first, then third countries by total volume (largest first), then 'other
    countries' when there is such a group."""
    tot = supply.groupby("origin")["value_t"].sum()
    eu = (EU_PROCESSING, EU_RECYCLING, STOCK_RELEASE)
    third = sorted([o for o in tot.index if o not in eu and o != OTHER_COUNTRIES], key=lambda o: (-tot[o], o))
    return [o for o in eu if o in tot.index] + third + ([OTHER_COUNTRIES] if OTHER_COUNTRIES in tot.index else [])


def group_suppliers(supply: pd.DataFrame, named: int = NAMED_SUPPLIERS) -> tuple[pd.DataFrame, list[str]]:
    """Refined supply (``refined_supply``) with the third countries beyond the ``named`` largest
    (by total volume over all materials and years) summed as 'other countries', and the named
    ones, largest first: few enough origins for a palette whose colours stay distinct."""
    eu = (EU_PROCESSING, EU_RECYCLING, STOCK_RELEASE)
    top = [o for o in origin_order(supply) if o not in eu][:named]
    out = supply.copy()
    out.loc[~out["origin"].isin(list(eu) + top), "origin"] = OTHER_COUNTRIES
    out = out.groupby(["material", "year", "origin"], as_index=False, sort=False)["value_t"].sum()
    return out, top


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


def missed_rows(shadow_prices: pd.DataFrame, compliance: pd.DataFrame | None) -> pd.Series:
    """True for each shadow-price row whose benchmark (material, stage, year) is missed in some
    scenario (table compliance). A soft row that is missed is priced by its shortfall penalty: its
    shadow price is the penalty, not what meeting the benchmark would cost."""
    if compliance is None or not len(compliance) or not len(shadow_prices):
        return pd.Series(False, index=shadow_prices.index)
    miss = compliance.loc[~compliance["met"].astype(bool)]
    keys = set(zip(miss["benchmark"].astype(str), miss["material"].astype(str), miss["stage"].astype(str),
                   miss["year"].astype(int)))
    return pd.Series([k in keys for k in zip(shadow_prices["benchmark"].astype(str),
                                             shadow_prices["material"].astype(str),
                                             shadow_prices["stage"].astype(str), shadow_prices["year"].astype(int))],
                     index=shadow_prices.index, dtype=bool)


def benchmark_costs(shadow_prices: pd.DataFrame, top: int | None = 10,
                    compliance: pd.DataFrame | None = None) -> pd.DataFrame:
    """The most expensive benchmarks: binding rows grouped by benchmark, stage, material, country.

    max_eur_per_pp is the highest cost of one more percentage point of the benchmark in one year
    (money of that year); years_binding lists the years in which it binds. With ``compliance``,
    rows of a year in which the benchmark is missed are left out (``missed_rows``: their shadow
    price is the shortfall penalty, not a cost), so the table ranks what meeting costs.
    """
    cols = ["benchmark", "stage", "material", "country", "enforcement", "years_binding",
            "max_eur_per_t", "max_eur_per_pp", "year_of_max"]
    if shadow_prices is None or not len(shadow_prices):
        return pd.DataFrame(columns=cols)
    sp = shadow_prices.loc[shadow_prices["binding"].astype(bool)]
    sp = sp.loc[~missed_rows(sp, compliance)].copy()
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


EXPENSIVE_TITLE = "The three most expensive benchmarks where they are met (shadow prices)"


def expensive_note(tables: dict) -> str:
    """What the 'most expensive' block leaves out: the benchmarks binding only where missed."""
    sp, comp = tables.get("shadow_prices"), tables.get("compliance")
    if sp is None or not len(sp):
        return ""
    b = sp.loc[sp["binding"].astype(bool)]
    m = b.loc[missed_rows(b, comp)]
    if not len(m):
        return ""
    n = len(m.groupby(["benchmark", "stage", "material"], sort=False))
    return (f"Years in which a benchmark is missed are left out: there its shadow price is the shortfall "
            f"penalty, not a cost ({n} material-benchmark pair{'s' if n != 1 else ''} missed in some year; "
            "sheet shadow_prices has every row).")


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


# ---- the one-page answer ------------------------------------------------------------------------
# The same blocks on the summary sheet, in the console and in report.html. Statuses over the whole
# horizon, per material and benchmark:
STATUS_PRICE = "met at a price"
STATUS_ORDER = (STATUS_MISSED, STATUS_PARTLY, STATUS_PRICE, STATUS_MET)
ANSWER_LEGEND = ("met: met in every year and scenario, never binding; met at a price: met, and "
                 "binding in some year (the shadow price is what it costs); partly missed: missed "
                 "only while the level ramps up or in some disruption scenarios; MISSED: missed at "
                 "the full level")


def bench_label(benchmark: str, stage: str) -> str:
    """The column a benchmark has in the one-page answer."""
    if benchmark == "single_country":
        return f"largest country ({stage})"
    return f"EU {benchmark}"


def horizon_end_releases(tables: dict) -> dict[str, list[int]]:
    """Material -> the years at the end of the horizon in which the figures' scenario sells down
    the strategic stock (planned releases, not disruption releases). Nothing is stocked for
    after the horizon, so the model empties the stock then and imports less: the shares of those
    years are an artefact of where the horizon ends, not compliance facts."""
    stock = tables.get("stock")
    if stock is None or not len(stock):
        return {}
    s = stock.loc[stock["scenario"].astype(str) == main_scenario(tables)]
    out = {}
    for mm, g in s.groupby("material", sort=False):
        years = []
        for y, rel, disrupted in zip(g["year"][::-1], g["stock_out_t"][::-1], g["released_in_disruption"][::-1]):
            if float(rel) > 1e-6 and not bool(disrupted):
                years.append(int(y))
            else:
                break
        if years:
            out[str(mm)] = sorted(years)
    return out


def horizon_status(tables: dict) -> pd.DataFrame:
    """One row per material and benchmark (and stage for single_country) over the whole horizon:
    the full level, the first year met (in every scenario, at a level above 0), the years missed,
    the highest shadow price and its year, and the status. Years in which the stock is sold down
    at the end of the horizon (``horizon_end_releases``) are left out."""
    cols = ["material", "benchmark", "stage", "label", "enforcement", "target_share", "first_year_met",
            "years_missed", "max_eur_per_pp", "year_of_max", "status", "years_left_out"]
    comp = tables.get("compliance")
    if comp is None or not len(comp):
        return pd.DataFrame(columns=cols)
    left_out = horizon_end_releases(tables)

    def disposal(df: pd.DataFrame) -> list[bool]:
        """Flow-basis rows in a year of the end-of-horizon sell-down (capacity is not affected)."""
        return [str(b) == "flow" and int(y) in left_out.get(str(m), ())
                for m, y, b in zip(df["material"], df["year"], df["basis"])]

    comp = comp.loc[[not d for d in disposal(comp)]] if left_out else comp
    sp = tables.get("shadow_prices")
    price = {}
    if sp is not None and len(sp):
        b = sp.loc[sp["binding"].astype(bool)]
        b = b.loc[[not d for d in disposal(b)]] if left_out and len(b) else b
        for key, g in b.groupby(["material", "benchmark", "stage"], sort=False):
            i = g["eur_per_pp"].astype(float).abs().idxmax()
            price[key] = (float(g.loc[i, "eur_per_pp"]), int(g.loc[i, "year"]))
    n_scen = comp["scenario"].astype(str).nunique()
    # one pass over the rows (a loop of pandas operations per group took most of the summary's time)
    groups: dict = {}
    for mm, bench, stage, year, scen, target, met, enf in zip(
            comp["material"], comp["benchmark"], comp["stage"], comp["year"].astype(int),
            comp["scenario"].astype(str), comp["target_share"].astype(float), comp["met"].astype(bool),
            comp["enforcement"]):
        g = groups.setdefault((mm, bench, stage), {"rows": [], "enforcement": enf})
        g["rows"].append((year, scen, target, met))
    rows = []
    for (mm, bench, stage), g in groups.items():
        cap = bench == "single_country"
        recs = g["rows"]
        full = min(r[2] for r in recs) if cap else max(r[2] for r in recs)
        all_met: dict = {}
        for year, _, target, met in recs:
            all_met[year] = all_met.get(year, True) and met
        ok_years = sorted({y for y, _, target, _ in recs if (cap or target > 1e-9) and all_met[y]})
        missed = [r for r in recs if not r[3]]
        if not missed:
            status = STATUS_PRICE if price.get((mm, bench, stage), (0.0,))[0] > 1e-6 else STATUS_MET
        else:
            # MISSED: some year at the full level is missed in every scenario
            at_full: dict = {}
            for year, scen, target, _ in missed:
                if cap or target >= full - 1e-9:
                    at_full.setdefault(year, set()).add(scen)
            status = STATUS_MISSED if any(len(v) >= n_scen for v in at_full.values()) else STATUS_PARTLY
        eur_pp, year_max = price.get((mm, bench, stage), (0.0, None))
        rows.append(dict(material=mm, benchmark=bench, stage=stage, label=bench_label(bench, stage),
                         enforcement=g["enforcement"], target_share=float(full),
                         first_year_met=ok_years[0] if ok_years else None,
                         years_missed=year_ranges(r[0] for r in missed), max_eur_per_pp=eur_pp,
                         year_of_max=year_max, status=status,
                         years_left_out=year_ranges(left_out.get(str(mm), []))))
    return pd.DataFrame(rows, columns=cols)


def status_text(r) -> str:
    """A status in a few words: 'met from 2030', 'met at a price from 2030', 'MISSED 2028-2040',
    and 'MISSED 2030, met from 2031' when every year after the last one missed is met."""
    first = r["first_year_met"]
    if r["status"] in (STATUS_MISSED, STATUS_PARTLY):
        text = f"{r['status']} {r['years_missed']}"
        missed = [int(y) for y in re.findall(r"\d{4}", str(r["years_missed"]))]
        if missed and first is not None and not _blank(first) and int(first) > max(missed):
            text += f", met from {int(first)}"
        return text
    return r["status"] + (f" from {int(first)}" if first is not None and not _blank(first) else "")


def status_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """One row per material, one column per benchmark label, the status text in each cell."""
    if not len(status):
        return pd.DataFrame(columns=["material"])
    s = status.assign(text=[status_text(r) for _, r in status.iterrows()])
    labels = list(dict.fromkeys(s["label"]))
    m = s.pivot_table(index="material", columns="label", values="text", aggfunc="first", sort=False)
    m = m.reindex(columns=labels).reindex(list(dict.fromkeys(s["material"]))).fillna("")
    m.columns.name = None
    return m.reset_index()


def stock_held(tables: dict) -> pd.DataFrame:
    """Per material with a strategic stock: the largest stock target (t), its first year, and
    what it covers in days of that year's consumption."""
    cols = ["material", "peak_stock_t", "year", "days_of_consumption"]
    st = tables.get("stock")
    if st is None or not len(st):
        return pd.DataFrame(columns=cols)
    s = st.loc[st["scenario"].astype(str) == main_scenario(tables)]
    un = tables.get("unmet")
    demand = {} if un is None else {(str(m), int(y)): float(d) for m, y, d in
                                    zip(un["material"], un["year"], un["demand_t"])}
    rows = []
    for mm, g in s.groupby("material", sort=False):
        t = g["stock_target_t"].astype(float)
        if t.max() <= 1e-6:
            continue
        i = t.idxmax()
        y = int(g.loc[i, "year"])
        d = demand.get((str(mm), y), 0.0)
        rows.append(dict(material=mm, peak_stock_t=float(t[i]), year=y,
                         days_of_consumption=365.0 * float(t[i]) / d if d > 0 else float("nan")))
    return pd.DataFrame(rows, columns=cols)


def purchasing_view(tables: dict) -> dict[str, pd.DataFrame] | None:
    """The purchasing desk's view: alone vs together with the saving in EUR and %, per buyer the
    stand-alone cost against the Shapley and volume-proportional shares, who would leave (the
    core), and the contracts used. None without joint purchasing."""
    ps, alloc = tables.get("purchasing_summary"), tables.get("allocation")
    if ps is None or alloc is None or not len(ps) or not len(alloc):
        return None
    items = dict(zip(ps["item"].astype(str), ps["value"]))
    alone = float(items.get("individual purchasing: sum of costs alone", float("nan")))
    together = float(items.get("joint purchasing: cost of the grand coalition", float("nan")))
    save = alone - together
    head = pd.DataFrame([
        ("buying alone (sum of the buyers' stand-alone costs)", alone / 1e6, "MEUR"),
        ("buying together (the grand coalition)", together / 1e6, "MEUR"),
        ("saving of buying together", save / 1e6, "MEUR"),
        ("saving of buying together (% of buying alone)", 100 * save / alone if alone else float("nan"), "%"),
    ], columns=["item", "value", "unit"])
    a = alloc.copy()
    buyers = pd.DataFrame({
        "buyer": a["buyer"].astype(str),
        "alone_meur": a["alone_eur"].astype(float) / 1e6,
        "shapley_meur": a["shapley_eur"].astype(float) / 1e6,
        "shapley_saving_pct": 100 * a["savings_shapley_eur"].astype(float) / a["alone_eur"].astype(float),
        "volume_meur": a["volume_share_eur"].astype(float) / 1e6,
        "volume_saving_pct": 100 * a["savings_volume_eur"].astype(float) / a["alone_eur"].astype(float),
    })
    core = tables.get("core_check")
    leave = [] if core is None or not len(core) else \
        [str(c) for c, w in zip(core["coalition"], core["would_leave"]) if bool(w)]
    contracts = tables.get("contracts")
    used = pd.DataFrame(columns=["contract", "material", "country", "volume_tpa", "delivered_t"])
    if contracts is not None and len(contracts):
        c = contracts.loc[contracts["scenario"].astype(str) == main_scenario(tables)]
        used = c.loc[:, ["contract", "material", "country", "volume_tpa", "delivered_t"]].reset_index(drop=True)
    return {"headline": head, "buyers": buyers,
            "core": pd.DataFrame({"coalitions that would leave (the core)": [", ".join(leave) or "none: "
                                  "no group of buyers does better on its own (Shapley shares)"]}),
            "contracts": used}


def _bn(v) -> float:
    return float(v) / 1e9


_LAST_ANSWER: list = []  # [(key, the tables and their frames, answer)]: the last answer made


def answer(tables: dict, objective: float, info: dict | None = None) -> dict[str, pd.DataFrame]:
    """The one-page answer as tables: ``headline`` (item, value, unit, note), ``status`` (the
    matrix of ``status_matrix``), ``expensive`` (the three most expensive benchmarks where they are met),
    ``stock`` (``stock_held``) and, for purchasing runs, the blocks of ``purchasing_view``.

    A run shows the answer three times (summary sheet, report.html, console): the last answer is
    kept and given again (as copies) for the same tables (the same frame objects: result tables
    are not changed in place once made), objective and settings read here."""
    info = info or {}
    key = (objective, str(info.get("setting_risk_weight")), str(info.get("status")))
    frames = [(k, v) for k, v in tables.items()]
    if _LAST_ANSWER:
        last_key, (last_tables, last_frames), last = _LAST_ANSWER[0]
        if last_key == key and last_tables is tables and len(last_frames) == len(frames) and all(
                a == b and x is y for (a, x), (b, y) in zip(last_frames, frames)):
            return {k: v.copy() for k, v in last.items()}
    out = _answer(tables, objective, info)
    _LAST_ANSWER[:] = [(key, (tables, frames), out)]
    return {k: v.copy() for k, v in out.items()}


def _answer(tables: dict, objective: float, info: dict) -> dict[str, pd.DataFrame]:
    head = []
    risk = _number(info.get("setting_risk_weight"))
    head.append(("total cost (present value)", _bn(objective), "bn EUR",
                 "all materials and years, discounted to the base year"
                 + (f"; the objective: expected cost + {risk:g} x CVaR" if risk else "")))
    cs = tables.get("cost_summary")
    if cs is not None and len(cs):
        parts = cs.groupby("component", sort=False)["present_value_eur"].sum()
        total = float(parts.sum())
        for comp, v in parts.sort_values(ascending=False, key=abs).items():
            if abs(v) >= 1e-9 * max(1.0, abs(total)):
                pct = 100 * v / total if total else float("nan")
                head.append((f"  {comp.replace('_', ' ')}", _bn(v), "bn EUR",
                             "" if not total else "< 0.1 % of the cost" if 0 < abs(pct) < 0.05
                             else f"{pct:.1f} % of the cost"))
    bc = tables.get("benchmark_cost")
    if bc is not None and len(bc):
        vals = dict(zip(bc["measure"].astype(str), bc["value_eur"]))
        if "cost of the benchmarks" in vals and not _blank(vals["cost of the benchmarks"]):
            base = vals.get("total cost without the benchmarks")
            pen = vals.get("soft-benchmark penalties")
            text = "" if _blank(base) else f"total cost with them less without them ({_bn(base):,.1f} bn EUR)"
            if text and pen is not None and not _blank(pen):
                text = (f"total cost with them less their {_bn(pen):,.1f} bn EUR of soft-benchmark penalties "
                        f"(the price of shortfalls, not a cost) less the total without them ({_bn(base):,.1f} bn EUR)")
            head.append(("what the benchmarks cost", _bn(vals["cost of the benchmarks"]), "bn EUR", text))
    status = horizon_status(tables)
    if len(status):
        counts = status["status"].value_counts()
        text = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUS_ORDER[::-1])
        head.append(("benchmarks (material x benchmark) over the horizon", len(status), "", text))
    scen = scenarios(tables)
    head.append(("scenarios", len(scen), "", "nominal only" if len(scen) == 1
                 else "probability-weighted; flows and stocks shown for " + main_scenario(tables)))
    if info.get("status"):
        head.append(("solver status", str(info["status"]), "", ""))
    voi = tables.get("value_of_information")
    if voi is not None and len(voi):
        for measure, label in (("VSS", "value of the stochastic solution (VSS)"),
                               ("EVPI", "expected value of perfect information (EVPI)")):
            hit = voi.loc[voi["measure"] == measure]
            if len(hit):
                head.append((label, float(hit["value_eur"].iloc[0]) / 1e6, "MEUR",
                             "what planning for the disruptions saves" if measure == "VSS"
                             else "what knowing the disruption in advance would be worth"))
    out = {"headline": pd.DataFrame(head, columns=["item", "value", "unit", "note"]),
           "status": status_matrix(status),
           "expensive": benchmark_costs(tables.get("shadow_prices"), top=3, compliance=tables.get("compliance")),
           "expensive note": pd.DataFrame({"note": [expensive_note(tables)]}),
           "stock": stock_held(tables)}
    pv = purchasing_view(tables)
    if pv:
        out.update({f"purchasing {k}": v for k, v in pv.items()})
    return out


def _number(v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(x) else x


def _fmt(v, unit: str = "") -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if isinstance(v, float) and math.isnan(v):
            return "-"
        small = unit == "bn EUR" and abs(v) < 0.1
        text = (f"{v:,.3f}" if small else f"{v:,.1f}") if isinstance(v, float) else f"{v:,}"
        return f"{text} {unit}".strip()
    return f"{v} {unit}".strip()


def answer_lines(ans: dict[str, pd.DataFrame], limit: int = 12) -> list[str]:
    """The one-page answer for the console (the first ``limit`` materials, then 'and N more')."""
    lines = []
    for r in ans["headline"].itertuples(index=False):
        note = f"  ({r.note})" if r.note else ""
        lines.append(f"{r.item}: {_fmt(r.value, r.unit)}{note}")
    st = ans["status"]
    if len(st):
        lines.append("Benchmarks per material over the horizon:")
        for r in st.head(limit).itertuples(index=False):
            cells = [f"{lab}: {v}" for lab, v in zip(st.columns[1:], r[1:]) if v]
            lines.append(f"  {r[0]}: " + "; ".join(cells))
        if len(st) > limit:
            lines.append(f"  ... and {len(st) - limit} more materials (sheet summary)")
    ex = ans["expensive"]
    if len(ex):
        lines.append("Most expensive benchmarks where they are met (shadow prices):")
        for r in ex.itertuples(index=False):
            who = f" {r.country}" if r.country else ""
            lines.append(f"  {bench_label(r.benchmark, r.stage)}{who} for {r.material}: "
                         f"{r.max_eur_per_pp / 1e6:,.2f} MEUR per percentage point in {r.year_of_max} "
                         f"({r.max_eur_per_t:,.0f} EUR/t; binding {r.years_binding})")
    note = ans["expensive note"].iloc[0, 0] if "expensive note" in ans else ""
    if note:
        lines.append(f"  {note}")
    sk = ans["stock"]
    if len(sk):
        lines.append("Strategic stock held (peak target): " + "; ".join(
            f"{r.material} {r.peak_stock_t:,.1f} t in {r.year}"
            + (f" ({r.days_of_consumption:,.0f} days)" if not math.isnan(r.days_of_consumption) else "")
            for r in sk.head(limit).itertuples(index=False))
            + (f"; and {len(sk) - limit} more" if len(sk) > limit else ""))
    if "purchasing headline" in ans:
        lines.append("Joint purchasing:")
        for r in ans["purchasing headline"].itertuples(index=False):
            lines.append(f"  {r.item}: {_fmt(r.value, r.unit)}")
        for r in ans["purchasing buyers"].itertuples(index=False):
            lines.append(f"  {r.buyer}: alone {r.alone_meur:,.1f} MEUR, Shapley share {r.shapley_meur:,.1f} MEUR "
                         f"(saves {r.shapley_saving_pct:.1f} %), volume share {r.volume_meur:,.1f} MEUR "
                         f"(saves {r.volume_saving_pct:.1f} %)")
        lines.append("  " + ans["purchasing core"].iloc[0, 0])
        used = ans["purchasing contracts"]
        for r in used.itertuples(index=False):
            lines.append(f"  contract {r.contract} ({r.material}, {r.country}): "
                         + (f"{r.volume_tpa:,.1f} t/yr signed" if float(r.volume_tpa) > 1e-6 else "not used"))
    return lines
