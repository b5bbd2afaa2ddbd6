"""Login throttling: django-axes in front of Django's own password check.

django-axes' backend refuses any authenticate() call without the HTTP request, but
authenticate() is also called with no request by code that is not a login over HTTP (the
test client's login, management commands, a shell). Those are not attempts from the
network, so there is nothing to throttle: this backend steps aside for them and lets the
next backend check the password as usual. Every login over HTTP passes the request and is
counted.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The page a locked-out login gets (429), in the user's language, saying how long."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"lock_minutes": minutes}, status=429)
