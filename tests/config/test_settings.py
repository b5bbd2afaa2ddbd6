"""Settings read from the environment.

Each test executes a fresh copy of the settings file under a controlled environment and
working directory, leaving the settings that the rest of the test session uses alone.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

import fenpei.config.settings

SETTINGS_FILE = Path(fenpei.config.settings.__file__)
ENV_VARS = ("DATABASE_URL", "FENPEI_DEBUG", "FENPEI_SECRET_KEY", "FENPEI_ALLOWED_HOSTS")

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
    settings = load_settings(DATABASE_URL=f"{scheme}://sales:s%40cret@db.internal:6543/fenpei")
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


def test_secret_key_from_environment(load_settings: LoadSettings) -> None:
    assert load_settings(FENPEI_SECRET_KEY="k" * 60).SECRET_KEY == "k" * 60


def test_default_secret_key_is_marked_insecure(load_settings: LoadSettings) -> None:
    # Django's deployment check (security.W009) recognises keys by this prefix.
    assert load_settings().SECRET_KEY.startswith("django-insecure-")


def test_static_root_follows_working_directory(load_settings: LoadSettings, tmp_path: Path) -> None:
    static_root = load_settings().STATIC_ROOT
    assert static_root == tmp_path / "staticfiles"


def test_locale_middleware_position() -> None:
    middleware = fenpei.config.settings.MIDDLEWARE
    locale = middleware.index("django.middleware.locale.LocaleMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")
