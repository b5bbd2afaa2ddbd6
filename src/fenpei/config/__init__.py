"""Django project configuration for Fenpei (settings, URLs, WSGI/ASGI)."""

from __future__ import annotations

import os

SETTINGS_MODULE = "fenpei.config.settings"


def django_setup() -> None:
    """Configure Django for code that runs outside a web server (CLI, scripts).

    An explicit ``DJANGO_SETTINGS_MODULE`` wins, so tests and deployments can point at
    other settings. Safe to call more than once.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    # Imported here, not at module top: the engine-only CLI subcommands import this
    # package too and should not pay for loading Django.
    import django  # noqa: PLC0415

    django.setup()
