"""report.html: the one-page answer of a run as a single self-contained web page.

The same blocks as the summary sheet of results.xlsx and the console (model.summaries
.answer): the total cost and its parts, what the benchmarks cost, the status of every benchmark
per material over the horizon, the three most expensive benchmarks where met, the stock held, VSS/EVPI
for disruption runs and the purchasing desk's view for joint purchasing. The figure is inline SVG drawn
from the tidy tables (no plotting library) and the style sheet is inline, so the file opens in any
browser, offline, alone. Every text is HTML-escaped.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from model import summaries as S
from model.io.linechart import OKABE_ITO as PALETTE
from model.io.linechart import esc as _e
from model.io.linechart import nice_step as _nice_step
from model.io.linechart import tick_label as _tick_label

STATUS_CLASS = {S.STATUS_MET: "met", S.STATUS_PRICE: "price", S.STATUS_PARTLY: "partly", S.STATUS_MISSED: "missed"}

CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 75em; }
h1 { color: #1F4E78; font-size: 1.5em; margin-bottom: 0.1em; }
h2 { color: #1F4E78; font-size: 1.15em; margin-top: 1.6em; }
p.sub, p.note { color: #595959; font-style: italic; margin: 0.3em 0; }
table { border-collapse: collapse; margin: 0.4em 0; }
th { background: #1F4E78; color: #fff; padding: 0.3em 0.6em; text-align: center; }
td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; }
td.unit { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.part { padding-left: 1.8em; }
td.met { background: #C6EFCE; } td.price { background: #FFF2CC; }
td.partly { background: #FFE699; } td.missed { background: #F4B6B6; font-weight: bold; }
figure { margin: 0.4em 0; } figure svg { max-width: 100%; height: auto; }
"""


def _num(v, decimals: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{float(v):,.{decimals}f}"


def _table(df: pd.DataFrame, spec, cell_class=None) -> str:
    """spec: (column, header with its unit, decimals or None for text)."""
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for _, h, _ in spec) + "</tr>"]
    for rec in df.to_dict("records"):
        cells = []
        for col, _, dec in spec:
            v = rec.get(col)
            cls = cell_class(col, v) if cell_class else None
            if dec is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_e(_num(v, dec))}</td>')
            else:
                text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else v
                cells.append(f'<td{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{_e(text)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table>"


def _status_class(col, v):
    if col == "material" or not isinstance(v, str):
        return None
    for status in S.STATUS_ORDER:
        if v.startswith(status):
            return STATUS_CLASS[status]
    return None


def cost_figure(tables: dict) -> str | None:
    """Present value by material and component (bn EUR), a horizontal stacked bar per material,
    largest on top, as inline SVG drawn from the cost_summary table (no plotting library: the page
    is made in a few milliseconds); None without costs. Positive parts stack right of zero,
    negative ones left of it. Each bar part has a tooltip (its SVG title) with its value."""
    cs = tables.get("cost_summary")
    if cs is None or not len(cs):
        return None
    p = cs.pivot_table(index="material", columns="component", values="present_value_eur", aggfunc="sum",
                       fill_value=0.0, sort=False) / 1e9
    p = p[[c for c in p.columns if p[c].abs().sum() > 1e-12]]
    if not len(p.columns):
        return None
    p = p.loc[p.sum(axis=1).sort_values(ascending=False, kind="stable").index]  # largest on top
    lo = min(0.0, float(p.clip(upper=0).sum(axis=1).min()))
    hi = max(0.0, float(p.clip(lower=0).sum(axis=1).max()))
    if hi - lo <= 0:
        hi = 1.0
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    label_w = 8 + 7 * max(len(str(m)) for m in p.index)  # the material names left of the bars
    left, plot_w, bar_h, gap, top = label_w, 560, 16, 6, 10
    plot_h = len(p) * (bar_h + gap)
    legend_y = top + plot_h + 48
    width = left + plot_w + 20
    height = legend_y + 18 * ((len(p.columns) + 3) // 4) + 6

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    out = [(f'<svg role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">'),
           "<title>present value by material and component, bn EUR</title>"]
    k = 0
    while lo + k * step <= hi + 1e-9 * step:  # grid lines and tick labels
        v = lo + k * step
        out.append(f'<line x1="{x(v):.1f}" y1="{top}" x2="{x(v):.1f}" y2="{top + plot_h}" '
                   f'stroke="{"#595959" if abs(v) < 1e-12 else "#e0e0e0"}"/>'
                   f'<text x="{x(v):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                   f"{_e(_tick_label(v, step))}</text>")
        k += 1
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 34}" text-anchor="middle">'
               "present value (bn EUR)</text>")
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(p.columns)}
    for i, (mm, row) in enumerate(zip(p.index, p.to_numpy().tolist())):
        y = top + i * (bar_h + gap) + gap / 2
        out.append(f'<text x="{left - 6}" y="{y + bar_h / 2 + 4:.1f}" text-anchor="end">{_e(mm)}</text>')
        pos = neg = 0.0
        for c, v in zip(p.columns, row):
            if abs(v) < 1e-12:
                continue
            a, pos, neg = (pos, pos + v, neg) if v > 0 else (neg + v, pos, neg + v)
            out.append(f'<rect x="{x(a):.2f}" y="{y:.1f}" width="{x(a + abs(v)) - x(a):.2f}" height="{bar_h}" '
                       f'fill="{colours[c]}"><title>{_e(f"{mm}, {c.replace(chr(95), chr(32))}: {v:,.3f} bn EUR")}'
                       "</title></rect>")
    for i, c in enumerate(p.columns):
        lx, ly = left + (i % 4) * (plot_w / 4), legend_y + 18 * (i // 4)
        out.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{colours[c]}"/>'
                   f'<text x="{lx + 17:.1f}" y="{ly}">{_e(str(c).replace("_", " "))}</text>')
    out.append("</svg>")
    return "".join(out)


