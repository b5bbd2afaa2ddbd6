"""Web security: the deployment check, security headers and the Content Security
Policy, login throttling and password rules."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "FENPEI_DEBUG": "0",
    "FENPEI_SECRET_KEY": "a-production-key-" + "x" * 50,
    "FENPEI_ALLOWED_HOSTS": "fenpei.example.com",
}


def test_deploy_check_is_clean_with_production_settings() -> None:
    # A production process: none of the test run's own settings (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the deployment check rightly refuses).
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FENPEI_", "PYTEST", "DJANGO_"))
    }
    env.update(PRODUCTION)
    done = subprocess.run(
        [sys.executable, "-m", "fenpei.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_pages_carry_the_security_headers(company) -> None:
    client = Client()
    client.force_login(company.manager)
    response = client.get("/customers/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no other host
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_login_page_has_the_policy_too() -> None:
    response = Client().get("/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _login(client: Client, username: str, password: str, address: str = "127.0.0.1") -> int:
    response = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_five_wrong_passwords_lock_that_user_from_that_address(company) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, "manager", "wrong-password") == 200  # the form again
    assert _login(client, "manager", "wrong-password") == 429
    # Locked: even the right password is refused, with a page saying for how long.
    response = client.post("/login/", {"username": "manager", "password": PASSWORD})
    assert response.status_code == 429
    assert "15" in response.content.decode() and "_auth_user_id" not in client.session
    # Another user at the same desk, and the same user elsewhere, still get in.
    assert _login(Client(), "admin", PASSWORD) == 302
    assert _login(Client(), "manager", PASSWORD, address="10.1.2.3") == 302


def test_a_right_password_resets_the_count(company) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, "manager", "wrong-password") == 200
    assert _login(client, "manager", PASSWORD) == 302
    for _ in range(4):
        assert _login(Client(), "manager", "wrong-password") == 200


def test_a_forwarded_for_header_does_not_dodge_the_lock(company) -> None:
    client = Client()
    for i in range(5):
        client.post(
            "/login/",
            {"username": "manager", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    assert _login(client, "manager", PASSWORD) == 429


@pytest.mark.parametrize(
    "password",
    ["short1!", "fenpei123", "password123", "1234567890123", "manager2026"],
)
def test_weak_passwords_are_refused(company, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=company.manager)


def test_a_good_password_passes(company) -> None:
    validate_password("销售分配-Shanghai-2026", user=company.manager)
