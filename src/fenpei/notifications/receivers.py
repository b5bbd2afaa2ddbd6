"""Receivers: committed audit events become inbox items and robot messages."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from fenpei.audit.signals import events_recorded
from fenpei.notifications.dispatch import owner_changes_notify

log = logging.getLogger(__name__)


@receiver(events_recorded, dispatch_uid="notifications.owner_changes")
def on_events_recorded(sender: Any, events: list[Any], **kwargs: Any) -> None:
    # Sent after the owner change committed: a failure here must not turn a done change
    # into an error page, so it is logged instead.
    try:
        owner_changes_notify(events)
    except Exception:
        log.exception("could not notify about %d audit events", len(events))
