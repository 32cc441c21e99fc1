"""The charts sheet (native Excel charts per material) and the numbers they draw (chart_data)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from model import summaries as S
from model.io.cells import cell_text
from model.io.chart_xml import XmlChart, bar_xml, line_xml
from model.io.sheet_style import (
    BENCH_COLOURS,
    NOTE_FONT,
    OKABE_ITO,
    ORIGIN_COLOURS,
    SCENARIO_COLOURS,
    SECTION_FONT,
    STAGE_COLOURS,
    TITLE_FONT,
    _print_setup,
    safe,
)
from model.io.sheet_xml import _DataSheet


def _title(text: str, size: int = 1100):
    """A chart title in a modest font (the default is large enough to wrap), for an openpyxl chart
    (the sweep's workbook; the results workbook writes its charts' XML: model/io/chart_xml.py)."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    cp = CharacterProperties(sz=size, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=cell_text(text))])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


# one colour per named supplier, none shared with the EU origins, the stock or 'other countries'
SUPPLIER_COLOURS = ("D55E00", "E69F00", "56B4E9", "CC79A7", "F0E442", "882255")
OTHER_COLOUR = "555555"


def _country_colours(top: list[str]) -> dict[str, str]:
    """Colours of the origins: the EU's, one per named supplier (``summaries.group_suppliers``),
    dark grey for the other countries."""
    return {**ORIGIN_COLOURS, **dict(zip(top, SUPPLIER_COLOURS)), S.OTHER_COUNTRIES: OTHER_COLOUR}


def _bar(data, cats, title, y_title, colours, stacked=True, y_fmt="#,##0") -> XmlChart:
    """A column chart of the chart data block ``data`` (References from ``_DataSheet.block``)."""
    return XmlChart(bar_xml(data, cats, cell_text(title), y_title, colours, stacked=stacked, y_fmt=y_fmt))


def _line(data, cats, title, y_title, colours, dashed=(), y_fmt="#,##0", widths=(), y_min=None,
          y_max=None) -> XmlChart:
    """A line chart of the chart data block ``data``: dashes, widths in points, value axis bounds."""
    return XmlChart(line_xml(data, cats, cell_text(title), y_title, colours, dashed=dashed, y_fmt=y_fmt,
                             widths=widths, y_min=y_min, y_max=y_max))


def _pivot(df: pd.DataFrame, index: str, columns: str, values: str, aggfunc: str, fill_value=None,
            sort: bool = True) -> pd.DataFrame:
    """``df.pivot_table(index=index, columns=columns, values=values, aggfunc=aggfunc,
    fill_value=fill_value, sort=sort)`` for one index, one column key and one value column:
    the steps pandas takes (group, drop NaN results, unstack, sort the columns, fill) without
    its general machinery, which is most of its time on the small per-material frames of the
    charts (some 280 pivots on the EU case). Its last step, dropping empty columns, has nothing
    to do here: each column has a group with a result."""
    agged = df.groupby([index, columns], sort=sort)[values].agg(aggfunc).dropna()
    table = agged.unstack(columns, fill_value=fill_value)
    if sort:
        table = table.sort_index(axis=1)
    return table if fill_value is None else table.fillna(fill_value)


def _pivots(df: pd.DataFrame | None, columns: str, values: str, aggfunc: str, fill_value=None,
            sort: bool = True) -> dict:
    """material -> ``_pivot(rows of the material, "year", columns, values, aggfunc, fill_value,
    sort)``, with one groupby over the whole table instead of one per material."""
    if df is None or not len(df):
        return {}
    agged = df.groupby(["material", "year", columns], sort=sort)[values].agg(aggfunc).dropna()
    seen = {}  # without sort: the columns in the order they come in each material's rows
    if not sort:
        first = df.drop_duplicates(["material", columns])
        for mm, col in zip(first["material"], first[columns]):
            seen.setdefault(mm, []).append(col)
    wide = agged.unstack(columns)  # (material, year) x columns, NaN where a material has no value
    if sort:
        wide = wide.sort_index(axis=1)
    present = agged.reset_index(level=2)[columns].groupby(level=0, sort=False).unique()
    # each material's rows and columns cut from the one array of ``wide`` by position: what
    # ``wide.loc[mm, cols]`` gives (the years as index, the columns named), without its indexing
    # machinery (some 280 lookups on the EU case)
    values, years = wide.to_numpy(), wide.index.levels[1]
    codes, year_codes = wide.index.codes[0], wide.index.codes[1]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(wide.index.levels[0]) + 1))
    at = {mm: i for i, mm in enumerate(wide.index.levels[0])}
    out = {}
    for mm, have in present.items():
        keep = set(have)  # the columns this material has values in
        cols = wide.columns.get_indexer([c for c in (wide.columns if sort else seen[mm]) if c in keep])
        i = at[mm]
        rows = order[bounds[i]:bounds[i + 1]]
        table = pd.DataFrame(values[np.ix_(rows, cols)], index=years[year_codes[rows]].rename(years.name),
                             columns=wide.columns[cols])
        out[mm] = table if fill_value is None else table.fillna(fill_value)
    return out


