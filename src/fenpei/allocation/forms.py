from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fenpei.allocation.models import RunScope
from fenpei.teams.models import Rep, Team


class RunForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Customers"),
        choices=[
            (RunScope.UNASSIGNED, _("all unassigned customers (the pool)")),
            (RunScope.TEAM, _("a whole team: may move owned customers to rebalance")),
        ],
        initial=RunScope.UNASSIGNED,
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("all my teams"),
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams


class HandoverForm(forms.Form):
    """交接 on a rep's page: to the best remaining reps, or all to one successor."""

    successor = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=Rep.objects.none(),
        required=False,
        empty_label=_("the best remaining reps (allocation rules)"),
    )

    def __init__(self, *args: Any, successors: QuerySet[Rep], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["successor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = successors
