"""Command-line interface: ``python run.py [workbook]``, ``python run.py template [path]``.

Exit codes: 0 success, 2 bad input (the message names file, sheet, row and column), 3 the model
has no solution (infeasible, unbounded, time limit), 4 ``reproduce`` found different numbers,
1 an unexpected error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.analysis.commands import COMMANDS as WORKFLOW_COMMANDS
from model.analysis.commands import add_commands as add_workflow_commands
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
    run = run_case(path, outputs=args.outputs, argv=sys.argv, backend=getattr(args, "backend", "highs"),
                   method=getattr(args, "method", "auto"))
    if not args.quiet:
        _print_summary(run)
    for warning in run.solution.warnings:
        print(f"Numerical warning: {warning}", file=sys.stderr)
    if getattr(args, "verbose", False) and not args.quiet:
        print("Timings: " + ", ".join(f"{k[:-2] if k.endswith('_s') else k} {v:.2f} s"
                                      for k, v in run.timings.items()))
        for f in sorted(run.folder.iterdir()):
            print(f"  {f.name}")
    return EXIT_OK


def _print_summary(run) -> None:
    sol, res = run.solution, run.results
    print(f"Status: {sol.status}; total cost (present value): {sol.objective:,.0f} EUR")
    print(f"Method: {run.method}" + (f" ({run.method_reason})" if run.method_reason else ""))
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


def _cmd_scenarios(args) -> int:
    """Generate single-country disruption scenarios into a new workbook."""
    from model.stochastic import generate_single_country
    from model.validate import load

    data = load(args.workbook)
    split = lambda text: [x.strip() for x in text.split(",") if x.strip()]  # noqa: E731
    rates = {}
    for item in args.rate_country or []:
        country, _, value = item.partition("=")
        rates[country.strip()] = float(value)
    if args.systematic:
        from model.stochastic import generate_systematic, record_rates

        events = load(args.events) if args.events else None
        new = generate_systematic(
            data, record_rates(args.record, data.countries),
            severities=[float(x) for x in split(args.severities or "0.5,1")],
            durations=[float(x) for x in split(args.durations or "1,2")],
            start_years=[int(x) for x in split(args.start_years or "2028,2033")], min_share=args.min_share,
            events=events, price_multiplier=args.price_multiplier)
        return _write_scenarios(Path(args.output), new)
    materials = split(args.materials) if args.materials else data.materials
    countries = split(args.countries) if args.countries else None
    if rates and countries is None:
        countries = sorted(rates)
    rate = {c: rates.get(c, args.rate) for c in (countries or data.countries)} if rates else args.rate
    new = generate_single_country(
        data, materials, split(args.stages), countries=countries,
        severities=[float(x) for x in split(args.severities or "1")],
        durations=[float(x) for x in split(args.durations or "1")],
        start_years=[int(x) for x in split(args.start_years)] if args.start_years else None,
        annual_rate=rate, price_multiplier=args.price_multiplier)
    return _write_scenarios(Path(args.output), new)


def _write_scenarios(out: Path, new) -> int:
    from model.io.template import write_model_data

    write_model_data(out, new)
    print(f"{len(new.scenarios) - 1} disruption scenarios (nominal {new.probability['nominal']:.3f}) "
          f"written to {out}")
    return EXIT_OK


def _cmd_assess(args) -> int:
    """Baseline assessment of a workbook's data against the benchmarks (nothing is optimised)."""
    from datetime import datetime, timezone

    from model.analysis.assess import assess_workbook, format_table, write_assessment
    from model.pipeline import _slug

    path = Path(args.workbook) if args.workbook else default_case()
    table, data = assess_workbook(path, args.year)
    case = _slug(str(data.settings.get("case_name") or path.stem))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = write_assessment(table, Path(args.outputs) / f"{case}-assessment-{stamp}.xlsx", case)
    print(f"Baseline assessment of {path.name} ({table['year'].iloc[0] if len(table) else '-'}): "
          "EU shares of consumption and the largest third country per stage")
    print(format_table(table))
    print(f"Written: {out}")
    return EXIT_OK


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"template", "run", "scenarios", "assess"}
    commands |= set(WORKFLOW_COMMANDS)  # compare, sweep, export, reproduce (model/analysis/commands.py)
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
    p.add_argument("-v", "--verbose", action="store_true", help="also print timings and the run folder's files")
    p.add_argument("--backend", choices=("highs", "pyomo"), default="highs",
                   help="highs (default): the model's matrix passed to HiGHS in one call; pyomo: the "
                        "same model built as a Pyomo ConcreteModel and solved through Pyomo (same "
                        "results, slower; a check)")
    p.add_argument("--method", choices=("auto", "extensive", "decomposed"), default="auto",
                   help="auto (default): the exact decomposition by groups of coupled materials when it "
                        "applies (risk neutral, several scenarios and groups), else the extensive form; "
                        "extensive: always the extensive form (same results)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("template", help="write the blank input template")
    p.add_argument("path", nargs="?", default=str(ROOT / "inputs" / "template.xlsx"))
    p.set_defaults(func=_cmd_template)
    p = sub.add_parser("scenarios", help="generate single-country disruption scenarios into a new workbook",
                       description="Every single-country disruption of the chosen materials and stages "
                       "becomes a scenario; probabilities from an annual disruption rate per country "
                       "(split over the severity and duration options; nominal takes the rest).")
    p.add_argument("workbook", help="input .xlsx to add scenarios to (its own scenarios are replaced)")
    p.add_argument("-o", "--output", required=True, help="the new workbook")
    p.add_argument("--materials", help="comma-separated materials (default: all)")
    p.add_argument("--stages", default="processing", help="comma-separated stages (default: processing)")
    p.add_argument("--countries", help="comma-separated countries (default: every supplier)")
    p.add_argument("--severities", help="shares of supply lost, e.g. 0.5,1 (default 1; systematic: 0.5,1)")
    p.add_argument("--durations", help="durations in years, e.g. 0.5,1,2 (default 1; systematic: 1,2)")
    p.add_argument("--start-years", help="comma-separated start years (default: every year; systematic: 2028,2033)")
    p.add_argument("--rate", type=float, default=0.02, help="annual disruption rate per country (default 0.02)")
    p.add_argument("--rate-country", action="append", metavar="CC=RATE",
                   help="a country's own rate, e.g. CN=0.1 (repeatable)")
    p.add_argument("--price-multiplier", type=float, default=1.0, help="price multiplier during an event")
    p.add_argument("--systematic", action="store_true",
                   help="the systematic set (docs/decomposition.md): every third-country supplier above "
                        "--min-share at each stage of each strategic material, each severity, duration and "
                        "start year (default 2028,2033), with annual rates per country from --record, plus "
                        "the multi-material scenarios of --events")
    p.add_argument("--min-share", type=float, default=0.02, help="systematic: smallest supplier share (0.02)")
    p.add_argument("--record", default=str(ROOT / "data" / "reference" / "disruptions.csv"),
                   help="systematic: the record of past disruptions the rates are counted from")
    p.add_argument("--events", help="systematic: a workbook whose multi-material scenarios are added")
    p.set_defaults(func=_cmd_scenarios)
    p = sub.add_parser("assess", help="baseline assessment against the benchmarks (no optimisation)",
                       description="EU extraction, processing and recycling shares of consumption and "
                       "the largest third-country share per stage in the first year, from the data.")
    p.add_argument("workbook", nargs="?", help=f"input .xlsx (default: {default_case().name})")
    p.add_argument("--year", type=int, help="year to assess (default: the first year)")
    p.add_argument("--outputs", default=str(ROOT / "outputs"), help="folder for the assessment file")
    p.set_defaults(func=_cmd_assess)
    add_workflow_commands(sub, ROOT)
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
