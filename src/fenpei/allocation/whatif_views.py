"""The what-if page (模拟): a draft policy against the active one, then activate it or not.

Managers only (their teams; admins every team). The draft arrives as TOML: typed on this
page, or posted by the policy editor's "Try this in what-if" buttons (the TOML editor
posts its text; the form editor posts its fields, turned into TOML the way a save would).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fenpei.allocation.policy_forms import PolicyForm, RuleFormSet, policy_document
from fenpei.allocation.policy_views import policy_saved
from fenpei.allocation.selectors import policy_active
from fenpei.allocation.whatif import (
    DEFAULT_MONTHS,
    MAX_ARRIVALS,
    MAX_MONTHS,
    WhatIf,
    draft_parse,
    reason_label,
    whatif_activate,
    whatif_arrivals,
    whatif_current,
)
from fenpei.engine import PolicyError
from fenpei.engine.policy import policy_from_dict, policy_to_toml
from fenpei.engine.whatif import BookMetrics
from fenpei.teams.access import Viewer, manager_of, teams_visible_to
from fenpei.teams.models import Team


class WhatIfForm(forms.Form):
    toml = forms.CharField(
        label=gettext_lazy("Draft policy (TOML)"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "toml"}),
    )
    months = forms.IntegerField(
        label=gettext_lazy("Arrivals of the last (months)"),
        min_value=1,
        max_value=MAX_MONTHS,
        initial=DEFAULT_MONTHS,
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("All my teams"),
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams_visible_to(viewer).order_by("name", "pk")


class ActivateForm(forms.Form):
    toml = forms.CharField()
    note = forms.CharField(label=gettext_lazy("Why this change"), max_length=200, required=False)


def _editor_toml(data: QueryDict) -> tuple[str | None, str]:
    """The policy editor's form fields as TOML (None and the error when they are invalid)."""
    form = PolicyForm(data)
    rules = RuleFormSet(data, prefix="rules")
    if not (form.is_valid() and rules.is_valid()):
        return None, _("The policy form has errors: correct them in the editor first.")
    try:
        return policy_to_toml(policy_from_dict(policy_document(form, rules))), ""
    except PolicyError as exc:
        return None, str(exc)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _figures(result: WhatIf) -> list[dict[str, Any]]:
    """The side-by-side table: one row per figure, before / active / draft."""
    c = result.comparison
    sides: tuple[BookMetrics, BookMetrics, BookMetrics] = (c.before, c.active, c.draft)

    def row(label: str, values: list[Any], key: str) -> dict[str, Any]:
        return {"label": label, "key": key, "values": values}

    return [
        row(_("Assigned"), [s.assigned for s in sides], "assigned"),
        row(_("Unassigned"), [s.unassigned for s in sides], "unassigned"),
        row(_("Owner differs from today's"), ["—", c.active.changed, c.draft.changed], "changed"),
        row(_("moved to another rep"), ["—", c.active.moved, c.draft.moved], "moved"),
        row(_("from the pool to a rep"), ["—", c.active.new, c.draft.new], "new"),
        row(_("back to the pool"), ["—", c.active.released, c.draft.released], "released"),
        row(_("Load Gini"), [f"{s.fairness.load_gini:.3f}" for s in sides], "load_gini"),
        row(
            _("Potential value Gini"), [f"{s.fairness.value_gini:.3f}" for s in sides], "value_gini"
        ),
        row(
            _("Tier A with a senior rep"),
            [f"{s.tier_a_senior} / {s.tier_a} ({_percent(s.tier_a_senior_share)})" for s in sides],
            "tier_a_senior",
        ),
        row(
            _("Objective"),
            ["—", *(f"{s.objective:,.1f}" if s.objective is not None else "—" for s in sides[1:])],
            "objective",
        ),
    ]


def _matrix(result: WhatIf) -> list[dict[str, Any]]:
    c = result.comparison
    return [
        {"tier": tier, "active": c.active.tier_level[t], "draft": c.draft.tier_level[t]}
        for t, tier in enumerate(("A", "B", "C"))
    ]


def _reasons(metrics: BookMetrics) -> list[tuple[str, int]]:
    return [(reason_label(code), n) for code, n in metrics.unassigned_reasons[:3]]


def _chart(result: WhatIf) -> dict[str, Any]:
    return {
        "names": [ld.name for ld in result.loads],
        "before": [ld.before for ld in result.loads],
        "active": [ld.active for ld in result.loads],
        "draft": [ld.draft for ld in result.loads],
        "capacity": [ld.capacity for ld in result.loads],
    }


def _section(result: WhatIf | None, error: str) -> dict[str, Any] | None:
    if result is None:
        return {"error": error} if error else None
    return {
        "result": result,
        "figures": _figures(result),
        "matrix": _matrix(result),
        "reasons_active": _reasons(result.comparison.active),
        "reasons_draft": _reasons(result.comparison.draft),
        "chart": _chart(result),
        "differ_more": len(result.comparison.differ) - len(result.differ),
    }


def _labels() -> dict[str, str]:
    return {
        "before": _("today"),
        "active": _("active policy"),
        "draft": _("draft"),
        "capacity": _("capacity"),
    }


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("active", policy_active())
    context.setdefault("chart_labels", _labels())
    context.setdefault("max_arrivals", MAX_ARRIVALS)
    return render(request, "policy/whatif.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def whatif(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    if request.method != "POST":
        initial = {"toml": policy_active().toml, "months": DEFAULT_MONTHS}
        return _page(request, {"form": WhatIfForm(initial=initial, viewer=viewer)})
    if request.POST.get("action") == "activate":
        return _activate(request, viewer)
    data = request.POST.copy()
    data.setdefault("months", str(DEFAULT_MONTHS))  # the policy editor posts no months
    if "toml" not in data:  # posted by the policy editor's form
        text, error = _editor_toml(request.POST)
        data["toml"] = text or ""
        if text is None:
            form = WhatIfForm(data, viewer=viewer)
            form.is_valid()
            form.add_error(None, error)
            return _page(request, {"form": form}, status=400)
    return _compare(request, viewer, WhatIfForm(data, viewer=viewer))


def _compare(request: HttpRequest, viewer: Viewer, form: WhatIfForm) -> HttpResponse:
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    try:
        draft = draft_parse(form.cleaned_data["toml"])
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("toml", message)
        return _page(request, {"form": form}, status=400)
    team = form.cleaned_data["team"]
    team_id = team.pk if team is not None else None
    months = form.cleaned_data["months"]
    sections: dict[str, dict[str, Any] | None] = {}
    try:
        sections["current"] = _section(whatif_current(viewer, draft, team_id), "")
    except ValidationError as exc:
        sections["current"] = _section(None, " ".join(exc.messages))
    try:
        sections["arrivals"] = _section(whatif_arrivals(viewer, draft, team_id, months), "")
    except ValidationError as exc:
        sections["arrivals"] = _section(None, " ".join(exc.messages))
    context = {
        "form": form,
        "current": sections["current"],
        "arrivals": sections["arrivals"],
        "activate_form": ActivateForm(initial={"toml": form.cleaned_data["toml"]}),
        "draft_toml": form.cleaned_data["toml"],
        "months": form.cleaned_data["months"],
    }
    return _page(request, context)


def _activate(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = ActivateForm(request.POST)
    if form.is_valid():
        try:
            version = whatif_activate(viewer, form.cleaned_data["toml"], form.cleaned_data["note"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return policy_saved(request, version)
    back = WhatIfForm(
        initial={"toml": request.POST.get("toml", ""), "months": DEFAULT_MONTHS}, viewer=viewer
    )
    return _page(request, {"form": back}, status=400)
