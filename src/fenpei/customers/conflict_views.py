"""撞单 / 重复客户: the conflict list and the merge form, for managers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from fenpei.customers.conflicts import customers_merge, duplicate_groups
from fenpei.customers.models import Customer
from fenpei.teams.access import manager_of

GROUPS_PER_PAGE = 20


class _IdsField(forms.Field):
    """Several ids under one name (checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value or []
        if not all(str(v).isdigit() for v in values):
            raise ValidationError(_("Choose records from the list."))
        return [int(v) for v in values]


class MergeForm(forms.Form):
    survivor = forms.IntegerField(min_value=1)
    duplicates = _IdsField()
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, required=False, strip=True
    )


@login_required
@require_GET
def conflicts(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    groups = duplicate_groups(viewer)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "count": len(groups),
        "conflicts": sum(1 for g in groups if g.conflict),
    }
    return render(request, "customers/conflicts.html", context)


@login_required
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the record to keep and at least one to merge into it."))
        return redirect("conflicts:list")
    data = form.cleaned_data
    try:
        kept = customers_merge(viewer, data["survivor"], data["duplicates"], data["reason"])
    except Customer.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("conflicts:list")
    merged = len(set(data["duplicates"]) - {kept.pk})
    messages.success(
        request,
        ngettext(
            "%(count)d record merged into %(name)s; its history is kept here.",
            "%(count)d records merged into %(name)s; their history is kept here.",
            merged,
        )
        % {"count": merged, "name": kept.name},
    )
    return redirect("customers:detail", pk=kept.pk)
