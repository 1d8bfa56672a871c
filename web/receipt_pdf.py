"""Payment receipts (收款收据) as A5 PDFs in Chinese, drawn with reportlab's built-in CID font."""

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from domain.clock import local_text
from domain.files.pdf import FONT, INK, LATIN, LATIN_BOLD, MUTED, cjk_style, latin_runs, paragraph

APP_NAME = "物业客服服务平台"
FOOTER_TEXT = f"本收据由{APP_NAME}生成，请妥善保存。"
SANDBOX_TEXT = "测试沙盒支付 · 非真实款项"
VOID_TEXT = "作废 VOID"


# A cell taller than a page cannot be split by platypus, so absurdly long text is cut, not wrapped forever.
MAX_DESCRIPTION_CHARS = 80
MAX_FIELD_CHARS = 120

PAGE_WIDTH, PAGE_HEIGHT = A5
MARGIN_X = 12 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 16 * mm
SANDBOX_BAND = 11 * mm
CONTINUATION_BAND = 9 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
LABEL_WIDTH = 17 * mm

RULE = colors.HexColor("#9AA1AA")
HAIRLINE = colors.HexColor("#D0D4D9")
LABEL_FILL = colors.HexColor("#F2F4F6")
RECEIPT_RED = colors.HexColor("#B3261E")
SANDBOX_FILL = colors.HexColor("#FFF1C2")
SANDBOX_EDGE = colors.HexColor("#D99A00")
SANDBOX_INK = colors.HexColor("#6B4300")

_CHINESE_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SECTION_UNITS = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
# Beyond 万亿 the capitals would need 亿亿, which no bank form uses.
_MAX_YUAN = 10**16


@dataclass(frozen=True)
class ReceiptLine:
    """One charge on a receipt; a discount is a negative amount."""

    description: str
    period: str
    amount_fen: int


@dataclass(frozen=True)
class ReceiptView:
    """Everything printed on one receipt, already resolved to display strings."""

    number: str
    property_name: str
    property_address: str
    service_phone: str
    unit_label: str
    payer_name: str
    lines: tuple[ReceiptLine, ...]
    total_fen: int
    method_label: str
    reference: str
    paid_at: datetime
    cashier: str
    voided: bool = False
    refunded_fen: int = 0
    sandbox: bool = False


def format_yuan(fen: int) -> str:
    """Format integer fen as "¥1,234.56" (or "-¥12.00") without going through float."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _section_upper(number: int) -> str:
    """Capitals for 1..9999: one 零 for each run of inner zeros, trailing zeros dropped."""
    parts = []
    pending_zero = False
    for value, unit in _SECTION_UNITS:
        digit = number // value % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_CHINESE_DIGITS[digit] + unit)
    return "".join(parts)


def _integer_upper(number: int) -> str:
    """Capitals for a positive whole number, grouped by 亿 and 万."""
    for group, name in ((10**8, "亿"), (10**4, "万")):
        if number >= group:
            high, low = divmod(number, group)
            text = _integer_upper(high) + name
            if low:
                # The lower group starts with zeros (e.g. 1亿0001万): say 零 once where they are.
                text += ("零" if low < group // 10 else "") + _integer_upper(low)
            return text
    return _section_upper(number)


def fen_to_chinese_upper(fen: int) -> str:
    """Amount in 人民币大写 per the bank rules: 123456 -> "壹仟贰佰叁拾肆元伍角陆分", 100 -> "壹元整"."""
    fen = int(fen)
    if fen < 0:
        return "负" + fen_to_chinese_upper(-fen)
    yuan, cents = divmod(fen, 100)
    if yuan >= _MAX_YUAN:
        raise ValueError("amount too large for Chinese capitals")
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = _integer_upper(yuan) + "元" if yuan else ""
    if cents == 0:
        return text + "整"
    if yuan and (jiao == 0 or yuan % 10 == 0):
        # A zero between 元 and the first non-zero fraction digit is written, so nothing can be slipped in.
        text += "零"
    if jiao:
        text += _CHINESE_DIGITS[jiao] + "角"
    if fen_digit:
        text += _CHINESE_DIGITS[fen_digit] + "分"
    return text


STYLES = {
    "body": cjk_style("body", 9, leading=11.5),
    "label": cjk_style("label", 8.5, color=MUTED, leading=11.5),
    "head": cjk_style("head", 8.5, color=MUTED, leading=11.5),
    "head_right": cjk_style("head_right", 8.5, color=MUTED, align=TA_RIGHT, leading=11.5),
    "amount": cjk_style("amount", 9, align=TA_RIGHT, leading=11.5),
    "total": cjk_style("total", 10.5, align=TA_RIGHT),
    "total_label": cjk_style("total_label", 10),
    "upper": cjk_style("upper", 10.5),
    "issuer": cjk_style("issuer", 11, leading=14),
    "issuer_small": cjk_style("issuer_small", 7.5, color=MUTED, leading=9.5),
    "number_label": cjk_style("number_label", 7.5, color=MUTED, align=TA_RIGHT, leading=9.5),
    "number": cjk_style("number", 11, color=RECEIPT_RED, align=TA_RIGHT, leading=14),
    "time": cjk_style("time", 8.5, align=TA_RIGHT, leading=11),
    "refund": cjk_style("refund", 10, color=RECEIPT_RED),
}


def _para(text: str, style: str, limit: int = MAX_FIELD_CHARS) -> Paragraph:
    """A paragraph of plain text, cut to `limit`; markup characters in data are escaped, not interpreted."""
    return paragraph(text, STYLES[style], limit=limit)


def _or_dash(text: str) -> str:
    """The text, or a dash so an empty field is visibly empty rather than left blank to fill in."""
    return text.strip() or "—"


def _property_time(moment: datetime) -> str:
    """A timezone-aware moment as the property's wall time (Shanghai), "2026-11-28 18:05"."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("paid_at must be timezone-aware")
    return local_text(moment)


