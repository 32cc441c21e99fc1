"""Write input workbooks in the contract's format, generated from the registry.

``write_input_workbook`` writes any case (the blank template is the case with no rows); it adds
the README sheet, units in the headers, and drop-down lists tied to the sets sheet.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from model import registry as R

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
KEY_FILL = PatternFill("solid", fgColor="2E75B6")
VALIDATION_ROWS = 5000


def _blank_text(col: R.Column) -> str:
    if col.blank_means:
        return col.blank_means
    if col.required:
        return "required"
    if col.default is None:
        return "-"
    if col.default is True:
        return "yes"
    if col.default is False:
        return "no"
    return repr(col.default) if isinstance(col.default, str) else f"{col.default:g}"


def readme_rows():
    """(sheet, column, kind, unit, default, allowed, description) for every column of the contract."""
    out = []
    for name, desc in R.SETS.items():
        out.append((R.SETS_SHEET, name, "set", "", "required", "", desc))
    for s in R.SETTING_DEFS:
        allowed = "|".join(s.choices) if s.choices else _range(s.lo, s.hi)
        default = "first year" if s.default is None else str(s.default)
        out.append((R.SETTINGS.sheet, s.name, s.kind, s.unit, default, allowed, s.description))
    for t in R.TABLES:
        if t is R.SETTINGS:
            continue
        for c in t.columns:
            kind = "key" if c.kind == "key" else c.kind
            allowed = ("|".join(x for x in c.choices if x) if c.choices
                       else (f"declared {c.set}" + (" or all" if c.name in t.wildcard_keys else "")
                             + (" or blank" if c.name in t.optional_keys else "")) if c.set
                       else _range(c.lo, c.hi))
            out.append((t.sheet, c.name, kind, c.unit, "key" if c.kind == "key" else _blank_text(c),
                        allowed, c.description))
        for p in R.PROVENANCE:
            out.append((t.sheet, p, "text", "", "", "A|B|C" if p == "confidence" else "",
                        {"source": "where the number comes from (document, URL)",
                         "confidence": "A: read in the source; B: standard figure, source named; "
                                       "C: assumption, derivation in the note",
                         "note": "free text",
                         "data_year": "year(s) of the data the numbers were read for (not the model "
                                      "year), e.g. 2024 or 2016-2020; 2024"}[p]))
    return out


def _range(lo, hi) -> str:
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f">= {lo:g}"
    if lo is None:
        return f"<= {hi:g}"
    return f"{lo:g} to {hi:g}"


def _style_header(ws, ncols, nkeys):
    for j in range(1, ncols + 1):
        cell = ws.cell(row=1, column=j)
        cell.font = HEADER_FONT
        cell.fill = KEY_FILL if j <= nkeys else HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(str(cell.value)) + 4))
    ws.freeze_panes = "A2"


def write_input_workbook(path, sets: dict | None = None, rows: dict | None = None,
                         settings: dict | None = None) -> Path:
    """Write a workbook: ``sets`` {set: [elements]}, ``rows`` {sheet: [ {column: value} ]},
    ``settings`` {name: value}. Unknown columns in rows are an error of the caller."""
    sets = sets or {}
    rows = rows or {}
    wb = Workbook()
    readme = wb.active
    readme.title = R.README_SHEET
    readme.append(["Input workbook of the critical raw materials model. One sheet per table, long "
                   "format: key columns (dark blue) first, then values; units in [brackets]."])
    readme.append(["Every parameter row may carry source, confidence (A/B/C) and note columns."])
    readme.append([])
    header = ["sheet", "column", "kind", "unit", "default (blank cell)", "allowed", "description"]
    readme.append(header)
    for j in range(1, len(header) + 1):
        readme.cell(row=4, column=j).font = Font(bold=True)
    for r in readme_rows():
        readme.append(list(r))
    for j, w in enumerate((18, 22, 9, 16, 18, 26, 90), start=1):
        readme.column_dimensions[get_column_letter(j)].width = w

    ws = wb.create_sheet(R.SETS_SHEET)
    names = list(R.SETS)
    ws.append(names)
    _style_header(ws, len(names), len(names))
    longest = max([len(sets.get(n, [])) for n in names] + [0])
    for i in range(longest):
        values = [sets.get(n, [])[i] if i < len(sets.get(n, [])) else None for n in names]
        ws.append(values)
        if any(isinstance(v, str) and v.startswith("=") for v in values):
            _as_text(ws[ws.max_row])
    set_ranges = {n: f"{R.SETS_SHEET}!${get_column_letter(j)}$2:${get_column_letter(j)}$1000"
                  for j, n in enumerate(names, start=1)}
    set_ranges["scenario"] = f"{R.SCENARIOS.sheet}!$A$2:$A$1000"  # declared in the scenarios sheet
    set_ranges["product"] = f"{R.PRODUCTS.sheet}!$A$2:$A$1000"  # declared in the products sheet

    st = wb.create_sheet(R.SETTINGS.sheet)
    st.append(["setting", "value", "note"])
    _style_header(st, 3, 1)
    merged = {s.name: s.default for s in R.SETTING_DEFS}
    merged.update(settings or {})
    for s in R.SETTING_DEFS:
        v = merged[s.name]
        st.append([s.name, v, s.description + (f" [{s.unit}]" if s.unit else "")])
    st.column_dimensions["C"].width = 90

    for table in R.TABLES:
        if table is R.SETTINGS:
            continue
        ws = wb.create_sheet(table.sheet)
        cols = list(table.columns)
        given = rows.get(table.sheet, [])
        # data_year only where rows carry it (or in a blank template), so that workbooks written
        # without it keep their columns
        extra = [p for p in R.PROVENANCE
                 if p != "data_year" or not given or any(rec.get(p) for rec in given)]
        ws.append([c.header for c in cols] + extra)
        _style_header(ws, len(cols) + len(extra), len(table.keys))
        for rec in rows.get(table.sheet, []):
            unknown = set(rec) - {c.name for c in cols} - set(R.PROVENANCE)
            if unknown:
                raise KeyError(f"{table.sheet}: unknown columns {sorted(unknown)}")
            values = [_cell(rec.get(c.name)) for c in cols] + [rec.get(p) for p in extra]
            ws.append(values)
            if any(isinstance(v, str) and v.startswith("=") for v in values):
                _as_text(ws[ws.max_row])
        for j, c in enumerate(cols, start=1):
            formula = None
            if (c.set in set_ranges and c.name not in table.wildcard_keys and c.kind == "key"
                    and table not in (R.SCENARIOS, R.PRODUCTS)):
                formula = set_ranges[c.set]
            elif c.choices and all(c.choices) and len(",".join(c.choices)) < 250:
                formula = '"' + ",".join(c.choices) + '"'
            elif c.kind == "choice" and c.choices:
                formula = '"' + ",".join(x for x in c.choices if x) + '"'
            if formula:
                dv = DataValidation(type="list", formula1=formula, allow_blank=True)
                dv.error = f"Pick a {c.name} from the list"
                dv.errorTitle = "Unknown value"
                letter = get_column_letter(j)
                dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
                ws.add_data_validation(dv)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _as_text(cells) -> None:
    """Store strings that start like a formula as text, so they are never evaluated."""
    for c in cells:
        if isinstance(c.value, str) and c.value.startswith("="):
            c.data_type = "s"


def _cell(v):
    if isinstance(v, float) and v == float("inf"):
        return None
    return v


def write_template(path) -> Path:
    """The blank template: every sheet, header and drop-down, no data."""
    return write_input_workbook(path, sets={"stage": list(R.STAGES), "country": [R.DOMESTIC]})


def data_rows(data) -> dict:
    """ModelData tables back to workbook rows {sheet: [ {column: value} ]} (the inverse of reading)."""
    rows = {}
    for table in R.TABLES:
        if table is R.SETTINGS:
            continue
        out = []
        for key, rec in data.tables.get(table.sheet, {}).items():
            key = key if isinstance(key, tuple) else (key,)
            row = {c.name: v for c, v in zip(table.keys, key)}
            for c in table.values:
                v = rec.get(c.name)
                row[c.name] = None if v is None or v == R.UNLIMITED else v
            for p in R.PROVENANCE:
                if rec.get(p):
                    row[p] = rec[p]
            out.append(row)
        rows[table.sheet] = out
    return rows


def write_model_data(path, data) -> Path:
    """Write a ModelData (e.g. after a transformation such as scenario generation) as a workbook."""
    sets = {"material": data.materials, "country": data.countries, "stage": data.stages, "year": data.years}
    settings = {k: v for k, v in data.settings.items() if v is not None}
    return write_input_workbook(path, sets=sets, rows=data_rows(data), settings=settings)
