"""The dashboards' filter form (GET): period, team, rep. The team and rep choices are the
viewer's own, so a hand-edited id outside them is simply not a choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fenpei.dashboards.periods import DEFAULT_PERIOD, PERIODS, Period, period_of
from fenpei.teams.models import Rep, Team


@dataclass(frozen=True, slots=True)
class Filters:
    period: Period
    team_id: int | None
    rep_id: int | None


class DashboardForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), choices=list(PERIODS.items()), required=False, initial=DEFAULT_PERIOD
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    rep = forms.TypedChoiceField(label=_("Rep"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, data: Any, *, teams: Sequence[Team], reps: Sequence[Rep], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        everyone = [("", _("All"))]
        team_field = self.fields["team"]
        rep_field = self.fields["rep"]
        assert isinstance(team_field, forms.TypedChoiceField)
        assert isinstance(rep_field, forms.TypedChoiceField)
        team_field.choices = everyone + [(str(t.pk), t.name) for t in teams]
        rep_field.choices = everyone + [(str(r.pk), f"{r.name} ({r.key})") for r in reps]

    def filters(self, today: date) -> Filters:
        """The filters asked for; anything invalid falls back to its default."""
        data: dict[str, Any] = {}
        if self.is_valid():
            data = self.cleaned_data
        else:  # keep the valid fields of a partly wrong query
            data = {k: v for k, v in getattr(self, "cleaned_data", {}).items()}
        key = data.get("period") or DEFAULT_PERIOD
        period = period_of(key, today, data.get("start"), data.get("end"))
        return Filters(period, data.get("team"), data.get("rep"))

    @classmethod
    def showing(
        cls, filters: Filters, *, teams: Sequence[Team], reps: Sequence[Rep]
    ) -> DashboardForm:
        """The form as the page shows it: the filters in effect (a bad value asked for
        shows what was used instead), with the period's dates in From and To."""
        initial = {
            "period": filters.period.key,
            "start": filters.period.start,
            "end": filters.period.end,
            "team": filters.team_id,
            "rep": filters.rep_id,
        }
        return cls(None, teams=teams, reps=reps, initial=initial)
