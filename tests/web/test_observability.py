"""What operators see: /readyz, the request id, one JSON log line per request, and the Prometheus metrics."""

import io
import json
import logging
import os
import re

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from domain import tasks
from extensions import db
from sandbox.stripe_app import signed
from tests import builders
from tests.conftest import SuiteConfig
from web.observability import logs
from web.observability.logs import REQUEST_LOGGER, JsonLinesHandler
from web.observability.readiness import migration_heads

TOKEN = "scrape-token-0123456789"
WEBHOOK = "/payments/stripe/webhook"


def requests_served(route, method="GET", status="2xx"):
    """How many requests the metrics have counted for a route, method and status class."""
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0


def webhooks_counted(outcome):
    """How many webhook deliveries the metrics have counted with `outcome`."""
    return REGISTRY.get_sample_value("payment_webhook_events_total", {"outcome": outcome}) or 0


def fake_queue(monkeypatch, *, reachable=True, depth=0, failed=0):
    """Stand in for the task queue's three functions (domain.tasks) for one test."""

    def queue_reachable():
        if isinstance(reachable, Exception):
            raise reachable
        return reachable

    monkeypatch.setattr(tasks, "queue_reachable", queue_reachable)
    monkeypatch.setattr(tasks, "queue_depth", lambda: depth)
    monkeypatch.setattr(tasks, "failed_count", lambda: failed)


# /readyz


