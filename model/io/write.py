"""Write the results workbook from the tidy result tables (never from Pyomo objects)."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
RED = PatternFill("solid", fgColor="F4B6B6")
GREEN = PatternFill("solid", fgColor="C6EFCE")
FORMULA_START = ("=", "+", "-", "@")

# number formats by column name pattern
_FORMATS = (
    ("_share", "0.0%"), ("level", "0.0%"), ("target", "0.0%"), ("eur_per_pp", "#,##0"),
    ("eur_per_t", "#,##0.00"), ("_eur", "#,##0"), ("_tpa", "#,##0.0"), ("_t", "#,##0.0"),
    ("year", "0"), ("modules", "0"),
)

SHEET_NOTES = {
    "compliance": "Benchmark compliance per scenario, material, year: achieved share vs target (shares of "
                  "EU consumption, refined equivalent). single_country rows give the largest third country.",
    "shadow_prices": "Marginal cost of each benchmark row: EUR per tonne (money of its year) and EUR per "
                     "percentage point of the benchmark. Positive = tightening costs money.",
    "sourcing": "Flows per scenario, material, stage, country and year, in tonnes (ore imports and EU "
                "mining in contained material; the rest refined).",
    "capacity": "EU capacity per material and stage: existing, new online in the year, available (t/yr).",
    "stock": "Strategic stock: target (first stage), inventory at year end, bought in, released (t).",
    "unmet": "Demand left unmet (t), charged at the value of lost load.",
    "costs": "Costs per scenario, material, year and component: undiscounted and discounted EUR.",
    "cost_summary": "Present value by material and component, probability-weighted (sums to the objective).",
    "marginal_cost": "Dual of the material balance: cost of one more tonne of EU demand (EUR/t).",
    "scenario_costs": "Present value per scenario (first stage + recourse), the expectation, and CVaR "
                      "when a risk weight is set.",
    "value_of_information": "VSS and EVPI with the problems solved to get them (risk-neutral objective).",
}


def _format_for(col: str) -> str | None:
    for pattern, fmt in _FORMATS:
        if col.endswith(pattern) or col == pattern:
            return fmt
    return None


def safe(v):
    """Cell value that can never execute as a formula; NaN/None as blank."""
    if v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def write_frame(ws, df: pd.DataFrame, start_row: int = 1, note: str | None = None) -> None:
    r0 = start_row
    if note:
        ws.cell(row=r0, column=1, value=note).font = Font(italic=True)
        r0 += 1
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(row=r0, column=j, value=col)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(col) + 3))
    fmts = [_format_for(c) for c in df.columns]
    for i, row in enumerate(df.itertuples(index=False), start=r0 + 1):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=safe(v))
            if fmts[j - 1] and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmts[j - 1]
    ws.freeze_panes = ws.cell(row=r0 + 1, column=1)
    if len(df):
        ws.auto_filter.ref = f"A{r0}:{get_column_letter(len(df.columns))}{r0 + len(df)}"
    if "met" in df.columns and len(df):
        j = list(df.columns).index("met") + 1
        letter = get_column_letter(j)
        rng = f"{letter}{r0 + 1}:{letter}{r0 + len(df)}"
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=["FALSE"], fill=RED))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=["TRUE"], fill=GREEN))


def summary_frames(results, run_info: dict) -> dict[str, pd.DataFrame]:
    comp = results["compliance"]
    headline = pd.DataFrame([
        ("total cost (present value, EUR)", results.objective),
        ("solver status", run_info.get("status")),
        ("scenarios", run_info.get("scenarios")),
        ("benchmark rows missed", int((~comp["met"]).sum()) if len(comp) else 0),
    ], columns=["item", "value"])
    if len(comp):
        grid = (comp.assign(label=comp["benchmark"] + ":" + comp["stage"])
                .groupby(["material", "label"])["met"].all().unstack("label"))
        grid = grid.map(lambda x: "met" if x else "MISSED").reset_index()
    else:
        grid = pd.DataFrame(columns=["material"])
    sp = results["shadow_prices"]
    top = (sp.loc[sp["binding"]].sort_values("eur_per_pp", ascending=False)
           .head(15)[["constraint", "material", "year", "eur_per_t", "eur_per_pp"]]) if len(sp) else sp
    return {"headline": headline, "compliance (all years, all scenarios)": grid,
            "most expensive benchmark rows": top}


def write_results(path, results, run_info: dict) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    row = 1
    ws.cell(row=row, column=1, value=f"Results: {run_info.get('case', '')}").font = Font(bold=True, size=14)
    row += 2
    for title, df in summary_frames(results, run_info).items():
        ws.cell(row=row, column=1, value=title).font = Font(bold=True)
        row += 1
        write_frame(ws, df, start_row=row)
        if title.startswith("compliance"):
            for r in ws.iter_rows(min_row=row + 1, max_row=row + len(df)):
                for c in r:
                    if c.value == "MISSED":
                        c.fill = RED
                    elif c.value == "met":
                        c.fill = GREEN
        row += len(df) + 2
    ws.freeze_panes = None
    ws.column_dimensions["A"].width = 36
    for name in ("compliance", "shadow_prices", "sourcing", "capacity", "stock", "unmet", "costs",
                 "cost_summary", "marginal_cost", "scenario_costs", "value_of_information", "contracts",
                 "purchasing_summary", "allocation", "core_check", "coalition_costs", "plans",
                 "plan_suppliers"):
        if name in results.tables:
            write_frame(wb.create_sheet(name), results[name], note=SHEET_NOTES.get(name))
    run = wb.create_sheet("run")
    write_frame(run, pd.DataFrame([(k, str(v)) for k, v in run_info.items()], columns=["item", "value"]))
    run.column_dimensions["B"].width = 80
    path = Path(path)
    wb.save(path)
    return path
