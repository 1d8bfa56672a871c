"""The application factory."""

import os
import sqlite3

from flask import Flask
from flask.templating import Environment
from sqlalchemy import event
from sqlalchemy.engine import Engine

import domain  # noqa: F401  (imports every model before migrations and the app use them)
from config import DEFAULT_SECRET_KEY, MIN_SECRET_KEY_BYTES, config_from_env
from domain.clock import property_zone
from domain.tasks import init_tasks
from domain.throttle import rate_limits  # noqa: F401  (registers the database:// storage of the sign-in limits)
from extensions import babel, csrf, db, limiter, login_manager, migrate
from web import errors, filters, guards, observability
from web.htmx import htmx
from web.i18n import install_template_gettext, remember_lang_param, select_locale
from web.security import set_security_headers
from web.templating import LocalisedEnvironment


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when production settings are unsafe."""


def create_app(config_class=None):
    """Create and configure the app; `config_class` defaults to the one APP_ENV names."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_class or config_from_env())
    # Chosen before anything creates app.jinja_env.
    app.jinja_environment = LocalisedEnvironment if app.config["TEMPLATE_FAST_PATH"] else Environment
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "property.sqlite3")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A server may drop idle connections; SQLite files cannot, so only PostgreSQL pays for the ping.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    _check_secret_key(app.config)

    observability.register(app)  # first: its hooks time, log and count every request, a refused one too
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: property_zone().key)
    install_template_gettext(app)
    limiter.init_app(app)
    htmx.init_app(app)
    init_tasks(app)
    filters.register(app)
    guards.register(app)  # before the blueprints: their <int:...> routes take its converter
    errors.register(app)
    app.before_request(remember_lang_param)
    app.after_request(set_security_headers)

    from company import bp as company_bp
    from kiosk import bp as kiosk_bp
    from portal import bp as portal_bp
    from staff import bp as staff_bp
    from web.public import bp as public_bp
    from web.webhooks import bp as payments_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(company_bp, url_prefix="/company")
    app.register_blueprint(kiosk_bp, url_prefix="/kiosk")
    app.register_blueprint(payments_bp, url_prefix="/payments")
    _mount_payment_sandbox(app)
    _trust_proxies(app)

    from cli import register as register_cli

    register_cli(app)
    return app


def _check_secret_key(config):
    """Refuse to start with the development SECRET_KEY unless clearly developing, or in production with a short key."""
    key = config.get("SECRET_KEY") or ""
    developing = (config.get("DEVELOPMENT") or config.get("TESTING")) and not config["PRODUCTION"]
    if key in ("", DEFAULT_SECRET_KEY) and not developing:
        raise InsecureConfiguration("Set SECRET_KEY to a long random value (APP_ENV=development allows the default).")
    if config["PRODUCTION"] and len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
        raise InsecureConfiguration(f"SECRET_KEY must have at least {MIN_SECRET_KEY_BYTES} bytes in production.")
    if config["PRODUCTION"] and not config.get("ID_NUMBER_KEY"):
        raise InsecureConfiguration("Set ID_NUMBER_KEY (a Fernet key) in production: it encrypts ID numbers at rest.")


def _trust_proxies(app):
    """Behind TRUSTED_PROXIES proxies, take the client's address and scheme from exactly that many hops of
    X-Forwarded-For/-Proto (the throttles and the audit log then see the client); with 0, trust no header."""
    hops = app.config.get("TRUSTED_PROXIES") or 0
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _mount_payment_sandbox(app):
    """Outside production and without Stripe keys, serve the local Stripe sandbox at /sandbox/stripe.

    The demo then takes payments end to end on a closed network: the app's Stripe SDK calls go to
    the sandbox, whose hosted page "pays" and sends a signed webhook back. Only when asked for with
    PAYMENT_SANDBOX (`make run` sets it); never in production.
    """
    if (
        app.config["PRODUCTION"]
        or not app.config.get("PAYMENT_SANDBOX")
        or app.config.get("STRIPE_SECRET_KEY")
        or not app.config.get("STRIPE_SANDBOX_URL")
    ):
        return
    from urllib.parse import urlsplit

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from sandbox.stripe_app import create_sandbox_app

    prefix = urlsplit(app.config["STRIPE_SANDBOX_URL"]).path.rstrip("/") or "/sandbox/stripe"
    base = app.config["STRIPE_SANDBOX_URL"][: -len(prefix)] if app.config["STRIPE_SANDBOX_URL"].endswith(prefix) else ""
    sandbox = create_sandbox_app(
        webhook_url=base + "/payments/stripe/webhook", webhook_secret=app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]
    )
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {prefix: sandbox})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, WAL for concurrent readers, and wait on locks instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
