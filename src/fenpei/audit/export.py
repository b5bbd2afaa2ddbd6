"""The filtered audit trail as an Excel sheet (XlsxWriter, streamed row by row in
constant memory, so a year of events does not sit in memory as cells)."""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.audit.models import AuditEvent
from fenpei.audit.wording import event_summary, source_label


def events_xlsx(events: Iterable[AuditEvent]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet(_("Audit trail")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    headers = [
        (_("Time"), 20),
        (_("Kind"), 12),
        (_("Source"), 14),
        (_("Customer no."), 16),
        (_("Customer"), 30),
        (_("Previous owner"), 12),
        (_("New owner"), 12),
        (_("By"), 14),
        (_("What happened"), 40),
        (_("Reason"), 40),
        (_("Run"), 8),
        (_("Import"), 8),
        (_("Policy version"), 10),
    ]
    for col, (title, width) in enumerate(headers):
        sheet.set_column(col, col, width)
        sheet.write(0, col, title, bold)
    sheet.freeze_panes(1, 0)
    row = 0
    for row, e in enumerate(events, start=1):
        at = timezone.localtime(e.at).replace(tzinfo=None)
        sheet.write_datetime(row, 0, at, when)
        sheet.write(row, 1, e.get_kind_display())
        sheet.write(row, 2, source_label(e))
        sheet.write(row, 3, e.customer_key)
        sheet.write(row, 4, e.customer_name)
        sheet.write(row, 5, e.from_rep_name)
        sheet.write(row, 6, e.to_rep_name)
        sheet.write(row, 7, e.actor_name)
        sheet.write(row, 8, event_summary(e))
        sheet.write(row, 9, e.reason)
        for col, value in ((10, e.run_id), (11, e.batch_id), (12, e.policy_version)):
            if value is not None:
                sheet.write_number(row, col, value)
    sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)
    book.close()
    return out.getvalue()
