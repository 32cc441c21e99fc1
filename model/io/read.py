"""Read an input workbook into plain records, checking every cell against the registry.

Only this module opens input files. It returns raw, cell-checked tables; cross-table checks
(keys against declared sets, sums, years) happen in ``model.validate``.

Whatever the file holds, reading it either succeeds or raises ``InputError``: a corrupt or
unusual file never ends in a traceback. Cell values are read with python-calamine (a Rust
reader: some ten times faster than openpyxl on the EU case, see bench/io_bench.py); what it does
not report (formulas without a cached value, Excel error values such as #N/A, cells far outside
any input table) is found by scanning the sheet's XML in the archive before the sheet is loaded,
so that a few stray cells in column XFD cannot make the reader allocate gigabytes.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from model import registry as R
from model.errors import BLANK, Found, InputError, Issue
from model.io.cell_rules import _is_blank, _normal, _not_finite, parse_cell, suggest  # noqa: F401 (validate imports the last two from here)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # filled rows per sheet
_HEADER = re.compile(r"^\s*([^\[\]]+?)\s*(?:\[(.*)\])?\s*$")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')
_FORMULA_TOKENS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
_ERROR_TOKENS = (b't="e"', b"t='e'")
# a cell in column AA or further right (two or three letters), with what follows its reference
_WIDE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{2,3})([0-9]+)"[^>]*?(/?)>')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?[vt]\b[^>]*>([^<]{0,60})")
MAX_COLUMNS = 256  # input tables have a dozen columns; a value further right than IV is a stray cell
MAX_CELLS = 20_000_000  # rows x columns a sheet's values may span (the reader holds them densely)
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


def _letter(j: int) -> str:
    """Spreadsheet column letter of the 0-based column index j."""
    n, out = j + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: str) -> int:
    """1-based column number of spreadsheet column letters ('A' -> 1, 'XFD' -> 16384)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


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
    try:
        return _Book(path)
    except PermissionError:
        fail("the file cannot be read (is it open and locked in another program?)")
    except Exception as exc:  # noqa: BLE001 - the reader raises many types for corrupt files
        fail(f"the workbook cannot be opened as .xlsx ({type(exc).__name__}: {exc}); it may be "
             "damaged: open it in Excel and save it again")


class _Book:
    """An open input workbook: python-calamine for the cell values, the zip archive for the
    sheets' XML (scanned, never parsed whole) and the part name of each sheet."""

    def __init__(self, path: Path):
        from python_calamine import CalamineWorkbook

        self.archive = zipfile.ZipFile(path)
        try:
            self.cells = CalamineWorkbook.from_path(str(path))
            self.sheetnames = list(self.cells.sheet_names)
            self.state = {m.name: str(m.visible).rsplit(".", 1)[-1].lower() for m in self.cells.sheets_metadata}
            self.parts = _sheet_parts(self.archive)
        except BaseException:
            self.archive.close()
            raise

    def __getitem__(self, name: str) -> "_SheetRef":
        return _SheetRef(name, self.parts.get(name), self.state.get(name, "visible"))

    def close(self) -> None:
        self.archive.close()
        self.cells.close()


