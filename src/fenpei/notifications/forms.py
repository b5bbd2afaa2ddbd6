from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.notifications.models import NotificationKind, WebhookChannel
from fenpei.teams.models import Team


class WebhookChannelForm(forms.ModelForm[WebhookChannel]):
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(k.value, k.label) for k in NotificationKind if k != NotificationKind.APPEAL],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all of them."),
    )

    url = forms.URLField(label=_("webhook URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookChannel
        fields = ("name", "team", "kind", "url", "secret", "enabled", "event_kinds")

    def __init__(self, *args: Any, teams: Any = None, company: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown again on edit: the manager pasted it and may need to check it.
        self.fields["secret"].widget = forms.PasswordInput(render_value=True)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams if teams is not None else Team.objects.all()
        # Only an admin may make a company-wide channel (no team).
        team_field.required = not company
