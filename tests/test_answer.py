"""The one-page answer: the same blocks on the summary sheet, in the console and in report.html;
rendered as a reader sees them (LibreOffice for the workbook, headless Chromium for the page),
checked for the headline numbers and for '###' (a number too wide for its column).

System packages for the rendering tests (they skip cleanly without them):
libreoffice-calc and poppler-utils (pdftotext, pdftoppm), chromium."""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model import summaries as S
from model.cli import main
from model.pipeline import run_case, solve_workbook

ROOT = Path(__file__).resolve().parent.parent
EU = ROOT / "inputs" / "eu_crma.xlsx"
EXAMPLE = ROOT / "inputs" / "example.xlsx"


@pytest.fixture(scope="module")
def eu_run(tmp_path_factory):
    return run_case(EU, outputs=tmp_path_factory.mktemp("eu"), argv=["test"])


def _headline(run) -> str:
    """The total cost as the answer shows it: bn EUR with one decimal."""
    return f"{run.solution.objective / 1e9:,.1f}"


# ---- what the answer says -------------------------------------------------------------------------
def test_end_of_horizon_sell_down_is_no_compliance_fact():
    """The example sells its gallium stock in 2032, its last year: imports stop and the largest
    country's share drops to 0 % (no country is named then). The answer leaves that year out of the
    flow-basis rows and says when each benchmark was first met and which years were missed."""
    run = solve_workbook(EXAMPLE)
    t = run.results.tables
    assert S.horizon_end_releases(t)["gallium"] == [2032]
    comp = t["compliance"]
    last = comp.loc[(comp["material"] == "gallium") & (comp["benchmark"] == "single_country") & (comp["year"] == 2032)]
    assert (last["achieved_share"] == 0).all() and set(last["largest_country"]) == {""}  # the artefact
    st = S.horizon_status(t).set_index(["material", "label"])
    cap = st.loc[("gallium", "largest country (processing)")]
    assert cap["first_year_met"] == 2030 and cap["years_missed"] == "" and cap["years_left_out"] == "2032"
    # capacity-basis rows are not affected by the sell-down: 2032 stays in
    ext = st.loc[("gallium", "EU extraction")]
    assert ext["status"] == S.STATUS_MISSED and ext["years_missed"] == "2028-2032"
    # met at a price: met in every year, binding in some (its shadow price is positive)
    rec = st.loc[("gallium", "EU recycling")]
    sp = t["shadow_prices"]
    binding = sp.loc[(sp["material"] == "gallium") & (sp["benchmark"] == "recycling") & sp["binding"]]
    assert rec["status"] == S.STATUS_PRICE and len(binding) and rec["max_eur_per_pp"] == pytest.approx(
        binding["eur_per_pp"].max())
    matrix = S.status_matrix(S.horizon_status(t)).set_index("material")
    assert matrix.loc["gallium", "EU extraction"] == "MISSED 2028-2032"
    assert matrix.loc["gallium", "EU recycling"] == "met at a price from 2030"


def test_the_answer_adds_up(eu_run):
    t = eu_run.results.tables
    ans = S.answer(t, eu_run.results.objective, {"status": "optimal"})
    head = ans["headline"].set_index("item")
    assert head.loc["total cost (present value)", "value"] == pytest.approx(eu_run.solution.objective / 1e9)
    parts = head.loc[[i for i in head.index if i.startswith("  ")], "value"].astype(float)
    assert parts.sum() == pytest.approx(eu_run.solution.objective / 1e9, rel=1e-9)  # risk-neutral: parts add up
    bc = t["benchmark_cost"].set_index("measure")["value_eur"]
    assert bc["total cost with the benchmarks"] == pytest.approx(eu_run.solution.objective)
    pen = t["cost_summary"].query("component == 'benchmark_penalty'")["present_value_eur"].sum()
    assert pen > 0 and bc["soft-benchmark penalties"] == pytest.approx(pen)  # the EU case has soft rows
    assert 0 < bc["cost of the benchmarks"] == pytest.approx(
        bc["total cost with the benchmarks"] - pen - bc["total cost without the benchmarks"])
    assert bc["cost of the benchmarks with their penalties"] == pytest.approx(
        bc["total cost with the benchmarks"] - bc["total cost without the benchmarks"])
    assert head.loc["what the benchmarks cost", "value"] == pytest.approx(bc["cost of the benchmarks"] / 1e9)
    assert len(ans["expensive"]) == 3
    comp = t["compliance"].set_index(["benchmark", "material", "stage", "year"])["met"]
    for r in ans["expensive"].itertuples(index=False):  # ranked where met, never on a penalty
        assert bool(comp.loc[(r.benchmark, r.material, r.stage, r.year_of_max)].all()), r
    assert "shortfall penalty, not a cost" in ans["expensive note"].iloc[0, 0]
    assert list(ans["status"]["material"]) == list(dict.fromkeys(t["compliance"]["material"]))


