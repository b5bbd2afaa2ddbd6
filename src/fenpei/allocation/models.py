"""Policies (分配策略), allocation runs (分配批次) and assignments (分配记录).

An `Assignment` is one period of ownership: from `started_at` until `ended_at`. The
current owner of a customer is its one assignment with no end; a partial unique index
makes a second current assignment impossible whatever code path or process tries it,
and `Customer.owner` mirrors it for fast filtering (the services write both in one
transaction).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer
from fenpei.teams.models import Rep, Team


class PolicyVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    toml = models.TextField(_("policy (TOML)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_policy"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    COMPUTING = "computing", _("computing")
    PREVIEW = "preview", _("preview")
    APPLIED = "applied", _("applied")
    DISCARDED = "discarded", _("discarded")
    FAILED = "failed", _("failed")


class RunScope(models.TextChoices):
    UNASSIGNED = "unassigned", _("unassigned customers")
    SELECTION = "selection", _("selected customers")
    TEAM = "team", _("a whole team (may move owned customers)")
    HANDOVER = "handover", _("handover of a departing rep's customers")
    REBALANCE = "rebalance", _("rebalance of a team's owned customers")


class Run(models.Model):
    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="runs")
    scope = models.CharField(_("scope"), max_length=12, choices=RunScope.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    #: customer ids of a selection run (and of a handover, as owned when it was previewed)
    selection = models.JSONField(default=list, blank=True)
    #: a handover (交接) run: whose customers, and the successor named (empty: the engine chooses)
    handover_from = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handover_to = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    stage = models.CharField(max_length=20, blank=True)  # engine stage while computing
    progress = models.FloatField(default=0)  # 0..1 while computing
    as_of = models.DateField(_("as of"))
    summary = models.JSONField(default=dict, blank=True)
    loads = models.JSONField(default=list, blank=True)  # per rep: before, after, capacity
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="runs_created",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs_decided",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"#{self.pk}"


class RunItem(models.Model):
    """One customer of a run's preview: where it would go and why."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    #: owner when the run was computed; applying checks it is still the owner
    previous_owner = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rep = models.ForeignKey(Rep, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    priority = models.FloatField(default=0)
    tier = models.CharField(max_length=1, default="C")
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="run_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.customer_id}"


class AssignmentSource(models.TextChoices):
    RUN = "run", _("allocation run")
    MANUAL = "manual", _("manual")
    IMPORT = "import", _("import")
    CLAIM = "claim", _("claimed from pool")
    ROUTE = "route", _("routed on creation")
    APPEAL = "appeal", _("appeal decision")


class Assignment(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("customer")
    )
    rep = models.ForeignKey(
        Rep, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("rep")
    )
    source = models.CharField(_("source"), max_length=10, choices=AssignmentSource.choices)
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("from"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("ended because"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # The database itself never lets a customer have two current owners.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(ended_at__isnull=True),
                name="one_current_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.rep_id}"
