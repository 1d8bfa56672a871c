"""Sending a list's export: the audit entry (who, which list, which filters, how many rows) is committed before a
row leaves, then the CSV streams or the workbook is written to a temporary file and sent."""

from flask import request as flask_request

from domain import exports
from domain.audit.services import record
from domain.clock import local_now
from extensions import db
from web.auth import current_actor
from web.downloads import send_private_file, send_private_stream

#: The formats every list exports to (the last part of its URL: /staff/tickets/export.xlsx).
FORMATS = ("csv", "xlsx")
#: The paging arguments of a list, which an export (every row under the filters) leaves out.
PAGING = frozenset({"after", "before", "page"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(fmt, *, name, title, columns, rows, row_count, filters=None):
    """Audit and send the export of one list.

    `name` is the list's key in the audit log and the file's name ("tickets"), `title` the sheet's title, `rows` an
    iterator of cell values (consumed while the response is sent), `row_count` how many rows it gives and `filters`
    the filters as on screen (the query string when not given).
    """
    if filters is None:
        filters = {key: value for key, value in flask_request.args.items() if value and key not in PAGING}
    record(
        current_actor(),
        "export." + name,
        object_type="export",
        summary=_summary(name, fmt, row_count, filters),
    )
    db.session.commit()
    file_name = f"{name}-{local_now():%Y%m%d-%H%M}.{fmt}"
    if fmt == "xlsx":
        output, _written = exports.write_xlsx(columns, rows, title=title)
        return send_private_file(output, mimetype=XLSX_TYPE, download_name=file_name, as_attachment=True)
    return send_private_stream(exports.csv_chunks(columns, rows), mimetype="text/csv", download_name=file_name)


def _summary(name, fmt, row_count, filters):
    """The audit entry's line: the file, how many rows and the filters ("tickets.xlsx 12 rows; status=open")."""
    shown = "; ".join(f"{key}={value}" for key, value in sorted(filters.items()) if key not in PAGING)
    return f"{name}.{fmt} {row_count} rows" + (f"; {shown}" if shown else "")
