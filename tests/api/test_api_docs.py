"""The OpenAPI schema and the Swagger UI page: served locally, generated cleanly."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def test_docs_page_uses_only_local_static_files(company):
    client = Client()
    client.force_login(company.rep_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert assets, "the page loads Swagger UI's files"
    assert all(url.startswith(("/static/", "/api/docs/?")) for url in assets), assets
    assert "http://" not in html and "https://" not in html
    # No inline script (the CSP forbids it): the start-up script is this view again.
    assert "<script>" not in html.replace(" ", "")
    start = [url for url in assets if "script=" in url]
    assert [u.split("?")[0] for u in start] == ["/api/docs/"]
    for url in set(assets) - set(start):
        assert "drf_spectacular_sidecar/swagger-ui-dist/" in url
    script = client.get(start[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    # Swagger UI would otherwise fetch a validator badge from swagger.io.
    assert '"validatorUrl": null' in script.content.decode()


def test_docs_need_a_login(company):
    response = Client().get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_schema_is_served_to_signed_in_users(company, api_for):
    assert APIClient().get("/api/schema/").status_code == 401
    response = api_for(company.rep_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/customers/",
        "/api/v1/customers/{id}/assign/",
        "/api/v1/reps/{id}/",
        "/api/v1/teams/",
        "/api/v1/policies/active/",
        "/api/v1/runs/{id}/items/",
    ):
        assert path in paths
    create = paths["/api/v1/customers/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert {"201", "409"} <= set(create["responses"])


def test_schema_generates_without_warnings(tmp_path):
    out = StringIO()
    # --fail-on-warn raises on any warning (an unresolvable type, a name collision …).
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
        stdout=out,
        stderr=out,
    )
    assert "/api/v1/runs/{id}/apply/" in (tmp_path / "schema.yml").read_text()
