"""Reading the input workbook and writing the results workbook, today's code against the code
before the reader moved to python-calamine (frozen in bench/legacy_io/), side by side in one run.

``python bench/io_bench.py`` (from the project root) solves each case once, then times, best of
``--repeat`` runs, alternating old and new so that both see the same machine load:

* read: ``read_workbook`` (every cell of the input checked) of the frozen EU workbook
  (bench/fixtures/eu_crma_frozen.xlsx) and of the largest synthetic instance S5
  (bench/generate.py: 40 materials, 40 countries, 16 years, 30 scenarios);
* write: ``write_results`` of their results (the results.xlsx of a run);
* the XlsxWriter candidate (when xlsxwriter is installed: ``pip install -e ".[bench]"``): the
  tidy tables' cells alone written with XlsxWriter in constant-memory mode (no summary, charts or
  styles), a lower bound of what a writer on XlsxWriter would take.

It prints one table with the seconds before and after and their ratio, and read + write per case
against the target (at most half of before). ``--quick`` leaves S5 out; ``--json PATH`` writes
the numbers. Other processes share the machine: compare ratios within one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EU_FROZEN = ROOT / "bench" / "fixtures" / "eu_crma_frozen.xlsx"
S5 = dict(materials=40, countries=40, years=16, scenarios=30)


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _side_by_side(old, new, repeat: int) -> tuple[float, float]:
    """Best times of ``old`` and ``new``, run alternately."""
    o, n = float("inf"), float("inf")
    for _ in range(repeat):
        o = min(o, _best(old, 1))
        n = min(n, _best(new, 1))
    return o, n


def xlsxwriter_tables(path: Path, tables: dict) -> None:
    """The tidy tables' header and cells with XlsxWriter (constant memory, text as text)."""
    import math

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    for name, df in tables.items():
        ws = wb.add_worksheet(name[:31])
        ws.write_row(0, 0, [str(c) for c in df.columns])
        cols = [df[c].tolist() for c in df.columns]
        for i, row in enumerate(zip(*cols), start=1):
            for j, v in enumerate(row):
                if v is None or (isinstance(v, float) and not math.isfinite(v)):
                    continue
                if isinstance(v, str):
                    ws.write_string(i, j, v)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                else:
                    ws.write_number(i, j, v)
    wb.close()


