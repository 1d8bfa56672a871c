"""Prometheus metrics, from prometheus_client: requests and their latency by route and status class, the task
queue's depth and failed tasks (read when scraped), and the payment webhook's outcomes.

Under gunicorn every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode; gunicorn.conf.py empties the directory at start and marks exited workers dead), and the worker
answering /metrics adds them up. Served only to a scraper that sends METRICS_TOKEN as a bearer token.
"""

import hmac
import logging

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from domain import tasks

log = logging.getLogger(__name__)

#: Seconds; the pages answer in a few milliseconds, so the low buckets are fine-grained.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: One series per URL rule, method and status class; its _count is the number of requests.
REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by URL rule, method and status class (2xx, 4xx ...).",
    ("route", "method", "status"),
    buckets=LATENCY_BUCKETS,
)

#: The payment webhook's deliveries by what became of them (web/webhooks.py decides).
WEBHOOK_OUTCOMES = Counter(
    "payment_webhook_events_total",
    "Payment webhook deliveries by outcome: applied, duplicate, ignored, bad_signature, error.",
    ("outcome",),
)
WEBHOOK_OUTCOME_LABELS = ("applied", "duplicate", "ignored", "bad_signature", "error")
for _outcome in WEBHOOK_OUTCOME_LABELS:  # every outcome is exported from the start, at 0
    WEBHOOK_OUTCOMES.labels(_outcome)

_STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


def observe_request(route, method, status, seconds):
    """Count one answered request and its duration."""
    REQUEST_SECONDS.labels(route, method, _STATUS_CLASSES.get(status // 100, "other")).observe(seconds)


def count_webhook(outcome):
    """Count one webhook delivery; `outcome` is one of WEBHOOK_OUTCOME_LABELS."""
    WEBHOOK_OUTCOMES.labels(outcome).inc()


class QueueCollector:
    """The task queue's depth and its failed tasks, asked of the queue when Prometheus scrapes (never per request)."""

    def describe(self):
        """Nothing to declare in advance (which also keeps registering from asking the queue)."""
        return []

    def collect(self):
        """The two gauges; absent when the queue cannot say (the failure is logged, the scrape still answers)."""
        try:
            depth, failed = tasks.queue_depth(), tasks.failed_count()
        except Exception:
            log.warning("the task queue could not be read for the metrics", exc_info=True)
            return
        yield GaugeMetricFamily("task_queue_depth", "Tasks waiting in the queue.", value=depth)
        yield GaugeMetricFamily("task_failures", "Tasks that failed for good and wait for a manager.", value=failed)


_QUEUE = QueueCollector()
REGISTRY.register(_QUEUE)


def allowed(authorization, token):
    """Whether a request with this Authorization header may read the metrics: only with METRICS_TOKEN set and sent
    as `Bearer <token>` (compared in constant time)."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def exposition(multiprocess_dir):
    """The metrics in Prometheus' text format, and its content type; with `multiprocess_dir`, every worker's."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiprocess_dir)
        registry.register(_QUEUE)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
