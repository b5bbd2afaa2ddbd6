"""A review as an Excel workbook (XlsxWriter): one sheet per section, headers in the
active language, amounts as numbers with a ¥ format, times as Excel dates. A review is a
few hundred rows at most (lists are capped), so it is written in memory."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fenpei.reviews.selectors import Review

Cell = str | int | float | datetime | None
Write = Callable[[int, int, Cell], None]


class _Book:
    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.out, {"in_memory": True})
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        self.when = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.money = self.book.add_format({"num_format": "¥#,##0"})
        self.share = self.book.add_format({"num_format": "0.0%"})
        self.ratio = self.book.add_format({"num_format": "0.0000"})

    def sheet(
        self,
        title: str,
        headers: Sequence[tuple[str, int, str]],
        rows: Sequence[Sequence[Cell]],
        note: str = "",
    ) -> None:
        """A sheet with a bold frozen header; each header names its width and format
        ("" text or number, "when", "money", "share", "ratio")."""
        sheet = self.book.add_worksheet(title[:31])
        formats = {"when": self.when, "money": self.money, "share": self.share, "ratio": self.ratio}
        for col, (name, width, _kind) in enumerate(headers):
            sheet.set_column(col, col, width)
            sheet.write(0, col, name, self.bold)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                fmt = formats.get(headers[col][2])
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(
                        r, col, timezone.localtime(value).replace(tzinfo=None), fmt
                    )
                elif fmt is not None:
                    sheet.write(r, col, value, fmt)
                else:
                    sheet.write(r, col, value)
        if note:
            sheet.write(len(rows) + 2, 0, note)

    def close(self) -> bytes:
        self.book.close()
        return self.out.getvalue()


def _more(shown: int, total: int) -> str:
    if total <= shown:
        return ""
    return _("%(shown)d of %(total)d rows shown; the counts include them all.") % {
        "shown": shown,
        "total": total,
    }


def _summary_sheet(book: _Book, review: Review) -> None:
    c, b = review.changes, review.balance
    teams = "、".join(name for _pk, name in review.scope.teams) or _("all teams")
    rows: list[Sequence[Cell]] = [
        (_("Teams"), teams),
        (_("From"), review.start.isoformat()),
        (_("To"), review.end.isoformat()),
        (_("Made at"), review.generated_at),
        (_("New customers"), c.arrivals),
        (_("Assigned from the pool"), c.assigned),
        (_("Moved between reps"), c.moves),
        (_("Handovers"), c.handovers),
        (_("Taken off (to the pool)"), c.released),
        (_("Claimed from the pool"), c.claims),
        (_("Returned to the pool"), c.returns),
        (_("Reclaimed to the pool"), c.reclaims),
        (_("Appeals opened"), c.appeals_opened),
        (_("Appeals decided"), c.appeals_decided),
        (_("Load Gini at the start"), round(b.start.load_gini, 4)),
        (_("Load Gini at the end"), round(b.end.load_gini, 4)),
        (_("Value Gini at the start"), round(b.start.value_gini, 4)),
        (_("Value Gini at the end"), round(b.end.value_gini, 4)),
    ]
    book.sheet(_("Summary"), [(_("Figure"), 28, ""), (_("Value"), 24, "")], rows)


def _changes_sheets(book: _Book, review: Review) -> None:
    c = review.changes
    book.sheet(
        _("Changes"),
        [
            (_("Time"), 18, "when"),
            (_("What"), 18, ""),
            (_("Customer no."), 16, ""),
            (_("Customer"), 30, ""),
            (_("From"), 12, ""),
            (_("To"), 12, ""),
            (_("Note"), 40, ""),
        ],
        [
            (r.at, r.what_label, r.customer_key, r.customer_name, r.from_name, r.to_name, r.note)
            for r in c.change_rows
        ],
        _more(len(c.change_rows), c.changes_total),
    )
    book.sheet(
        _("New customers"),
        [
            (_("Created at"), 18, "when"),
            (_("Customer no."), 16, ""),
            (_("Customer"), 30, ""),
            (_("Team"), 12, ""),
            (_("Owner"), 12, ""),
        ],
        [(a.at, a.customer_key, a.customer_name, a.team, a.owner) for a in c.arrival_rows],
        _more(len(c.arrival_rows), c.arrivals),
    )
    book.sheet(
        _("Appeals"),
        [
            (_("Opened at"), 18, "when"),
            (_("Customer no."), 16, ""),
            (_("Customer"), 30, ""),
            (_("Rep"), 12, ""),
            (_("Kind"), 10, ""),
            (_("Outcome"), 10, ""),
            (_("Decided at"), 18, "when"),
            (_("Given to"), 12, ""),
            (_("Decision note"), 40, ""),
        ],
        [
            (
                a.opened_at,
                a.customer_key,
                a.customer_name,
                a.rep,
                a.kind,
                a.status,
                a.decided_at,
                a.target,
                a.note,
            )
            for a in c.appeal_rows
        ],
        _more(len(c.appeal_rows), c.appeals_opened),
    )


def _fairness_sheet(book: _Book, review: Review) -> None:
    book.sheet(
        _("Fairness"),
        [
            (_("Employee no."), 10, ""),
            (_("Rep"), 12, ""),
            (_("Team"), 12, ""),
            (_("Available"), 10, "share"),
            (_("Capacity"), 10, ""),
            (_("Customers at the start"), 12, ""),
            (_("Customers at the end"), 12, ""),
            (_("Potential value at the start"), 16, "money"),
            (_("Potential value at the end"), 16, "money"),
        ],
        [
            (
                r.key,
                r.name,
                r.team,
                r.available,
                r.capacity,
                r.load_start,
                r.load_end,
                r.value_start,
                r.value_end,
            )
            for r in review.balance.reps
        ],
    )


def _goals_sheet(book: _Book, review: Review) -> None:
    book.sheet(
        _("Goals"),
        [
            (_("Team"), 12, ""),
            (_("Rep or team"), 14, ""),
            (_("Period start"), 12, ""),
            (_("Period end"), 12, ""),
            (_("Metric"), 14, ""),
            (_("Target"), 14, ""),
            (_("Done"), 14, ""),
            (_("Progress"), 10, ""),
            (_("Period gone"), 10, ""),
            (_("Status"), 12, ""),
        ],
        [
            (
                g.team,
                g.who,
                g.period_start.isoformat(),
                g.period_end.isoformat(),
                g.metric_label,
                float(g.target),
                float(g.value),
                g.percent,
                g.pace_percent,
                g.status_label,
            )
            for g in review.goals
        ],
    )


def _results_sheet(book: _Book, review: Review) -> None:
    res = review.results
    lines = [*res.reps, res.total]
    book.sheet(
        _("Results"),
        [
            (_("Employee no."), 10, ""),
            (_("Rep"), 12, ""),
            (_("Team"), 12, ""),
            (_("Follow-ups"), 10, ""),
            (_("New customers"), 10, ""),
            (_("Deals won"), 10, ""),
            (_("Deals lost"), 10, ""),
            (_("Won amount"), 16, "money"),
            (_("Conversion"), 10, "share"),
        ],
        [
            (
                r.key,
                r.name if r.rep_id is not None else _("Total"),
                r.team,
                r.followups,
                r.new_customers,
                r.won,
                r.lost,
                float(r.won_amount),
                r.conversion,
            )
            for r in lines
        ],
    )


def _suggestions_sheet(book: _Book, review: Review) -> None:
    book.sheet(
        _("Suggestions"),
        [(_("Team"), 12, ""), (_("Suggestion"), 90, "")],
        [(s.team, s.text) for s in review.suggestions],
    )


def review_xlsx(review: Review) -> bytes:
    """The workbook's bytes, worded in the active language."""
    book = _Book()
    _summary_sheet(book, review)
    _changes_sheets(book, review)
    _fairness_sheet(book, review)
    _goals_sheet(book, review)
    _results_sheet(book, review)
    _suggestions_sheet(book, review)
    return book.close()
