"""Django settings, driven by the environment.

Every knob is a ``RECOUVRE_*`` environment variable documented in the README; no secret lives in code.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from recouvre import datadir
from recouvre.core.envparse import env_bool, env_int, env_seconds
from recouvre.documents.limits import megabytes_setting

BASE_DIR = Path(__file__).resolve().parent

# Everything Recouvre writes is its user's only: files 0600, folders 0700 (see ``recouvre.datadir``).
datadir.restrict_umask()
DATA_DIR = Path(os.environ.get("RECOUVRE_DATA_DIR", "var")).resolve()
DEFAULT_SQLITE_PATH = DATA_DIR / "recouvre.sqlite3"
# The URL itself (it may hold the password) is not kept in a setting: the debug page lists the settings.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("RECOUVRE_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}", conn_max_age=60
    )
}
_SQLITE_FILES: list[Path] = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":
    _database = Path(DATABASES["default"]["NAME"])
    _SQLITE_FILES = [
        _database,
        _database.with_name(_database.name + "-wal"),
        _database.with_name(_database.name + "-shm"),
    ]
for _problem in datadir.make_private(DATA_DIR, files=_SQLITE_FILES):
    print(f"recouvre: warning: {_problem}", file=sys.stderr)


def _secret_key() -> str:
    key = os.environ.get("RECOUVRE_SECRET_KEY")
    if key:
        return key
    try:
        return datadir.secret_key(DATA_DIR / "secret_key")
    except datadir.SecretKeyError as exc:
        raise ImproperlyConfigured(str(exc)) from None


SECRET_KEY = _secret_key()
DEBUG = env_bool(os.environ.get("RECOUVRE_DEBUG"), default=False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("RECOUVRE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("RECOUVRE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "recouvre.organizations",
    "recouvre.ledger",
    "recouvre.imports",
    "recouvre.bank",
    "recouvre.einvoices",
    "recouvre.reports",
    "recouvre.collections",
    "recouvre.documents",
    "recouvre.tasks",
    "recouvre.risk",
    "recouvre.letters",
    "recouvre.legal",
    "recouvre.penalties",
    "recouvre.proceedings",
    "recouvre.dossier",
    "recouvre.privacy",
    "recouvre.operations",
    "recouvre.watch",
    "recouvre.mailbox",
    "recouvre.webhooks",
    "recouvre.api",
    "recouvre.portal",
    "recouvre.payments",
    "recouvre.notifications",
    "recouvre.notes",
    "recouvre.web",
]

MIDDLEWARE = [
    # /health answers first: no session, no login, whatever the host name (see recouvre/web/health.py)
    "recouvre.web.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "recouvre.web.csp.ResponsePolicies",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "recouvre.organizations.middleware.CurrentOrganizationMiddleware",
]

ROOT_URLCONF = "recouvre.urls"
WSGI_APPLICATION = "recouvre.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recouvre.organizations.context_processors.organizations",
            ],
        },
    }
]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while the worker writes; IMMEDIATE avoids lock upgrades deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        # how long a connection waits for another's write to end before "database is locked"
        "timeout": env_seconds(os.environ.get("RECOUVRE_SQLITE_TIMEOUT"), name="RECOUVRE_SQLITE_TIMEOUT", default=30),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RECOUVRE_TEST_SQLITE_NAME", "")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No just-in-time compilation: PostgreSQL turns it on for any query it costs above 100 000, which a grouped
    # query over a million invoices always is, and then spends 100 to 300 ms compiling it, longer than many of
    # those queries take to run. Server-side cursors (``iterator()``, the planner's open items) are planned to be
    # read to the end, as they always are here: planned for their first tenth (the default), the collections run's
    # read of 200 000 open items chose nested loops and ran for minutes instead of 1.5 s (docs/performance.md,
    # "Speed at scale"). A URL's own ?options= still applies.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = ("-c jit=off -c cursor_tuple_fraction=1 " + _options.get("options", "")).strip()

# The debug page (RECOUVRE_DEBUG=1) hides passwords wherever they are, URLs' included (``recouvre.web.debug``).
DEFAULT_EXCEPTION_REPORTER_FILTER = "recouvre.web.debug.ExceptionReporterFilter"

# Behind a TLS proxy (RECOUVRE_HTTPS=1): cookies only over HTTPS, HSTS, plain HTTP redirected, and the proxy's
# X-Forwarded-Proto trusted (the proxy must set it, and append the client's address to X-Forwarded-For).
HTTPS = env_bool(os.environ.get("RECOUVRE_HTTPS"), default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0  # a year
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(os.environ.get("RECOUVRE_HSTS_INCLUDE_SUBDOMAINS"), default=False)
SECURE_HSTS_PRELOAD = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere in the app: scripts and styles are static files. The HTML part of an e-mail
# (inline styles, as mail clients need) is shown in a sandboxed frame with its own policy (``recouvre.web.csp``).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
}

# Login throttling: after this many failed logins for one user name (or from one address) within the lock-out
# period, logins for it are refused until the period has passed (counters in the database, shared by all workers).
LOGIN_FAILURES_PER_USER = env_int(
    "RECOUVRE_LOGIN_FAILURES_PER_USER", os.environ.get("RECOUVRE_LOGIN_FAILURES_PER_USER"), default=5
)
LOGIN_FAILURES_PER_ADDRESS = env_int(
    "RECOUVRE_LOGIN_FAILURES_PER_ADDRESS", os.environ.get("RECOUVRE_LOGIN_FAILURES_PER_ADDRESS"), default=30
)
LOGIN_LOCKOUT_MINUTES = env_int(
    "RECOUVRE_LOGIN_LOCKOUT_MINUTES", os.environ.get("RECOUVRE_LOGIN_LOCKOUT_MINUTES"), default=15
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organizations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The app serves its static files from the installed packages. For a front proxy, `collectstatic` copies them to
# RECOUVRE_STATIC_ROOT, which must be outside the data folder (private: the proxy could not read it), readable by all.
STATIC_ROOT = Path(os.environ["RECOUVRE_STATIC_ROOT"]).resolve() if os.environ.get("RECOUVRE_STATIC_ROOT") else None
if STATIC_ROOT is not None and STATIC_ROOT.is_relative_to(DATA_DIR):
    raise ImproperlyConfigured(
        f"RECOUVRE_STATIC_ROOT ({STATIC_ROOT}) is inside the data folder ({DATA_DIR}), which only Recouvre's user "
        "can read: choose a folder outside it"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},  # public assets
    },
}
# Uploaded files saved through Django's storage are private, like everything in the data folder.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Documents on file (invoice PDFs, contracts...): the largest file accepted, and the most a reminder e-mail attaches.
DOCUMENTS_MAX_UPLOAD_BYTES = megabytes_setting("RECOUVRE_MAX_UPLOAD_MB", default=20)
DOCUMENTS_MAX_ATTACHMENTS_BYTES = megabytes_setting("RECOUVRE_MAX_ATTACHMENTS_MB", default=10)

# Imports: the largest file the import page accepts (a year of FEC, a CSV of a few hundred thousand lines).
IMPORTS_MAX_UPLOAD_BYTES = megabytes_setting("RECOUVRE_MAX_IMPORT_MB", default=200)
# The REST API: the largest request body accepted (a batch of a few thousand invoices is well under 5 MB).
API_MAX_BODY_BYTES = megabytes_setting("RECOUVRE_API_MAX_BODY_MB", default=20)
# The REST API: the days the answer to a write is kept for its Idempotency-Key (then purged by the scheduler).
RECOUVRE_API_IDEMPOTENCY_DAYS = env_int(
    "RECOUVRE_API_IDEMPOTENCY_DAYS", os.environ.get("RECOUVRE_API_IDEMPOTENCY_DAYS"), default=7
)
# Uploaded import files can be large (a year of FEC); keep them on disk, not in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}


def _mailers(url: str | None, *, timeout: float = 20) -> dict[str, dict[str, object]]:
    """Turn ``RECOUVRE_SMTP_URL`` into Django's ``MAILERS`` setting.

    ``smtp://user:password@host:port`` (STARTTLS with ``?starttls=1``), ``smtps://...`` for implicit TLS,
    ``console://`` to print messages; unset: each message is written as a file in ``<data dir>/outbox``.
    ``timeout`` (seconds, ``RECOUVRE_SMTP_TIMEOUT``) bounds the connection and each exchange with the server.
    """
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
            }
        }
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"RECOUVRE_SMTP_URL: unsupported scheme {parts.scheme!r} (use smtp://, smtps://, console://)")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or "") or None,
                "password": unquote(parts.password or "") or None,
                "use_ssl": parts.scheme == "smtps",
                "use_tls": env_bool(query.get("starttls"), default=False),
                "timeout": timeout,
            },
        }
    }


# Seconds the mail server has to accept a connection and to answer each command (RECOUVRE_SMTP_TIMEOUT).
RECOUVRE_SMTP_TIMEOUT = env_seconds(os.environ.get("RECOUVRE_SMTP_TIMEOUT"), name="RECOUVRE_SMTP_TIMEOUT", default=20)
MAILERS = _mailers(os.environ.get("RECOUVRE_SMTP_URL"), timeout=RECOUVRE_SMTP_TIMEOUT)
# How long an e-mail claimed by a dispatcher stays its own without renewal (renewed four times within it while
# the dispatcher runs); a claim older than that, or whose dispatcher's process is gone, is taken back.
RECOUVRE_SEND_LEASE_SECONDS = env_seconds(
    os.environ.get("RECOUVRE_SEND_LEASE_SECONDS"), name="RECOUVRE_SEND_LEASE_SECONDS", default=120
)
# The daily collections run (local time) and the hours e-mails may leave (an organization can set its own window).
RECOUVRE_RUN_AT = os.environ.get("RECOUVRE_RUN_AT", "07:00")
RECOUVRE_SEND_WINDOW = os.environ.get("RECOUVRE_SEND_WINDOW", "08:00-19:00")
# Orders for payment dated from this day are served within 3 months (décret 2026-96; date uncertain, LEGAL-FR §12).
RECOUVRE_DECREE_2026_96_FROM = os.environ.get("RECOUVRE_DECREE_2026_96_FROM", "2026-09-01")
# the ECB Data Portal (``recouvre rates update``, the scheduler's daily rates job)
RECOUVRE_ECB_URL = os.environ.get("RECOUVRE_ECB_URL", "https://data-api.ecb.europa.eu/service/data")
# The company watch (``recouvre watch``, the scheduler's daily BODACC check): the public company directory, the
# BODACC records API, and the seconds each has to answer.
RECOUVRE_COMPANY_DIRECTORY_URL = os.environ.get(
    "RECOUVRE_COMPANY_DIRECTORY_URL", "https://recherche-entreprises.api.gouv.fr"
)
RECOUVRE_BODACC_URL = os.environ.get(
    "RECOUVRE_BODACC_URL",
    "https://bodacc-datadila.opendatasoft.com/api/explore/v2.1/catalog/datasets/annonces-commerciales/records",
)
RECOUVRE_WATCH_TIMEOUT = env_seconds(
    os.environ.get("RECOUVRE_WATCH_TIMEOUT"), name="RECOUVRE_WATCH_TIMEOUT", default=10
)
# The mailbox where replies to reminders and delivery failures arrive (``recouvre mail fetch``, and the scheduler
# every RECOUVRE_IMAP_EVERY seconds): imaps://user:password@host[:port]/FOLDER (imap:// without TLS only for a
# server on this machine). Empty: not read.
RECOUVRE_IMAP_URL = os.environ.get("RECOUVRE_IMAP_URL", "")
RECOUVRE_IMAP_TIMEOUT = env_seconds(os.environ.get("RECOUVRE_IMAP_TIMEOUT"), name="RECOUVRE_IMAP_TIMEOUT", default=20)
RECOUVRE_IMAP_EVERY = env_seconds(os.environ.get("RECOUVRE_IMAP_EVERY"), name="RECOUVRE_IMAP_EVERY", default=300)
# The address the server is reached at from outside (https://recouvre.example.com), for the links to the customer
# portal that reminders, statements and letters carry; empty: documents carry no link.
RECOUVRE_PUBLIC_URL = os.environ.get("RECOUVRE_PUBLIC_URL", "").strip().rstrip("/")
if RECOUVRE_PUBLIC_URL and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", RECOUVRE_PUBLIC_URL):
    raise ImproperlyConfigured(
        f"RECOUVRE_PUBLIC_URL ({RECOUVRE_PUBLIC_URL!r}) is not an http:// or https:// address without query"
    )
# Online payment on the customer portal (docs/payments.md): the provider offered (empty: off; "stripe"), the
# address of its API, and the seconds it has to answer. Each organization's own credentials are set with
# `recouvre payments configure`.
RECOUVRE_PAYMENT_PROVIDER = os.environ.get("RECOUVRE_PAYMENT_PROVIDER", "").strip().lower()
if RECOUVRE_PAYMENT_PROVIDER not in ("", "stripe"):
    raise ImproperlyConfigured(
        f"RECOUVRE_PAYMENT_PROVIDER ({RECOUVRE_PAYMENT_PROVIDER!r}) is not a payment provider Recouvre knows "
        "(leave it empty, or write stripe)"
    )
RECOUVRE_STRIPE_API_URL = os.environ.get("RECOUVRE_STRIPE_API_URL", "https://api.stripe.com").strip().rstrip("/")
if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", RECOUVRE_STRIPE_API_URL):
    raise ImproperlyConfigured(f"RECOUVRE_STRIPE_API_URL ({RECOUVRE_STRIPE_API_URL!r}) is not an http(s) address")
RECOUVRE_PAYMENT_TIMEOUT = env_seconds(
    os.environ.get("RECOUVRE_PAYMENT_TIMEOUT"), name="RECOUVRE_PAYMENT_TIMEOUT", default=10
)
DEFAULT_FROM_EMAIL = os.environ.get("RECOUVRE_FROM_EMAIL", "recouvre@localhost")
# Webhooks (docs/webhooks.md): the seconds an endpoint has to answer, the days of failures after which it is
# disabled, and whether it may be on a private network or (for development and tests) on this machine over http.
RECOUVRE_WEBHOOK_TIMEOUT = env_seconds(
    os.environ.get("RECOUVRE_WEBHOOK_TIMEOUT"), name="RECOUVRE_WEBHOOK_TIMEOUT", default=10
)
RECOUVRE_WEBHOOK_DISABLE_AFTER_DAYS = env_int(
    "RECOUVRE_WEBHOOK_DISABLE_AFTER_DAYS", os.environ.get("RECOUVRE_WEBHOOK_DISABLE_AFTER_DAYS"), default=3
)
RECOUVRE_WEBHOOK_ALLOW_PRIVATE = env_bool(os.environ.get("RECOUVRE_WEBHOOK_ALLOW_PRIVATE"), default=False)
RECOUVRE_WEBHOOK_ALLOW_LOOPBACK = env_bool(os.environ.get("RECOUVRE_WEBHOOK_ALLOW_LOOPBACK"), default=False)
# How often the worker and the scheduler record that they are alive (recouvre/operations/heartbeat.py).
RECOUVRE_HEARTBEAT_SECONDS = env_seconds(
    os.environ.get("RECOUVRE_HEARTBEAT_SECONDS"), name="RECOUVRE_HEARTBEAT_SECONDS", default=30
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECOUVRE_LOG_LEVEL", "INFO")},
    # WeasyPrint tells each stage of every PDF it draws ("Step 1 - Fetching..."): not worth a log line.
    # The task queue's library tells each worker start and each task run: only its warnings and errors are shown.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        # fontTools tells every step of subsetting each font of each PDF (hundreds of lines for the demo's letters).
        "fontTools": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
