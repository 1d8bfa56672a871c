"""The printed QR labels of a route's checkpoints: an A4 sheet of 3 x 4 labels with cut lines (the QR of the
checkpoint's scan address, its code in large letters, its name and place, the route's name), and one label as a PNG
(what a phone's camera sees; the end-to-end test feeds it to a fake camera). The scan addresses are made by the
caller (web/), so the domain knows no URLs."""

import io

import qrcode
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from domain.files.pdf import FONT, INK, LATIN_BOLD, MUTED, truncate

COLUMNS, ROWS = 3, 4
MARGIN = 10 * mm
#: The QR's side on the label: 4 cm, read from arm's length by a phone in a dim corridor.
QR_SIDE = 40 * mm


def _matrix(text):
    """The QR modules of `text` as rows of booleans, with no quiet zone (the label's white margin is one)."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(pdf, text, x, y, side):
    """Draw the QR of `text` as vector squares with its lower left corner at (x, y)."""
    matrix = _matrix(text)
    module = side / len(matrix)
    pdf.setFillColor(colors.black)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                pdf.rect(x + column * module, y + side - (row + 1) * module, module, module, stroke=0, fill=1)


def _draw_label(pdf, checkpoint, route_name, url, x, y, width, height):
    """One label in the box at (x, y): the QR, the code in large letters, the checkpoint's name and place, the
    route's name."""
    centre = x + width / 2
    _draw_qr(pdf, url, centre - QR_SIDE / 2, y + height - QR_SIDE - 4 * mm, QR_SIDE)
    pdf.setFillColor(INK)
    pdf.setFont(LATIN_BOLD, 20)
    code = checkpoint.code
    pdf.drawCentredString(centre, y + 17.5 * mm, f"{code[:3]} {code[3:]}")
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(centre, y + 11.5 * mm, truncate(checkpoint.name, 16))
    pdf.setFillColor(MUTED)
    pdf.setFont(FONT, 8)
    if checkpoint.place:
        pdf.drawCentredString(centre, y + 7 * mm, truncate(checkpoint.place, 26))
    pdf.setFont(FONT, 7)
    pdf.drawCentredString(centre, y + 2.5 * mm, truncate(f"巡视路线：{route_name}", 30))


def label_sheet_pdf(route, checkpoints, url_of):
    """The A4 label sheet of `checkpoints` (in route order) as PDF bytes; `url_of(code)` gives a label's scan
    address. Dashed lines show where to cut."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"巡视标签 {route.name}")
    page_width, page_height = A4
    width = (page_width - 2 * MARGIN) / COLUMNS
    height = (page_height - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    points = list(checkpoints)
    for start in range(0, max(len(points), 1), per_page):
        page = points[start : start + per_page]
        pdf.setStrokeColor(colors.HexColor("#9AA1AA"))
        pdf.setDash(3, 3)
        pdf.setLineWidth(0.4)
        for column in range(COLUMNS + 1):
            pdf.line(MARGIN + column * width, MARGIN, MARGIN + column * width, page_height - MARGIN)
        for row in range(ROWS + 1):
            pdf.line(MARGIN, MARGIN + row * height, page_width - MARGIN, MARGIN + row * height)
        pdf.setDash()
        for index, checkpoint in enumerate(page):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + column * width
            y = page_height - MARGIN - (row + 1) * height
            _draw_label(pdf, checkpoint, route.name, url_of(checkpoint.code), x, y, width, height)
        if not page:
            pdf.setFont(FONT, 12)
            pdf.drawCentredString(page_width / 2, page_height / 2, "这条路线还没有检查点。")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def label_png(checkpoint, url):
    """One label as PNG bytes: the QR of `url` with a white margin and the code under it in large letters."""
    image = qrcode.make(url, box_size=10, border=4).get_image().convert("RGB")
    side = image.width
    label = Image.new("RGB", (side, side + 70), "white")
    label.paste(image, (0, 0))
    draw = ImageDraw.Draw(label)
    font = ImageFont.load_default(size=44)
    text = f"{checkpoint.code[:3]} {checkpoint.code[3:]}"
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((side - (box[2] - box[0])) / 2, side - 10), text, fill="black", font=font)
    out = io.BytesIO()
    label.save(out, format="PNG")
    return out.getvalue()
