"""The results workbook on large results: a table longer than an Excel sheet is split over sheets
and read back whole, and the fast paths of model.io.write (table bodies and chart data written as
XML, the pivot helper of the charts) give what openpyxl and pandas give. The row limit is made
small (MAX_ROWS) so that no million rows are written."""
from __future__ import annotations

import csv
import itertools
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.io import sheet_xml
from model.io import write as W
from model.pipeline import solve_workbook

ROOT = Path(__file__).resolve().parent.parent
DISRUPTED = ROOT / "inputs" / "example_disruptions.xlsx"
ROWS = 100  # rows of data a sheet holds in the split tests


@pytest.fixture(scope="module")
def results():
    return solve_workbook(DISRUPTED).results


def test_long_table_goes_on_in_numbered_sheets_and_reads_back_whole(results, tmp_path, monkeypatch):
    whole = W.write_results(tmp_path / "whole.xlsx", results, {"case": "whole"})
    monkeypatch.setattr(W, "MAX_ROWS", ROWS + 2)  # a note row and a header row above the data
    monkeypatch.setattr(sheet_xml, "_CHUNK", 7)  # the XML bodies in many chunks
    book = W.write_results(tmp_path / "split.xlsx", results, {"case": "split"})
    assert len(results["sourcing"]) > 4 * ROWS  # the test splits tables over several sheets

    wb = openpyxl.load_workbook(book)
    names = wb.sheetnames
    for name, df in results.tables.items():
        n = max(1, -(-len(df) // ROWS))
        sheets = [W.part_name(name, k) for k in range(1, n + 1)]
        i = names.index(name)
        assert names[i:i + n] == sheets and W.part_name(name, n + 1) not in names
        for k, sheet in enumerate(sheets, start=1):
            ws = wb[sheet]
            rows = df.iloc[(k - 1) * ROWS:k * ROWS]
            assert ws.max_row == 2 + len(rows) <= W.MAX_ROWS
            assert [c.value for c in ws[2]][:len(df.columns)] == list(df.columns)
            assert ws.freeze_panes == "A3"
            note = ws["A1"].value
            assert note.startswith(W.SHEET_NOTES.get(name, "")[:40])
            if n > 1:
                first = (k - 1) * ROWS + 1
                assert f"Part {k} of {n}: rows {first:,} to {first + len(rows) - 1:,} of {len(df):,}" in note
                last = openpyxl.utils.get_column_letter(len(df.columns))
                assert ws.auto_filter.ref == f"A2:{last}{2 + len(rows)}"
            if len(rows):  # the part holds the next rows of the table
                assert [c.value for c in ws[3]][:len(df.columns)][:4] == \
                    [W.safe(v) for v in rows.iloc[0]][:4]
    # the compliance sheets keep their red/green rules, the summary lists the parts
    assert all(wb[s].conditional_formatting for s in names if s.startswith("compliance"))
    listed = [c.value for c in wb["summary"]["A"]]
    assert "sourcing (2)" in listed and "sourcing (5)" in listed

    # read back: the same tables as from the workbook without the limit, and the results
    split_tables, split_info = W.read_results(book)
    whole_tables, whole_info = W.read_results(whole)
    assert list(split_tables) == list(whole_tables) == W.table_names(results)
    for name, df in results.tables.items():
        pd.testing.assert_frame_equal(split_tables[name], whole_tables[name])
        back = split_tables[name]
        assert list(back.columns) == list(df.columns) and len(back) == len(df)
        for col in df.columns:
            if pd.api.types.is_float_dtype(df[col]):
                assert np.array_equal(df[col].to_numpy(float), back[col].to_numpy(float), equal_nan=True)
            elif df[col].dtype == object and len(df) and df[col].map(type).eq(str).all():
                assert back[col].tolist() == [v or None for v in df[col]]  # '' is a blank cell
    assert split_info["case"] == "split" and whole_info["case"] == "whole"


def test_write_frame_refuses_a_body_longer_than_a_sheet(monkeypatch):
    monkeypatch.setattr(W, "MAX_ROWS", 10)
    ws = openpyxl.Workbook().active
    W.write_frame(ws, pd.DataFrame({"x": range(8)}), note="fits: rows 3 to 10", bodies=[])
    with pytest.raises(ValueError, match="more than an Excel sheet holds"):
        W.write_frame(ws, pd.DataFrame({"x": range(9)}), note="one row too many", bodies=[])


def test_xml_bodies_read_back_as_openpyxl_cells(tmp_path):
    n = 400
    rng = np.random.default_rng(7)
    texts = np.array(["EU", " lead", "trail ", "a & b", "<x>", "=1+1", "-5", "@home", "naïve", "two\nlines",
                      "", None, np.nan], dtype=object)
    mixed = np.array([1, 2.5, True, "x", None, np.nan, np.int64(3), np.float64(-0.0), np.inf], dtype=object)
    df = pd.DataFrame({
        "country": rng.choice(texts, n),
        "year": rng.integers(2025, 2050, n),
        "value_t": rng.choice([0.0, -0.0, 1.5, 1e16, 123456.125, -7.25, np.nan, np.inf], n),
        "level": rng.choice([0.25, 0.5, 1.0], n).astype(np.float32),
        "met": rng.random(n) < 0.5,
        "modules": rng.choice(mixed, n),
        "key": [f"row {i}" for i in range(n)],
    })
    wb = openpyxl.Workbook()
    fast, slow = wb.active, wb.create_sheet("slow")
    bodies = []
    W.write_frame(fast, df, note="XML", bodies=bodies)
    W.write_frame(slow, df, note="openpyxl")
    assert len(bodies) == 1
    W._save(wb, tmp_path / "t.xlsx", bodies)

    back = openpyxl.load_workbook(tmp_path / "t.xlsx")
    a, b = back[fast.title], back["slow"]
    assert a.max_row == b.max_row == n + 2
    for ra, rb in zip(a.iter_rows(min_row=3), b.iter_rows(min_row=3)):
        for ca, cb in zip(ra, rb):
            va, vb = (None if v == "" else v for v in (ca.value, cb.value))
            if type(vb) in (int, float):  # numbers as repr (XML) or %.16g (openpyxl): 1.0 or 1
                assert type(va) in (int, float) and va == pytest.approx(vb, rel=1e-15, abs=0.0)
            else:
                assert va == vb and type(va) is type(vb)
            if va is not None:
                assert ca.number_format == cb.number_format
                assert ca.alignment.horizontal == cb.alignment.horizontal


@pytest.mark.parametrize("start_col", [1, 3])
def test_cells_without_references_land_in_their_columns(tmp_path, start_col):
    """Only rows (and the first cell of a table that does not start in column A) carry a reference;
    a blank inside a row is an empty cell that keeps the count. openpyxl, calamine and (where
    installed) LibreOffice read every value in its column; a blank reads as a blank."""
    df = pd.DataFrame({"a": ["x", None, "y", "z"], "b": [1.5, np.nan, -0.0, 3.0],
                       "c": [None, "q", None, "  sp "], "d": [True, False, True, False],
                       "e": [np.nan, np.nan, 2.0, np.nan]})
    expected = [["x", 1.5, None, True, None], [None, None, "q", False, None], ["y", -0.0, None, True, 2.0],
                ["z", 3.0, "  sp ", False, None]]
    wb = openpyxl.Workbook()
    bodies = []
    W.write_frame(wb.active, df, note="note", start_col=start_col, bodies=bodies)
    path = tmp_path / "t.xlsx"
    W._save(wb, path, bodies)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    body = xml[xml.index('<row r="3"'):xml.index("</sheetData>")]
    # 7 blanks, the one in the first column (row 4) written with its reference when it has one
    assert body.count("<c r=") == (len(df) if start_col > 1 else 0)
    assert body.count("<c/>") == (6 if start_col > 1 else 7)
    got = [[c.value for c in row[start_col - 1:]] for row in openpyxl.load_workbook(path).active.iter_rows(min_row=3)]
    assert got == expected
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert sheet.start == (0, start_col - 1)  # calamine drops the empty columns before the table
    got = [[None if v == "" else v for v in row] for row in sheet.to_python()[2:]]
    assert got == expected
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:
        subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "csv",
                        "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=120)
        rows = list(csv.reader((tmp_path / "t.csv").open()))[2:]
        assert [r[start_col - 1:] for r in rows] == [["x", "1.5", "", "TRUE", ""], ["", "", "q", "FALSE", ""],
                                                     ["y", "0", "", "TRUE", "2"], ["z", "3", "  sp ", "FALSE", ""]]


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n) for n in z.namelist()}
    out["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified).*?</dcterms:\1>", b"",
                                      out["docProps/core.xml"])
    return out