def _by_material(df: pd.DataFrame | None) -> dict:
    """material -> its rows of ``df`` (one pass over the table instead of a mask per material)."""
    if df is None or not len(df):
        return {}
    return {mm: g for mm, g in df.groupby("material", sort=False)}


def _material_charts(mm: str, t: dict, scen: str, supply, colours, paths, dsheet, split: dict) -> list:
    """The charts of one material; ``supply``, ``paths`` and ``split`` (stock, capacity) hold each
    table split by material (``_by_material``)."""
    charts = []
    # refined supply by origin, stacked per year
    s = supply.get(mm)
    if s is not None and len(s):
        p = split["supply"][mm]
        volume = dict(zip(p.columns, np.abs(p.to_numpy(dtype=float)).sum(axis=0)))  # no NaN (filled)
        order = [o for o in S.origin_order(s) if volume.get(o, 0.0) > 1e-9]
        p = p[order] if order else p
        data, cats = dsheet.block(f"{mm}: refined supply by origin (t, {scen})", p)
        charts.append(_bar(data, cats, f"{mm}: refined supply by origin (t/yr)", "t/yr",
                           [colours.get(o, "999999") for o in p.columns]))
    # strategic stock: the first-stage target and the inventory in each scenario
    st = split["stock"].get(mm)
    if st is not None and len(st):
        p = split["stock pivot"][mm]
        sc = S.scenarios(t)
        p = _few_scenarios(p[[c for c in sc if c in p.columns] + [c for c in p.columns if c not in sc]])
        p.columns = [f"inventory, {c}" for c in p.columns]
        p["stock target"] = split["stock target"][mm]  # last: drawn on top
        data, cats = dsheet.block(f"{mm}: strategic stock (t)", p)
        n = len(p.columns) - 1
        v = np.abs(p.to_numpy(dtype=float))
        big = bool((v[~np.isnan(v)] >= 100).any())
        charts.append(_line(data, cats, f"{mm}: strategic stock at year end (t)", "t",
                            [SCENARIO_COLOURS[i % 8] for i in range(n)] + ["000000"],
                            dashed=[False] * n + [True], y_fmt="#,##0" if big else "#,##0.0",
                            widths=[3.5] + [1.75] * (n - 1) + [1.25]))
    # EU capacity by stage
    cap = split["capacity"].get(mm)
    if cap is not None and len(cap):
        p = split["capacity pivot"][mm]
        data, cats = dsheet.block(f"{mm}: EU capacity available (t/yr)", p)
        charts.append(_bar(data, cats, f"{mm}: EU capacity available, existing + new (t/yr)", "t/yr",
                           [STAGE_COLOURS.get(k, "999999") for k in p.columns], stacked=False))
    if paths is None:
        return charts
    b = paths.get(mm)
    if b is None:
        return charts
    # EU share benchmarks: achieved (solid) and target (dashed)
    eu = split["shares rows"][mm]
    if len(eu):
        p, cols, dash = _paths_frame(eu, lambda lab: (f"EU {lab}", f"{lab} target"), pivots=split["shares"][mm])
        data, cats = dsheet.block(f"{mm}: EU shares and targets ({scen})", p, fmt="0.0%")
        charts.append(_line(data, cats, f"{mm}: EU shares (solid) vs targets (dashed)",
                            "share of consumption", cols, dashed=dash, y_fmt="0%", y_min=0))
    # single-country cap: the largest third country's share at each stage, and the cap
    sc = split["caps rows"][mm]
    if len(sc):
        p, cols, dash = _paths_frame(sc, lambda lab: (lab, f"cap ({lab.split('(')[-1].rstrip(')')})"),
                                     one_target="cap", pivots=split["caps"][mm])
        data, cats = dsheet.block(f"{mm}: largest third-country share and cap ({scen})", p, fmt="0.0%")
        charts.append(_line(data, cats, f"{mm}: largest third country (solid) vs cap (dashed)",
                            "share of consumption", cols, dashed=dash, y_fmt="0%", y_min=0, y_max=1))
    return charts