def test_console_prints_the_answer_with_and_more(tmp_path, capsys):
    assert main([str(EU), "--outputs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "total cost (present value): " in out and "bn EUR" in out
    assert re.search(r"\.\.\. and \d+ more materials", out)
    assert "extraction (extraction)" not in out  # the old repetition
    assert "report.html" in out


def test_version_and_license(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert re.fullmatch(r"crm-model \d+\.\d+\.\d+\n", capsys.readouterr().out)
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "## " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| 4 | `reproduce`" in readme and "`python run.py --version`" in readme


def test_summary_sheet_numbers_are_formatted_and_fit(eu_run):
    """Every number on the summary sheet has a number format and a column wide enough for it."""
    ws = openpyxl.load_workbook(eu_run.folder / "results.xlsx")["summary"]
    checked = 0
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                assert c.number_format != "General", c.coordinate
                decimals = len(c.number_format.split(".")[1]) if "." in c.number_format else 0
                text = f"{c.value:,.{decimals}f}"
                width = ws.column_dimensions[c.column_letter].width
                assert width >= len(text) + 1, (c.coordinate, text, width)
                checked += 1
    assert checked > 50


# ---- rendered as a reader sees it -------------------------------------------------------------
def _need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian: libreoffice-calc poppler-utils chromium)")


def test_eu_summary_rendered_by_libreoffice(eu_run, tmp_path):
    _need("libreoffice", "pdftotext", "pdftoppm")
    wb = openpyxl.load_workbook(eu_run.folder / "results.xlsx")
    for name in wb.sheetnames[1:]:  # the summary alone (the other sheets are thousands of rows)
        del wb[name]
    book = tmp_path / "summary.xlsx"
    wb.save(book)
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "summary.pdf"
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    everything = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                                text=True).stdout
    assert "###" not in everything
    # page one holds the answer: the total, the benchmarks, the most expensive rows, the stock
    assert _headline(eu_run) in first and "bn EUR" in first
    for block in ("Benchmarks per material over the whole horizon", "three most expensive benchmarks where they are met",
                  "Strategic stock held"):
        assert block in first, block
    bc = eu_run.results["benchmark_cost"].set_index("measure")["value_eur"]["cost of the benchmarks"]
    assert f"{bc / 1e9:,.1f}" in first
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000


def _chromium(*args, timeout=120):
    _need("chromium")
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update",
                               "--no-first-run", "--disable-sync", f"--user-data-dir={profile}", *args],
                              check=True, capture_output=True, text=True, timeout=timeout)


def test_report_html_rendered_in_chromium(eu_run, tmp_path):
    page = eu_run.folder / "report.html"
    source = page.read_text(encoding="utf-8")
    assert "http://" not in source and "https://" not in source  # self-contained: nothing fetched
    assert "<svg" in source and "data:image" not in source  # the figure inline, drawn without a plotting library
    dom = _chromium("--dump-dom", page.as_uri()).stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    assert "present value (bn EUR)" in text  # the figure's axis, rendered
    assert _headline(eu_run) in text and "bn EUR" in text and "###" not in text
    for block in ("Benchmarks per material over the whole horizon", "three most expensive benchmarks where they are met",
                  "Strategic stock held", "what the benchmarks cost"):
        assert block in text, block
    for mm in eu_run.data.materials:
        assert f"<td>{mm}</td>" in dom
        assert f'text-anchor="end">{mm}</text>' in dom  # its bar in the figure
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri())
    assert shot.stat().st_size > 20_000


