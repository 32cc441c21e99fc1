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

import math
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.compat import safe_string
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from model import summaries as S

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
RED = PatternFill("solid", fgColor="F4B6B6")
AMBER = PatternFill("solid", fgColor="FFE699")
GREEN = PatternFill("solid", fgColor="C6EFCE")
RED_FONT = Font(color="9C0006")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
SECTION_FONT = Font(bold=True, size=12, color="1F4E78")
NOTE_FONT = Font(italic=True, color="595959")
THIN = Side(style="thin", color="BFBFBF")
CENTER = Alignment(horizontal="center")
FORMULA_START = ("=", "+", "-", "@")

# Okabe-Ito colour-blind-safe palette (also used by the exported figures)
OKABE_ITO = ("E69F00", "56B4E9", "009E73", "F0E442", "0072B2", "D55E00", "CC79A7", "000000")
ORIGIN_COLOURS = {S.EU_PROCESSING: "0072B2", S.EU_RECYCLING: "009E73", S.STOCK_RELEASE: "BBBBBB"}
SCENARIO_COLOURS = ("0072B2", "D55E00", "CC79A7", "E69F00", "56B4E9", "009E73", "F0E442", "999999")
COUNTRY_COLOURS = ("D55E00", "E69F00", "56B4E9", "CC79A7", "F0E442", "999999", "000000", "8C564B")
STAGE_COLOURS = {"extraction": "E69F00", "processing": "0072B2", "recycling": "009E73"}
BENCH_COLOURS = {"extraction": "E69F00", "processing": "0072B2", "recycling": "009E73",
                 "largest country (processing)": "D55E00", "largest country (extraction)": "CC79A7"}

# number formats (with units) by column name; the first pattern that matches wins
_FORMATS = (
    ("eur_per_pp", '#,##0" EUR/pp"'), ("eur_per_t", '#,##0" EUR/t"'), ("_meur", '#,##0.0" MEUR"'),
    ("_eur", '#,##0" EUR"'),
    ("_tpa", '#,##0.0" t/yr"'), ("_t", '#,##0.0" t"'), ("_share", "0.0%"), ("level", "0.0%"),
    ("probability", "0.0%"), ("year", "0"), ("modules", "0"), ("_s", '0.00" s"'),
)

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
    "contracts": "offtake contracts: volume and deliveries",
    "run": "run information: solver, timings, versions, settings",
    "chart_data": "the numbers the charts draw",
}

# tidy tables in the order they are written; any other table in the results follows these
TABLE_ORDER = ("compliance", "shadow_prices", "sourcing", "capacity", "stock", "unmet", "costs",
               "cost_summary", "marginal_cost", "scenario_costs", "value_of_information", "contracts",
               "purchasing_summary", "allocation", "core_check", "coalition_costs", "plans",
               "plan_suppliers")
# sheets that are not tidy tables
LAYOUT_SHEETS = ("summary", "charts", "chart_data", "run")
# rows in an Excel sheet; a tidy table with more rows than fit under its note and header goes on
# in further sheets (see the module docstring)
MAX_ROWS = 1_048_576


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
        return safe(v.item())
    return v


def _width(values, header: str, fmt: str | None) -> float:
    n = len(str(header))
    extra = 0
    if fmt and '"' in fmt:
        extra = len(fmt.split('"')[1]) + 1
    for v in values:
        if isinstance(v, bool) or v is None:
            s = "FALSE"
        elif isinstance(v, float):
            s = f"{v:,.1f}" if abs(v) < 1e15 else f"{v:.3g}"
        else:
            s = str(v)
        n = max(n, len(s) + (extra if isinstance(v, (int, float)) else 0))
    return max(9, min(48, n + 2))


def _print_setup(ws, title_row: int | None = None, landscape: bool = True) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"


def _write_cells(ws, r1: int, start_col: int, df: pd.DataFrame, fmts: list) -> None:
    """The data rows of a table as openpyxl cells, from row r1."""
    for i, row in enumerate(df.itertuples(index=False), start=r1):
        for j, v in enumerate(row, start=start_col):
            cell = ws.cell(row=i, column=j, value=safe(v))
            fmt = fmts[j - start_col]
            if fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
                if fmt == "0":
                    cell.alignment = CENTER


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
    fmts = [_format_for(str(c)) for c in df.columns]
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


