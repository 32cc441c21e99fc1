"""End-to-end tests of the users' workflow on the example cases: the results workbook, compare,
sweep, export and reproduce. Each checks the numbers in what the command writes."""
from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model import summaries as S
from model.cli import main
from model.io.write import read_results
from model.pipeline import run_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example.xlsx"
DISRUPTED = ROOT / "inputs" / "example_disruptions.xlsx"
REL = 1e-9


def close(a, b, rel=REL) -> bool:
    return abs(float(a) - float(b)) <= rel * max(abs(float(a)), abs(float(b)), 1.0)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    a = run_case(EXAMPLE, outputs=out, argv=["test"])
    b = run_case(DISRUPTED, outputs=out, argv=["test"])
    return a, b


def objective(folder: Path) -> float:
    return json.loads((folder / "manifest.json").read_text())["solver"]["objective"]


# ---- the results workbook -------------------------------------------------------------------
def test_results_workbook_layout_and_numbers(runs):
    run = runs[1]
    book = run.folder / "results.xlsx"
    wb = openpyxl.load_workbook(book)
    names = wb.sheetnames
    assert names[0] == "summary" and names[1] == "charts" and names[-1] == "chart_data"
    for sheet in ("compliance", "shadow_prices", "sourcing", "capacity", "stock", "unmet", "costs",
                  "cost_summary", "marginal_cost", "scenario_costs", "value_of_information", "run"):
        assert sheet in names
    # every tidy table keeps its columns, header in row 2 (under the note), frozen below the header
    for name, df in run.results.tables.items():
        ws = wb[name]
        assert [c.value for c in ws[2]][:len(df.columns)] == list(df.columns)
        assert ws.freeze_panes == "A3"
    # units in the number formats
    ws = wb["sourcing"]
    j = [c.value for c in ws[2]].index("value_t") + 1
    assert ws.cell(row=3, column=j).number_format.endswith('" t"')
    ws = wb["cost_summary"]
    assert ws.cell(row=3, column=3).number_format.endswith('" EUR"')
    # red where a benchmark is missed: a rule over the compliance rows keyed on the met column
    rules = [r for cf in wb["compliance"].conditional_formatting for r in cf.rules]
    assert any(r.formula and "=FALSE" in r.formula[0] for r in rules)
    # native charts: one cost chart, five per material
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1 + 5 * len(run.data.materials)
    # summary: total cost equals the objective, the cost table's total equals it in MEUR
    summary = wb["summary"]
    rows = list(summary.iter_rows())
    first = [r[0].value for r in rows]
    assert close(rows[first.index("total cost (present value)")][1].value * 1e9, run.solution.objective)
    assert rows[first.index("total cost (present value)")][2].value == "bn EUR"
    header = rows[first.index("Cost by component (present value, million EUR)") + 1]
    names = [c.value for c in header if c.value is not None]
    assert names[0] == "material" and names[-1] == "total [MEUR]"
    total_row = rows[first.index("total", header[0].row)]
    assert close(total_row[len(names) - 1].value * 1e6, run.solution.objective, 1e-9)
    for mm in run.data.materials:  # each material's total is its cost_summary
        r = rows[first.index(mm, header[0].row)]
        cs = run.results["cost_summary"]
        assert close(r[len(names) - 1].value * 1e6, cs.loc[cs["material"] == mm, "present_value_eur"].sum(), 1e-9)
    # traffic light over the horizon: a benchmark missed at its full level in every scenario is
    # MISSED (in red); one met in every year is met (green) or met at a price (binding)
    status = S.horizon_status(run.results.tables)
    comp = run.results["compliance"]
    left_out = S.horizon_end_releases(run.results.tables)
    for r in status.itertuples(index=False):
        rows = comp.loc[(comp["material"] == r.material) & (comp["benchmark"] == r.benchmark)
                        & (comp["stage"] == r.stage)]
        rows = rows.loc[~((rows["basis"] == "flow") & rows["year"].isin(left_out.get(r.material, [])))]
        assert (r.status in (S.STATUS_MET, S.STATUS_PRICE)) == bool(rows["met"].all())
    missed = [c for row in summary.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith(S.STATUS_MISSED + " ")]
    assert missed and all(c.fill.fgColor.rgb.endswith("F4B6B6") for c in missed)


