"""The policy editor's forms: every policy value as a labelled field, routing rules as an
ordered formset.

A form field is named `<section>_<key>` after the TOML key it edits (`allocation.
balance_weight` → `allocation_balance_weight`), so the document for `policy_from_dict` is
built mechanically and an engine error naming a key lands on the right field.

Rule rows are added, removed and moved by rebuilding the formset from the submitted
values (`rule_rows` → `rule_rows_apply` → `RuleFormSet(initial=rows)`); the same
functions serve the htmx fragment and the plain submit buttons that work without JS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from fenpei.engine import Policy, PolicyError
from fenpei.engine.policy import MAX_DAYS, MAX_PERFORMANCE_MONTHS, policy_to_dict

RULES_PREFIX = "rules"
#: More rules than this in one post is not an edit but abuse; the rest are ignored.
MAX_RULES = 200
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")


def split_list(text: str) -> list[str]:
    """'上海、江苏, 浙江' → ['上海', '江苏', '浙江']: trimmed, no blanks, first order kept."""
    seen: dict[str, None] = {}
    for part in _LIST_SPLIT.split(text or ""):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def join_list(values: list[str]) -> str:
    return ", ".join(values)


def _number(label: Any, help_text: Any, **kwargs: Any) -> forms.FloatField:
    return forms.FloatField(label=label, help_text=help_text, **kwargs)


def _weight(label: Any, help_text: Any) -> forms.FloatField:
    return _number(label, help_text, min_value=0)


def _points(label: Any) -> forms.FloatField:
    return _number(label, _("Between 0 and 1."), min_value=0, max_value=1)


def _bonus(label: Any, help_text: Any) -> forms.FloatField:
    return _number(label, help_text, min_value=0)


def _days(label: Any, help_text: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text, min_value=0, max_value=MAX_DAYS)


POOL_SCOPE_CHOICES = [
    ("team", _("Team: each team has its own pool, plus the customers not yet given to a team")),
    ("company", _("Company: one pool; every rep may claim any customer without an owner")),
]

SEGMENT_CHOICES = [
    ("industry", _("Industry")),
    ("region", _("Region")),
    ("tier", _("Tier")),
]

TERRITORY_CHOICES = [
    ("hard", _("Hard: only reps who cover the customer's region may take it")),
    ("soft", _("Soft: any rep may take it; covering the region adds the region bonus")),
    ("off", _("Off: regions are ignored")),
]


class PolicyForm(forms.Form):
    """All scalar policy values, with plain-words help, and the note of the change."""

    priority_value = _weight(
        _("Weight of potential value"), _("How much the estimated revenue counts in priority.")
    )
    priority_intent = _weight(
        _("Weight of intent"), _("How much the customer's willingness counts in priority.")
    )
    priority_newness = _weight(
        _("Weight of newness"), _("How much being a new customer counts in priority.")
    )
    priority_history = _weight(
        _("Weight of history"),
        _("How much past deals (amount won and how recent) count in priority."),
    )
    intent_high = _points(_("Points for high intent"))
    intent_medium = _points(_("Points for medium intent"))
    intent_low = _points(_("Points for low intent"))
    intent_unknown = _points(_("Points for unknown intent"))
    value_unit = _number(
        _("Value unit (yuan)"),
        _("Potential value is scored on a log scale starting from this amount."),
        min_value=1,
    )
    value_full = _number(
        _("Full-score value (yuan)"),
        _("A potential value of this amount or more gets the full value score."),
        min_value=1,
    )
    history_full = _number(
        _("Full-score deal amount (yuan)"),
        _("Past deals adding up to this amount get the full amount score."),
        min_value=1,
    )
    history_half_life_days = _number(
        _("Recency half-life (days)"),
        _("A deal this many days ago counts half as much as one made today."),
        min_value=1,
    )
    tiers_a = _number(
        _("Tier A from priority"),
        _("Customers with priority at least this are tier A."),
        min_value=0,
        max_value=100,
    )
    tiers_b = _number(
        _("Tier B from priority"),
        _("Customers with priority at least this (and below A) are tier B; the rest are C."),
        min_value=0,
        max_value=100,
    )
    fit_industry = _bonus(
        _("Industry bonus"), _("Added to fit when the rep knows the customer's industry.")
    )
    fit_product = _bonus(
        _("Product bonus"),
        _("Times the share of the customer's product needs that the rep sells."),
    )
    fit_level = _bonus(
        _("Level bonus"),
        _("Added when the rep's level suits the tier: A to senior, B to mid-level, C to junior."),
    )
    fit_incumbent = _bonus(
        _("Current owner bonus"),
        _("Added for the customer's current owner, so customers do not move without reason."),
    )
    fit_region = _bonus(
        _("Region bonus"),
        _("Added when the rep covers the customer's region (only when territory is soft)."),
    )
    performance_weight = _bonus(
        _("Track record bonus"),
        _(
            "Added to fit when the rep wins more often than the team with customers like "
            "this one: this much at twice the team's win rate, in proportion below that, "
            "nothing at or under the team's rate. 0 turns learning from results off."
        ),
    )
    performance_prior_deals = _number(
        _("Team rate counts as (deals)"),
        _(
            "A rep's win rate is shrunk towards the team's: (wins + this × team rate) ÷ "
            "(deals + this). Larger trusts a short record less."
        ),
        min_value=0,
    )
    performance_min_deals = forms.IntegerField(
        label=_("Fewest deals for a segment"),
        help_text=_(
            "A segment is used only when the rep has closed at least this many deals in it; "
            "otherwise the next, broader segment is used."
        ),
        min_value=1,
        max_value=MAX_DAYS,
    )
    performance_months = forms.IntegerField(
        label=_("Deals of the last (months)"),
        help_text=_("Only deals closed in this many months before the run count."),
        min_value=1,
        max_value=MAX_PERFORMANCE_MONTHS,
    )
    performance_segments = forms.MultipleChoiceField(
        label=_("Segments"),
        choices=SEGMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "What makes customers alike. With too few deals, the last ticked is dropped "
            "first (tier, then region, then industry), down to all the rep's deals."
        ),
    )
    allocation_coverage_weight = _number(
        _("Coverage weight M"),
        _(
            "Points for every customer given out. Large M means: while any rep has capacity "
            "left, no customer is left unassigned, even a poor match."
        ),
        min_value=0,
    )
    allocation_balance_weight = _number(
        _("Balance weight λ"),
        _(
            "Cost of loading up one rep. 0 means pure best match; larger means workloads "
            "are kept even, at some cost in match quality."
        ),
        min_value=0,
    )
    allocation_default_capacity = forms.IntegerField(
        label=_("Default capacity"),
        help_text=_("Most customers a rep may own when their own capacity is empty."),
        min_value=0,
    )
    allocation_territory = forms.ChoiceField(
        label=_("Territory"),
        choices=TERRITORY_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("Whether a rep's regions limit which customers they may get."),
    )
    allocation_route_new = forms.BooleanField(
        label=_("Route new customers at once"),
        required=False,
        help_text=_(
            "A customer created one at a time (API or form) gets the rep that adds most to "
            "the objective given current loads, the moment it is created."
        ),
    )
    allocation_route_imports = forms.BooleanField(
        label=_("Route imported customers at once"),
        required=False,
        help_text=_(
            "New customers of a confirmed import get their reps at once, in one optimal "
            "allocation. Off: allocate them with a run you preview first."
        ),
    )
    pool_scope = forms.ChoiceField(
        label=_("Pool scope"),
        choices=POOL_SCOPE_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("Which customers without an owner a rep may see and claim."),
    )
    pool_claims_per_day = _days(
        _("Claims per day"), _("Most customers one rep may claim from the pool in a day; 0: none.")
    )
    pool_cooldown_days = _days(
        _("Cooldown (days)"),
        _("A rep who owned a customer waits this long before claiming it again; 0: no wait."),
    )
    pool_reclaim_no_followup_days = _days(
        _("Reclaim after days without follow-up"),
        _(
            "An owned customer goes back to the pool after this many days without a "
            "follow-up, counted from the later of the last follow-up and the day the owner "
            "got it; 0: off."
        ),
    )
    pool_reclaim_no_deal_days = _days(
        _("Reclaim after days without a deal"),
        _(
            "An owned customer goes back to the pool after this many days without a deal, "
            "counted from the later of the last deal and the day the owner got it; 0: off."
        ),
    )
    pool_warn_days = _days(
        _("Warn days before"),
        _("The owner is warned this many days before a customer goes back; 0: no warning."),
    )
    rebalance_move_cost = _number(
        _("Cost of moving a customer"),
        _(
            "Points a rebalance gives up for every customer it moves to another rep: the "
            "higher, the fewer customers change hands for the same gain."
        ),
        min_value=0,
        max_value=100_000,
    )
    note = forms.CharField(
        label=_("Why this change"),
        max_length=200,
        required=False,
        help_text=_("Shown in the version history, so the team knows the reason."),
    )

    def make_read_only(self) -> None:
        for field in self.fields.values():
            field.disabled = True


TIER_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]
INTENT_CHOICES = [
    ("high", _("high")),
    ("medium", _("medium")),
    ("low", _("low")),
    ("unknown", _("unknown")),
]


class RuleForm(forms.Form):
    """One routing rule: when a customer matches, only these teams or reps may take it."""

    name = forms.CharField(label=_("Rule name"), max_length=200)
    regions = forms.CharField(label=_("Regions"), required=False, help_text=_("Empty: any region."))
    industries = forms.CharField(
        label=_("Industries"), required=False, help_text=_("Empty: any industry.")
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"),
        choices=TIER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any tier."),
    )
    intents = forms.MultipleChoiceField(
        label=_("Intents"),
        choices=INTENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any intent."),
    )
    min_value = forms.FloatField(
        label=_("Potential value from (yuan)"), required=False, help_text=_("Empty: no minimum.")
    )
    max_value = forms.FloatField(
        label=_("Potential value up to (yuan)"), required=False, help_text=_("Empty: no maximum.")
    )
    teams = forms.CharField(
        label=_("Teams"),
        required=False,
        help_text=_("Team names that may take matching customers."),
    )
    reps = forms.CharField(
        label=_("Reps"),
        required=False,
        help_text=_("Employee numbers or names of reps that may take matching customers."),
    )
    ignore_territory = forms.BooleanField(
        label=_("Ignore territory"),
        required=False,
        help_text=_("The listed teams or reps may take matching customers from any region."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not split_list(data.get("teams", "")) and not split_list(data.get("reps", "")):
            raise forms.ValidationError(_("Name at least one team or rep."), code="no_target")
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("Must not be below the minimum."))
        return data

    def make_read_only(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class BaseRuleFormSet(BaseFormSet[RuleForm]):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # Every row is a rule the user sees; a blank one is an error to fix or remove,
        # never silently dropped (Django would skip blank "extra" rows).
        return {"empty_permitted": False}

    def make_read_only(self) -> None:
        for form in self.forms:
            form.make_read_only()


RuleFormSet = cast(
    "type[BaseRuleFormSet]",
    formset_factory(RuleForm, formset=BaseRuleFormSet, extra=0, max_num=MAX_RULES),
)


class PolicyTomlForm(forms.Form):
    """The advanced alternative: the whole policy as TOML text."""

    toml = forms.CharField(
        label=_("Policy (TOML)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_("Keys left out take their defaults. Comments are kept in the version."),
    )
    note = forms.CharField(label=_("Why this change"), max_length=200, required=False)


# ------------------------------------------------------------------ policy ↔ form values


def _field_keys() -> tuple[tuple[str, str, str], ...]:
    keys = []
    for name in PolicyForm.base_fields:
        if name != "note":
            section, key = name.split("_", 1)
            keys.append((name, section, key))
    return tuple(keys)


#: (form field, TOML section, TOML key) for every scalar value.
FIELD_KEYS = _field_keys()


def _plain(value: Any) -> Any:
    """40.0 → 40 for display: a weight a person typed as 40 should read back as 40."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def policy_initial(policy: Policy) -> dict[str, Any]:
    doc = policy_to_dict(policy)
    return {name: _plain(doc[section][key]) for name, section, key in FIELD_KEYS}


