"""Errors a user can act on: every one names where the problem is and what was expected."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass


class Found:
    """A description of what was found, shown as is (not quoted as a cell value would be)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return isinstance(other, Found) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


BLANK = Found("a blank cell")  # the value found in an empty cell


def show(value) -> str:
    """How a found value is written in a message: text quoted (so spaces show), dates as dates."""
    if isinstance(value, Found):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return f"the date {value:%Y-%m-%d}"
        return f"the date and time {value:%Y-%m-%d %H:%M}"
    if isinstance(value, _dt.date):
        return f"the date {value:%Y-%m-%d}"
    if isinstance(value, _dt.time):
        return f"the time {value:%H:%M}"
    if isinstance(value, _dt.timedelta):
        return f"the duration {value}"
    return repr(value)


@dataclass(frozen=True)
class Issue:
    """One problem in an input file.

    ``row`` is a sheet row number, or a text such as '2-4' for a problem spanning rows; ``cell``
    is the spreadsheet reference (e.g. 'F5') when known.
    """

    file: str
    expected: str
    sheet: str | None = None
    row: int | str | None = None
    column: str | None = None
    value: object = None
    cell: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"rows {self.row}" if isinstance(self.row, str) else f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.cell:
            text += f" (cell {self.cell})"
        found = "" if self.value is None else f": found {show(self.value)}"
        return f"{text}{found}; {self.expected}"


class InputError(Exception):
    """Raised when an input workbook cannot be used; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(self.report())

    def report(self, limit: int = 50) -> str:
        lines = [f"The input has {len(self.issues)} problem(s):"]
        lines += [f"  - {issue}" for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... and {len(self.issues) - limit} more")
        return "\n".join(lines)


class ModelError(Exception):
    """Raised when a run cannot produce a result (infeasible, unbounded, solver failure)."""


class OptionError(Exception):
    """A command-line option that cannot be used; the message names the option, the value found and
    what was expected (exit code 2, like bad input)."""
