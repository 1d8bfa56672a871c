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
    g.request_started = perf_counter()
    g.request_id = request_id_from(request.headers.get("X-Request-Id"))


def signed_in_user_id():
    """The id of the user this request signed in as, if it loaded one (never loads it here)."""
    user = g.get("_login_user")  # Flask-Login keeps the user it loaded for this request there
    if user is not None and user.is_authenticated:
        return getattr(user, "id", None)
    return None


def finish_request(response):
    """After everything else: echo the id, count the request and write its line."""
    started = g.get("request_started")
    if started is None:  # a request that failed before start_request ran
        return response
    seconds = perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    status = response.status_code
    response.headers["X-Request-Id"] = g.request_id
    metrics.observe_request(route, request.method, status, seconds)
    if log.isEnabledFor(logging.INFO):
        duration_ms = round(seconds * 1000, 1)
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            route,
            status,
            duration_ms,
            extra={
                "request_id": g.request_id,
                "user_id": signed_in_user_id(),
                "route": route,
                "method": request.method,
                "status": status,
                "duration_ms": duration_ms,
            },
        )
    return response
