"""Forms of the pool pages: parsing only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.customers.forms import IdsField

#: most customers one return may carry
MAX_RETURN = 1000


class ReturnForm(forms.Form):
    ids = IdsField()
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Required: kept in the ownership history and shown to the team."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_ids(self) -> list[int]:
        ids: list[int] = self.cleaned_data["ids"]
        if not ids:
            raise forms.ValidationError(_("Select at least one customer."))
        if len(ids) > MAX_RETURN:
            raise forms.ValidationError(_("Too many customers at once."))
        return ids
