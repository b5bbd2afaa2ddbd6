"""Reads of API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.authtoken.models import Token


def token_of(user: Any) -> Token | None:
    return Token.objects.filter(user_id=user.pk).first()


def tokens_all() -> QuerySet[Token]:
    return Token.objects.select_related("user").order_by("user__username", "pk")