def test_report_of_a_disruption_and_a_purchasing_run(tmp_path):
    dis = run_case(ROOT / "inputs" / "example_disruptions.xlsx", outputs=tmp_path, argv=["test"])
    html = (dis.folder / "report.html").read_text(encoding="utf-8")
    voi = dis.results["value_of_information"].set_index("measure")["value_eur"]
    assert "(VSS)" in html and f"{voi['VSS'] / 1e6:,.1f}" in html and f"{voi['EVPI'] / 1e6:,.1f}" in html
    pur = run_case(ROOT / "inputs" / "example_purchasing.xlsx", outputs=tmp_path, argv=["test"])
    html = (pur.folder / "report.html").read_text(encoding="utf-8")
    ps = pur.results["purchasing_summary"].set_index("item")["value"]
    saving = float(ps["savings of joint over individual"])
    alone = float(ps["individual purchasing: sum of costs alone"])
    assert "Joint purchasing" in html and f"{saving / 1e6:,.1f}" in html
    wb = openpyxl.load_workbook(pur.folder / "results.xlsx")
    summary = [c.value for row in wb["summary"].iter_rows() for c in row if c.value is not None]
    assert "Joint purchasing: alone and together" in summary
    assert "saving of buying together (% of buying alone)" in summary
    ws = wb["purchasing_summary"]  # numbers formatted, not 2518912516.28559
    assert all(c.number_format == "#,##0.00" for c in ws["B"][2:] if isinstance(c.value, float))
    assert f"{100 * saving / alone:,.1f}" in html
    assert not math.isnan(saving)
    # the example's offtake contract is used: signed at its largest take and shown as such
    c = pur.results["contracts"]
    assert (c["volume_tpa"] > 0).all() and c["volume_tpa"].iloc[0] == pytest.approx(5.0)
    assert "ga_ca_offtake" in html and "5.0" in html
    lines = S.answer_lines(S.answer(pur.results.tables, pur.results.objective))
    assert any("contract ga_ca_offtake (gallium, CA): 5.0 t/yr signed" in line for line in lines)


def test_booleans_render_as_true_and_false_in_libreoffice(tmp_path):
    """allocation has two TRUE/FALSE columns; rendered, both read TRUE (not one 1 and one TRUE)."""
    _need("libreoffice", "pdftotext")
    run = run_case(ROOT / "inputs" / "example_purchasing.xlsx", outputs=tmp_path / "out", argv=["t"])
    wb = openpyxl.load_workbook(run.folder / "results.xlsx")
    for name in wb.sheetnames:
        if name != "allocation":
            del wb[name]
    book = tmp_path / "allocation.xlsx"
    wb.save(book)
    subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=240)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "allocation.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    rows = [line.split() for line in text.splitlines() if line.strip().startswith(("DE ", "FR ", "IT "))]
    assert len(rows) == 3
    for r in rows:
        assert r[-2:] == ["TRUE", "TRUE"], r
    assert "###" not in text


def test_most_expensive_benchmarks_leave_out_the_years_missed():
    """By hand: processing for x binds in 2030 (missed: its dual 200 EUR/t is the shortfall penalty)
    and 2031 (met: 50 EUR/t); recycling for y binds in 2030 and is met (80 EUR/t). Ranked where met:
    y recycling (0.8 MEUR per pp) above x processing 2031 (0.5 MEUR per pp); x's
    2030 row is left out, its group binds in 2031 only, and the note counts one pair."""
    sp = pd.DataFrame({"benchmark": ["processing", "processing", "recycling"], "material": ["x", "x", "y"],
                       "stage": ["processing", "processing", "recycling"], "country": [None] * 3,
                       "year": [2030, 2031, 2030], "eur_per_t": [200.0, 50.0, 80.0],
                       "eur_per_pp": [2e6, 0.5e6, 0.8e6], "binding": [True, True, True],
                       "enforcement": ["soft", "soft", "hard"]})
    comp = pd.DataFrame({"benchmark": ["processing", "processing", "recycling"], "material": ["x", "x", "y"],
                         "stage": ["processing", "processing", "recycling"], "year": [2030, 2031, 2030],
                         "scenario": ["nominal"] * 3, "met": [False, True, True]})
    assert list(S.missed_rows(sp, comp)) == [True, False, False]
    ex = S.benchmark_costs(sp, compliance=comp)
    assert list(zip(ex["material"], ex["max_eur_per_t"], ex["years_binding"])) == [("y", 80.0, "2030"),
                                                                                   ("x", 50.0, "2031")]
    assert S.benchmark_costs(sp)["max_eur_per_t"].iloc[0] == 200.0  # without compliance: every binding row
    assert "(1 material-benchmark pair missed" in S.expensive_note({"shadow_prices": sp, "compliance": comp})


def test_a_missed_benchmark_says_when_it_is_met_for_good():
    """'MISSED 2030, met from 2031' when every year after the last one missed is met; a benchmark
    met in 2033 and missed again from 2034 says only its missed years."""
    row = dict(status=S.STATUS_MISSED, years_missed="2030", first_year_met=2031)
    assert S.status_text(row) == "MISSED 2030, met from 2031"
    row = dict(status=S.STATUS_MISSED, years_missed="2030-2032, 2034-2040", first_year_met=2033)
    assert S.status_text(row) == "MISSED 2030-2032, 2034-2040"
    row = dict(status=S.STATUS_MISSED, years_missed="2028-2032", first_year_met=None)
    assert S.status_text(row) == "MISSED 2028-2032"
    assert S.status_text(dict(status=S.STATUS_PRICE, years_missed="", first_year_met=2030)) == \
        "met at a price from 2030"
