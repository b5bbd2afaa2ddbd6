"""What the API reads and writes, as JSON.

Output serializers turn models into JSON; input serializers only check types and sizes.
The rules (who may set what, duplicates, leave dates, capacity) are the services' own and
come back as Django ValidationErrors, which the exception handler maps to 400.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from fenpei.allocation.models import Assignment, PolicyVersion, Run, RunItem, RunScope, RunStatus
from fenpei.allocation.reasons import reason_line
from fenpei.customers.models import Customer, Intent, Stage
from fenpei.customers.services import EDITABLE_FIELDS
from fenpei.teams.models import Level, Rep, RepStatus
from fenpei.teams.selectors import TeamSummary

#: the largest amount (yuan) the API takes: SQLite keeps decimals as doubles, which hold
#: 15 significant digits; 16 would come back rounded past the column's 16 digits, and the
#: row could not be read any more (a 500 on every page that shows it)
MONEY_MAX = Decimal("999999999999.99")


def _money(**kwargs: Any) -> serializers.DecimalField:
    """Yuan as a JSON number (not DRF's default string), two decimals."""
    return serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False, **kwargs
    )


def money_input(**kwargs: Any) -> serializers.DecimalField:
    """An amount in a request body: at most MONEY_MAX either way."""
    kwargs.setdefault("min_value", -MONEY_MAX)
    return _money(max_value=MONEY_MAX, **kwargs)


#: ids are 64-bit (BigAutoField): a bigger number names nothing, and the database driver
#: would fail on it (a 500) instead of finding nothing
ID_MAX = 2**63 - 1
#: counts are stored in 32-bit integer columns
COUNT_MAX = 2**31 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """A row's id in a request body: positive and at most ID_MAX."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def reasons_worded(reasons: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Structured reasons with their `text` in the request's language."""
    return [{**reason, "text": reason_line(reason)} for reason in reasons or []]


# -------------------------------------------------------------------- small parts


class ReasonSerializer(serializers.Serializer[dict[str, Any]]):
    """One reason: `kind` (why a rep got it) or `code` (why nobody did), the numbers the
    engine used, and `text`, the same reason in words."""

    kind = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    text = serializers.CharField()


class RepRefSerializer(serializers.Serializer[Rep]):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class TeamRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerRefSerializer(serializers.Serializer[Customer]):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class DuplicateExistingSerializer(CustomerRefSerializer):
    url = serializers.URLField()


_MESSAGES = {"type": "array", "items": {"type": "string"}}


# A list's items are checked one by one: their messages come by index, one level down
# ({"products": {"1": ["…"]}}), as fenpei.api.errors words them.
@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "anyOf": [_MESSAGES, {"type": "object", "additionalProperties": _MESSAGES}]
        },
    }
)
class FieldErrorsField(serializers.DictField):
    """Validation messages by field name."""


def _error_fields() -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    return {
        "code": serializers.CharField(help_text="Machine code: validation_error, not_found …"),
        "message": serializers.CharField(help_text="In the request's language."),
        "fields": FieldErrorsField(
            required=False,
            help_text="Validation errors by field; a list's items by index.",
        ),
    }


# Built with inline_serializer: a declared field named `fields` would shadow
# Serializer.fields.
ErrorSerializer = inline_serializer("Error", fields=_error_fields())
DuplicateErrorSerializer = inline_serializer(
    "DuplicateError",
    fields={
        **_error_fields(),
        "field": serializers.ChoiceField(choices=["key", "credit_code", "name", "phone"]),
        "existing": DuplicateExistingSerializer(),
    },
)


