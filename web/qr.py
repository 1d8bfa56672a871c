"""QR codes drawn as inline SVG (no image files, works on a closed network)."""

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(text, label=""):
    """An inline SVG QR code of `text`, sized by CSS (class "qr"), with `label` for screen readers."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Let CSS size it; the viewBox keeps it square and sharp at any size.
    svg = svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{Markup.escape(label)}" ', 1)
    svg = svg.replace('width="', 'data-width="', 1).replace('height="', 'data-height="', 1)
    return Markup(svg)
