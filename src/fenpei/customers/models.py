"""Customers (客户): the rows of the allocation table.

`owner` is the one current owner; the ownership history with reasons lives in
`fenpei.allocation.models.Assignment`. Priority and tier are cached from the engine when
the customer is written or a run computes them, so the table can sort and filter on them
in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from fenpei.teams.models import Rep, Team


class Intent(models.IntegerChoices):
    # Same numbers as fenpei.engine.Intent.
    UNKNOWN = 0, _("unknown")
    LOW = 1, _("low")
    MEDIUM = 2, _("medium")
    HIGH = 3, _("high")


class Stage(models.TextChoices):
    LEAD = "lead", _("lead")
    FOLLOWING = "following", _("following up")
    WON = "won", _("won")
    LOST = "lost", _("lost")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Customer(models.Model):
    key = models.CharField(_("customer no."), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Matching and search keys, derived from `name` by the services that write it.
    name_key = models.CharField(_("normalised name"), max_length=200, db_index=True, editable=False)
    initials = models.CharField(_("pinyin initials"), max_length=200, blank=True, editable=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    region = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    potential_value = models.DecimalField(
        _("potential value (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    intent = models.PositiveSmallIntegerField(
        _("intent"), choices=Intent.choices, default=Intent.UNKNOWN
    )
    products = models.JSONField(_("product needs"), default=list, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    #: digits only, without +86: what duplicate checks compare (derived from `phone`)
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    email = models.CharField(_("email"), max_length=200, blank=True)
    deal_count = models.PositiveIntegerField(_("deals"), default=0)
    deal_amount = models.DecimalField(
        _("deal amount (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    last_deal = models.DateField(_("last deal"), null=True, blank=True)
    is_new = models.BooleanField(_("new customer"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.LEAD)
    locked = models.BooleanField(
        _("locked to owner"), default=False, help_text=_("Runs never move a locked customer.")
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    owner = models.ForeignKey(
        Rep,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    # The latest follow-up (跟进), cached by the follow-up services so the table, the
    # reclaim rules and the overdue list read one row instead of the follow-up log.
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    priority = models.FloatField(_("priority"), default=0)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            # One real company, one record: the import matches on the code, so two rows
            # carrying the same valid code can only mean a bug.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="customer_credit_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "tier"]),
            models.Index(fields=["team", "owner"]),
            models.Index(fields=["region", "city"]),
            # The allocation table at 1M customers (migration 0004): one index per sort,
            # so a page is read in order and stops after 50 rows; key__iexact in the
            # search box; the industry filter's choices, probed value by value with the
            # access columns at hand. PostgreSQL also gets GIN indexes for the search box
            # (see the migration and selectors.Bigrams).
            # The default sort, covering: a deep page (OFFSET 9,950) is found in the index
            # alone, with the access columns, and only its 50 rows are read.
            models.Index(
                fields=["-priority", "key"],
                include=["id", "team", "owner"],
                name="customer_priority",
            ),
            models.Index(fields=["potential_value"], name="customer_value"),
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["updated_at"], name="customer_updated"),
            models.Index(Upper("key"), name="customer_key_upper"),
            models.Index(fields=["industry"], include=["team", "owner"], name="customer_industry"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerMerge(models.Model):
    """A duplicate merged into the record that survives (合并重复客户).

    The duplicate's history (assignments, follow-ups, deals) moves to the survivor; its own
    field values are kept here as they were, so nothing of it is lost.
    """

    survivor = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges", verbose_name=_("kept record")
    )
    duplicate_key = models.CharField(_("merged customer no."), max_length=50)
    duplicate_name = models.CharField(_("merged name"), max_length=200)
    #: every field of the merged record, as it was
    snapshot = models.JSONField(default=dict)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merged duplicate")
        verbose_name_plural = _("merged duplicates")

    def __str__(self) -> str:
        return f"{self.duplicate_key} → {self.survivor_id}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("preview")
    CONFIRMED = "confirmed", _("imported")
    DISCARDED = "discarded", _("discarded")
    FAILED = "failed", _("failed")


class ImportBatch(models.Model):
    """An uploaded workbook between upload and confirmation (导入批次).

    The file is kept in the database, not on disk: web processes are stateless and may
    run on several machines, and the confirm step must read exactly what was previewed.
    """

    file_name = models.CharField(_("file"), max_length=200)
    data = models.BinaryField()
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    #: header mapping, row counts, new / updated / unchanged figures
    summary = models.JSONField(default=dict, blank=True)
    #: every bad cell: sheet, row, column, value, message
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name
