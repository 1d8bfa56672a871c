"""The monthly report as an A4 PDF in Chinese: the manager's summary, then each section's table and chart. The
charts are the page's Drawings, drawn into the PDF by reportlab (renderPDF) in the receipts' CID font."""

from io import BytesIO

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from domain.clock import local_text
from domain.files.pdf import FORM_BODY, FORM_HEADING, FORM_SMALL, FORM_SUBHEADING, FORM_TABLE, form_document, paragraph

#: The widest column a cell of free text gets, in characters, before it is cut.
CELL_LIMIT = 40


def report_pdf(*, title, property_name, month_label, summary, summary_heading, sections, written_by):
    """The PDF's bytes. `sections` come from domain/reports/sections.py, already in the reader's language;
    `summary` is summary_for()'s row or None; `written_by` is the line under it."""
    out = BytesIO()
    document = form_document(out, title=f"{title} {month_label}")
    story = [
        paragraph(f"{property_name} {title}", FORM_HEADING),
        paragraph(month_label, FORM_BODY),
        Spacer(1, 4 * mm),
    ]
    if summary is not None:
        story += [
            paragraph(summary_heading, FORM_SUBHEADING),
            paragraph(summary.text, FORM_BODY),
            paragraph(f"{written_by} {summary.display_name or ''} {local_text(summary.written_at)}", FORM_SMALL),
        ]
    for section in sections:
        block = [paragraph(section.title, FORM_SUBHEADING)]
        if section.note:
            block.append(paragraph(section.note, FORM_SMALL))
        if section.rows:
            data = [[paragraph(h, FORM_SMALL) for h in section.headers]]
            data += [[paragraph(cell, FORM_BODY, limit=CELL_LIMIT) for cell in row] for row in section.rows]
            table = Table(data, repeatRows=1, hAlign="LEFT")
            table.setStyle(FORM_TABLE)
            block.append(table)
        else:
            block.append(paragraph("—", FORM_BODY))
        story.append(KeepTogether(block[:3]) if len(block) > 1 else block[0])
        story += block[3:]
        if section.chart is not None:
            story += [Spacer(1, 2 * mm), section.chart]
        story.append(Spacer(1, 4 * mm))
    document.build(story)
    return out.getvalue()
