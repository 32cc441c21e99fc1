"""Styles, number formats, colours and page setup shared by the sheets of the results workbook,
and the plain cell writer of a table body (``_write_cells``)."""
from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill, Side

from model import summaries as S
from model.io.cells import cell_value

safe = cell_value  # every cell value of every sheet goes through model.io.cells

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

# Okabe-Ito colour-blind-safe palette (also used by the exported figures)
OKABE_ITO = ("E69F00", "56B4E9", "009E73", "F0E442", "0072B2", "D55E00", "CC79A7", "000000")
ORIGIN_COLOURS = {S.EU_PROCESSING: "0072B2", S.EU_RECYCLING: "009E73", S.STOCK_RELEASE: "BBBBBB"}
SCENARIO_COLOURS = ("0072B2", "D55E00", "CC79A7", "E69F00", "56B4E9", "009E73", "F0E442", "999999")
STAGE_COLOURS = {"extraction": "E69F00", "processing": "0072B2", "recycling": "009E73"}
BENCH_COLOURS = {"extraction": "E69F00", "processing": "0072B2", "recycling": "009E73",
                 "largest country (processing)": "D55E00", "largest country (extraction)": "CC79A7"}

# TRUE/FALSE columns: shown as TRUE and FALSE by every spreadsheet program (without a format,
# LibreOffice shows some boolean cells as 1 and 0)
BOOL_FORMAT = '"TRUE";"TRUE";"FALSE"'
# number formats (with units) by column name; the first pattern that matches wins
_FORMATS = (
    ("eur_per_pp", '#,##0" EUR/pp"'), ("eur_per_t", '#,##0" EUR/t"'), ("_meur", '#,##0.0" MEUR"'),
    ("_eur", '#,##0" EUR"'),
    ("_tpa", '#,##0.0" t/yr"'), ("_t", '#,##0.0" t"'), ("_share", "0.0%"), ("level", "0.0%"),
    ("probability", "0.0%"), ("year", "0"), ("modules", "0"), ("_s", '0.00" s"'),
    ("value", "#,##0.00"),  # item/value tables such as purchasing_summary: no 2518912516.28559
)


def _format_for(col: str) -> str | None:
    for pattern, fmt in _FORMATS:
        if col.endswith(pattern) or col == pattern:
            return fmt
    return None




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
            if fmt == BOOL_FORMAT and isinstance(cell.value, bool):
                cell.number_format = fmt
            elif fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
                if fmt == "0":
                    cell.alignment = CENTER


