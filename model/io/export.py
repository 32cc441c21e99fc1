"""Exports of a run folder for research: IAMC data, CSV tables, figures, LaTeX and Markdown tables.

Everything is read back from the run's results.xlsx and manifest.json (never from Pyomo), and
written to ``<run folder>/export/`` unless told otherwise:

* ``iamc``: ``iamc.csv`` and ``iamc.xlsx`` (sheet ``data``) in the IAMC long-wide format: model,
  scenario, region, variable, unit, then one column per year (readable by pyam);
* ``csv``: ``csv/<table>.csv`` for every tidy table (and ``run.csv``);
* ``png``, ``pdf``, ``svg``: ``figures/<figure>.<format>`` drawn with matplotlib in the Okabe-Ito
  colour-blind-safe palette;
* ``latex``, ``md``: ``tables/<table>.tex`` (booktabs) and ``tables/<table>.md`` for the summary
  tables (cost by component, compliance, most expensive benchmarks, capacity built, scenario costs
  and the value of information when present).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from model import summaries as S
from model.io.cells import safe_frame
from model.io.linechart import OKABE_ITO, figure_style

FORMATS = ("iamc", "csv", "png", "pdf", "svg", "latex", "md")
FIGURE_FORMATS = ("png", "pdf", "svg")
ORIGIN_COLOURS = {S.EU_PROCESSING: "#0072B2", S.EU_RECYCLING: "#009E73", S.STOCK_RELEASE: "#BBBBBB"}
SCENARIO_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#999999")
STAGE_COLOURS = {"extraction": "#E69F00", "processing": "#0072B2", "recycling": "#009E73"}
MODEL_NAME = "crm-model"
REGION = "EU"


def _version() -> str:
    try:
        from importlib import metadata

        return metadata.version("crm-model")
    except Exception:  # not installed as a package
        return "0.1.0"


# ---- IAMC ---------------------------------------------------------------------------------------
def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x == ""


def iamc_long(tables: dict, case: str) -> pd.DataFrame:
    """Result tables as IAMC long data: model, scenario, region, variable, unit, year, value.

    Scenario: the case name for a run with one scenario, else '<case>|<scenario>'. First-stage
    quantities (capacity, stock targets, capacity-basis shadow prices) repeat in every scenario;
    costs per scenario add the first-stage costs. Shares are in percent.
    """
    scen = S.scenarios(tables)
    name = (lambda w: case) if len(scen) == 1 else (lambda w: f"{case}|{w}")
    recs = []

    def add(w, variable, unit, year, value):
        if _blank(value):
            return
        recs.append((name(w), variable, unit, int(year), float(value)))

    src = tables.get("sourcing")
    if src is not None:
        for r in src.itertuples(index=False):
            flow = str(r.flow)
            if flow == "refined import":
                var = f"Supply|{r.material}|Refined Imports|{r.country}"
            elif flow.startswith("ore import"):
                var = f"Supply|{r.material}|Ore Imports|{r.country}"
            elif flow.startswith("contract"):
                var = f"Supply|{r.material}|Contracts|{flow[len('contract '):]}"
            elif flow == "EU mining":
                var = f"Supply|{r.material}|EU Mining"
            elif flow == "EU processing output":
                var = f"Supply|{r.material}|EU Processing"
            elif flow == "EU recycling output":
                var = f"Supply|{r.material}|EU Recycling"
            else:
                var = f"Supply|{r.material}|{flow}"
            add(r.scenario, var, "t/yr", r.year, r.value_t)
    un = tables.get("unmet")
    if un is not None:
        for r in un.itertuples(index=False):
            add(r.scenario, f"Demand|{r.material}", "t/yr", r.year, r.demand_t)
            add(r.scenario, f"Unmet Demand|{r.material}", "t/yr", r.year, r.unmet_t)
    cap = tables.get("capacity")
    if cap is not None:
        for r in cap.itertuples(index=False):
            for w in scen:
                add(w, f"Capacity|{r.material}|{r.stage}", "t/yr", r.year, r.available_tpa)
                add(w, f"Capacity Additions|{r.material}|{r.stage}", "t/yr", r.year, r.new_online_tpa)
    st = tables.get("stock")
    if st is not None:
        for r in st.itertuples(index=False):
            add(r.scenario, f"Stock|{r.material}", "t", r.year, r.inventory_t)
            add(r.scenario, f"Stock Target|{r.material}", "t", r.year, r.stock_target_t)
            add(r.scenario, f"Stock Purchases|{r.material}", "t/yr", r.year, r.stock_in_t)
            add(r.scenario, f"Stock Releases|{r.material}", "t/yr", r.year, r.stock_out_t)
    comp = tables.get("compliance")
    if comp is not None:
        for r in comp.itertuples(index=False):
            add(r.scenario, f"Benchmark Share|{r.material}|{r.benchmark}|{r.stage}", "%", r.year,
                100.0 * float(r.achieved_share))
            add(r.scenario, f"Benchmark Target|{r.material}|{r.benchmark}|{r.stage}", "%", r.year,
                100.0 * float(r.target_share))
    sp = tables.get("shadow_prices")
    if sp is not None:
        for r in sp.itertuples(index=False):
            var = f"Shadow Price|Benchmark|{r.material}|{r.benchmark}|{r.stage}"
            if not _blank(r.country):
                var += f"|{r.country}"
            for w in ([r.scenario] if not _blank(r.scenario) else scen):
                add(w, var, "EUR/t", r.year, r.eur_per_t)
    mc = tables.get("marginal_cost")
    if mc is not None:
        for r in mc.itertuples(index=False):
            add(r.scenario, f"Marginal Cost|{r.material}", "EUR/t", r.year, r.eur_per_t)
    costs = tables.get("costs")
    if costs is not None and len(costs):
        first = costs.loc[costs["scenario"] == "first stage"]
        rec = costs.loc[costs["scenario"] != "first stage"]
        for w in scen:
            both = pd.concat([first, rec.loc[rec["scenario"].astype(str) == w]])
            g = both.groupby(["material", "component", "year"], as_index=False)["cost_eur"].sum()
            for r in g.itertuples(index=False):
                add(w, f"Cost|{r.material}|{r.component}", "EUR/yr", r.year, r.cost_eur)
            # each level adds up to the one above (pyam's check_aggregate): Cost|<material> is the
            # sum of its components, Cost the sum of the materials
            per = both.groupby(["material", "year"], as_index=False)["cost_eur"].sum()
            for r in per.itertuples(index=False):
                add(w, f"Cost|{r.material}", "EUR/yr", r.year, r.cost_eur)
            tot = both.groupby("year", as_index=False)["cost_eur"].sum()
            for r in tot.itertuples(index=False):
                add(w, "Cost", "EUR/yr", r.year, r.cost_eur)
    df = pd.DataFrame(recs, columns=["scenario", "variable", "unit", "year", "value"])
    df.insert(0, "model", f"{MODEL_NAME} {_version()}")
    df.insert(2, "region", REGION)
    dup = df.duplicated(["model", "scenario", "region", "variable", "unit", "year"])
    if dup.any():
        raise ValueError(f"IAMC export: duplicate rows for {df.loc[dup, 'variable'].iloc[0]}")
    return df


def iamc_wide(long: pd.DataFrame) -> pd.DataFrame:
    """IAMC wide format: model, scenario, region, variable, unit, then one column per year."""
    idx = ["model", "scenario", "region", "variable", "unit"]
    if not len(long):
        return pd.DataFrame(columns=idx)
    w = long.pivot(index=idx, columns="year", values="value").reset_index()
    w.columns.name = None
    years = sorted(c for c in w.columns if c not in idx)
    return w[idx + years]


# ---- LaTeX and Markdown -------------------------------------------------------------------------
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(text))


def _cell(v, col: str, decimals: int | None = None) -> str:
    if _blank(v):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v) if "year" in col else f"{v:,}"
    if isinstance(v, float):
        if col.endswith("_share") or col == "probability":
            return f"{100 * v:.1f}%"
        if abs(v) >= 1e15:
            return f"{v:.3g}"
        if decimals is not None:
            return f"{v:,.{decimals}f}"
        if col.endswith("year") or col == "year_of_max":
            return f"{v:.0f}"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"
    return str(v)


def to_latex(df: pd.DataFrame, caption: str, label: str, decimals: int | None = None) -> str:
    cols = list(df.columns)
    align = "".join("r" if pd.api.types.is_numeric_dtype(df[c]) and df[c].dtype != bool else "l" for c in cols)
    lines = [r"% generated by crm-model (python run.py export); needs \usepackage{booktabs}",
             r"\begin{table}[htbp]", r"\centering", rf"\caption{{{tex_escape(caption)}}}",
             rf"\label{{{label}}}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(tex_escape(c.replace("_", " ")) for c in cols) + r" \\", r"\midrule"]
    for row in df.itertuples(index=False):
        lines.append(" & ".join(tex_escape(_cell(v, c, decimals)) for v, c in zip(row, cols)) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


def to_markdown(df: pd.DataFrame, caption: str, decimals: int | None = None) -> str:
    cols = list(df.columns)
    num = [pd.api.types.is_numeric_dtype(df[c]) and df[c].dtype != bool for c in cols]
    md = lambda s: str(s).replace("|", r"\|")  # noqa: E731
    lines = [f"**{caption}**", "", "| " + " | ".join(md(c) for c in cols) + " |",
             "|" + "|".join("---:" if n else "---" for n in num) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(md(_cell(v, c, decimals)) for v, c in zip(row, cols)) + " |")
    return "\n".join(lines) + "\n"


def paper_tables(tables: dict) -> dict[str, tuple[str, pd.DataFrame, int | None]]:
    """name -> (caption, table, decimals or None) of the compact tables worth putting in a paper."""
    out = {}
    cp = S.cost_pivot(tables.get("cost_summary"))
    if len(cp):
        for c in [c for c in cp.columns if c.endswith("_eur")]:
            cp[c] = cp[c].astype(float) / 1e6
            cp = cp.rename(columns={c: c[:-4]})  # million EUR, said in the caption
        out["cost_by_component"] = ("Present value of cost by component and material (million EUR)", cp, 1)
    comp = tables.get("compliance")
    if comp is not None and len(comp):
        out["compliance"] = ("Compliance with the CRMA benchmarks per material over the horizon (first year "
                             "met, years missed)", S.status_matrix(S.horizon_status(tables)), None)
    bc = S.benchmark_costs(tables.get("shadow_prices"), compliance=comp)
    if len(bc):
        out["benchmark_costs"] = ("Most expensive benchmarks where they are met: highest shadow price per "
                                  "percentage point (years missed left out: there the shadow price is the "
                                  "shortfall penalty)", bc, None)
    cap = tables.get("capacity")
    if cap is not None and len(cap):
        last = cap["year"].max()
        built = (cap.groupby(["material", "stage"], as_index=False)
                 .agg(existing_tpa=("existing_tpa", lambda s: float(s.iloc[-1])),
                      new_built_tpa=("new_online_tpa", "sum"),
                      available_tpa=("available_tpa", lambda s: float(s.iloc[-1]))))
        out["capacity"] = (f"EU capacity: existing and available in {last}, new capacity built over the horizon "
                           "(t/yr)", built, 1)
    sc = tables.get("scenario_costs")
    if sc is not None and len(sc) > 2:
        out["scenario_costs"] = ("Present value of cost per scenario (EUR)", sc, 0)
    voi = tables.get("value_of_information")
    if voi is not None and len(voi):
        out["value_of_information"] = ("Value of the stochastic solution and of perfect information (EUR)",
                                       voi[["measure", "value_eur"]], 0)
    return out


# ---- figures ------------------------------------------------------------------------------------
PER_PAGE = 8  # panels of a small-multiples figure: 4 rows of 2 fill a page of a paper
PAGE_WIDTH = 7.0  # inches: the text width of an A4 or letter page with usual margins
NAMED_SUPPLIERS = S.NAMED_SUPPLIERS  # third countries named in the supply figures; the rest are 'other'
OTHER, OTHER_COLOUR = S.OTHER_COUNTRIES, "#555555"  # dark grey: the stock release is light grey
# Okabe-Ito colours not taken by EU processing, EU recycling and the stock: one per named supplier
SUPPLIER_COLOURS = ("#D55E00", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#882255")


def _pages(items: list, per_page: int = PER_PAGE) -> list[list]:
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]


def _small_multiples(n: int):
    """A page-wide figure of ``n`` panels (2 columns) with room for a title and a legend below."""
    import matplotlib.pyplot as plt

    cols = 1 if n == 1 else 2
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(PAGE_WIDTH, 2.1 * rows + 1.2), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _tidy_axes(ax, years: bool = True) -> None:
    """Whole years on the x axis; plain numbers with thousands separators on the y axis (no
    '1e7' offset)."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    if years:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    top = max(abs(v) for v in ax.get_ylim())
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}" if top >= 20 else "{x:,.1f}"))