def test_readyz_answers_ready_without_sign_in_and_says_nothing_else(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ready"] is True
    assert body["checks"] == {"database": "ok", "migrations": "ok", "queue": "ok"}  # the suite's own queue
    assert response.headers["Cache-Control"] == "no-store"
    # No address of the database, no revision, no version of anything.
    heads = migration_heads(app.extensions["migrate"].directory)
    assert not any(head in response.text for head in heads)
    assert "sqlite" not in response.text and "postgres" not in response.text


def test_readyz_fails_when_the_queue_does_not_answer(client, monkeypatch):
    fake_queue(monkeypatch, reachable=True)
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "migrations": "ok", "queue": "ok"}

    fake_queue(monkeypatch, reachable=False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["queue"]

    fake_queue(monkeypatch, reachable=ConnectionError("redis is down"))
    response = client.get("/readyz")
    assert response.status_code == 503 and "redis" not in response.text


class UnreachableDatabase(SuiteConfig):
    """The suite's database, but at an address nothing answers (a closed port, or a folder that does not exist)."""

    SQLALCHEMY_DATABASE_URI = (
        make_url(SuiteConfig.SQLALCHEMY_DATABASE_URI).set(host="127.0.0.1", port=1).render_as_string(False)
        if SuiteConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")
        else "sqlite:///" + os.path.join(os.sep, "no-such-folder", "property.sqlite3")
    )


def test_readyz_is_503_when_the_database_is_unreachable(caplog):
    down = create_app(UnreachableDatabase)
    try:
        response = down.test_client().get("/readyz")
    finally:
        with down.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["failed"] == ["database", "migrations"]
    assert "127.0.0.1" not in response.text and "no-such-folder" not in response.text
    assert "the database is unreachable" in caplog.text  # why is in the log, not the answer


def test_readyz_is_503_while_the_migrations_are_behind(client, app):
    directory = app.extensions["migrate"].directory
    (head,) = migration_heads(directory)
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["migrations"]
    assert response.get_json()["checks"]["database"] == "ok"
    assert client.get("/readyz").status_code == 200


# The request id and the log line


def test_every_answer_carries_a_request_id_kept_from_a_sane_header(client):
    generated = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["X-Request-Id"] != generated

    kept = client.get("/healthz", headers={"X-Request-Id": "lb-4f2a.9c:01"})
    assert kept.headers["X-Request-Id"] == "lb-4f2a.9c:01"
    for insane in ("<script>alert(1)</script>", "x" * 200, "a b", "é"):
        replaced = client.get("/healthz", headers={"X-Request-Id": insane}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", replaced), insane


def test_a_request_is_logged_with_its_id_user_id_route_status_and_duration(client, auth, prop, caplog):
    unit, owner, bills = builders.create_household_with_bills(prop)
    auth.login_resident(owner.user)
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    response = client.get(f"/portal/bills/{bills[0].id}", headers={"X-Request-Id": "req-123"})

    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == REQUEST_LOGGER and r.request_id == "req-123"]
    assert record.request_id == "req-123" == response.headers["X-Request-Id"]
    assert record.user_id == owner.user.id
    assert record.route == "/portal/bills/<int:bill_id>"  # the rule, not the path with the bill's id
    assert (record.method, record.status) == ("GET", 200)
    assert 0 < record.duration_ms < 10_000

    line = logs.json_formatter().format(record)
    fields = json.loads(line)
    assert fields["request_id"] == "req-123" and fields["user_id"] == owner.user.id
    assert fields["route"] == "/portal/bills/<int:bill_id>" and fields["status"] == 200
    assert fields["level"] == "INFO" and "time" in fields
    # A user id, never who they are.
    for personal in (owner.user.username, owner.user.display_name, owner.name, owner.phone):
        assert personal not in line


def test_a_signed_out_request_is_logged_without_a_user(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    client.get("/no/such/page/42")
    (record,) = [r for r in caplog.records if r.name == REQUEST_LOGGER]
    assert record.user_id is None
    assert (record.route, record.status) == ("<unmatched>", 404)  # never the raw path


class JsonLogs(SuiteConfig):
    """Production's log format on the suite's database; an unhandled error is answered 500, not raised in the test."""

    LOG_FORMAT = "json"
    PROPAGATE_EXCEPTIONS = False


@pytest.fixture
def json_app():
    """An app logging JSON lines, whose lines the test reads back; the root logger is restored afterwards."""
    root, flask_logger = logging.getLogger(), logging.getLogger("app")
    level, handlers, flask_handlers = root.level, list(root.handlers), list(flask_logger.handlers)
    json_app = create_app(JsonLogs)

    def boom():
        raise RuntimeError("something broke")

    json_app.add_url_rule("/boom", "boom", boom)
    (handler,) = [h for h in root.handlers if isinstance(h, JsonLinesHandler)]
    handler.setStream(io.StringIO())
    json_app.log_lines = lambda: [json.loads(line) for line in handler.stream.getvalue().splitlines()]
    yield json_app
    root.handlers[:], flask_logger.handlers[:] = handlers, flask_handlers
    root.setLevel(level)
    with json_app.app_context():
        db.engine.dispose()


def test_production_logs_one_json_line_per_request_and_errors_with_the_same_id(json_app):
    client = json_app.test_client()
    assert client.get("/healthz", headers={"X-Request-Id": "probe-1"}).status_code == 200
    failed = client.get("/boom", headers={"X-Request-Id": "boom-1"})
    assert failed.status_code == 500 and failed.headers["X-Request-Id"] == "boom-1"

    lines = json_app.log_lines()
    requests = [line for line in lines if line["logger"] == REQUEST_LOGGER]
    assert [(r["request_id"], r["route"], r["method"], r["status"]) for r in requests] == [
        ("probe-1", "/healthz", "GET", 200),
        ("boom-1", "/boom", "GET", 500),
    ]
    assert all(isinstance(r["duration_ms"], float) and r["user_id"] is None for r in requests)
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "boom-1"
    assert "RuntimeError: something broke" in error["exc_info"]
    assert len(lines) == 3  # nothing written twice (Flask's own handler is off)


def test_development_keeps_readable_logs():
    root_handlers = list(logging.getLogger().handlers)
    developing = Flask(__name__)
    developing.config["LOG_FORMAT"] = "text"
    logs.configure(developing)
    assert logging.getLogger().handlers == root_handlers


# Metrics


def test_metrics_are_refused_without_the_token(client, app, monkeypatch):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404

    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 404


def test_metrics_are_served_with_the_token_and_count_each_route(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    before, before_missing = requests_served("/healthz"), requests_served("<unmatched>", status="4xx")

    client.get("/healthz")
    client.get("/no/such/page/42")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response.mimetype == "text/plain" and response.headers["Cache-Control"] == "no-store"
    assert requests_served("/healthz") == before + 1
    assert requests_served("<unmatched>", status="4xx") == before_missing + 1
    served = f'http_request_duration_seconds_count{{method="GET",route="/healthz",status="2xx"}} {before + 1:.1f}'
    assert served in response.text
    assert "/no/such/page" not in response.text
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz",status="2xx"}' in (
        response.text
    )


def test_metrics_report_the_queue_depth_and_failures(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    fake_queue(monkeypatch, depth=7, failed=2)
    text_ = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert "task_queue_depth 7.0" in text_ and "task_failures 2.0" in text_


def test_webhook_outcomes_are_counted(client, app, stripe_sandbox):
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    body = json.dumps({"id": "evt_metrics_1", "object": "event", "type": "customer.created", "data": {"object": {}}})
    before = {kind: webhooks_counted(kind) for kind in ("ignored", "duplicate", "bad_signature", "applied")}

    def deliver(secret_used):
        return client.post(
            WEBHOOK, data=body, content_type="application/json", headers={"Stripe-Signature": signed(body, secret_used)}
        )

    assert deliver("whsec_someone_else").status_code == 400
    assert deliver(secret).get_json()["outcome"] == "ignored: not handled"
    assert deliver(secret).get_json()["outcome"] == "duplicate"

    assert webhooks_counted("bad_signature") == before["bad_signature"] + 1
    assert webhooks_counted("ignored") == before["ignored"] + 1
    assert webhooks_counted("duplicate") == before["duplicate"] + 1
    assert webhooks_counted("applied") == before["applied"]


def test_a_paid_webhook_counts_as_applied(client, auth, prop, app, stripe_sandbox):
    from sandbox.stripe_app import pay, pending_events

    unit, owner, bills = builders.create_household_with_bills(prop)
    auth.login_resident(owner.user)
    response = client.post("/portal/bills/pay", data={"bill_ids": [b.id for b in bills]})
    assert response.status_code == 303
    from domain.payments.models import Payment

    payment = db.session.query(Payment).one()
    pay(stripe_sandbox.app, payment.provider_session_id)
    event = json.dumps(pending_events(stripe_sandbox.app)[-1])
    before = webhooks_counted("applied")

    answer = client.post(
        WEBHOOK,
        data=event,
        content_type="application/json",
        headers={"Stripe-Signature": signed(event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])},
    )

    assert answer.get_json()["outcome"] == "applied"
    assert webhooks_counted("applied") == before + 1