@dataclass
class _SheetRef:
    name: str
    part: str | None  # the sheet's XML in the archive, e.g. 'xl/worksheets/sheet1.xml'
    state: str  # 'visible', 'hidden' or 'veryhidden'


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the part in the archive holding the sheet's XML (from the workbook's
    relationships, as a spreadsheet program resolves them)."""
    from defusedxml import ElementTree as ET
    import posixpath

    def rels(part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        rel = posixpath.join(folder, "_rels", name + ".rels")
        if rel not in archive.namelist():
            return {}
        out = {}
        for el in ET.fromstring(archive.read(rel)):
            target = el.get("Target") or ""
            out[el.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                 else posixpath.normpath(posixpath.join(folder, target)))
        return out

    book = next((t for t in rels("").values() if t.endswith(".xml") and "workbook" in t), "xl/workbook.xml")
    targets = rels(book)
    out = {}
    for el in ET.fromstring(archive.read(book)).iter():
        if el.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            if rid in targets:
                out[el.get("name")] = targets[rid]
    return out


# ---------------------------------------------------------------------------------------------
# One sheet: rows, merged ranges, formulas without a cached value, error values
# ---------------------------------------------------------------------------------------------
@dataclass
class _Sheet:
    rows: list  # rows[i] is sheet row i + 1; blank rows are ()
    merged: list[str]  # merged ranges such as 'D2:D3'
    formulas: dict  # (sheet row, 0-based column) -> formula text (no cached value) or error value


@dataclass
class _Scan:
    merged: list[str]
    has_special: bool  # a formula or an error value somewhere in the sheet
    wide: tuple | None = None  # (cell reference, value text) of the right-most value beyond MAX_COLUMNS
    columns: int = 0  # the right-most column holding a value, when beyond column Z
    rows: int = 0  # the last row


def _load_sheet(wb, ws, out: _Collector, sheet: str) -> _Sheet:
    if ws.state != "visible":
        out.add(f"the sheet is {'very hidden' if ws.state == 'veryhidden' else 'hidden'}; "
                "unhide it (hidden input is easy to overlook) or delete it", sheet)
    scan = _scan_xml(wb, ws)
    if not isinstance(scan, _Scan):  # (merged, has_special), as a test may give it
        scan = _Scan(*scan)
    if scan.wide is not None or scan.rows * max(scan.columns, 26) > MAX_CELLS:
        ref, value = scan.wide or (f"{_letter(scan.columns - 1)}{scan.rows}", None)
        letters = ref.rstrip("0123456789")
        out.add(f"a value far outside any input table (column {letters} is column {_column_number(letters):,}; "
                f"input tables use the first few columns): delete the stray cells right of and below "
                f"the table (select the columns, Delete columns), then save", sheet,
                int(ref[len(letters):]), letters, Found("a value") if value is None else value, cell=ref)
        raise InputError(out.issues)  # loading the sheet would hold its whole area in memory
    rows, filled = [], 0
    for row in wb.cells.get_sheet_by_name(ws.name).to_python(skip_empty_area=False):
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
    formulas = _uncached_formulas(wb, ws) if scan.has_special else {}
    for (i, j), v in list(formulas.items()):
        if isinstance(v, _ExcelError):  # the cell reader gives a blank: put the error value back
            del formulas[(i, j)]
            if i > MAX_ROWS + len(rows):
                continue
            rows.extend(() for _ in range(i - len(rows)))
            row = list(rows[i - 1])
            row.extend("" for _ in range(j + 1 - len(row)))
            row[j] = str(v)
            rows[i - 1] = row
    return _Sheet(rows, scan.merged, formulas)


def _sheet_source(wb, ws):
    if not ws.part or ws.part not in wb.archive.namelist():
        return None
    return wb.archive.open(ws.part)


def _scan_xml(wb, ws) -> _Scan:
    """Merged ranges, whether any formula or error value is present, and how far the values
    reach, by a byte scan of the sheet's XML."""
    src = _sheet_source(wb, ws)
    if src is None:
        return _Scan([], False)
    scan = _Scan([], False)
    merged, tail = set(), b""
    with src:
        while True:
            chunk = src.read(_SCAN_CHUNK)
            if not chunk:
                break
            buf = tail + chunk
            if b"mergeCell" in buf:
                merged.update(m.group(1).decode("ascii").upper() for m in _MERGE.finditer(buf))
            if not scan.has_special and any(t in buf for t in _FORMULA_TOKENS + _ERROR_TOKENS):
                scan.has_special = True
            for m in _WIDE_CELL.finditer(buf):
                if m.group(3):  # <c .../>: a styled cell without a value
                    continue
                col = _column_number(m.group(1).decode("ascii"))
                scan.columns = max(scan.columns, col)
                if col > MAX_COLUMNS and scan.wide is None:
                    v = _VALUE.match(buf, m.end()) or _VALUE.search(buf, m.end(), m.end() + 200)
                    text = v.group(1).decode("utf-8", "replace") if v else None
                    scan.wide = ((m.group(1) + m.group(2)).decode("ascii"),
                                 None if text is None or b't="s"' in m.group(0) else text)
            rows = _ROW_NUMBER.findall(buf[-_SCAN_CHUNK // 4:]) or _ROW_NUMBER.findall(buf)
            if rows:
                scan.rows = max(scan.rows, int(rows[-1]))
            tail = buf[-512:]
    scan.merged = sorted(merged, key=_range_sort_key)
    return scan


def _range_sort_key(ref: str):
    from openpyxl.utils.cell import range_boundaries

    c1, r1, _, _ = range_boundaries(ref)
    return r1, c1


def _uncached_formulas(wb, ws) -> dict:
    """(row, 0-based column) -> formula for formula cells without a cached value, and the
    error value (such as '#N/A') of cells that hold one.

    A workbook saved by Excel stores each formula's last result; one written by a program (such
    as openpyxl) usually does not, and would be read as blank cells. The cell reader reads error
    values as blanks too.
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
                if el.get("t") == "e" and v is not None and v.text and (row_no, col_no - 1) not in found:
                    found[(row_no, col_no - 1)] = _ExcelError(v.text.strip())
                el.clear()
            elif tag == "row":
                el.clear()
                if parent is not None:
                    parent.clear()  # keep memory flat on long sheets
    return found


class _ExcelError(str):
    """An Excel error value of a cell (such as '#N/A'), read from the sheet's XML."""


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
def read_workbook(path, check_names=None) -> RawWorkbook:
    """Read and cell-check a workbook; raise InputError listing every problem found.

    ``check_names(sheet_names, file) -> [Issue]``: the check of the sheet names against the
    contract (model.validate.sheet_name_issues)."""
    path = Path(path)
    out = _Collector(path.name)
    wb = _open(path, out)
    try:
        try:
            names = list(wb.sheetnames)
            near = _check_sheet_names(names, out)
            out.issues += check_names(names, out.file) if check_names else []
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
            if isinstance(v, float) and not math.isfinite(v):
                out.add(_not_finite(v, "a year" if name == "year" else "an id"), sheet, i, name, v, **where)
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