STOCK_SERIES = len(SCENARIO_COLOURS) - 1  # scenario lines a stock chart draws in their own colour


def _few_scenarios(p: pd.DataFrame) -> pd.DataFrame:
    """Inventory by scenario (columns, the main scenario first) cut to what a chart can show in
    distinct colours: the main scenario, the STOCK_SERIES - 1 scenarios whose inventory departs
    most from it, and the lowest inventory of all the others in one series."""
    if len(p.columns) <= STOCK_SERIES:
        return p
    main, rest = p.columns[0], list(p.columns[1:])
    v = p.to_numpy(dtype=float)
    gap = np.abs(v[:, 1:] - v[:, :1])
    # summed per scenario as pandas sums a frame's columns (NaN as 0, along each column's
    # contiguous values): the same sums to the last bit, so the same order
    gap = np.ascontiguousarray(np.where(np.isnan(gap), 0.0, gap).T).sum(axis=1)
    departs = pd.Series(gap, index=rest).sort_values(ascending=False, kind="stable")
    shown = [main] + list(departs.index[:STOCK_SERIES - 1])
    at = {c: j for j, c in enumerate(p.columns)}
    others = [at[c] for c in rest if c not in shown]
    out = {c: v[:, at[c]] for c in shown}
    with np.errstate(all="ignore"):
        low = v[:, others]
        out[f"lowest of the other {len(others)} scenarios"] = np.where(
            np.isnan(low).all(axis=1), np.nan, np.nanmin(np.where(np.isnan(low), np.inf, low), axis=1))
    return pd.DataFrame(out, index=p.index)


def _one_value_per_row(frame: pd.DataFrame) -> bool:
    """``frame.nunique(axis=1, dropna=True).max() <= 1``: no row holds two different numbers."""
    if not len(frame):
        return False  # the max of no rows is NaN
    v = frame.to_numpy(dtype=float)
    if not v.shape[1]:
        return True
    missing = np.isnan(v)
    lo = np.where(missing, np.inf, v).min(axis=1)
    hi = np.where(missing, -np.inf, v).max(axis=1)
    return bool(np.all((hi <= lo) | missing.all(axis=1)))


def _paths_frame(b: pd.DataFrame, names, one_target: str | None = None, pivots=None):
    """Achieved (solid) and target (dashed) series per benchmark label; with ``one_target``, a
    single dashed target series drawn last when every label has the same target. ``pivots``:
    the achieved and target pivots of ``b`` when made beforehand."""
    labels = list(dict.fromkeys(b["label"]))
    if pivots is None:
        pivots = (_pivot(b, "year", "label", "achieved_share", "first"),
                  _pivot(b, "year", "label", "target_share", "first"))
    ach, tgt = pivots
    # the columns of the frame, on the years of ach, as arrays (the targets' years aligned once)
    aligned = tgt if tgt.index.equals(ach.index) else tgt.reindex(ach.index)
    a_col = {lab: j for j, lab in enumerate(ach.columns)}
    t_col = {lab: j for j, lab in enumerate(aligned.columns)}
    a_val, t_val = ach.to_numpy(), aligned.to_numpy()
    series, cols, dash = {}, [], []
    if one_target and _one_value_per_row(tgt):
        for lab in labels:
            series[names(lab)[0]] = a_val[:, a_col[lab]]
            cols.append(BENCH_COLOURS.get(lab, "999999"))
            dash.append(False)
        top = tgt.max(axis=1)
        series[one_target] = (top if tgt is aligned else top.reindex(ach.index)).to_numpy()
        cols, dash = cols + ["000000"], dash + [True]
    else:
        for lab in labels:
            a_name, t_name = names(lab)
            series[a_name] = a_val[:, a_col[lab]]
            series[t_name] = t_val[:, t_col[lab]]
            cols += [BENCH_COLOURS.get(lab, "999999")] * 2
            dash += [False, True]
    p = pd.DataFrame(series, index=ach.index)
    p.index.name = "year"
    return p, cols, dash


