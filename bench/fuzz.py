"""Fuzz the whole run with mutated workbooks and count what happens.

    python bench/fuzz.py --n 10000 --jobs 2

Each case copies one of the shipped examples (several materials and years; with disruption
scenarios; with buyers, tiers and a contract), applies 1 to 3 random mutations (a cell set to a
number, a huge or tiny number, NaN, infinity, text, a date, a boolean, a formula, an id, a long
string; a row deleted, duplicated or swapped; a column scaled; a sheet renamed, copied, added or
deleted) and runs it through the command line (``model.cli.main``) into a fresh outputs folder.

Counted:
- ``tracebacks``: an exception escaped the command line (must be 0);
- ``bad outcome``: an exit code other than 0, 2 or 3, or an outcome that breaks its promise
  (exit 2 without the workbook's name in the message; exit 3 or 2 with a run folder; exit 0
  without exactly one complete run folder);
- ``wrong answers``: an exit-0 run whose numbers break what any answer must satisfy: the run
  folder's input hash is its copy's; every table number is finite; unmet demand lies between 0 and
  the demand; every hard benchmark row is met; the cost components add up to the objective (risk
  neutral runs); the objective equals a fresh solve of the run folder's input copy (every
  ``--resolve-every``-th solved case).

Every mutation is reproducible from ``--seed`` and its index; ``--show`` prints the failures.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASES = ("example.xlsx", "example_disruptions.xlsx", "example_purchasing.xlsx")
TEXTS = ("", " ", "x", " x", "all", "EU", "CN", "nominal", "gallium", "ndpr", "processing", "extraction",
         "recycling", "yes", "no", "hard", "soft", "capacity", "flow", "65%", "1,5", "1.234,5", "2030",
         "=1+1", "=A1*2", "@SUM(A1)", "+1", "-x", "#N/A", "#DIV/0!", "\u0433\u0430\u043b\u043b\u0438\u0439",
         "tab\there", "line\nbreak", "x" * 300, "\u00a0", "None", "nan", "inf", "TRUE")


def random_value(rng: random.Random):
    kind = rng.randrange(10)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0, 1, -1, 2, 0.5, 65, 100, 1900, 2024, 2025, 2030, 2040, 2200, 2201, 99999])
    if kind == 2:
        return rng.choice([1e-300, 1e-12, 1e9, 1e10, 1.0000001e10, 1e12, 1e15, 1e16, 1e21, 1e300, 1e308,
                           -1e308, 5e-324])
    if kind == 3:
        return rng.choice([math.nan, math.inf, -math.inf])
    if kind == 4:
        return rng.uniform(-1e6, 1e6)
    if kind == 5:
        return rng.choice(TEXTS)
    if kind == 6:
        return rng.choice([True, False])
    if kind == 7:
        return datetime(rng.randrange(1900, 2100), rng.randrange(1, 13), rng.randrange(1, 28))
    if kind == 8:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 12)))
    return rng.uniform(0, 1)


def _cell(ws, rng):
    rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
    return ws.cell(row=rng.randrange(1, rows + 2), column=rng.randrange(1, cols + 2))


def mutate(wb, rng: random.Random) -> str:
    """Apply one random mutation to the openpyxl workbook; return a description of it."""
    ws = rng.choice(wb.worksheets)
    op = rng.choices(["cell", "clear", "scale", "delete_row", "duplicate_row", "swap", "rename_sheet",
                      "copy_sheet", "add_sheet", "delete_sheet"],
                     weights=[50, 8, 10, 6, 6, 6, 4, 3, 3, 4])[0]
    if op == "cell":
        c = _cell(ws, rng)
        c.value = v = random_value(rng)
        return f"{ws.title}!{c.coordinate} = {v!r}"[:120]
    if op == "clear":
        c = _cell(ws, rng)
        c.value = None
        return f"{ws.title}!{c.coordinate} cleared"
    if op == "scale":
        col = rng.randrange(1, max(ws.max_column, 1) + 1)
        k = rng.choice([0.0, -1.0, 1e-9, 1e-3, 10.0, 1e6, 1e9])
        for r in range(2, ws.max_row + 1):
            c = ws.cell(row=r, column=col)
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                c.value = c.value * k
        return f"{ws.title} column {col} x {k:g}"
    if op == "delete_row" and ws.max_row >= 1:
        r = rng.randrange(1, ws.max_row + 1)
        ws.delete_rows(r)
        return f"{ws.title} row {r} deleted"
    if op == "duplicate_row" and ws.max_row >= 1:
        r = rng.randrange(1, ws.max_row + 1)
        ws.append([c.value for c in ws[r]])
        return f"{ws.title} row {r} duplicated"
    if op == "swap" and ws.max_row >= 3:
        col = rng.randrange(1, max(ws.max_column, 1) + 1)
        a, b = rng.sample(range(2, ws.max_row + 1), 2)
        ca, cb = ws.cell(row=a, column=col), ws.cell(row=b, column=col)
        ca.value, cb.value = cb.value, ca.value
        return f"{ws.title} column {col} rows {a}<->{b} swapped"
    if op == "rename_sheet":
        name = rng.choice([ws.title[:-1] or "x", ws.title.upper(), ws.title + " (2)", "notes",
                           ws.title.replace("o", "\u043e"), ws.title.replace("_", " "), "Sheet9"])
        if name not in wb.sheetnames:
            old, ws.title = ws.title, name
            return f"sheet {old} renamed {name!r}"
    if op == "copy_sheet":
        copy = wb.copy_worksheet(ws)
        return f"sheet {ws.title} copied as {copy.title!r}"
    if op == "add_sheet":
        name = rng.choice(["Sheet1", "notes", "my data", "benchmark", "README (2)"])
        if name not in wb.sheetnames:
            wb.create_sheet(name).append(["x", 1])
            return f"sheet {name!r} added"
    if op == "delete_sheet" and len(wb.worksheets) > 1:
        del wb[ws.title]
        return f"sheet {ws.title} deleted"
    return "no change"


def check_answer(folder: Path, run=None, resolve: bool = True) -> list[str]:
    """What any answer must satisfy; returns the broken promises (empty when the answer is sound).

    ``run``: the Run the command solved (its tables are what the writer received); with
    ``resolve`` the run folder's input copy is solved again and must give the recorded objective
    (and, without ``run``, its tables are the ones checked)."""
    import openpyxl

    from model.io.runfolder import sha256
    from model.pipeline import solve_data
    from model.validate import load

    problems = []
    manifest = json.loads((folder / "manifest.json").read_text())
    copy = folder / manifest.get("input_copy", "input.xlsx")
    if manifest["input_sha256"] != sha256(copy):
        problems.append("the manifest's input hash is not its copy's")
    wb = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)  # a whole archive
    if len(wb.sheetnames) < 5:
        problems.append(f"results.xlsx has only the sheets {wb.sheetnames}")
    wb.close()
    objective = manifest["solver"]["objective"]
    if resolve:
        again = solve_data(load(copy))
        if abs(again.solution.objective - objective) > 1e-6 * max(1.0, abs(objective)):
            problems.append(f"a fresh solve of the copy gives {again.solution.objective:,.2f}, the run "
                            f"{objective:,.2f}")
        run = run or again
    if run is None:
        return problems
    tables = run.results.tables
    for name, df in tables.items():
        nums = df.select_dtypes("number")
        if len(nums) and not all(nums[c].dropna().map(math.isfinite).all() for c in nums.columns):
            problems.append(f"non-finite number in table {name}")
    u = tables.get("unmet")
    if u is not None and len(u):
        if ((u["unmet_t"] < -1e-6) | (u["unmet_t"] > u["demand_t"] * (1 + 1e-6) + 1e-6)).any():
            problems.append("unmet demand outside 0..demand")
    c = tables.get("compliance")
    if c is not None and len(c):
        hard = c.loc[c["enforcement"] == "hard"]
        if len(hard) and not hard["met"].all():
            problems.append("a hard benchmark row is not met")
    if "cost_summary" in tables and not manifest["settings"].get("risk_weight"):
        total = tables["cost_summary"]["present_value_eur"].sum()
        if abs(total - objective) > 1e-6 * max(1.0, abs(objective)):
            problems.append(f"the cost components add up to {total:,.2f}, the objective is {objective:,.2f}")
    return problems


class _Capture:
    """Wraps model.pipeline.run_case (which the command line looks up when it runs) to keep the Run."""

    def __init__(self):
        import model.pipeline as pipeline

        self.pipeline, self.real, self.run = pipeline, pipeline.run_case, None

    def __call__(self, *a, **k):
        self.run = self.real(*a, **k)
        return self.run

    def __enter__(self):
        self.pipeline.run_case = self
        return self

    def __exit__(self, *exc):
        self.pipeline.run_case = self.real


def one_case(args) -> dict:
    """Mutate, run, classify one case (index ``i`` of seed ``seed``)."""
    seed, i, keep, resolve, bases = args
    import openpyxl

    from model.cli import main

    rng = random.Random(seed * 1_000_003 + i)
    base = ROOT / "inputs" / bases[i % len(bases)]
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        path = work / "case.xlsx"
        wb = openpyxl.load_workbook(base)
        what = [mutate(wb, rng) for _ in range(rng.randrange(1, 4))]
        wb.save(path)
        out = work / "out"
        buf_out, buf_err = io.StringIO(), io.StringIO()
        rec = {"i": i, "base": base.name, "mutations": what}
        try:
            with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err), _Capture() as cap:
                code = main([str(path), "--outputs", str(out), "-q"])
        except BaseException:  # noqa: BLE001 - counting exactly these is the point
            rec.update(outcome="traceback", detail=traceback.format_exc(limit=6))
            return rec
        err = buf_err.getvalue()
        rec["code"] = code
        folders = [p for p in out.iterdir() if p.is_dir()] if out.exists() else []
        bad = []
        if code not in (0, 2, 3):
            bad.append(f"exit code {code}")
        if "Traceback" in err or "Traceback" in buf_out.getvalue():
            rec.update(outcome="traceback", detail=err[-2000:])
            return rec
        if code == 0:
            if len(folders) != 1 or not (folders[0] / "results.xlsx").exists():
                bad.append(f"exit 0 with folders {[p.name for p in folders]}")
        else:
            if folders:
                bad.append(f"exit {code} left folders {[p.name for p in folders]}")
            if code == 2 and "case.xlsx" not in err:
                bad.append("exit 2 without the workbook's name")
        if bad:
            rec.update(outcome="bad outcome", detail="; ".join(bad) + "\n" + err[-1000:])
            return rec
        if code == 0:
            problems = check_answer(folders[0], cap.run, resolve=resolve)
            if problems:
                rec.update(outcome="wrong answer", detail="; ".join(problems))
                if keep:
                    shutil.copy(path, Path(keep) / f"wrong-{seed}-{i}.xlsx")
                return rec
        rec["outcome"] = {0: "solved", 2: "bad input", 3: "no solution"}[code]
        return rec
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(n: int, seed: int = 0, jobs: int = 1, keep: str | None = None, progress=None,
        resolve_every: int = 1, bases=BASES) -> tuple[Counter, list]:
    """Run n mutated cases; return (counts by outcome, the records of failures). The answers of
    every ``resolve_every``-th case are checked against a fresh solve."""
    counts, failures = Counter(), []
    tasks = [(seed, i, keep, i % resolve_every == 0, tuple(bases)) for i in range(n)]
    if jobs > 1:
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(jobs)
        results = pool.imap_unordered(one_case, tasks, chunksize=4)
    else:
        pool, results = None, map(one_case, tasks)
    t0 = time.time()
    try:
        for k, rec in enumerate(results, 1):
            counts[rec["outcome"]] += 1
            if rec["outcome"] in ("traceback", "bad outcome", "wrong answer"):
                failures.append(rec)
            if progress and k % 500 == 0:
                progress(f"{k:,}/{n:,} in {time.time() - t0:,.0f} s: " + ", ".join(f"{o} {c:,}" for o, c in sorted(counts.items())))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return counts, failures


def summary(counts: Counter, n: int) -> str:
    return (f"mutated workbooks: {n:,}; tracebacks: {counts['traceback']:,}; bad outcomes: "
            f"{counts['bad outcome']:,}; wrong answers: {counts['wrong answer']:,} "
            f"(solved {counts['solved']:,}, bad input {counts['bad input']:,}, no solution "
            f"{counts['no solution']:,})")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="number of mutated workbooks (default 10000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--show", type=int, default=5, help="failures to print in full")
    p.add_argument("--resolve-every", type=int, default=1,
                   help="solve every k-th solved case's input copy again (default 1: every one)")
    p.add_argument("--keep", help="folder to keep the workbooks that gave wrong answers")
    a = p.parse_args(argv)
    t0 = time.time()
    counts, failures = run(a.n, a.seed, a.jobs, a.keep, progress=lambda s: print(s, flush=True),
                           resolve_every=a.resolve_every)
    for rec in failures[:a.show]:
        print(f"--- case {rec['i']} ({rec['base']}): {rec['outcome']}: {rec['mutations']}\n{rec.get('detail', '')}")
    print(summary(counts, a.n) + f"; seed {a.seed}; {time.time() - t0:,.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