def _text_width(text: str, size: float, *, bold: bool = False, char_space: float = 0.0) -> float:
    """Width of text drawn by _draw_text with the same arguments."""
    latin_font = LATIN_BOLD if bold else LATIN
    width = sum(pdfmetrics.stringWidth(chunk, latin_font if latin else FONT, size) for latin, chunk in latin_runs(text))
    return width + char_space * max(len(text) - 1, 0)


def _draw_text(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, anchor="left", bold=False, char_space=0.0
) -> None:
    """Draw one line of mixed Chinese/Latin text at (x, y), anchored left, centre or right."""
    width = _text_width(text, size, bold=bold, char_space=char_space)
    x -= {"left": 0, "centre": width / 2, "right": width}[anchor]
    obj = canvas.beginText(x, y)
    obj.setCharSpace(char_space)
    for latin, chunk in latin_runs(text):
        obj.setFont((LATIN_BOLD if bold else LATIN) if latin else FONT, size)
        # The CID font has no bold face: outlining the glyphs as well as filling them thickens the strokes.
        obj.setTextRenderMode(2 if bold and not latin else 0)
        obj.textOut(chunk)
    canvas.saveState()
    canvas.setLineWidth(size / 40)
    canvas.drawText(obj)
    canvas.restoreState()


class _Title(Flowable):
    """The centred 收款收据 title with its double rule and the small Receipt subtitle."""

    SIZE = 20
    SPACING = 5

    def wrap(self, avail_width, avail_height):
        """Fixed height; the width is whatever the header cell gives."""
        self.width = avail_width
        self.height = 44
        return self.width, self.height

    def draw(self):
        """Draw the title, double-rule it and put the subtitle under the rules."""
        canvas = self.canv
        canvas.setFillColor(INK)
        canvas.setStrokeColor(INK)
        width = _text_width("收款收据", self.SIZE, bold=True, char_space=self.SPACING)
        x = (self.width - width) / 2
        _draw_text(canvas, x, 22, "收款收据", self.SIZE, bold=True, char_space=self.SPACING)
        canvas.setLineWidth(1.1)
        canvas.line(x - 6, 16.5, x + width + 6, 16.5)
        canvas.setLineWidth(0.4)
        canvas.line(x - 6, 14, x + width + 6, 14)
        canvas.setFillColor(MUTED)
        _draw_text(canvas, self.width / 2, 3, "Receipt", 7.5, anchor="centre")


def _header(receipt: ReceiptView) -> Table:
    """Issuer at the left, title in the middle, number and time at the top right."""
    side = (CONTENT_WIDTH - 44 * mm) / 2
    issuer = [
        _para(receipt.property_name, "issuer"),
        _para(receipt.property_address, "issuer_small"),
        _para(f"服务电话 {receipt.service_phone}", "issuer_small"),
    ]
    numbering = [
        _para("收据号 No.", "number_label"),
        _para(receipt.number, "number"),
        Spacer(1, 2),
        _para("收款时间", "number_label"),
        _para(_property_time(receipt.paid_at), "time"),
    ]
    table = Table([[issuer, _Title(), numbering]], colWidths=[side, 44 * mm, side])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _box_style(*extra, last_row: int = -1) -> TableStyle:
    """The form look shared by every box: a dark outer frame (down to `last_row`) and even cell padding."""
    return TableStyle(
        [
            ("BOX", (0, 0), (-1, last_row), 0.8, INK),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            *extra,
        ]
    )


