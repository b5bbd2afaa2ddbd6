"""The pool pages (公海): the list a rep claims from (htmx, and plain forms without JS),
and a manager's return-to-pool form with its required reason.

Views parse input, call one selector or service and render; the services decide and
word every refusal (who was faster, the daily limit, capacity, 撞单 …).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fenpei.allocation.selectors import policy_current
from fenpei.customers.forms import IdsField
from fenpei.customers.models import Customer
from fenpei.customers.selectors import CustomerFilters, customers_visible_to, table_choices
from fenpei.pool.forms import ReturnForm
from fenpei.pool.selectors import claims_left, pool_customers
from fenpei.pool.services import customer_claim, customers_return
from fenpei.teams.access import Viewer, viewer_of

PAGE_SIZE = 50


def _is_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _pool_viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    # Outsiders have no pool at all (403), as they have no table.
    if not (viewer.can_manage or viewer.rep_id is not None):
        raise PermissionDenied
    return viewer


def _claims_left(viewer: Viewer) -> int | None:
    if viewer.rep_id is None:
        return None
    return claims_left(viewer.rep_id, policy_current().pool, timezone.localdate())


@login_required
@require_safe
def pool_page(request: HttpRequest) -> HttpResponse:
    viewer = _pool_viewer(request)
    filters = CustomerFilters.from_params(request.GET)
    page = Paginator(pool_customers(viewer, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "filters": filters,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "rules": policy_current().pool,
        "claims_left": _claims_left(viewer),
        "can_claim": viewer.rep_id is not None,
    }
    if _is_fragment(request):
        return render(request, "pool/_list.html", context)
    choices = table_choices(viewer)
    context["regions"], context["industries"] = choices.regions, choices.industries
    return render(request, "pool/pool.html", context)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """领取: with htmx the row is replaced by the outcome (and the counter updated);
    without JS the pool page comes back with the outcome as a message."""
    viewer = _pool_viewer(request)
    error = ""
    customer: Customer | None = None
    try:
        customer = customer_claim(viewer, pk)
    except Customer.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if _is_fragment(request):
        row = customer or customers_visible_to(viewer).filter(pk=pk).first()
        context = {"c": row, "pk": pk, "error": error, "claims_left": _claims_left(viewer)}
        # 200 even when refused: htmx swaps only successful responses, and the refusal
        # (who was faster, the day's limit …) is what the row must show.
        return render(request, "pool/_claimed.html", context)
    if error:
        messages.error(request, error)
    else:
        assert customer is not None
        messages.success(request, _("%(name)s is yours now.") % {"name": customer.name})
    return redirect(_safe_next(request, request.POST.get("next", ""), reverse("pool:page")))


def _safe_next(request: HttpRequest, value: str, default: str) -> str:
    """Back where the form was, if that is a page of this site."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return default


@login_required
@require_http_methods(["GET", "POST"])
def return_to_pool(request: HttpRequest) -> HttpResponse:
    """退回公海: the selected customers (`ids`, from the table or a customer page) go
    back with a required reason. GET shows the form for the ids given."""
    viewer = viewer_of(request.user)
    if not viewer.can_manage:
        raise PermissionDenied
    if request.method == "POST":
        form = ReturnForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = customers_return(viewer, data["ids"], data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d customer returned to the pool.",
                        "%(count)d customers returned to the pool.",
                        count,
                    )
                    % {"count": count},
                )
                back = _safe_next(request, data.get("next", ""), reverse("customers:table"))
                return redirect(back)
    else:
        form = ReturnForm(
            initial={"ids": request.GET.getlist("ids"), "next": request.GET.get("next", "")}
        )
    raw = request.POST.getlist("ids") if form.is_bound else request.GET.getlist("ids")
    ids = IdsField().to_python(raw)
    chosen = list(
        customers_visible_to(viewer).filter(pk__in=ids, owner__isnull=False).order_by("key")[:200]
    )
    return render(request, "pool/return.html", {"form": form, "chosen": chosen})
