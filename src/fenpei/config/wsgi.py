"""WSGI entry point, e.g. ``gunicorn fenpei.config.wsgi``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fenpei.config.settings")

application = get_wsgi_application()
