"""Exporting a list as it is filtered on screen: CSV with a BOM (Excel then reads Chinese) and .xlsx.

Every list's export goes through here. A list gives its columns (a header and a kind each) and an iterator of rows
of cell values; rows come from a column select read in chunks on a server-side cursor, never a list of ORM objects,
so a 100,000-row export stays in constant memory. Money is integer fen and leaves as yuan through `fen_to_decimal`;
times are shown in the property's zone.
"""

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from domain.clock import local
from domain.money import fen_to_decimal
from domain.text import clean_text
from extensions import db

#: Rows fetched from the database at a time.
CHUNK = 1000
#: What starts a formula in Excel: a cell beginning with one of these is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The number formats of the workbook's typed cells.
_NUMBER_FORMATS = {"money": "#,##0.00", "hundredths": "0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (translated when written) and the kind of its cells.

    Kinds: "text", "int", "money" (integer fen, written as yuan with two decimals), "hundredths" (an area in m² x
    100), "date", "datetime" (aware UTC, written in the property's zone).
    """

    header: object
    kind: str = "text"
    width: int = 14


def stream(statement, params=None, *, chunk=CHUNK):
    """The rows of a column select, fetched `chunk` at a time on a server-side cursor (PostgreSQL) or SQLite's
    lazy cursor: never all at once."""
    # Through the session, so that the request's property fence (domain.property.scope) applies to exports too.
    yield from db.session.execute(statement, params or {}, execution_options={"yield_per": chunk})


def count(statement, params=None):
    """How many rows `statement` gives (for the audit log, before the rows leave)."""
    counting = select(func.count()).select_from(statement.subquery())
    return db.session.execute(counting, params or {}).scalar()


def in_chunks(rows, size=CHUNK):
    """Lists of up to `size` rows, for a list that reads something more for each chunk (one statement per chunk)."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _text(value):
    """Text safe in a spreadsheet: no control characters, and no leading sign that Excel would run as a formula."""
    text = clean_text(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def _typed(value, kind):
    """A cell's value as the workbook stores it (None stays empty)."""
    if value is None or value == "":
        return None
    if kind in ("money", "hundredths"):
        return fen_to_decimal(value)
    if kind == "datetime":
        return local(value).replace(tzinfo=None, second=0, microsecond=0)
    if kind == "date":
        return value if isinstance(value, date) else None
    if kind == "int":
        return int(value)
    return _text(value)


def _csv_text(value, kind):
    """A cell's text in the CSV file."""
    typed = _typed(value, kind)
    if typed is None:
        return ""
    if isinstance(typed, datetime):
        return typed.strftime("%Y-%m-%d %H:%M")
    if isinstance(typed, date):
        return typed.isoformat()
    return str(typed)


def csv_chunks(columns, rows):
    """The CSV file as UTF-8 byte chunks, starting with the BOM and the header row; about a chunk of rows each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(column.header) for column in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    kinds = [column.kind for column in columns]
    for chunk in in_chunks(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_text(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in chunk)
        yield buffer.getvalue().encode()


def write_xlsx(columns, rows, *, title):
    """Write the workbook (bold header, set widths, typed cells) in write-only mode to a temporary file and return
    the file, rewound, with the number of rows written; the caller sends and closes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [_NUMBER_FORMATS.get(column.kind) for column in columns]
    kinds = [column.kind for column in columns]
    written = 0
    for row in rows:
        cells = []
        for value, kind, number_format in zip(row, kinds, formats, strict=True):
            typed = _typed(value, kind)
            if number_format and typed is not None:
                cell = WriteOnlyCell(sheet, value=typed)
                cell.number_format = number_format
                cells.append(cell)
            else:
                cells.append(typed)
        sheet.append(cells)
        written += 1
    output = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(output)
    output.seek(0)
    return output, written


def _sheet_title(title):
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet"
