"""Read an input workbook into plain records, checking every cell against the registry.

Only this module opens input files. It returns raw, cell-checked tables; cross-table checks
(keys against declared sets, sums, years) happen in ``model.validate``.

Whatever the file holds, reading it either succeeds or raises ``InputError``: a corrupt or
unusual file never ends in a traceback. The workbook is read in openpyxl's read-only (streaming)
mode; what that mode does not report (merged cells, formulas without a cached value) is found by
scanning the sheet's XML in the archive.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from model import registry as R
from model.errors import BLANK, Found, InputError, Issue

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # filled rows per sheet
_HEADER = re.compile(r"^\s*([^\[\]]+?)\s*(?:\[(.*)\])?\s*$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SEPARATORS = re.compile(r"^[+-]?[\d.,' ]*\d[\d.,' ]*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                 "#CALC!", "#GETTING_DATA")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')
_FORMULA_TOKENS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
_SCAN_CHUNK = 1 << 20
# the first bytes of files that are not .xlsx workbooks
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx protected by a password


@dataclass
class RawTable:
    """The checked rows of one sheet: values by column name, with the sheet row of each."""

    table: R.Table
    rows: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    present: bool = False
    letters: dict[str, str] = field(default_factory=dict)  # column name -> spreadsheet column letter


@dataclass
class RawWorkbook:
    path: Path
    sets: dict[str, list]
    set_rows: dict[str, dict]  # set name -> element -> sheet row
    tables: dict[str, RawTable]
    set_letters: dict[str, str] = field(default_factory=dict)  # set name -> column letter


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.issues: list[Issue] = []

    def add(self, expected, sheet=None, row=None, column=None, value=None, cell=None):
        self.issues.append(Issue(self.file, expected, sheet, row, column, value, cell))


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _letter(j: int) -> str:
    """Spreadsheet column letter of the 0-based column index j."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _normal(text) -> str:
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


def suggest(value, options) -> str:
    """' (did you mean 'x'?)' for a case, spacing or spelling difference, else ''."""
    options = [str(o) for o in options]
    key = _normal(value)
    for o in options:
        if _normal(o) == key:
            return f" (did you mean '{o}'?)"
    close = difflib.get_close_matches(str(value).strip(), options, n=1)
    if not close:
        lowered = {o.lower(): o for o in options}
        matches = difflib.get_close_matches(str(value).strip().lower(), list(lowered), n=1)
        close = [lowered[c] for c in matches]
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_cell(value, col: R.Column):
    """Return (parsed value, problem text or None) for one cell of column ``col``."""
    if _is_blank(value):
        if col.required:
            return None, f"{_expect(col)} is required here"
        return col.default, None
    kind = col.kind
    if isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS:
        return None, (f"expected {_expect(col)}; the cell holds the Excel error {value.strip()} "
                      f"(fix the formula or type the value)")
    if kind in ("number", "integer"):
        if isinstance(value, bool):
            return None, f"expected {_expect(col)}, not TRUE/FALSE"
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
            return None, (f"expected {_expect(col)}, not a date or time (the cell is formatted as a "
                          f"date: set its format to Number)")
        if isinstance(value, str):
            return None, _text_in_number_cell(value.strip(), col)
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None, f"expected a finite number{_unit(col)}"
        if kind == "integer":
            if number != int(number):
                return None, f"expected a whole number{_unit(col)}"
            number = int(number)
        if col.lo is not None and number < col.lo:
            if col.unit == "share":
                return None, f"expected {_expect(col)}"
            return None, f"expected a number >= {col.lo:g}{_unit(col)}"
        if col.hi is not None and number > col.hi:
            if col.unit == "share":
                hint = (f"; shares are fractions: {number:g} % is {number / 100:g}"
                        if 2 <= number <= 100 else "")
                return None, f"expected {_expect(col)}{hint}"
            return None, f"expected a number <= {col.hi:g}{_unit(col)}"
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
            return None, f"expected one of: {allowed}" + suggest(text, [c for c in col.choices if c])
        return text, None
    if kind == "key":
        if isinstance(value, float) and value == int(value):
            value = int(value)
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return None, ("expected an id or a year, not a date (the cell is formatted as a date: "
                          "set its format to General)")
        if col.set == "year":
            if isinstance(value, str) and value.strip().isdigit():
                return None, "expected a year stored as a number, but the cell holds text"
            if not isinstance(value, int) or isinstance(value, bool):
                return None, "expected a year (a whole number)"
            return value, None
        if isinstance(value, str) and value != value.strip():
            return None, f"expected an id without leading or trailing spaces (write '{value.strip()}')"
        if col.choices and str(value) not in col.choices:
            return None, f"expected one of: {', '.join(col.choices)}" + suggest(value, col.choices)
        return str(value), None
    # text
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return str(value).strip(), None


