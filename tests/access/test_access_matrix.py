"""The access matrix (issue 9): every page and endpoint × every role × own, a colleague's
and another team's objects. For each case: the status is the one in `matrix.ROWS`; a
response read by the role contains no text of an object it may not see (HTML, JSON, the
xlsx exports decoded, downloads); an unauthorised write changes no row at all, not even
the audit trail; an allowed one does change something (so the payload is a real one).

The matrix must be complete: a named route with no row (and not excluded with a reason)
fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, models
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from python_calamine import CalamineWorkbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from tests.access.matrix import EXCLUDED, ROWS, Row
from tests.access.world import (
    E01_CUSTOMER,
    E01_IDLE,
    E02_CUSTOMER,
    ROLES,
    S01_CUSTOMER,
    S02_IDLE,
    SECRETS,
    World,
    forbidden,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DENIALS = {"401", "403", "404", "405"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------- route walk


def _named_routes(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[str]:
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = (
                f"{namespace}:{p.namespace}"
                if namespace and p.namespace
                else (p.namespace or namespace)
            )
            yield from _named_routes(p.url_patterns, inner)
        elif p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


def _unnamed(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.namespace != "admin":
                yield from _unnamed(p.url_patterns, prefix + str(p.pattern))
        elif not p.name:
            yield prefix + str(p.pattern)


#: patterns with no name (so no row can name them), each with why it needs none
UNNAMED = {
    "api/^[\\s\\S]*$": "the API's catch-all: a JSON 404 for any unknown path, whoever asks",
}


def test_every_unnamed_route_is_known() -> None:
    """A page added without a name would escape the matrix: name it or list it here."""
    assert sorted(set(_unnamed())) == sorted(UNNAMED)


def _excluded(name: str) -> bool:
    return name in EXCLUDED or any(
        key.endswith(":*") and name.startswith(key[:-1]) for key in EXCLUDED
    )


def test_every_route_is_in_the_matrix() -> None:
    routes = {name for name in _named_routes() if not _excluded(name)}
    covered = {row.route for row in ROWS}
    assert sorted(routes - covered) == [], "routes with no row in the access matrix"
    assert sorted(covered - routes) == [], "rows naming a route that does not exist"


def test_every_row_names_every_role_once() -> None:
    for row in ROWS:
        assert set(row.expect) == set(ROLES), row.id
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), "two rows with the same route, method and object"


def test_the_secrets_are_in_the_world(world: World) -> None:
    """Every text the leak check looks for exists in the world and is found by admin's
    table or export: a typo in a secret would make the leak check pass vacuously."""
    client = Client()
    client.force_login(world.users["admin"])
    blob = "\n".join(
        _text(client.get(reverse(name), {"page_size": 500}))
        for name in (
            "customers:export",
            "audit:export",
            "notifications:channels",
            "imports:upload",
            "teams:reps",
            "teams:teams",
        )
    )
    blob += _text(client.get(reverse("api:customer-list")))
    blob += _text(client.get(reverse("api:pool-warnings")))
    checked = [SECRETS[holder][0] for holder in ("e01", "e02", "s01", "s02", "south", "east_pool")]
    checked += ["王芳", "赵敏", "李娜", E01_IDLE, S02_IDLE]
    for text in checked:
        assert text in blob, text
    # the 撞单 across teams is there: the east manager's conflicts name the other holder
    client.force_login(world.users["manager"])
    assert "赵敏" in _text(client.get(reverse("conflicts:list")))
    # and the east manager is warned of E01's idle customer, not of S02's
    warned = _text(client.get(reverse("api:pool-warnings")))
    assert E01_IDLE in warned
    assert S02_IDLE not in warned


# ---------------------------------------------------------------------- the cases


def _cases() -> Iterator[Any]:
    for row in ROWS:
        for role in ROLES:
            yield pytest.param(row, role, id=f"{row.id}|{role}")


def _client(world: World, row: Row, role: str) -> Client:
    if row.api:
        api = APIClient()
        if role != "anon":
            api.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
        return api
    client = Client()
    if role != "anon":
        client.force_login(world.users[role])
    return client


def _request(world: World, row: Row, role: str) -> HttpResponse:
    client = _client(world, row, role)
    if row.htmx:
        client.defaults["HTTP_HX_REQUEST"] = "true"
    url = reverse(row.route, kwargs=row.kwargs(world) if row.kwargs else None)
    query = row.query(world) if row.query else {}
    if row.method == "GET":
        return client.get(url, query)  # type: ignore[return-value]
    data = row.data(world) if row.data else {}
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    if row.api:
        return client.generic(  # type: ignore[return-value]
            row.method, url, json.dumps(data), content_type="application/json"
        )
    return client.post(url, data)  # type: ignore[return-value]


def _text(response: HttpResponse) -> str:
    """What a reader of the response gets: the page, the JSON, a decoded xlsx, a file."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if kind.startswith(XLSX):
        book = CalamineWorkbook.from_filelike(io.BytesIO(body))
        return "\n".join(
            "\t".join(str(cell) for cell in line)
            for name in book.sheet_names
            for line in book.get_sheet_by_name(name).to_python()
        )
    text = body.decode("utf-8", errors="replace")
    if kind.startswith("application/json") and text:
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _errors(response: HttpResponse) -> str:
    """The form errors or message of a response, to say why its status is unexpected."""
    text = _text(response) if response.status_code != 302 else response["Location"]
    found = re.findall(r'class="[^"]*(?:error|errorlist|alert)[^"]*"[^>]*>(.{0,200})', text)
    return " | ".join(found) if found else text[:300]


