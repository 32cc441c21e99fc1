"""Read an input workbook into plain records, checking every cell against the registry.

Only this module opens input files. It returns raw, cell-checked tables; cross-table checks
(keys against declared sets, sums, years) happen in ``model.validate``.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from model import registry as R
from model.errors import InputError, Issue

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
_HEADER = re.compile(r"^\s*([^\[\]]+?)\s*(?:\[(.*)\])?\s*$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class RawTable:
    """The checked rows of one sheet: values by column name, with the sheet row of each."""

    table: R.Table
    rows: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    present: bool = False


@dataclass
class RawWorkbook:
    path: Path
    sets: dict[str, list]
    set_rows: dict[str, dict]  # set name -> element -> sheet row
    tables: dict[str, RawTable]


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []

    def add(self, expected, sheet=None, row=None, column=None, value=None):
        self.issues.append(Issue(self.file, expected, sheet, row, column, value))


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def parse_cell(value, col: R.Column):
    """Return (parsed value, problem text or None) for one cell of column ``col``."""
    if _is_blank(value):
        if col.required:
            return None, "a value is required here"
        return col.default, None
    kind = col.kind
    if kind in ("number", "integer"):
        if isinstance(value, bool):
            return None, f"expected a number{_unit(col)}, not TRUE/FALSE"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return None, f"expected a number{_unit(col)}, not a date (check the cell format)"
        if isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                return None, (f"expected a plain number{_unit(col)}; percentages are written as "
                              f"fractions (65 % -> 0.65)")
            if _DECIMAL_COMMA.match(text):
                return None, (f"expected a number{_unit(col)}; '{text}' looks like a decimal comma, "
                              f"write {text.replace(',', '.')}")
            if not _NUMBER.match(text):
                return None, f"expected a number{_unit(col)}"
            return None, f"expected a number{_unit(col)}, but the cell holds text (store it as a number)"
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None, f"expected a finite number{_unit(col)}"
        if kind == "integer":
            if number != int(number):
                return None, f"expected a whole number{_unit(col)}"
            number = int(number)
        if col.lo is not None and number < col.lo:
            return None, f"expected a number >= {col.lo:g}{_unit(col)}"
        if col.hi is not None and number > col.hi:
            hint = ""
            if col.unit == "share" and 1 < number <= 100:
                hint = f" (shares are fractions: {number:g} % is {number / 100:g})"
            return None, f"expected a number <= {col.hi:g}{_unit(col)}{hint}"
        return number, None
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in ("yes", "y", "true", "1", "1.0"):
            return True, None
        if text in ("no", "n", "false", "0", "0.0"):
            return False, None
        return None, "expected yes or no"
    if kind == "choice":
        text = str(value).strip()
        if text not in col.choices:
            allowed = ", ".join(c for c in col.choices if c) or "?"
            return None, f"expected one of: {allowed}"
        return text, None
    if kind == "key":
        if isinstance(value, float) and value == int(value):
            value = int(value)
        if isinstance(value, (_dt.datetime, _dt.date)):
            return None, "expected an id or a year, not a date"
        if col.set == "year":
            if isinstance(value, str) and value.strip().isdigit():
                return None, "expected a year stored as a number, but the cell holds text"
            if not isinstance(value, int) or isinstance(value, bool):
                return None, "expected a year (a whole number)"
            return value, None
        if isinstance(value, str) and value != value.strip():
            return None, "expected an id without leading or trailing spaces"
        if col.choices and str(value) not in col.choices:
            return None, f"expected one of: {', '.join(col.choices)}"
        return str(value), None
    # text
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value).strip(), None


def _unit(col: R.Column) -> str:
    return f" in {col.unit}" if col.unit and col.unit not in ("share", "x") else (
        " (a share between 0 and 1)" if col.unit == "share" else "")


def _open(path: Path, out: _Collector):
    if not path.exists():
        out.add("the file does not exist")
        raise InputError(out.issues)
    if path.is_dir():
        out.add("expected an .xlsx workbook, found a folder")
        raise InputError(out.issues)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        out.add(f"the file is {size / 1e6:.0f} MB; input workbooks may be at most "
                f"{MAX_FILE_BYTES / 1e6:.0f} MB")
        raise InputError(out.issues)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".csv", ".ods", ".xlsb"):
        out.add(f"expected an Excel .xlsx workbook, found a {suffix} file; open it in a spreadsheet "
                "program and save it as .xlsx")
        raise InputError(out.issues)
    if not zipfile.is_zipfile(path):
        out.add("expected an Excel .xlsx workbook, but the file is not one (is it a renamed text, "
                ".xls or .csv file?)")
        raise InputError(out.issues)
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        out.add("the file cannot be read (is it open and locked in another program?)")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        out.add(f"the workbook cannot be opened as .xlsx ({type(exc).__name__}: {exc})")
    raise InputError(out.issues)


def _read_sheet_rows(ws, out: _Collector, sheet: str):
    rows = []
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if i > MAX_ROWS:
            out.add(f"the sheet has more than {MAX_ROWS} rows", sheet)
            break
        rows.append(row)
    return rows


def _parse_header(header_row, table_or_none, out, sheet):
    """Map column index -> column name; report unknown, duplicate and wrong-unit headers."""
    mapping = {}
    seen = set()
    for j, cell in enumerate(header_row or ()):
        if _is_blank(cell):
            continue
        m = _HEADER.match(str(cell))
        name = m.group(1).strip() if m else str(cell).strip()
        unit = (m.group(2) or "").strip() if m else ""
        if name in seen:
            out.add("each column name may appear once", sheet, 1, name, str(cell))
            continue
        seen.add(name)
        if table_or_none is not None:
            known = {c.name: c for c in table_or_none.columns}
            if name not in known and name not in R.PROVENANCE:
                expected = ", ".join(c.header for c in table_or_none.columns)
                out.add(f"unknown column; the sheet's columns are: {expected} "
                        f"(and optionally {', '.join(R.PROVENANCE)})", sheet, 1, None, str(cell))
                continue
            if name in known and unit and known[name].unit and unit != known[name].unit:
                out.add(f"column '{name}' is in {known[name].unit}; the header says [{unit}]",
                        sheet, 1, name, str(cell))
                continue
        mapping[j] = name
    return mapping


def read_workbook(path) -> RawWorkbook:
    path = Path(path)
    out = _Collector(path.name)
    wb = _open(path, out)
    try:
        names = wb.sheetnames
        sets, set_rows = _read_sets(wb, names, out)
        tables = {}
        for table in R.TABLES:
            tables[table.sheet] = _read_table(wb, names, table, out)
    finally:
        wb.close()
    if out.issues:
        raise InputError(out.issues)
    return RawWorkbook(path, sets, set_rows, tables)


def _read_sets(wb, names, out):
    sheet = R.SETS_SHEET
    sets = {k: [] for k in R.SETS}
    set_rows = {k: {} for k in R.SETS}
    if sheet not in names:
        out.add(f"the workbook needs a sheet '{sheet}' declaring the sets ({', '.join(R.SETS)})")
        return sets, set_rows
    rows = _read_sheet_rows(wb[sheet], out, sheet)
    if not rows:
        out.add(f"the sheet is empty; expected columns {', '.join(R.SETS)}", sheet)
        return sets, set_rows
    header = {}
    for j, cell in enumerate(rows[0]):
        if _is_blank(cell):
            continue
        name = str(cell).strip()
        if name not in R.SETS:
            out.add(f"unknown set; the sets are: {', '.join(R.SETS)}", sheet, 1, None, cell)
            continue
        header[j] = name
    for name in R.SETS:
        if name not in header.values():
            out.add(f"a column '{name}' is required ({R.SETS[name]})", sheet, 1, name)
    for i, row in enumerate(rows[1:], start=2):
        for j, name in header.items():
            v = row[j] if j < len(row) else None
            if _is_blank(v):
                continue
            if name == "year":
                if isinstance(v, float) and v == int(v):
                    v = int(v)
                if not isinstance(v, int) or isinstance(v, bool):
                    out.add("expected a year (a whole number)", sheet, i, name, v)
                    continue
            else:
                if isinstance(v, float) and v == int(v):
                    v = int(v)
                v = str(v)
                if v != v.strip() or not v:
                    out.add("expected an id without leading or trailing spaces", sheet, i, name, v)
                    continue
                if name == "material" and v.lower() == "all":
                    out.add("'all' is reserved (it means every strategic material)", sheet, i, name, v)
                    continue
            if v in set_rows[name]:
                out.add(f"each {name} may be declared once (first at row {set_rows[name][v]})",
                        sheet, i, name, v)
                continue
            set_rows[name][v] = i
            sets[name].append(v)
    return sets, set_rows


def _read_table(wb, names, table: R.Table, out: _Collector) -> RawTable:
    raw = RawTable(table)
    sheet = table.sheet
    if sheet not in names:
        if table.required:
            out.add(f"the workbook needs a sheet '{sheet}' ({table.description})")
        return raw
    raw.present = True
    ws = wb[sheet]
    if getattr(ws, "sheet_state", "visible") != "visible":
        out.add("the sheet is hidden; unhide it (hidden input is easy to overlook) or delete it", sheet)
    rows = _read_sheet_rows(ws, out, sheet)
    if not rows:
        if table.required:
            out.add(f"the sheet is empty; expected a header row with columns "
                    f"{', '.join(c.header for c in table.columns)}", sheet)
        return raw
    mapping = _parse_header(rows[0], table, out, sheet)
    present = set(mapping.values())
    for col in table.columns:
        if col.name not in present and (col.kind == "key" or col.required):
            if col.name in table.optional_keys:
                continue
            out.add(f"a column '{col.header}' is required ({col.description})", sheet, 1, col.name)
    if any(c.name not in present and (c.kind == "key" or c.required) and c.name not in table.optional_keys
           for c in table.columns):
        return raw
    by_name = {c.name: c for c in table.columns}
    for i, row in enumerate(rows[1:], start=2):
        cells = {name: (row[j] if j < len(row) else None) for j, name in mapping.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue
        record = {}
        ok = True
        for name, col in by_name.items():
            v = cells.get(name)
            if col.kind == "key" and name in table.wildcard_keys and isinstance(v, str) \
                    and v.strip().lower() == "all":
                record[name] = "all"
                continue
            if col.kind == "key" and name in table.optional_keys and _is_blank(v):
                record[name] = ""
                continue
            if col.kind == "key" and _is_blank(v):
                out.add(f"a {name} is required in every row", sheet, i, name)
                ok = False
                continue
            parsed, problem = parse_cell(v, col)
            if problem:
                out.add(problem, sheet, i, name, v)
                ok = False
            record[name] = parsed
        for name in R.PROVENANCE:
            v = cells.get(name)
            record[name] = "" if _is_blank(v) else str(v).strip()
        if ok:
            raw.rows.append(record)
            raw.row_numbers.append(i)
    return raw
