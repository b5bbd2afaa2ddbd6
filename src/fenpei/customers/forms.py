"""Forms of the customer pages: input parsing and field validation only; writes are
done by `fenpei.customers.services`."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from fenpei.customers.models import Customer
from fenpei.customers.services import EDITABLE_FIELDS

#: separators people use between products: 、 ， , ; ； /
PRODUCT_SEPARATORS = re.compile(r"[、，,;；/\n]+")


def products_split(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in PRODUCT_SEPARATORS.split(text):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


class ProductsField(forms.CharField):
    """A list of products typed as one line: "ERP、CRM, 云服务"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return products_split(super().to_python(value) or "")


class CustomerForm(forms.ModelForm[Customer]):
    products = ProductsField(
        label=_("product needs"),
        required=False,
        max_length=1000,
        help_text=_("Separate products with 、 or commas."),
    )

    class Meta:
        model = Customer
        fields = EDITABLE_FIELDS
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "last_deal": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.TextInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Amounts of money cannot be negative (the model allows it for imports' sake).
        for name in ("potential_value", "deal_amount"):
            field = self.fields[name]
            field.validators.append(MinValueValidator(0))
            field.widget.attrs["min"] = "0"

    def clean_credit_code(self) -> str:
        code: str = self.cleaned_data.get("credit_code") or ""
        return code.strip().upper()

    def clean_name(self) -> str:
        name: str = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("A customer needs a name."))
        return name

    def _get_validation_exclusions(self) -> set[str]:
        # `customer_update` checks the credit code's uniqueness inside its transaction and
        # names the field; the model constraint's own message would only say "constraint
        # … is violated". The form field still checks the code's length.
        return {*super()._get_validation_exclusions(), "credit_code"}  # type: ignore[misc]

    def changes(self) -> dict[str, Any]:
        """The cleaned values of the editable fields, for `customer_update`."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class IdsField(forms.Field):
    """Customer ids from the table's checkboxes (name="ids", many values)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return sorted({int(v) for v in values if str(v).strip().isdigit()})


class BulkForm(forms.Form):
    ASSIGN, RELEASE, RUN = "assign", "release", "run"

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ASSIGN, _("Assign to rep")),
            (RELEASE, _("Return to pool")),
            (RUN, _("Allocate selection")),
        ],
    )
    ids = IdsField(required=False)
    rep = forms.IntegerField(label=_("Rep"), required=False, min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    #: the table's query string, to come back to the same filtered view
    query = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("ids"):
            raise forms.ValidationError(_("Select at least one customer."))
        if data.get("action") == self.ASSIGN and not data.get("rep"):
            self.add_error("rep", _("Choose a rep."))
        return data
