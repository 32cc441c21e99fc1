"""Command-line interface: ``python run.py [workbook]``, ``python run.py template [path]``.

Exit codes: 0 success; 1 the environment stopped the run (output folder missing, read-only or full,
path too long), an interruption (Ctrl-C, SIGTERM) or an unexpected error; 2 bad input (the message
names file, sheet, row and column) or a bad command-line option; 3 the model has no solution
(infeasible, unbounded, time limit); 4 ``reproduce`` found different numbers.
"""
from __future__ import annotations

import argparse
import math
import signal
import sys
from pathlib import Path

from model import registry as R
from model.analysis.commands import COMMANDS as WORKFLOW_COMMANDS
from model.analysis.commands import add_commands as add_workflow_commands
from model.errors import InputError, ModelError, OptionError
from model.io.runfolder import OutputFault, fault_text

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
    from model.progress import ticking

    with ticking(f"solving {path.name}", quiet=args.quiet):
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
    """The one-page answer (as on the summary sheet and in report.html), then where it is."""
    from model.summaries import answer, answer_lines

    sol = run.solution
    print(f"Model: {sol.n_rows:,} rows, {sol.n_cols:,} columns"
          + (f", {sol.n_integer:,} integer, MIP gap {sol.mip_gap or 0:.2%}" if sol.is_mip else ""))
    print(f"Method: {run.method}" + (f" ({run.method_reason})" if run.method_reason else ""))
    info = {"status": sol.status, "setting_risk_weight": run.data.settings.get("risk_weight")}
    for line in answer_lines(answer(run.results.tables, run.results.objective, info)):
        print(line)
    print(f"Results: {run.folder / 'results.xlsx'} (the same answer: {run.folder / 'report.html'})")


def version() -> str:
    """The installed package's version (the one in pyproject.toml)."""
    try:
        from model.io.runfolder import installed_versions

        found = installed_versions(["crm-model"])["crm-model"]
        if found is None:
            raise LookupError("crm-model")
        return found
    except Exception:  # noqa: BLE001 - run from a source tree that was never installed
        import re

        text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def _cmd_template(args) -> int:
    from model.io.template import write_template

    target = Path(args.path)
    if target.exists() and not args.force:
        raise OptionError(f"{target} exists; the template would overwrite it: give another path, or "
                          "--force to overwrite it")
    path = write_template(target)
    print(f"Blank template written to {path}")
    return EXIT_OK


# ---- option values: argparse types that name the value found and what was expected --------------
def _number(lo: float, hi: float, what: str, integer: bool = False):
    def parse(text: str):
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        if not (lo <= x <= hi) or (integer and x != int(x)):
            raise argparse.ArgumentTypeError(f"found {text!r}; expected {what} from {lo:g} to {hi:g}")
        return int(x) if integer else x
    return parse


def _numbers(lo: float, hi: float, what: str, integer: bool = False):
    one = _number(lo, hi, what, integer)

    def parse(text: str):
        items = [x.strip() for x in str(text).split(",") if x.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"found {text!r}; expected comma-separated {what}s")
        return [one(x) for x in items]
    return parse


def _rate_item(text: str):
    country, sep, value = text.partition("=")
    rate = _number(0.0, 1.0, "a rate")
    if not sep or not country.strip():
        raise argparse.ArgumentTypeError(f"found {text!r}; expected COUNTRY=RATE, e.g. CN=0.1")
    try:
        return country.strip(), rate(value.strip())
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (COUNTRY=RATE, e.g. CN=0.1)") from None


def _known(option: str, found: list, allowed, file: str, what: str) -> None:
    from model.io.read import suggest

    for x in found:
        if x not in allowed:
            raise OptionError(f"{option}: found {x!r}; expected {what} of {file}: {', '.join(map(str, allowed))}"
                              + suggest(x, allowed))