def _labelled_pairs(rows: list[list], label_cells: list[tuple[int, int]]) -> Table:
    """A four-column label/value box (label, value, label, value) with hairlines and shaded labels."""
    value = (CONTENT_WIDTH - 2 * LABEL_WIDTH) / 2
    table = Table(rows, colWidths=[LABEL_WIDTH, value, LABEL_WIDTH, value])
    table.setStyle(
        _box_style(
            ("INNERGRID", (0, 0), (-1, -1), 0.35, HAIRLINE),
            *(("BACKGROUND", cell, cell, LABEL_FILL) for cell in label_cells),
        )
    )
    return table


def _lines_table(receipt: ReceiptView, closing: list) -> Table:
    """Charges with a repeated header row, right-aligned amounts, the total, then `closing` below the box."""
    rows = [[_para("项目", "head"), _para("所属期间", "head"), _para("金额", "head_right")]]
    for line in receipt.lines:
        rows.append(
            [
                _para(line.description, "body", MAX_DESCRIPTION_CHARS),
                _para(_or_dash(line.period), "body", MAX_DESCRIPTION_CHARS // 2),
                _para(format_yuan(line.amount_fen), "amount"),
            ]
        )
    count = len(receipt.lines)
    rows.append([_para(f"合计（共 {count} 项）", "total_label"), "", _para(format_yuan(receipt.total_fen), "total")])
    rows.append([closing, "", ""])
    amount_width = 26 * mm
    period_width = 33 * mm
    table = Table(
        rows,
        colWidths=[CONTENT_WIDTH - period_width - amount_width, period_width, amount_width],
        repeatRows=1,
    )
    # The closing details ride in the table's last row so that NOSPLIT can hold them to the total and the
    # last few charges: a page holding only the capitals, cut off from what they total, would look forged.
    held_from = max(1, count - 2)
    # Only row rules inside the list, no column rules: columns read by alignment, like a printed bill.
    table.setStyle(
        _box_style(
            ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
            ("LINEBELOW", (0, 1), (-1, -3), 0.35, HAIRLINE),
            ("LINEABOVE", (0, -2), (-1, -2), 0.8, INK),
            # Where the list breaks across pages, close the box (the row hairline would otherwise end it).
            ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.8, INK),
            ("SPAN", (0, -2), (1, -2)),
            ("TOPPADDING", (0, -2), (-1, -2), 5),
            ("BOTTOMPADDING", (0, -2), (-1, -2), 5.5),
            ("SPAN", (0, -1), (-1, -1)),
            ("LEFTPADDING", (0, -1), (-1, -1), 0),
            ("RIGHTPADDING", (0, -1), (-1, -1), 0),
            ("TOPPADDING", (0, -1), (-1, -1), 0),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 0),
            ("NOSPLIT", (0, held_from), (-1, -1)),
            last_row=-2,
        )
    )
    return table


def _capitals_table(receipt: ReceiptView) -> Table:
    """The total in Chinese capitals, the line a bank teller reads."""
    table = Table(
        [[_para("金额大写", "label"), _para("人民币" + fen_to_chinese_upper(receipt.total_fen), "upper")]],
        colWidths=[LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH],
    )
    table.setStyle(
        _box_style(("INNERGRID", (0, 0), (-1, -1), 0.35, HAIRLINE), ("BACKGROUND", (0, 0), (0, 0), LABEL_FILL))
    )
    return table


def _payment_table(receipt: ReceiptView) -> Table:
    """Method, cashier and the payment reference."""
    table = _labelled_pairs(
        [
            [
                _para("支付方式", "label"),
                _para(receipt.method_label, "body"),
                _para("收款人", "label"),
                _para(receipt.cashier, "body"),
            ],
            [_para("交易号", "label"), _para(_or_dash(receipt.reference), "body"), "", ""],
        ],
        label_cells=[(0, 0), (2, 0), (0, 1)],
    )
    table.setStyle(TableStyle([("SPAN", (1, 1), (3, 1))]))
    return table


def _story(receipt: ReceiptView) -> list:
    """The flowables of the receipt, top to bottom."""
    closing = [Spacer(1, 3 * mm), _capitals_table(receipt), _payment_table(receipt)]
    if receipt.refunded_fen > 0:
        net = format_yuan(receipt.total_fen - receipt.refunded_fen)
        closing += [Spacer(1, 3 * mm), _para(f"已退款 {format_yuan(receipt.refunded_fen)}（实收净额 {net}）", "refund")]
    return [
        NextPageTemplate("later"),
        _header(receipt),
        Spacer(1, 4 * mm),
        _labelled_pairs(
            [
                [
                    _para("房号", "label"),
                    _para(receipt.unit_label, "body"),
                    _para("交款人", "label"),
                    _para(_or_dash(receipt.payer_name), "body"),
                ]
            ],
            label_cells=[(0, 0), (2, 0)],
        ),
        Spacer(1, 3 * mm),
        _lines_table(receipt, closing),
    ]


