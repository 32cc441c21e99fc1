"""The rules for one input cell: parse it against its registry column, or say in words what was
expected (decimal commas, percentages, dates, Excel errors, NaN and infinite numbers, ...), and
suggest the name a misspelling was meant to be. Used by the reader (``model.io.read``) and the
validation (``model.validate``)."""
from __future__ import annotations

import datetime as _dt
import difflib
import math
import re

from model import registry as R

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SEPARATORS = re.compile(r"^[+-]?[\d.,' ]*\d[\d.,' ]*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                 "#CALC!", "#GETTING_DATA")


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


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
        if not math.isfinite(number):
            return None, _not_finite(number, f"a finite number{_unit(col)}")
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
    if isinstance(value, float) and not math.isfinite(value):
        return None, _not_finite(value, "a year" if col.set == "year" else "an id or a value")
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


def _not_finite(number: float, what: str) -> str:
    """The message for a cell that holds NaN or an infinite number (a number such as 1e999
    written into the file, too large for a double, is read as infinite)."""
    if math.isnan(number):
        return f"expected {what}; the cell holds NaN (not a number), which no spreadsheet writes: type the value"
    return (f"expected {what}; the cell holds a number too large to represent (read as infinite; "
            f"the largest is about 1.8e308): type the value")


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


def parse_setting(name: str, raw):
    """(value, problem) of setting ``name`` given ``raw`` (a cell or a command-line text), by its
    registry definition: a number written as text is read as a number, a text setting is at most
    its length; problem is None when the value is good, else what was expected, in words."""
    sdef = R.SETTINGS_BY_NAME.get(name)
    if sdef is None:
        return None, f"unknown setting; the settings are: {', '.join(R.SETTINGS_BY_NAME)}" + suggest(
            name, R.SETTINGS_BY_NAME)
    col = R.Column(name, sdef.kind, sdef.unit, sdef.default, sdef.lo, sdef.hi, choices=sdef.choices)
    if sdef.kind in ("number", "integer") and isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            pass
    value, problem = parse_cell(raw, col)
    if not problem and sdef.kind == "text" and sdef.hi is not None and len(value) > sdef.hi:
        problem = f"expected at most {sdef.hi:g} characters, found {len(value)}"
    return value, (f"{problem} (setting {name})" if problem else None)

