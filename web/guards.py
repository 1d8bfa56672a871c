"""Guards on what every request carries, applied once for every route rather than per field:

- `<int:...>` in a URL takes only ids the database can hold (a larger number is a 404, never an overflow);
- query-string ids and page numbers are read with `id_arg`, which answers None for anything else;
- NUL bytes (PostgreSQL refuses them) and terminal control characters are taken out of every query-string and
  form value, and of uploaded files' names, before a view or a form sees them; tabs and line breaks stay (text
  areas need them). A URL path carrying one is a 404.
"""

from flask import abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from domain.text import CONTROL_CHARACTERS, clean_text

#: The largest id, key or page number a request may name: every key column is an INTEGER, which PostgreSQL
#: stores in 32 bits (SQLite's driver overflows past 2^63). Anything larger cannot name a row.
MAX_ID = 2**31 - 1
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class IdConverter(IntegerConverter):
    """The `int` converter of every route: 0 to MAX_ID; anything larger does not match (404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(text):
    """A whole number from 0 to MAX_ID typed as ASCII digits, or None for anything else ("", "x", "²", 10**30)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def id_arg(name, *, positive=True):
    """A query-string id, keyset cursor or page number that the database can hold, or None."""
    value = parse_id(request.args.get(name))
    if value is None or (positive and value == 0):
        return None
    return value


def form_ids(name):
    """The ids ticked in a form's checkboxes called `name` that the database can hold (others are dropped)."""
    return [value for value in map(parse_id, request.form.getlist(name)) if value]


def _cleaned(multidict):
    """A cleaned copy of a MultiDict of text, or None when nothing needed cleaning."""
    items = list(multidict.items(multi=True))
    if not any(CONTROL_CHARACTERS.search(value) for _key, value in items if isinstance(value, str)):
        return None
    return ImmutableMultiDict(
        [(clean_text(key), clean_text(value) if isinstance(value, str) else value) for key, value in items]
    )


def clean_request_text():
    """Before every view: clean the query string and the form; refuse a path that carries a control character."""
    if any(isinstance(value, str) and CONTROL_CHARACTERS.search(value) for value in (request.view_args or {}).values()):
        abort(404)
    args = _cleaned(request.args)
    if args is not None:
        request.__dict__["args"] = args  # cached properties: replacing the cached value is all it takes
        request.__dict__.pop("values", None)
    if request.mimetype in _FORM_TYPES:  # never parse a body a view reads raw (the Stripe webhook's JSON)
        form = _cleaned(request.form)
        if form is not None:
            request.__dict__["form"] = form
            request.__dict__.pop("values", None)
        for _name, upload in request.files.items(multi=True):  # an upload's name is shown and may be stored
            if upload.filename and CONTROL_CHARACTERS.search(upload.filename):
                upload.filename = clean_text(upload.filename)


def register(app):
    """Install the guards on `app`; before any blueprint is registered, so that every `<int:...>` uses IdConverter."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(clean_request_text)