def test_read_results_round_trip(runs):
    run = runs[1]
    tables, info = read_results(run.folder / "results.xlsx")
    assert close(float(info["objective_eur"]), run.solution.objective)
    for name, df in run.results.tables.items():
        back = tables[name]
        assert list(back.columns) == list(df.columns) and len(back) == len(df)
        for col in df.columns:
            if pd.api.types.is_float_dtype(df[col]):
                a, b = df[col].astype(float).fillna(0.0), back[col].astype(float).fillna(0.0)
                assert ((a - b).abs() <= 1e-12 * a.abs().clip(lower=1.0)).all(), (name, col)


# ---- compare --------------------------------------------------------------------------------
def test_compare_cost_difference_equals_difference_of_objectives(runs, tmp_path, capsys):
    a, b = runs
    out = tmp_path / "cmp.xlsx"
    assert main(["compare", str(a.folder), str(b.folder), "-o", str(out)]) == 0
    assert "Comparison:" in capsys.readouterr().out
    x = pd.read_excel(out, sheet_name=None, header=1)
    summary = x["summary"]
    diff = objective(b.folder) - objective(a.folder)
    assert close(summary["diff_eur"].iloc[1], diff, 1e-12)
    assert summary["diff_eur"].iloc[0] == 0
    costs = x["costs"]
    col = f"{summary['run'].iloc[1]} - {summary['run'].iloc[0]}"
    row = costs.loc[(costs["material"] == "all") & (costs["component"] == "objective")].iloc[0]
    assert close(row[col], diff, 1e-12)
    # every cost row: the difference column is the difference of the two run columns, and the
    # run columns are the runs' cost_summary
    la, lb = summary["run"].iloc[0], summary["run"].iloc[1]
    for r in costs.itertuples(index=False):
        d = dict(zip(costs.columns, r))
        assert close(d[col], d[lb] - d[la], 1e-12)
    cs = b.results["cost_summary"]
    for r in cs.itertuples(index=False):
        hit = costs.loc[(costs["material"] == r.material) & (costs["component"] == r.component), lb]
        assert close(hit.iloc[0], r.present_value_eur)
    # supply shares: each run's shares add up to 1 per material and year
    sh = x["supply_shares"]
    for lab in (la, lb):
        sums = sh.groupby(["material", "year"])[lab].sum()
        assert ((sums - 1.0).abs() < 1e-9).all()
    # capacity side by side equals the runs' capacity tables
    cap = x["capacity"]
    av = cap.loc[cap["quantity"] == "available (t/yr)"].set_index(["material", "stage", "year"])
    for r in b.results["capacity"].itertuples(index=False):
        assert close(av.loc[(r.material, r.stage, r.year), lb], r.available_tpa)


