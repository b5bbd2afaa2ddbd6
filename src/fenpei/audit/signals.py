"""Signals sent by the audit trail.

``events_recorded`` fires from ``transaction.on_commit`` after each recording call (one
owner change of many customers: one signal with all their events), so receivers
(notifications) never see events that were rolled back. Sent robustly: a failing receiver
is logged and does not stop the others. Arguments: ``sender=AuditEvent``,
``events: list[AuditEvent]`` (saved, with their ids).
"""

from django.dispatch import Signal

events_recorded = Signal()
