"""Teams (团队) and reps (销售).

A rep is a salesperson; most have a login (`user`), but a rep imported from a sheet may
exist before an admin gives them one. Lists (regions, industries, products) are JSON
lists of strings: they are read and written whole, matched in Python by the engine, and
never joined on, so separate tables would add queries and nothing else.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Level(models.IntegerChoices):
    # Same numbers as fenpei.engine.Level.
    JUNIOR = 1, _("junior")
    MID = 2, _("mid-level")
    SENIOR = 3, _("senior")


class RepStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ON_LEAVE = "on_leave", _("on leave")
    DEPARTED = "departed", _("departed")


class Rep(models.Model):
    key = models.CharField(_("employee no."), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rep",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reps",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.MID)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: the policy's default.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RepStatus.choices, default=RepStatus.ACTIVE
    )
    leave_from = models.DateField(_("leave from"), null=True, blank=True)
    leave_until = models.DateField(_("leave until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("rep")
        verbose_name_plural = _("reps")
        constraints = [
            models.CheckConstraint(
                condition=Q(leave_from__isnull=True)
                | Q(leave_until__isnull=True)
                | Q(leave_from__lte=models.F("leave_until")),
                name="rep_leave_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def capacity_or(self, default: int) -> int:
        """The most customers this rep may own: their own capacity, else the policy's
        default (passed in: the policy lives above this app)."""
        return self.capacity if self.capacity is not None else default

    def available_on(self, day: date) -> bool:
        """May take new customers on `day`: active, or on leave but outside the dates."""
        if self.status == RepStatus.DEPARTED:
            return False
        if self.status == RepStatus.ACTIVE:
            return True
        if self.leave_from is None and self.leave_until is None:
            return False
        before = self.leave_from is not None and day < self.leave_from
        after = self.leave_until is not None and day > self.leave_until
        return before or after