class _ReceiptDoc(BaseDocTemplate):
    """Two page templates (first page, continuation pages) sharing the page furniture."""

    def __init__(self, buffer, receipt: ReceiptView):
        """Lay out the frames for `receipt`, leaving room for the sandbox band when it is shown."""
        super().__init__(
            buffer,
            pagesize=A5,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"收款收据 {receipt.number}",
            author=receipt.property_name,
            subject="Receipt",
            creator=APP_NAME,
        )
        self.receipt = receipt
        top = PAGE_HEIGHT - MARGIN_TOP - (SANDBOX_BAND if receipt.sandbox else 0)
        self.addPageTemplates(
            [
                PageTemplate("first", [self._frame(top)], onPage=self._furniture, onPageEnd=self._stamp),
                PageTemplate(
                    "later", [self._frame(top - CONTINUATION_BAND)], onPage=self._furniture, onPageEnd=self._stamp
                ),
            ]
        )

    @staticmethod
    def _frame(top: float) -> Frame:
        """The content frame from `top` down to the footer."""
        return Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            CONTENT_WIDTH,
            top - MARGIN_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    def _furniture(self, canvas, doc):
        """Footer on every page, sandbox band and continuation header where they apply."""
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, MARGIN_BOTTOM - 4 * mm, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 4 * mm)
        canvas.setFillColor(MUTED)
        _draw_text(canvas, MARGIN_X, MARGIN_BOTTOM - 8 * mm, FOOTER_TEXT, 7.5)
        top = PAGE_HEIGHT - MARGIN_TOP
        if self.receipt.sandbox:
            self._sandbox_band(canvas, top)
            top -= SANDBOX_BAND
        if doc.page > 1:
            canvas.setFillColor(INK)
            _draw_text(canvas, MARGIN_X, top - 5 * mm, "收款收据（续）", 9)
            canvas.setFillColor(RECEIPT_RED)
            _draw_text(canvas, PAGE_WIDTH - MARGIN_X, top - 5 * mm, f"No. {self.receipt.number}", 9, anchor="right")
        canvas.restoreState()

    @staticmethod
    def _sandbox_band(canvas, top: float):
        """An amber band across the top: this money is not real."""
        height = SANDBOX_BAND - 2.5 * mm
        canvas.setFillColor(SANDBOX_FILL)
        canvas.setStrokeColor(SANDBOX_EDGE)
        canvas.setLineWidth(1)
        canvas.roundRect(MARGIN_X, top - height, CONTENT_WIDTH, height, 3, stroke=1, fill=1)
        canvas.setFillColor(SANDBOX_INK)
        canvas.setStrokeColor(SANDBOX_INK)
        size = 11
        _draw_text(
            canvas, PAGE_WIDTH / 2, top - height / 2 - size * 0.35, SANDBOX_TEXT, size, anchor="centre", bold=True
        )

    def _stamp(self, canvas, doc):
        """A voided receipt gets a diagonal red 作废 VOID stamp over each page's content."""
        if not self.receipt.voided:
            return
        size = 40
        width = _text_width(VOID_TEXT, size, bold=True)
        canvas.saveState()
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(30)
        canvas.setFillColor(RECEIPT_RED, alpha=0.45)
        canvas.setStrokeColor(RECEIPT_RED, alpha=0.45)
        pad = 10
        box_width, box_height = width + 2 * pad, size * 1.15 + 2 * pad
        # A heavy outer ring and a thin inner one, like a rubber stamp.
        for line_width, inset, radius in ((3, 0, 8), (1, 4, 5)):
            canvas.setLineWidth(line_width)
            canvas.roundRect(
                -box_width / 2 + inset,
                -size * 0.45 - pad + inset,
                box_width - 2 * inset,
                box_height - 2 * inset,
                radius,
            )
        _draw_text(canvas, 0, -size * 0.3, VOID_TEXT, size, anchor="centre", bold=True)
        canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say "第 1 / 2 页"."""

    def __init__(self, *args, **kwargs):
        """Start with no finished pages."""
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        """Keep the page's state instead of emitting it now."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        """Stamp every page with its number out of the total, then write the file."""
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFillColor(MUTED)
            _draw_text(
                self,
                PAGE_WIDTH - MARGIN_X,
                MARGIN_BOTTOM - 8 * mm,
                f"第 {self._pageNumber} / {total} 页",
                7.5,
                anchor="right",
            )
            super().showPage()
        super().save()


def render_receipt_pdf(receipt: ReceiptView) -> bytes:
    """Render `receipt` as an A5 PDF and return its bytes."""
    if sum(line.amount_fen for line in receipt.lines) != receipt.total_fen:
        # A receipt whose lines do not add up is wrong on paper; refuse rather than print it.
        raise ValueError("receipt lines do not add up to the total")
    buffer = io.BytesIO()
    _ReceiptDoc(buffer, receipt).build(_story(receipt), canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
