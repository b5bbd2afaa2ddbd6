"""The REST API (/api/v1/): thin views over the same selectors and services as the pages.

Every queryset is built from the viewer's access filters, so a row the viewer may not see
is a 404, exactly as in the UI; managers-only actions are a 403 for reps and outsiders
(see permissions). Views parse input with a serializer, call one service or selector and
serialize the result; errors become JSON in fenpei.api.errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from csp.decorators import csp_update
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import routers, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.allocation.handover import handover_preview
from fenpei.allocation.models import PolicyVersion, Run
from fenpei.allocation.policy_selectors import policy_version_get, policy_versions
from fenpei.allocation.policy_services import policy_version_activate, policy_version_create
from fenpei.allocation.routing import (
    DuplicateCustomer,
    customer_create,
    duplicate_holder,
    duplicate_message,
)
from fenpei.allocation.selectors import (
    assignments_of_customer,
    default_capacity,
    policy_active,
    policy_current,
    run_get,
    run_items,
    runs_visible_to,
)
from fenpei.allocation.services import (
    customers_assign,
    run_apply,
    run_create,
    run_discard,
)
from fenpei.api.errors import ApiError
from fenpei.api.idempotency import HEADER, idempotent
from fenpei.api.pagination import CustomerPagination
from fenpei.api.permissions import IsManager, IsMember, request_viewer
from fenpei.api.serializers import (
    AssignmentSerializer,
    AssignSerializer,
    CustomerCreatedSerializer,
    CustomerCreateSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    DuplicateErrorSerializer,
    ErrorSerializer,
    HandoverSerializer,
    PolicyCreateSerializer,
    PolicyVersionSerializer,
    ReleaseSerializer,
    RepSerializer,
    RepUpdateSerializer,
    RunCreateSerializer,
    RunItemSerializer,
    RunSerializer,
    TeamSerializer,
    reasons_worded,
)
from fenpei.customers.models import Customer, Stage, Tier
from fenpei.customers.selectors import (
    SORT_FIELDS,
    CustomerFilters,
    customer_get,
    customers_filtered,
    customers_visible_to,
)
from fenpei.customers.services import customer_update
from fenpei.pool.services import customers_return
from fenpei.teams.access import Viewer
from fenpei.teams.models import Rep, RepStatus, Team
from fenpei.teams.selectors import rep_get, reps_with_load, team_summaries
from fenpei.teams.services import rep_update

RUN_ITEM_SHOWS = ("all", "changes", "unassigned")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Up to 200 characters. A retry with the same key and body returns the first "
        "response (header Idempotent-Replayed: true) without doing the work again."
    ),
)
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def _id(text: str) -> int:
    """A numeric id from the URL; anything else names nothing (404)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound
    return int(text)


