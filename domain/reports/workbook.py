"""The monthly report as an Excel workbook (openpyxl): the summary on the first sheet, then one sheet per section,
numbers kept as numbers (money in yuan with two decimals, shares as fractions formatted as percent)."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from domain.clock import local_text
from domain.reports.sections import Money, Percent

#: Excel refuses sheet titles over 31 characters and with these characters.
_TITLE_MAX = 31
_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def _value(cell):
    """A cell's value for Excel and its number format (or None)."""
    if isinstance(cell, Money):
        return cell.yuan, "#,##0.00"
    if isinstance(cell, Percent):
        return (None, None) if cell.x100 is None else (cell.x100 / 10000, "0.00%")
    if isinstance(cell, int):
        return cell, None
    return str(cell), None


def report_workbook(*, title, month_label, summary, summary_heading, sections, written_by):
    """The workbook's bytes; same arguments as domain/reports/pdf.report_pdf."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(summary_heading)[:_TITLE_MAX].translate(_TITLE_BAD)
    sheet.append([f"{title} {month_label}"])
    sheet["A1"].font = Font(bold=True, size=14)
    if summary is not None:
        sheet.append([summary.text])
        sheet.append([f"{written_by} {summary.display_name or ''} {local_text(summary.written_at)}"])
    else:
        sheet.append(["—"])
    sheet.column_dimensions["A"].width = 80
    used = {sheet.title}
    for section in sections:
        name = str(section.title)[:_TITLE_MAX].translate(_TITLE_BAD)
        while name in used:
            name = name[: _TITLE_MAX - 1] + "_"
        used.add(name)
        page = book.create_sheet(name)
        page.append([str(h) for h in section.headers])
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            values = [_value(cell) for cell in row]
            page.append([value for value, _f in values])
            for cell, (_v, number_format) in zip(page[page.max_row], values, strict=True):
                if number_format:
                    cell.number_format = number_format
        if section.note:
            page.append([])
            page.append([str(section.note)])
        for index in range(len(section.headers)):
            page.column_dimensions[chr(ord("A") + index)].width = 18 if index else 24
    out = BytesIO()
    book.save(out)
    return out.getvalue()
