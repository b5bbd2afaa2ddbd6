"""/api/v1/goals/ and /api/v1/feedback/: goals and feedback over the REST API, with the
same services and access rules as the pages (another team's rep is a 404 for a manager,
a rep reads their own only, outsiders get 403).

`GET /goals/?period=month&period_start=2026-12-01` lists goals with their progress;
`POST /goals/` (managers) sets one target (an existing goal for the same rep or team,
period and metric is updated). `POST /feedback/` (managers) writes a note,
`POST /feedback/{id}/acknowledge/` (the rep) acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.api.serializers import RepRefSerializer, id_field, money_input
from fenpei.api.views import ERRORS, ApiViewSet
from fenpei.goals.models import Feedback, Goal, Metric, PeriodKind
from fenpei.goals.selectors import feedback_visible_to, goals_progress, goals_visible_to
from fenpei.goals.services import FEEDBACK_MAX, feedback_acknowledge, feedback_give, goals_set
from fenpei.teams.access import reps_visible_to, teams_visible_to


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound
    return int(text)


class GoalSerializer(serializers.ModelSerializer[Goal]):
    rep = RepRefSerializer(read_only=True, allow_null=True)
    target = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False, read_only=True
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ("id", "rep", "team", "period", "period_start", "metric", "target", "progress")
        read_only_fields = fields

    def get_progress(self, goal: Goal) -> float:
        progress: dict[tuple[Any, ...], Decimal] = self.context.get("progress", {})
        key = (goal.rep_id, goal.team_id, goal.period, goal.period_start, goal.metric)
        return float(progress.get(key, 0))


class GoalCreateSerializer(serializers.Serializer[dict[str, Any]]):
    rep = id_field(required=False, allow_null=True, default=None)
    team = id_field(required=False, allow_null=True, default=None)
    period = serializers.ChoiceField(choices=PeriodKind.choices)
    period_start = serializers.DateField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    target = money_input(min_value=Decimal(0))


class FeedbackSerializer(serializers.ModelSerializer[Feedback]):
    rep = RepRefSerializer(read_only=True)
    author = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Feedback
        fields = ("id", "rep", "author", "text", "created_at", "acknowledged_at")
        read_only_fields = fields


class FeedbackCreateSerializer(serializers.Serializer[dict[str, Any]]):
    rep = id_field()
    text = serializers.CharField(max_length=FEEDBACK_MAX)


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class GoalViewSet(ApiViewSet):
    """Goals (目标) per rep or team per month or quarter, with progress from the log."""

    queryset = Goal.objects.none()
    serializer_class = GoalSerializer
    manager_actions = frozenset({"create"})
    query_checked = frozenset({"list"})

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=PeriodKind.values),
            OpenApiParameter("period_start", OpenApiTypes.DATE),
        ]
    )
    def list(self, request: Request) -> Response:
        rows = goals_visible_to(self.viewer).select_related("rep").order_by("id")
        period = request.query_params.get("period", "")
        if period:
            if period not in PeriodKind.values:
                raise ValidationError({"period": [_("Unknown period.")]})
            rows = rows.filter(period=period)
        start = request.query_params.get("period_start", "")
        if start:
            try:
                rows = rows.filter(period_start=dt.date.fromisoformat(start))
            except ValueError:
                raise ValidationError({"period_start": [_("Give a date.")]}) from None
        page = self.paginate_queryset(rows) or []
        context = self.get_serializer_context()
        context["progress"] = goals_progress(page)
        data = GoalSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Set one goal (managers)",
        request=GoalCreateSerializer,
        responses={201: GoalSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _valid(GoalCreateSerializer, request.data)
        rep_id, team_id = data["rep"], data["team"]
        if (rep_id is None) == (team_id is None):
            raise ValidationError({"rep": [_("Give a rep or a team, not both.")]})
        if rep_id is not None and not reps_visible_to(self.viewer).filter(pk=rep_id).exists():
            raise NotFound
        if team_id is not None and not teams_visible_to(self.viewer).filter(pk=team_id).exists():
            raise NotFound
        key = (rep_id or team_id, data["metric"])
        goals_set(
            self.viewer,
            data["period"],
            data["period_start"],
            rep_targets={key: data["target"]} if rep_id else {},
            team_targets={key: data["target"]} if team_id else {},
        )
        goal = Goal.objects.get(
            rep_id=rep_id,
            team_id=team_id,
            period=data["period"],
            period_start=data["period_start"],
            metric=data["metric"],
        )
        context = self.get_serializer_context()
        context["progress"] = goals_progress([goal])
        body = GoalSerializer(goal, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)


class FeedbackViewSet(ApiViewSet):
    """Feedback notes (反馈) from a manager to a rep; append-only."""

    queryset = Feedback.objects.none()
    serializer_class = FeedbackSerializer
    manager_actions = frozenset({"create"})

    def list(self, request: Request) -> Response:
        return self.paged(feedback_visible_to(self.viewer), FeedbackSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        row = feedback_visible_to(self.viewer).filter(pk=_id(pk)).first()
        if row is None:
            raise NotFound
        return Response(self.one(row, FeedbackSerializer))

    @extend_schema(
        summary="Write feedback to a rep (managers); the rep is notified",
        request=FeedbackCreateSerializer,
        responses={201: FeedbackSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _valid(FeedbackCreateSerializer, request.data)
        rep = reps_visible_to(self.viewer).filter(pk=data["rep"]).first()
        if rep is None:
            raise NotFound
        note = feedback_give(self.viewer, rep, data["text"])
        row = feedback_visible_to(self.viewer).get(pk=note.pk)
        return Response(self.one(row, FeedbackSerializer), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Acknowledge a feedback note (its rep)",
        request=None,
        responses={200: FeedbackSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        row = feedback_visible_to(self.viewer).filter(pk=_id(pk)).first()
        if row is None or row.rep_id != self.viewer.rep_id:
            raise NotFound
        feedback_acknowledge(self.viewer, row)
        return Response(self.one(row, FeedbackSerializer))