def query_id(text: str | None) -> int | None:
    """A numeric id from a query filter; anything else filters nothing (None). A number
    too long for an id would overflow the database's integer: a 500, not a filter."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any, **kw: Any) -> Any:
    serializer = serializer_class(data=data, **kw)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApiViewSet(viewsets.GenericViewSet[Any]):
    """Reads for members, the actions named in `manager_actions` for managers."""

    manager_actions: frozenset[str] = frozenset()
    #: GET actions that refuse a bad query parameter with a 400 (for the schema)
    query_checked: frozenset[str] = frozenset()

    def get_permissions(self) -> Sequence[BasePermission]:
        if self.action in self.manager_actions:
            return [IsManager()]
        return [IsMember()]

    @property
    def viewer(self) -> Viewer:
        return request_viewer(self.request)

    def paged(self, rows: Any, serializer_class: type[serializers.BaseSerializer[Any]]) -> Response:
        page = self.paginate_queryset(rows)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def one(self, row: Any, serializer_class: type[serializers.BaseSerializer[Any]]) -> Any:
        return serializer_class(row, context=self.get_serializer_context()).data


# ---------------------------------------------------------------------- customers

CUSTOMER_FILTERS = [
    OpenApiParameter("owner", OpenApiTypes.STR, description="Rep id, or `pool` for no owner."),
    OpenApiParameter("team", OpenApiTypes.INT),
    OpenApiParameter("region", OpenApiTypes.STR, description="Province."),
    OpenApiParameter("industry", OpenApiTypes.STR),
    OpenApiParameter("tier", OpenApiTypes.STR, enum=Tier.values),
    OpenApiParameter("stage", OpenApiTypes.STR, enum=Stage.values),
    OpenApiParameter("unassigned", OpenApiTypes.BOOL, description="Only customers with no owner."),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Name, pinyin initials, phone, credit code or customer no.",
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[*SORT_FIELDS, *(f"-{key}" for key in SORT_FIELDS)],
        description="Default -priority; the customer no. breaks ties.",
    ),
]


def _duplicate(request: Request, exc: DuplicateCustomer) -> ApiError:
    existing = exc.existing
    label = getattr(Customer._meta.get_field(exc.field), "verbose_name", exc.field)
    # Name the existing record only to someone who may see it: to anyone else its name
    # would be a leak (and its URL a 404).
    visible = customers_visible_to(request_viewer(request)).filter(pk=existing.pk).exists()
    if not visible:
        # 撞单: say who holds it (team and owner), as a colleague would, but not the record.
        holder = duplicate_holder(existing)
        return ApiError(
            status.HTTP_409_CONFLICT,
            "duplicate",
            duplicate_message(label, holder),
            {"field": exc.field, "existing": None, **holder},
        )
    path = reverse("api:customer-detail", kwargs={"pk": existing.pk})
    message = _("A customer with the same %(field)s exists already: %(name)s (%(key)s).") % {
        "field": label,
        "name": existing.name,
        "key": existing.key,
    }
    return ApiError(
        status.HTTP_409_CONFLICT,
        "duplicate",
        message,
        {
            "field": exc.field,
            "existing": {
                "id": existing.pk,
                "key": existing.key,
                "name": existing.name,
                "url": request.build_absolute_uri(path),
            },
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary="The allocation table", parameters=CUSTOMER_FILTERS, responses=CustomerSerializer
    ),
    retrieve=extend_schema(responses=CustomerSerializer),
)
class CustomerViewSet(ApiViewSet):
    """Customers (客户) the viewer may see: a rep their own and the pool, a manager their
    teams' and the unrouted pool, an admin all."""

    queryset = Customer.objects.none()  # for the schema; rows come from the viewer's filters
    serializer_class = CustomerSerializer
    pagination_class = CustomerPagination  # estimated count above 10,000 customers
    # create is open to reps too: a rep's new customer is their own lead (自拓客户)
    manager_actions = frozenset({"partial_update", "assign", "release"})

    def _customer(self, pk: str) -> Customer:
        try:
            return customer_get(self.viewer, _id(pk))
        except Customer.DoesNotExist:
            raise NotFound from None

    def list(self, request: Request) -> Response:
        filters = CustomerFilters.from_params(request.query_params)
        return self.paged(customers_filtered(self.viewer, filters), CustomerSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.one(self._customer(pk), CustomerSerializer))

    @extend_schema(
        summary="Create a customer (routed to a rep at once when the policy says so)",
        request=CustomerCreateSerializer,
        responses={201: CustomerCreatedSerializer, 409: DuplicateErrorSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = dict(_valid(CustomerCreateSerializer, request.data))
        route = data.pop("route", None)
        try:
            routed = customer_create(self.viewer, data, route=route)
        except DuplicateCustomer as exc:
            raise _duplicate(request, exc) from exc
        body = {
            **self.one(routed.customer, CustomerSerializer),
            "routed": routed.routed,
            "reasons": reasons_worded(routed.reasons),
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CustomerWriteSerializer(partial=True),
        responses={200: CustomerSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        customer = self._customer(pk)
        data = _valid(CustomerWriteSerializer, request.data, partial=True)
        policy = policy_current()
        customer_update(self.viewer, customer, policy, timezone.localdate(), **data)
        return Response(self.one(self._customer(pk), CustomerSerializer))

    @extend_schema(
        summary="Give the customer to a rep",
        request=AssignSerializer,
        responses={200: CustomerSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def assign(self, request: Request, pk: str) -> Response:
        customer = self._customer(pk)
        data = _valid(AssignSerializer, request.data)
        customers_assign(self.viewer, [customer.pk], data["rep"], data["note"])
        return Response(self.one(self._customer(pk), CustomerSerializer))

    @extend_schema(
        summary="Return the customer to the pool",
        request=ReleaseSerializer,
        responses={200: CustomerSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def release(self, request: Request, pk: str) -> Response:
        customer = self._customer(pk)
        data = _valid(ReleaseSerializer, request.data)
        # Through the pool's service: the reason is required and kept in the pool log.
        customers_return(self.viewer, [customer.pk], data["reason"] or data["note"])
        return Response(self.one(self._customer(pk), CustomerSerializer))

    @extend_schema(
        summary="Ownership history, newest first, with reasons",
        responses=AssignmentSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def assignments(self, request: Request, pk: str) -> Response:
        customer = self._customer(pk)
        return self.paged(assignments_of_customer(customer.pk), AssignmentSerializer)


# --------------------------------------------------------------------- reps, teams


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("team", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=RepStatus.values),
        ]
    ),
    retrieve=extend_schema(responses=RepSerializer),
    partial_update=extend_schema(
        request=RepUpdateSerializer, responses={200: RepSerializer, **ERRORS}
    ),
)
class RepViewSet(ApiViewSet):
    """Reps (销售): a manager sees the reps of their teams, a rep only themself."""

    queryset = Rep.objects.none()
    serializer_class = RepSerializer
    manager_actions = frozenset({"partial_update", "handover"})

    def _rep(self, pk: str) -> Rep:
        try:
            return rep_get(self.viewer, _id(pk), capacity_default=default_capacity())
        except Rep.DoesNotExist:
            raise NotFound from None

    def list(self, request: Request) -> Response:
        status_ = request.query_params.get("status", "")
        reps = reps_with_load(
            self.viewer,
            capacity_default=default_capacity(),
            team_id=query_id(request.query_params.get("team")),
            status=status_ if status_ in RepStatus.values else "",
        )
        return self.paged(reps, RepSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.one(self._rep(pk), RepSerializer))

    def partial_update(self, request: Request, pk: str) -> Response:
        rep = self._rep(pk)
        data = dict(_valid(RepUpdateSerializer, request.data, partial=True))
        if data.get("team") is not None:
            team = Team.objects.filter(pk=data["team"]).first()
            if team is None:  # the service says the same of another manager's team
                raise ValidationError({"team": _("No such team among yours.")})
            data["team"] = team
        rep_update(self.viewer, rep, **data)  # Rep.DoesNotExist: a 404, see errors
        return Response(self.one(self._rep(pk), RepSerializer))

    @extend_schema(
        summary="Hand a leaving rep's customers over (交接): a run in preview, to apply",
        request=HandoverSerializer,
        responses={201: RunSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def handover(self, request: Request, pk: str) -> Response:
        successor = _valid(HandoverSerializer, request.data)["successor"]
        run = handover_preview(self.viewer, _id(pk), successor)
        return Response(self.one(run, RunSerializer), status=201)


@extend_schema_view(retrieve=extend_schema(responses=TeamSerializer))
class TeamViewSet(ApiViewSet):
    """Teams (团队) with their head counts, loads and pool."""

    queryset = Team.objects.none()
    serializer_class = TeamSerializer

    def list(self, request: Request) -> Response:
        summaries = team_summaries(self.viewer, capacity_default=default_capacity())
        return self.paged(summaries, TeamSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        team_id = _id(pk)
        summaries = team_summaries(self.viewer, capacity_default=default_capacity())
        for summary in summaries:
            if summary.team.pk == team_id:
                return Response(self.one(summary, TeamSerializer))
        raise NotFound


# ----------------------------------------------------------------------- policies


@extend_schema_view(
    list=extend_schema(summary="Policy versions, newest first"),
    retrieve=extend_schema(responses=PolicyVersionSerializer),
)
class PolicyViewSet(ApiViewSet):
    """The allocation policy (分配策略): readable by everyone with a role (reps should know
    the rules that give them customers), changed by managers and admins."""

    queryset = PolicyVersion.objects.none()
    serializer_class = PolicyVersionSerializer
    lookup_field = "number"
    manager_actions = frozenset({"create", "activate"})

    def list(self, request: Request) -> Response:
        return self.paged(policy_versions(), PolicyVersionSerializer)

    def retrieve(self, request: Request, number: str) -> Response:
        try:
            version = policy_version_get(_id(number))
        except PolicyVersion.DoesNotExist:
            raise NotFound from None
        return Response(self.one(version, PolicyVersionSerializer))

    @extend_schema(summary="The active policy version", responses=PolicyVersionSerializer)
    @action(detail=False, methods=["get"])
    def active(self, request: Request) -> Response:
        return Response(self.one(policy_active(), PolicyVersionSerializer))

    @extend_schema(
        summary="Store a new version and make it active",
        request=PolicyCreateSerializer,
        responses={201: PolicyVersionSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _valid(PolicyCreateSerializer, request.data)
        version = policy_version_create(self.viewer, data["toml"], data["note"])
        return Response(self.one(version, PolicyVersionSerializer), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Make this version the active one again (a rollback)",
        request=None,
        responses={200: PolicyVersionSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def activate(self, request: Request, number: str) -> Response:
        try:
            version = policy_version_activate(self.viewer, _id(number))
        except PolicyVersion.DoesNotExist:
            raise NotFound from None
        return Response(self.one(version, PolicyVersionSerializer))


# --------------------------------------------------------------------------- runs


@extend_schema_view(retrieve=extend_schema(responses=RunSerializer))
class RunViewSet(ApiViewSet):
    """Allocation runs (分配批次), for managers and admins: create (a preview, computed at
    once or queued when big), read, then apply or discard."""

    queryset = Run.objects.none()
    serializer_class = RunSerializer
    query_checked = frozenset({"items"})

    def get_permissions(self) -> Sequence[BasePermission]:
        return [IsManager()]

    def _run(self, pk: str) -> Run:
        try:
            return run_get(self.viewer, _id(pk))
        except Run.DoesNotExist:
            raise NotFound from None

    def list(self, request: Request) -> Response:
        return self.paged(runs_visible_to(self.viewer), RunSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.one(self._run(pk), RunSerializer))

    @extend_schema(
        summary="Start a run: its preview inline (status preview) or queued when big",
        request=RunCreateSerializer,
        responses={201: RunSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _valid(RunCreateSerializer, request.data)
        run = run_create(
            self.viewer, scope=data["scope"], team_id=data["team"], customer_ids=data["customers"]
        )
        return Response(self.one(self._run(str(run.pk)), RunSerializer), status=201)

    @extend_schema(
        summary="The run's customers: where each would go and why",
        parameters=[OpenApiParameter("show", OpenApiTypes.STR, enum=[*RUN_ITEM_SHOWS])],
        responses=RunItemSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: str) -> Response:
        run = self._run(pk)
        show = request.query_params.get("show", "all")
        if show not in RUN_ITEM_SHOWS:
            raise ValidationError({"show": _("Choose all, changes or unassigned.")})
        return self.paged(run_items(run, show), RunItemSerializer)

    @extend_schema(
        summary="Apply the preview: all of it, or nothing if owners changed since",
        request=None,
        responses={200: RunSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def apply(self, request: Request, pk: str) -> Response:
        run = self._run(pk)
        run_apply(self.viewer, run.pk)
        return Response(self.one(self._run(pk), RunSerializer))

    @extend_schema(
        summary="Discard the preview: nothing changes",
        request=None,
        responses={200: RunSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def discard(self, request: Request, pk: str) -> Response:
        run = self._run(pk)
        run_discard(self.viewer, run.pk)
        return Response(self.one(self._run(pk), RunSerializer))


# ------------------------------------------------------------------------ the rest


class ApiRootView(routers.APIRootView):
    """/api/v1/: links to the endpoints, for members only like everything else."""

    permission_classes = (IsMember,)


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI that never calls out and runs no inline script: its files come from
    drf-spectacular-sidecar, its start-up script is a second request to this view
    (`?script`, so the Content Security Policy's script-src 'self' allows it), and its
    online validator (a badge fetched from swagger.io) is off (SWAGGER_UI_SETTINGS).
    Swagger UI writes <style> elements at run time, so this one page allows inline
    styles; scripts stay 'self' only."""


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request: Request, *args: Any, **kwargs: Any) -> Response:
    """Any other URL under /api/: a JSON 404 like every other API error."""
    raise NotFound