def test_compare_needs_two_run_folders(runs, tmp_path, capsys):
    assert main(["compare", str(runs[0].folder), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert main(["compare", str(runs[0].folder), str(tmp_path / "nowhere"), "-q"]) == 2
    assert "run folder" in capsys.readouterr().err


# ---- sweep ----------------------------------------------------------------------------------
def test_sweep_cost_of_autonomy(runs, tmp_path, capsys):
    out = tmp_path / "sweep.xlsx"
    code = main(["sweep", str(EXAMPLE), "--param", "benchmark.processing.level", "--values", "0,0.4,0.6",
                 "-o", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "[1/3]" in err and "[3/3]" in err  # progress on stderr
    pts = pd.read_excel(out, sheet_name="sweep", header=1)
    assert list(pts["value"]) == [0, 0.4, 0.6]
    assert (pts["status"] == "optimal").all()
    # at level 0 the benchmark costs nothing at the margin
    assert pts["marginal_pv_eur_per_pp"].iloc[0] == 0 and pts["max_eur_per_pp"].iloc[0] == 0
    # the cost curve does not fall as the benchmark tightens
    assert pts["objective_eur"].is_monotonic_increasing
    # the point at the workbook's own level (40 %) is the workbook's run
    assert close(pts["objective_eur"].iloc[1], runs[0].solution.objective)
    assert close(pts["change_eur"].iloc[2], pts["objective_eur"].iloc[2] - pts["objective_eur"].iloc[0])
    svg = out.with_suffix(".svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Cost of autonomy: processing benchmark" in svg
    assert not out.with_suffix(".png").exists()  # PNG on request only (--figure png)


def test_sweep_shadow_price_is_the_slope_of_the_cost_curve(tmp_path):
    # NdPr alone (continuous capacity, an LP) where its processing benchmark binds: the dual-based
    # marginal cost per percentage point equals the slope of the curve between the points
    out = tmp_path / "ndpr.xlsx"
    assert main(["sweep", str(EXAMPLE), "--param", "benchmark.processing.level", "--material", "ndpr",
                 "--values", "0.5,0.52", "-o", str(out), "-q"]) == 0
    pts = pd.read_excel(out, sheet_name="sweep", header=1)
    marginal = pts["marginal_pv_eur_per_pp"]
    assert marginal.iloc[0] > 0
    assert close(pts["slope_eur_per_pp"].iloc[1], marginal.iloc[0], 1e-6)
    sp = pd.read_excel(out, sheet_name="shadow_prices", header=1)
    assert set(sp["material"]) == {"ndpr"} and set(sp["benchmark"]) == {"processing"}


def test_sweep_price_multiplier_and_points_without_solution(runs, tmp_path):
    out = tmp_path / "price.xlsx"
    assert main(["sweep", str(EXAMPLE), "--param", "price", "--material", "gallium", "--country", "CN",
                 "--values", "1,1.5", "-o", str(out), "-q"]) == 0
    pts = pd.read_excel(out, sheet_name="sweep", header=1)
    assert close(pts["objective_eur"].iloc[0], runs[0].solution.objective)
    assert pts["objective_eur"].iloc[1] > pts["objective_eur"].iloc[0]
    # a full processing level from 2025, before any plant can be built, has no solution
    out = tmp_path / "start.xlsx"
    assert main(["sweep", str(EXAMPLE), "--param", "benchmark.processing.start_year", "--values", "2025,2030",
                 "-o", str(out), "-q"]) == 0
    pts = pd.read_excel(out, sheet_name="sweep", header=1)
    assert list(pts["status"]) == ["no solution", "optimal"]
    assert math.isnan(pts["objective_eur"].iloc[0])


def test_sweep_bad_parameters_are_bad_input(tmp_path, capsys):
    base = ["sweep", str(EXAMPLE), "-o", str(tmp_path / "x.xlsx"), "-q"]
    assert main(base + ["--param", "benchmark.nonsense.level", "--values", "0.1"]) == 2
    assert main(base + ["--param", "benchmark.processing.level", "--values", "40"]) == 2  # not a share
    assert main(base + ["--param", "benchmark.processing.level", "--range", "0:0.6"]) == 2
    assert main(base + ["--param", "price", "--country", "XX", "--values", "1.1"]) == 2
    err = capsys.readouterr().err
    assert "between 0 and 1" in err and "start:stop:n" in err
    assert not (tmp_path / "x.xlsx").exists()


# ---- export ---------------------------------------------------------------------------------
def test_export_iamc_values_equal_the_result_tables(runs, tmp_path):
    b = runs[1]
    out = tmp_path / "export"
    assert main(["export", str(b.folder), "--formats", "iamc,csv,latex,md", "-o", str(out), "-q"]) == 0
    iamc = pd.read_csv(out / "iamc.csv")
    assert list(iamc.columns[:5]) == ["model", "scenario", "region", "variable", "unit"]
    years = [int(c) for c in iamc.columns[5:]]
    assert years == b.data.years
    iamc.columns = list(iamc.columns[:5]) + years
    idx = iamc.set_index(["scenario", "variable"])
    case = b.folder.name.rsplit("-", 2)[0]
    res = b.results
    # flows
    src = res["sourcing"]
    for r in src.loc[src["flow"] == "refined import"].itertuples(index=False):
        v = idx.loc[(f"{case}|{r.scenario}", f"Supply|{r.material}|Refined Imports|{r.country}"), r.year]
        assert close(v, r.value_t)
    # first-stage capacity in every scenario
    for r in res["capacity"].itertuples(index=False):
        for w in b.data.scenarios:
            assert close(idx.loc[(f"{case}|{w}", f"Capacity|{r.material}|{r.stage}"), r.year], r.available_tpa)
    # stock and benchmark shares (in percent)
    for r in res["stock"].itertuples(index=False):
        assert close(idx.loc[(f"{case}|{r.scenario}", f"Stock|{r.material}"), r.year], r.inventory_t)
    for r in res["compliance"].itertuples(index=False):
        var = f"Benchmark Share|{r.material}|{r.benchmark}|{r.stage}"
        assert close(idx.loc[(f"{case}|{r.scenario}", var), r.year], 100 * r.achieved_share)
    # cost per scenario and year = first-stage costs + that scenario's costs
    costs = res["costs"]
    for w in b.data.scenarios:
        mine = costs.loc[costs["scenario"].isin(["first stage", w])].groupby("year")["cost_eur"].sum()
        for t, v in mine.items():
            assert close(idx.loc[(f"{case}|{w}", "Cost"), t], v)
    assert set(iamc["region"]) == {"EU"} and iamc["model"].str.startswith("crm-model").all()
    # every tidy table as CSV, with the same numbers
    for name, df in res.tables.items():
        back = pd.read_csv(out / "csv" / f"{name}.csv")
        assert list(back.columns) == list(df.columns) and len(back) == len(df)
    back = pd.read_csv(out / "csv" / "sourcing.csv")
    assert ((back["value_t"] - src["value_t"]).abs() <= 1e-9 * src["value_t"].abs().clip(lower=1)).all()
    # LaTeX and Markdown tables carry the totals
    total = f"{b.solution.objective / 1e6:,.1f}"
    assert total in (out / "tables" / "cost_by_component.md").read_text()
    tex = (out / "tables" / "cost_by_component.tex").read_text()
    assert r"\toprule" in tex and total in tex and r"total\_meur" not in tex


def test_export_figures(runs, tmp_path):
    out = tmp_path / "export"
    assert main(["export", str(runs[0].folder), "--formats", "png,pdf,svg", "-o", str(out), "-q"]) == 0
    for name in ("cost_by_component", "supply_by_origin", "stock", "capacity", "benchmarks"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (out / "figures" / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
        assert "<svg" in (out / "figures" / f"{name}.svg").read_text()
    assert main(["export", str(runs[0].folder), "--formats", "png,gif", "-o", str(out), "-q"]) == 2


# ---- reproduce ------------------------------------------------------------------------------
def test_reproduce_matches_then_detects_an_edited_number(runs, tmp_path, capsys):
    folder = tmp_path / runs[0].folder.name
    shutil.copytree(runs[0].folder, folder)
    assert main(["reproduce", str(folder)]) == 0
    assert "match" in capsys.readouterr().out
    wb = openpyxl.load_workbook(folder / "results.xlsx")
    ws = wb["capacity"]
    j = [c.value for c in ws[2]].index("available_tpa") + 1
    ws.cell(row=6, column=j).value = float(ws.cell(row=6, column=j).value) + 1.0
    wb.save(folder / "results.xlsx")
    assert main(["reproduce", str(folder)]) == 4
    out = capsys.readouterr().out
    assert "DIFFER" in out and "table capacity" in out and "available_tpa" in out


def test_help_on_every_command(capsys):
    for cmd in ("run", "template", "compare", "sweep", "export", "reproduce"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out
