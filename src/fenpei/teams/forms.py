"""Forms of the reps and teams pages. They parse input only; the rules (which teams a
manager may use, leave dates) live in fenpei.teams.services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fenpei.teams.access import Viewer, teams_visible_to
from fenpei.teams.models import Level, Rep, RepStatus, Team

_LIST_SPLIT = re.compile(r"[,，、;；/\n]+")


class ListField(forms.CharField):
    """'上海、江苏, 浙江' ⇄ ['上海', '江苏', '浙江']."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate with commas or 、."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RepFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("all")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *RepStatus.choices], required=False
    )

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams_visible_to(viewer).order_by("name", "pk")

    def selected_team_id(self) -> int | None:
        team = self.cleaned_data.get("team") if self.is_valid() else None
        return team.pk if team is not None else None

    def selected_status(self) -> str:
        return str(self.cleaned_data.get("status") or "") if self.is_valid() else ""


class RepForm(forms.Form):
    """A rep's profile as a manager edits it."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    level = forms.TypedChoiceField(label=_("Level"), choices=Level.choices, coerce=int)
    regions = ListField(label=_("Regions"))
    industries = ListField(label=_("Industries"))
    products = ListField(label=_("Products"))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=0,
        help_text=_("Most customers this rep may own. Empty: the policy's default."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=RepStatus.choices)
    leave_from = forms.DateField(label=_("Leave from"), required=False, widget=DateInput())
    leave_until = forms.DateField(
        label=_("Leave until"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Only for status “on leave”. Either date may be empty; both empty means on "
            "leave until set back to active."
        ),
    )

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams_visible_to(viewer).order_by("name", "pk")
        # An admin may leave a rep without a team; a manager may not (see services).
        field.required = not viewer.is_admin

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RepForm.base_fields}


def rep_form_initial(rep: Rep) -> dict[str, Any]:
    return {name: getattr(rep, name) for name in RepForm.base_fields}


class RepCreateForm(RepForm):
    key = forms.CharField(label=_("Employee no."), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=100)
    username = forms.CharField(
        label=_("Login name"),
        max_length=150,
        required=False,
        help_text=_("Optional: give the rep a login now. Leave empty to add one later."),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    field_order = ("key", "name", "team", "level", "username", "password")

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        for name in ("key", "name", "username", "password"):
            fields[name] = self.cleaned_data[name]
        return fields


def _users() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).order_by("username", "pk")


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("The login that manages this team: they see and allocate its customers."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["manager"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _users()


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: on the named field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else None
        for item in errors:
            form.add_error(None if field == NON_FIELD_ERRORS else target, item)
