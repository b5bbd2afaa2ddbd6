"""Customer pages: the allocation table (客户分配表), one customer, its edit form, the
reasons of its owner, the Excel export and a rep's own customers (我的客户).

Views parse input, call one selector or service and render; every queryset comes from
the viewer's access filters (a customer the viewer may not see is a 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fenpei.allocation.reasons import reason_lines
from fenpei.allocation.selectors import (
    assignments_of_customer,
    current_assignment,
    policy_current,
)
from fenpei.allocation.services import customers_assign, run_create
from fenpei.customers.export import customers_xlsx
from fenpei.customers.forms import BulkForm, CustomerForm
from fenpei.customers.models import Customer, Intent, Stage
from fenpei.customers.paging import TablePaginator
from fenpei.customers.selectors import (
    SORT_FIELDS,
    CustomerFilters,
    customer_export_rows,
    customer_get,
    customers_table,
    customers_visible_to,
    my_customers,
    reps_assignable,
    reps_assignable_loads,
    table_choices,
)
from fenpei.customers.services import EDITABLE_FIELDS, customer_update
from fenpei.pool.services import customers_return
from fenpei.teams.access import Viewer, manager_of, reps_visible_to, viewer_of

PAGE_SIZE = 50
#: columns of the table: checkbox (managers) + 11
TABLE_COLUMNS = 11
#: sort keys whose first click sorts high to low (the big numbers matter first)
DESCENDING_FIRST = frozenset({"priority", "value", "updated"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_fragment(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a history restore, which needs it all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _customer_or_404(viewer: Viewer, pk: int) -> Customer:
    try:
        return customer_get(viewer, pk)
    except Customer.DoesNotExist:
        raise Http404 from None


def _require_table_access(viewer: Viewer) -> None:
    # Outsiders have no table at all (403), not an empty one: nothing to explain.
    if not (viewer.can_manage or viewer.rep_id is not None):
        raise PermissionDenied


def _colspan(viewer: Viewer) -> int:
    return TABLE_COLUMNS + (1 if viewer.can_manage else 0)


# ------------------------------------------------------------------------- table


def _sort_links(request: HttpRequest, filters: CustomerFilters) -> dict[str, dict[str, str]]:
    """Per sortable column: the URL that sorts by it (toggling when it is the current
    sort, back to page 1) and the arrow to show."""
    links = {}
    for key in SORT_FIELDS:
        if filters.sort_key == key:
            target = key if filters.descending else f"-{key}"
            arrow = "↓" if filters.descending else "↑"
        else:
            target = f"-{key}" if key in DESCENDING_FIRST else key
            arrow = ""
        query = request.GET.copy()
        query["sort"] = target
        query.pop("page", None)
        links[key] = {"url": f"?{query.urlencode()}", "arrow": arrow}
    return links


#: stands for a customer's id in a URL reversed once per page
_PK = 987654321


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of the table with what the template would otherwise work out per row: two
    URL reversals and two choice labels per row were about a sixth of its CPU time."""

    customer: Customer
    detail_url: str
    reasons_url: str
    intent: str
    stage: str


def _table_rows(customers: Iterable[Customer]) -> list[TableRow]:
    detail = reverse("customers:detail", args=[_PK])
    why = reverse("customers:reasons", args=[_PK])
    intents = {value: str(label) for value, label in Intent.choices}
    stages = {value: str(label) for value, label in Stage.choices}
    return [
        TableRow(
            c,
            detail.replace(str(_PK), str(c.pk)),
            why.replace(str(_PK), str(c.pk)),
            intents.get(c.intent, str(c.intent)),
            stages.get(c.stage, c.stage),
        )
        for c in customers
    ]


@login_required
@require_safe
def table(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request.user)
    _require_table_access(viewer)
    filters = CustomerFilters.from_params(request.GET)
    customers = customers_table(viewer, filters)
    paginator = TablePaginator(customers, PAGE_SIZE, selective=bool(filters.q))
    page = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "filters": filters,
        "page": page,
        "rows": _table_rows(page.object_list),
        "page_range": paginator.page_links(page),
        "sorts": _sort_links(request, filters),
        "can_bulk": viewer.can_manage,
        "colspan": _colspan(viewer),
        # names only: the loads come with bulk_reps when the bulk bar is used
        "reps": reps_assignable(viewer) if viewer.can_manage else [],
        "query": request.GET.urlencode(),
    }
    if _is_fragment(request):
        response = render(request, "customers/_table.html", context)
    else:
        context["choices"] = table_choices(viewer)
        context["stages"] = Stage.choices
        response = render(request, "customers/table.html", context)
    # The same URL answers with a fragment or a page: caches must keep both apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_safe
def bulk_reps(request: HttpRequest) -> HttpResponse:
    """The bulk bar's rep list with each rep's load and capacity (htmx, fetched when the
    bar is used, so the table itself never counts the reps' customers)."""
    viewer = manager_of(request.user)
    rep = (request.GET.get("rep") or "").strip()
    return render(
        request,
        "customers/_bulk_reps.html",
        {"reps": reps_assignable_loads(viewer), "selected": int(rep) if rep.isdigit() else None},
    )


def _table_url(query: str) -> str:
    """The table with the given filters; the query string is re-encoded, never echoed."""
    encoded = QueryDict(query[:2000]).urlencode()
    return reverse("customers:table") + (f"?{encoded}" if encoded else "")


def _run_url(pk: int) -> str:
    try:
        return reverse("allocation:run", args=[pk])
    except NoReverseMatch:  # the run pages ship separately; this is where they live
        return f"/runs/{pk}/"


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return _("You may not change these customers.")
    return " ".join(exc.messages)


