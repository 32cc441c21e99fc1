"""Table bodies and chart data written as sheet XML into the workbook openpyxl saved (see the
notes below): the fast path of the results writer for tables of millions of cells."""
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
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.chart import Reference
from openpyxl.compat import safe_string
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from model.io.cells import ERROR_VALUES, FORMULA_START, MAX_CELL_TEXT, cell_text
from model.io.chart_xml import ChartWriter
from model.io.sheet_style import CENTER
from model.io.sheet_style import _write_cells, safe

# ---- table bodies written as XML ---------------------------------------------------------------
# openpyxl makes an object per cell and serialises each through ElementTree: about 25 us a cell, or
# some 30 s for the 1.3 million cells of the stochastic EU case. The data rows of the tidy tables
# are therefore written as text into the sheet XML that openpyxl saved with the header only. The
# cells hold what openpyxl's would (inline strings, t="b", the style of the column's number format
# on numbers); a number is written without t="n", the default type of a cell (some 14 MB less XML
# on the largest benchmark instance); only the rows carry a reference (see _body_chunks); a table
# with other value types (dates, ...) is written by openpyxl.
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


def _isal_deflate():
    """A raw deflate compressor from ISA-L (the isal package) when installed: level 2 deflates this
    XML 3.5x faster than zlib's level 1 into the same size (245 MB of the largest benchmark
    instance's sheets: 0.32 s against 1.12 s, 22.4 MB against 21.4 MB). The output is plain
    deflate: any zip reader inflates it. None without isal (zlib at _COMPRESSLEVEL then)."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return partial(isal_zlib.compressobj, 2, isal_zlib.DEFLATED, -15)


_FAST_DEFLATE = _isal_deflate()
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
        if s.dtype == object and pd.api.types.infer_dtype(s, skipna=False) == "string":
            continue  # text only (one pass in C; the usual case)
        if s.dtype == object and not all(t in _PLAIN or issubclass(t, (np.number, np.bool_))
                                         for t in set(map(type, s.to_numpy()))):
            return False
    return True


def _text_cell(v: str) -> str:
    """The end of a <c> element for text ``v`` (after its reference), '' for a blank."""
    t = safe(v)
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
    if max(map(len, texts), default=0) > MAX_CELL_TEXT or not ERROR_VALUES.isdisjoint(texts):
        return False
    buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    cut = np.flatnonzero(buf == 10)  # the separators (a newline inside a text only adds checks)
    return not (_BAD_START[buf[cut[:-1] + 1]].any() or _SPACE[buf[cut[1:] - 1]].any())


def _objects(items) -> np.ndarray:
    """A list of strings as an object array (kept as str, not made a numpy string type)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _column_cells(values: pd.Series, style: int | None, lead: str = '"', blank: str = "",
                  tail: str = "") -> tuple[list[str], np.ndarray]:
    """The cells of one column, factorised: the text of the cell of each distinct value, and a
    last one for code -1 (a blank), with the code of each row. A cell's text is ``lead`` (what
    opens it: '"' closes a reference before it), its attributes and value, then ``tail``; a blank is
    ``blank`` then ``tail``."""
    s = f' s="{style}"' if style is not None else ""
    kind = values.dtype.kind
    a = values.to_numpy()
    none = blank + tail
    if kind == "b":
        return [f'{lead}{s} t="b"><v>0</v></c>{tail}', f'{lead}{s} t="b"><v>1</v></c>{tail}', none], a.astype(np.intp)
    if kind in "iu":
        codes, uniques = pd.factorize(a)
        return [f"{lead}{s}><v>{v}</v></c>{tail}" for v in uniques.tolist()] + [none], codes
    if kind == "f":
        # distinct by their bits: factorize would take -0.0 for 0.0; NaN and inf are blanks
        codes, bits = pd.factorize(a.astype(np.float64).view(np.int64))
        return [f"{lead}{s}><v>{v!r}</v></c>{tail}" if math.isfinite(v) else none
                for v in bits.view(np.float64).tolist()] + [none], codes
    codes, uniques = pd.factorize(a)  # None and NaN: code -1, a blank
    # text only (a value of another type is never equal to a text): one pass in C
    if not len(uniques) or pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        if _verbatim(uniques):  # the usual case
            pre, post = lead + _INLINE[1:], _TEXT_END + tail
            return [pre + u + post for u in uniques] + [none], codes
        ends = [_text_cell(u) for u in uniques]
    else:
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
                ends.append(f'"{s}><v>{v!r}</v></c>')
        codes = np.arange(len(a))
    # the ends written after a reference ('"...' or '' for a blank), opened with ``lead``
    return [lead + e[1:] + tail if e else none for e in ends] + [none], codes


