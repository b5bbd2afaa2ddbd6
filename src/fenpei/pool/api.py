"""The pool over the REST API (/api/v1/pool/): the list, claim, return, reclaim warnings.

Thin like the rest of the API: the same selectors and services as the pages. A refused
claim is an error with a stable `code`: 409 when the customer is no longer there to take
(`taken`, with the winner and the time; `not_in_pool`; `conflict` for 撞单), 400 when the
rep may not take it now (`claim_limit`, `cooldown`, `over_capacity`, `unavailable`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.allocation.selectors import policy_current
from fenpei.api.errors import VALIDATION_ERROR, ApiError
from fenpei.api.idempotency import idempotent
from fenpei.api.pagination import CustomerPagination
from fenpei.api.serializers import CustomerSerializer, ErrorSerializer, id_field
from fenpei.api.views import (
    CUSTOMER_FILTERS,
    ERRORS,
    IDEMPOTENCY_PARAMETER,
    ApiViewSet,
    _id,
    _valid,
)
from fenpei.customers.models import Customer
from fenpei.customers.selectors import CustomerFilters, customer_get
from fenpei.pool import services
from fenpei.pool.selectors import claims_left, pool_customers, reclaim_warnings
from fenpei.pool.services import customer_claim, customers_return

_CONFLICTS = frozenset({services.TAKEN, services.NOT_IN_POOL, services.CONFLICT})


class ReturnSerializer(serializers.Serializer[dict[str, Any]]):
    ids = serializers.ListField(child=id_field(), min_length=1, max_length=1000)
    reason = serializers.CharField(max_length=200)


class WarningSerializer(serializers.Serializer[Any]):
    customer = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    rule = serializers.CharField()
    days = serializers.IntegerField(source="limit")
    since = serializers.DateField()
    due = serializers.DateField()

    def get_customer(self, obj: Any) -> dict[str, Any]:
        return {"id": obj.customer.pk, "key": obj.customer.key, "name": obj.customer.name}

    def get_owner(self, obj: Any) -> dict[str, Any] | None:
        owner = obj.customer.owner
        return {"id": owner.pk, "key": owner.key, "name": owner.name} if owner else None


ClaimRefusedSerializer = inline_serializer(
    "ClaimRefused",
    fields={
        "code": serializers.ChoiceField(
            choices=[
                services.TAKEN,
                services.NOT_IN_POOL,
                services.CONFLICT,
                services.LIMIT,
                services.COOLDOWN,
                services.OVER_CAPACITY,
                services.UNAVAILABLE,
                VALIDATION_ERROR,  # a bad Idempotency-Key
            ]
        ),
        "message": serializers.CharField(),
        "winner": serializers.CharField(required=False),
        "claimed_at": serializers.DateTimeField(required=False),
    },
)


def _refused(exc: ValidationError) -> ApiError:
    # A message dict (a field's error) has no code attribute at all.
    code = getattr(exc, "code", None) or VALIDATION_ERROR
    extra: dict[str, Any] = {}
    if code == services.TAKEN and exc.params:
        extra = {"winner": exc.params.get("winner"), "claimed_at": exc.params.get("at")}
    http = status.HTTP_409_CONFLICT if code in _CONFLICTS else status.HTTP_400_BAD_REQUEST
    return ApiError(http, code, " ".join(exc.messages), extra)


class PoolViewSet(ApiViewSet):
    """The pool (公海): customers with no owner the viewer may see; reps claim, managers
    return."""

    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer
    # The customers' own pages: the pool can be most of a big table.
    pagination_class = CustomerPagination
    manager_actions = frozenset({"give_back"})

    @extend_schema(
        summary="The pool: customers with no owner",
        parameters=[p for p in CUSTOMER_FILTERS if p.name not in ("owner", "unassigned")],
        responses=CustomerSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        filters = CustomerFilters.from_params(request.query_params)
        response = self.paged(pool_customers(self.viewer, filters), CustomerSerializer)
        if self.viewer.rep_id is not None:
            rules = policy_current().pool
            response["X-Claims-Left"] = str(
                claims_left(self.viewer.rep_id, rules, timezone.localdate())
            )
        return response

    @extend_schema(
        summary="Claim (领取) the customer",
        request=None,
        responses={
            200: CustomerSerializer,
            400: ClaimRefusedSerializer,
            409: ClaimRefusedSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def claim(self, request: Request, pk: str) -> Response:
        try:
            customer = customer_claim(self.viewer, _id(pk))
        except Customer.DoesNotExist:
            raise NotFound from None
        except ValidationError as exc:
            raise _refused(exc) from exc
        return Response(self.one(customer_get(self.viewer, customer.pk), CustomerSerializer))

    @extend_schema(
        summary="Return customers to the pool (managers), with a reason",
        request=ReturnSerializer,
        responses={
            200: inline_serializer("Returned", fields={"returned": serializers.IntegerField()}),
            **ERRORS,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"], url_path="return")
    @idempotent
    def give_back(self, request: Request) -> Response:
        data = _valid(ReturnSerializer, request.data)
        count = customers_return(self.viewer, data["ids"], data["reason"])
        return Response({"returned": count})

    @extend_schema(
        summary="Customers that go back to the pool soon (reclaim warnings)",
        responses=WarningSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # one list, not pages
    def warnings(self, request: Request) -> Response:
        rules = policy_current().pool
        due = reclaim_warnings(self.viewer, rules, timezone.localdate())
        return Response(WarningSerializer(due, many=True).data)
