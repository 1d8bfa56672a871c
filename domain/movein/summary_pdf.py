"""The day's 收楼汇总 as an A4 PDF in Chinese: units received, the fees on their bills, keys and cards handed over and
the defects raised. Like the receipts, it uses reportlab's built-in CID font, so no font file ships with the app; the
printed summary is always in Chinese, as it goes into the office's files."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from domain.clock import local_text
from domain.files.pdf import cjk_style, form_document, paragraph
from domain.money import fen_to_decimal

TITLE = "收楼汇总"

_HAIRLINE = colors.HexColor("#D0D4D9")
_LABEL_FILL = colors.HexColor("#F2F4F6")
_WIDTH = A4[0] - 30 * mm


_TITLE = cjk_style("title", 18, leading=25)
_HEAD = cjk_style("head", 12, leading=17)
_BODY = cjk_style("body", 9, leading=12.6)
_MUTED = cjk_style("muted", 8, leading=11.2)


def _p(text, style=_BODY):
    """A paragraph of plain text (markup characters in data are escaped, not interpreted)."""
    return paragraph(text, style)


def _yuan(fen):
    """Integer fen as "¥1,234.50"."""
    return f"¥{fen_to_decimal(fen):,}"


def _ticket(ticket_id):
    """A repair ticket's number, or a dash."""
    return f"#{ticket_id}" if ticket_id else "—"


def _table(header, rows, widths):
    """A ruled table with a shaded header row, or a line saying there is nothing."""
    if not rows:
        return _p("（无）", _MUTED)
    table = Table(
        [[_p(h) for h in header]] + [[_p(cell) for cell in row] for row in rows],
        colWidths=[_WIDTH * w for w in widths],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, _HAIRLINE),
                ("BACKGROUND", (0, 0), (-1, 0), _LABEL_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _figures(summary):
    """The day's totals in one ruled row: units, fees due and paid, keys and cards, defects."""
    labels = ("收楼户数", "应收费用", "已收费用", "交付钥匙及卡（件）", "验房问题（项）")
    values = (
        len(summary.received),
        _yuan(summary.fees_due_fen),
        _yuan(summary.fees_paid_fen),
        sum(row.pieces for row in summary.keys),
        len(summary.defects),
    )
    table = Table([[_p(label) for label in labels], [_p(value, _HEAD) for value in values]], colWidths=[_WIDTH / 5] * 5)
    ruled = [("GRID", (0, 0), (-1, -1), 0.4, _HAIRLINE), ("BACKGROUND", (0, 0), (-1, 0), _LABEL_FILL)]
    table.setStyle(TableStyle(ruled))
    return table


def _story(summary, property_name, printed_at):
    """The flowables of the summary, top to bottom."""
    received = [
        (
            row.unit_label,
            row.owner_name,
            local_text(row.completed_at, "%H:%M"),
            row.clerk_name or "—",
            _yuan(row.total_fen) if row.bill_id else "—",
            _yuan(row.paid_fen) if row.bill_id else "—",
        )
        for row in summary.received
    ]
    keys = [(row.name, row.pieces, row.cases) for row in summary.keys]
    defects = [
        (row.unit_label, f"第{row.round}次", row.area, row.name, row.note or "—", _ticket(row.ticket_id))
        for row in summary.defects
    ]
    return [
        _p(f"{property_name} {TITLE}", _TITLE),
        _p(f"日期：{summary.day.isoformat()}；打印时间：{local_text(printed_at)}", _MUTED),
        Spacer(1, 6 * mm),
        _figures(summary),
        Spacer(1, 5 * mm),
        _p("一、收楼单元", _HEAD),
        _table(("房号", "业主", "完成时间", "经办人", "应收", "已收"), received, (0.14, 0.2, 0.14, 0.2, 0.16, 0.16)),
        Spacer(1, 5 * mm),
        _p("二、钥匙及卡交付", _HEAD),
        _table(("名称", "件数", "户数"), keys, (0.5, 0.25, 0.25)),
        Spacer(1, 5 * mm),
        _p("三、验房发现问题", _HEAD),
        _table(("房号", "验房", "部位", "项目", "情况", "维修单"), defects, (0.12, 0.1, 0.14, 0.2, 0.32, 0.12)),
    ]


def render_summary_pdf(summary, *, property_name, printed_at):
    """The DaySummary `summary` (domain.movein.supervision.day_summary) as PDF bytes."""
    buffer = io.BytesIO()
    document = form_document(buffer, title=f"{TITLE} {summary.day.isoformat()}", author=property_name)
    document.build(_story(summary, property_name, printed_at))
    return buffer.getvalue()
