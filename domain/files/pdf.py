"""The one home of Chinese text in the PDFs the app draws (receipts, permits, signed move-in papers, inspection
records, the day's 收楼汇总): reportlab's built-in CID font, Latin runs in Helvetica, styles that break between any
two characters, and paragraphs whose data is escaped, never read as markup.

A CID font is not embedded: the reader supplies a Song/Serif face, so the PDFs need no font file. Readers that lack
STSong substitute a face whose Latin widths differ from the font's metrics, which spaces digits unevenly and leaves a
gap after ¥; Latin runs therefore use Helvetica, whose metrics every reader has.
"""

import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, TableStyle

from domain.clock import local_text
from domain.files.store import stored_image

FONT = "STSong-Light"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
INK = colors.HexColor("#1F2328")
MUTED = colors.HexColor("#5F6670")
_LATIN_RUN = re.compile(r"[\x21-\x7e¥·](?:[\x20-\x7e¥·]*[\x21-\x7e¥·])?")


def cjk_style(name, size, *, color=INK, align=None, leading=None, **extra):
    """A paragraph style in the CID font that breaks lines between any two characters."""
    style = ParagraphStyle(
        name, fontName=FONT, fontSize=size, leading=leading or size * 1.35, textColor=color, wordWrap="CJK", **extra
    )
    if align is not None:
        style.alignment = align
    return style


# The office's record forms (验房记录表, 巡视记录表, 特殊事件报告) share one look: their type and their ruled tables.
FORM_BODY = cjk_style("form_body", 9.5, leading=13)
FORM_SMALL = cjk_style("form_small", 7.5, leading=10, color=MUTED)
FORM_HEADING = cjk_style("form_heading", 18, leading=24, align=1)
FORM_SUBHEADING = cjk_style("form_subheading", 11, leading=16, spaceBefore=6, spaceAfter=3)
#: A ruled table whose cells start at the top.
FORM_GRID = TableStyle(
    [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA1AA")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
)
#: The same with its first row shaded as the column heads.
FORM_TABLE = TableStyle([*FORM_GRID.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F4F6"))])


def latin_runs(text):
    """Split text into (is_latin, chunk) runs so Latin and Chinese each get their own font."""
    runs, position = [], 0
    for match in _LATIN_RUN.finditer(text):
        if match.start() > position:
            runs.append((False, text[position : match.start()]))
        runs.append((True, match.group()))
        position = match.end()
    if position < len(text):
        runs.append((False, text[position:]))
    return runs


def truncate(text, limit):
    """The text on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markup(text):
    """Plain text as paragraph markup: escaped, Latin runs in Helvetica, line breaks kept."""
    return "<br/>".join(
        "".join(
            f'<font name="{LATIN}">{escape(chunk)}</font>' if latin else escape(chunk)
            for latin, chunk in latin_runs(line)
        )
        for line in text.split("\n")
    )


def paragraph(text, style, *, limit=None):
    """A paragraph of plain text (None as empty), cut to `limit` characters on one line when given."""
    text = "" if text is None else str(text)
    return Paragraph(markup(truncate(text, limit) if limit else text), style)


def form_document(out, *, title, **extra):
    """An A4 record form written to the file-like `out`, with the forms' 15 mm margins."""
    margin = 15 * mm
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        **extra,
    )


def signature_flowables(label, signature):
    """A signature on a record form: `label`, the stored image scaled into a 60 x 22 mm box (a line saying it is
    missing when the file is gone), then who signed and when."""
    parts = [paragraph(label, FORM_BODY)]
    source = stored_image(signature.stored_name)
    try:
        if source is None:
            raise FileNotFoundError(signature.stored_name)
        parts.append(Image(source, width=60 * mm, height=22 * mm, kind="proportional"))
    except OSError:
        parts.append(paragraph("（签名图像缺失）", FORM_SMALL))
    parts.append(paragraph(f"{signature.signer_name}  {local_text(signature.signed_at)}", FORM_SMALL))
    return parts