def _write_charts(wb, results) -> _DataSheet | None:
    """The charts sheet and the chart_data sheet (returned: its rows are written by _save)."""
    t = results.tables
    if "sourcing" not in t or not len(t["sourcing"]):
        return None
    scen = S.main_scenario(t)
    ws = wb.create_sheet("charts", 1)
    dsheet = _DataSheet(wb.create_sheet("chart_data"))
    ws.cell(row=1, column=1, value="Charts").font = TITLE_FONT
    ws.cell(row=2, column=1, value=f"Flows, stock paths and shares of the {scen} scenario; costs are "
            "probability-weighted present values. The numbers are on sheet chart_data.").font = NOTE_FONT
    ws.sheet_view.showGridLines = False
    supply, top = S.group_suppliers(S.refined_supply(t, scenario=scen, include_stock=True))
    colours = _country_colours(top)
    materials = list(dict.fromkeys(t["sourcing"]["material"]))
    comp = t.get("compliance")
    paths = _by_material(S.benchmark_paths(comp, scen)) if comp is not None and len(comp) else None
    supply = _by_material(supply)
    split = {"stock": _by_material(t.get("stock")), "capacity": _by_material(t.get("capacity")),
             "supply": _pivots(pd.concat(list(supply.values())) if supply else None, "origin", "value_t",
                               "sum", fill_value=0.0),
             "stock pivot": _pivots(t.get("stock"), "scenario", "inventory_t", "sum", sort=False),
             "capacity pivot": _pivots(t.get("capacity"), "stage", "available_tpa", "sum", sort=False)}
    stock = t.get("stock")
    if stock is not None and len(stock):  # each material's first-stage target per year
        first = stock.groupby(["material", "year"], sort=True)["stock_target_t"].first()
        split["stock target"] = {mm: g.droplevel(0) for mm, g in first.groupby(level=0, sort=False)}
    for key, pick in (("shares", lambda b: b["benchmark"].isin(S.SHARE_BENCHMARKS)),
                      ("caps", lambda b: b["benchmark"] == "single_country")):
        split[key + " rows"] = {mm: b.loc[pick(b)] for mm, b in paths.items()} if paths else {}
        rows = pd.concat(list(split[key + " rows"].values())) if paths else None
        ach = _pivots(rows, "label", "achieved_share", "first")
        tgt = _pivots(rows, "label", "target_share", "first")
        split[key] = {mm: (ach[mm], tgt[mm]) for mm in ach}
    row = 4
    cs = t.get("cost_summary")
    if cs is not None and len(cs):
        p = cs.pivot_table(index="material", columns="component", values="present_value_eur", aggfunc="sum",
                           fill_value=0.0, sort=False) / 1e6
        p = p[[c for c in p.columns if p[c].abs().sum() > 1e-9]]
        p.index.name = "material"
        data, cats = dsheet.block("present value by material and component (MEUR)", p, fmt="#,##0.0")
        ch = _bar(data, cats, "Total cost by material and component (present value, MEUR)", "MEUR",
                  [OKABE_ITO[i % 8] for i in range(len(p.columns))])
        ws.add_chart(ch, f"A{row}")
        row += 18
    for mm in materials:
        if row > 4:  # each material starts a printed page; two rows of charts fit on a page
            ws.row_breaks.append(Break(id=row - 1))
        ws.cell(row=row, column=1, value=safe(mm)).font = SECTION_FONT
        charts = _material_charts(mm, t, scen, supply, colours, paths, dsheet, split)
        for i, ch in enumerate(charts):
            ws.add_chart(ch, f"{'AK'[i % 2]}{row + 1 + 17 * (i // 2)}")
        for k in range(2, (len(charts) + 1) // 2, 2):
            ws.row_breaks.append(Break(id=row + 17 * k - 1))
        row += 2 + 17 * ((len(charts) + 1) // 2)
    _print_setup(ws)
    dsheet.ws.column_dimensions["A"].width = 12
    for j in range(2, 16):
        dsheet.ws.column_dimensions[get_column_letter(j)].width = 16
    return dsheet


