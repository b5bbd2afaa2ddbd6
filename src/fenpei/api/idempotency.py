"""`Idempotency-Key` for POST: a retried request returns the first one's response.

    @idempotent
    def create(self, request, ...): ...

Without the header a POST runs as usual. With it (1–200 characters), the first request
stores (user, key, method, path, body hash) and its response; a retry by the same user
with the same key, path and body gets the stored status and body back with the header
`Idempotent-Replayed: true`, and the view does not run again. The same key with another
body or path is a client bug: 422 `idempotency_conflict`.

Concurrency: the key row is inserted first, inside the same transaction as the work, and
(user, key) is unique. A concurrent duplicate therefore waits on the unique index
(PostgreSQL) or on the write lock (SQLite takes it at BEGIN) until the first request
commits, then fails to insert and returns the stored response. If the first request
failed, its transaction (key row included) rolled back and the retry runs the work
itself. Errors are never stored: a request that raised changed nothing, so running it
again is safe.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from fenpei.api.errors import VALIDATION_ERROR, ApiError
from fenpei.api.models import KEY_MAX, IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
CONFLICT = "idempotency_conflict"

Handler = TypeVar("Handler", bound=Callable[..., Response])


def _body_hash(request: Request) -> str:
    try:
        raw = request._request.body
    except RawPostDataException:  # the stream was read already: hash what it said
        raw = json.dumps(request.data, sort_keys=True, cls=JSONEncoder).encode()
    return hashlib.sha256(raw).hexdigest()


def _key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        message = _("The Idempotency-Key header must have 1 to %(max)d characters.") % {
            "max": KEY_MAX
        }
        raise ApiError(
            status.HTTP_400_BAD_REQUEST, VALIDATION_ERROR, message, {"fields": {HEADER: [message]}}
        )
    return key


def _stored(data: Any) -> str:
    """The response as JSON text. Kept as one JSON string, not an object: PostgreSQL's
    jsonb reorders an object's keys, and a replay must give back the same body."""
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


def _user_id(request: Request) -> int:
    user_id = request.user.pk
    assert user_id is not None  # only authenticated requests reach a view's POST handler
    return int(user_id)


def _claim(request: Request, key: str, body_hash: str) -> IdempotencyKey | None:
    """Insert the key row; None when the user has used this key already."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user_id=_user_id(request),
                key=key,
                method=request.method or "",
                path=request.get_full_path()[:1000],
                body_hash=body_hash,
            )
    except IntegrityError:
        return None


def _replay(request: Request, key: str, body_hash: str) -> Response:
    stored = IdempotencyKey.objects.filter(user_id=_user_id(request), key=key).first()
    same_request = stored is not None and (
        stored.method == request.method
        and stored.path == request.get_full_path()[:1000]
        and stored.body_hash == body_hash
    )
    if stored is not None and not same_request:
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            CONFLICT,
            _("This Idempotency-Key was used for a different request."),
        )
    if stored is None or stored.status_code is None:
        # Only seen when the first request has not committed yet (or just rolled back).
        raise ApiError(
            status.HTTP_409_CONFLICT,
            CONFLICT,
            _("A request with this Idempotency-Key is still in progress; try again shortly."),
        )
    body = stored.response
    data = json.loads(body) if isinstance(body, str) else body
    return Response(data, status=stored.status_code, headers={REPLAYED_HEADER: "true"})


def idempotent(handler: Handler) -> Handler:
    """Decorate a view's POST handler (`def create(self, request, *args, **kwargs)`)."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key_of(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        body_hash = _body_hash(request)
        with transaction.atomic():
            record = _claim(request, key, body_hash)
            if record is not None:
                response = handler(view, request, *args, **kwargs)
                record.status_code = response.status_code
                record.response = _stored(response.data)
                record.save(update_fields=["status_code", "response"])
                return response
        return _replay(request, key, body_hash)

    return wrapper  # type: ignore[return-value]
