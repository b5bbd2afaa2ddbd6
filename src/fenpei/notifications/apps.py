from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "fenpei.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Connects the receiver of committed audit events (new owners, handovers, reclaims).
        import_module("fenpei.notifications.receivers")
