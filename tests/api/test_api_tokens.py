"""API tokens: the /account/tokens/ page and `fenpei api_token`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PAGE = "/account/tokens/"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/policies/active/").status_code == 200


def test_page_needs_a_login(company):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_make_a_token_shown_once_then_use_it(company):
    client = _signed_in(company.rep_user)
    client.cookies["django_language"] = "en"
    assert "You have no token." in client.get(PAGE).content.decode()

    response = client.post(PAGE, {"action": "issue"})
    assert response.status_code == 302 and response["Location"] == PAGE
    key = Token.objects.get(user=company.rep_user).key
    shown = client.get(PAGE)
    assert key in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    later = client.get(PAGE).content.decode()
    assert key not in later  # once only
    assert "You have a token" in later
    assert _works(key)


def test_a_new_token_replaces_the_old_one(company):
    client = _signed_in(company.rep_user)
    client.post(PAGE, {"action": "issue"})
    old = Token.objects.get(user=company.rep_user).key
    client.post(PAGE, {"action": "issue"})
    new = Token.objects.get(user=company.rep_user).key
    assert new != old
    assert not _works(old) and _works(new)


def test_revoke(company):
    client = _signed_in(company.rep_user)
    client.post(PAGE, {"action": "issue"})
    key = Token.objects.get(user=company.rep_user).key
    client.post(PAGE, {"action": "revoke"})
    assert not Token.objects.filter(user=company.rep_user).exists()
    assert not _works(key)


def test_base_template_links_the_page(company):
    html = _signed_in(company.manager).get("/help/").content.decode()
    assert f'href="{PAGE}"' in html


# --------------------------------------------------------------------- the command


def _command(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_command_prints_a_key_that_works_and_keeps_it(company):
    key = _command("rep")
    assert key == Token.objects.get(user=company.rep_user).key
    assert _command("rep") == key  # printed again, not replaced
    assert _works(key)


def test_command_regenerates_and_revokes(company):
    old = _command("rep")
    new = _command("rep", "--regenerate")
    assert new != old and _works(new) and not _works(old)
    assert _command("rep", "--revoke") == "revoked the token of rep"
    assert not _works(new)
    assert _command("rep", "--revoke") == "rep has no token"


def test_command_lists_who_has_a_token_without_keys(company):
    assert _command("--list") == "no tokens"
    key = _command("manager")
    listed = _command("--list")
    assert listed.startswith("manager\t") and key not in listed


def test_command_unknown_user(company):
    with pytest.raises(CommandError, match="no user"):
        _command("nobody")