def rules_initial(policy: Policy) -> list[dict[str, Any]]:
    rows = []
    for rule in policy_to_dict(policy)["rules"]:
        when = rule.get("when", {})
        rows.append(
            {
                "name": rule["name"],
                "regions": join_list(when.get("regions", [])),
                "industries": join_list(when.get("industries", [])),
                "tiers": when.get("tiers", []),
                "intents": when.get("intents", []),
                "min_value": _plain(when.get("min_value")),
                "max_value": _plain(when.get("max_value")),
                "teams": join_list(rule.get("teams", [])),
                "reps": join_list(rule.get("reps", [])),
                "ignore_territory": rule["ignore_territory"],
            }
        )
    return rows


def _rule_document(data: Mapping[str, Any]) -> dict[str, Any]:
    when: dict[str, Any] = {}
    for key in ("regions", "industries"):
        if values := split_list(data.get(key, "")):
            when[key] = values
    for key in ("tiers", "intents"):
        if data.get(key):
            when[key] = list(data[key])
    for key in ("min_value", "max_value"):
        if data.get(key) is not None:
            when[key] = data[key]
    return {
        "name": data["name"],
        "when": when,
        "teams": split_list(data.get("teams", "")),
        "reps": split_list(data.get("reps", "")),
        "ignore_territory": bool(data.get("ignore_territory")),
    }


