"""The summary sheet: the one-page answer (model.summaries.answer) laid out on page one,
the cost by material and component and the list of sheets on page two."""
from __future__ import annotations

import math

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from model import summaries as S
from model.io.sheet_style import AMBER, GREEN, HEADER_FILL, HEADER_FONT, NOTE_FONT, RED, SECTION_FONT, THIN, TITLE_FONT
from model.io.sheet_style import _print_setup, safe

# ---- summary sheet: the one-page answer -------------------------------------------------------
PRICE_FILL = PatternFill("solid", fgColor="FFF2CC")
STATUS_FILLS = {S.STATUS_MET: GREEN, S.STATUS_PRICE: PRICE_FILL, S.STATUS_PARTLY: AMBER, S.STATUS_MISSED: RED}
WRAP = Alignment(wrap_text=True, vertical="top")

# the answer's tables with readable headers (units in brackets) and their number formats
_EXPENSIVE = (("benchmark", "benchmark", None), ("material", "material", None), ("country", "country", None),
              ("years_binding", "years binding", None),
              ("max_eur_per_pp", "cost of one more percentage point [MEUR/pp]", "#,##0.00"),
              ("max_eur_per_t", "shadow price [EUR/t]", "#,##0"), ("year_of_max", "in year", "0"))
_STOCK = (("material", "material", None), ("peak_stock_t", "peak stock target [t]", "#,##0.0"),
          ("year", "year", "0"), ("days_of_consumption", "covers [days of consumption]", "#,##0"))
_BUYERS = (("buyer", "buyer", None), ("alone_meur", "cost alone [MEUR]", "#,##0.0"),
           ("shapley_meur", "Shapley share [MEUR]", "#,##0.0"), ("shapley_saving_pct", "saving [%]", "0.0"),
           ("volume_meur", "volume share [MEUR]", "#,##0.0"), ("volume_saving_pct", "saving [%]", "0.0"))
_CONTRACTS = (("contract", "contract", None), ("material", "material", None), ("country", "country", None),
              ("volume_tpa", "volume signed [t/yr]", "#,##0.0"), ("delivered_t", "delivered [t]", "#,##0.0"))


def summary_frames(results, run_info: dict) -> dict[str, pd.DataFrame]:
    """The blocks of the summary sheet, as tables (model.summaries.answer, and the cost
    by material and component in million EUR)."""
    blocks = S.answer(results.tables, results.objective, run_info)
    blocks["cost by component (present value)"] = _meur(S.cost_pivot(results.tables.get("cost_summary")))
    return blocks


def _meur(df: pd.DataFrame) -> pd.DataFrame:
    """EUR columns in million EUR (the summary is read, not computed with)."""
    df = df.copy()
    for c in [c for c in df.columns if c.endswith("_eur")]:
        df[c] = df[c].astype(float) / 1e6
        df = df.rename(columns={c: c[:-4] + "_meur"})
    return df


def _shown(v, fmt: str | None) -> str:
    """The text a number format shows, as wide as the cell must be (no '###')."""
    if isinstance(v, bool) or v is None:
        return "FALSE" if isinstance(v, bool) else ""
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            return ""
        decimals = len(fmt.split(".")[1].split('"')[0]) if fmt and "." in fmt else 0
        text = f"{v:,.{decimals}f}" if fmt != "0" else str(int(v))
        if fmt and '"' in fmt:
            text += fmt.split('"')[1]
        return text
    return str(v)


class _Page:
    """Writes blocks one under another on the summary sheet and sizes each column to the widest
    text it shows (headers wrap)."""

    def __init__(self, ws):
        self.ws, self.row, self.widths = ws, 1, {}

    def text(self, value, font=None, col: int = 1):
        c = self.ws.cell(row=self.row, column=col, value=safe(value))
        if font is not None:
            c.font = font
        self.row += 1
        return c

    def _fit(self, j: int, text: str, cap: int = 60) -> None:
        self.widths[j] = max(self.widths.get(j, 8), min(cap, len(text) + 3))

    def table(self, df: pd.DataFrame, spec=None, fills=None) -> int:
        """``df`` with ``spec`` ((column, header, number format), ...) or its own columns; returns
        the header row."""
        spec = spec or [(c, str(c), None) for c in df.columns]
        hdr = self.row
        for j, (_, header, _) in enumerate(spec, start=1):
            c = self.ws.cell(row=hdr, column=j, value=safe(header))
            c.font, c.fill = HEADER_FONT, HEADER_FILL
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for word in str(header).split(" "):
                self._fit(j, word)
        self.ws.row_dimensions[hdr].height = 30
        for i, rec in enumerate(df.to_dict("records"), start=hdr + 1):
            for j, (col, _, fmt) in enumerate(spec, start=1):
                v = safe(rec.get(col))
                c = self.ws.cell(row=i, column=j, value=v)
                if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                    c.number_format = fmt
                if fills and (fill := fills(col, v)) is not None:
                    c.fill = fill
                self._fit(j, _shown(v, fmt), cap=40 if j > 1 else 60)
        self.row = hdr + len(df) + 2
        return hdr

    def finish(self) -> None:
        for j, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(j)].width = w


