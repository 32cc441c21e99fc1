"""Grades of the default EU case per sheet: ``python inputs/eu_grades.py [case.xlsx]`` prints the
table of docs/data.md (rows per sheet and grade; base-year rows, i.e. the first year or rows
without a year, and their grade-A share), the numbers tests/test_eu_data.py checks against the
document. A row is graded by its weakest ingredient and each year by its own derivation (a
read base-year number is A, a projected year carries its projection rule's grade)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.validate import load  # noqa: E402

CASE = ROOT / "inputs" / "eu_crma.xlsx"
SKIP = ("scenarios", "disruptions", "buyers", "tiers", "contracts")


def grade_table(data) -> dict[str, list]:
    """sheet -> [rows, A, B, C, base-year rows, 'x %' grade-A share of base-year rows]."""
    out = {}
    for sheet, rows in data.tables.items():
        if not rows or sheet in SKIP:
            continue
        n = {"A": 0, "B": 0, "C": 0}
        base = {"A": 0, "B": 0, "C": 0}
        for key, rec in rows.items():
            n[rec["confidence"]] += 1
            year = key[-1] if isinstance(key, tuple) and isinstance(key[-1], int) else None
            if year is None or year == data.years[0]:
                base[rec["confidence"]] += 1
        nb = sum(base.values())
        out[sheet] = [sum(n.values()), n["A"], n["B"], n["C"], nb, f"{100 * base['A'] / nb:.0f} %"]
    return out


def markdown(table: dict[str, list]) -> str:
    def f(v):
        return f"{v:,}" if v else ""
    head = ("| sheet | rows | A | B | C | base-year rows (2025, or no year) | of which A |\n"
            "|---|---:|---:|---:|---:|---:|---:|")
    body = [f"| {s} | {r[0]:,} | {f(r[1])} | {f(r[2])} | {f(r[3])} | {r[4]:,} | {r[5]} |" for s, r in table.items()]
    return "\n".join([head] + body)


if __name__ == "__main__":
    print(markdown(grade_table(load(Path(sys.argv[1]) if len(sys.argv) > 1 else CASE))))
