"""Figures fit for a paper, on the default EU case (19 materials, 16 years): whole-year ticks, no
'1e7' offsets, a legend whose colours are all different (the largest suppliers named, the rest as
'other countries'), titles and legends clear of the panels, page-sized figures (the materials go on
over pages), written as PNG, PDF and SVG."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from model.io.export import NAMED_SUPPLIERS, OTHER, PAGE_WIDTH, PER_PAGE, export_run, figures  # noqa: E402
from model.pipeline import run_case  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def eu(tmp_path_factory):
    return run_case(ROOT / "inputs" / "eu_crma.xlsx", outputs=tmp_path_factory.mktemp("eu"), argv=["t"])


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_figures_of_the_eu_case_are_fit_for_a_paper(eu):
    import matplotlib.colors as mcolors

    figs = figures(eu.results.tables)
    n = len(eu.data.materials)
    pages = -(-n // PER_PAGE)
    for topic in ("supply_by_origin", "stock", "benchmarks"):
        assert [f"{topic}_{k}" for k in range(1, pages + 1)] == [k for k in figs if k.startswith(topic)]
    # capacity: one panel per capacity row id, the materials and the co-product groups (rare-earth
    # separation, Kevitsa, the nickel-cobalt mine, the restart of curtailed aluminium smelters)
    ids = eu.results.tables["capacity"]["material"].nunique()
    assert ids > n
    cap_pages = -(-ids // PER_PAGE)
    assert [f"capacity_{k}" for k in range(1, cap_pages + 1)] == [k for k in figs if k.startswith("capacity")]
    for name, fig in figs.items():
        w, h = fig.get_size_inches()
        assert w == PAGE_WIDTH and h <= 10.0, (name, w, h)  # a page of a paper, not 2224 x 8669 px
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        axes = [ax for ax in fig.axes if ax.get_visible()]
        for ax in axes:
            if name != "cost_by_component":
                labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
                assert labels and all(lab.isdigit() and 2000 < int(lab) < 2100 for lab in labels), (name, labels)
            assert ax.yaxis.get_offset_text().get_text() == "" and ax.xaxis.get_offset_text().get_text() == ""
        # the title and the legend stay clear of every panel
        boxes = [ax.get_tightbbox(renderer) for ax in axes]
        titles = list(fig.texts) + ([fig._suptitle] if fig._suptitle is not None else [])
        assert titles or name == "cost_by_component"
        others = [t.get_window_extent(renderer) for t in titles] + \
                 [lg.get_window_extent(renderer) for lg in fig.legends]
        for o in others:
            assert not any(_boxes_overlap(o, b) for b in boxes), name
        # every legend entry its own colour
        for lg in fig.legends + [ax.get_legend() for ax in axes if ax.get_legend()]:
            cols = []
            for hnd in lg.legend_handles:
                c = hnd.get_facecolor() if hasattr(hnd, "get_facecolor") and not hasattr(hnd, "get_xdata") \
                    else hnd.get_color()
                cols.append(mcolors.to_hex(c if not hasattr(c, "ndim") or c.ndim == 1 else c[0]))
            entries = [t.get_text() for t in lg.get_texts()]
            dashed = {e for e in entries if e == "stock target"}
            solid = [c for c, e in zip(cols, entries) if e not in dashed]
            assert len(set(solid)) == len(solid), (name, list(zip(entries, cols)))
    legend = [t.get_text() for t in figs["supply_by_origin_1"].legends[0].get_texts()]
    assert OTHER in legend and len([e for e in legend if e not in ("EU processing", "EU recycling", "stock release",
                                                                   OTHER)]) <= NAMED_SUPPLIERS


def test_export_writes_png_pdf_svg(tmp_path):
    run = run_case(ROOT / "inputs" / "example_disruptions.xlsx", outputs=tmp_path / "out", argv=["t"])
    written = export_run(run.folder, formats=("png", "pdf", "svg"), out_dir=tmp_path)
    names = {p.stem for p in written}
    assert {"cost_by_component", "supply_by_origin", "stock", "capacity", "benchmarks"} <= names
    for suffix in ("png", "pdf", "svg"):
        files = [p for p in written if p.suffix == f".{suffix}"]
        assert len(files) == len(names) and all(p.stat().st_size > 5_000 for p in files)
    from matplotlib.image import imread

    img = imread(tmp_path / "figures" / "supply_by_origin.png")
    assert img.shape[1] <= 2400 and img.shape[0] <= 3200  # 300 dpi on a page
