"""Settings read from the environment.

Each test executes a fresh copy of the settings file under a controlled environment and
working directory, leaving the settings that the rest of the test session uses alone.
The environment is the one of a real `fenpei` process, not of pytest: PYTEST_VERSION
(which gives the suite its test key) is removed unless a test sets it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

import fenpei.config.settings
from fenpei.config.secret_key import (
    DEBUG_KEY,
    KEY_FILE_NAME,
    TEST_KEY,
    key_file_ensure,
    key_file_for,
)

SETTINGS_FILE = Path(fenpei.config.settings.__file__)
ENV_VARS = (
    "DATABASE_URL",
    "FENPEI_DEBUG",
    "FENPEI_SECRET_KEY",
    "FENPEI_ALLOWED_HOSTS",
    "FENPEI_DB_CONN_MAX_AGE",
    "FENPEI_DB_CONNECT_TIMEOUT",
    "FENPEI_HTTPS",
    "FENPEI_PROXY_SSL_HEADER",
    "FENPEI_CSRF_TRUSTED_ORIGINS",
    "PYTEST_VERSION",
)
PG_URL = "postgres://sales:s%40cret@db.internal:6543/fenpei"
KEY = "k" * 60

LoadSettings = Callable[..., ModuleType]


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LoadSettings:
    def load(cwd: Path = tmp_path, **env: str) -> ModuleType:
        for name in ENV_VARS:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(cwd)
        spec = importlib.util.spec_from_file_location("fenpei_settings_under_test", SETTINGS_FILE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_selects_postgresql(load_settings: LoadSettings, scheme: str) -> None:
    settings = load_settings(
        DATABASE_URL=f"{scheme}://sales:s%40cret@db.internal:6543/fenpei", FENPEI_SECRET_KEY=KEY
    )
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "fenpei"
    assert db["HOST"] == "db.internal"
    assert db["PORT"] == 6543
    assert db["USER"] == "sales"
    assert db["PASSWORD"] == "s@cret"
    # The SQLite tuning must not leak into other backends' connection options.
    assert "init_command" not in db.get("OPTIONS", {})
    assert "transaction_mode" not in db.get("OPTIONS", {})


@pytest.mark.parametrize("env", [{}, {"DATABASE_URL": ""}, {"DATABASE_URL": "   "}])
def test_default_database_is_sqlite_in_working_directory(
    load_settings: LoadSettings, tmp_path: Path, env: dict[str, str]
) -> None:
    db = load_settings(**env).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "fenpei.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_default_database_path_survives_awkward_directory_names(
    load_settings: LoadSettings, tmp_path: Path
) -> None:
    awkward = tmp_path / "销售 部#1?"
    awkward.mkdir()
    db = load_settings(cwd=awkward).DATABASES["default"]
    assert db["NAME"] == str(awkward / "fenpei.sqlite3")


def test_sqlite_url_options_override_defaults(load_settings: LoadSettings, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.sqlite3"
    db = load_settings(DATABASE_URL=f"sqlite:///{target}?timeout=5").DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(target)
    assert db["OPTIONS"]["timeout"] == 5
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE", "Yes", " true "])
def test_debug_on(load_settings: LoadSettings, value: str) -> None:
    assert load_settings(FENPEI_DEBUG=value).DEBUG is True


@pytest.mark.parametrize("value", [None, "", "false", "0", "no", "off", "2", "debug"])
def test_debug_off(load_settings: LoadSettings, value: str | None) -> None:
    env = {} if value is None else {"FENPEI_DEBUG": value}
    assert load_settings(**env).DEBUG is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["localhost", "127.0.0.1"]),
        ("", ["localhost", "127.0.0.1"]),
        ("fenpei.example.com", ["fenpei.example.com"]),
        (" a.example.com, .b.example.com ,,", ["a.example.com", ".b.example.com"]),
    ],
)
def test_allowed_hosts(load_settings: LoadSettings, value: str | None, expected: list[str]) -> None:
    env = {} if value is None else {"FENPEI_ALLOWED_HOSTS": value}
    hosts = load_settings(**env).ALLOWED_HOSTS
    assert hosts == expected


def test_postgresql_keeps_connections_and_times_out(load_settings: LoadSettings) -> None:
    db = load_settings(DATABASE_URL=PG_URL, FENPEI_SECRET_KEY=KEY).DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["connect_timeout"] == 10


def test_postgresql_connection_settings_from_environment(load_settings: LoadSettings) -> None:
    db = load_settings(
        DATABASE_URL=PG_URL,
        FENPEI_SECRET_KEY=KEY,
        FENPEI_DB_CONN_MAX_AGE="0",
        FENPEI_DB_CONNECT_TIMEOUT="3",
    ).DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["connect_timeout"] == 3


def test_sqlite_opens_a_connection_per_request(load_settings: LoadSettings) -> None:
    db = load_settings().DATABASES["default"]
    assert db["CONN_MAX_AGE"] == 0
    assert "connect_timeout" not in db["OPTIONS"]


def test_a_bad_number_is_refused_by_name(load_settings: LoadSettings) -> None:
    with pytest.raises(ImproperlyConfigured, match="FENPEI_DB_CONN_MAX_AGE"):
        load_settings(DATABASE_URL=PG_URL, FENPEI_SECRET_KEY=KEY, FENPEI_DB_CONN_MAX_AGE="1m")


# ----------------------------------------------------------------------- secret key


def test_secret_key_from_environment(load_settings: LoadSettings) -> None:
    settings = load_settings(FENPEI_SECRET_KEY=KEY)
    assert settings.SECRET_KEY == KEY
    assert settings.FENPEI_SECRET_KEY_FILE is None  # nothing for `fenpei serve` to write


def test_postgresql_without_a_key_refuses_to_load(load_settings: LoadSettings) -> None:
    with pytest.raises(ImproperlyConfigured, match="FENPEI_SECRET_KEY is not set"):
        load_settings(DATABASE_URL=PG_URL)


def test_debug_uses_the_marked_development_key(load_settings: LoadSettings) -> None:
    settings = load_settings(DATABASE_URL=PG_URL, FENPEI_DEBUG="true")
    # Django's deployment check (security.W009) recognises keys by this prefix.
    assert settings.SECRET_KEY == DEBUG_KEY
    assert settings.SECRET_KEY.startswith("django-insecure-")


def test_pytest_runs_on_any_database_without_a_key(load_settings: LoadSettings) -> None:
    settings = load_settings(DATABASE_URL=PG_URL, PYTEST_VERSION="9")
    assert settings.SECRET_KEY == TEST_KEY
    assert settings.FENPEI_SECRET_KEY_FILE is None


def test_embedded_sqlite_makes_up_a_key_to_persist_beside_the_database(
    load_settings: LoadSettings, tmp_path: Path
) -> None:
    first = load_settings()
    assert len(first.SECRET_KEY) >= 50 and not first.SECRET_KEY.startswith("django-insecure-")
    key_file = first.FENPEI_SECRET_KEY_FILE
    assert key_file == tmp_path / KEY_FILE_NAME
    # Loading settings writes nothing (`fenpei migrate`, `check` leave no file) …
    assert not (tmp_path / KEY_FILE_NAME).exists()
    # … `fenpei serve` persists it, and from then on every command uses that key.
    key_file_ensure(key_file, first.SECRET_KEY)
    assert (tmp_path / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert load_settings().SECRET_KEY == first.SECRET_KEY


def test_key_file_follows_a_sqlite_database_elsewhere(
    load_settings: LoadSettings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    key_file_ensure(data / KEY_FILE_NAME, KEY)
    settings = load_settings(DATABASE_URL=f"sqlite:///{data / 'fenpei.sqlite3'}")
    assert settings.SECRET_KEY == KEY


def test_a_key_file_written_first_by_another_process_wins(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    assert key_file_ensure(path, "a" * 60) == "a" * 60
    assert key_file_ensure(path, "b" * 60) == "a" * 60
    assert path.read_text().strip() == "a" * 60


def test_no_key_file_for_postgresql_or_memory() -> None:
    assert key_file_for({"ENGINE": "django.db.backends.postgresql", "NAME": "fenpei"}) is None
    assert key_file_for({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}) is None


def test_fenpei_refuses_to_start_on_postgresql_without_a_key(tmp_path: Path) -> None:
    # A real process, as an operator starts it: the environment of a deployment.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FENPEI_", "DATABASE_", "DJANGO_", "PYTEST_"))
    }
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/fenpei"  # never reached
    code = "import sys; from fenpei.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: FENPEI_SECRET_KEY is not set" in result.stderr
    assert "docs/deploy.md" in result.stderr


# ------------------------------------------------------------------------- security


def test_https_protections_are_on_in_production_by_default(load_settings: LoadSettings) -> None:
    settings = load_settings(FENPEI_SECRET_KEY=KEY)  # debug off: production
    assert settings.HTTPS is True
    assert settings.SESSION_COOKIE_SECURE is True and settings.CSRF_COOKIE_SECURE is True
    assert settings.SECURE_SSL_REDIRECT is True
    assert settings.SECURE_HSTS_SECONDS == 365 * 24 * 3600
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS and settings.SECURE_HSTS_PRELOAD
    # Health checks answer over plain HTTP (load balancers probe that way).
    assert r"^healthz$" in settings.SECURE_REDIRECT_EXEMPT
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert settings.CSRF_TRUSTED_ORIGINS == []


@pytest.mark.parametrize(
    "env",
    [
        {"FENPEI_HTTPS": "0", "FENPEI_SECRET_KEY": KEY},  # a trusted intranet without TLS
        {"FENPEI_DEBUG": "1"},  # development
        {"PYTEST_VERSION": "9", "FENPEI_SECRET_KEY": KEY},  # the test client speaks HTTP
    ],
)
def test_plain_http_when_asked_in_debug_and_under_tests(
    load_settings: LoadSettings, env: dict[str, str]
) -> None:
    settings = load_settings(**env)
    assert settings.HTTPS is False
    assert settings.SESSION_COOKIE_SECURE is False and settings.CSRF_COOKIE_SECURE is False
    assert settings.SECURE_SSL_REDIRECT is False and settings.SECURE_HSTS_SECONDS == 0


def test_https_deployment_from_environment(load_settings: LoadSettings) -> None:
    settings = load_settings(
        FENPEI_HTTPS="true",
        FENPEI_PROXY_SSL_HEADER="X-Forwarded-Proto",
        FENPEI_CSRF_TRUSTED_ORIGINS="https://fenpei.example.com, https://crm.example.com",
    )
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings.CSRF_TRUSTED_ORIGINS == [
        "https://fenpei.example.com",
        "https://crm.example.com",
    ]


def test_static_root_follows_working_directory(load_settings: LoadSettings, tmp_path: Path) -> None:
    static_root = load_settings().STATIC_ROOT
    assert static_root == tmp_path / "staticfiles"


def test_locale_middleware_position() -> None:
    middleware = fenpei.config.settings.MIDDLEWARE
    locale = middleware.index("django.middleware.locale.LocaleMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")
