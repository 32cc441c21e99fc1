"""The light path of a plain run: report.html's figure drawn as inline SVG from the tidy tables
(no plotting library), and the modules a plain ``python run.py`` does not import."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.io.report import cost_figure

ROOT = Path(__file__).resolve().parent.parent


def test_cost_figure_svg_by_hand():
    """Two materials, costs in bn EUR: A = capex 2 + purchases 1 = 3; B = capex -0.5 + purchases
    1.5 = 1. A is drawn on top (largest first). The axis runs from the most negative sum of
    negative parts (-0.5) to the largest sum of positive parts (3): a span of 3.5, about 6 ticks
    wanted, so a raw step of 3.5 / 5 = 0.7, rounded up to the next of 1, 2, 2.5, 5 x 10^k: 1.
    The axis is then [-1, 3], ticks -1, 0, 1, 2, 3. The plot is 560 px wide from x = left, so
    one bn EUR is 140 px and zero is at left + 140; B's negative capex is the bar from -0.5 to 0:
    x = left + 70, width 70 px. A's purchases stack right of its capex: from 2 to 3, x = left +
    420, width 140."""
    cs = pd.DataFrame({"material": ["A", "A", "B", "B"], "component": ["capex", "purchases"] * 2,
                       "present_value_eur": [2e9, 1e9, -0.5e9, 1.5e9]})
    svg = cost_figure({"cost_summary": cs})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    left = 8 + 7 * 1  # the width of the labels: one character
    ticks = re.findall(r'text-anchor="middle">([^<]+)</text>', svg)
    assert ticks == ["-1", "0", "1", "2", "3", "present value (bn EUR)"]
    bars = {t: (float(x), float(w)) for x, w, t in
            re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="16" fill="#\w+"><title>([^<]+)', svg)}
    assert bars["B, capex: -0.500 bn EUR"] == (left + 70, 70)
    assert bars["A, purchases: 1.000 bn EUR"] == (left + 420, 140)
    assert bars["A, capex: 2.000 bn EUR"] == (left + 140, 280)
    assert svg.index(">A</text>") < svg.index(">B</text>")  # largest on top
    assert cost_figure({"cost_summary": cs.iloc[:0]}) is None


def _imported_by_a_plain_run(tmp_path, args: list[str], names) -> list[str]:
    code = ("import sys\nfrom model.cli import main\n"
            f"rc = main({args!r} + ['--quiet', '--outputs', {str(tmp_path)!r}])\n"
            f"heavy = sorted(m for m in {tuple(names)!r} if m in sys.modules)\n"
            "print(rc, ','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    rc, *heavy = out.stdout.split()
    assert rc == "0", out.stdout + out.stderr
    return heavy[0].split(",") if heavy else []


LIGHT = ("matplotlib", "pyomo", "scipy", "tqdm", "flodym", "importlib.metadata", "email")


def test_plain_run_of_the_benchmark_case_imports_no_plotting_modelling_or_metadata_layer(tmp_path):
    """``python run.py`` on the frozen EU case of the benchmark (bench/run.py; no technology
    rows) imports neither matplotlib (only the export command does, for the paper figures) nor
    pyomo, scipy, tqdm or flodym, nor importlib.metadata (the versions of the manifest are read
    from the dist-info folder names) and the e-mail parser it brings."""
    assert _imported_by_a_plain_run(tmp_path, ["bench/fixtures/eu_crma_frozen.xlsx"], LIGHT) == []


def test_plain_run_imports_no_plotting_or_modelling_layer(tmp_path):
    """``python run.py`` (the default EU case) imports neither matplotlib nor pyomo or tqdm. Its
    technology rows are turned into demand by flodym's dynamic stock model (model/demand.py),
    which imports scipy and pydantic (and pydantic importlib.metadata): those only with flodym."""
    heavy = _imported_by_a_plain_run(tmp_path, [], LIGHT)
    with_flodym = ("flodym", "scipy", "importlib.metadata", "email")
    assert [m for m in heavy if m not in with_flodym] == []
    assert "flodym" in heavy or not heavy


def test_installed_versions_from_dist_info_folder_names(tmp_path, monkeypatch):
    """By hand: folders Foo_Bar-1.2.3.dist-info and foo_bar-9.9.dist-info on two path entries,
    the first entry first: foo-bar (spelt Foo.Bar) is 1.2.3, as importlib.metadata finds the
    first on sys.path; a name with no folder anywhere is None."""
    from model.io.runfolder import installed_versions

    first, second = tmp_path / "a", tmp_path / "b"
    (first / "Foo_Bar-1.2.3.dist-info").mkdir(parents=True)
    (second / "foo_bar-9.9.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    assert installed_versions(["Foo.Bar", "no-such-package-here"]) == {
        "Foo.Bar": "1.2.3", "no-such-package-here": None}


def test_answer_given_again_only_for_the_same_tables():
    """The answer is made once per run and given again to the summary sheet, report.html and the
    console; a new frame, another objective or another status makes it anew. By hand: capex 2 +
    purchases 1 = 3 bn EUR, capex 66.7 % of the cost; with capex 5 instead: 6 bn EUR, 83.3 %."""
    from model import summaries as S

    cs = pd.DataFrame({"material": ["A", "A"], "component": ["capex", "purchases"],
                       "present_value_eur": [2e9, 1e9]})
    tables = {"cost_summary": cs}
    first = S.answer(tables, 3e9, {"status": "optimal"})
    head = first["headline"].set_index("item")
    assert head.loc["total cost (present value)", "value"] == 3.0
    assert head.loc["  capex", "note"] == "66.7 % of the cost"
    first["headline"].loc[0, "value"] = -1.0  # the caller's copy: the kept answer is unchanged
    again = S.answer(tables, 3e9, {"status": "optimal"})
    assert again["headline"].set_index("item").loc["total cost (present value)", "value"] == 3.0
    tables["cost_summary"] = cs.assign(present_value_eur=[5e9, 1e9])  # a new frame: a new answer
    head = S.answer(tables, 6e9, {"status": "optimal"})["headline"].set_index("item")
    assert head.loc["total cost (present value)", "value"] == 6.0
    assert head.loc["  capex", "note"] == "83.3 % of the cost"
    head = S.answer(tables, 6e9, {"status": "time limit"})["headline"].set_index("item")
    assert head.loc["solver status", "value"] == "time limit"


def test_benchmark_cost_is_the_warm_relaxation_of_the_solved_model(tmp_path, monkeypatch):
    """Hard 40 % processing benchmark on the capacity basis, demand 100 t, one year, discount 0
    (the case of tests/test_montecarlo.py): the EU builds 40 t/yr at capex 100 EUR per t/yr over
    10 years (annuity 10 EUR per t/yr) and keeps importing, so the benchmarks cost 40 x 10 =
    400 EUR: 10,400 EUR with them, 10,000 EUR without. A run's table benchmark_cost re-solves the
    run's own HiGHS model with the benchmark rows relaxed (no cold build: solve_model is not
    called), gives the cold solve's numbers, and leaves the model's bounds as they were."""
    import numpy as np

    import model.solve
    from model.analysis.benchmark_cost import benchmark_cost
    from model.pipeline import run_case, solve_data
    from model.validate import load
    from tests.helpers import write_case

    rows = {"materials": [{"material": "x", "voll": 10_000.0}],
            "demand": [{"material": "x", "year": 2030, "demand": 100.0}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0},
                       {"material": "x", "country": "AU", "stage": "extraction", "year": 2030, "price": 90.0}],
            "technology": [{"material": "x", "stage": "processing", "capex": 100.0, "lifetime": 10,
                            "variable_om": 30.0}],
            "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030}]}
    wb = write_case(tmp_path / "capex.xlsx", ["x"], ["AU", "CN", "RW"], [2030], rows)
    cold = benchmark_cost(load(wb), 10_400.0).set_index("measure")["value_eur"]
    run = solve_data(load(wb))
    _, hm = run.solved
    lower, upper = hm.row_lower.copy(), hm.row_upper.copy()

    def no_cold_solve(*args, **kwargs):
        raise AssertionError("benchmark_cost solved the case cold")

    with monkeypatch.context() as m:
        m.setattr(model.solve, "solve_model", no_cold_solve)
        warm = benchmark_cost(run.data, run.solution.objective, run.solution.n_nonzeros, run.solved)
    warm = warm.set_index("measure")["value_eur"]
    assert warm["total cost with the benchmarks"] == pytest.approx(10_400.0, rel=1e-9)
    assert warm["total cost without the benchmarks"] == pytest.approx(10_000.0, rel=1e-9)
    assert warm["cost of the benchmarks"] == pytest.approx(400.0, rel=1e-9)
    assert warm["total cost without the benchmarks"] == pytest.approx(cold["total cost without the benchmarks"],
                                                                      rel=1e-9)
    assert np.array_equal(hm.row_lower, lower) and np.array_equal(hm.row_upper, upper)
    hm.run()
    assert hm.objective_value() == pytest.approx(run.solution.objective, rel=1e-9)
    # through the workbook path a user takes: the run folder's table
    folder = run_case(wb, outputs=tmp_path / "out").folder
    table = pd.read_excel(folder / "results.xlsx", sheet_name="benchmark_cost", header=1)
    assert table.set_index("measure")["value_eur"].to_dict() == pytest.approx(
        {"total cost with the benchmarks": 10_400.0, "total cost without the benchmarks": 10_000.0,
         "cost of the benchmarks": 400.0}, rel=1e-9)


def test_cost_of_soft_benchmarks_is_net_of_their_penalties(tmp_path):
    """The case above with the benchmark soft at 50 EUR per t of shortfall and at most 30 t/yr of
    EU processing: the EU builds 30 t/yr (10 EUR per t/yr a year, below the penalty) and pays the
    penalty on the 40 - 30 = 10 t left: 10,000 + 300 + 500 = 10,800 EUR with the benchmark, 10,000
    without. Complying costs 300 EUR; the 500 EUR are the price of the shortfall, so the table
    says cost of the benchmarks 300, penalties 500, with their penalties 800; the one-page answer
    gives 300 and names the penalties."""
    from model import summaries as S
    from model.pipeline import run_case
    from tests.helpers import write_case

    rows = {"materials": [{"material": "x", "voll": 10_000.0}],
            "demand": [{"material": "x", "year": 2030, "demand": 100.0}],
            "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 100.0},
                       {"material": "x", "country": "AU", "stage": "extraction", "year": 2030, "price": 90.0}],
            "technology": [{"material": "x", "stage": "processing", "capex": 100.0, "lifetime": 10,
                            "variable_om": 30.0, "max_capacity": 30.0}],
            "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030,
                            "enforcement": "soft", "penalty": 50.0}]}
    wb = write_case(tmp_path / "soft.xlsx", ["x"], ["AU", "CN", "RW"], [2030], rows)
    run = run_case(wb, outputs=tmp_path / "out")
    table = pd.read_excel(run.folder / "results.xlsx", sheet_name="benchmark_cost", header=1)
    assert table.set_index("measure")["value_eur"].to_dict() == pytest.approx(
        {"total cost with the benchmarks": 10_800.0, "total cost without the benchmarks": 10_000.0,
         "soft-benchmark penalties": 500.0, "cost of the benchmarks": 300.0,
         "cost of the benchmarks with their penalties": 800.0}, rel=1e-9)
    head = S.answer(run.results.tables, run.results.objective, {"status": "optimal"})["headline"].set_index("item")
    assert head.loc["what the benchmarks cost", "value"] == pytest.approx(300.0 / 1e9)
    assert "soft-benchmark penalties" in head.loc["what the benchmarks cost", "note"]


def test_a_sweep_draws_its_figure_without_matplotlib(tmp_path):
    """``python run.py sweep`` on the frozen EU case writes its SVG figure (model/io/linechart.py)
    and imports none of the layers above: matplotlib only for ``--figure png|pdf``."""
    args = ["sweep", "bench/fixtures/eu_crma_frozen.xlsx", "--param", "benchmark.processing.level",
            "--values", "0.3,0.4", "-o", str(tmp_path / "sweep.xlsx")]
    assert _imported_by_a_plain_run(tmp_path, args, LIGHT) == []
    assert (tmp_path / "sweep.svg").read_text(encoding="utf-8").startswith("<svg")