def _models() -> list[type[models.Model]]:
    """Everything a request could change: the app's tables, logins and API tokens."""
    return [
        m for m in apps.get_models() if m.__module__.startswith("fenpei.") or m in (User, Token)
    ]


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in `_models()`, read with one plain SELECT per table (the
    ORM would cost more than the requests themselves)."""
    out = {}
    with connection.cursor() as cursor:
        for table, columns in _tables():
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY 1")
            out[table] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in cursor.fetchall()
            ]
    return out


@functools.cache
def _tables() -> list[tuple[str, str]]:
    # Not compared: a login's last_login (set by logging in) and auto_now stamps (a row
    # saved again with the same values has not changed).
    quote = connection.ops.quote_name
    out = []
    for model in _models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if not (model is User and f.name == "last_login") and not getattr(f, "auto_now", False)
        ]
        fields.sort(key=lambda f: not f.primary_key)  # the key first: ORDER BY 1
        columns = ", ".join(quote(f.column) for f in fields)
        out.append((quote(model._meta.db_table), columns))
    return out


def _changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.mark.parametrize(("row", "role"), list(_cases()))
def test_access(world: World, row: Row, role: str) -> None:
    outcome = row.expect[role]
    code = outcome.rstrip("+=")
    writes = row.method in WRITE_METHODS
    before = _snapshot() if writes else None

    response = _request(world, row, role)

    assert str(response.status_code) == code, (
        f"{row.id} as {role}: {response.status_code}, expected {outcome}; {_errors(response)}"
    )
    if role == "anon" and code == "302" and not row.api:
        assert response["Location"].startswith(reverse("login")) or row.route in {
            "logout",
            "set_language",
        }
    if response.status_code == 200:
        text = _text(response)
        allowed = row.allow.get(role, ())
        leaked = [s for s in forbidden(role) if s in text and s not in allowed]
        assert leaked == [], f"{row.id} shows {role} what it may not see: {leaked}"
    if before is not None:
        changed = _changes(before, _snapshot())
        denied = outcome.endswith("=") or code in DENIALS or (role == "anon" and code == "302")
        if denied:
            assert changed == [], f"{row.id} by {role} changed {changed}"
        elif outcome.endswith("+"):
            assert changed, f"{row.id} by {role} was allowed but changed nothing"


#: what a role does read: the pages and exports the leak check searches are not empty
SEEN = [
    ("manager", "customers:export", E01_CUSTOMER),
    ("manager", "audit:export", E01_CUSTOMER),
    ("manager", "reviews:export", "张伟"),
    ("manager", "dashboards:download", "张伟"),
    ("manager", "appeals:queue", "张伟申诉理由ZW"),
    ("manager", "notifications:channels", "华东机器人"),
    ("other_manager", "customers:export", S01_CUSTOMER),
    ("other_manager", "audit:page", S01_CUSTOMER),
    ("rep", "customers:mine", E01_CUSTOMER),
    ("rep", "pool:page", "华东公海客户丙"),
    ("rep", "followups:due?show=upcoming", E01_CUSTOMER),
    ("rep", "notifications:inbox", "张伟的通知ZW"),
    ("colleague", "customers:table", E02_CUSTOMER),
    ("other_rep", "customers:table", S01_CUSTOMER),
]


@pytest.mark.parametrize(("role", "route", "text"), SEEN)
def test_each_role_reads_its_own(world: World, role: str, route: str, text: str) -> None:
    client = Client()
    client.force_login(world.users[role])
    name, _, query = route.partition("?")
    response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 200
    assert text in _text(response)
