from __future__ import annotations

from django.test import Client


def test_health_reports_ok(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_health_rejects_writes(client: Client) -> None:
    assert client.post("/health/").status_code == 405


def test_chinese_is_the_default_language(client: Client) -> None:
    assert client.get("/health/")["Content-Language"] == "zh-hans"


def test_english_on_request(client: Client) -> None:
    response = client.get("/health/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "en"