# ---- table bodies written as XML ---------------------------------------------------------------
# openpyxl makes an object per cell and serialises each through ElementTree: about 25 us a cell, or
# some 30 s for the 1.3 million cells of the stochastic EU case. The data rows of the tidy tables
# are therefore written as text into the sheet XML that openpyxl saved with the header only. The
# cells are the ones openpyxl writes (inline strings, t="n"/"b", the style of the column's number
# format on numbers); a table with other value types (dates, ...) is written by openpyxl.
#
# The text is built a column at a time, not a cell at a time. The values of a column are
# factorised and the end of a <c> element (what follows its reference) is made once per distinct
# value: the tables repeat their values a lot (years, names, zeros, the same numbers across
# scenarios). The pieces of a chunk of rows (constant markup, the row numbers, the cell ends) go
# into an array of rows x pieces and one join makes the chunk's XML. A second thread compresses a
# chunk while the next one is built (zlib releases the GIL).
_PLAIN = (str, bool, int, float, type(None))
_CHUNK = 20_000  # rows encoded and compressed at a time (larger chunks are slower: memory traffic)
# zlib level of the sheets written here: level 1 deflates this XML about 4x faster than the default 6
# and 1.3x faster than 3, for a file some 15 % larger than with 3
_COMPRESSLEVEL = 1
_INLINE = '" t="inlineStr"><is><t>'
_TEXT_END = "</t></is></c>"
_DROP = dict.fromkeys(b"&<>" + bytes([*range(0, 9), 11, 12, *range(14, 32)]))  # markup, illegal
_SPACE = np.zeros(256, dtype=bool)  # the ASCII bytes for which str.isspace() holds
_SPACE[list(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")] = True
_BAD_START = _SPACE.copy()  # ... and the formula signs that safe() guards
_BAD_START[[ord(c) for c in FORMULA_START]] = True


def _plain(df: pd.DataFrame) -> bool:
    """Only values the XML writer handles (numbers, booleans, text, blanks)."""
    for col in df.columns:
        s = df[col]
        if not isinstance(s.dtype, np.dtype) or s.dtype.kind not in "biufO":  # no extension dtypes
            return False
        if s.dtype == object and not all(t in _PLAIN or issubclass(t, (np.number, np.bool_))
                                         for t in set(map(type, s.to_numpy()))):
            return False
    return True


def _text_cell(v: str) -> str:
    """The end of a <c> element for text ``v`` (after its reference), '' for a blank."""
    t = ILLEGAL_CHARACTERS_RE.sub("", safe(v))
    if not t:
        return ""
    esc = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if t.strip() != t else ""
    return f'" t="inlineStr"><is><t{space}>{esc}</t></is></c>'


def _verbatim(texts) -> bool:
    """True when ``_text_cell`` writes every text as it is (_INLINE, the text, _TEXT_END): not
    empty, no markup or illegal character, no formula sign first, no space at either end. One
    pass over all the texts; False (check them one by one) when in doubt."""
    joined = "\n" + "\n".join(texts) + "\n"
    if not joined.isascii() or len(joined.translate(_DROP)) != len(joined):
        return False
    buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    cut = np.flatnonzero(buf == 10)  # the separators (a newline inside a text only adds checks)
    return not (_BAD_START[buf[cut[:-1] + 1]].any() or _SPACE[buf[cut[1:] - 1]].any())


def _objects(items) -> np.ndarray:
    """A list of strings as an object array (kept as str, not made a numpy string type)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _column_cells(values: pd.Series, style: int | None) -> tuple[list[str], np.ndarray]:
    """The cells of one column, factorised: the end of the <c> element (what follows the
    reference) of each distinct value, with '' for a blank (no <c> element) and a last '' for
    code -1, and the code of each row."""
    s = f' s="{style}"' if style is not None else ""
    kind = values.dtype.kind
    a = values.to_numpy()
    if kind == "b":
        return ['" t="b"><v>0</v></c>', '" t="b"><v>1</v></c>', ""], a.astype(np.intp)
    if kind in "iu":
        codes, uniques = pd.factorize(a)
        return [f'"{s} t="n"><v>{v}</v></c>' for v in uniques.tolist()] + [""], codes
    if kind == "f":
        # distinct by their bits: factorize would take -0.0 for 0.0; NaN and inf are blanks
        codes, bits = pd.factorize(a.astype(np.float64).view(np.int64))
        return [f'"{s} t="n"><v>{v!r}</v></c>' if math.isfinite(v) else ""
                for v in bits.view(np.float64).tolist()] + [""], codes
    codes, uniques = pd.factorize(a)  # None and NaN: code -1, a blank
    if all(type(u) is str for u in uniques):  # text (a value of another type is never equal to a text)
        if _verbatim(uniques):  # the usual case
            return [_INLINE + u + _TEXT_END for u in uniques] + [""], codes
        return [_text_cell(u) for u in uniques] + [""], codes
    ends = []  # mixed values (1, 1.0 and True are one value to factorize): cell by cell
    for v in a.tolist():
        v = safe(v)
        if v is None:
            ends.append("")
        elif isinstance(v, str):
            ends.append(_text_cell(v))
        elif isinstance(v, bool):
            ends.append(f'" t="b"><v>{int(v)}</v></c>')
        else:  # int or finite float (safe() blanks NaN and inf)
            ends.append(f'"{s} t="n"><v>{v!r}</v></c>')
    return ends + [""], np.arange(len(a))


def _body_chunks(r1: int, start_col: int, df: pd.DataFrame, styles: list):
    """The <row> elements of a table body, as encoded chunks of _CHUNK rows."""
    letters = [get_column_letter(start_col + j) for j in range(len(df.columns))]
    for a in range(0, len(df), _CHUNK):
        part = df.iloc[a:a + _CHUNK]
        rows = _objects(list(map(str, range(r1 + a, r1 + a + len(part)))))
        cells, blanks = [], []
        for j in range(len(letters)):
            ends, codes = _column_cells(part.iloc[:, j], styles[j])
            blank = np.array([not e for e in ends])[codes]
            cells.append([ends, codes])
            blanks.append(blank if blank.any() else None)
        # the pieces of a row in order: markup (a str), the row numbers (an array) or a column's
        # cells (its index), each with the blank mask of its cell. Markup is joined to the piece
        # before it, markup or cells, where neither belongs to a cell that can be blank: in
        # each row the join of fewer pieces makes the same text.
        seq = [('<row r="', None), (rows, None), ('">', None)]
        for j, letter in enumerate(letters):
            seq += [(f'<c r="{letter}', blanks[j]), (rows, blanks[j]), (j, blanks[j])]
        seq.append(("</row>", None))
        merged = seq[:1]
        for p, blank in seq[1:]:
            q, q_blank = merged[-1]
            if isinstance(p, str) and blank is None and q_blank is None and not isinstance(q, np.ndarray):
                if isinstance(q, str):
                    merged[-1] = (q + p, None)
                else:  # the ends of column q's cells, once per distinct value
                    cells[q][0] = [e + p for e in cells[q][0]]
                continue
            merged.append((p, blank))
        grid = np.empty((len(part), len(merged)), dtype=object)
        for k, (p, blank) in enumerate(merged):
            if isinstance(p, int):
                ends, codes = cells[p]
                p = _objects(ends)[codes]
            grid[:, k] = p
            if blank is not None:
                grid[blank, k] = ""
        yield "".join(grid.ravel().tolist()).encode("utf-8")


def _style_ids(wb, formats) -> dict:
    """Cell style id (index into the workbook's cellXfs) of each number format, as openpyxl
    gives it to a number cell in write_frame (with centred alignment for years)."""
    scratch = wb.create_sheet("_styles")
    ids = {}
    for k, fmt in enumerate(sorted({f for f in formats if f}), start=1):
        c = scratch.cell(row=k, column=1, value=0)
        c.number_format = fmt
        if fmt == "0":
            c.alignment = CENTER
        ids[fmt] = c.style_id
    wb.remove(scratch)
    return ids


_EMPTY_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>\s*</row>)')
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')


def _save(wb, path: Path, bodies: list, data: _DataSheet | None = None) -> None:
    """Save ``wb`` with each table body in ``bodies`` written into its sheet's XML, after the
    rows openpyxl wrote (the note and the header), and the rows of the chart data sheet."""
    per_sheet: dict = {}
    for body in bodies:
        per_sheet.setdefault(id(body[0]), []).append(body)
    fast = []
    for group in per_sheet.values():
        ws, r1 = group[0][0], group[0][1]
        if len(group) == 1 and ws.max_row < r1:
            fast.append(group[0])
        else:  # anything written below the header: let openpyxl write the body
            for ws, r1, c1, df, fmts in group:
                _write_cells(ws, r1, c1, df, fmts)
    if data is not None and not data.plain():
        data.cells()
        data = None
    if not fast and data is None:
        wb.save(path)
        return
    ids = _style_ids(wb, [f for *_, fmts in fast for f in fmts])
    if data is not None:
        data.register_styles(wb)
        data_xml = data.xml().encode("utf-8")
    buf = BytesIO()
    wb.save(buf)  # gives each sheet its part name (ws.path)
    # part name -> first row, last row and last column written, the XML of the rows in chunks
    by_part = {ws.path.lstrip("/"): (r1, r1 + len(df) - 1, c1 + len(df.columns) - 1,
                                     partial(_body_chunks, r1, c1, df, [ids.get(f) for f in fmts]))
               for ws, r1, c1, df, fmts in fast}
    if data is not None:
        by_part[data.ws.path.lstrip("/")] = (1, *data.last, lambda: [data_xml])
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                                                      compresslevel=_COMPRESSLEVEL) as zout:
        for item in zin.infolist():
            raw = zin.read(item.filename)
            if item.filename not in by_part:
                zout.writestr(item, raw)
                continue
            r1, r_last, c_last, chunks = by_part[item.filename]
            xml = raw.decode("utf-8")
            xml = _DIMENSION.sub(lambda m: '<dimension ref="{}{}:{}{}" />'.format(
                m.group(1), m.group(2), get_column_letter(max(c_last, _col_index(m.group(3) or m.group(1)))),
                max(r_last, int(m.group(4) or m.group(2)))), xml, count=1)
            # an empty row openpyxl wrote inside the body (a cell touched, never set) would repeat it
            xml = _EMPTY_ROW.sub(lambda m: "" if r1 <= int(m.group(1)) <= r_last else m.group(0), xml)
            if "</sheetData>" in xml:
                head, tail = xml.rsplit("</sheetData>", 1)
            else:
                head, _, tail = re.split(r"(<sheetData\s*/>)", xml, maxsplit=1)
                head += "<sheetData>"
            with zout.open(item.filename, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                _write_chunks(out, chunks())
                out.write(("</sheetData>" + tail).encode("utf-8"))


def _write_chunks(out, chunks) -> None:
    """Write ``chunks`` to ``out`` (a member of a zip file) from a second thread, so that
    compressing a chunk overlaps building the next (zlib and crc32 release the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for chunk in chunks:
            if pending is not None:
                pending.result()  # one chunk in flight: the memory stays at two chunks
            pending = pool.submit(out.write, chunk)
        if pending is not None:
            pending.result()


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


# ---- summary sheet ----------------------------------------------------------------------------
def summary_frames(results, run_info: dict) -> dict[str, pd.DataFrame]:
    """The blocks of the summary sheet, as tables."""
    t = results.tables
    comp = t.get("compliance", pd.DataFrame(columns=["met"]))
    n_missed = int((~comp["met"].astype(bool)).sum()) if len(comp) else 0
    head = [("total cost (present value)", results.objective, "EUR, discounted to the base year"
             + (" (expected cost + risk weight x CVaR)" if _num(run_info.get("setting_risk_weight")) else "")),
            ("solver status", run_info.get("status"), _solver_note(run_info)),
            ("scenarios", run_info.get("scenarios"), "nominal only" if run_info.get("scenarios") == 1
             else "probability-weighted; figures show the nominal scenario"),
            ("benchmark rows missed", f"{n_missed} of {len(comp)}",
             "a row is a benchmark in one year and scenario (sheet compliance)")]
    voi = t.get("value_of_information")
    if voi is not None and len(voi):
        for measure, label in (("VSS", "value of stochastic solution (VSS)"),
                               ("EVPI", "value of perfect information (EVPI)")):
            hit = voi.loc[voi["measure"] == measure]
            if len(hit):
                head.append((label, float(hit["value_eur"].iloc[0]), "EUR (sheet value_of_information)"))
    return {
        "headline": pd.DataFrame(head, columns=["item", "value", "note"]),
        "cost by component (present value)": _meur(S.cost_pivot(t.get("cost_summary"))),
        "compliance by material": S.compliance_status(comp if len(comp) else None),
        "most expensive benchmarks": S.benchmark_costs(t.get("shadow_prices")),
    }


def _meur(df: pd.DataFrame) -> pd.DataFrame:
    """EUR columns in million EUR (the summary is read, not computed with)."""
    df = df.copy()
    for c in [c for c in df.columns if c.endswith("_eur")]:
        df[c] = df[c].astype(float) / 1e6
        df = df.rename(columns={c: c[:-4] + "_meur"})
    return df


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def _solver_note(info: dict) -> str:
    if str(info.get("mip")) == "True":
        gap = _num(info.get("mip_gap"))
        return f"MIP (whole plant modules), gap {gap:.2%}; shadow prices with the builds fixed"
    return "linear programme"


def _write_summary(ws, results, run_info: dict, sheets: list[str], contents: dict | None = None) -> None:
    blocks = summary_frames(results, run_info)
    ws.cell(row=1, column=1, value=f"Results: {run_info.get('case', '')}").font = TITLE_FONT
    sub = ", ".join(x for x in (f"input {run_info.get('input_file')}" if run_info.get("input_file") else "",
                                f"started {run_info.get('started_utc')} UTC" if run_info.get("started_utc") else "")
                    if x)
    ws.cell(row=2, column=1, value=sub or None).font = NOTE_FONT
    row = 4
    ws.column_dimensions["A"].width = 36
    for j in range(2, 17):
        ws.column_dimensions[get_column_letter(j)].width = 17

    # headline
    ws.cell(row=row, column=1, value="Headline").font = SECTION_FONT
    row += 1
    for item, value, note in blocks["headline"].itertuples(index=False):
        ws.cell(row=row, column=1, value=item).font = Font(bold=True)
        c = ws.cell(row=row, column=2, value=safe(value))
        if isinstance(value, float):
            c.number_format = '#,##0" EUR"_)_)'  # _) pads: a gap before the note
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        c.alignment = Alignment(horizontal="right")
        if item == "benchmark rows missed":
            c.fill = GREEN if str(value).startswith("0 ") else AMBER
        c = ws.cell(row=row, column=4, value=note)
        c.font, c.alignment = NOTE_FONT, Alignment(indent=1)
        row += 1
    row += 1

    # costs
    df = blocks["cost by component (present value)"]
    ws.cell(row=row, column=1, value="Cost by component (present value, million EUR)").font = SECTION_FONT
    row += 1
    if len(df):
        hdr = write_frame(ws, df, start_row=row, freeze=False, filters=False, widths=False)
        for c in ws[hdr]:  # readable headers: the unit is in the title and the number format
            if isinstance(c.value, str):
                c.value = c.value.removesuffix("_meur").replace("_", " ")
        ws.row_dimensions[hdr].height = 30  # room for a header on two lines
        for c in ws[hdr + len(df)]:
            c.font = Font(bold=True)
            c.border = Border(top=THIN)
        row = hdr + len(df) + 2
    else:
        row += 1

    # compliance traffic light
    df = blocks["compliance by material"]
    ws.cell(row=row, column=1, value="Compliance by material (CRMA benchmarks)").font = SECTION_FONT
    row += 1
    for line in S.STATUS_LEGEND.split("; ") + ["target and achieved: the last year, in the worst scenario"]:
        ws.cell(row=row, column=1, value=line).font = NOTE_FONT
        row += 1
    if len(df):
        hdr = write_frame(ws, df, start_row=row, freeze=False, filters=False, widths=False)
        js = list(df.columns).index("status") + 1
        for name in ("largest_country", "status", "enforcement", "final_year"):
            for i in range(hdr + 1, hdr + 1 + len(df)):
                ws.cell(row=i, column=list(df.columns).index(name) + 1).alignment = CENTER
        ja = list(df.columns).index("achieved_share") + 1
        for i, status in enumerate(df["status"], start=hdr + 1):
            fill = {S.STATUS_MET: GREEN, S.STATUS_PARTLY: AMBER}.get(status, RED)
            ws.cell(row=i, column=js).fill = fill
            ws.cell(row=i, column=js).font = Font(bold=True)
        for i, r in enumerate(df.itertuples(index=False), start=hdr + 1):
            cap = r.benchmark == "single_country"
            if (r.achieved_share > r.target_share + 1e-6) if cap else (r.achieved_share < r.target_share - 1e-6):
                ws.cell(row=i, column=ja).font = RED_FONT
        row = hdr + len(df) + 2
    else:
        ws.cell(row=row, column=1, value="no benchmark in force")
        row += 2

    # shadow prices
    df = blocks["most expensive benchmarks"]
    ws.cell(row=row, column=1, value="Most expensive benchmarks (binding shadow prices)").font = SECTION_FONT
    row += 1
    ws.cell(row=row, column=1, value="max_eur_per_pp: what one more percentage point of the benchmark "
            "would cost in year_of_max (money of that year); all rows in sheet shadow_prices.").font = NOTE_FONT
    row += 1
    if len(df):
        hdr = write_frame(ws, df, start_row=row, freeze=False, filters=False, widths=False)
        row = hdr + len(df) + 2
    else:
        ws.cell(row=row, column=1, value="no benchmark binds: the benchmarks cost nothing at the margin")
        row += 2

    # contents
    ws.cell(row=row, column=1, value="Sheets").font = SECTION_FONT
    row += 1
    notes = {**SHEET_NOTES, **CONTENTS, **(contents or {})}
    for name in sheets:
        c = ws.cell(row=row, column=1, value=name)
        c.hyperlink = f"#'{name}'!A1"
        c.font = Font(color="0563C1", underline="single")
        ws.cell(row=row, column=2, value=notes.get(name, "")).font = NOTE_FONT
        row += 1
    ws.sheet_view.showGridLines = False
    _print_setup(ws, landscape=False)


# ---- charts -----------------------------------------------------------------------------------
class _DataSheet:
    """Writes chart data blocks one under the other on the chart_data sheet.

    A block is a title, a header (bold) and a table (in the block's number format). The blocks
    are not made into openpyxl cells: ``_save`` writes their rows into the sheet's XML, cell for
    cell as openpyxl writes them (about a second less on the EU case, for some 35,000 cells). The
    styles are made when openpyxl would make them (a cell outside the sheet carries each one), so
    the workbook's style table is the same. A value openpyxl writes otherwise (a formula, an error
    code, a date, ...) makes ``cells`` write the sheet through openpyxl instead."""

    def __init__(self, ws):
        self.ws = ws
        self.row = 1
        self.blocks = []  # (first row, title, header, rows of (index, values), number format)
        self.styles = {}  # "bold" or a number format -> a cell outside the sheet with that style

    def _style(self, key: str) -> None:
        if key not in self.styles:
            self.styles[key] = _styled(Cell(self.ws), key)

    def block(self, title: str, frame: pd.DataFrame, fmt: str = "#,##0.0"):
        """frame: index = categories (years), columns = series. Returns (data ref, categories ref)."""
        ws, r = self.ws, self.row
        self._style("bold")
        if len(frame) and len(frame.columns):  # a number format is made with its first cell
            self._style(fmt)
        header = [frame.index.name or "year"] + [str(c) for c in frame.columns]
        rows = [(safe(idx), [safe(v) for v in vals])
                for idx, vals in zip(frame.index, frame.to_numpy(dtype=object).tolist())]
        self.blocks.append((r, title, header, rows, fmt))
        n = len(frame)
        data = Reference(ws, min_col=2, max_col=1 + len(frame.columns), min_row=r + 1, max_row=r + 1 + n)
        cats = Reference(ws, min_col=1, min_row=r + 2, max_row=r + 1 + n)
        self.row = r + n + 3
        return data, cats

    def _rows(self):
        """Each row of the sheet: its number and its cells as (column, value, style key or None)."""
        for r, title, header, rows, fmt in self.blocks:
            yield r, [(1, title, "bold")]
            yield r + 1, [(j, v, "bold") for j, v in enumerate(header, start=1)]
            for i, (idx, vals) in enumerate(rows, start=r + 2):
                yield i, [(1, idx, None)] + [(j, v, fmt) for j, v in enumerate(vals, start=2)]

    def plain(self) -> bool:
        """Every value is one the XML writer writes as openpyxl does (and no block is empty)."""
        return all(len(header) > 1 for _, _, header, _, _ in self.blocks) and \
            all(_xml_value_ok(v) for _, cells in self._rows() for _, v, _ in cells)

    def cells(self) -> None:
        """The blocks as openpyxl cells (when not ``plain``)."""
        for i, cells in self._rows():
            for j, v, key in cells:
                _styled(self.ws.cell(row=i, column=j, value=v), key)

    def register_styles(self, wb) -> None:
        """Give the styles of the blocks their ids in the workbook's style table in the order
        saving would: openpyxl numbers a style when it first writes a cell with it, sheet by
        sheet and row by row, so the cells of the sheets before this one come first."""
        for ws in wb.worksheets:
            if ws is self.ws:
                break
            for _, c in sorted(ws._cells.items()):  # the order of openpyxl's sheet writer
                if c.has_style:
                    c.style_id  # numbers the style of c
        for c in self.styles.values():  # made in the order of their first cells in the sheet
            c.style_id

    def xml(self) -> str:
        """The rows of the sheet as openpyxl writes them (after ``register_styles``)."""
        ids = {k: c.style_id for k, c in self.styles.items()}
        out = []
        for i, cells in self._rows():
            row = "".join(_xml_cell(f"{get_column_letter(j)}{i}", v, ids.get(k)) for j, v, k in cells)
            out.append(f'<row r="{i}">{row}</row>')
        return "".join(out)

    @property
    def last(self) -> tuple[int, int]:
        """The last row and column of the blocks."""
        if not self.blocks:
            return 1, 1
        r, _, _, rows, _ = self.blocks[-1]
        return r + 1 + len(rows), max(len(header) for _, _, header, _, _ in self.blocks)


def _styled(c, key: str | None):
    """Cell ``c`` with the style of a chart data cell: bold (titles, headers) or a number format."""
    if key == "bold":
        c.font = Font(bold=True)
    elif key is not None:
        c.number_format = key
    return c


def _xml_value_ok(v) -> bool:
    """A value (through safe()) that _xml_cell writes as openpyxl does."""
    if type(v) is str:
        return not (len(v) > 32767 or (len(v) > 1 and v[0] == "=") or v in ERROR_CODES
                    or ILLEGAL_CHARACTERS_RE.search(v))
    return v is None or type(v) in (bool, int, float)


def _xml_cell(ref: str, v, style: int | None) -> str:
    """A cell as openpyxl's cell writer writes it ('' for an empty cell without a style): the
    style as s, numbers as safe_string formats them, text inline with xml:space="preserve"
    when it has spaces at either end."""
    s = f' s="{style}"' if style else ""
    if v is None:
        return f'<c r="{ref}"{s} t="n" />' if s else ""
    if type(v) is str:
        if not v:
            return f'<c r="{ref}"{s} t="inlineStr" />'
        esc = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        stripped = v.strip()
        space = ' xml:space="preserve"' if stripped and stripped != v else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{esc}</t></is></c>'
    return f'<c r="{ref}"{s} t="{"b" if type(v) is bool else "n"}"><v>{safe_string(v)}</v></c>'


def _title(text: str, size: int = 1100) -> Title:
    """A chart title in a modest font (the default is large enough to wrap)."""
    cp = CharacterProperties(sz=size, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _style_chart(ch, title: str, y_title: str, y_fmt: str = "#,##0", width: float = 16.5,
                 height: float = 8.0) -> None:
    ch.title = _title(title)
    ch.y_axis.title = y_title
    ch.y_axis.numFmt = y_fmt
    ch.y_axis.number_format = y_fmt
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ch.width, ch.height = width, height
    ch.legend.position = "b"


def _colour_series(ch, colours, dashed=(), line=False, widths=()) -> None:
    """Colours (and for lines: dashes and widths in points) of a chart's series, in order."""
    n = len(ch.series)
    for s, colour, dash, width in zip(ch.series, colours, list(dashed) + [False] * n, list(widths) + [None] * n):
        gp = s.graphicalProperties
        if line:
            gp.line.solidFill = colour
            gp.line.width = int(12700 * width) if width else (28575 if not dash else 19050)
            if dash:
                gp.line.dashStyle = "dash"
            s.marker.symbol = "none"
            s.smooth = False
        else:
            gp.solidFill = colour
            gp.line.solidFill = colour


def _country_colours(supply: pd.DataFrame) -> dict[str, str]:
    order = S.origin_order(supply)
    third = [o for o in order if o not in ORIGIN_COLOURS]
    out = dict(ORIGIN_COLOURS)
    for i, c in enumerate(third):
        out[c] = COUNTRY_COLOURS[i % len(COUNTRY_COLOURS)]
    return out


def _bar(data, cats, title, y_title, colours, stacked=True, y_fmt="#,##0"):
    ch = BarChart()
    ch.type, ch.gapWidth = "col", 60
    if stacked:
        ch.grouping, ch.overlap = "stacked", 100
    else:
        ch.grouping = "clustered"
    ch.add_data(data, titles_from_data=True)
    ch.set_categories(cats)
    _style_chart(ch, title, y_title, y_fmt)
    _colour_series(ch, colours)
    return ch


def _line(data, cats, title, y_title, colours, dashed=(), y_fmt="#,##0", widths=()):
    ch = LineChart()
    ch.add_data(data, titles_from_data=True)
    ch.set_categories(cats)
    _style_chart(ch, title, y_title, y_fmt)
    _colour_series(ch, colours, dashed=dashed, line=True, widths=widths)
    return ch


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


def _material_charts(mm: str, t: dict, scen: str, supply, colours, paths, dsheet) -> list:
    charts = []
    # refined supply by origin, stacked per year
    s = supply.loc[supply["material"] == mm]
    if len(s):
        p = _pivot(s, "year", "origin", "value_t", "sum", fill_value=0.0)
        order = [o for o in S.origin_order(s) if o in p.columns and p[o].abs().sum() > 1e-9]
        p = p[order] if order else p
        data, cats = dsheet.block(f"{mm}: refined supply by origin (t, {scen})", p)
        charts.append(_bar(data, cats, f"{mm}: refined supply by origin (t/yr)", "t/yr",
                           [colours.get(o, "999999") for o in p.columns]))
    # strategic stock: the first-stage target and the inventory in each scenario
    st = t.get("stock")
    st = st.loc[st["material"] == mm] if st is not None and len(st) else None
    if st is not None and len(st):
        p = _pivot(st, "year", "scenario", "inventory_t", "sum", sort=False)
        sc = S.scenarios(t)
        p = p[[c for c in sc if c in p.columns] + [c for c in p.columns if c not in sc]]
        p.columns = [f"inventory, {c}" for c in p.columns]
        p["stock target"] = st.groupby("year")["stock_target_t"].first()  # last: drawn on top
        data, cats = dsheet.block(f"{mm}: strategic stock (t)", p)
        n = len(p.columns) - 1
        big = float(p.abs().max().max() or 0.0) >= 100
        charts.append(_line(data, cats, f"{mm}: strategic stock at year end (t)", "t",
                            [SCENARIO_COLOURS[i % 8] for i in range(n)] + ["000000"],
                            dashed=[False] * n + [True], y_fmt="#,##0" if big else "#,##0.0",
                            widths=[3.5] + [1.75] * (n - 1) + [1.25]))
    # EU capacity by stage
    cap = t.get("capacity")
    cap = cap.loc[cap["material"] == mm] if cap is not None and len(cap) else None
    if cap is not None and len(cap):
        p = _pivot(cap, "year", "stage", "available_tpa", "sum", sort=False)
        data, cats = dsheet.block(f"{mm}: EU capacity available (t/yr)", p)
        charts.append(_bar(data, cats, f"{mm}: EU capacity available, existing + new (t/yr)", "t/yr",
                           [STAGE_COLOURS.get(k, "999999") for k in p.columns], stacked=False))
    if paths is None:
        return charts
    b = paths.loc[paths["material"] == mm]
    # EU share benchmarks: achieved (solid) and target (dashed)
    eu = b.loc[b["benchmark"].isin(S.SHARE_BENCHMARKS)]
    if len(eu):
        p, cols, dash = _paths_frame(eu, lambda lab: (f"EU {lab}", f"{lab} target"))
        data, cats = dsheet.block(f"{mm}: EU shares and targets ({scen})", p, fmt="0.0%")
        ch = _line(data, cats, f"{mm}: EU shares (solid) vs targets (dashed)",
                   "share of consumption", cols, dashed=dash, y_fmt="0%")
        ch.y_axis.scaling.min = 0
        charts.append(ch)
    # single-country cap: the largest third country's share at each stage, and the cap
    sc = b.loc[b["benchmark"] == "single_country"]
    if len(sc):
        p, cols, dash = _paths_frame(sc, lambda lab: (lab, f"cap ({lab.split('(')[-1].rstrip(')')})"),
                                     one_target="cap")
        data, cats = dsheet.block(f"{mm}: largest third-country share and cap ({scen})", p, fmt="0.0%")
        ch = _line(data, cats, f"{mm}: largest third country (solid) vs cap (dashed)",
                   "share of consumption", cols, dashed=dash, y_fmt="0%")
        ch.y_axis.scaling.min = 0
        ch.y_axis.scaling.max = 1
        charts.append(ch)
    return charts


def _paths_frame(b: pd.DataFrame, names, one_target: str | None = None):
    """Achieved (solid) and target (dashed) series per benchmark label; with ``one_target``, a
    single dashed target series drawn last when every label has the same target."""
    labels = list(dict.fromkeys(b["label"]))
    ach = _pivot(b, "year", "label", "achieved_share", "first")
    tgt = _pivot(b, "year", "label", "target_share", "first")
    series, cols, dash = {}, [], []  # the columns of the frame, on the years of ach
    if one_target and tgt.nunique(axis=1, dropna=True).max() <= 1:
        for lab in labels:
            series[names(lab)[0]] = ach[lab]
            cols.append(BENCH_COLOURS.get(lab, "999999"))
            dash.append(False)
        series[one_target] = tgt.max(axis=1)
        cols, dash = cols + ["000000"], dash + [True]
    else:
        for lab in labels:
            a_name, t_name = names(lab)
            series[a_name] = ach[lab]
            series[t_name] = tgt[lab]
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
    supply = S.refined_supply(t, scenario=scen, include_stock=True)
    colours = _country_colours(supply)
    materials = list(dict.fromkeys(t["sourcing"]["material"]))
    comp = t.get("compliance")
    paths = S.benchmark_paths(comp, scen) if comp is not None and len(comp) else None
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
        ws.cell(row=row, column=1, value=mm).font = SECTION_FONT
        charts = _material_charts(mm, t, scen, supply, colours, paths, dsheet)
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
    _write_summary(ws, results, run_info, [s for s in wb.sheetnames if s != "summary"], contents)
    path = Path(path)
    _save(wb, path, bodies, data)
    return path


# ---- reading a results workbook back ------------------------------------------------------------
def read_results(path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tidy tables of a results.xlsx (sheet name -> DataFrame) and its run sheet (item -> text).

    Reads what ``write_results`` writes: a sheet with a note has it in row 1 and its header in
    row 2, otherwise the header is in row 1. A table split over sheets 'name', 'name (2)', ...
    (more rows than an Excel sheet holds) is read back as one. Blank cells are read as NaN.
    """
    wb = load_workbook(path, read_only=True, data_only=True)
    read = {}  # table -> (header, rows) or None for an empty sheet, in the order of the sheets
    last = None  # the table of the sheet before and the number of its part
    try:
        for name in wb.sheetnames:
            if name in ("summary", "charts", "chart_data"):
                continue
            rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
            more = last is not None and name == part_name(last[0], last[1] + 1)
            if not rows:
                read[name], last = None, None
                continue
            h = 0
            first = [v for v in rows[0] if v is not None]
            if more or name in SHEET_NOTES or (len(first) == 1 and len(rows) > 1
                                               and sum(v is not None for v in rows[1]) > 1):
                h = 1
            header = rows[h] if len(rows) > h else []
            while header and header[-1] is None:
                header = header[:-1]
            ncol = len(header)
            body = [r[:ncol] + [None] * (ncol - len(r)) for r in rows[h + 1:]]
            body = [r for r in body if any(v is not None for v in r)]
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
        df = pd.DataFrame(body, columns=[str(c) for c in header])
        if name == "run":
            info = {str(k): v for k, v in zip(df.get("item", []), df.get("value", []))}
            continue
        tables[name] = df
    return tables, info
