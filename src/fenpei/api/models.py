"""Idempotency keys of the REST API.

A client that retries a POST (a timeout, a dropped connection) sends the same
`Idempotency-Key` header; the first request's response is kept here and returned again
instead of doing the work twice. The row is written in the same transaction as the work,
so it exists exactly when the work happened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_MAX = 200


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=KEY_MAX)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=1000)
    #: SHA-256 of the request body: the same key with another body is a client bug
    body_hash = models.CharField(max_length=64)
    #: empty until the response is stored (in the same transaction as the work)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            # What makes a concurrent retry wait for (or fail against) the first request.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
