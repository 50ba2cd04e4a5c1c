"""Klient settings: one module, configured from KLIENT_* and DATABASE_URL environment variables.

Every variable is optional. Without any, Klient runs in development mode on SQLite under ./var/.
"""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable: 1/true/yes/on count as true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or os.environ.get("KLIENT_TESTING") == "1"

DATA_DIR = Path(os.environ.get("KLIENT_DATA_DIR") or Path.cwd() / "var").resolve()
DEBUG = env_flag("KLIENT_DEBUG", default=True)


def _secret_key() -> str:
    """The secret key from KLIENT_SECRET_KEY, or one generated once and kept under the data dir."""
    configured = os.environ.get("KLIENT_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()

BASE_URL = os.environ.get("KLIENT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("KLIENT_ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
base_host = urlparse(BASE_URL).hostname
if base_host and base_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(base_host)
CSRF_TRUSTED_ORIGINS = [BASE_URL] if urlparse(BASE_URL).scheme in {"http", "https"} else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    # Ours come last so that post_migrate finds every permission already created.
    "klient.core",
    "klient.customers",
    "klient.catalog",
    "klient.sales.competitors",
    "klient.sales",
    "klient.sales.quotes",
    "klient.sales.orders",
    "klient.sales.contracts",
    "klient.activities",
    "klient.activities.calllists",
    "klient.activities.greetings",
    "klient.activities.calendars",
    "klient.mail",
    "klient.service",
    "klient.service.kb",
    "klient.service.portal",
    "klient.reports",
    "klient.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "klient.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "klient.urls"
WSGI_APPLICATION = "klient.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klient.core.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite (WAL) under the data dir unless DATABASE_URL says otherwise.
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Klient's queries read one page each. The JIT compiles any query the planner thinks costly
        # (30–60 ms before the first row), and parallel workers take ~5 ms to start: both cost more
        # than they save here, and the second core is better left to the next request.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", os.environ.get("KLIENT_PG_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0")
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "klient.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "klient.core.backends.DelegationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Sign-in throttling: five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("KLIENT_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Internationalisation: six languages from the start; adding one is a translation file.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("pl", _("Polish")),
    ("bs", _("Bosnian/Croatian/Serbian")),
    ("hy", _("Armenian")),
    ("zh-hans", _("Chinese (Simplified)")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "klient_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
# The largest file the import screen accepts (the command line has no limit).
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("KLIENT_IMPORT_MAX_MB", "100")) * 1024 * 1024
# Files from this size on are read and parsed in a second process while the first one writes ("off": never).
_IMPORT_PARALLEL_MB = os.environ.get("KLIENT_IMPORT_PARALLEL_MB", "1").strip().lower()
IMPORT_PARALLEL_BYTES = (
    None if _IMPORT_PARALLEL_MB == "off" else int(float(_IMPORT_PARALLEL_MB) * 1024 * 1024)
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Cache: Redis when KLIENT_CACHE_URL (or a redis broker) is given, else the database-free local memory.
_cache_url = os.environ.get("KLIENT_CACHE_URL") or (
    os.environ.get("KLIENT_BROKER_URL", "")
    if os.environ.get("KLIENT_BROKER_URL", "").startswith("redis")
    else ""
)
if _cache_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "klient"}}

# Mail: SMTP through KLIENT_SMTP_URL (smtp://user:pass@host:port, smtps:// for TLS, ?starttls=1).
_smtp_url = os.environ.get("KLIENT_SMTP_URL", "")
if _smtp_url:
    _smtp = urlparse(_smtp_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 25)
    EMAIL_HOST_USER = _smtp.username or ""
    EMAIL_HOST_PASSWORD = _smtp.password or ""
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = "starttls=1" in (_smtp.query or "")
    EMAIL_TIMEOUT = 30
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    # Without an SMTP server, mail is written to files under the data dir, never lost.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("KLIENT_FROM_EMAIL", "Klient <klient@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Mailings send at most this many messages a minute each (see klient.mail).
MAIL_RATE_PER_MINUTE = int(os.environ.get("KLIENT_MAIL_RATE_PER_MINUTE", "30"))
# Mail intake (klient mailgate / fetchmail): an attachment over this size is noted, not kept; a sender gets
# at most this many acknowledgements of new tickets an hour.
KLIENT_MAIL_MAX_ATTACHMENT_BYTES = int(
    float(os.environ.get("KLIENT_MAIL_MAX_ATTACHMENT_MB", "20")) * 1024 * 1024
)
KLIENT_ACK_PER_SENDER_PER_HOUR = int(os.environ.get("KLIENT_ACK_PER_SENDER_PER_HOUR", "3"))
# The currency exchange rates are stored against (ISO 4217).
BASE_CURRENCY = os.environ.get("KLIENT_BASE_CURRENCY", "EUR").strip().upper() or "EUR"
# Documents sent to customers (quotes): the company's name, its details (address, tax id; one per line)
# and its logo (a path to an SVG or PNG file).
DOCUMENT_COMPANY_NAME = os.environ.get("KLIENT_DOCUMENT_COMPANY_NAME", "Klient")
DOCUMENT_COMPANY_DETAILS = os.environ.get("KLIENT_DOCUMENT_COMPANY_DETAILS", "")
DOCUMENT_LOGO = os.environ.get("KLIENT_DOCUMENT_LOGO", str(PACKAGE_DIR / "static" / "klient" / "favicon.svg"))
# Quotes: line discounts above this many percent need a manager's approval before the quote is sent;
# a new quote is valid this many days.
QUOTE_DISCOUNT_LIMIT = os.environ.get("KLIENT_QUOTE_DISCOUNT_LIMIT", "15")
QUOTE_VALID_DAYS = int(os.environ.get("KLIENT_QUOTE_VALID_DAYS", "30"))
# Mass proposals send at most this many quotes (each with its PDF and email) a minute.
MASS_PROPOSAL_PER_MINUTE = int(os.environ.get("KLIENT_MASS_PROPOSAL_PER_MINUTE", "60"))
# Webhooks: only https:// to public addresses, unless this is on (development and tests only: it also
# allows http:// and private, loopback and link-local addresses). A CA bundle to trust instead of the
# system's may be given for receivers with a private CA.
WEBHOOKS_ALLOW_INSECURE = env_flag("KLIENT_WEBHOOKS_ALLOW_INSECURE", default=False)
WEBHOOKS_CA_FILE = os.environ.get("KLIENT_WEBHOOKS_CA_FILE", "")

# Jobs: Celery. Eager in tests; Redis (or any broker) from KLIENT_BROKER_URL; otherwise kombu's
# SQLAlchemy transport on a SQLite file under the data dir, which needs no server.
BROKER_URL = os.environ.get("KLIENT_BROKER_URL", "")
CELERY_BROKER_URL = BROKER_URL or f"sqla+sqlite:///{DATA_DIR / 'broker.sqlite3'}"
CELERY_RESULT_BACKEND = os.environ.get("KLIENT_RESULT_BACKEND") or (
    BROKER_URL if BROKER_URL.startswith("redis") else None
)
CELERY_TASK_ALWAYS_EAGER = TESTING and os.environ.get("KLIENT_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The one place where periodic jobs are declared; each is a thin call to a service.
CELERY_BEAT_SCHEDULE = {
    "delegations-close-ended": {
        "task": "klient.core.tasks.delegations_close_ended",
        "schedule": crontab(minute="*/15"),
    },
    "api-tokens-purge-expired": {
        "task": "klient.core.tasks.api_tokens_purge_expired",
        "schedule": crontab(minute=7, hour=3),
    },
    "import-jobs-purge-abandoned": {
        "task": "klient.customers.tasks.import_jobs_purge_abandoned",
        "schedule": crontab(minute=17, hour=3),
    },
    # Hourly, so that each user's report is built on their own 1st and made final on their own 3rd.
    "monthly-reports-build": {
        "task": "klient.reports.tasks.monthly_reports_build",
        "schedule": crontab(minute=5),
    },
    "monthly-reports-finalize": {
        "task": "klient.reports.tasks.monthly_reports_finalize",
        "schedule": crontab(minute=10),
    },
    "mail-outbox-sweep": {
        "task": "klient.mail.tasks.outbox_sweep",
        "schedule": crontab(minute="*"),
    },
    "webhooks-sweep": {
        "task": "klient.webhooks.tasks.webhook_sweep",
        "schedule": crontab(minute="*"),
    },
    # Mail intake: poll the IMAP mailboxes; process again what a crashed mailgate left received.
    "mail-fetch": {
        "task": "klient.service.tasks.mail_fetch",
        "schedule": crontab(minute="*"),
    },
    "mail-intake-sweep": {
        "task": "klient.service.tasks.mail_intake_sweep",
        "schedule": crontab(minute="*/3"),
    },
    # SLA: warn at 75 % of a target, escalate at its breach (klient.service.sla.sla_escalate).
    "sla-escalate": {
        "task": "klient.service.tasks.sla_escalate_due",
        "schedule": crontab(minute="*"),
    },
    # Daily: signed contracts become active on their start, active ones expire after their end.
    "contracts-advance": {
        "task": "klient.sales.contracts.tasks.contracts_advance_due",
        "schedule": crontab(minute=20, hour=0),
    },
}

# API
API_RATE_LIMIT = os.environ.get("KLIENT_API_RATE_LIMIT", "1200/m")
NINJA_PAGINATION_MAX_LIMIT = 200

# Security. Production (KLIENT_DEBUG=0) gets secure cookies, HSTS and HTTPS redirects.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("KLIENT_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

OTP_TOTP_ISSUER = "Klient"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KLIENT_LOG_LEVEL", "WARNING")},
}
