"""Django settings, driven by the environment.

Every knob is a ``RECOUVRE_*`` environment variable documented in the README; no secret lives in code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from recouvre.core.envparse import env_bool
from recouvre.documents.limits import megabytes_setting

BASE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(os.environ.get("RECOUVRE_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("RECOUVRE_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


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
    "recouvre.reports",
    "recouvre.collections",
    "recouvre.documents",
    "recouvre.tasks",
    "recouvre.letters",
    "recouvre.legal",
    "recouvre.penalties",
    "recouvre.proceedings",
    "recouvre.dossier",
    "recouvre.privacy",
    "recouvre.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

DEFAULT_SQLITE_PATH = DATA_DIR / "recouvre.sqlite3"
DATABASE_URL = os.environ.get("RECOUVRE_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while the worker writes; IMMEDIATE avoids lock upgrades deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RECOUVRE_TEST_SQLITE_NAME", "")}

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
STATIC_ROOT = DATA_DIR / "static"  # filled by `collectstatic` for a front proxy; the app serves from the packages
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Documents on file (invoice PDFs, contracts...): the largest file accepted, and the most a reminder e-mail attaches.
DOCUMENTS_MAX_UPLOAD_BYTES = megabytes_setting("RECOUVRE_MAX_UPLOAD_MB", default=20)
DOCUMENTS_MAX_ATTACHMENTS_BYTES = megabytes_setting("RECOUVRE_MAX_ATTACHMENTS_MB", default=10)

# Imports: the largest file the import page accepts (a year of FEC, a CSV of a few hundred thousand lines).
IMPORTS_MAX_UPLOAD_BYTES = megabytes_setting("RECOUVRE_MAX_IMPORT_MB", default=200)
# Uploaded import files can be large (a year of FEC); keep them on disk, not in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}


def _mailers(url: str | None) -> dict[str, dict[str, object]]:
    """Turn ``RECOUVRE_SMTP_URL`` into Django's ``MAILERS`` setting.

    ``smtp://user:password@host:port`` (STARTTLS with ``?starttls=1``), ``smtps://...`` for implicit TLS,
    ``console://`` to print messages; unset: each message is written as a file in ``<data dir>/outbox``.
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
                "timeout": 30,
            },
        }
    }


MAILERS = _mailers(os.environ.get("RECOUVRE_SMTP_URL"))
# The daily collections run (local time) and the hours e-mails may leave (an organization can set its own window).
RECOUVRE_RUN_AT = os.environ.get("RECOUVRE_RUN_AT", "07:00")
RECOUVRE_SEND_WINDOW = os.environ.get("RECOUVRE_SEND_WINDOW", "08:00-19:00")
# Orders for payment dated from this day are served within 3 months (décret 2026-96; date uncertain, LEGAL-FR §12).
RECOUVRE_DECREE_2026_96_FROM = os.environ.get("RECOUVRE_DECREE_2026_96_FROM", "2026-09-01")
# the ECB Data Portal (``recouvre rates update``, the scheduler's daily rates job)
RECOUVRE_ECB_URL = os.environ.get("RECOUVRE_ECB_URL", "https://data-api.ecb.europa.eu/service/data")
DEFAULT_FROM_EMAIL = os.environ.get("RECOUVRE_FROM_EMAIL", "recouvre@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECOUVRE_LOG_LEVEL", "INFO")},
    # WeasyPrint tells each stage of every PDF it draws ("Step 1 - Fetching..."): not worth a log line.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
