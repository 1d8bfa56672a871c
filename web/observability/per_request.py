"""Every request: an id (the client's X-Request-Id when it is a sane token, else a new one) echoed back in the
response's X-Request-Id, one log line (request id, user id, route, method, status, duration) and its metrics.

The route is the URL rule (`/portal/bills/<int:bill_id>`), never the path with its ids; the user is named by id
only, and only when the request already loaded who is signed in (the line never costs a query of its own).
"""

import logging
import re
import uuid
from time import perf_counter

from flask import g, request

from web.observability import metrics
from web.observability.logs import REQUEST_LOGGER

#: What an incoming X-Request-Id may be to be kept (a proxy's or a load balancer's id); anything else is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}", re.ASCII)
#: The route of a request that matched no URL rule (a 404): one label, whatever the path was.
UNMATCHED = "<unmatched>"

log = logging.getLogger(REQUEST_LOGGER)


def request_id_from(header):
    """The request id to use: `header` when it is a sane token, else a new random one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def start_request():
    """Before anything else: note the time and the request's id."""
    flask_g = g._get_current_object()  # one context lookup instead of one per attribute (this runs every request)
    flask_g.request_started = perf_counter()
    flask_g.request_id = request_id_from(request.headers.get("X-Request-Id"))


def signed_in_user_id(flask_g):
    """The id of the user this request signed in as, if it loaded one (never loads it here)."""
    user = getattr(flask_g, "_login_user", None)  # Flask-Login keeps the user it loaded for this request there
    if user is not None and user.is_authenticated:
        return getattr(user, "id", None)
    return None


def finish_request(response):
    """After everything else: echo the id, count the request and write its line."""
    flask_g, flask_request = g._get_current_object(), request._get_current_object()
    started = getattr(flask_g, "request_started", None)
    if started is None:  # a request that failed before start_request ran
        return response
    seconds = perf_counter() - started
    rule, method, status = flask_request.url_rule, flask_request.method, response.status_code
    route = rule.rule if rule is not None else UNMATCHED
    response.headers["X-Request-Id"] = flask_g.request_id
    metrics.observe_request(route, method, status, seconds)
    if log.isEnabledFor(logging.INFO):
        duration_ms = round(seconds * 1000, 1)
        fields = {
            "request_id": flask_g.request_id,
            "user_id": signed_in_user_id(flask_g),
            "route": route,
            "method": method,
            "status": status,
            "duration_ms": duration_ms,
        }
        # Made directly rather than with log.info(): the caller's file and line would say nothing, and finding them
        # is a good part of a log call's cost.
        log.handle(
            log.makeRecord(
                log.name,
                logging.INFO,
                __file__,
                0,
                "%s %s %s %.1f ms",
                (method, route, status, duration_ms),
                None,
                extra=fields,
            )
        )
    return response