def bench_case(name: str, workbook: Path, tmp: Path, repeat: int) -> list[dict]:
    from bench.legacy_io import read as old_read
    from bench.legacy_io import write as old_write
    from model.io import read as new_read
    from model.io import write as new_write
    from model.pipeline import solve_workbook

    results = solve_workbook(workbook).results
    cells = sum(df.size for df in results.tables.values())
    info = {"case": name, "objective": results.objective}
    out = []
    o, n = _side_by_side(lambda: old_read.read_workbook(workbook), lambda: new_read.read_workbook(workbook), repeat)
    out.append(dict(info, phase="read", before_s=o, after_s=n))
    o, n = _side_by_side(lambda: old_write.write_results(tmp / f"{name}-old.xlsx", results, {"case": name}),
                         lambda: new_write.write_results(tmp / f"{name}-new.xlsx", results, {"case": name}),
                         repeat)
    out.append(dict(info, phase="write", before_s=o, after_s=n, cells=cells))
    if name == "EU":  # reading a results workbook back (compare, reproduce, export); S5's takes minutes before
        book = tmp / f"{name}-new.xlsx"
        ro, rn = _side_by_side(lambda: old_write.read_results(book), lambda: new_write.read_results(book), repeat)
        out.append(dict(info, phase="read results back (not in the target)", before_s=ro, after_s=rn))
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        print("(xlsxwriter not installed: the candidate is not timed; pip install -e \".[bench]\")")
    else:
        x = _best(lambda: xlsxwriter_tables(tmp / f"{name}-xw.xlsx", results.tables), 1)
        out.append(dict(info, phase="write: XlsxWriter, table cells only", before_s=o, after_s=x, cells=cells))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the EU case only (no S5)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    ap.add_argument("--json", help="write the numbers to this file")
    ap.add_argument("--write-doc", action="store_true", help="write the table to docs/io-performance.md")
    a = ap.parse_args(argv)
    from bench.generate import write_instance

    tmp = Path(tempfile.mkdtemp(prefix="crm-io-bench-"))
    cases = [("EU (frozen)", EU_FROZEN)]
    if not a.quick:
        cases.append(("S5", write_instance(tmp / "S5.xlsx", **S5)))
    rows = []
    for name, path in cases:
        rows += bench_case(name.split()[0], path, tmp, a.repeat)
    print(f"\n{'case':<5} {'phase':<38} {'before s':>9} {'after s':>9} {'after/before':>13}")
    for r in rows:
        print(f"{r['case']:<5} {r['phase']:<38} {r['before_s']:9.3f} {r['after_s']:9.3f} "
              f"{r['after_s'] / r['before_s']:12.2f}x")
    summary = []
    for case in dict.fromkeys(r["case"] for r in rows):
        rw = [r for r in rows if r["case"] == case and r["phase"] in ("read", "write")]
        before, after = sum(r["before_s"] for r in rw), sum(r["after_s"] for r in rw)
        ok = after <= 0.5 * before
        summary.append(dict(case=case, before_s=before, after_s=after, ratio=after / before, target_met=ok))
        print(f"{case:<5} {'read + write':<38} {before:9.3f} {after:9.3f} {after / before:12.2f}x   "
              f"target <= 0.50x: {'met' if ok else 'NOT met'}")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "read_write": summary}, indent=2), encoding="utf-8")
    if a.write_doc:
        write_doc(ROOT / "docs" / "io-performance.md", rows, summary, a)
    return 0


def write_doc(path: Path, rows: list[dict], summary: list[dict], args) -> None:
    import os
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cmd = "python bench/io_bench.py" + (" --quick" if args.quick else "") + f" --repeat {args.repeat} --write-doc"
    lines = ["# Reading and writing workbooks", "",
             f"Generated by `{cmd}` on {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} CPUs, "
             f"{platform.platform()}, Python {platform.python_version()}; load average {load:.1f} when it "
             "finished: other processes shared the machine, so compare the ratios of one run, not times "
             "across runs). *Before*: the reader and writer frozen in `bench/legacy_io/` (openpyxl's "
             "streaming reader; the writer before the summary, chart and escaping changes). *After*: "
             "`model/io/read.py` (python-calamine) and `model/io/write.py` (table sheets and chart data as "
             "XML, charts from a DrawingML template, table sheets deflated with ISA-L when the isal package "
             "is installed). *Read results back*: `read_results` (openpyxl's streaming reader before, "
             "python-calamine after), used by compare, reproduce and export; it is not part of the target. "
             "Best of the runs, old and new alternating.", "",
             "| case | phase | before s | after s | after / before |", "|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['phase']} | {r['before_s']:.3f} | {r['after_s']:.3f} | "
                     f"{r['after_s'] / r['before_s']:.2f} |")
    for r in summary:
        lines.append(f"| {r['case']} | **read + write** | {r['before_s']:.3f} | {r['after_s']:.3f} | "
                     f"**{r['ratio']:.2f}** |")
    lines += ["", "EU: `bench/fixtures/eu_crma_frozen.xlsx`; S5: `bench/generate.py` with 40 materials, 40 "
              "countries, 16 years, 30 scenarios (the largest instance of `bench/run.py`). "
              "*XlsxWriter, table cells only*: the tidy tables' cells written with XlsxWriter in constant-memory "
              "mode, without the summary, charts or styles: a lower bound for a writer on XlsxWriter, timed "
              "against the whole of the writer before. XlsxWriter writes cell by cell in Python; the results "
              "writer writes a table's body a column at a time into the sheet XML (`model/io/sheet_xml.py`), "
              "so it stays.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
