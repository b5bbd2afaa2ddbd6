"""/api/v1/appeals/: appeals (申诉) over the REST API.

`GET /appeals/` lists what the viewer may see (a rep: own; a manager: their teams'),
`?status=open` for the queue (oldest first); `POST /appeals/` opens one (a rep; JSON, or
multipart with an `attachment` file); `POST /appeals/{id}/withdraw/` (the appellant),
`/approve/` `{"target": rep id or null, "note": ...}` and `/reject/` `{"note": ...}`
(the deciding team's manager). The same selectors and services as the pages: an appeal
the viewer may not see is a 404, a step they may not take a 403, a decided appeal a 409
(`decided`, naming who was first).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.api.errors import ApiError
from fenpei.api.idempotency import idempotent
from fenpei.api.serializers import (
    CustomerRefSerializer,
    ErrorSerializer,
    RepRefSerializer,
    id_field,
)
from fenpei.api.views import ERRORS, IDEMPOTENCY_PARAMETER, ApiViewSet, _id, _valid
from fenpei.appeals import services
from fenpei.appeals.downloads import attachment_response
from fenpei.appeals.models import ATTACHMENT_MAX_BYTES, Appeal, AppealKind, AppealStatus
from fenpei.appeals.selectors import (
    appeal_attachment,
    appeal_get,
    appeal_queue,
    appeals_visible_to,
)
from fenpei.appeals.services import (
    Attachment,
    appeal_approve,
    appeal_open,
    appeal_reject,
    appeal_withdraw,
)
from fenpei.customers.models import Customer


class AppealSerializer(serializers.ModelSerializer[Appeal]):
    customer = CustomerRefSerializer(read_only=True)
    rep = RepRefSerializer(read_only=True)
    target = RepRefSerializer(read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )
    attachment = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = (
            "id",
            "customer",
            "rep",
            "kind",
            "reason",
            "status",
            "target",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
            "attachment",
            "events",
        )

    def get_attachment(self, obj: Appeal) -> str | None:
        return obj.attachment_name or None

    def get_events(self, obj: Appeal) -> list[dict[str, Any]]:
        return [
            {
                "kind": e.kind,
                "user": e.user.get_username() if e.user else None,
                "at": e.at.isoformat(),
                "note": e.note,
            }
            for e in obj.events.select_related("user")
        ]


class OpenSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=AppealKind.choices)
    customer = id_field(required=False)
    customer_ref = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000)
    attachment = serializers.FileField(required=False)


class ApproveSerializer(serializers.Serializer[dict[str, Any]]):
    target = id_field(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def _refused(exc: ValidationError) -> Exception:
    # A message dict (a field's error) has no code: only a single message may be DECIDED.
    if getattr(exc, "code", None) == services.DECIDED:
        return ApiError(status.HTTP_409_CONFLICT, services.DECIDED, " ".join(exc.messages))
    return exc


class AppealViewSet(ApiViewSet):
    """Appeals (申诉): reps open and withdraw, managers approve or reject."""

    queryset = Appeal.objects.none()
    serializer_class = AppealSerializer
    parser_classes = (JSONParser, MultiPartParser, FormParser)
    manager_actions = frozenset({"approve", "reject"})

    @extend_schema(
        summary="Appeals the viewer may see (status=open: the queue, oldest first)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=AppealStatus.values),
        ],
        responses=AppealSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        wanted = request.query_params.get("status", "")
        if wanted == AppealStatus.OPEN and self.viewer.can_manage:
            rows = appeal_queue(self.viewer)
        else:
            rows = appeals_visible_to(self.viewer).order_by("-created_at", "-id")
            if wanted in AppealStatus.values:
                rows = rows.filter(status=wanted)
            elif wanted:  # no appeal has it; not sent to the database (NUL: a 500 on PG)
                rows = rows.none()
        return self.paged(rows.prefetch_related("events__user"), AppealSerializer)

    @extend_schema(
        summary="The appeal's attachment, as a download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"])
    def attachment(self, request: Request, pk: str) -> FileResponse:
        try:
            appeal = appeal_attachment(self.viewer, _id(pk))
        except Appeal.DoesNotExist:
            raise NotFound from None
        return attachment_response(appeal)

    @extend_schema(summary="One appeal with its trail", responses=AppealSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        try:
            appeal = appeal_get(self.viewer, _id(pk))
        except Appeal.DoesNotExist:
            raise NotFound from None
        return Response(self.one(appeal, AppealSerializer))

    @extend_schema(
        summary="Open an appeal (a rep): hand back a customer, or claim one",
        request=OpenSerializer,
        responses={201: AppealSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _valid(OpenSerializer, request.data)
        upload = data.get("attachment")
        attachment = None
        if upload is not None:
            if upload.size is not None and upload.size > ATTACHMENT_MAX_BYTES:
                raise ValidationError({"attachment": _("The attachment is larger than 5 MB.")})
            attachment = Attachment(
                upload.name or "attachment",
                upload.content_type or "application/octet-stream",
                upload.read(),
            )
        try:
            appeal = appeal_open(
                self.viewer,
                kind=data["kind"],
                reason=data["reason"],
                customer_id=data.get("customer"),
                customer_ref=data.get("customer_ref") or "",
                attachment=attachment,
            )
        except Customer.DoesNotExist:
            raise NotFound from None
        appeal = appeal_get(self.viewer, appeal.pk)
        return Response(self.one(appeal, AppealSerializer), status=status.HTTP_201_CREATED)

    def _decide(self, pk: str, step: Any) -> Response:
        appeal_id = _id(pk)
        try:
            step(appeal_id)
        except Appeal.DoesNotExist:
            raise NotFound from None
        except ValidationError as exc:
            raise _refused(exc) from exc
        return Response(self.one(appeal_get(self.viewer, appeal_id), AppealSerializer))

    @extend_schema(
        summary="Withdraw an open appeal (the appellant)",
        request=NoteSerializer,
        responses={200: AppealSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request: Request, pk: str) -> Response:
        data = _valid(NoteSerializer, request.data)
        return self._decide(pk, lambda i: appeal_withdraw(self.viewer, i, data["note"]))

    @extend_schema(
        summary="Approve (managers): reassign to `target`, the appellant (claim) or the pool",
        request=ApproveSerializer,
        responses={
            200: AppealSerializer,
            409: inline_serializer(
                "AppealDecided",
                fields={"code": serializers.CharField(), "message": serializers.CharField()},
            ),
            **ERRORS,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str) -> Response:
        data = _valid(ApproveSerializer, request.data)
        return self._decide(
            pk, lambda i: appeal_approve(self.viewer, i, data.get("target"), data["note"])
        )

    @extend_schema(
        summary="Reject (managers), with a note",
        request=NoteSerializer,
        responses={200: AppealSerializer, **ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request: Request, pk: str) -> Response:
        data = _valid(NoteSerializer, request.data)
        return self._decide(pk, lambda i: appeal_reject(self.viewer, i, data["note"]))