def test_chart_data_written_as_xml_is_what_openpyxl_writes(results, tmp_path, monkeypatch):
    xml = _parts(W.write_results(tmp_path / "xml.xlsx", results, {"case": "x"}))
    monkeypatch.setattr(W._DataSheet, "plain", lambda self: False)  # openpyxl cells instead
    cells = _parts(W.write_results(tmp_path / "cells.xlsx", results, {"case": "x"}))
    assert list(xml) == list(cells)
    sheet = next(n for n in xml if n.startswith("xl/worksheets/") and b"present value by material" in xml[n])
    assert xml[sheet].count(b"<c ") > 100
    for name in xml:  # every part the same, the style table and the chart data sheet included
        assert xml[name] == cells[name], name


def _openpyxl_chart(kind):
    """The chart builders of the writer before model/io/chart_xml.py: openpyxl chart objects."""
    from openpyxl.chart import BarChart, LineChart

    from model.io.charts import _title

    def style(ch, title, y_title, y_fmt):
        ch.title = _title(title)
        ch.y_axis.title = y_title
        ch.y_axis.numFmt = y_fmt
        ch.y_axis.number_format = y_fmt
        ch.x_axis.delete = False
        ch.y_axis.delete = False
        ch.width, ch.height = 16.5, 8.0
        ch.legend.position = "b"

    def bar(data, cats, title, y_title, colours, stacked=True, y_fmt="#,##0"):
        ch = BarChart()
        ch.type, ch.gapWidth = "col", 60
        if stacked:
            ch.grouping, ch.overlap = "stacked", 100
        else:
            ch.grouping = "clustered"
        ch.add_data(data, titles_from_data=True)
        ch.set_categories(cats)
        style(ch, title, y_title, y_fmt)
        for s, colour in zip(ch.series, colours):
            s.graphicalProperties.solidFill = colour
            s.graphicalProperties.line.solidFill = colour
        return ch

    def line(data, cats, title, y_title, colours, dashed=(), y_fmt="#,##0", widths=(), y_min=None, y_max=None):
        ch = LineChart()
        ch.add_data(data, titles_from_data=True)
        ch.set_categories(cats)
        style(ch, title, y_title, y_fmt)
        n = len(ch.series)
        for s, colour, dash, width in zip(ch.series, colours, list(dashed) + [False] * n, list(widths) + [None] * n):
            gp = s.graphicalProperties
            gp.line.solidFill = colour
            gp.line.width = int(12700 * width) if width else (28575 if not dash else 19050)
            if dash:
                gp.line.dashStyle = "dash"
            s.marker.symbol = "none"
            s.smooth = False
        if y_min is not None:
            ch.y_axis.scaling.min = y_min
        if y_max is not None:
            ch.y_axis.scaling.max = y_max
        return ch

    return bar if kind == "bar" else line