def _status_fill(col, v):
    if not isinstance(v, str) or col == "material":
        return None
    for status in S.STATUS_ORDER:  # 'met at a price ...' before 'met ...'
        if v.startswith(status):
            return STATUS_FILLS[status]
    return None


def _write_summary(ws, results, run_info: dict, sheets: list[str], notes: dict | None = None) -> None:
    """The summary sheet; ``notes``: sheet name -> the line the list of sheets gives it."""
    blocks = summary_frames(results, run_info)
    page = _Page(ws)
    page.text(f"Results: {run_info.get('case', '')}", TITLE_FONT)
    sub = ", ".join(x for x in (f"input {run_info.get('input_file')}" if run_info.get("input_file") else "",
                                f"started {run_info.get('started_utc')} UTC" if run_info.get("started_utc") else "")
                    if x)
    page.text(sub or None, NOTE_FONT)
    page.row += 1

    page.text("The answer", SECTION_FONT)
    head = blocks["headline"]
    fmts = ["#,##0.000" if u == "bn EUR" and isinstance(v, float) and abs(v) < 0.1 else
            "#,##0.0" if isinstance(v, float) else "#,##0" for v, u in zip(head["value"], head["unit"])]
    hdr = page.row
    page.table(head.assign(fmt=fmts), [("item", "item", None), ("value", "value", None), ("unit", "unit", None),
                                        ("note", "note", None)])
    for i, fmt in enumerate(fmts, start=hdr + 1):
        c = ws.cell(row=i, column=2)
        if isinstance(c.value, (int, float)):
            c.number_format = fmt
            page._fit(2, _shown(c.value, fmt))
        if not str(ws.cell(row=i, column=1).value).startswith(" "):
            ws.cell(row=i, column=1).font = Font(bold=True)
    page.widths[4] = 16  # the notes run on to the right, over empty cells

    status = blocks["status"]
    page.text("Benchmarks per material over the whole horizon", SECTION_FONT)
    if len(status):
        page.table(status, fills=_status_fill)
        page.row -= 1
        page.text(S.ANSWER_LEGEND, NOTE_FONT)
        page.text("Years are the first year met (in every scenario, at a level above 0) and the years missed. "
                  "Sheet compliance has every row.", NOTE_FONT)
        page.row += 1
    else:
        page.text("no benchmark in force")
        page.row += 1

    page.text(S.EXPENSIVE_TITLE, SECTION_FONT)
    ex = blocks["expensive"]
    if len(ex):
        ex = ex.assign(benchmark=[S.bench_label(b, st) for b, st in zip(ex["benchmark"], ex["stage"])],
                       max_eur_per_pp=ex["max_eur_per_pp"].astype(float) / 1e6)
        page.table(ex, _EXPENSIVE)
    else:
        page.text("no benchmark binds where it is met: meeting the benchmarks costs nothing at the margin")
        page.row += 1
    note = blocks["expensive note"].iloc[0, 0]
    if note:
        page.text(note, NOTE_FONT)
        page.row += 1

    stock = blocks["stock"]
    page.text("Strategic stock held", SECTION_FONT)
    if len(stock):
        page.table(stock, _STOCK)
    else:
        page.text("no strategic stock")
        page.row += 1

    if "purchasing headline" in blocks:
        page.text("Joint purchasing: alone and together", SECTION_FONT)
        ph = blocks["purchasing headline"]
        page.table(ph, [("item", "item", None), ("value", "value", "#,##0.0"), ("unit", "unit", None)])
        page.table(blocks["purchasing buyers"], _BUYERS)
        page.row -= 1
        page.text(blocks["purchasing core"].iloc[0, 0], NOTE_FONT)
        page.row += 1
        if len(blocks["purchasing contracts"]):
            page.table(blocks["purchasing contracts"], _CONTRACTS)

    # the rest of the summary goes on a second page
    ws.row_breaks.append(Break(id=page.row - 1))
    df = blocks["cost by component (present value)"]
    page.text("Cost by component (present value, million EUR)", SECTION_FONT)
    if len(df):
        spec = [(c, c.removesuffix("_meur").replace("_", " ") + (" [MEUR]" if c.endswith("_meur") else ""),
                 "#,##0.0") for c in df.columns]
        hdr = page.table(df, spec)
        for c in ws[hdr + len(df)]:
            c.font = Font(bold=True)
            c.border = Border(top=THIN)
    page.text("Sheets", SECTION_FONT)
    notes = notes or {}
    for name in sheets:
        c = ws.cell(row=page.row, column=1, value=name)
        c.hyperlink = f"#'{name}'!A1"
        c.font = Font(color="0563C1", underline="single")
        ws.cell(row=page.row, column=2, value=notes.get(name, "")).font = NOTE_FONT
        page.row += 1
    page.finish()
    ws.sheet_view.showGridLines = False
    _print_setup(ws, landscape=True)