def _legend(fig, axes, ncol: int) -> None:
    handles = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    if handles:
        fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=min(ncol, len(handles)),
                   frameon=False)


def _named(topic: str, k: int, n: int) -> str:
    return topic if n == 1 else f"{topic}_{k}"


def supplier_groups(sup: pd.DataFrame, named: int = NAMED_SUPPLIERS) -> tuple[pd.DataFrame, dict]:
    """Refined supply with the third countries beyond the ``named`` largest as 'other countries'
    (``summaries.group_suppliers``), and a colour per origin that no other origin shares."""
    out, top = S.group_suppliers(sup, named)
    return out, {**ORIGIN_COLOURS, **dict(zip(top, SUPPLIER_COLOURS)), OTHER: OTHER_COLOUR}


def figures(tables: dict) -> dict:
    """name -> matplotlib Figure: one figure per topic, page-wide; topics with more materials than
    a page holds go on over pages ('supply_by_origin_1', 'supply_by_origin_2', ...)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    scen = S.main_scenario(tables)
    materials = list(dict.fromkeys(tables["sourcing"]["material"])) if "sourcing" in tables else []
    with plt.rc_context(figure_style()):
        cs = tables.get("cost_summary")
        if cs is not None and len(cs):
            p = cs.pivot_table(index="material", columns="component", values="present_value_eur",
                               aggfunc="sum", fill_value=0.0, sort=False) / 1e9
            p = p[[c for c in p.columns if p[c].abs().sum() > 1e-12]]
            p = p.loc[p.sum(axis=1).sort_values().index]
            fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 1.4 + 0.26 * len(p)), layout="constrained")
            left = pd.Series(0.0, index=p.index)
            for i, c in enumerate(p.columns):
                ax.barh([str(m) for m in p.index], p[c], left=left, label=c.replace("_", " "),
                        color=OKABE_ITO[i % 8], height=0.7)
                left += p[c]
            ax.set_xlabel("present value (bn EUR)")
            ax.set_title("Total cost by material and component")
            ax.grid(axis="x", color="0.88")
            ax.grid(axis="y", visible=False)
            from matplotlib.ticker import StrMethodFormatter

            ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}" if left.max() >= 20 else "{x:,.1f}"))
            _legend(fig, [ax], 4)
            figs["cost_by_component"] = fig
        if materials:
            sup, colours = supplier_groups(S.refined_supply(tables, scenario=scen, include_stock=True))
            order = S.origin_order(sup)
            pages = _pages(materials)
            for k, page in enumerate(pages, start=1):
                fig, axes = _small_multiples(len(page))
                for ax, mm in zip(axes, page):
                    p = sup.loc[sup["material"] == mm].pivot_table(index="year", columns="origin",
                                                                 values="value_t", aggfunc="sum", fill_value=0.0)
                    bottom = pd.Series(0.0, index=p.index)
                    for o in [o for o in order if o in p.columns and p[o].abs().sum() > 1e-9]:
                        ax.bar(p.index, p[o], bottom=bottom, color=colours[o], label=o, width=0.75)
                        bottom += p[o]
                    ax.set_title(mm)
                    ax.set_ylabel("t/yr")
                    _tidy_axes(ax)
                _legend(fig, axes, 5)
                fig.suptitle(f"Refined supply by origin ({scen} scenario)"
                             + (f", page {k} of {len(pages)}" if len(pages) > 1 else ""))
                figs[_named("supply_by_origin", k, len(pages))] = fig
        st = tables.get("stock")
        if st is not None and len(st):
            mats = list(dict.fromkeys(st["material"]))
            scens = S.scenarios(tables)
            shown = scens[:len(SCENARIO_COLOURS) - 1]  # the rest drawn thin and grey, as one legend entry
            pages = _pages(mats)
            for k, page in enumerate(pages, start=1):
                fig, axes = _small_multiples(len(page))
                for ax, mm in zip(axes, page):
                    s = st.loc[st["material"] == mm]
                    for i, w in enumerate(scens):
                        sw = s.loc[s["scenario"].astype(str) == w]
                        if not len(sw):
                            continue
                        if w in shown:  # the first scenario widest, so that the others leave it visible
                            ax.plot(sw["year"], sw["inventory_t"], color=SCENARIO_COLOURS[i], zorder=3 + i,
                                    lw=3.0 if i == 0 else 1.5, label=f"inventory, {w}")
                        else:
                            ax.plot(sw["year"], sw["inventory_t"], color="#BBBBBB", lw=0.8, zorder=2,
                                    label="inventory, other scenarios")
                    tgt = s.groupby("year")["stock_target_t"].first()
                    ax.plot(tgt.index, tgt.values, color="black", ls="--", lw=1.1, label="stock target", zorder=50)
                    ax.set_title(mm)
                    ax.set_ylabel("t")
                    ax.set_ylim(bottom=0)
                    _tidy_axes(ax)
                _legend(fig, axes, 3)
                fig.suptitle("Strategic stock at year end" + (f", page {k} of {len(pages)}" if len(pages) > 1 else ""))
                figs[_named("stock", k, len(pages))] = fig
        cap = tables.get("capacity")
        if cap is not None and len(cap):
            mats = list(dict.fromkeys(cap["material"]))
            pages = _pages(mats)
            for k, page in enumerate(pages, start=1):
                fig, axes = _small_multiples(len(page))
                for ax, mm in zip(axes, page):
                    c = cap.loc[cap["material"] == mm]
                    for stage, g in c.groupby("stage", sort=False):
                        ax.step(g["year"], g["available_tpa"], where="mid",
                                color=STAGE_COLOURS.get(stage, "#999999"), lw=1.8, label=stage)
                    ax.set_title(mm)
                    ax.set_ylabel("t/yr")
                    ax.set_ylim(bottom=0)
                    _tidy_axes(ax)
                _legend(fig, axes, 3)
                fig.suptitle("EU capacity available (existing + new)"
                             + (f", page {k} of {len(pages)}" if len(pages) > 1 else ""))
                figs[_named("capacity", k, len(pages))] = fig
        comp = tables.get("compliance")
        if comp is not None and len(comp):
            paths = S.benchmark_paths(comp, scen)
            mats = list(dict.fromkeys(paths["material"]))
            colours = {"extraction": "#E69F00", "processing": "#0072B2", "recycling": "#009E73",
                       "largest country (processing)": "#D55E00", "largest country (extraction)": "#CC79A7"}
            pages = _pages(mats)
            for k, page in enumerate(pages, start=1):
                fig, axes = _small_multiples(len(page))
                for ax, mm in zip(axes, page):
                    b = paths.loc[paths["material"] == mm]
                    for lab, g in b.groupby("label", sort=False):
                        col = colours.get(lab, "#999999")
                        ax.plot(g["year"], 100 * g["achieved_share"].astype(float), color=col, lw=1.8,
                                label=f"EU {lab}" if lab in S.SHARE_BENCHMARKS else lab)
                        ax.plot(g["year"], 100 * g["target_share"].astype(float), color=col, lw=1.1, ls="--")
                    ax.set_title(mm)
                    ax.set_ylabel("share of consumption (%)")
                    ax.set_ylim(0, 100)
                    _tidy_axes(ax)
                _legend(fig, axes, 3)
                fig.suptitle(f"Benchmark shares (solid) against targets and caps (dashed), {scen} scenario"
                             + (f", page {k} of {len(pages)}" if len(pages) > 1 else ""))
                figs[_named("benchmarks", k, len(pages))] = fig
    return figs


# ---- the export ---------------------------------------------------------------------------------
def parse_formats(text: str | None) -> list[str]:
    from model.errors import InputError, Issue

    if not text:
        return list(FORMATS)
    out = [f.strip().lower() for f in text.split(",") if f.strip()]
    out = ["md" if f == "markdown" else "latex" if f == "tex" else f for f in out]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise InputError([Issue(file="command line", column="--formats", value=",".join(bad) or text,
                                expected=f"a comma-separated list of {', '.join(FORMATS)}")])
    return list(dict.fromkeys(out))


def export_run(run_dir, formats=FORMATS, out_dir=None, progress=None) -> list[Path]:
    """Write the chosen exports of a run folder; returns the files written."""
    from model.io.runfolder import load_run

    say = progress or (lambda msg: None)
    if any(f in formats for f in FIGURE_FORMATS):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            from model.errors import InputError, Issue

            raise InputError([Issue(file="command line", column="--formats", value=",".join(formats),
                                    expected="figures (png, pdf, svg) need matplotlib: pip install -e "
                                    "\".[reports]\", or leave them out of --formats")]) from None
    rec = load_run(run_dir)
    out = Path(out_dir) if out_dir else rec.folder / "export"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    tables = rec.tables
    if "iamc" in formats:
        say("IAMC data ...")
        wide = iamc_wide(iamc_long(tables, rec.case))
        p = out / "iamc.csv"
        wide = safe_frame(wide)  # names from the input are text, never formulas (model.io.cells)
        wide.to_csv(p, index=False)
        written.append(p)
        p = out / "iamc.xlsx"
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            wide.to_excel(xw, sheet_name="data", index=False)
        written.append(p)
    if "csv" in formats:
        say("CSV tables ...")
        d = out / "csv"
        d.mkdir(exist_ok=True)
        for name, df in tables.items():
            p = d / f"{name}.csv"
            safe_frame(df).to_csv(p, index=False)
            written.append(p)
        p = d / "run.csv"
        safe_frame(pd.DataFrame(list(rec.info.items()), columns=["item", "value"])).to_csv(p, index=False)
        written.append(p)
    fig_formats = [f for f in FIGURE_FORMATS if f in formats]
    if fig_formats:
        import matplotlib.pyplot as plt

        say("figures ...")
        d = out / "figures"
        d.mkdir(exist_ok=True)
        from model import progress as P

        with plt.rc_context(figure_style()):
            made = figures(tables)
            for name, fig in P.bar(made.items(), "figures", quiet=progress is None, total=len(made),
                                   unit="figure"):
                for f in fig_formats:
                    p = d / f"{name}.{f}"
                    meta = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(f, {})
                    fig.savefig(p, dpi=300, metadata=meta)
                    written.append(p)
                plt.close(fig)
    if "latex" in formats or "md" in formats:
        say("tables ...")
        d = out / "tables"
        d.mkdir(exist_ok=True)
        for name, (caption, df, decimals) in paper_tables(tables).items():
            if "latex" in formats:
                p = d / f"{name}.tex"
                p.write_text(to_latex(df, f"{caption} ({rec.case})", f"tab:{name}", decimals), encoding="utf-8")
                written.append(p)
            if "md" in formats:
                p = d / f"{name}.md"
                p.write_text(to_markdown(df, f"{caption} ({rec.case})", decimals), encoding="utf-8")
                written.append(p)
    manifest = {"run_folder": rec.folder.name, "case": rec.case, "formats": list(formats),
                "files": [str(p.relative_to(out)) for p in written]}
    (out / "export.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return written