@extend_schema_field(ReasonSerializer(many=True))
class ReasonsField(serializers.Field):  # type: ignore[type-arg]
    """A JSON list of stored reasons, worded when read."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return reasons_worded(value)


def _list_of_text(max_items: int = 100) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=False),
        max_length=max_items,
        required=False,
    )


# ---------------------------------------------------------------------- customers


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    url = serializers.HyperlinkedIdentityField(view_name="api:customer-detail")
    potential_value = _money(read_only=True)
    deal_amount = _money(read_only=True)
    products = serializers.ListField(child=serializers.CharField(), read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    owner = RepRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        fields: tuple[str, ...] = (
            "id",
            "url",
            "key",
            *EDITABLE_FIELDS,
            "team",
            "owner",
            "owned_since",
            "priority",
            "tier",
            "created_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class CustomerCreatedSerializer(CustomerSerializer):
    """The new customer, with whether routing ran and why it went where it went."""

    routed = serializers.BooleanField(read_only=True)
    reasons = ReasonSerializer(many=True, read_only=True)

    class Meta(CustomerSerializer.Meta):
        fields = (*CustomerSerializer.Meta.fields, "routed", "reasons")
        read_only_fields = fields


class CustomerWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """The fields a manager may set (fenpei.customers.services.EDITABLE_FIELDS)."""

    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=50, required=False, allow_blank=True)
    region = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    potential_value = money_input(required=False, min_value=0)
    intent = serializers.ChoiceField(choices=Intent.choices, required=False)
    products = _list_of_text()
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.CharField(max_length=200, required=False, allow_blank=True)
    deal_count = serializers.IntegerField(min_value=0, max_value=COUNT_MAX, required=False)
    deal_amount = money_input(required=False, min_value=0)
    last_deal = serializers.DateField(required=False, allow_null=True)
    is_new = serializers.BooleanField(required=False, allow_null=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    locked = serializers.BooleanField(required=False)

    def validate_credit_code(self, value: str) -> str:
        return value.strip().upper()

    def validate_name(self, value: str) -> str:
        return value.strip()

    def validate_products(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))


class CustomerCreateSerializer(CustomerWriteSerializer):
    key = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text="Customer no.; empty: derived from the credit code or name.",
    )
    team = id_field(
        required=False, allow_null=True, help_text="Team id; default: the manager's only team."
    )
    route = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Give the customer an owner at once; empty: as the policy says.",
    )


class AssignSerializer(serializers.Serializer[dict[str, Any]]):
    rep = id_field()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReleaseSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the customer goes back to the pool (required; `note` is accepted too).",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    rep = RepRefSerializer(read_only=True)
    reasons = ReasonsField()
    started_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )
    ended_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Assignment
        fields = (
            "id",
            "rep",
            "source",
            "run",
            "reasons",
            "note",
            "started_by",
            "started_at",
            "ended_by",
            "ended_at",
            "end_reason",
        )
        read_only_fields = fields


# --------------------------------------------------------------------- reps, teams


class TierCountsSerializer(serializers.Serializer[Any]):
    A = serializers.IntegerField(source="tier_a")
    B = serializers.IntegerField(source="tier_b")
    C = serializers.IntegerField(source="tier_c")


class RepSerializer(serializers.ModelSerializer[Rep]):
    """A rep with `load` (customers owned now) and `capacity_used` (own or the policy's
    default); reps come from `reps_with_load`, which annotates both."""

    url = serializers.HyperlinkedIdentityField(view_name="api:rep-detail")
    team = TeamRefSerializer(read_only=True, allow_null=True)
    regions = serializers.ListField(child=serializers.CharField(), read_only=True)
    industries = serializers.ListField(child=serializers.CharField(), read_only=True)
    products = serializers.ListField(child=serializers.CharField(), read_only=True)
    load = serializers.IntegerField(read_only=True)
    capacity_used = serializers.IntegerField(read_only=True)
    tiers = TierCountsSerializer(source="*", read_only=True)

    class Meta:
        model = Rep
        fields = (
            "id",
            "url",
            "key",
            "name",
            "team",
            "level",
            "regions",
            "industries",
            "products",
            "capacity",
            "capacity_used",
            "load",
            "tiers",
            "status",
            "leave_from",
            "leave_until",
        )
        read_only_fields = fields


class RepUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    """A rep's profile as a manager edits it (fenpei.teams.services.REP_EDITABLE)."""

    team = id_field(required=False, allow_null=True, help_text="Team id.")
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    regions = _list_of_text()
    industries = _list_of_text()
    products = _list_of_text()
    capacity = serializers.IntegerField(
        min_value=0, max_value=COUNT_MAX, required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=RepStatus.choices, required=False)
    leave_from = serializers.DateField(required=False, allow_null=True)
    leave_until = serializers.DateField(required=False, allow_null=True)