@pytest.mark.parametrize("case", ["example_disruptions.xlsx", "example_purchasing.xlsx", "eu_crma.xlsx"])
def test_charts_written_from_the_template_are_what_openpyxl_writes(tmp_path, monkeypatch, case):
    """Every part of the workbook (charts, drawing, relationships, content types, sheets) is the
    same, byte for byte, whether the charts are written from the DrawingML template
    (model/io/chart_xml.py) or built and written as openpyxl chart objects, as before."""
    from model.io import charts

    res = solve_workbook(ROOT / "inputs" / case).results
    xml = _parts(W.write_results(tmp_path / "xml.xlsx", res, {"case": "x"}))
    monkeypatch.setattr(charts, "_bar", _openpyxl_chart("bar"))
    monkeypatch.setattr(charts, "_line", _openpyxl_chart("line"))
    objects = _parts(W.write_results(tmp_path / "objects.xlsx", res, {"case": "x"}))
    assert list(xml) == list(objects)
    assert sum(n.startswith("xl/charts/chart") for n in xml) > 5
    assert any(b"<min val=" in xml[n] for n in xml if n.startswith("xl/charts/"))  # the shares' axis
    for name in xml:
        assert xml[name] == objects[name], name


def test_pivot_is_pivot_table():
    rng = np.random.default_rng(3)
    for _ in range(200):
        m = int(rng.integers(0, 30))
        df = pd.DataFrame({"year": rng.choice([2040, 2025, 2030, 2028], m),
                           "origin": rng.choice(["JP", "CN", "EU processing", "stock release"], m),
                           "value_t": np.where(rng.random(m) < 0.3, np.nan, rng.normal(size=m))})
        for agg, fill, sort in itertools.product(["sum", "first"], [None, 0.0], [True, False]):
            expected = df.pivot_table(index="year", columns="origin", values="value_t", aggfunc=agg,
                                      fill_value=fill, sort=sort)
            got = W._pivot(df, "year", "origin", "value_t", agg, fill_value=fill, sort=sort)
            pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("case", ["example_disruptions.xlsx", "example_purchasing.xlsx"])
