"""The OpenAPI schema's error responses, declared where the API can give them.

Every view requires a role and every error has one body (fenpei.api.errors), so instead
of each view listing its errors this AutoSchema adds the ones that follow from the view's
shape, when the view did not declare them itself:

- 401 (no or a bad token) and 403 (no role, or not a manager's action): every operation;
- 404: a path with an id, or a paginated list (a page past the end);
- 400: a request body (validation), or a query parameter the view checks;
- 415: a request body in a media type the view does not parse;
- 409 and 422: an operation taking an Idempotency-Key (a retry still in progress, the
  same key for another request).

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] names it. Schemathesis checks that the schema
tells the truth (tests/api/test_api_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from fenpei.api.idempotency import HEADER
from fenpei.api.serializers import ErrorSerializer

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ApiAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        if "{" in self.path or (self.method == "GET" and self._is_paginated()):
            codes.append("404")
        if self.method in UNSAFE or self._checks_query():
            codes.append("400")
        if self.method in UNSAFE and self.get_request_serializer() is not None:
            codes.append("415")  # a body in a media type the view does not parse
        if self._is_idempotent():
            codes += ["409", "422"]
        return codes

    def _is_paginated(self) -> bool:
        return self._is_list_view() and getattr(self.view, "pagination_class", None) is not None

    def _checks_query(self) -> bool:
        """The actions that answer a bad query parameter with a 400 are named in the view's
        `query_checked` (most filters ignore a value they do not know)."""
        action = getattr(self.view, "action", None)
        return self.method == "GET" and action in getattr(self.view, "query_checked", ())

    def _is_idempotent(self) -> bool:
        return any(
            isinstance(p, OpenApiParameter) and p.name == HEADER
            for p in self.get_override_parameters()
        )

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorSerializer, code, direction=direction
                )
        return dict(sorted(responses.items()))