class TeamSerializer(serializers.Serializer[TeamSummary]):
    id = serializers.IntegerField(source="team.pk")
    url = serializers.SerializerMethodField()
    name = serializers.CharField(source="team.name")
    region = serializers.CharField(source="team.region")
    manager = serializers.CharField(source="team.manager.username", allow_null=True, default=None)
    reps = serializers.IntegerField(help_text="Reps who have not left.")
    customers = serializers.IntegerField(help_text="Customers of the team.")
    load = serializers.IntegerField(help_text="Customers owned by the team's reps.")
    capacity = serializers.IntegerField(help_text="Sum of the reps' capacities.")
    pool = serializers.IntegerField(help_text="Customers of the team with no owner.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, summary: TeamSummary) -> str:
        from django.urls import reverse  # noqa: PLC0415

        path = reverse("api:team-detail", kwargs={"pk": summary.team.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# ----------------------------------------------------------------------- policies


class PolicyVersionSerializer(serializers.ModelSerializer[PolicyVersion]):
    url = serializers.HyperlinkedIdentityField(view_name="api:policy-detail", lookup_field="number")
    created_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = PolicyVersion
        fields = ("number", "url", "is_active", "note", "created_by", "created_at", "toml")
        read_only_fields = fields


class PolicyCreateSerializer(serializers.Serializer[dict[str, Any]]):
    toml = serializers.CharField(max_length=100_000, trim_whitespace=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------- runs


# Wrapped in allOf so the schema keeps this enum inline: reps have a `status` too, and
# drf-spectacular would otherwise give two enum components of one field name made-up names.
@extend_schema_field({"allOf": [{"type": "string", "enum": RunStatus.values}]})
class RunStatusField(serializers.CharField):
    """A run's status: queued, computing, preview, applied, discarded or failed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class RunSerializer(serializers.ModelSerializer[Run]):
    status = RunStatusField()
    url = serializers.HyperlinkedIdentityField(view_name="api:run-detail")
    items = serializers.HyperlinkedIdentityField(view_name="api:run-items")
    team = TeamRefSerializer(read_only=True, allow_null=True)
    policy = serializers.SlugRelatedField[Any](slug_field="number", read_only=True)
    summary = serializers.DictField(read_only=True)
    loads = serializers.ListField(child=serializers.DictField(), read_only=True)
    created_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Run
        fields = (
            "id",
            "url",
            "items",
            "status",
            "scope",
            "team",
            "selection",
            "policy",
            "as_of",
            "stage",
            "progress",
            "summary",
            "loads",
            "error",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
        )
        read_only_fields = fields


class RunCreateSerializer(serializers.Serializer[dict[str, Any]]):
    scope = serializers.ChoiceField(choices=RunScope.choices)
    team = id_field(required=False, allow_null=True, default=None)
    customers = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        max_length=100_000,
        help_text="Customer ids, for scope=selection.",
    )


class RunItemSerializer(serializers.ModelSerializer[RunItem]):
    customer = CustomerRefSerializer(read_only=True)
    previous_owner = RepRefSerializer(read_only=True, allow_null=True)
    rep = RepRefSerializer(read_only=True, allow_null=True)
    change = serializers.SerializerMethodField()
    reasons = ReasonsField()

    class Meta:
        model = RunItem
        fields = (
            "customer",
            "previous_owner",
            "rep",
            "change",
            "priority",
            "tier",
            "score",
            "reasons",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["new", "kept", "moved", "unassigned"]))
    def get_change(self, item: RunItem) -> str:
        if item.rep_id is None:
            return "unassigned"
        if item.previous_owner_id is None:
            return "new"
        return "kept" if item.rep_id == item.previous_owner_id else "moved"


class HandoverSerializer(serializers.Serializer[dict[str, Any]]):
    #: a rep to take every customer; empty: the engine spreads them over the remaining reps
    successor = id_field(required=False, allow_null=True, default=None)
