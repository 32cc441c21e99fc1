"""The sweep's figure: one chart declaration (model.analysis.sweep.sweep_chart) drawn as SVG by hand
(the default) or by matplotlib (--figure png|pdf); every point of the sweep is on it, at its value."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from model.analysis.sweep import parse_param, run_sweep, sweep_chart, write_sweep
from model.cli import main
from model.io.linechart import to_svg
from model.validate import load

INPUTS = Path(__file__).resolve().parent.parent / "inputs"
EXAMPLE = INPUTS / "example.xlsx"

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def result():
    """The EU case's processing benchmark at 30, 40 and 45 %, and at 50 %, which no plan meets in
    2030 (tests/test_eu_data.py::test_processing_sweep_30_to_50_percent says why)."""
    return run_sweep(load(INPUTS / "eu_crma.xlsx"), parse_param("benchmark.processing.level"), [0.3, 0.4, 0.45, 0.5])


def test_the_chart_holds_every_solved_point_at_its_value(result):
    """Top panel: the objective in MEUR at each solved level (in %); the 50 % point has no solution
    and is a dotted line at 50. Bottom: the shadow price at each solved point and the slope at the
    midpoints of consecutive solved points (30-40 -> 35, 40-45 -> 42.5), both in MEUR per point."""
    pts = result.points
    ok = pts["objective_eur"].notna()
    assert list(ok) == [True, True, True, False]
    chart = sweep_chart(result)
    top, bottom = chart.panels
    assert top.series[0].x == pytest.approx([30.0, 40.0, 45.0])
    assert top.series[0].y == pytest.approx(list(pts["objective_eur"][ok] / 1e6), rel=1e-12)
    assert chart.gaps == pytest.approx([50.0])
    shadow, slope = bottom.series
    assert shadow.y == pytest.approx(list(pts["marginal_pv_eur_per_pp"][ok] / 1e6), rel=1e-12)
    assert slope.x == pytest.approx([35.0, 42.5])
    assert slope.y == pytest.approx([pts["slope_eur_per_pp"].iloc[k] / 1e6 for k in (1, 2)], rel=1e-12)


def test_the_svg_is_well_formed_and_draws_each_point(result):
    """The SVG parses as XML; the top panel's objective series is one circle per solved point (3) and
    the shadow price three more; the slope is two squares (plus one in the legend); the
    no-solution point is one dashed line per panel."""
    root = ET.fromstring(to_svg(sweep_chart(result)))
    assert root.tag == f"{NS}svg"
    circles = root.findall(f"{NS}circle")
    assert len(circles) == 3 + 3 + 1  # objective, shadow price, legend marker of the shadow price
    tips = [c.find(f"{NS}title").text for c in circles[:3]]
    obj = result.points["objective_eur"].dropna() / 1e6
    for tip, v in zip(tips, obj):
        assert tip.endswith(f"{v:,.6g}"), tip
    assert len(root.findall(f"{NS}rect")) == 1 + 2 + 1  # background, two slopes, the legend's square
    assert sum(1 for ln in root.findall(f"{NS}line") if ln.get("stroke-dasharray")) == 2


def test_names_are_text_in_the_svg(tmp_path, result):
    """A case name with markup stays text: escaped in the title, the document still parses."""
    result.case = '<script>alert("x")</script> & co'
    path, fig = write_sweep(result, tmp_path / "sweep.xlsx")
    text = fig.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert ET.fromstring(text).find(f"{NS}title").text.startswith("Cost of autonomy")


@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF"), ("none", None)])
def test_figure_format_on_the_command_line(tmp_path, capsys, fmt, magic):
    """--figure svg (the default, no plotting library), png and pdf (matplotlib), none."""
    if fmt in ("png", "pdf"):
        pytest.importorskip("matplotlib")
    out = tmp_path / "sweep.xlsx"
    args = ["sweep", str(EXAMPLE), "--param", "benchmark.processing.level", "--values", "0,0.4", "-o", str(out), "-q"]
    assert main(args + ["--figure", fmt]) == 0
    figs = sorted(p.name for p in tmp_path.iterdir() if p.name != "sweep.xlsx")
    if magic is None:
        assert figs == []
    else:
        assert figs == [f"sweep.{fmt}"]
        assert (tmp_path / figs[0]).read_bytes().startswith(magic)


def test_one_point_and_large_values_draw_within_the_page():
    """A single solved point (no span to scale: the axis is padded around it) and values of 1e12
    MEUR: every coordinate is finite and inside the page, and the longest y label (1,000,000,000,000
    and its neighbours, 17 characters) fits left of the axis."""
    from model.io.linechart import Chart, Panel, Series

    chart = Chart("one point", "x", [Panel([Series([5.0], [1e12], "#000000")], "MEUR"),
                                     Panel([Series([], [], "#000000")], "slope", zero_line=True)])
    root = ET.fromstring(to_svg(chart))
    width, height = float(root.get("width")), float(root.get("height"))
    c = root.find(f"{NS}circle")
    assert 0 < float(c.get("cx")) < width and 0 < float(c.get("cy")) < height
    axis_x = min(float(ln.get("x1")) for ln in root.findall(f"{NS}line"))
    labels = [t.text for t in root.findall(f"{NS}text") if t.get("text-anchor") == "end"]
    longest = max(labels, key=len)
    assert len(longest) >= 17 and axis_x - 6 - 6.4 * len(longest) >= 0, (longest, axis_x)
