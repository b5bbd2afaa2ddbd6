"""The dashboard's numbers as an Excel workbook: one sheet per table of figures, the
same rows the page shows under each chart, with real numbers (¥, %, hours)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.dashboards.cards import HOURS, INT, MONEY, PCT, RATIO, Card
from fenpei.dashboards.periods import Period
from fenpei.tables.xlsx import FORMATS, HEADER, display_width

_FORMAT_OF = {INT: "int", MONEY: "money", PCT: "pct", HOURS: "2dp", RATIO: "2dp"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_names(cards: Sequence[Card]) -> list[str]:
    """Unique sheet names of at most 31 characters (Excel's limit), one per table."""
    names: list[str] = []
    for card in cards:
        for table in card.tables:
            name = card.title if len(card.tables) == 1 else f"{card.title} {table.title}"
            name = _BAD_SHEET_CHARS.sub(" ", name)[:28]
            candidate, k = name, 2
            while candidate in names:
                candidate, k = f"{name} {k}", k + 1
            names.append(candidate)
    return names


def _cell(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def dashboard_xlsx(cards: Sequence[Card], period: Period, scope: str, at: datetime) -> bytes:
    """The workbook's bytes: an overview sheet, then every card's tables."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header = book.add_format(HEADER)
    formats = {name: book.add_format(spec) for name, spec in FORMATS.items()}
    about = book.add_worksheet(_("Overview"))
    facts = [
        (_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"),
        (_("Scope"), scope),
        (_("Held figures as of"), f"{timezone.localtime(at):%Y-%m-%d %H:%M}"),
        *((card.title, card.headline) for card in cards),
    ]
    for row, (label, text) in enumerate(facts):
        about.write_string(row, 0, label, header)
        about.write_string(row, 1, text)
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 60)
    names = iter(_sheet_names(cards))
    for card in cards:
        for table in card.tables:
            ws = book.add_worksheet(next(names))
            widths = [display_width(c.label) + 2 for c in table.columns]
            for col, column in enumerate(table.columns):
                ws.write_string(0, col, column.label, header)
            for row, values in enumerate(table.rows, start=1):
                for col, (value, column) in enumerate(zip(values, table.columns, strict=True)):
                    style = formats.get(_FORMAT_OF.get(column.kind, ""))
                    if value is None:
                        ws.write_blank(row, col, None, style)
                    elif column.kind in _FORMAT_OF:
                        ws.write_number(row, col, _cell(value), style)
                    else:
                        ws.write_string(row, col, str(value))
                        widths[col] = max(widths[col], display_width(str(value)) + 2)
            for col, width in enumerate(widths):
                ws.set_column(col, col, min(max(width, 10), 40))
            ws.freeze_panes(1, 1)
            ws.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)
    book.close()
    return out.getvalue()
