"""The policy editor (分配策略), its version history and downloads.

Reads are open to everyone with a role (reps should know the rules that give them
customers); every POST needs an editor (admin or manager), see policy_services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fenpei.allocation.models import PolicyVersion
from fenpei.allocation.policy_forms import (
    BaseRuleFormSet,
    PolicyForm,
    PolicyTomlForm,
    RuleFormSet,
    is_rule_action,
    policy_document,
    policy_error_attach,
    policy_initial,
    policy_values,
    rule_formset_from_rows,
    rule_rows,
    rule_rows_apply,
    rules_initial,
)
from fenpei.allocation.policy_selectors import (
    policy_diff,
    policy_history_rows,
    policy_readable_by,
    policy_version_get,
    policy_version_previous,
    policy_versions,
)
from fenpei.allocation.policy_services import policy_version_activate, policy_version_create
from fenpei.allocation.selectors import policy_active, policy_current
from fenpei.engine import PolicyError
from fenpei.engine.policy import policy_from_dict, policy_to_toml
from fenpei.teams.access import Viewer, reps_visible_to, teams_visible_to, viewer_of

HISTORY_PAGE_SIZE = 20


def _reader(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    if not policy_readable_by(viewer):
        raise PermissionDenied
    return viewer


def policy_saved(request: HttpRequest, version: PolicyVersion) -> HttpResponse:
    """Back to the policy page, saying which version is now in force (editor, TOML, what-if)."""
    messages.success(
        request,
        _("Policy saved as version %(number)s; it is now active.") % {"number": version.number},
    )
    return redirect("allocation:policy")


def _editor(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request.user)
    if not viewer.can_manage:
        raise PermissionDenied
    return viewer


def _version(number: int) -> PolicyVersion:
    try:
        return policy_version_get(number)
    except PolicyVersion.DoesNotExist as exc:
        raise Http404 from exc


def _editor_page(
    request: HttpRequest,
    viewer: Viewer,
    form: PolicyForm,
    rules: BaseRuleFormSet,
    *,
    toml_form: PolicyTomlForm | None = None,
    status: int = 200,
) -> HttpResponse:
    active = policy_active()
    if not viewer.can_manage:
        form.make_read_only()
        rules.make_read_only()
    context: dict[str, Any] = {
        "form": form,
        "rules": rules,
        "active": active,
        "can_edit": viewer.can_manage,
        "toml_form": toml_form or PolicyTomlForm(initial={"toml": active.toml}),
        "team_names": list(
            teams_visible_to(viewer).order_by("name", "pk").values_list("name", flat=True)
        ),
        "rep_keys": list(
            reps_visible_to(viewer).order_by("key", "pk").values_list("key", flat=True)[:50]
        ),
    }
    return render(request, "policy/editor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        viewer = _reader(request)
        engine_policy = policy_current()
        form = PolicyForm(initial=policy_initial(engine_policy))
        rules = RuleFormSet(initial=rules_initial(engine_policy), prefix="rules")
        return _editor_page(request, viewer, form, rules)
    viewer = _editor(request)
    action = request.POST.get("action", "save")
    if is_rule_action(action):
        # Without JS the rule buttons submit the whole form: re-render it as typed.
        form = PolicyForm(initial=policy_values(request.POST))
        rows = rule_rows_apply(rule_rows(request.POST), action)
        return _editor_page(request, viewer, form, rule_formset_from_rows(rows))
    return _policy_save(request, viewer)


def _policy_save(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = PolicyForm(request.POST)
    rules = RuleFormSet(request.POST, prefix="rules")
    if form.is_valid() and rules.is_valid():
        try:
            engine_policy = policy_from_dict(policy_document(form, rules))
            version = policy_version_create(
                viewer, policy_to_toml(engine_policy), form.cleaned_data["note"]
            )
        except PolicyError as exc:
            policy_error_attach(exc, form, rules)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return policy_saved(request, version)
    return _editor_page(request, viewer, form, rules)


@login_required
@require_POST
def policy_rules(request: HttpRequest) -> HttpResponse:
    """htmx: the rules formset with a row added, removed or moved."""
    viewer = _editor(request)
    rows = rule_rows_apply(rule_rows(request.POST), request.POST.get("action", ""))
    context = {"rules": rule_formset_from_rows(rows), "can_edit": viewer.can_manage}
    return render(request, "policy/_rules.html", context)


@login_required
@require_POST
def policy_toml_save(request: HttpRequest) -> HttpResponse:
    """The advanced editor: the whole policy as TOML text."""
    viewer = _editor(request)
    toml_form = PolicyTomlForm(request.POST)
    if toml_form.is_valid():
        try:
            version = policy_version_create(
                viewer, toml_form.cleaned_data["toml"], toml_form.cleaned_data["note"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                toml_form.add_error("toml", message)
        else:
            return policy_saved(request, version)
    engine_policy = policy_current()
    form = PolicyForm(initial=policy_initial(engine_policy))
    rules = RuleFormSet(initial=rules_initial(engine_policy), prefix="rules")
    return _editor_page(request, viewer, form, rules, toml_form=toml_form)


@login_required
@require_GET
def policy_history(request: HttpRequest) -> HttpResponse:
    viewer = _reader(request)
    page = Paginator(policy_versions(), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": policy_history_rows(list(page.object_list)),
        "can_edit": viewer.can_manage,
    }
    return render(request, "policy/history.html", context)


@login_required
@require_GET
def policy_version(request: HttpRequest, number: int) -> HttpResponse:
    viewer = _reader(request)
    version = _version(number)
    previous = policy_version_previous(version)
    context = {
        "version": version,
        "previous": previous,
        "diff": policy_diff(previous, version),
        "can_edit": viewer.can_manage,
    }
    return render(request, "policy/version.html", context)


@login_required
@require_POST
def policy_activate(request: HttpRequest, number: int) -> HttpResponse:
    viewer = _editor(request)
    try:
        version = policy_version_activate(viewer, number)
    except PolicyVersion.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(
        request, _("Version %(number)s is now the active policy.") % {"number": version.number}
    )
    return redirect("allocation:policy_history")


def _toml_download(version: PolicyVersion, filename: str) -> HttpResponse:
    response = HttpResponse(version.toml, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def policy_download(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return _toml_download(policy_active(), "policy.toml")


@login_required
@require_GET
def policy_version_download(request: HttpRequest, number: int) -> HttpResponse:
    _reader(request)
    return _toml_download(_version(number), f"policy-v{number}.toml")
