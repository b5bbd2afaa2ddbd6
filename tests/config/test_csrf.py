"""CSRF on every form: each POST form on the pages a manager and a rep use carries the
token, and a POST to its action without the token is refused (403) and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.browser.test_csp_browser import MANAGER_PAGES, REP_PAGES

from fenpei.audit.models import AuditEvent
from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
METHOD_POST = re.compile(r"""method=["']post["']""", re.I)
ACTION = re.compile(r"""action=["']([^"']*)["']""", re.I)
TOKEN = re.compile(r"""name=["']csrfmiddlewaretoken["']""")


def _post_forms(client: Client, paths: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(page, action, form body) of every POST form on the pages."""
    found = []
    for path in paths:
        if path.startswith("/api/"):
            continue  # Swagger UI: no server-rendered forms
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        for attrs, body in FORM.findall(response.content.decode()):
            if METHOD_POST.search(attrs):
                action = ACTION.search(attrs)
                found.append((path, action.group(1) if action else path, body))
    return found


@pytest.mark.parametrize(("who", "paths"), [("manager", MANAGER_PAGES), ("rep_user", REP_PAGES)])
def test_every_post_form_carries_the_token_and_needs_it(company, customers, who, paths) -> None:
    user = getattr(company, who)
    client = Client()
    client.force_login(user)
    forms = _post_forms(client, paths)
    assert len(forms) >= (10 if who == "manager" else 3), forms
    missing = [(page, action) for page, action, body in forms if not TOKEN.search(body)]
    assert missing == []

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    owners = list(Customer.objects.order_by("pk").values_list("pk", "owner_id"))
    events = AuditEvent.objects.count()
    for page, action, _body in forms:
        target = (action or page).replace("&amp;", "&")
        response = strict.post(target, {"name": "x"})
        assert response.status_code == 403, (page, target, response.status_code)
    assert list(Customer.objects.order_by("pk").values_list("pk", "owner_id")) == owners
    assert AuditEvent.objects.count() == events
