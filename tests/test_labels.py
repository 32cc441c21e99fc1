"""Honest labels: a risk-weighted sweep calls its objective an objective, not a cost; a comparison
says where runs differ in scope and compares like with like."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from model.analysis.sweep import objective_is_not_cost, parse_param, run_sweep, write_sweep
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent


def test_risk_weight_sweep_labels_the_objective_and_plots_the_cost(tmp_path):
    data = load(ROOT / "inputs" / "example_disruptions.xlsx")
    result = run_sweep(data, parse_param("risk_weight"), [0.0, 5.0])
    pts = result.points
    assert objective_is_not_cost(pts)
    # at lambda = 5 the objective is far above the expected cost: it is not a cost
    last = pts.iloc[-1]
    assert last["objective_eur"] == pytest.approx(last["expected_cost_eur"] + 5.0 * last["cvar_eur"], rel=1e-6)
    assert last["objective_eur"] > 3 * last["expected_cost_eur"]
    book, _ = write_sweep(result, tmp_path / "sweep.xlsx")
    note = openpyxl.load_workbook(book)["sweep"]["A1"].value
    assert "objective_eur is the objective, expected cost + risk weight x CVaR (not a cost" in note
    with zipfile.ZipFile(book) as z:
        chart = z.read(next(n for n in z.namelist() if n.startswith("xl/charts/"))).decode()
    assert "Expected cost (present value, EUR)" in chart and "Total cost" not in chart
    header = [c.value for c in openpyxl.load_workbook(book)["sweep"][2]]
    col = openpyxl.utils.get_column_letter(header.index("expected_cost_eur") + 1)
    assert re.search(rf"\$?{col}\$?2", chart)  # the series is the expected-cost column


def test_a_sweep_without_risk_weight_is_a_cost(tmp_path):
    data = load(ROOT / "inputs" / "example.xlsx")
    result = run_sweep(data, parse_param("benchmark.processing.level"), [0.3, 0.4])
    assert not objective_is_not_cost(result.points)
    book, _ = write_sweep(result, tmp_path / "sweep.xlsx")
    assert "objective_eur is the total cost" in openpyxl.load_workbook(book)["sweep"]["A1"].value


def test_compare_states_scope_differences_and_counts_like_with_like(tmp_path, capsys):
    from model.cli import main
    from model.pipeline import run_case

    out = tmp_path / "outputs"
    a = run_case(ROOT / "inputs" / "example.xlsx", outputs=out, argv=["t"])
    b = run_case(ROOT / "inputs" / "example_disruptions.xlsx", outputs=out, argv=["t"])
    eu = run_case(ROOT / "inputs" / "eu_crma.xlsx", outputs=out, argv=["t"])
    assert main(["compare", str(a.folder), str(b.folder), str(eu.folder), "-o", str(tmp_path / "c.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "different scenarios (1 in" in text and "different materials" in text
    assert "only in" in text and "different years" in text
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames[:2] == ["summary", "scope"]
    scope = list(wb["scope"].iter_rows(min_row=3, values_only=True))
    assert scope[0][-1] == "baseline" and "different scenarios" in scope[1][-1]
    # like with like: the disruption run's plain count grows with its scenarios, the per-scenario
    # counts do not
    summ = {r[0]: r for r in wb["summary"].iter_rows(min_row=3, values_only=True)}
    header = [c.value for c in wb["summary"][2]]
    i_all, i_main, i_exp = (header.index(c) for c in ("rows_missed", "rows_missed_main_scenario",
                                                      "rows_missed_expected"))
    ra, rb = summ[list(summ)[0]], summ[list(summ)[1]]
    assert rb[i_all] > 2 * ra[i_all]
    assert rb[i_main] <= ra[i_all] + 5 and rb[i_exp] < rb[i_all] / 2
