"""/api/v1/notifications/: the caller's own inbox. `GET` lists newest first
(`?unread=true` for unread only), `POST /{id}/read/` marks one read, `POST /read-all/`
all of them. Another user's notification is a 404, outsiders get 403."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.api.views import ERRORS, ApiViewSet
from fenpei.notifications.models import Notification
from fenpei.notifications.selectors import notifications_of, unread_count
from fenpei.notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "url", "created", "read_at")
        read_only_fields = fields


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound
    return int(text)


def _user_id(request: Request) -> int:
    user_id = request.user.pk
    if not isinstance(user_id, int):  # IsMember has let only logged-in users in
        raise NotAuthenticated
    return user_id


@extend_schema_view(
    list=extend_schema(
        summary="The caller's notifications, newest first",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread.")],
    ),
    retrieve=extend_schema(responses=NotificationSerializer),
)
class NotificationViewSet(ApiViewSet):
    """The caller's inbox (站内通知): new customers, handovers, reclaims and warnings,
    appeal results."""

    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    query_checked = frozenset({"list"})

    def list(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "").lower()
        if unread not in ("", "true", "false", "1", "0"):
            raise ValidationError({"unread": [_("Give true or false.")]})
        rows = notifications_of(_user_id(request), unread_only=unread in ("true", "1"))
        return self.paged(rows, NotificationSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        row = notifications_of(_user_id(request)).filter(pk=_id(pk)).first()
        if row is None:
            raise NotFound
        return Response(self.one(row, NotificationSerializer))

    @extend_schema(
        summary="Mark one notification read",
        request=None,
        responses={200: NotificationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        try:
            row = notification_mark_read(_user_id(request), _id(pk))
        except Notification.DoesNotExist:
            raise NotFound from None
        return Response(self.one(row, NotificationSerializer))

    @extend_schema(
        summary="Mark all the caller's notifications read",
        request=None,
        responses=inline_serializer(
            "ReadAll", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = notifications_mark_all_read(_user_id(request))
        return Response({"marked": marked, "unread": unread_count(_user_id(request))})
