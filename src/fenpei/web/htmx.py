"""Typing for requests that pass through django-htmx's middleware."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Annotate views with this to use `request.htmx` (set by HtmxMiddleware)."""

    htmx: HtmxDetails