def _text_in_number_cell(text: str, col: R.Column) -> str:
    what = _expect(col)
    if text.endswith("%") and _NUMBER.match(text[:-1].strip().replace(",", ".")):
        pct = float(text[:-1].strip().replace(",", "."))
        return (f"expected {what}; percentages are written as fractions: write {pct / 100:g} "
                f"for {pct:g} %")
    if text.endswith("%"):
        return f"expected {what}; percentages are written as fractions (65 % -> 0.65)"
    if _DECIMAL_COMMA.match(text):
        fixed = text.replace(",", ".")
        extra = (f" (or {text.replace(',', '')} if the comma separates thousands)"
                 if re.match(r"^[+-]?\d{1,3},\d{3}$", text) else "")
        return f"expected {what}; '{text}' looks like a decimal comma: write {fixed}{extra}"
    if "," in text and _SEPARATORS.match(text):
        return (f"expected {what}; write numbers with a decimal point and without thousands "
                f"separators (e.g. 1234.5)")
    if _NUMBER.match(text):
        return f"expected {what}, but the cell holds text: store it as a number"
    return f"expected {what}"


def _expect(col: R.Column) -> str:
    if col.kind in ("number", "integer"):
        noun = "a whole number" if col.kind == "integer" else "a number"
        if col.unit == "share":
            lo, hi = col.lo or 0.0, col.hi if col.hi is not None else 1.0
            if 0 < lo < 1e-3:
                return f"a share above 0 and at most {hi:g}"
            return f"a share between {lo:g} and {hi:g}"
        return noun + _unit(col)
    if col.kind == "bool":
        return "yes or no"
    if col.kind == "choice":
        return "one of: " + ", ".join(c for c in col.choices if c)
    if col.kind == "key" and col.set == "year":
        return "a year"
    return "a value"


def _unit(col: R.Column) -> str:
    return f" in {col.unit}" if col.unit and col.unit not in ("share", "x") else (
        " (a share between 0 and 1)" if col.unit == "share" else "")


