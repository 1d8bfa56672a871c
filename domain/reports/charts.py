"""The monthly report's charts, drawn by reportlab.graphics (a kept charting library, already used for the PDFs):
one Drawing per chart, rendered to SVG for the page and drawn as is into the PDF, so both show the same chart.

Labels use the PDFs' CID font (domain/files/pdf.py); a browser does not know that face, so the SVG names CJK sans
faces after it. The console's Content-Security-Policy refuses inline style attributes, so the SVG's styles are
written as presentation attributes (which the policy does not govern)."""

import re
from xml.etree import ElementTree

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from domain.files.pdf import FONT

#: What the browser uses for the labels: the PDF's face if installed, else a CJK sans face, else any sans.
BROWSER_FONTS = (
    f"{FONT}, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'WenQuanYi Micro Hei', sans-serif"
)
INK = colors.HexColor("#1F2328")
BAR = colors.HexColor("#2F6FB3")
TARGET = colors.HexColor("#C0392B")
SHARES = [colors.HexColor(c) for c in ("#2F6FB3", "#E08A2E", "#3E9B5B", "#9B59B6", "#C0392B", "#7F8C8D", "#D4AC0D")]
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def _text(drawing, x, y, text, size=9, anchor="start", color=INK):
    """Add a label in the report's font."""
    drawing.add(String(x, y, text, fontName=FONT, fontSize=size, textAnchor=anchor, fillColor=color))


def _style_axes(chart):
    """The report's look of a chart's axes: its font and small labels."""
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7
        axis.strokeColor = colors.HexColor("#9AA1AA")


def collection_chart(title, labels, rates, target, *, width=480, height=220):
    """Bars of the collection rate in percent per label (a month, a building...) with the target as a red line;
    a rate of None draws no bar."""
    drawing = Drawing(width, height)
    _text(drawing, 0, height - 12, title, 10)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 36, width - 50, height - 66
    # A month without bills has no rate: no bar (not a bar of 0 %).
    chart.data = [list(rates) or [0]]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    _style_axes(chart)
    if len(labels) > 6:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    drawing.add(chart)
    y = chart.y + chart.height * target / 100
    drawing.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=TARGET, strokeWidth=1.2, strokeDashArray=[4, 2]))
    _text(drawing, chart.x + chart.width, y + 3, f"{target}%", 7, "end", TARGET)
    return drawing


def bar_chart(title, labels, values, *, width=480, height=None):
    """Horizontal bars of counts per label (complaints by category, reasons for paying late)."""
    height = height or max(100, 48 + 18 * max(len(labels), 1))
    drawing = Drawing(width, height)
    _text(drawing, 0, height - 12, title, 10)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 20, width - 130, height - 42
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*values, 4])
    chart.valueAxis.valueStep = max(1, chart.valueAxis.valueMax // 4)
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    _style_axes(chart)
    drawing.add(chart)
    return drawing


def share_chart(title, labels, values, *, width=480, height=140):
    """A pie of shares with a legend (tickets by kind, incidents by kind)."""
    drawing = Drawing(width, height)
    _text(drawing, 0, height - 12, title, 10)
    pairs = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 10, 10, height - 40, height - 40
    pie.data = [value for _l, value in pairs] or [1]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    for i in range(len(pie.data)):
        pie.slices[i].fillColor = SHARES[i % len(SHARES)] if pairs else colors.HexColor("#E5E7EA")
    drawing.add(pie)
    legend = Legend()
    legend.x, legend.y = height, height - 30
    legend.fontName, legend.fontSize = FONT, 8
    legend.alignment = "right"
    legend.colorNamePairs = [
        (SHARES[i % len(SHARES)], f"{label} {value}") for i, (label, value) in enumerate(pairs)
    ] or [(colors.HexColor("#E5E7EA"), "—")]
    drawing.add(legend)
    return drawing


_STYLE_ITEM = re.compile(r"\s*([\w-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def to_svg(drawing, label, key):
    """The drawing as an inline <svg> element: titled `label`, its styles as attributes, CJK fonts named, its clip
    path's id made unique on the page by `key`."""
    root = ElementTree.fromstring(renderSVG.drawToString(drawing).encode("utf-8"))
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]  # plain names: see the end
        if element.get("id") == "clip":
            element.set("id", f"clip-{key}")
        elif element.get("id") == "group":
            del element.attrib["id"]
        if element.get("style", "").startswith("clip-path"):
            element.set("style", f"clip-path: url(#clip-{key})")
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _STYLE_ITEM.findall(style):
                element.set(name, BROWSER_FONTS if name == "font-family" else value)
        if element.tag == "title":
            element.text = label
        if element.tag == "desc":
            element.text = ""
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "chart")
    root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    # The elements lose their namespace and the root names it itself: ElementTree would otherwise write whatever
    # prefix was registered for SVG last (the QR codes' "svg:"), and HTML does not draw <svg:svg>.
    root.set("xmlns", SVG_NAMESPACE)
    return ElementTree.tostring(root, encoding="unicode")
