"""The renovation permit (装修许可证) as an A5 PDF in Chinese, with the QR code security scans at the gate.

Like the receipts, it uses reportlab's built-in CID font, so no font file ships with the app; the printed
permit is always in Chinese, as it hangs on the unit's door.
"""

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from domain.files.pdf import FONT

TITLE = "装修许可证"
NOTE = "施工期间请将本许可证张贴在户门处；门岗扫描二维码查验当日是否有效。"


def _qr(text, size):
    """A QR code drawing of `text`, `size` points square."""
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def permit_pdf(*, number, unit_label, scope, dates, hours, contractor, person, workers, issued, check_url):
    """The permit's PDF bytes; every argument is display text (the QR carries `check_url`)."""
    out = io.BytesIO()
    width, height = A5
    canvas = Canvas(out, pagesize=A5, pageCompression=1)
    canvas.setTitle(f"{TITLE} No. {number}")
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(width / 2, height - 22 * mm, TITLE)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(width / 2, height - 29 * mm, f"No. {number}    发放 {issued}")
    rows = [
        ("房屋", unit_label),
        ("装修项目", scope),
        ("工期", dates),
        ("施工时间", hours),
        ("施工单位", contractor),
        ("施工负责人", person),
    ]
    y = height - 42 * mm
    for label, value in rows:
        canvas.setFont(FONT, 9)
        canvas.drawString(14 * mm, y, label)
        canvas.setFont(FONT, 10)
        canvas.drawString(36 * mm, y, value[:40])
        y -= 7 * mm
    canvas.setFont(FONT, 9)
    canvas.drawString(14 * mm, y, "施工人员")
    for worker in workers[:12]:
        canvas.drawString(36 * mm, y, worker[:40])
        y -= 5.5 * mm
    renderPDF.draw(_qr(check_url, 38 * mm), canvas, width - 52 * mm, 18 * mm)
    canvas.setFont(FONT, 8)
    canvas.drawString(14 * mm, 12 * mm, NOTE)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
