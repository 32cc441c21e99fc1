"""Generate docs/inputs.md from the registry: ``python -m model.docs`` rewrites it."""
from __future__ import annotations

from pathlib import Path

from model import registry as R
from model.io.template import readme_rows

ROOT = Path(__file__).resolve().parent.parent
INPUTS_MD = ROOT / "docs" / "inputs.md"

INTRO = """# Input workbook contract

Generated from `model/registry.py` by `python -m model.docs`; do not edit by hand (a test checks
that this file matches the registry).

An input workbook has one sheet per table in long format: key columns first, then value columns,
one row per key. Headers may carry their unit in brackets (`price [EUR/t]`); a header whose unit
differs from the one below is an error. Blank cells take the default shown. Every parameter sheet
may also carry `source`, `confidence` (A: read in the source; B: a standard figure whose source is
named; C: an assumption, with its derivation in `note`) and `note` columns; the model ignores them,
the results copy the input workbook so that they travel with every run.

The `sets` sheet declares the materials, countries, stages and years; every key column of every
other sheet is checked against it (and the template offers them as drop-down lists). `EU` must be
declared as a country: it is the domestic origin. Years are consecutive. `python run.py template`
writes a blank template with all sheets, headers, this table as a README sheet, and drop-downs.

Sheets: {sheets}. Any other sheet is an error (so that a misspelled or copied sheet is not
silently ignored), except sheets of your own whose names start with {extra} (in any case).

| sheet | column | kind | unit | default (blank cell) | allowed | description |
|---|---|---|---|---|---|---|
"""


def inputs_markdown() -> str:
    sheets = ", ".join(f"`{s}`" for s in [R.SETS_SHEET] + [t.sheet for t in R.TABLES])
    extra = ", ".join(f"`{p}`" for p in R.EXTRA_SHEET_PREFIXES)
    lines = [INTRO.format(sheets=sheets, extra=extra)]
    for row in readme_rows():
        cells = [str(x).replace("|", "\\|") for x in row]
        lines.append("| " + " | ".join(cells) + " |\n")
    lines.append("\n## Tables\n\n")
    for t in R.TABLES:
        keys = ", ".join(c.name for c in t.keys)
        req = "required" if t.required else "optional"
        lines.append(f"- `{t.sheet}` ({req}; key: {keys}): {t.description}\n")
    return "".join(lines)


def main() -> None:
    INPUTS_MD.write_text(inputs_markdown(), encoding="utf-8")
    print(f"wrote {INPUTS_MD.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