# ---------------------------------------------------------------------------------------------
# Opening the file
# ---------------------------------------------------------------------------------------------
def _open(path: Path, out: _Collector):
    def fail(expected):
        out.add(expected)
        raise InputError(out.issues)

    if not path.exists():
        where = f" in folder '{path.parent}'" if str(path.parent) not in ("", ".") else ""
        fail(f"the file does not exist{where}: expected an .xlsx input workbook")
    if path.is_dir():
        fail("expected an .xlsx workbook, found a folder")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        fail(f"the file cannot be read ({exc.strerror or exc}); is it open and locked in another program?")
    if size > MAX_FILE_BYTES:
        fail(f"the file is {size / 1e6:.0f} MB; input workbooks may be at most "
             f"{MAX_FILE_BYTES / 1e6:.0f} MB")
    if size == 0:
        fail("the file is empty (0 bytes); expected an .xlsx workbook")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".csv", ".ods", ".xlsb", ".txt", ".tsv", ".numbers"):
        fail(f"expected an Excel .xlsx workbook, found a {suffix} file; open it in a spreadsheet "
             "program and save it as .xlsx (Excel Workbook)")
    if suffix in (".xlsm", ".xltx", ".xltm"):
        fail(f"expected an Excel .xlsx workbook, found a {suffix} file; save it as .xlsx (Excel Workbook)")
    if head.startswith(_OLE):
        fail("expected an .xlsx workbook, but the file is an old-style .xls workbook or a "
             "password-protected workbook; remove the password and save it as .xlsx")
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK"):
            fail("the file is a damaged .xlsx workbook (incomplete zip archive; was the download "
                 "or copy interrupted?)")
        fail("expected an Excel .xlsx workbook, but the file is not one (is it a renamed text, "
             ".csv or .xls file?); open it in a spreadsheet program and save it as .xlsx")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except Exception as exc:  # noqa: BLE001 - any failure means a damaged archive
        fail(f"the file is a damaged .xlsx workbook ({type(exc).__name__}: {exc})")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        if any(n.startswith("content.xml") or n == "mimetype" for n in names):
            fail("expected an .xlsx workbook, but the file is an OpenDocument (.ods) spreadsheet; "
                 "save it as .xlsx")
        fail("expected an .xlsx workbook, but the file is a zip archive that holds no Excel workbook")
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        fail("the file cannot be read (is it open and locked in another program?)")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        fail(f"the workbook cannot be opened as .xlsx ({type(exc).__name__}: {exc}); it may be "
             "damaged: open it in Excel and save it again")


# ---------------------------------------------------------------------------------------------
# One sheet: rows, merged ranges, formulas without a cached value
# ---------------------------------------------------------------------------------------------
@dataclass
class _Sheet:
    rows: list  # rows[i] is sheet row i + 1; blank rows are ()
    merged: list[str]  # merged ranges such as 'D2:D3'
    formulas: dict  # (sheet row, 0-based column) -> formula text, for formulas without a cached value


def _load_sheet(wb, ws, out: _Collector, sheet: str) -> _Sheet:
    if ws.sheet_state != "visible":
        out.add(f"the sheet is {'very hidden' if ws.sheet_state == 'veryHidden' else 'hidden'}; "
                "unhide it (hidden input is easy to overlook) or delete it", sheet)
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # do not trust the size the writing program recorded
    rows, filled = [], 0
    for row in ws.iter_rows(values_only=True):
        if all(_is_blank(v) for v in row):
            rows.append(())
            continue
        filled += 1
        if filled > MAX_ROWS:
            out.add(f"the sheet has more than {MAX_ROWS} filled rows", sheet, len(rows) + 1)
            break
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    merged, has_formula = _scan_xml(wb, ws)
    formulas = _uncached_formulas(wb, ws) if has_formula else {}
    return _Sheet(rows, merged, formulas)


