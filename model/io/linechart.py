"""A line chart of stacked panels sharing one x axis, declared once and drawn two ways.

``Chart`` says what is drawn (panels, series, labels, the x values without a solution, a note);
``to_svg`` draws it as a standalone SVG file by hand, without a plotting library (a few
milliseconds; the default, so that a sweep does not pay for importing matplotlib), and
``to_matplotlib`` draws the same chart with matplotlib for PNG or PDF, on request. The sweep
(``model.analysis.sweep.sweep_chart``) is the one user today.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path

FIGURE_FORMATS = ("svg", "png", "pdf", "none")  # what a sweep can write beside its workbook
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")


@dataclass
class Series:
    x: list[float]
    y: list[float]
    colour: str
    marker: str = "o"  # "o" circle or "s" square
    line: bool = True  # join the points
    label: str | None = None  # in the panel's legend


@dataclass
class Panel:
    series: list[Series]
    ylabel: str
    height: float = 1.0  # relative to the other panels
    zero_line: bool = False


@dataclass
class Chart:
    title: str
    xlabel: str
    panels: list[Panel]
    gaps: list[float] = field(default_factory=list)  # x values without a solution: dotted lines
    gap_label: str = "dotted: no solution"
    note: str = ""  # small print under the chart


def figure_style() -> dict:
    """Matplotlib settings for publication figures (deterministic SVG ids: a fixed hash salt; embedded
    TrueType fonts)."""
    return {"font.size": 9, "axes.titlesize": 10, "figure.titlesize": 11, "axes.labelsize": 9, "legend.fontsize": 8,
            "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
            "axes.spines.right": False, "axes.grid": True, "axes.grid.axis": "y", "grid.color": "0.88",
            "axes.prop_cycle": __import__("cycler").cycler(color=list(OKABE_ITO)),
            "savefig.bbox": "tight", "pdf.fonttype": 42, "ps.fonttype": 42, "svg.hashsalt": "crm-model",
            "svg.fonttype": "none"}


def esc(v) -> str:
    return html.escape(str(v), quote=True)


def nice_step(span: float, ticks: int = 6) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = span / max(ticks - 1, 1)
    if not raw > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for k in (1.0, 2.0, 2.5, 5.0, 10.0):
        if k * power >= raw:
            return k * power
    return 10.0 * power


def tick_label(v: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step * 10 ** decimals % 1 > 1e-9:  # a step of 2.5, 0.25, ...
        decimals += 1
    return f"{v:,.{decimals}f}"


def _ticks(lo: float, hi: float, n: int = 6) -> tuple[float, float, list[float]]:
    """Round axis limits around [lo, hi] and the ticks between them."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, n)
    lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    k = round((hi - lo) / step)
    return lo, hi, [lo + i * step for i in range(k + 1)]


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{esc(tip)}</title>"
    if kind == "s":
        return (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}">'
                f"{title}</rect>")
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">{title}</circle>'


