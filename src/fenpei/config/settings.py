"""Django settings for Fenpei.

Everything a deployment may need to change comes from the environment, so the same
installed package serves both the embedded SQLite setup and a PostgreSQL deployment:

``DATABASE_URL``
    Any URL understood by ``dj_database_url`` (``postgres://user:pw@host:5432/fenpei``).
    Unset or blank: the SQLite file ``fenpei.sqlite3`` in the current working directory.
``FENPEI_DEBUG``
    ``true`` / ``1`` / ``yes`` (any case) turn debug mode on; anything else leaves it off.
``FENPEI_SECRET_KEY``
    Signs sessions and password-reset links; the same in every process of a deployment.
    Required with PostgreSQL (the settings refuse to load without it) and by
    ``fenpei serve --production``. Unset on the embedded SQLite setup: a random key kept
    in ``fenpei-secret.key`` beside the database file. See fenpei.config.secret_key.
``FENPEI_DB_CONN_MAX_AGE``
    Seconds a database connection is kept for the next request; default 60 on
    PostgreSQL (no connect per request), 0 on SQLite (opening a file costs nothing).
``FENPEI_DB_CONNECT_TIMEOUT``
    Seconds to wait for PostgreSQL to accept a connection; default 10.
``FENPEI_HTTPS``
    ``true`` when users reach the site over HTTPS: session and CSRF cookies are then
    only ever sent over HTTPS.
``FENPEI_PROXY_SSL_HEADER``
    The header a TLS-terminating proxy sets to ``https``, e.g. ``X-Forwarded-Proto``.
    Only set it when the proxy always sets (or strips) that header itself.
``FENPEI_CSRF_TRUSTED_ORIGINS``
    Comma-separated origins (``https://fenpei.example.com``) allowed to post forms
    when the proxy changes the scheme or port the app sees.
``FENPEI_ALLOWED_HOSTS``
    Comma-separated host names; default ``localhost,127.0.0.1``.

A variable that is set but blank counts as unset, so ``FOO=`` lines in env files and
compose files do not silently switch behaviour.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from fenpei.config.secret_key import secret_key_choose
from fenpei.config.sqlite_connection import Connection as SQLiteConnection

# Lets generic classes (ModelAdmin[Customer], QuerySet[Rep]) be subscripted at run time.
django_stubs_ext.monkeypatch()

_TRUE_WORDS = frozenset({"true", "1", "yes"})


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name, "")
    return value.lower() in _TRUE_WORDS if value else default


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


def _env_int(name: str, default: int) -> int:
    text = _env(name, str(default))
    try:
        return int(text)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {text!r}") from None


# Data lives next to where the user runs `fenpei`, not inside the installed package:
# site-packages may be read-only, and every subcommand run from the same folder must
# see the same database. Resolved once, at import, so a later chdir cannot split it.
WORK_DIR = Path.cwd()

DEBUG = _env_bool("FENPEI_DEBUG")
# Covering indexes (INCLUDE) are for PostgreSQL; SQLite builds them without, as intended.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ALLOWED_HOSTS = _env_list("FENPEI_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "fenpei.teams",
    "fenpei.customers",
    "fenpei.allocation",
    "fenpei.pool",
    "fenpei.followups",
    "fenpei.goals",
    "fenpei.notifications",
    "fenpei.audit",
    "fenpei.appeals",
    "fenpei.dashboards",
    "fenpei.reviews",
    "fenpei.backups",
    "fenpei.api",
    "fenpei.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (it may read the chosen language from them) and before Common
    # (which may redirect, and must do so in the chosen language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fenpei.config.urls"
WSGI_APPLICATION = "fenpei.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fenpei.web.context.viewer",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = _env("DATABASE_URL", "")
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    else:
        # Built directly rather than as a sqlite:// URL: a working directory with a
        # space, '#' or '?' in its path would not survive URL parsing.
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(WORK_DIR / "fenpei.sqlite3"),
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        options = config.setdefault("OPTIONS", {})
        # The embedded setup has web requests and in-process tasks writing at once.
        # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at
        # BEGIN, so two writers queue for `timeout` seconds instead of one failing at
        # once with "database is locked" when it tries to upgrade a read lock.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
        # never commits half a transaction that an interrupt cut short (its docstring)
        options.setdefault("factory", SQLiteConnection)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A connection costs PostgreSQL a process and the app a round trip or three, so
        # each web thread keeps one for a minute; the health check at the start of a
        # request replaces one the server has closed (restart, failover) instead of
        # failing that request.
        config["CONN_MAX_AGE"] = _env_int("FENPEI_DB_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
        # A server that does not answer fails the request (and /healthz) in seconds
        # rather than hanging a worker until the proxy gives up.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", _env_int("FENPEI_DB_CONNECT_TIMEOUT", 10))
    else:
        config["CONN_MAX_AGE"] = _env_int("FENPEI_DB_CONN_MAX_AGE", 0)
    return config


DATABASES = {"default": _database()}

# After DATABASES: the embedded setup keeps its key beside its database file.
# FENPEI_SECRET_KEY_FILE is where `fenpei serve` persists a key made up here (None: the
# key came from the environment and there is nothing to persist).
SECRET_KEY, FENPEI_SECRET_KEY_FILE = secret_key_choose(
    env_key=_env("FENPEI_SECRET_KEY", ""),
    under_pytest=bool(os.environ.get("PYTEST_VERSION")),
    debug=DEBUG,
    database=DATABASES["default"],
)

# ------------------------------------------------------------------------ web security
# Production is HTTPS: with debug off, every HTTPS protection is on unless FENPEI_HTTPS=0
# says the app is reached over plain HTTP on purpose (`fenpei demo` on loopback does; a
# trusted intranet without TLS may). Under pytest the test client speaks plain HTTP, so
# the default there is off; tests/config checks `check --deploy` with the production
# environment in a subprocess.
HTTPS = _env_bool("FENPEI_HTTPS", default=not DEBUG and not os.environ.get("PYTEST_VERSION"))
# The cookies that carry a login must never travel over plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# Load balancers and uptime checks often probe over plain HTTP: answer them there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/$"]
# A year, subdomains included, once the site is HTTPS only: a browser that has seen the
# site never tries plain HTTP again (FENPEI_HSTS_SECONDS=0 turns it off while testing).
SECURE_HSTS_SECONDS = _env_int("FENPEI_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS and SECURE_HSTS_SECONDS > 0
# A customer list must not leak through the Referer header to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A login lasts a working week at most, and a closed browser does not keep it for ever.
SESSION_COOKIE_AGE = _env_int("FENPEI_SESSION_HOURS", 7 * 24) * 3600
SESSION_COOKIE_HTTPONLY = True
# A proxy that terminates TLS tells the app the original scheme in a header; trusting
# it lets request.is_secure() (and so CSRF's origin check) see HTTPS.
_proxy_ssl_header = _env("FENPEI_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
CSRF_TRUSTED_ORIGINS = _env_list("FENPEI_CSRF_TRUSTED_ORIGINS", "")

# Content Security Policy: scripts, styles, fonts and images come from this site only
# (everything is served locally: no CDN), no inline script anywhere (data reaches the
# charts through json_script blocks, which are not executed), no plugins, no framing.
# Inline style *attributes* are allowed: a few bars set their width in the markup and
# ECharts sizes its canvas with them; they cannot run code, and with img-src, font-src
# and connect-src limited to 'self' they cannot send anything elsewhere either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): five wrong passwords for one username from one address
# lock that pair out for 15 minutes; a right password resets the count. Not the address
# alone: a whole office behind one NAT address must not be locked out by one person.
AUTHENTICATION_BACKENDS = [
    "fenpei.web.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env_int("FENPEI_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("FENPEI_LOGIN_LOCK_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fenpei.web.login_throttle.locked_out"
AXES_VERBOSE = False
# The client's address is the connection's unless a proxy we run says otherwise: a
# forwarded-for header from the open internet could name any address and dodge the lock.
_client_ip_header = _env("FENPEI_CLIENT_IP_HEADER", "")
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_" + _client_ip_header.upper().replace("-", "_"),)
    if _client_ip_header
    else ("REMOTE_ADDR",)
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 10, not Django's 8: the account guards a company's whole customer list.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese is the product's primary language; English must stay complete as well.
LANGUAGE_CODE = "zh-hans"
# Each language named in itself, so a user can find their own in the switcher
# whatever language the page is currently shown in.
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
USE_I18N = True
# Compiled catalogues ship with the package (src/fenpei/locale/*/LC_MESSAGES/django.mo),
# so a fresh machine needs no GNU gettext.
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` target. The app serves every static file itself (no CDN: intranets
# in China often cannot reach one), so this folder is part of a deployment.
STATIC_ROOT = WORK_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Background work (big allocation runs, big imports) goes through django-tasks with the
# database backend: the same database the app uses, so no broker is needed. `fenpei serve`
# and `fenpei demo` run a worker thread in-process (the embedded setup); a production
# deployment runs `fenpei db_worker` processes beside the web processes.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# The REST API (/api/v1/): token auth for other systems, session auth for the browser.
# Permissions are the UI's own query filters (fenpei.teams.access), not DRF model perms.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "fenpei.api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "fenpei.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fenpei API",
    "DESCRIPTION": "Customers, reps, policies, allocation runs and real-time routing.",
    "VERSION": "1",
    # Swagger UI's scripts and styles come from drf-spectacular-sidecar: served by the app.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI would load its validator badge from swagger.io: outside an intranet.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "AppealKindEnum": "fenpei.appeals.models.AppealKind",
        "AppealStatusEnum": "fenpei.appeals.models.AppealStatus",
        "StatusEnum": "fenpei.teams.models.RepStatus",  # a rep's, as before appeals had one
    },
}

# Uploaded workbooks are read from memory or a temporary file; 50 MB holds ~500k rows.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

#: Runs with more customers in scope than this are computed by a background task with
#: a progress bar; smaller ones are computed during the request (well under a second).
FENPEI_BACKGROUND_RUN_SIZE = int(_env("FENPEI_BACKGROUND_RUN_SIZE", "3000"))

# Errors go to stderr in every mode, not only with DEBUG: a server's 500s must leave a
# traceback where the operator (or a test reading the server's output) can see it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "fenpei": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
