"""Writes of API tokens (one per user, DRF's authtoken): issue a new one or revoke it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_issue(user: Any) -> Token:
    """A new token for `user`, replacing (and so invalidating) any token they had."""
    Token.objects.filter(user_id=user.pk).delete()
    return Token.objects.create(user=user)


def token_revoke(user: Any) -> bool:
    """Delete the user's token; False when they had none."""
    deleted, _rows = Token.objects.filter(user_id=user.pk).delete()
    return deleted > 0
