"""Django settings for Fenpei.

Everything a deployment may need to change comes from the environment, so the same
installed package serves both the embedded SQLite setup and a PostgreSQL deployment:

``DATABASE_URL``
    Any URL understood by ``dj_database_url`` (``postgres://user:pw@host:5432/fenpei``).
    Unset or blank: the SQLite file ``fenpei.sqlite3`` in the current working directory.
``FENPEI_DEBUG``
    ``true`` / ``1`` / ``yes`` (any case) turn debug mode on; anything else leaves it off.
``FENPEI_SECRET_KEY``
    Signs sessions, CSRF tokens and password-reset links. Unset, a publicly known
    development key is used: fine for a laptop demo, never for a shared server. Its
    ``django-insecure-`` prefix makes ``manage.py check --deploy`` flag it (security.W009).
``FENPEI_ALLOWED_HOSTS``
    Comma-separated host names; default ``localhost,127.0.0.1``.

A variable that is set but blank counts as unset, so ``FOO=`` lines in env files and
compose files do not silently switch behaviour.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

# Lets generic classes (ModelAdmin[Customer], QuerySet[Rep]) be subscripted at run time.
django_stubs_ext.monkeypatch()

_TRUE_WORDS = frozenset({"true", "1", "yes"})


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_bool(name: str) -> bool:
    return _env(name, "").lower() in _TRUE_WORDS


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


# Data lives next to where the user runs `fenpei`, not inside the installed package:
# site-packages may be read-only, and every subcommand run from the same folder must
# see the same database. Resolved once, at import, so a later chdir cannot split it.
WORK_DIR = Path.cwd()

DEBUG = _env_bool("FENPEI_DEBUG")

SECRET_KEY = _env(
    "FENPEI_SECRET_KEY",
    "django-insecure-fenpei-development-key-do-not-use-in-production",
)

ALLOWED_HOSTS = _env_list("FENPEI_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "fenpei.teams",
    "fenpei.customers",
    "fenpei.allocation",
    "fenpei.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    return config


DATABASES = {"default": _database()}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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

# Uploaded workbooks are read from memory or a temporary file; 50 MB holds ~500k rows.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

#: Runs with more customers in scope than this are computed by a background task with
#: a progress bar; smaller ones are computed during the request (well under a second).
FENPEI_BACKGROUND_RUN_SIZE = int(_env("FENPEI_BACKGROUND_RUN_SIZE", "3000"))
