"""Schemathesis against the app in the test's own database: the schema /api/schema/
serves, and a request sent through the WSGI app with its database changes rolled back
(tests/api/test_api_fuzz.py and the regression tests of what it found)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis import checks
from schemathesis.core.transport import Response

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
WSGI = get_wsgi_application()


def _schema() -> dict[str, Any]:
    """What /api/schema/ serves, as JSON (tests/api/test_api_fuzz.py checks it)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))  # type: ignore[no-any-return]


SCHEMA = _schema()


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example's database changes, undone. The WSGI handler would close the
    connection (and the test's transaction) at the end of the request: keep it open,
    as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def send(case: Any, token: str | None) -> Response:
    """The case sent as the token's user (anonymous without), its changes rolled back."""
    if token is not None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
    with rolled_back():
        return case.call(app=WSGI)  # type: ignore[no-any-return]


def conforms(token: str | None, method: str, path: str, **case: Any) -> Response:
    """Send one request built by hand; fail as the fuzz would if the response does not
    match the schema (or is a 5xx)."""
    operation = SCHEMA_LOADED[path][method]
    built = operation.Case(**case)
    response = send(built, token)
    built.validate_response(response, checks=CHECKS)
    return response


SCHEMA_LOADED = schemathesis.openapi.from_dict(SCHEMA)
