"""The signed-in user's API token page (/account/tokens/).

The key is shown once, on the page right after it is made (it travels through the
server-side session, never a cookie or a URL); afterwards the page only says that a
token exists and when it was made.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fenpei.api.selectors import token_of
from fenpei.api.services import token_issue, token_revoke

NEW_KEY_SESSION = "fenpei_api_new_token"
ISSUE, REVOKE = "issue", "revoke"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _change(request)
    token = token_of(request.user)
    new_key = request.session.pop(NEW_KEY_SESSION, None)
    context = {
        "token": token,
        # Only the key that is still valid: not one revoked since in another tab.
        "new_key": new_key if token is not None and new_key == token.key else None,
    }
    return render(request, "api/tokens.html", context)


def _change(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action")
    if action == ISSUE:
        token = token_issue(request.user)
        request.session[NEW_KEY_SESSION] = token.key
        messages.success(request, _("New token made. Copy it now: it is shown only once."))
    elif action == REVOKE and token_revoke(request.user):
        messages.info(request, _("Token revoked: requests that use it are refused from now on."))
    return redirect("account:tokens")
