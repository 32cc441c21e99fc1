"""The charts of the results workbook written as DrawingML text from a template, not as openpyxl
chart objects.

openpyxl builds a chart as a tree of some 250 descriptor objects and serialises it through
ElementTree: about 2 ms a chart to make and 1.5 ms to write, or some 0.7 s for the 201 charts of
the largest benchmark instance. The charts of the results workbook are all of two kinds (columns,
stacked or clustered, and lines) with the same axes, so their XML is a template filled with the
title, the series (name, values and categories as references into chart_data, colour, line width
and dash) and the value axis (title, number format, bounds). The text is the one openpyxl writes
for the same chart (tests/test_write_large.py compares them part for part).

``XmlChart`` carries the text in the place of a chart object: ``ws.add_chart`` anchors it and
openpyxl writes the drawing, its relationships and the content types as for any chart;
``ChartWriter`` (openpyxl's workbook writer) writes the text as the chart's part.
"""
from __future__ import annotations

from openpyxl.chart._chart import ChartBase
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import tostring

_HEAD = ('<chartSpace xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
         'xmlns="http://schemas.openxmlformats.org/drawingml/2006/chart"><chart>')
_AXES = ('<axId val="10" /><axId val="100" />')
_CAT_AXIS = ('<catAx><axId val="10" /><scaling><orientation val="minMax" /></scaling><delete val="0" />'
             '<axPos val="l" /><majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="100" />'
             '<lblOffset val="100" /></catAx>')
_TAIL = ('</plotArea><legend><legendPos val="b" /></legend><plotVisOnly val="1" /><dispBlanksAs val="gap" />'
         '</chart></chartSpace>')
_MARKER = '<marker><symbol val="none" /><spPr><a:ln><a:prstDash val="solid" /></a:ln></spPr></marker>'


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _ref(sheet: str, c1: int, r1: int, c2: int, r2: int) -> str:
    """A range as openpyxl's Reference writes it (one cell without the colon)."""
    if c1 == c2 and r1 == r2:
        return f"{sheet}!${get_column_letter(c1)}${r1}"
    return f"{sheet}!${get_column_letter(c1)}${r1}:${get_column_letter(c2)}${r2}"


def _series(data, cats) -> list[tuple[str, str, str]]:
    """(name, values, categories) references of each column of ``data`` (openpyxl References:
    the first row of a column is the series name, the rest its values), as ``add_data(data,
    titles_from_data=True)`` and ``set_categories(cats)`` make them."""
    sheet = quote_sheetname(data.worksheet.title)
    cat = _ref(quote_sheetname(cats.worksheet.title), cats.min_col, cats.min_row, cats.max_col, cats.max_row)
    return [(f"{sheet}!{get_column_letter(c)}{data.min_row}", _ref(sheet, c, data.min_row + 1, c, data.max_row), cat)
            for c in range(data.min_col, data.max_col + 1)]


def _value_axis(y_title: str, y_fmt: str, y_min=None, y_max=None) -> str:
    bounds = (f'<max val="{y_max}" />' if y_max is not None else "") + \
        (f'<min val="{y_min}" />' if y_min is not None else "")
    return ('<valAx><axId val="100" /><scaling><orientation val="minMax" />' + bounds + '</scaling>'
            '<delete val="0" /><axPos val="l" /><majorGridlines /><title><tx><rich><a:bodyPr /><a:p><a:pPr>'
            f'<a:defRPr /></a:pPr><a:r><a:t>{_esc(y_title)}</a:t></a:r></a:p></rich></tx></title>'
            f'<numFmt formatCode="{_attr(y_fmt)}" sourceLinked="0" /><majorTickMark val="none" />'
            '<minorTickMark val="none" /><crossAx val="10" /></valAx>')


def _title(text: str, size: int) -> str:
    return (f'<title><tx><rich><a:bodyPr /><a:p><a:pPr><a:defRPr sz="{size}" b="1" /></a:pPr><a:r>'
            f'<a:rPr sz="{size}" b="1" /><a:t>{_esc(text)}</a:t></a:r></a:p></rich></tx><overlay val="0" /></title>')


def _fill(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}" /></a:solidFill>'


def _ser_head(i: int, name: str) -> str:
    return f'<ser><idx val="{i}" /><order val="{i}" /><tx><strRef><f>{name}</f></strRef></tx>'


def _ser_refs(values: str, cat: str) -> str:
    return f"<cat><numRef><f>{cat}</f></numRef></cat><val><numRef><f>{values}</f></numRef></val>"


def bar_xml(data, cats, title: str, y_title: str, colours, stacked: bool = True, y_fmt: str = "#,##0",
            title_size: int = 1100) -> str:
    """A column chart (stacked or clustered), each series filled and outlined in its colour."""
    out = [_HEAD, _title(title, title_size), '<plotArea><barChart><barDir val="col" />',
           f'<grouping val="{"stacked" if stacked else "clustered"}" />']
    for i, ((name, values, cat), colour) in enumerate(zip(_series(data, cats), colours)):
        out.append(_ser_head(i, name) + f'<spPr>{_fill(colour)}<a:ln>{_fill(colour)}<a:prstDash val="solid" />'
                   "</a:ln></spPr>" + _ser_refs(values, cat) + "</ser>")
    out += ['<gapWidth val="60" />', '<overlap val="100" />' if stacked else "", _AXES, "</barChart>", _CAT_AXIS,
            _value_axis(y_title, y_fmt), _TAIL]
    return "".join(out)


def line_xml(data, cats, title: str, y_title: str, colours, dashed=(), y_fmt: str = "#,##0", widths=(),
             y_min=None, y_max=None, title_size: int = 1100) -> str:
    """A line chart without markers: each series in its colour, solid or dashed, ``widths`` in
    points (default 2.25 pt solid, 1.5 pt dashed)."""
    out = [_HEAD, _title(title, title_size), '<plotArea><lineChart><grouping val="standard" />']
    series = _series(data, cats)
    n = len(series)
    for i, ((name, values, cat), colour, dash, width) in enumerate(
            zip(series, colours, list(dashed) + [False] * n, list(widths) + [None] * n)):
        w = int(12700 * width) if width else (28575 if not dash else 19050)
        out.append(_ser_head(i, name) + f'<spPr><a:ln w="{w}">{_fill(colour)}<a:prstDash val='
                   f'"{"dash" if dash else "solid"}" /></a:ln></spPr>' + _MARKER + _ser_refs(values, cat)
                   + '<smooth val="0" /></ser>')
    out += [_AXES, "</lineChart>", _CAT_AXIS, _value_axis(y_title, y_fmt, y_min, y_max), _TAIL]
    return "".join(out)


class XmlChart(ChartBase):
    """A chart given as its XML text, anchored on a sheet like an openpyxl chart (``ws.add_chart``)
    and written by ``ChartWriter``. ``width`` and ``height`` in cm, as openpyxl's charts."""

    def __init__(self, xml: str, width: float = 16.5, height: float = 8.0):
        self.xml = xml
        self.width, self.height = width, height
        self.anchor = "E15"
        self._charts = [self]

    def _write(self):  # only ChartWriter writes these charts
        raise TypeError("an XmlChart is written by model.io.chart_xml.ChartWriter")


class ChartWriter(ExcelWriter):
    """openpyxl's workbook writer, writing each ``XmlChart`` as its text."""

    def _write_charts(self):
        for chart in self._charts:
            xml = chart.xml if isinstance(chart, XmlChart) else tostring(chart._write())
            self._archive.writestr(chart.path[1:], xml)
            self.manifest.append(chart)
