"""Forms of the appeal pages: input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.appeals.models import AppealKind


class AppealForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Appeal"),
        choices=[
            (AppealKind.HAND_BACK, _("Hand this customer back (退回/转给他人)")),
            (AppealKind.CLAIM, _("This customer should be mine")),
        ],
        widget=forms.RadioSelect,
    )
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    customer_ref = forms.CharField(
        label=_("Customer no. or name"),
        required=False,
        max_length=200,
        help_text=_(
            "For a customer a colleague holds: its customer no., company name, credit code "
            "or phone."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)
    attachment = forms.FileField(label=_("Attachment (optional, at most 5 MB)"), required=False)


class DecisionForm(forms.Form):
    target = forms.TypedChoiceField(
        label=_("Give the customer to"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea)

    def __init__(self, *args: object, targets: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["target"].choices = targets  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea)