def to_svg(chart: Chart) -> str:
    """The chart as a standalone SVG document (text; every label escaped)."""
    xs = _finite([v for p in chart.panels for s in p.series for v in s.x] + list(chart.gaps))
    xlo, xhi, xticks = _ticks(min(xs, default=0.0), max(xs, default=1.0), 7)
    axes = []  # per panel: y limits, ticks and their labels
    for p in chart.panels:
        ys = _finite([v for s in p.series for v in s.y] + ([0.0] if p.zero_line else []))
        ylo, yhi, yticks = _ticks(min(ys, default=0.0), max(ys, default=1.0), 5)
        step = yticks[1] - yticks[0] if len(yticks) > 1 else 1.0
        axes.append((ylo, yhi, yticks, [tick_label(v, step) for v in yticks]))
    longest = max((len(t) for a in axes for t in a[3]), default=4)
    left, width, right = max(60, round(34 + 6.4 * longest)), 520, 24  # room for the longest y label
    top, panel_gap, unit_h = 40, 18, 210
    heights = [unit_h * p.height for p in chart.panels]
    legend_h = [18 if any(s.label for s in p.series) else 0 for p in chart.panels]  # a row above the panel
    note_lines = [ln for ln in chart.note.split("\n") if ln]
    total_h = top + sum(heights) + sum(legend_h) + panel_gap * (len(heights) - 1) + 48 + 14 * len(note_lines) + 6
    total_w = left + width + right

    def sx(v: float) -> float:
        return left + (v - xlo) / (xhi - xlo) * width

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{total_w}" height="{total_h:.0f}" '
           f'viewBox="0 0 {total_w} {total_h:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
           f"<title>{esc(chart.title)}</title>",
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           f'<text x="{left + width / 2:.1f}" y="20" text-anchor="middle" font-size="13">{esc(chart.title)}</text>']
    y0 = top
    for p, h, lh, (ylo, yhi, yticks, ylabels) in zip(chart.panels, heights, legend_h, axes):
        lx = left
        for s in p.series:  # legend: one row above the panel, never over the data
            if s.label:
                out.append(_marker(s.marker, lx + 4, y0 + 6, s.colour, s.label)
                           + f'<text x="{lx + 12}" y="{y0 + 10}">{esc(s.label)}</text>')
                lx += 30 + 6.2 * len(s.label)
        y0 += lh

        def sy(v: float, y0=y0, h=h, ylo=ylo, yhi=yhi) -> float:
            return y0 + h - (v - ylo) / (yhi - ylo) * h

        for v, lab in zip(yticks, ylabels):  # horizontal grid and y tick labels
            out.append(f'<line x1="{left}" y1="{sy(v):.1f}" x2="{left + width}" y2="{sy(v):.1f}" stroke="#e0e0e0"/>'
                       f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{esc(lab)}</text>')
        if p.zero_line and ylo < 0 < yhi:
            out.append(f'<line x1="{left}" y1="{sy(0):.1f}" x2="{left + width}" y2="{sy(0):.1f}" stroke="#999999"/>')
        out.append(f'<line x1="{left}" y1="{y0}" x2="{left}" y2="{y0 + h:.1f}" stroke="#595959"/>'
                   f'<line x1="{left}" y1="{y0 + h:.1f}" x2="{left + width}" y2="{y0 + h:.1f}" stroke="#595959"/>')
        for g in chart.gaps:
            out.append(f'<line x1="{sx(g):.1f}" y1="{y0}" x2="{sx(g):.1f}" y2="{y0 + h:.1f}" '
                       f'stroke="{OKABE_ITO[5]}" stroke-dasharray="2,3"/>')
        cy = y0 + h / 2
        out.append(f'<text x="16" y="{cy:.1f}" text-anchor="middle" transform="rotate(-90 16 {cy:.1f})">'
                   f"{esc(p.ylabel)}</text>")
        for s in p.series:
            pts = [(sx(a), sy(b), a, b) for a, b in zip(s.x, s.y)
                   if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)]
            if s.line and len(pts) > 1:
                out.append(f'<polyline fill="none" stroke="{s.colour}" stroke-width="2" points="'
                           + " ".join(f"{a:.1f},{b:.1f}" for a, b, _, _ in pts) + '"/>')
            for a, b, va, vb in pts:
                out.append(_marker(s.marker, a, b, s.colour, f"{s.label or p.ylabel}: {va:g}, {vb:,.6g}"))
        y0 += h + panel_gap
    ybase = y0 - panel_gap
    step = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    for v in xticks:
        out.append(f'<line x1="{sx(v):.1f}" y1="{ybase:.1f}" x2="{sx(v):.1f}" y2="{ybase + 4:.1f}" stroke="#595959"/>'
                   f'<text x="{sx(v):.1f}" y="{ybase + 16:.1f}" text-anchor="middle">{esc(tick_label(v, step))}</text>')
    out.append(f'<text x="{left + width / 2:.1f}" y="{ybase + 34:.1f}" text-anchor="middle">{esc(chart.xlabel)}</text>')
    if chart.gaps:
        out.append(f'<text x="{left + 4}" y="{top - 6}" fill="{OKABE_ITO[5]}" font-size="10">'
                   f"{esc(chart.gap_label)}</text>")
    for i, ln in enumerate(note_lines):
        out.append(f'<text x="8" y="{ybase + 52 + 14 * i:.1f}" fill="#595959" font-size="10">{esc(ln)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(chart: Chart, path) -> Path:
    """The SVG file, written whole or not at all (a temporary file beside it, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(to_svg(chart), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def to_matplotlib(chart: Chart, path) -> Path:
    """The chart drawn by matplotlib (PNG at 200 dpi, or PDF/SVG by the suffix of ``path``); raises
    ImportError without matplotlib (the ``reports`` extra)."""
    import matplotlib
    from matplotlib.figure import Figure  # without pyplot: no backend or window machinery to import

    path = Path(path)
    with matplotlib.rc_context(figure_style()):
        fig = Figure(figsize=(6.4, 6.0))
        axes = fig.subplots(len(chart.panels), 1, sharex=True, squeeze=False,
                            gridspec_kw=dict(height_ratios=[p.height for p in chart.panels]))[:, 0]
        for ax, p in zip(axes, chart.panels):
            for s in p.series:
                ax.plot(s.x, s.y, ("-" if s.line else "") + s.marker, color=s.colour, lw=2, ms=5, label=s.label)
            for g in chart.gaps:
                ax.axvline(g, color=OKABE_ITO[5], ls=":", lw=1)
            if p.zero_line:
                ax.axhline(0, color="0.6", lw=0.8)
            if any(s.label for s in p.series):
                ax.legend(frameon=False, fontsize=8, loc="best")
            ax.set_ylabel(p.ylabel)
        if chart.gaps:
            axes[0].text(0.01, 0.02, chart.gap_label, transform=axes[0].transAxes, color=OKABE_ITO[5], fontsize=8)
        axes[0].set_title(chart.title)
        axes[-1].set_xlabel(chart.xlabel)
        if chart.note:
            fig.text(0.01, 0.0, chart.note, va="top", fontsize=7, color="0.35")
        fig.tight_layout()
        meta = {"CreationDate": None} if path.suffix == ".pdf" else {"Date": None} if path.suffix == ".svg" else {}
        fig.savefig(path, dpi=200, metadata=meta)
    return path
