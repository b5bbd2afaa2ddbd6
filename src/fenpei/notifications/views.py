"""The inbox (站内通知) and the webhook channels page. Views parse, call one service or
selector and render; a notification is looked up among the user's own, so another
user's is a 404, and outsiders get 403 like everywhere else."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fenpei.notifications.dispatch import webhook_channel_test
from fenpei.notifications.forms import WebhookChannelForm
from fenpei.notifications.models import Notification, WebhookChannel
from fenpei.notifications.selectors import (
    channels_visible_to,
    deliveries_visible_to,
    notifications_of,
    unread_count,
)
from fenpei.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    webhook_channel_delete,
    webhook_channel_save,
)
from fenpei.teams.access import Viewer, manager_of, teams_visible_to, viewer_of

PAGE_SIZE = 30


def _member(request: HttpRequest) -> tuple[Viewer, int]:
    viewer = viewer_of(request.user)
    if viewer.role == "outsider" or viewer.user_id is None:
        raise PermissionDenied
    return viewer, viewer.user_id


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    _viewer, user_id = _member(request)
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(notifications_of(user_id, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread_only": unread_only, "unread": unread_count(user_id)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer, user_id = _member(request)
    try:
        notification = notification_mark_read(user_id, pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if _is_htmx(request):
        return render(
            request,
            "notifications/_item.html",
            {"n": notification, "unread": unread_count(user_id), "oob": True},
        )
    # "Open" marks read and follows the item's link; "Mark read" comes back to the inbox.
    target = notification.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    _viewer, user_id = _member(request)
    n = notifications_mark_all_read(user_id)
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if n:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:inbox")


# ---------------------------------------------------------------------- webhooks


@login_required
@require_safe
def channels(request: HttpRequest) -> HttpResponse:
    viewer = manager_of(request.user)
    deliveries = Paginator(deliveries_visible_to(viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/channels.html",
        {"channels": channels_visible_to(viewer), "deliveries": deliveries},
    )


def _form(viewer: Viewer, data: Any = None, instance: WebhookChannel | None = None) -> Any:
    return WebhookChannelForm(
        data, instance=instance, teams=teams_visible_to(viewer), company=viewer.is_admin
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    viewer = manager_of(request.user)
    channel = get_object_or_404(channels_visible_to(viewer), pk=pk) if pk is not None else None
    form = _form(viewer, request.POST if request.method == "POST" else None, channel)
    if request.method == "POST" and form.is_valid():
        webhook_channel_save(viewer, form.save(commit=False))
        messages.success(request, _("Webhook saved."))
        return redirect("notifications:channels")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "notifications/channel_form.html",
        {"form": form, "channel": channel},
        status=status,
    )


@login_required
@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    channel = get_object_or_404(channels_visible_to(viewer), pk=pk)
    webhook_channel_delete(viewer, channel)
    messages.success(request, _("Webhook deleted."))
    return redirect("notifications:channels")


@login_required
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = manager_of(request.user)
    channel = get_object_or_404(channels_visible_to(viewer), pk=pk)
    webhook_channel_test(channel)
    messages.success(request, _("Test message queued; see the delivery log below."))
    return redirect("notifications:channels")
