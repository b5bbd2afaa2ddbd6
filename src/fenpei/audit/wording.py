"""How an event reads: its words are chosen when shown, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fenpei.audit.models import AuditEvent, AuditKind, AuditSource


def event_summary(event: AuditEvent) -> str:
    """One line: what happened (the who and when are columns of their own)."""
    d = event.details or {}
    if event.kind == AuditKind.POLICY_CHANGE:
        if d.get("action") == "activate":
            return _("Policy v%(old)s replaced by earlier version v%(new)s") % {
                "old": d.get("from_version", "?"),
                "new": d.get("to_version", "?"),
            }
        return _("Policy v%(old)s replaced by new version v%(new)s") % {
            "old": d.get("from_version", "?"),
            "new": d.get("to_version", "?"),
        }
    if event.kind == AuditKind.IMPORT:
        return _("Import: %(new)s new, %(updated)s updated, %(owners)s owners given") % {
            "new": d.get("new", 0),
            "updated": d.get("updated", 0),
            "owners": d.get("owners_given", 0),
        }
    if event.kind == AuditKind.MERGE:
        names = "、".join(
            f"{x.get('name', '')} ({x.get('key', '')})" for x in d.get("duplicates", [])
        )
        return _("Merged duplicates into this record: %(names)s") % {"names": names}
    pool = _("Pool")
    return f"{event.from_rep_name or pool} → {event.to_rep_name or pool}"


def source_label(event: AuditEvent) -> str:
    try:
        return str(AuditSource(event.source).label)
    except ValueError:
        return event.source
