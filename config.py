"""Configuration classes; the environment is read once, here."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

#: The development default: accepted only when clearly developing (APP_ENV=development, as `make run` sets, or
#: the tests); create_app refuses it otherwise, and production refuses any key under MIN_SECRET_KEY_BYTES.
DEFAULT_SECRET_KEY = "dev-only-change-me"
MIN_SECRET_KEY_BYTES = 32


def _env_bool(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every mode; each reads the environment with a safe default."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    #: The Fernet key that encrypts full ID numbers at rest (domain/property/id_numbers.py); required in production.
    ID_NUMBER_KEY = os.environ.get("ID_NUMBER_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in instance/
    PROPERTY_TIMEZONE = os.environ.get("PROPERTY_TIMEZONE", "Asia/Shanghai")
    #: Babel's canonical name for zh_CN (see web/i18n.py).
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = PROPERTY_TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("zh_CN", "en")
    #: Set only where the developer asked for development (APP_ENV=development): the dev SECRET_KEY is allowed.
    DEVELOPMENT = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Six photos of up to 10 MB each, plus the form.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: The one Redis of the installation (task queue, sign-in throttles); unset: the embedded defaults.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    #: Where the per-address sign-in limits count: Redis when REDIS_URL is set, else the application's database
    #: (domain/throttle/rate_limits.py); either way every worker and every server counts together.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "database://"
    RATELIMIT_HEADERS_ENABLED = False
    #: Attempts per client address on each login form (per account: domain/throttle's limits).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    #: Sign-ins end after this long without a request, and at the latest after the session's hours (a shift); a
    #: resident's "keep me signed in" lasts RESIDENT_REMEMBER_DAYS instead. Enforced on the server.
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "12"))
    RESIDENT_IDLE_MINUTES = int(os.environ.get("RESIDENT_IDLE_MINUTES", "120"))
    RESIDENT_SESSION_HOURS = int(os.environ.get("RESIDENT_SESSION_HOURS", "12"))
    RESIDENT_REMEMBER_DAYS = int(os.environ.get("RESIDENT_REMEMBER_DAYS", "30"))
    #: How many proxies in front of the app set X-Forwarded-For/-Proto (the TLS proxy: 1). 0 trusts none: the
    #: throttles and the audit log then see the peer's address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    #: Strict-Transport-Security max-age; 0 sends none (production sends a year).
    HSTS_SECONDS = 0
    PASSWORD_HASH_METHOD = "scrypt"
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo1234")
    PRODUCTION = False
    #: Stripe: both set means real Checkout; neither, outside production, means the local sandbox.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    #: Another API address for the SDK (a Stripe mock, the sandbox in benchmarks); unset means api.stripe.com.
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    #: The demo's payment sandbox, served inside the app at /sandbox/stripe: only when asked for with
    #: PAYMENT_SANDBOX=1 (as `make run` does), never in production.
    PAYMENT_SANDBOX = _env_bool("PAYMENT_SANDBOX", False)
    STRIPE_SANDBOX_URL = (
        os.environ.get("STRIPE_SANDBOX_URL", "http://127.0.0.1:5000/sandbox/stripe") if PAYMENT_SANDBOX else None
    )
    STRIPE_SANDBOX_WEBHOOK_SECRET = os.environ.get("STRIPE_SANDBOX_WEBHOOK_SECRET", "whsec_sandbox_demo")
    #: Outgoing e-mail (payment reminders); without MAIL_SERVER reminders are in-app only.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")
    #: Days after the billed month's first day that a bill falls due.
    BILL_DUE_DAYS = 30
    #: Where uploaded files (photos, documents) are kept (domain/files/store.py): "directory" (UPLOAD_FOLDER, one
    #: server or a mount every server shares) or "database" (the stored_files table, for many servers).
    FILE_STORE = os.environ.get("FILE_STORE", "directory")
    #: The directory store's folder, outside static/ (default: instance/uploads).
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    MAX_PHOTOS_PER_TICKET = 6
    # The counter: how long a pickup code lasts, when a waiting parcel is reminded and listed as waiting too
    # long, when it may go back to the carrier, and how long small items are kept by default.
    PARCEL_CODE_DAYS = int(os.environ.get("PARCEL_CODE_DAYS", "14"))
    PARCEL_REMIND_DAYS = int(os.environ.get("PARCEL_REMIND_DAYS", "3"))
    PARCEL_RETURN_DAYS = int(os.environ.get("PARCEL_RETURN_DAYS", "15"))
    STORAGE_DAYS = int(os.environ.get("STORAGE_DAYS", "7"))
    # The hours renovation works are allowed on a day (property time).
    RENOVATION_HOURS = os.environ.get("RENOVATION_HOURS", "08:00-18:00")
    # The one-off charges billed on approval (codes of the fee schedule): the deposit, and a fee if there is one.
    RENOVATION_DEPOSIT_CODE = os.environ.get("RENOVATION_DEPOSIT_CODE", "RENO")
    RENOVATION_FEE_CODE = os.environ.get("RENOVATION_FEE_CODE", "RENOFEE")
    RENOVATION_PAY_DAYS = int(os.environ.get("RENOVATION_PAY_DAYS", "7"))
    # The metered charges (codes of the fee schedule) whose first readings are the meters at a unit's hand-over.
    WATER_CHARGE_CODE = os.environ.get("WATER_CHARGE_CODE", "WATER")
    ELECTRICITY_CHARGE_CODE = os.environ.get("ELECTRICITY_CHARGE_CODE", "ELEC")
    #: `flask backup create` writes here (default: instance/backups) and keeps the newest BACKUP_KEEP (0: all).
    BACKUP_DIR = os.environ.get("BACKUP_DIR")
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
    #: The PostgreSQL client programs' directory (pg_dump, pg_restore, psql of the server's version, e.g.
    #: /usr/lib/postgresql/15/bin); unset: the first found on PATH.
    PG_BIN = os.environ.get("PG_BIN")
    #: The template fast path (web/templating.py: constants translated at compile time, `{{ value }}` escaped
    #: without a Markup). On by default; TEMPLATE_FAST_PATH=0 renders with Flask's plain Jinja environment, the
    #: check that the pages read the same without it (CI runs the suite both ways).
    TEMPLATE_FAST_PATH = _env_bool("TEMPLATE_FAST_PATH", True)
    #: The queue's name (its keys in Redis): installations, or test runs, sharing one Redis each take their own.
    TASKS_QUEUE_NAME = os.environ.get("TASKS_QUEUE_NAME", "property")
    #: The task queue's SQLite file when REDIS_URL is unset (default: instance/tasks.sqlite3).
    TASKS_SQLITE_PATH = os.environ.get("TASKS_SQLITE_PATH")
    #: Run each task where it is enqueued, at once, instead of in `flask worker` (the test suite; a quick try).
    TASKS_IMMEDIATE = _env_bool("TASKS_IMMEDIATE", False)
    #: Threads of `flask worker` (each runs one task at a time).
    TASKS_WORKERS = int(os.environ.get("TASKS_WORKERS", "4"))
    # A task that sweeps up pending work (the parcel notices) waits this long to gather the commits meanwhile.
    TASKS_COALESCE_SECONDS = float(os.environ.get("TASKS_COALESCE_SECONDS", "1"))
    #: "json": one JSON object a log line, each request's line with its id, user id, route, status and duration
    #: (web/observability); "text": Python's and Flask's readable defaults. Production's default is json.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
    #: The bearer token Prometheus sends to read /metrics; unset, /metrics answers 404 to everyone.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    #: Where gunicorn's workers write their metrics for /metrics to add up (prometheus_client reads it itself when
    #: first imported; gunicorn.conf.py empties it at start). Unset: one process, metrics kept in memory.
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class DevConfig(Config):
    """Local development: `make run` (which sets APP_ENV=development), or APP_ENV unset."""

    DEVELOPMENT = os.environ.get("APP_ENV", "").strip().lower() in {"development", "dev"}


class TestConfig(Config):
    """The test suite: a throwaway database, fast password hashing, no CSRF unless a test asks."""

    TESTING = True
    DEVELOPMENT = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_ENABLED = True
    DEMO_PASSWORD = "demo1234"
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_SANDBOX_URL = None  # the tests start their own sandbox where they need one
    STRIPE_SANDBOX_WEBHOOK_SECRET = "whsec_test_suite"
    MAIL_SERVER = None
    TASKS_IMMEDIATE = True
    LOG_FORMAT = "text"
    METRICS_TOKEN = None
    PROMETHEUS_MULTIPROC_DIR = None


class ProdConfig(Config):
    """Production: gunicorn with several workers and PostgreSQL through DATABASE_URL."""

    PRODUCTION = True
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()


def config_from_env():
    """Pick the config class named by APP_ENV (development, production)."""
    name = os.environ.get("APP_ENV", "development").lower()
    return {"production": ProdConfig, "prod": ProdConfig}.get(name, DevConfig)
