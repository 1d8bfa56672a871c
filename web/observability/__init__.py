"""What operators see of the running app: the request id, one log line and the metrics of every request
(per_request.py), the JSON log format (logs.py), Prometheus metrics (metrics.py) and the readiness checks
(readiness.py)."""

from web.observability import logs, per_request


def register(app):
    """Install the log format and the per-request hooks on `app`; call it before any other before_request hook, so
    that every request (one a throttle or a guard refuses too) is timed, logged and counted."""
    logs.configure(app)
    app.before_request(per_request.start_request)
    app.after_request(per_request.finish_request)