def test_chart_data_is_what_the_frozen_writer_wrote(tmp_path, case):
    """The charts' numbers (pivots made once per table, not once per material) are those of the
    writer before that change (bench/legacy_io/write.py), cell for cell."""
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.legacy_io import write as legacy

    res = solve_workbook(ROOT / "inputs" / case).results
    new = W.write_results(tmp_path / "new.xlsx", res, {"case": "x"})
    old = legacy.write_results(tmp_path / "old.xlsx", res, {"case": "x"})
    a = _blocks(new)
    b = _blocks(old)
    assert list(a) == list(b) and len(a) > 10
    for title in a:
        if "refined supply by origin" not in title:
            assert a[title] == b[title], title
            continue
        # the suppliers beyond the largest six are now summed as 'other countries': the same
        # years, the same totals, the named origins unchanged
        ha, ra = a[title][0], a[title][1:]
        hb, rb = b[title][0], b[title][1:]
        assert [r[0] for r in ra] == [r[0] for r in rb]
        for x, y in zip(ra, rb):
            assert sum(v or 0 for v in x[1:]) == pytest.approx(sum(v or 0 for v in y[1:]), rel=1e-12)
        for name in ha[1:]:
            if name != "other countries":
                assert [r[ha.index(name)] for r in ra] == [r[hb.index(name)] for r in rb]


def _blocks(book) -> dict:
    """chart_data's blocks: title -> [header, rows...]."""
    out, title = {}, None
    for row in openpyxl.load_workbook(book, read_only=True)["chart_data"].iter_rows(values_only=True):
        row = tuple(v for v in row if v is not None) if row and row[0] is not None else ()
        if not row:
            title = None
        elif title is None:
            title = row[0]
            out[title] = []
        else:
            out[title].append(row)
    return out


def test_stock_chart_of_many_scenarios_keeps_distinct_colours():
    """30 scenarios: the chart draws the main one, the six that depart most from it, and the
    lowest inventory of the other 23 in one series (a colour each, none repeated)."""
    from model.io.charts import STOCK_SERIES, _few_scenarios

    years = list(range(2025, 2031))
    p = pd.DataFrame({f"s{k:02d}": [100.0 - (k % 10 == 3) * 10 * j for j in range(len(years))] for k in range(30)},
                     index=years)
    out = _few_scenarios(p)
    assert list(out.columns[:1]) == ["s00"] and len(out.columns) == STOCK_SERIES + 1
    assert {"s03", "s13", "s23"} <= set(out.columns)  # those that depart from the main scenario
    assert out.columns[-1] == "lowest of the other 23 scenarios"
    rest = [c for c in p.columns if c not in out.columns[:-1]]
    assert out.iloc[:, -1].tolist() == p[rest].min(axis=1).tolist()
    assert _few_scenarios(p.iloc[:, :4]).equals(p.iloc[:, :4])  # few scenarios: all drawn


@pytest.mark.parametrize("case", ["example_purchasing.xlsx", "example_disruptions.xlsx", "eu_crma.xlsx"])
def test_read_results_on_calamine_is_what_openpyxl_read(tmp_path, monkeypatch, case):
    """read_results (python-calamine) gives the tables and run sheet the openpyxl reader before it
    gave (frozen in bench/legacy_io/write.py), dtypes included: calamine reads every number as a
    float and the reader makes whole-number columns integer where the writer's format is none or
    "0" (years, coalition sizes), not where it has decimals (unmet_t all 0.0 stays float). Run on
    a workbook with its tables split over sheets as well."""
    import sys

    sys.path.insert(0, str(ROOT))
    from bench.legacy_io import write as legacy

    res = solve_workbook(ROOT / "inputs" / case).results
    books = [W.write_results(tmp_path / "whole.xlsx", res, {"case": "x", "objective": 1.5})]
    monkeypatch.setattr(W, "MAX_ROWS", ROWS + 2)
    books.append(W.write_results(tmp_path / "split.xlsx", res, {"case": "x"}))
    for book in books:
        new, new_info = W.read_results(book)
        old, old_info = legacy.read_results(book)
        assert list(new) == list(old) and new_info == old_info
        for name in old:
            pd.testing.assert_frame_equal(new[name], old[name], check_exact=True, obj=name)


def test_sheets_deflated_with_or_without_isal_hold_the_same_xml(results, tmp_path, monkeypatch):
    """The table sheets are deflated by ISA-L when the isal package is there, by zlib otherwise:
    the same parts once inflated, and zipfile's own check (CRC) passes on both."""
    fast = W.write_results(tmp_path / "isal.xlsx", results, {"case": "x"})
    monkeypatch.setattr(sheet_xml, "_FAST_DEFLATE", None)
    plain = W.write_results(tmp_path / "zlib.xlsx", results, {"case": "x"})
    for book in (fast, plain):
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None
    assert _parts(fast) == _parts(plain)