def _sheet_source(wb, ws):
    archive, part = getattr(wb, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or not part:
        return None
    return archive.open(part)


def _scan_xml(wb, ws):
    """Merged ranges and whether any formula is present, by a byte scan of the sheet's XML."""
    src = _sheet_source(wb, ws)
    if src is None:
        return [], False
    merged, has_formula, tail = set(), False, b""
    with src:
        while True:
            chunk = src.read(_SCAN_CHUNK)
            if not chunk:
                break
            buf = tail + chunk
            if b"mergeCell" in buf:
                merged.update(m.group(1).decode("ascii").upper() for m in _MERGE.finditer(buf))
            if not has_formula and any(t in buf for t in _FORMULA_TOKENS):
                has_formula = True
            tail = buf[-512:]
    return sorted(merged, key=_range_sort_key), has_formula


def _range_sort_key(ref: str):
    from openpyxl.utils.cell import range_boundaries

    c1, r1, _, _ = range_boundaries(ref)
    return r1, c1


def _uncached_formulas(wb, ws) -> dict:
    """(row, 0-based column) -> formula for formula cells without a cached value.

    A workbook saved by Excel stores each formula's last result; one written by a program (such
    as openpyxl) usually does not, and would be read as blank cells.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.xml.functions import iterparse

    found = {}
    src = _sheet_source(wb, ws)
    row_no, col_no, parent = 0, 0, None
    with src:
        for event, el in iterparse(src, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "sheetData":
                    parent = el
                elif tag == "row":
                    row_no = int(el.get("r") or row_no + 1)
                    col_no = 0
                continue
            if tag == "c":
                ref = el.get("r")
                if ref:
                    letters, row_no = coordinate_from_string(ref)
                    col_no = column_index_from_string(letters)
                else:
                    col_no += 1
                f = v = None
                for child in el:
                    ctag = child.tag.rsplit("}", 1)[-1]
                    if ctag == "f":
                        f = child
                    elif ctag == "v":
                        v = child
                if f is not None:
                    cached = v is not None and (bool(v.text) or el.get("t") in ("str", "s", "inlineStr"))
                    if not cached:
                        found[(row_no, col_no - 1)] = ("=" + f.text) if f.text else Found("a shared formula")
                el.clear()
            elif tag == "row":
                el.clear()
                if parent is not None:
                    parent.clear()  # keep memory flat on long sheets
    return found


def _merge_issues(sh: _Sheet, out: _Collector, sheet: str, names_by_index: dict) -> None:
    from openpyxl.utils.cell import range_boundaries

    for ref in sh.merged:
        c1, r1, _, _ = range_boundaries(ref)
        column = names_by_index.get(c1 - 1, _letter(c1 - 1))
        out.add(f"merged cells are not allowed in an input table: unmerge {ref} and fill every "
                "cell (only the first cell of a merged range holds a value)", sheet, r1, column,
                Found(f"merged cells {ref}"), cell=f"{_letter(c1 - 1)}{r1}")


def _formula_issue(out, sheet, i, j, column, formula) -> None:
    out.add("formula without a cached value: open and save the file in Excel (the model reads the "
            "values Excel last calculated), or type the value", sheet, i, column, formula,
            cell=f"{_letter(j)}{i}")


# ---------------------------------------------------------------------------------------------
# The workbook
# ---------------------------------------------------------------------------------------------
def read_workbook(path) -> RawWorkbook:
    """Read and cell-check a workbook; raise InputError listing every problem found."""
    path = Path(path)
    out = _Collector(path.name)
    wb = _open(path, out)
    try:
        try:
            names = list(wb.sheetnames)
            near = _check_sheet_names(names, out)
            sets, set_rows, set_letters = _read_sets(wb, names, near, out)
            tables = {}
            for table in R.TABLES:
                tables[table.sheet] = _read_table(wb, names, near, table, out)
        finally:
            wb.close()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged or unusual file must not end in a traceback
        out.add(f"the workbook cannot be read ({type(exc).__name__}: {exc}); it may be damaged: "
                "open it in Excel and save it again as .xlsx")
        raise InputError(out.issues) from exc
    if out.issues:
        raise InputError(out.issues)
    return RawWorkbook(path, sets, set_rows, tables, set_letters)


def _check_sheet_names(names, out: _Collector) -> dict:
    """Report sheets named like an input sheet but not exactly; return {expected: found}."""
    known = [R.SETS_SHEET, R.README_SHEET] + [t.sheet for t in R.TABLES]
    near = {}
    for name in names:
        if name in known:
            continue
        for k in known:
            if _normal(name) == _normal(k):
                out.add(f"unknown sheet name; expected '{k}' (sheet names are exact: lower case, no "
                        "spaces)", name)
                near.setdefault(k, name)
                break
    return near


def _missing_sheet(sheet, names, near, out, what) -> None:
    if sheet in near:
        return  # already reported as a misnamed sheet
    hint = suggest(sheet, names)
    out.add(f"the workbook needs a sheet '{sheet}' ({what}){hint}; its sheets are: {', '.join(names)}")


def _read_sets(wb, names, near, out):
    sheet = R.SETS_SHEET
    sets = {k: [] for k in R.SETS}
    set_rows = {k: {} for k in R.SETS}
    letters = {}
    if sheet not in names:
        _missing_sheet(sheet, names, near, out, f"declaring the sets: {', '.join(R.SETS)}")
        return sets, set_rows, letters
    sh = _load_sheet(wb, wb[sheet], out, sheet)
    rows = sh.rows
    if not rows:
        out.add(f"the sheet is empty; expected columns {', '.join(R.SETS)}", sheet)
        return sets, set_rows, letters
    header = {}
    for j, cell in enumerate(rows[0]):
        if _is_blank(cell):
            continue
        name = str(cell).strip()
        if name not in R.SETS:
            out.add(f"unknown set{suggest(name, R.SETS)}; the sets are: {', '.join(R.SETS)}",
                    sheet, 1, name, cell, cell=f"{_letter(j)}1")
            continue
        if name in header.values():
            out.add("each set may have one column", sheet, 1, name, cell, cell=f"{_letter(j)}1")
            continue
        header[j] = name
        letters[name] = _letter(j)
    for name in R.SETS:
        if name not in header.values():
            out.add(f"a column '{name}' is required ({R.SETS[name]})", sheet, 1, name,
                    _found_headers(rows[0]))
    _merge_issues(sh, out, sheet, header)
    for i, row in enumerate(rows[1:], start=2):
        for j, name in header.items():
            v = row[j] if j < len(row) else None
            where = dict(cell=f"{_letter(j)}{i}")
            if (i, j) in sh.formulas:
                _formula_issue(out, sheet, i, j, name, sh.formulas[(i, j)])
                continue
            if _is_blank(v):
                continue
            if name == "year":
                if isinstance(v, float) and v == int(v):
                    v = int(v)
                if isinstance(v, str) and v.strip().isdigit():
                    out.add("expected a year stored as a number, but the cell holds text", sheet, i,
                            name, v, **where)
                    continue
                if not isinstance(v, int) or isinstance(v, bool):
                    out.add("expected a year (a whole number)", sheet, i, name, v, **where)
                    continue
            else:
                if isinstance(v, float) and v == int(v):
                    v = int(v)
                if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
                    out.add("expected an id, not a date", sheet, i, name, v, **where)
                    continue
                v = str(v)
                if v != v.strip():
                    out.add(f"expected an id without leading or trailing spaces (write '{v.strip()}')",
                            sheet, i, name, v, **where)
                    continue
                if name == "material" and v.lower() == "all":
                    out.add("'all' is reserved (it means every strategic material)", sheet, i, name, v,
                            **where)
                    continue
            if v in set_rows[name]:
                out.add(f"each {name} may be declared once (first at row {set_rows[name][v]})",
                        sheet, i, name, v, **where)
                continue
            set_rows[name][v] = i
            sets[name].append(v)
    return sets, set_rows, letters


def _found_headers(header_row):
    found = [str(c).strip() for c in (header_row or ()) if not _is_blank(c)]
    return Found("the columns " + ", ".join(f"'{c}'" for c in found) if found else "no column headers")


def _parse_header(header_row, table: R.Table, out, sheet):
    """Map column index -> column name; report unknown, duplicate and wrong-unit headers.

    Returns (mapping, names of columns a misnamed header was matched to by a suggestion).
    """
    mapping, seen, suggested = {}, {}, set()
    known = {c.name: c for c in table.columns}
    allowed = list(known) + list(R.PROVENANCE)
    for j, cell in enumerate(header_row or ()):
        if _is_blank(cell):
            continue
        text = str(cell)
        ref = f"{_letter(j)}1"
        m = _HEADER.match(text)
        name = m.group(1).strip() if m else text.strip()
        unit = (m.group(2) or "").strip() if m else ""
        if name in seen:
            out.add(f"each column may appear once (it is also in column {seen[name]})", sheet, 1, name,
                    text, cell=ref)
            continue
        seen[name] = _letter(j)
        if name not in known and name not in R.PROVENANCE:
            hint = suggest(name, allowed)
            if hint:
                target = hint.split("'")[1]
                suggested.add(target)
                if target in known:
                    hint = f" (did you mean '{known[target].header}'?)"
            expected = ", ".join(c.header for c in table.columns)
            out.add(f"unknown column{hint}; the sheet's columns are: {expected} (and optionally "
                    f"{', '.join(R.PROVENANCE)})", sheet, 1, name, text, cell=ref)
            continue
        if unit and name in known:
            want = known[name].unit
            if not want:
                out.add(f"column '{name}' takes no unit; write the header as '{name}'", sheet, 1, name,
                        text, cell=ref)
            elif unit.replace(" ", "") != want.replace(" ", ""):
                out.add(f"column '{name}' is in {want}: the header should be '{known[name].header}' "
                        f"(convert the values if they are in [{unit}])", sheet, 1, name, text, cell=ref)
        mapping[j] = name
    return mapping, suggested


def _read_table(wb, names, near, table: R.Table, out: _Collector) -> RawTable:
    raw = RawTable(table)
    sheet = table.sheet
    if sheet not in names:
        if table.required:
            _missing_sheet(sheet, names, near, out, table.description)
        return raw
    raw.present = True
    sh = _load_sheet(wb, wb[sheet], out, sheet)
    rows = sh.rows
    if not rows or not rows[0]:
        if table.required or len(rows) > 1:
            out.add(f"the first row must hold the column headers: "
                    f"{', '.join(c.header for c in table.columns)}", sheet, 1,
                    value=Found("an empty sheet" if not rows else "an empty first row"))
        return raw
    mapping, suggested = _parse_header(rows[0], table, out, sheet)
    raw.letters = {name: _letter(j) for j, name in mapping.items()}
    present = set(mapping.values())
    missing = False
    for col in table.columns:
        if col.name not in present and (col.kind == "key" or col.required):
            if col.name in table.optional_keys:
                continue
            missing = True
            if col.name not in suggested:
                out.add(f"a column '{col.header}' is required ({col.description})", sheet, 1, col.name,
                        _found_headers(rows[0]))
    _merge_issues(sh, out, sheet, mapping)
    if missing:
        return raw
    by_name = {c.name: c for c in table.columns}
    index = {name: j for j, name in mapping.items()}
    n_issues = len(out.issues)
    for i, row in enumerate(rows[1:], start=2):
        cells = {name: (row[j] if j < len(row) else None) for j, name in mapping.items()}
        formulas = {name: sh.formulas[(i, j)] for j, name in mapping.items() if (i, j) in sh.formulas}
        if not formulas and all(_is_blank(v) for v in cells.values()):
            continue  # an empty row inside or below the table is skipped
        record = {}
        ok = True
        for name, col in by_name.items():
            v = cells.get(name)
            ref = f"{raw.letters[name]}{i}" if name in raw.letters else None
            if name in formulas:
                _formula_issue(out, sheet, i, index[name], name, formulas[name])
                ok = False
                continue
            if col.kind == "key" and name in table.wildcard_keys and isinstance(v, str) \
                    and v.strip().lower() == "all":
                record[name] = "all"
                continue
            if col.kind == "key" and name in table.optional_keys and _is_blank(v):
                record[name] = ""
                continue
            if col.kind == "key" and _is_blank(v):
                out.add(f"a {name} is required in every row", sheet, i, name, BLANK, cell=ref)
                ok = False
                continue
            parsed, problem = parse_cell(v, col)
            if problem:
                out.add(problem, sheet, i, name, BLANK if _is_blank(v) else v, cell=ref)
                ok = False
            record[name] = parsed
        for name in R.PROVENANCE:
            v = cells.get(name)
            record[name] = "" if _is_blank(v) else str(v).strip()
        if ok:
            raw.rows.append(record)
            raw.row_numbers.append(i)
    if table.required and not raw.rows and len(out.issues) == n_issues:
        out.add(f"the sheet has column headers but no data rows; expected at least one row "
                f"({table.description})", sheet, 2, value=Found("no data rows"))
    return raw