def render(results, run_info: dict) -> str:
    """The page's HTML."""
    t = results.tables
    ans = S.answer(t, results.objective, run_info)
    case = run_info.get("case", "")
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{_e(f'Results: {case}')}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(f'Results: {case}')}</h1>"]
    sub = ", ".join(x for x in (f"input {run_info.get('input_file')}" if run_info.get("input_file") else "",
                                f"started {run_info.get('started_utc')} UTC" if run_info.get("started_utc") else "")
                    if x)
    if sub:
        parts.append(f'<p class="sub">{_e(sub)}</p>')
    parts.append("<h2>The answer</h2><table><tr><th>item</th><th>value</th><th>unit</th><th>note</th></tr>")
    for r in ans["headline"].itertuples(index=False):
        v = r.value
        dec = 3 if r.unit == "bn EUR" and isinstance(v, float) and abs(v) < 0.1 else 1
        shown = _num(v, dec) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
        cls = ' class="part"' if str(r.item).startswith(" ") else ""
        bold = "<b>{}</b>" if not cls else "{}"
        parts.append(f"<tr><td{cls}>{bold.format(_e(str(r.item).strip()))}</td><td class=\"num\">{_e(shown)}</td>"
                     f"<td class=\"unit\">{_e(r.unit)}</td><td>{_e(r.note)}</td></tr>")
    parts.append("</table>")
    st = ans["status"]
    parts.append("<h2>Benchmarks per material over the whole horizon</h2>")
    if len(st):
        parts.append(_table(st, [(c, c, None) for c in st.columns], _status_class))
        parts.append(f'<p class="note">{_e(S.ANSWER_LEGEND)}. Years are the first year met (in every scenario, '
                     "at a level above 0) and the years missed; results.xlsx, sheet compliance, has every row.</p>")
    else:
        parts.append("<p>No benchmark in force.</p>")
    parts.append(f"<h2>{_e(S.EXPENSIVE_TITLE)}</h2>")
    ex = ans["expensive"]
    if len(ex):
        ex = ex.assign(benchmark=[S.bench_label(b, s) for b, s in zip(ex["benchmark"], ex["stage"])],
                       max_meur_per_pp=ex["max_eur_per_pp"].astype(float) / 1e6)
        parts.append(_table(ex, [("benchmark", "benchmark", None), ("material", "material", None),
                                 ("country", "country", None), ("years_binding", "years binding", None),
                                 ("max_meur_per_pp", "cost of one more percentage point [MEUR/pp]", 2),
                                 ("max_eur_per_t", "shadow price [EUR/t]", 0), ("year_of_max", "in year", None)]))
    else:
        parts.append("<p>No benchmark binds where it is met: meeting the benchmarks costs nothing at the margin.</p>")
    note = ans["expensive note"].iloc[0, 0]
    if note:
        parts.append(f'<p class="note">{_e(note)}</p>')
    parts.append("<h2>Strategic stock held</h2>")
    sk = ans["stock"]
    parts.append(_table(sk, [("material", "material", None), ("peak_stock_t", "peak stock target [t]", 1),
                             ("year", "year", None), ("days_of_consumption", "covers [days of consumption]", 0)])
                 if len(sk) else "<p>No strategic stock.</p>")
    if "purchasing headline" in ans:
        parts.append("<h2>Joint purchasing: alone and together</h2>")
        parts.append(_table(ans["purchasing headline"], [("item", "item", None), ("value", "value", 1),
                                                         ("unit", "unit", None)]))
        parts.append(_table(ans["purchasing buyers"], [
            ("buyer", "buyer", None), ("alone_meur", "cost alone [MEUR]", 1),
            ("shapley_meur", "Shapley share [MEUR]", 1), ("shapley_saving_pct", "saving [%]", 1),
            ("volume_meur", "volume share [MEUR]", 1), ("volume_saving_pct", "saving [%]", 1)]))
        parts.append(f'<p class="note">{_e(ans["purchasing core"].iloc[0, 0])}</p>')
        if len(ans["purchasing contracts"]):
            parts.append(_table(ans["purchasing contracts"], [
                ("contract", "contract", None), ("material", "material", None), ("country", "country", None),
                ("volume_tpa", "volume signed [t/yr]", 1), ("delivered_t", "delivered [t]", 1)]))
    parts.append("<h2>Cost by material and component</h2>")
    fig = cost_figure(t)
    parts.append(f'<figure>{fig}</figure>' if fig else '<p class="note">No costs to draw.</p>')
    parts.append('<p class="note">Every table of the run is in results.xlsx beside this page; '
                 "docs/results.md explains each sheet and column.</p></body></html>")
    return "\n".join(parts)


def write_report(path, results, run_info: dict) -> Path:
    path = Path(path)
    path.write_text(render(results, run_info), encoding="utf-8")
    return path
