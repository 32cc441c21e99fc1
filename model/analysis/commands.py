"""The workflow commands of ``python run.py``: compare, sweep, export, reproduce.

``add_commands(sub, root)`` adds them to the command line's subparsers; each returns an exit code
(0 ok; 1 error; 2 bad input; 3 no solution; 4 reproduce found different numbers). Bad input is
raised as ``InputError`` and a model without a solution as ``ModelError``; ``model.cli`` turns
those into exit codes 2 and 3.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

COMMANDS = ("compare", "sweep", "export", "reproduce")
EXIT_OK, EXIT_MODEL, EXIT_MISMATCH = 0, 3, 4


def _verbosity(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    g.add_argument("-v", "--verbose", action="store_true", help="print more detail")


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


# ---- compare ------------------------------------------------------------------------------------
def cmd_compare(args) -> int:
    from model.analysis.compare import compare

    out = Path(args.output) if args.output else Path(args.outputs) / f"compare-{_stamp()}.xlsx"
    if not args.quiet:
        _err(f"Comparing {len(args.runs)} runs ...")
    path, tables = compare(args.runs, out, quiet=args.quiet)
    if not args.quiet:
        s = tables["summary"]
        base = s["run"].iloc[0]
        for r in tables["scope"].itertuples(index=False):
            if r.differences != "baseline" and r.differences:
                print(f"Scope: {r.run} against {base}: {r.differences}")
        print(f"{'run':<32} {'objective (EUR)':>20} {'vs ' + base:>22} {'missed, main':>13} {'missed, exp.':>13}")
        for r in s.itertuples(index=False):
            print(f"{r.run[:32]:<32} {r.objective_eur:>20,.0f} {r.diff_eur:>+22,.0f} "
                  f"{r.rows_missed_main_scenario:>13,} {r.rows_missed_expected:>13,.1f}")
        print("(benchmark rows missed in the main scenario, and probability-weighted over each run's scenarios)")
        if args.verbose:
            c = tables["costs"]
            for col in [col for col in c.columns if str(col).endswith(f" - {base}")]:
                changed = c.loc[c[col].abs() > 1e-6 * c[base].abs().clip(lower=1.0)]
                for material, component, d in zip(changed["material"], changed["component"], changed[col]):
                    print(f"  {col}: {material} {component}: {d:+,.0f} EUR")
        print(f"Comparison: {path}")
    return EXIT_OK


# ---- sweep --------------------------------------------------------------------------------------
def cmd_sweep(args) -> int:
    from model.analysis.sweep import parse_param, parse_values, run_sweep, write_sweep
    from model.validate import load

    param = parse_param(args.param, material=args.material, country=args.country, stage=args.stage)
    values = parse_values(args.values, args.range)
    for v in values:
        param.check(v)
    path = Path(args.workbook)
    if not args.quiet:
        _err(f"Reading {path.name} ...")
    data = load(path)
    case = str(data.settings.get("case_name") or path.stem)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in args.param)
    out = Path(args.output) if args.output else Path(args.outputs) / f"sweep-{case}-{safe}-{_stamp()}.xlsx"
    if not args.quiet:
        _err(f"Sweeping {param.label} over {len(values)} points ...")
    result = run_sweep(data, param, values, progress=None if args.quiet else _err)
    book, fig = write_sweep(result, out, input_name=path.name, figure=args.figure)
    pts = result.points
    solved = pts["objective_eur"].notna()
    if not solved.any():
        statuses = ", ".join(sorted(set(map(str, pts["status"])))) if "status" in pts.columns else "no solution"
        _err(f"No result: none of the {len(pts)} points of the sweep has a solution (status: {statuses}); "
             f"run the workbook at one of the values to see why. The points are listed in {book}")
        return EXIT_MODEL
    if not args.quiet:
        if args.verbose:
            from model.analysis.sweep import objective_is_not_cost

            cols = ("value", "status", "objective_eur", "expected_cost_eur", "cvar_eur", "marginal_pv_eur_per_pp",
                    "slope_eur_per_unit")
            print(pts[[c for c in cols if c in pts.columns]].to_string(index=False))
            if objective_is_not_cost(pts):
                print("objective_eur = expected cost + risk weight x CVaR: the cost is expected_cost_eur")
        if not solved.all():
            _err(f"{int((~solved).sum())} of {len(pts)} points have no solution (status 'no solution').")
        print(f"Sweep: {book}")
        if fig:
            print(f"Figure: {fig}")
        elif args.figure != "none":
            print("No figure: matplotlib is not installed (pip install -e \".[reports]\"); --figure svg needs it not")
    return EXIT_OK


# ---- export -------------------------------------------------------------------------------------
def cmd_export(args) -> int:
    from model.io.export import export_run, parse_formats

    formats = parse_formats(args.formats)
    if not args.quiet:
        _err(f"Exporting {Path(args.run).name} ({', '.join(formats)}) ...")
    files = export_run(args.run, formats, out_dir=args.output, progress=None if args.quiet else _err)
    if not args.quiet:
        if args.verbose:
            for f in files:
                print(f"  {f}")
        folder = files[0].parent if files else Path(args.run)
        root = Path(args.output) if args.output else Path(args.run) / "export"
        print(f"{len(files)} files written to {root if files else folder}")
    return EXIT_OK


# ---- reproduce ----------------------------------------------------------------------------------
def cmd_reproduce(args) -> int:
    from model.analysis.compare import reproduce

    rep = reproduce(args.run, rtol=args.rtol, progress=None if args.quiet else _err)
    if rep.matches:
        if not args.quiet:
            print(rep.report() if args.verbose else
                  f"Reproduced {rep.folder.name}: objective and {len(rep.checked) - 1} tables match "
                  f"(relative tolerance {args.rtol:g}).")
        return EXIT_OK
    print(rep.report(limit=200 if args.verbose else 40))
    return EXIT_MISMATCH


def add_commands(sub, root: Path) -> None:
    """Add the workflow commands to ``sub`` (argparse subparsers)."""
    outputs = str(root / "outputs")
    p = sub.add_parser(
        "compare", help="compare two or more run folders side by side",
        description="Compare run folders (outputs/<case>-<timestamp>/): costs, refined-supply shares, "
        "compliance, stock and capacity side by side, the first run as the baseline, differences "
        "highlighted. Reads each run's results.xlsx.")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folders (two or more)")
    p.add_argument("-o", "--output", help="comparison workbook (default: outputs/compare-<timestamp>.xlsx)")
    p.add_argument("--outputs", default=outputs, help=argparse_default("folder for the default output"))
    _verbosity(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "sweep", help="vary one parameter over a range and solve each point",
        description="Vary one input (a benchmark level, coverage days, a price multiplier, a setting "
        "such as risk_weight, or any number column as <sheet>.<column>) over a range, solve each "
        "point and write the curve (workbook + SVG figure). Example, the cost of autonomy: "
        "python run.py sweep inputs/example.xlsx --param benchmark.processing.level --range 0:0.6:7")
    p.add_argument("workbook", help="input .xlsx")
    p.add_argument("--param", required=True,
                   help="benchmark.<id>.<column> (e.g. benchmark.processing.level), price, coverage_days, "
                   "a setting (risk_weight, discount_rate, ...) or <sheet>.<column>")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--values", help="comma-separated values, e.g. 0,0.2,0.4 (40%% is read as 0.4)")
    g.add_argument("--range", help="start:stop:n, n points from start to stop inclusive, e.g. 0:0.6:7")
    p.add_argument("--material", help="only this material")
    p.add_argument("--country", help="only this country (price, supply.*)")
    p.add_argument("--stage", help="only this stage (price, supply.*, single_country)")
    from model.io.linechart import FIGURE_FORMATS

    p.add_argument("--figure", choices=FIGURE_FORMATS, default="svg",
                   help="format of the figure written beside the workbook (default: svg, drawn without a plotting "
                   "library; png and pdf need matplotlib; none: no figure)")
    p.add_argument("-o", "--output", help="sweep workbook; the figure is written beside it (.svg by default) "
                   "(default: outputs/sweep-<case>-<param>-<timestamp>.xlsx)")
    p.add_argument("--outputs", default=outputs, help=argparse_default("folder for the default output"))
    _verbosity(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "export", help="export a run for papers: IAMC, CSV, figures, LaTeX, Markdown",
        description="Export a run folder: IAMC format (iamc.csv/.xlsx, readable by pyam), every tidy table "
        "as CSV, figures (PNG, PDF, SVG; Okabe-Ito palette) and summary tables (LaTeX, Markdown).")
    p.add_argument("run", metavar="RUN_DIR", help="run folder")
    p.add_argument("--formats", default=",".join(("iamc", "csv", "png", "pdf", "svg", "latex", "md")),
                   help="comma-separated subset of iamc,csv,png,pdf,svg,latex,md (default: all)")
    p.add_argument("-o", "--output", help="folder to write to (default: RUN_DIR/export)")
    _verbosity(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "reproduce", help="re-run a past run from its input copy and check the numbers match",
        description="Re-solve a run folder from its copy of the input workbook and compare the objective "
        "and every result table with the stored results.xlsx. Exit code 0 when they match within the "
        "relative tolerance, 4 (with a report of what differs) when they do not.")
    p.add_argument("run", metavar="RUN_DIR", help="run folder")
    p.add_argument("--rtol", type=_tolerance, default=1e-6,
                   help="relative tolerance: |a - b| <= rtol x max(|a|, |b|, 1) (default 1e-6)")
    _verbosity(p)
    p.set_defaults(func=cmd_reproduce)


def _tolerance(text: str) -> float:
    """--rtol: a relative tolerance from 0 to 1."""
    import argparse

    try:
        x = float(text)
    except ValueError:
        x = -1.0
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"found {text!r}; expected a relative tolerance from 0 to 1, e.g. 1e-6")
    return x


def argparse_default(text: str) -> str:
    return text + " (default: %(default)s)"
