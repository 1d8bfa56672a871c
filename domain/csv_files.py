"""Reading an uploaded CSV file, for every import (units, residents, meter readings): decoded as Excel saves it,
every cell without NUL bytes or control characters, and a file the csv module refuses (a field longer than its
field_size_limit, a stray quote at the end) refused as a whole with the line it stopped at."""

import csv
import io

from flask_babel import lazy_gettext as _l

from domain.errors import DomainError
from domain.text import clean_text


class CsvRefused(DomainError):
    """The file cannot be read as CSV; nothing of it is imported."""


def decode(data):
    """Text of an uploaded file: UTF-8 (with or without BOM), else GB18030 as Excel saves it; None otherwise."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_rows(data, *, max_rows):
    """[(line number, [cells])] of every row, header first; raises CsvRefused for a file that is not text, that
    the csv module cannot read, or that has more than `max_rows` rows below the header."""
    text = decode(data)
    if text is None:
        raise CsvRefused(_l("The file is not text in UTF-8 or GB18030."))
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, [clean_text(cell) for cell in row]))
            if len(rows) > max_rows + 1:
                raise CsvRefused(_l("At most %(n)s rows per file.", n=max_rows))
    except csv.Error:
        limit = csv.field_size_limit()
        raise CsvRefused(
            _l(
                "Line %(line)s cannot be read: a field is longer than %(limit)s characters or a quote is "
                "not closed. Nothing was imported; check that this is the right CSV file.",
                line=reader.line_num,
                limit=f"{limit:,}",
            )
        ) from None
    return rows
