"""The log format: one JSON object a line in production (LOG_FORMAT=json, ProdConfig's default), each carrying
the request id of the request it was written in; development keeps Flask's readable lines."""

import logging
import sys

from flask import g, has_app_context
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

#: The logger of the one line per request (web/observability/per_request.py).
REQUEST_LOGGER = "property.requests"


class RequestIdFilter(logging.Filter):
    """Give every record written during a request that request's id (errors included), so lines can be joined."""

    def filter(self, record):
        """Add `request_id` unless the record has one; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_app_context() else None
        return True


def json_formatter():
    """A formatter writing a record as one JSON object: time, level, logger, message and the record's extras."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


class JsonLinesHandler(logging.StreamHandler):
    """The JSON handler on the root logger (a class of its own so that creating a second app does not add another)."""


def configure(app):
    """With LOG_FORMAT=json, send every logger's records (the app's, SQLAlchemy's, the request lines) to stderr as
    JSON lines at INFO; otherwise leave Python's and Flask's defaults alone."""
    if app.config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(handler, JsonLinesHandler) for handler in root.handlers):
        handler = JsonLinesHandler(sys.stderr)
        handler.setFormatter(json_formatter())
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Flask's own handler would write the app's errors a second time, as plain text.
    app.logger.removeHandler(default_handler)