def policy_document(form: PolicyForm, rules: BaseRuleFormSet) -> dict[str, Any]:
    """The document for `policy_from_dict` from a valid form and formset, rules in order."""
    doc: dict[str, Any] = {}
    for name, section, key in FIELD_KEYS:
        doc.setdefault(section, {})[key] = form.cleaned_data[name]
    doc["rules"] = [_rule_document(f.cleaned_data) for f in rules.forms]
    return doc


_KEY_ERROR = re.compile(r"^(?P<section>[a-z_]+)\.(?P<key>[a-z_]+)\b")
_SECTION_ERROR = re.compile(r"^(?P<section>[a-z_]+):")
_RULE_ERROR = re.compile(r"^rules\[(?P<index>\d+)\](?:\.when)?(?:\.(?P<key>[a-z_]+))?")
#: Errors about a whole section that concern one field most.
_SECTION_FIELD = {"tiers": "tiers_b"}


def policy_error_attach(error: PolicyError, form: PolicyForm, rules: BaseRuleFormSet) -> None:
    """Put the engine's message on the field (or rule) its key names; else on the form."""
    message = str(error)
    if match := _RULE_ERROR.match(message):
        index = int(match["index"])
        if index < len(rules.forms):
            rule_form = rules.forms[index]
            key = match["key"]
            rule_form.add_error(key if key in rule_form.fields else None, message)
            return
    field: str | None = None
    if match := _KEY_ERROR.match(message):
        field = f"{match['section']}_{match['key']}"
    elif match := _SECTION_ERROR.match(message):
        field = _SECTION_FIELD.get(match["section"])
    form.add_error(field if field in form.fields else None, message)


