"""Forms of the follow-up panel: they parse types only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fenpei.followups.models import Channel, DealResult

_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def local_now_text() -> str:
    """Now, as a datetime-local input shows it (minutes, local time)."""
    return timezone.localtime().strftime(_DATETIME_LOCAL)


class FollowUpForm(forms.Form):
    contact_at = forms.DateTimeField(
        label=_("Contact time"),
        input_formats=[_DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_LOCAL),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    note = forms.CharField(
        label=_("What was said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=200, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_due = forms.DateField(
        label=_("Next step due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"contact_at": local_now_text(), "channel": Channel.PHONE})
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        contact_at: datetime = data["contact_at"]
        if timezone.is_naive(contact_at):
            data["contact_at"] = timezone.make_aware(contact_at)
        return data


class DealForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=DealResult.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=16, decimal_places=2, required=False
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"closed_on": timezone.localdate(), "result": DealResult.WON})
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["amount"] is None:
            data["amount"] = Decimal(0)
        return data