def _cmd_scenarios(args) -> int:
    """Generate single-country disruption scenarios into a new workbook."""
    from model.stochastic import generate_single_country
    from model.validate import load

    path = Path(args.workbook)
    data = load(path)
    split = lambda text: [x.strip() for x in text.split(",") if x.strip()]  # noqa: E731
    rates = dict(args.rate_country or [])
    third = [c for c in data.countries if c != R.DOMESTIC]
    if args.systematic:
        from model.stochastic import generate_systematic, record_rates

        events = load(args.events) if args.events else None
        # the systematic set's own defaults where the options were not given (two severities,
        # durations and start years); the options arrive checked and parsed (lists of numbers)
        given = lambda name, default: default if getattr(args, name) in (None, [1.0]) else getattr(args, name)  # noqa: E731
        new = generate_systematic(
            data, record_rates(args.record, data.countries),
            severities=[float(x) for x in given("severities", [0.5, 1.0])],
            durations=[float(x) for x in given("durations", [1.0, 2.0])],
            start_years=[int(x) for x in (args.start_years or [2028, 2033])], min_share=args.min_share,
            events=events, price_multiplier=args.price_multiplier)
        return _write_scenarios(Path(args.output), new)
    materials = split(args.materials) if args.materials else data.materials
    _known("--materials", materials, data.materials, path.name, "materials")
    stages = split(args.stages)
    _known("--stages", stages, [k for k in ("extraction", "processing") if k in data.stages], path.name,
           "stages with third-country supply")
    countries = split(args.countries) if args.countries else None
    _known("--countries", countries or [], third, path.name, "third countries")
    _known("--rate-country", list(rates), third, path.name, "third countries")
    if args.start_years:
        _known("--start-years", args.start_years, data.years, path.name, "years of the horizon")
    if rates and countries is None:
        countries = sorted(rates)
    rate = {c: rates.get(c, args.rate) for c in (countries or data.countries)} if rates else args.rate
    try:
        new = generate_single_country(
            data, materials, stages, countries=countries, severities=args.severities,
            durations=args.durations, start_years=args.start_years, annual_rate=rate,
            price_multiplier=args.price_multiplier)
    except ModelError as exc:  # the options ask for more probability than there is: not a model fault
        n_years = len(args.start_years or data.years)
        raise OptionError(f"{exc} Each generated scenario is one event; their probabilities (annual rate "
                          f"{args.rate:g} per country, {n_years} start years) must leave room for "
                          "'nominal': give fewer --start-years (e.g. --start-years "
                          f"{data.years[min(2, len(data.years) - 1)]}), a lower --rate, or fewer "
                          "--countries or --materials") from exc
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
    commands = {"template", "run", "scenarios", "assess", "montecarlo"}
    commands |= set(WORKFLOW_COMMANDS)  # compare, sweep, export, reproduce (model/analysis/commands.py)
    if not argv or argv[0] not in commands and not argv[0].startswith("-"):
        argv = ["run"] + argv
    elif argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run"] + argv
    parser = argparse.ArgumentParser(
        prog="run.py", description="Critical raw materials sourcing, capacity and stockpile model "
        "(CRMA benchmarks). Without a command: run the default case or the given workbook.")
    parser.add_argument("--version", action="version", version=f"crm-model {version()}")
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
    p.add_argument("--method", choices=("auto", "extensive", "decomposed", "mpisppy"), default="auto",
                   help="auto (default): the exact decomposition by groups of coupled materials when it "
                        "applies (risk neutral, several scenarios and groups), else the extensive form; "
                        "extensive: always the extensive form (same results); mpisppy: progressive "
                        "hedging through mpi-sppy (CVaR and coupled cases), with its bound and gap")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("template", help="write the blank input template")
    p.add_argument("path", nargs="?", default=str(ROOT / "inputs" / "template.xlsx"))
    p.add_argument("--force", action="store_true", help="overwrite the file if it exists")
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
    p.add_argument("--severities", default=[1.0], type=_numbers(0.0, 1.0, "a share of supply lost"),
                   help="shares of supply lost, e.g. 0.5,1")
    p.add_argument("--durations", default=[1.0], type=_numbers(0.01, 100.0, "a duration in years"),
                   help="durations in years, e.g. 0.5,1,2")
    p.add_argument("--start-years", type=_numbers(R.YEAR_MIN, R.YEAR_MAX, "a year", integer=True),
                   help="comma-separated start years (default: every year)")
    p.add_argument("--rate", type=_number(0.0, 1.0, "an annual rate"), default=0.02,
                   help="annual disruption rate per country (default 0.02)")
    p.add_argument("--rate-country", action="append", metavar="CC=RATE", type=_rate_item,
                   help="a country's own rate, e.g. CN=0.1 (repeatable)")
    p.add_argument("--price-multiplier", type=_number(0.0, 1000.0, "a price multiplier"), default=1.0,
                   help="price multiplier during an event")
    p.add_argument("--systematic", action="store_true",
                   help="the systematic set (docs/decomposition.md): every third-country supplier above "
                        "--min-share at each stage of each strategic material, each severity (default 0.5,1), "
                        "duration (default 1,2) and start year (default 2028,2033), with annual rates per "
                        "country from --record, plus the multi-material scenarios of --events")
    p.add_argument("--min-share", type=_number(0.0, 1.0, "a share"), default=0.02,
                   help="systematic: smallest supplier share (0.02)")
    p.add_argument("--record", default=str(ROOT / "data" / "reference" / "disruptions.csv"),
                   help="systematic: the record of past disruptions the rates are counted from")
    p.add_argument("--events", help="systematic: a workbook whose multi-material scenarios are added")
    p.set_defaults(func=_cmd_scenarios)
    p = sub.add_parser("assess", help="baseline assessment against the benchmarks (no optimisation)",
                       description="EU extraction, processing and recycling shares of consumption and "
                       "the largest third-country share per stage in the first year, from the data.")
    p.add_argument("workbook", nargs="?", help=f"input .xlsx (default: {default_case().name})")
    p.add_argument("--year", type=_number(R.YEAR_MIN, R.YEAR_MAX, "a year", integer=True),
                   help="year to assess (default: the first year)")
    p.add_argument("--outputs", default=str(ROOT / "outputs"), help="folder for the assessment file")
    p.set_defaults(func=_cmd_assess)
    add_workflow_commands(sub, ROOT)
    _add_montecarlo(sub)
    args = parser.parse_args(argv)
    previous = _terminate_like_interrupt()
    try:
        return args.func(args)
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"No result: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except OptionError as exc:
        print(f"Bad option: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OutputFault as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # the environment (disk full, permissions, path too long), not a bug
        print(fault_text(exc, "read or write"), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted; no results were written.", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


# ---- montecarlo: sensitivity to the stated ranges (model/analysis/montecarlo.py) ------------------
def _add_montecarlo(sub) -> None:
    p = sub.add_parser("montecarlo", help="Monte Carlo sensitivity to the stated ranges of the data",
                       description="Draw the declared uncertain factors (inputs/montecarlo_factors.csv) over "
                       "their stated ranges, solve each sample and write distributions, share of samples "
                       "meeting each benchmark in 2030 and rank correlations: sensitivity to the stated "
                       "ranges, not a probability of the world.")
    p.add_argument("workbook", nargs="?", help=f"input .xlsx (default: {default_case().name})")
    p.add_argument("--samples", type=int, default=1000, help="number of samples (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1): same seed, same numbers")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--factors", help="the factor table (default inputs/montecarlo_factors.csv)")
    p.add_argument("--factor", action="append", help="vary only this factor (repeatable; by name)")
    p.add_argument("--outputs", default=str(ROOT / "outputs"), help="folder for the run folder")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_montecarlo)


def _cmd_montecarlo(args) -> int:
    from model.analysis.montecarlo import LABEL
    from model.analysis.montecarlo_write import montecarlo_case

    if args.jobs < 1:
        raise OptionError(f"--jobs {args.jobs}: expected at least 1 worker process")
    path = Path(args.workbook) if args.workbook else default_case()
    if not args.quiet:
        print(f"Monte Carlo of {path.name}: {args.samples} samples, seed {args.seed}, {args.jobs} job(s) ...",
              flush=True)
    mc, folder = montecarlo_case(path, args.samples, args.seed, outputs=args.outputs, jobs=args.jobs,
                                 factors_path=args.factors, factor_names=args.factor, argv=sys.argv,
                                 quiet=args.quiet)
    if not args.quiet:
        d = mc.tables()["distribution"].set_index("measure")
        print(f"{LABEL}; {mc.seconds:.1f} s for the samples ({mc.cpu_seconds:.1f} processor seconds)")
        for name, r in d.iterrows():
            print(f"  {name:<26} mean {r['mean'] / 1e9:>10,.2f}  p5 {r['p5'] / 1e9:>10,.2f}  p50 "
                  f"{r['p50'] / 1e9:>10,.2f}  p95 {r['p95'] / 1e9:>10,.2f} EUR bn")
        print(f"Results: {folder}")
    return EXIT_OK


def _on_terminate(signum, frame):
    raise KeyboardInterrupt


def _terminate_like_interrupt():
    """Handle SIGTERM as Ctrl-C (the temporary folder is removed); return the previous handler."""
    try:
        return signal.signal(signal.SIGTERM, _on_terminate)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGTERM here
        return None
