"""The audit trail over the REST API (/api/v1/audit/): read-only.

Managers see their teams' events, admins all (the same selector as the page); reps and
outsiders get 403. There is no create, update or delete: PUT, PATCH and DELETE are 405.
Filters as on the page: kind, source, rep, since, until (dates), q (customer name or no.),
and customer (an id).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.api.permissions import request_viewer
from fenpei.api.views import ApiViewSet, query_id
from fenpei.audit.models import AuditEvent, AuditKind, AuditSource
from fenpei.audit.selectors import AuditFilters, events_filtered
from fenpei.audit.wording import event_summary


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields: tuple[str, ...] = (
            "id",
            "at",
            "kind",
            "source",
            "customer",
            "customer_key",
            "customer_name",
            "from_rep_id",
            "from_rep_name",
            "to_rep_id",
            "to_rep_name",
            "actor_id",
            "actor_name",
            "reason",
            "details",
            "run_id",
            "batch_id",
            "policy_version",
            "summary",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_summary(self, obj: AuditEvent) -> str:
        return event_summary(obj)


AUDIT_FILTERS = [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=AuditKind.values),
    OpenApiParameter("source", OpenApiTypes.STR, enum=AuditSource.values),
    OpenApiParameter("rep", OpenApiTypes.INT, description="Rep id: changes from or to them."),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Inclusive."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Customer name or customer no."),
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
]


@extend_schema_view(list=extend_schema(parameters=AUDIT_FILTERS))
class AuditViewSet(ApiViewSet):
    """Managers and admins only: every action is a manager action."""

    serializer_class = AuditEventSerializer
    manager_actions = frozenset({"list", "retrieve"})

    def get_queryset(self) -> QuerySet[AuditEvent]:
        params = self.request.query_params
        events = events_filtered(request_viewer(self.request), AuditFilters.of(params))
        customer = query_id(params.get("customer"))
        if customer is not None:
            events = events.filter(customer_id=customer)
        return events

    def list(self, request: Request) -> Response:
        return self.paged(self.get_queryset(), AuditEventSerializer)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_queryset().filter(pk=query_id(pk) or 0).first()
        if event is None:
            raise NotFound
        return Response(self.one(event, AuditEventSerializer))