# ------------------------------------------------------------------ rule rows (add, move …)


def _read_values(
    form_class: type[forms.Form], data: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    """What the user typed into one form, as initial values for an unbound copy."""
    values: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        html_name = f"{prefix}-{name}" if prefix else name
        values[name] = field.widget.value_from_datadict(data, {}, html_name)
    return values


def policy_values(data: Mapping[str, Any]) -> dict[str, Any]:
    return _read_values(PolicyForm, data, "")


def rule_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The submitted rule rows in order, exactly as typed."""
    try:
        total = int(data.get(f"{RULES_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    total = max(0, min(total, MAX_RULES))
    return [_read_values(RuleForm, data, f"{RULES_PREFIX}-{i}") for i in range(total)]


_ROW_ACTION = re.compile(r"^(?P<op>remove_rule|up|down)_(?P<index>\d+)$")


def is_rule_action(action: str) -> bool:
    return action == "add_rule" or _ROW_ACTION.match(action) is not None


def rule_rows_apply(rows: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """add_rule, remove_rule_N, up_N, down_N on a copy of the rows; others change nothing."""
    rows = list(rows)
    if action == "add_rule":
        if len(rows) < MAX_RULES:
            rows.append({"name": "", "ignore_territory": False, "tiers": [], "intents": []})
        return rows
    match = _ROW_ACTION.match(action)
    if match is None:
        return rows
    i, op = int(match["index"]), match["op"]
    if not 0 <= i < len(rows):
        return rows
    if op == "remove_rule":
        del rows[i]
    elif op == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif op == "down" and i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return rows


def rule_formset_from_rows(rows: list[dict[str, Any]]) -> BaseRuleFormSet:
    return RuleFormSet(initial=rows, prefix=RULES_PREFIX)
