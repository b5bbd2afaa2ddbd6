from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.goals.models import PeriodKind
from fenpei.goals.services import FEEDBACK_MAX


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, required=False)
    start = forms.DateField(label=_("Containing day"), required=False)


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Feedback"), max_length=FEEDBACK_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
