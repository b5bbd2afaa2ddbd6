"""The exception handler on its own: every kind of error becomes {code, message[, fields]}."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions

from fenpei.api.errors import api_exception_handler
from fenpei.customers.models import Customer


def _handle(exc: Exception):
    with translation.override("en"):
        response = api_exception_handler(exc, {})
        assert response is not None
        return response.status_code, response.data, response


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (PermissionDenied(), 403, "permission_denied"),
        (Http404("No Customer matches the given query."), 404, "not_found"),
        (Customer.DoesNotExist(), 404, "not_found"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.Throttled(wait=3), 429, "throttled"),
    ],
)
def test_status_and_code(exc, status, code):
    got_status, body, _response = _handle(exc)
    assert (got_status, body["code"]) == (status, code)
    assert isinstance(body["message"], str) and body["message"]
    assert "fields" not in body


def test_404_never_echoes_djangos_internal_message():
    _status, body, _response = _handle(Http404("No Customer matches the given query."))
    assert body["message"] == "Not found."


def test_throttled_says_when_to_retry():
    _status, body, response = _handle(exceptions.Throttled(wait=3))
    assert response["Retry-After"] == "3"
    assert "3" in body["message"]


def test_django_validation_error_by_field():
    exc = ValidationError({"team": ["No such team."], "__all__": ["Nothing changed."]})
    status, body, _response = _handle(exc)
    assert status == 400
    assert body == {
        "code": "validation_error",
        "message": "Nothing changed.",
        "fields": {"team": ["No such team."]},
    }


def test_django_validation_error_plain():
    status, body, _response = _handle(ValidationError("Only a run in preview can be applied."))
    assert (status, body) == (
        400,
        {"code": "validation_error", "message": "Only a run in preview can be applied."},
    )


def test_drf_validation_error_nested_fields():
    exc = exceptions.ValidationError({"name": ["Required."], "owner": {"id": ["Bad."]}})
    _status, body, _response = _handle(exc)
    assert body["fields"] == {"name": ["Required."], "owner": {"id": ["Bad."]}}
    assert body["message"] == "Invalid input."


def test_a_bug_is_left_to_django():
    with translation.override("en"):
        assert api_exception_handler(ZeroDivisionError(), {}) is None
