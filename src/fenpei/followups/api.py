"""/api/v1/followups/ and /api/v1/deals/: the follow-up log over the REST API.

Top-level collections with a `customer` filter, like the rest of the API (no nested
routes): `GET /followups/?customer=12`, `POST /followups/ {"customer": 12, ...}`,
`GET /followups/due/` for next steps overdue or coming up. The same services as the
pages: another rep's customer is a 404, a pool customer not yet claimed a 403, a broken
rule a 400 naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.api.idempotency import idempotent
from fenpei.api.serializers import (
    CustomerRefSerializer,
    RepRefSerializer,
    id_field,
    money_input,
)
from fenpei.api.views import ERRORS, IDEMPOTENCY_PARAMETER, ApiViewSet
from fenpei.customers.models import Customer
from fenpei.followups.models import Channel, Deal, DealResult, FollowUp
from fenpei.followups.selectors import (
    UPCOMING_DAYS,
    deals_visible_to,
    followups_overdue,
    followups_upcoming,
    followups_visible_to,
)
from fenpei.followups.services import deal_record, followup_log
from fenpei.teams.access import reps_visible_to

CUSTOMER_FILTER = OpenApiParameter(
    "customer", OpenApiTypes.INT, description="Only the entries of this customer."
)


def _number(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationError({name: [_("Give a number.")]})
    return int(text)


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound
    return int(text)


# -------------------------------------------------------------------- serializers


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    customer = CustomerRefSerializer(read_only=True)
    rep = RepRefSerializer(read_only=True, allow_null=True)
    author = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = FollowUp
        fields = (
            "id",
            "customer",
            "contact_at",
            "channel",
            "note",
            "outcome",
            "next_step",
            "next_step_due",
            "rep",
            "author",
            "created_at",
        )
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer[dict[str, Any]]):
    customer = id_field()
    contact_at = serializers.DateTimeField(
        required=False, help_text="Default: now. Not in the future."
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    note = serializers.CharField(max_length=2000)
    outcome = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    next_step = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    next_step_due = serializers.DateField(required=False, allow_null=True, default=None)


class DealSerializer(serializers.ModelSerializer[Deal]):
    customer = CustomerRefSerializer(read_only=True)
    rep = RepRefSerializer(read_only=True, allow_null=True)
    author = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False, read_only=True
    )

    class Meta:
        model = Deal
        fields = ("id", "customer", "result", "amount", "closed_on", "note", "rep", "author")
        read_only_fields = fields


class DealCreateSerializer(serializers.Serializer[dict[str, Any]]):
    customer = id_field()
    result = serializers.ChoiceField(choices=DealResult.choices)
    amount = money_input(required=False, default=Decimal(0))
    closed_on = serializers.DateField(required=False, help_text="Default: today.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NextStepSerializer(serializers.ModelSerializer[Customer]):
    """A customer with its next step, for the due list."""

    owner = RepRefSerializer(read_only=True)

    class Meta:
        model = Customer
        fields = ("id", "key", "name", "owner", "next_step", "next_step_due", "last_followup_at")
        read_only_fields = fields


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# ------------------------------------------------------------------------- views


@extend_schema_view(
    list=extend_schema(summary="Follow-ups, newest contact first", parameters=[CUSTOMER_FILTER]),
    retrieve=extend_schema(responses=FollowUpSerializer),
)
class FollowUpViewSet(ApiViewSet):
    """Follow-ups (跟进记录) of the customers the viewer may see. Logging one takes the
    customer's owner, a manager of its team or an admin."""

    queryset = FollowUp.objects.none()
    serializer_class = FollowUpSerializer
    query_checked = frozenset({"list", "due"})

    def list(self, request: Request) -> Response:
        rows = followups_visible_to(self.viewer)
        customer = _number(request.query_params.get("customer", ""), "customer")
        if customer is not None:
            rows = rows.filter(customer_id=customer)
        return self.paged(rows, FollowUpSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        row = followups_visible_to(self.viewer).filter(pk=_id(pk)).first()
        if row is None:
            raise NotFound
        return Response(self.one(row, FollowUpSerializer))

    @extend_schema(
        summary="Log a follow-up; the customer's last follow-up and next step follow it",
        request=FollowUpCreateSerializer,
        responses={201: FollowUpSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _valid(FollowUpCreateSerializer, request.data)
        followup = followup_log(self.viewer, data.pop("customer"), **data)
        row = followups_visible_to(self.viewer).get(pk=followup.pk)
        return Response(self.one(row, FollowUpSerializer), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Customers with a next step overdue (default) or due soon",
        parameters=[
            OpenApiParameter("show", OpenApiTypes.STR, enum=["overdue", "upcoming"]),
            OpenApiParameter("rep", OpenApiTypes.INT, description="Managers: one rep's."),
        ],
        responses=NextStepSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def due(self, request: Request) -> Response:
        show = request.query_params.get("show", "overdue")
        if show not in ("overdue", "upcoming"):
            raise ValidationError({"show": [_("Choose overdue or upcoming.")]})
        rep_id = _number(request.query_params.get("rep", ""), "rep")
        if rep_id is not None and not reps_visible_to(self.viewer).filter(pk=rep_id).exists():
            raise ValidationError({"rep": [_("No such rep among yours.")]})
        today = timezone.localdate()
        if show == "overdue":
            rows = followups_overdue(self.viewer, today, rep_id)
        else:
            rows = followups_upcoming(self.viewer, today, rep_id, days=UPCOMING_DAYS)
        return self.paged(rows.select_related("owner"), NextStepSerializer)


@extend_schema_view(
    list=extend_schema(summary="Deals, newest first", parameters=[CUSTOMER_FILTER]),
    retrieve=extend_schema(responses=DealSerializer),
)
class DealViewSet(ApiViewSet):
    """Deals won or lost (成交 / 丢单). A won deal adds to the customer's history and
    priority; the customer's status follows its most recent deal."""

    queryset = Deal.objects.none()
    serializer_class = DealSerializer
    query_checked = frozenset({"list"})

    def list(self, request: Request) -> Response:
        rows = deals_visible_to(self.viewer)
        customer = _number(request.query_params.get("customer", ""), "customer")
        if customer is not None:
            rows = rows.filter(customer_id=customer)
        return self.paged(rows, DealSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        row = deals_visible_to(self.viewer).filter(pk=_id(pk)).first()
        if row is None:
            raise NotFound
        return Response(self.one(row, DealSerializer))

    @extend_schema(
        summary="Record a deal won or lost",
        request=DealCreateSerializer,
        responses={201: DealSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _valid(DealCreateSerializer, request.data)
        deal = deal_record(self.viewer, data.pop("customer"), **data)
        row = deals_visible_to(self.viewer).get(pk=deal.pk)
        return Response(self.one(row, DealSerializer), status=status.HTTP_201_CREATED)
