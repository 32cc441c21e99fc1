"""Write the results workbook from the tidy result tables (never from Pyomo objects).

Layout: ``summary`` first (total cost, cost by component, compliance traffic light, the most
expensive benchmarks, a list of sheets), ``charts`` (native Excel charts: refined supply by origin,
stock path, EU capacity, benchmark shares against targets, per material), then one sheet per tidy
table (a note in row 1, the header in row 2, the data below), ``run`` (run information) and
``chart_data`` (the numbers the charts draw). ``read_results`` reads the tables back.

Long tables: an Excel sheet has 1,048,576 rows (``MAX_ROWS``), so a sheet holds 1,048,574 rows of
a table under its note and header. A longer table goes on in the sheets that follow it, named
'sourcing (2)', 'sourcing (3)', ... (``part_name``): each has the note, the header and the next
rows, and its note says which part it is and which rows of the table it holds. The summary lists
the parts; the charts and the summary are made from the whole table; ``read_results`` joins the
parts back into one table.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

# the parts of the workbook, each in its own module; the names the rest of the project (and the
# tests) import from here are re-exported
from model.io.charts import _pivot, _title, _write_charts  # noqa: F401
from model.io.sheet_style import BOOL_FORMAT, GREEN, HEADER_FILL, HEADER_FONT, NOTE_FONT, RED, RED_FONT
from model.io.sheet_style import _format_for, _print_setup, _width, _write_cells, safe  # noqa: F401
from model.io.sheet_xml import _DataSheet, _plain, _save  # noqa: F401
from model.io.summary_sheet import _write_summary, summary_frames  # noqa: F401

SHEET_NOTES = {
    "compliance": "Benchmark compliance per scenario, material, year: achieved share vs target (shares of "
                  "EU consumption, refined equivalent). single_country rows give the largest third country. "
                  "Rows in red miss their benchmark.",
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

# one line per sheet for the list on the summary sheet
CONTENTS = {
    "charts": "figures: cost by component; per material supply by origin, stock, capacity, shares",
    "compliance": "achieved share against each benchmark, per scenario, material and year",
    "shadow_prices": "marginal cost of each benchmark row (EUR/t and EUR per percentage point)",
    "sourcing": "flows by scenario, material, stage, country and year (t)",
    "capacity": "EU capacity: existing, new online, available (t/yr)",
    "stock": "strategic stock: target, inventory, bought in, released (t)",
    "unmet": "demand and demand left unmet (t)",
    "costs": "cost per scenario, material, year and component (EUR, undiscounted and discounted)",
    "cost_summary": "present value by material and component (sums to the objective)",
    "marginal_cost": "dual of the material balance: cost of one more tonne of demand (EUR/t)",
    "scenario_costs": "present value per scenario, the expectation (and CVaR)",
    "value_of_information": "VSS and EVPI",
    "benchmark_cost": "total cost with and without the benchmarks: what they cost",
    "contracts": "offtake contracts: volume and deliveries",
    "run": "run information: solver, timings, versions, settings",
    "chart_data": "the numbers the charts draw",
}

# tidy tables in the order they are written; any other table in the results follows these
TABLE_ORDER = ("compliance", "shadow_prices", "sourcing", "capacity", "stock", "unmet", "costs",
               "cost_summary", "marginal_cost", "scenario_costs", "value_of_information", "benchmark_cost", "contracts",
               "purchasing_summary", "allocation", "core_check", "coalition_costs", "plans",
               "plan_suppliers")
# sheets that are not tidy tables
LAYOUT_SHEETS = ("summary", "charts", "chart_data", "run")
# rows in an Excel sheet; a tidy table with more rows than fit under its note and header goes on
# in further sheets (see the module docstring)
MAX_ROWS = 1_048_576




def write_frame(ws, df: pd.DataFrame, start_row: int = 1, note: str | None = None, start_col: int = 1,
                freeze: bool = True, filters: bool = True, widths: bool = True,
                bodies: list | None = None) -> int:
    """Write a table with a styled header; returns the row of the header.

    With ``bodies`` (a list), the data rows are not made into openpyxl cells: the table is
    appended to ``bodies`` and ``_save`` writes its rows straight into the sheet's XML (same
    values, number formats and alignment). Everything else (header, widths, filters, conditional
    formats) is set here as usual."""
    r0 = start_row
    if note:
        ws.cell(row=r0, column=start_col, value=note).font = NOTE_FONT
        r0 += 1
    fmts = [_format_for(str(c)) or (BOOL_FORMAT if df[c].dtype == bool else None) for c in df.columns]
    for j, col in enumerate(df.columns, start=start_col):
        c = ws.cell(row=r0, column=j, value=str(col))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if widths:
            sample = [safe(v) for v in df[col].iloc[:300]] if len(df) else []
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                     _width(sample, col, fmts[j - start_col]))
    if bodies is not None and len(df) and _plain(df):
        if r0 + len(df) > MAX_ROWS:  # openpyxl refuses such a cell; the XML would not open
            raise ValueError(f"{len(df):,} rows under row {r0}: more than an Excel sheet holds "
                             f"({MAX_ROWS:,} rows)")
        bodies.append((ws, r0 + 1, start_col, df, fmts))
    else:
        _write_cells(ws, r0 + 1, start_col, df, fmts)
    last_col = get_column_letter(start_col + len(df.columns) - 1)
    if freeze:
        ws.freeze_panes = f"{get_column_letter(start_col)}{r0 + 1}"  # a coordinate: makes no cell
    if filters and len(df):
        ws.auto_filter.ref = f"{get_column_letter(start_col)}{r0}:{last_col}{r0 + len(df)}"
    if "met" in df.columns and len(df):
        j = list(df.columns).index("met") + start_col
        letter = get_column_letter(j)
        rng = f"{letter}{r0 + 1}:{letter}{r0 + len(df)}"
        # the whole row in red where a benchmark is missed, the met cell green where it holds
        row_rng = f"{get_column_letter(start_col)}{r0 + 1}:{last_col}{r0 + len(df)}"
        ws.conditional_formatting.add(row_rng, FormulaRule(formula=[f"${letter}{r0 + 1}=FALSE"], fill=RED,
                                                           font=RED_FONT))
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=["TRUE"], fill=GREEN))
    return r0


# ---- the workbook -----------------------------------------------------------------------------
def table_names(results) -> list[str]:
    names = [n for n in TABLE_ORDER if n in results.tables]
    return names + [n for n in results.tables if n not in names]


def part_name(name: str, k: int) -> str:
    """The sheet of part ``k`` (from 1) of table ``name``: the name, then 'name (2)', ... (kept
    within Excel's 31 characters)."""
    if k == 1:
        return name
    suffix = f" ({k})"
    return name[:31 - len(suffix)] + suffix


def _parts(df: pd.DataFrame) -> list[pd.DataFrame]:
    """A table cut into the parts that fit a sheet under the note (row 1) and the header (row 2)."""
    size = MAX_ROWS - 2
    return [df] if len(df) <= size else [df.iloc[a:a + size] for a in range(0, len(df), size)]


def write_results(path, results, run_info: dict) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    names = table_names(results)
    data = _write_charts(wb, results)
    bodies = []  # table bodies, written into the sheet XML by _save
    contents = {}  # the line on the summary sheet of each further part of a long table
    for name in names:
        note = SHEET_NOTES.get(name) or (CONTENTS.get(name, f"Table {name}").capitalize() + " (see docs/results.md).")
        df = results[name]
        parts = _parts(df)
        first = 1
        for k, part in enumerate(parts, start=1):
            sheet = wb.create_sheet(part_name(name, k))
            text = note
            if len(parts) > 1:
                more = (f"the table goes on in sheet '{part_name(name, k + 1)}'" if k < len(parts)
                        else "the last part")
                text = (f"{note} Part {k} of {len(parts)}: rows {first:,} to {first + len(part) - 1:,} of "
                        f"{len(df):,} ({more}; an Excel sheet has {MAX_ROWS:,} rows).")
                if k > 1:
                    contents[sheet.title] = f"{name}, part {k} of {len(parts)} (longer than an Excel sheet)"
            hdr = write_frame(sheet, part, note=text, bodies=bodies)
            _print_setup(sheet, title_row=hdr)
            first += len(part)
    run = wb.create_sheet("run")
    write_frame(run, pd.DataFrame([(k, str(v)) for k, v in run_info.items()], columns=["item", "value"]))
    run.column_dimensions["A"].width = 28
    run.column_dimensions["B"].width = 80
    _print_setup(run, landscape=False)
    if "chart_data" in wb.sheetnames:
        wb.move_sheet("chart_data", offset=len(wb.sheetnames) - 1 - wb.sheetnames.index("chart_data"))
    _write_summary(ws, results, run_info, [s for s in wb.sheetnames if s != "summary"],
                   {**SHEET_NOTES, **CONTENTS, **contents})
    path = Path(path)
    _save(wb, path, bodies, data)
    return path


# ---- reading a results workbook back ------------------------------------------------------------
def read_results(path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tidy tables of a results.xlsx (sheet name -> DataFrame) and its run sheet (item -> text).

    Reads what ``write_results`` writes: a sheet with a note has it in row 1 and its header in
    row 2, otherwise the header is in row 1. A table split over sheets 'name', 'name (2)', ...
    (more rows than an Excel sheet holds) is read back as one. Blank cells (and empty texts) are
    read as NaN. The cells are read with python-calamine, as the input workbook is; it reads every
    number as a float, so a column of whole numbers without blanks (the years) is made integer
    again, as the table was written.
    """
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    read = {}  # table -> (header, columns) or None for an empty sheet, in the order of the sheets
    last = None  # the table of the sheet before and the number of its part
    try:
        for name in wb.sheet_names:
            if name in ("summary", "charts", "chart_data"):
                continue
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            while rows and not any(v != "" for v in rows[-1]):
                rows.pop()
            more = last is not None and name == part_name(last[0], last[1] + 1)
            if not rows:
                read[name], last = None, None
                continue
            h = 0
            first = [v for v in rows[0] if v != ""]
            if more or name in SHEET_NOTES or (len(first) == 1 and len(rows) > 1
                                               and sum(v != "" for v in rows[1]) > 1):
                h = 1
            header = [None if v == "" else v for v in rows[h]] if len(rows) > h else []
            while header and header[-1] is None:
                header = header[:-1]
            ncol = len(header)
            body = [r[:ncol] + [""] * (ncol - len(r)) for r in rows[h + 1:]]
            body = [r for r in body if any(v != "" for v in r)]
            if more and read[last[0]] is not None and header == read[last[0]][0]:
                read[last[0]][1].extend(body)  # the next part of the table
                last = (last[0], last[1] + 1)
                continue
            read[name], last = (header, body), (name, 1)
    finally:
        wb.close()
    tables, info = {}, {}
    for name, sheet in read.items():
        if sheet is None:
            tables[name] = pd.DataFrame()
            continue
        header, body = sheet
        df = _frame(body, [str(c) for c in header])
        if name == "run":
            info = {str(k): v for k, v in zip(df.get("item", []), df.get("value", []))}
            continue
        tables[name] = df
    return tables, info


_WHOLE = float(2 ** 53)  # floats up to this size hold every whole number exactly


def _frame(body: list, columns: list[str]) -> pd.DataFrame:
    """The rows read by calamine as a table: '' (a blank cell) as None; calamine reads every
    number as a float, so a column of whole numbers without blanks is made integer again where
    the writer gives the column no number format or the whole-number one ("0": years, modules):
    a quantity (t, EUR, shares: a format with decimals) stays a float even when whole."""
    if not body:
        return pd.DataFrame([], columns=columns)
    data = {}
    for j, col in enumerate(columns):
        values = [None if v == "" else v for v in (r[j] for r in body)]
        if _format_for(col) in (None, "0") and all(type(v) is float and v.is_integer() and abs(v) <= _WHOLE
                                                   for v in values):
            values = [int(v) for v in values]
        data[j] = values
    df = pd.DataFrame(data)
    df.columns = columns
    return df