def _body_chunks(r1: int, start_col: int, df: pd.DataFrame, styles: list):
    """The <row> elements of a table body, as encoded chunks of _CHUNK rows.

    Only the row carries its reference (r), and the first cell when the table does not start in
    column A; every other cell is the next column's (a cell's reference is optional, ECMA-376
    Part 1, 18.3.1.4), and a blank inside a row is an empty <c/> that keeps the count. A row is
    then its number and one piece per column: the markup around the cells is joined to each
    column's distinct values, not to each cell: a third of the pieces of a row written with every
    reference, and a fifth less XML (325 MB against 260 MB for the sheets of the largest benchmark
    instance, bench/run.py's S5)."""
    if not len(df.columns):
        return
    # the pieces of a row: markup (a str), the row numbers (None) or a column's cells (its index)
    if start_col == 1:
        lead, referenced = ['<row r="', None, '">'], False
    else:
        lead, referenced = ['<row r="', None, f'"><c r="{get_column_letter(start_col)}', None], True
    last = len(df.columns) - 1
    columns = []  # each column's cells (an object array) and the code of each row
    for j in range(len(df.columns)):
        if j == 0 and referenced:  # after the reference: a cell opens with the closing quote
            opens, blank = '"', '"/>'
        elif j == 0:  # the markup before it joined to each distinct cell
            head = lead.pop()
            opens, blank = head + "<c", head + "<c/>"
        else:
            opens, blank = "<c", "<c/>"
        ends, codes = _column_cells(df.iloc[:, j], styles[j], opens, blank, "</row>" if j == last else "")
        columns.append((_objects(ends), codes))  # code -1 (a blank) takes the last cell
    pieces = lead + list(range(len(columns)))
    numbers = _objects(list(map(str, range(r1, r1 + len(df)))))
    for a in range(0, len(df), _CHUNK):
        b = min(a + _CHUNK, len(df))
        grid = np.empty((b - a, len(pieces)), dtype=object)
        for k, p in enumerate(pieces):
            if p is None:
                grid[:, k] = numbers[a:b]
            elif isinstance(p, str):
                grid[:, k] = p
            else:
                ends, codes = columns[p]
                grid[:, k] = ends[codes[a:b]]
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
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ChartWriter(wb, archive).save()  # openpyxl's save, with the charts' XML (chart_xml.py)
        return
    ids = _style_ids(wb, [f for *_, fmts in fast for f in fmts])
    if data is not None:
        data.register_styles(wb)
        data_xml = data.xml().encode("utf-8")
    buf = BytesIO()
    # saving gives each sheet its part name (ws.path); stored, not deflated: every part is read
    # back below and deflated once, into the file
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ChartWriter(wb, archive).save()
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
                zout.writestr(item.filename, raw)  # deflated at the file's level (the buffer is stored)
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
                if _FAST_DEFLATE is not None:
                    out._compressor = _FAST_DEFLATE()  # raw deflate, as zipfile's own compressor
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
        title = safe(title)
        header = [safe(str(frame.index.name or "year"))] + [safe(str(c)) for c in frame.columns]
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
        return v == cell_text(v) and not (len(v) > 1 and v[0] == "=") and v not in ERROR_CODES
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