def _bulk_message(action: str, count: int, rep_name: str) -> str:
    if action == BulkForm.ASSIGN:
        return ngettext(
            "%(count)d customer assigned to %(rep)s.",
            "%(count)d customers assigned to %(rep)s.",
            count,
        ) % {"count": count, "rep": rep_name}
    return ngettext(
        "%(count)d customer returned to the pool.",
        "%(count)d customers returned to the pool.",
        count,
    ) % {"count": count}


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign, release or allocate the ticked customers, then back to the same view."""
    viewer = viewer_of(request.user)
    if not viewer.can_manage:
        raise PermissionDenied
    form = BulkForm(request.POST)
    back = _table_url(request.POST.get("query", ""))
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    action, ids, note = data["action"], data["ids"], data["note"]
    try:
        if action == BulkForm.RUN:
            run = run_create(viewer, scope="selection", customer_ids=ids)
            return redirect(_run_url(run.pk))
        if action == BulkForm.ASSIGN:
            count = customers_assign(viewer, ids, data["rep"], note)
            rep_name = reps_visible_to(viewer).get(pk=data["rep"]).name
        else:
            # The pool's own service: a reason is required and kept in the pool log.
            count = customers_return(viewer, ids, note)
            rep_name = ""
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _bulk_message(action, count, rep_name))
    return redirect(back)


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The current view of the table (all pages, same filters and sort) as .xlsx."""
    viewer = viewer_of(request.user)
    if not viewer.can_manage:
        raise PermissionDenied
    filters = CustomerFilters.from_params(request.GET)
    data = customers_xlsx(customer_export_rows(viewer, filters))
    response = HttpResponse(data, content_type=XLSX)
    name = f"customers-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------- customer


@login_required
@require_safe
def reasons(request: HttpRequest, pk: int) -> HttpResponse:
    """Why the customer's current owner has it: a table row (htmx) or a small page."""
    viewer = viewer_of(request.user)
    customer = _customer_or_404(viewer, pk)
    assignment = current_assignment(customer.pk)
    context = {
        "customer": customer,
        "assignment": assignment,
        "lines": reason_lines(assignment.reasons) if assignment else [],
        "colspan": _colspan(viewer),
    }
    if _is_fragment(request):
        return render(request, "customers/_reasons_row.html", context)
    return render(request, "customers/reasons.html", context)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    customer = _customer_or_404(viewer, pk)
    history = [(a, reason_lines(a.reasons)) for a in assignments_of_customer(customer.pk)]
    return render(
        request,
        "customers/detail.html",
        {"customer": customer, "history": history, "can_edit": viewer.can_manage},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request.user)
    if not viewer.can_manage:  # reps may not edit, not even their own customers
        raise PermissionDenied
    customer = _customer_or_404(viewer, pk)
    title = customer.name  # the form changes the instance in memory while validating
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        policy = policy_current()
        try:
            customer_update(viewer, customer, policy, timezone.localdate(), **form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request, "customers/edit.html", {"customer": customer, "title": title, "form": form}
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """A manager adds one customer; when the policy routes new customers, it gets its
    best rep at once and the page says who and why. A rep adds their own lead, which
    becomes theirs; a company already on file is refused (撞单) naming who holds it."""
    from fenpei.allocation.routing import (  # noqa: PLC0415
        DuplicateCustomer,
        customer_create,
        duplicate_holder,
        duplicate_message,
    )

    viewer = viewer_of(request.user)
    if not (viewer.can_manage or (viewer.is_rep and viewer.rep_id is not None)):
        raise PermissionDenied
    form = CustomerForm(request.POST or None)
    duplicate: Customer | None = None
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in EDITABLE_FIELDS}
        try:
            routed = customer_create(viewer, fields)
        except DuplicateCustomer as exc:
            duplicate = exc.existing
            if customers_visible_to(viewer).filter(pk=duplicate.pk).exists():
                form.add_error(None, _("This customer already exists."))
            else:
                label = getattr(Customer._meta.get_field(exc.field), "verbose_name", exc.field)
                form.add_error(None, duplicate_message(label, duplicate_holder(duplicate)))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if not viewer.can_manage:
                messages.success(request, _("Customer added to your own customers."))
            elif routed.rep is not None:
                messages.success(
                    request,
                    _("Customer created and given to %(rep)s at once.") % {"rep": routed.rep.name},
                )
            elif routed.routed:
                messages.warning(
                    request,
                    _("Customer created; it stays in the pool: %(why)s")
                    % {"why": " ".join(reason_lines(routed.reasons))},
                )
            else:
                messages.success(request, _("Customer created in the pool."))
            return redirect("customers:detail", pk=routed.customer.pk)
    visible = None
    if duplicate is not None:
        visible = customers_visible_to(viewer).filter(pk=duplicate.pk).first()
    return render(
        request,
        "customers/new.html",
        {
            "form": form,
            "duplicate": duplicate,
            "duplicate_visible": visible,
            "can_manage": viewer.can_manage,
        },
    )


# -------------------------------------------------------------------------- mine


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """我的客户: the viewer's own customers, each with why it is theirs."""
    viewer = viewer_of(request.user)
    if viewer.rep_id is None:
        raise Http404
    data = my_customers(viewer)
    lines = {pk: reason_lines(r) for pk, r in data.reasons.items()}
    rows = [(c, lines.get(c.pk, [])) for c in data.customers]
    return render(request, "customers/mine.html", {"mine": data, "rows": rows})
