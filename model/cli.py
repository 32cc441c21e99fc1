"""Command-line interface: ``python run.py [workbook]``, ``python run.py template [path]``.

Exit codes: 0 success, 2 bad input (the message names file, sheet, row and column), 3 the model
has no solution (infeasible, unbounded, time limit), 1 an unexpected error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.errors import InputError, ModelError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = (ROOT / "inputs" / "eu_crma.xlsx", ROOT / "inputs" / "example.xlsx")
EXIT_OK, EXIT_ERROR, EXIT_INPUT, EXIT_MODEL = 0, 1, 2, 3


def default_case() -> Path:
    for p in DEFAULT_CASES:
        if p.exists():
            return p
    return DEFAULT_CASES[-1]


def _cmd_run(args) -> int:
    from model.pipeline import run_case

    path = Path(args.workbook) if args.workbook else default_case()
    if not args.quiet:
        print(f"Running {path.name} ...", flush=True)
    run = run_case(path, outputs=args.outputs, argv=sys.argv)
    if not args.quiet:
        _print_summary(run)
    return EXIT_OK


def _print_summary(run) -> None:
    sol, res = run.solution, run.results
    print(f"Status: {sol.status}; total cost (present value): {sol.objective:,.0f} EUR")
    print(f"Model: {sol.n_rows:,} rows, {sol.n_cols:,} columns"
          + (f", {sol.n_integer:,} integer, MIP gap {sol.mip_gap or 0:.2%}" if sol.is_mip else ""))
    comp = res["compliance"]
    if len(comp):
        missed = comp.loc[~comp["met"]]
        print(f"Benchmark rows: {len(comp):,}, missed: {len(missed):,}")
        for _, r in missed.drop_duplicates(["material", "benchmark", "stage"]).head(10).iterrows():
            print(f"  missed: {r['benchmark']} ({r['stage']}) for {r['material']} in {r['year']}: "
                  f"{r['achieved_share']:.1%} vs target {r['target_share']:.1%}")
    print(f"Results: {run.folder / 'results.xlsx'}")


def _cmd_template(args) -> int:
    from model.io.template import write_template

    path = write_template(args.path)
    print(f"Blank template written to {path}")
    return EXIT_OK


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"template", "run"}
    if not argv or argv[0] not in commands and not argv[0].startswith("-"):
        argv = ["run"] + argv
    elif argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["run"] + argv
    parser = argparse.ArgumentParser(
        prog="run.py", description="Critical raw materials sourcing, capacity and stockpile model "
        "(CRMA benchmarks). Without a command: run the default case or the given workbook.")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("run", help="solve a workbook and write a run folder (the default command)")
    p.add_argument("workbook", nargs="?", help=f"input .xlsx (default: {default_case().name})")
    p.add_argument("--outputs", default=str(ROOT / "outputs"), help="folder for run folders")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("template", help="write the blank input template")
    p.add_argument("path", nargs="?", default=str(ROOT / "inputs" / "template.xlsx"))
    p.set_defaults(func=_cmd_template)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"No result: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except KeyboardInterrupt:
        print("Interrupted; no results were written.", file=sys.stderr)
        return EXIT_ERROR
