"""Every API error is the same JSON shape, worded in the request's language:

    {"code": "<machine code>", "message": "<for a person>", "fields": {...}}

`code` is stable and meant for programs; `message` follows the language the
LocaleMiddleware activated (cookie, then Accept-Language, then zh-hans); `fields` appears
only for validation errors, as {field: [messages]}. The services raise Django's own
ValidationError and PermissionDenied (they know nothing of HTTP); they map here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

VALIDATION_ERROR = "validation_error"
#: DRF's codes renamed where the API's contract names them differently
_CODES = {"invalid": VALIDATION_ERROR, "error": "server_error"}


class ApiError(exceptions.APIException):
    """An error with its own code and extra keys in the body (duplicate, idempotency)."""

    def __init__(
        self, status_code: int, code: str, message: str, extra: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.extra = dict(extra or {})


def _messages(value: Any) -> list[str]:
    """DRF error details (strings, lists, nested dicts) as a flat list of strings."""
    if isinstance(value, Mapping):
        return [m for item in value.values() for m in _messages(item)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def _fields(detail: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in detail.items():
        # A nested serializer keeps its own field names one level down.
        if isinstance(value, Mapping):
            out[str(name)] = _fields(value)
        else:
            out[str(name)] = _messages(value)
    return out


def _validation_body(fields: Mapping[str, Any], general: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": VALIDATION_ERROR,
        "message": " ".join(general) if general else _("Invalid input."),
    }
    if fields:
        body["fields"] = dict(fields)
    return body


def _drf_validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail
    if not isinstance(detail, Mapping):
        return _validation_body({}, _messages(detail))
    general = _messages(detail.get("non_field_errors", []))
    fields = _fields({k: v for k, v in detail.items() if k != "non_field_errors"})
    return _validation_body(fields, general)


def _django_validation_body(exc: DjangoValidationError) -> dict[str, Any]:
    if not hasattr(exc, "error_dict"):
        return _validation_body({}, list(exc.messages))
    general: list[str] = []
    fields: dict[str, list[str]] = {}
    for name, errors in exc.error_dict.items():
        texts = [m for error in errors for m in error.messages]
        if name == NON_FIELD_ERRORS:
            general.extend(texts)
        else:
            fields[name] = texts
    return _validation_body(fields, general)


def _as_drf(exc: Exception) -> Exception:
    """Django's exceptions as DRF's, so DRF adds its headers (WWW-Authenticate …)."""
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: DRF's handler for status and headers, then
    the body in the API's shape. Anything else (a bug) is left to Django: a 500 that is
    logged, never a body that hides it."""
    if isinstance(exc, DjangoValidationError):
        return Response(_django_validation_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        # Django's limit on a form body's fields (a list of ids sent as form fields
        # reaches it): a client error, in JSON like the others, not Django's HTML 400.
        message = _("The request has too many fields.")
        return Response(error_body(VALIDATION_ERROR, message), status=status.HTTP_400_BAD_REQUEST)
    exc = _as_drf(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, ApiError):
        response.data = error_body(exc.code, exc.message, **exc.extra)
    elif isinstance(exc, exceptions.ValidationError):
        response.data = _drf_validation_body(exc)
    else:
        code = str(exc.default_code)
        response.data = error_body(_CODES.get(code, code), " ".join(_messages(exc.detail)))
    return response
